// Reads and writes at their consistency levels, and read repair. See kv_store.h.
#include <algorithm>

#include "models/contracts/result_flags.h"
#include "models/kv_store/store.h"

namespace archsim::kv_store {

std::uint32_t Store::key_index(std::uint64_t key) {
  const std::uint32_t found = key_index_.find(key);
  if (found != cache::KeyMap::kNone) return found;
  const auto k = static_cast<std::uint32_t>(acked_.size());
  key_index_.put(key, k);
  acked_.push_back(0);
  versions_.resize(versions_.size() + stride_, 0);  // grows to the keys used, then stays
  return k;
}

std::uint32_t Store::new_op(Context& ctx, CallId call, std::uint32_t key) {
  std::uint32_t s;
  if (!free_.empty()) {
    s = free_.back();
    free_.pop_back();
  } else {
    ops_.emplace_back();  // grows to the most operations in flight at once, then reuses
    s = static_cast<std::uint32_t>(ops_.size() - 1);
  }
  Op& o = ops_[s] = Op{};
  o.busy = true;
  o.call = call;
  o.start = ctx.now();
  o.key = key;
  return s;
}

void Store::release(std::uint32_t slot) {
  Op& o = ops_[slot];
  if (--o.pending == 0 && o.replied) {
    o.busy = false;
    free_.push_back(slot);
  }
}

void Store::apply(std::uint32_t key, std::uint32_t pos, std::uint64_t version) {
  std::uint64_t& v = versions_[static_cast<std::size_t>(key) * stride_ + pos];
  v = std::max(v, version);  // last write wins: a replica keeps the newest timestamp it was sent
}

// Where a request goes: the key's replicas that are up (strict quorum, Cassandra) or, with a
// sloppy quorum (Dynamo 4.6), the first replication_factor healthy nodes of its preference
// list, stand-ins for the replicas that are down included. Positions in the list, the
// coordinator's centre first; a LOCAL level takes its centre's alone.
std::uint32_t Store::targets(std::uint32_t range, Level level, std::uint32_t dc, std::uint8_t* out, std::uint32_t& local) const {
  const std::uint8_t* list = ring_.replicas_of(range);
  const std::uint32_t reach = p_.sloppy_quorum ? p_.nodes : p_.replication_factor;
  std::uint32_t n = 0;
  for (std::uint32_t pos = 0; pos < reach && n < p_.replication_factor; ++pos)
    if (nodes_[list[pos]].up && (pos >= p_.replication_factor || pos_dc_[pos] == dc)) out[n++] = static_cast<std::uint8_t>(pos);
  local = n;
  if (!is_local(level))
    for (std::uint32_t pos = 0; pos < p_.replication_factor; ++pos)
      if (pos_dc_[pos] != dc && nodes_[list[pos]].up) out[n++] = static_cast<std::uint8_t>(pos);
  return n;
}

void Store::on_request(Context& ctx, CallId call) {
  const RequestInfo req = ctx.request(call);
  if (req.write) ctx.metrics().add(writes_c_);
  else ctx.metrics().add(reads_c_);
  if (up_ == 0) return unavailable(ctx, call, req.write);  // no node to coordinate
  const std::uint32_t key = key_index(req.key);
  const std::uint32_t range = ring_.range_of(req.key);
  // The route's own level (a statement's consistency level), else the store's default.
  Level level = req.write ? p_.write : p_.read;
  if (req.route < route_level_.size() && route_level_[req.route] >= 0) level = static_cast<Level>(route_level_[req.route]);
  const std::uint32_t dc = dc_of_caller_.empty() ? 0 : dc_of_caller_[ctx.caller(call)];
  if (req.write) write(ctx, call, key, range, level, dc);
  else read(ctx, call, key, range, level, dc);
}

void Store::unavailable(Context& ctx, CallId call, bool write) {
  ctx.metrics().add(write ? writes_unavail_c_ : reads_unavail_c_);
  ctx.reply(call, Status::Unavailable);
}

// Cassandra's read path: R live replicas asked (one for the data, the others for a digest),
// the answer once all R are in.
void Store::read(Context& ctx, CallId call, std::uint32_t key, std::uint32_t range, Level level, std::uint32_t dc) {
  const std::uint32_t need = needs(level, dc);
  std::uint8_t live[kMaxReplicas];
  std::uint32_t local = 0;
  const std::uint32_t n_live = targets(range, level, dc, live, local);
  if (n_live < need) return unavailable(ctx, call, false);
  const std::uint32_t s = new_op(ctx, call, key);
  Op& o = ops_[s];
  o.version = acked_[key];
  Time last = 0;
  o.level = level;
  o.dc = static_cast<std::uint8_t>(dc);
  for (std::uint32_t i = 0; i < need; ++i) {
    // A random pick among the live replicas not asked yet (a partial Fisher-Yates shuffle),
    // the coordinator's centre first.
    const std::uint32_t group = i < local ? local : n_live;
    const auto j = i + static_cast<std::uint32_t>(rng_.below(group - i));
    std::swap(live[i], live[j]);
    o.contacted[i] = live[i];
    const Time far = hop(dc, live[i]);
    const Time at = far + net() + p_.read_time.sample_time(rng_);
    last = std::max(last, at + net() + far);
    ctx.schedule(at, kReplicaRead, s | std::uint64_t{i} << 32);
  }
  o.n = static_cast<std::uint8_t>(need);
  o.pending = static_cast<std::uint8_t>(need + 1);
  ctx.schedule(last, kReadDone, s);  // after every kReplicaRead: equal times keep their order
}

void Store::read_done(Context& ctx, std::uint32_t s) {
  Op& o = ops_[s];
  // Blocking read repair: the contacted replicas that answered an older version get the
  // newest, and the client's answer waits for their acknowledgements.
  if (p_.read_repair && o.n >= 2) {
    Time last = -1;
    std::uint32_t behind = 0;
    for (std::uint32_t i = 0; i < o.n; ++i) {
      if (o.seen[i] >= o.best) continue;
      const Time far = hop(o.dc, o.contacted[i]);
      const Time at = far + net() + p_.write_time.sample_time(rng_);
      last = std::max(last, at + net() + far);
      ctx.schedule(at, kRepairApply, s | std::uint64_t{o.contacted[i]} << 32);
      ++o.pending;
      ++behind;
    }
    if (behind > 0) {
      ctx.metrics().add(repairs_c_);
      ctx.metrics().add(repair_mutations_c_, behind);
      ++o.pending;
      ctx.schedule(last, kRepairDone, s);
      return;
    }
  }
  answer_read(ctx, s);
}

void Store::answer_read(Context& ctx, std::uint32_t s) {
  Op& o = ops_[s];
  Result res;
  res.value = o.best;
  const bool stale = o.best < o.version;
  if (stale) {
    res.flags |= result_flags::kStale;
    ctx.metrics().add(stale_c_);
  }
  ctx.metrics().add(reads_ok_c_);
  ctx.metrics().add(answered_c_);
  ctx.metrics().record(read_lat_, ctx.now() - o.start);
  if (per_level_) {
    const PerLevel& l = levels_[static_cast<std::size_t>(o.level)];
    ctx.metrics().add(l.reads_ok);
    if (stale) ctx.metrics().add(l.stale);
    ctx.metrics().record(l.read_latency, ctx.now() - o.start);
  }
  o.replied = true;
  ctx.reply(o.call, Status::Ok, res);
}

// The coordinator sends the mutation to every live replica and answers at the W-th
// acknowledgement; replicas down when it is sent get a hint instead.
void Store::write(Context& ctx, CallId call, std::uint32_t key, std::uint32_t range, Level level, std::uint32_t dc) {
  const std::uint32_t need = needs(level, dc);
  std::uint8_t live[kMaxReplicas];
  std::uint32_t local = 0;
  const std::uint32_t n_counted = targets(range, level, dc, live, local);
  if (n_counted < need) return unavailable(ctx, call, true);  // no hints either (Cassandra)
  // Every live replica gets the write; at a LOCAL level only the centre's count toward it.
  const std::uint32_t n_live = is_local(level) ? targets(range, Level::One, dc, live, local) : n_counted;
  const std::uint32_t s = new_op(ctx, call, key);
  Op& o = ops_[s];
  o.write = true;
  o.level = level;
  o.version = ++clock_;
  const std::uint8_t* replicas = ring_.replicas_of(range);
  for (std::uint32_t pos = 0; pos < p_.replication_factor; ++pos)
    if (!nodes_[replicas[pos]].up) hint(ctx, replicas[pos], key, pos, o.version);
  acks_.clear();
  for (std::uint32_t i = 0; i < n_live; ++i) {
    const std::uint32_t pos = live[i];
    if (pos >= p_.replication_factor) ctx.metrics().add(sloppy_c_);  // a stand-in takes it, with the hint
    const Time far = hop(dc, pos);
    const Time at = far + net() + p_.write_time.sample_time(rng_);
    if (i < (is_local(level) ? local : n_live)) acks_.push_back(at + net() + far);
    ctx.schedule(at, kApply, s | std::uint64_t{pos} << 32);
  }
  std::nth_element(acks_.begin(), acks_.begin() + (need - 1), acks_.end());
  o.pending = static_cast<std::uint8_t>(n_live + 1);
  ctx.schedule(acks_[need - 1], kWriteAck, s);  // after the applies it counts: equal times keep their order
}

void Store::write_acked(Context& ctx, std::uint32_t s) {
  Op& o = ops_[s];
  acked_[o.key] = std::max(acked_[o.key], o.version);
  ctx.metrics().add(writes_ok_c_);
  ctx.metrics().add(answered_c_);
  ctx.metrics().record(write_lat_, ctx.now() - o.start);
  if (per_level_) ctx.metrics().record(levels_[static_cast<std::size_t>(o.level)].write_latency, ctx.now() - o.start);
  o.replied = true;
  ctx.reply(o.call, Status::Ok);
}

void Store::on_timer(Context& ctx, std::uint16_t tag, std::uint64_t data) {
  const auto s = static_cast<std::uint32_t>(data);
  const auto arg = static_cast<std::uint32_t>(data >> 32);
  switch (tag) {
    case kReplicaRead: {
      Op& o = ops_[s];
      const std::uint64_t v = versions_[static_cast<std::size_t>(o.key) * stride_ + o.contacted[arg]];
      o.seen[arg] = v;
      o.best = std::max(o.best, v);
      break;
    }
    case kReadDone: read_done(ctx, s); break;
    case kApply: apply(ops_[s].key, arg, ops_[s].version); break;
    case kRepairApply: apply(ops_[s].key, arg, ops_[s].best); break;
    case kWriteAck: write_acked(ctx, s); break;
    case kRepairDone: answer_read(ctx, s); break;
    case kRestart:
      if (nodes_[data & 0xff].gen == (data >> 8) && !nodes_[data & 0xff].up) bring_up(ctx, static_cast<std::uint32_t>(data & 0xff));
      return;
    case kHintReplay: replay_hints(ctx, static_cast<std::uint32_t>(data & 0xff), static_cast<std::uint32_t>(data >> 8)); return;
    default: return;
  }
  release(s);
}

}  // namespace archsim::kv_store
