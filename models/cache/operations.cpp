// The cache's operations on a node's store: get (with lazy expiry, staleness and early
// refresh), set, delete, the backend reads of read-through, and the entries and bytes gauges.
#include <cmath>

#include "models/cache/cache_impl.h"
#include "lib/hash/key_slot.h"
#include "models/contracts/result_flags.h"

namespace archsim::cache {

namespace rf = result_flags;
static_assert(kNoSlot == kNone);

std::uint32_t Cache::node_of(std::uint64_t key) const {
  if (nodes_.size() == 1) return 0;
  return static_cast<std::uint32_t>(static_cast<std::uint64_t>(key_slot(key)) * nodes_.size() / kHashSlots);
}

std::uint32_t Cache::alloc_job() {
  const std::uint32_t j = jobs_.alloc();
  jobs_[j].next = kNone;
  jobs_[j].in_pool = false;
  return j;
}

// The operation has a worker (a shared cache's, in the pool) or the caller's thread (local):
// `latency`, divided by the speed of the node's instance type, times a slowdown fault's factor.
void Cache::begin_service(Context& ctx, std::uint32_t j) {
  Time t = p_.latency.sample_time(rng_);
  if (!p_.local) {
    const double speed = pool_.instance(pool_slot(jobs_[j].node, jobs_[j].inst)).speed;
    if (speed != 1.0) t = static_cast<Time>(static_cast<double>(t) / speed);
  }
  if (slowdown_ != 1.0) t = static_cast<Time>(static_cast<double>(t) * slowdown_);
  t += fsync_cost(jobs_[j].op);  // appendfsync always: the write's fsync before its reply
  ctx.trace_span(jobs_[j].call, TraceSpan::Work, ctx.now(), after(ctx.now(), t));
  arm(ctx, t, kServe, token(j));
}

void Cache::start_service(Context& ctx, std::uint32_t, std::uint32_t j, bool waited) {
  if (waited) ctx.trace_span(jobs_[j].call, TraceSpan::Queue, jobs_[j].since, ctx.now());
  begin_service(ctx, j);
}

void Cache::execute(Context& ctx, std::uint32_t j) {
  switch (jobs_[j].op) {
    case Op::Get: get(ctx, j); break;
    case Op::Set: set(ctx, j); break;
    case Op::Delete: del(ctx, j); break;
  }
}

Time Cache::expiry_from(Time now) {
  if (p_.ttl == kTimeMax) return kTimeMax;
  Time t = p_.ttl;
  if (p_.jitter > 0) t += static_cast<Time>(static_cast<double>(p_.jitter) * (2 * rng_.uniform() - 1));
  return now + std::max<Time>(1, t);
}

// `value` is the request's bytes (0: the key's value_bytes); the entry costs it plus the
// per-key overhead. False when maxmemory_policy noeviction refuses it (it would need an eviction).
bool Cache::store_value(Context& ctx, Node& nd, std::uint64_t key, std::uint32_t value, Time read_at, Time delta,
                        bool write) {
  if (nd.down) return true;  // a fill that arrives after the primary died has nowhere to go
  CacheStore& s = nd.store();
  const std::uint32_t bytes = (value > 0 ? value : p_.value_sizes.of(key)) + p_.key_overhead_bytes;
  if (p_.no_eviction && !s.fits(key, bytes)) {
    ctx.metrics().add(oom_c_);
    return false;
  }
  std::uint64_t ev = s.evictions();
  std::size_t before = s.size();
  std::uint64_t bytes_before = s.bytes();
  std::uint32_t slot = s.put(key, bytes, ctx.now());
  if (slot != kNone) {
    ++nd.disk.changes;  // a change of the data set (Redis's server.dirty; durability.h)
    Entry& e = s.at(slot);
    e.read_at = read_at;
    e.delta = delta;
    e.expiry = expiry_from(ctx.now());
    if (p_.replicas > 0) replicate_later(ctx, nd, ReplOp{0, key, read_at, e.expiry, delta, bytes, false, write});
  }
  if (s.evictions() > ev) ctx.metrics().add(evictions_c_, s.evictions() - ev);
  size_changed(ctx, static_cast<double>(s.size()) - static_cast<double>(before),
               static_cast<double>(s.bytes()) - static_cast<double>(bytes_before));
  return true;
}

std::uint64_t Cache::drop_keys(Context& ctx, std::uint64_t first, std::uint64_t end) {
  Context::ActingAs as(ctx, index());
  std::uint64_t dropped = 0;
  for (Node& nd : nodes_)
    for (std::size_t i = 0; i < nd.inst.size(); ++i) {
      CacheStore& st = *nd.inst[i].store;
      const double n0 = static_cast<double>(st.size()), b0 = static_cast<double>(st.bytes());
      const bool all = first == 0 && end == kAllKeys;
      if (all) st.clear();
      for (std::uint64_t k = first; !all && k < end && st.size() > 0; ++k)
        if (const std::uint32_t slot = st.find(k); slot != kNone) st.erase(slot);
      dropped += static_cast<std::uint64_t>(n0) - st.size();
      if (i == nd.primary) size_changed(ctx, static_cast<double>(st.size()) - n0, static_cast<double>(st.bytes()) - b0);
    }
  return dropped;
}

// Keys 0 .. preload-1 (the hottest) as fills read at t = 0, in every process of their node,
// each entry costing value_bytes + key_overhead_bytes. A node whose share of the keys would
// not fit (the keys hash unevenly) keeps the hottest that do: a warm start never evicts. They
// are stored coldest first, so that the hottest key is the most recently used, as a warm-up
// by reads leaves it (a real LRU's head; among lfu's equal counts, the latest tick): stored
// hottest first, an LRU's first evictions would take the hottest keys.
void Cache::preload(Context& ctx) {
  std::vector<std::vector<std::uint64_t>> kept(nodes_.size());
  std::vector<std::uint64_t> count(nodes_.size(), 0), bytes(nodes_.size(), 0);
  for (std::uint64_t k = 0; k < p_.preload; ++k) {
    const std::size_t n = node_of(k);
    const std::uint64_t b = p_.value_sizes.of(k) + p_.key_overhead_bytes;
    const StoreConfig& c = nodes_[n].store().config();
    if (count[n] + 1 > c.capacity || (c.capacity_bytes > 0 && bytes[n] + b > c.capacity_bytes)) continue;
    ++count[n];
    bytes[n] += b;
    kept[n].push_back(k);
  }
  for (std::size_t n = 0; n < nodes_.size(); ++n)
    for (auto k = kept[n].rbegin(); k != kept[n].rend(); ++k) {
      const std::uint32_t b = p_.value_sizes.of(*k) + p_.key_overhead_bytes;
      for (Instance& in : nodes_[n].inst)
        if (const std::uint32_t slot = in.store->put(*k, b, 0); slot != kNone) in.store->at(slot).expiry = expiry_from(0);
    }
  for (Node& nd : nodes_) size_changed(ctx, static_cast<double>(nd.store().size()), static_cast<double>(nd.store().bytes()));
  // A persistent node warm at t = 0 loaded that data set from its disk at start-up (Redis
  // counts it as saved): a restart loads it again (durability.h).
  if (persist_.on)
    for (Node& nd : nodes_) *nd.disk.image = nd.store();
}

void Cache::erase_key(Context& ctx, Node& nd, std::uint32_t slot, bool write) {
  CacheStore& s = nd.store();
  double b = static_cast<double>(s.at(slot).bytes);
  if (p_.replicas > 0) replicate_later(ctx, nd, ReplOp{0, s.at(slot).key, 0, kTimeMax, 0, 0, true, write});
  s.erase(slot);
  ++nd.disk.changes;
  size_changed(ctx, -1, -b);
}

void Cache::size_changed(Context& ctx, double entries, double bytes) {
  if (entries != 0) ctx.metrics().add(entries_g_, entries, ctx.now());
  if (bytes != 0) ctx.metrics().add(bytes_g_, bytes, ctx.now());
}

// The latest write the cache knows of: its own writes and deletes, and the store of record's
// commits (writers that updated the database without going through the cache).
Time Cache::last_write(std::uint64_t key) const {
  std::uint32_t w = writes_map_.find(key);
  const Time own = w == kNone ? -1 : write_times_[w];
  return source_ ? std::max(own, source_->last_write(key)) : own;
}

void Cache::record_write(std::uint64_t key, Time now) {
  std::uint32_t w = writes_map_.find(key);
  if (w == kNone) {
    writes_map_.put(key, static_cast<std::uint32_t>(write_times_.size()));
    write_times_.push_back(now);
  } else {
    write_times_[w] = now;
  }
}

void Cache::get(Context& ctx, std::uint32_t j) {
  Job& job = jobs_[j];
  Node& nd = nodes_[job.node];
  const std::uint64_t key = job.req.key;
  const bool first = !job.looked;
  job.looked = true;
  if (first) {
    ctx.metrics().add(lookups_c_);
    ++window_lookups_;
  }
  // A replica serves from its own copy; it reports an expired key missing without
  // deleting it (Redis replicas wait for the primary's DEL).
  const bool on_replica = job.inst != nd.primary;
  CacheStore& st = *nd.inst[job.inst].store;
  if (first && on_replica) ctx.metrics().add(replica_reads_c_);
  std::uint32_t slot = st.find(key);
  if (slot != kNone && ctx.now() >= st.at(slot).expiry) {  // lazy expiry
    if (!on_replica) erase_key(ctx, nd, slot);
    ctx.metrics().add(expired_c_);
    slot = kNone;
  }
  if (slot != kNone) {
    Entry& e = st.at(slot);
    bool refresh = false;
    if (p_.stampede == Stampede::EarlyRefresh && e.expiry != kTimeMax) {
      // XFetch: recompute early when now - delta * beta * ln(U) >= expiry.
      double early = static_cast<double>(e.delta) * p_.beta * -std::log(rng_.uniform_pos());
      refresh = static_cast<double>(ctx.now()) + early >= static_cast<double>(e.expiry);
    }
    if (refresh && p_.pattern != Pattern::ReadThrough) {
      ctx.metrics().add(early_c_);
      count_miss(ctx, first);
      ctx.reply(job.call, Status::Ok, Result{static_cast<std::uint64_t>(e.read_at), rf::kMiss});
      free_job(j);
      return;
    }
    st.touch(slot, ctx.now());
    std::uint32_t flags = 0;
    const Time written = last_write(key);
    if (e.read_at < written) {
      flags |= rf::kStale;
      ctx.metrics().add(stale_c_);
    }
    if (p_.local && written >= 0 && disagrees(job.node, key, e.read_at >= written, written, ctx.now()))
      ctx.metrics().add(inconsistent_c_);
    if (first) {
      ctx.metrics().add(hits_c_);
      ++window_hits_;
    }
    Result r{static_cast<std::uint64_t>(e.read_at), flags};
    if (refresh && flights_map_.find(flight_key(key, job.node)) == kNone) {
      // Read-through early refresh: answer now, refresh in the background.
      ctx.metrics().add(early_c_);
      const RequestInfo req = job.req;
      const CallId call = job.call;
      const std::uint32_t node = job.node;
      std::uint32_t b = alloc_job();  // may move jobs_: `job` is not used after this
      jobs_[b].req = req;
      jobs_[b].node = node;
      jobs_[b].inst = nd.primary;
      jobs_[b].op = Op::Get;
      jobs_[b].has_caller = false;
      flights_[open_flight(ctx, key, node)].leader = b;
      fetch(ctx, b);
      ctx.reply(call, Status::Ok, r);
      free_job(j);
      return;
    }
    ctx.reply(job.call, Status::Ok, r);
    free_job(j);
    return;
  }
  if (first) count_miss(ctx, true);
  std::uint32_t f = flights_map_.find(flight_key(key, job.node));
  const bool single_flight = p_.stampede == Stampede::Coalesce || p_.stampede == Stampede::Lock;
  if (p_.pattern == Pattern::ReadThrough) {
    if (f != kNone && single_flight) {
      wait_on(ctx, j, f);
      return;
    }
    if (single_flight) flights_[open_flight(ctx, key, job.node)].leader = j;
    fetch(ctx, j);
    return;
  }
  // Cache-aside: the caller reads the database and sets the key.
  if (single_flight) {
    if (f != kNone) {
      wait_on(ctx, j, f);
      return;
    }
    std::uint32_t nf = open_flight(ctx, key, job.node);
    arm(ctx, p_.lease_timeout, kLease, slot_payload(nf, flights_[nf].gen));
  }
  ctx.reply(job.call, Status::Ok, Result{0, rf::kMiss});
  free_job(j);
}

void Cache::count_miss(Context& ctx, bool first) {
  if (first) ctx.metrics().add(misses_c_);
}

void Cache::set(Context& ctx, std::uint32_t j) {
  Job& job = jobs_[j];
  Node& nd = nodes_[job.node];
  const std::uint64_t key = job.req.key;
  if (!job.req.write) {
    // A fill after a miss: the value was read from the source after the request began.
    const bool stored = store_value(ctx, nd, key, job.req.bytes, job.req.start, ctx.now() - job.req.start);
    std::uint32_t f = flights_map_.find(flight_key(key, job.node));
    if (f != kNone) release_flight(ctx, f, Status::Ok, Result{static_cast<std::uint64_t>(job.req.start), 0});
    ctx.reply(job.call, stored ? Status::Ok : Status::Error);  // Redis noeviction: OOM
    free_job(j);
    return;
  }
  if (p_.update_on_write && !store_value(ctx, nd, key, job.req.bytes, ctx.now(), 0, true)) {
    ctx.reply(job.call, Status::Error);  // Redis noeviction: the SET is refused (OOM), nothing written
    free_job(j);
    return;
  }
  ctx.metrics().add(writes_c_);
  record_write(key, ctx.now());
  if (!p_.update_on_write) {
    std::uint32_t slot = nd.store().find(key);
    if (slot != kNone) erase_key(ctx, nd, slot, true);
  }
  switch (p_.pattern) {
    case Pattern::WriteThrough: {
      ctx.metrics().add(backend_writes_c_);
      RequestInfo w = job.req;
      if (p_.has_write_route) w.route = static_cast<std::uint16_t>(p_.write_route);
      ctx.call(p_.backend, w, token(j));
      return;  // answered when the backend acks (write_through_done)
    }
    case Pattern::WriteBehind: buffer_write(ctx, nd); break;
    default: break;
  }
  ctx.reply(job.call, Status::Ok);
  free_job(j);
}

void Cache::del(Context& ctx, std::uint32_t j) {
  Job& job = jobs_[j];
  Node& nd = nodes_[job.node];
  record_write(job.req.key, ctx.now());
  std::uint32_t slot = nd.store().find(job.req.key);
  if (slot != kNone) erase_key(ctx, nd, slot, true);
  ctx.reply(job.call, Status::Ok);
  free_job(j);
}

// Read-through: the cache reads the backend itself.
void Cache::fetch(Context& ctx, std::uint32_t j) {
  Job& job = jobs_[j];
  job.t0 = ctx.now();
  ctx.metrics().add(backend_reads_c_);
  RequestInfo r = job.req;
  r.write = false;
  if (p_.has_read_route) r.route = static_cast<std::uint16_t>(p_.read_route);
  ctx.call(p_.backend, r, token(j));
}

// A read-through fill (or a background refresh) came back from the backend.
void Cache::fill_done(Context& ctx, CallId, Status status, std::uint32_t j) {
  Job& job = jobs_[j];
  Node& nd = nodes_[job.node];
  std::uint32_t f = flights_map_.find(flight_key(job.req.key, job.node));
  if (served(status)) {
    Time read_at = job.t0;
    store_value(ctx, nd, job.req.key, job.req.bytes, read_at, ctx.now() - job.t0);
    Result r{static_cast<std::uint64_t>(read_at), 0};
    if (job.has_caller) ctx.reply(job.call, Status::Ok, r);
    if (f != kNone && owns(f, j)) release_flight(ctx, f, Status::Ok, r);
  } else {
    if (job.has_caller) ctx.reply(job.call, status);
    if (f != kNone && owns(f, j)) release_flight(ctx, f, status, Result{});
  }
  free_job(j);
}

}  // namespace archsim::cache
