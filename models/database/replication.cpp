// MySQL replication: the primary commits a write at the next binlog position; each live
// replica receives it `replication_lag` later (plus a cross-zone delay), relays it and applies
// it in order on one of its own cores. async acknowledges at commit; semi_sync when one
// replica has received it; sync when every live replica applied it.
#include <algorithm>

#include "models/database/database_impl.h"

namespace archsim::database {

// A write committed on the primary: binlog position, replication, acknowledgement.
void Database::commit_write(Context& ctx, std::uint32_t j) {
  Job& job = jobs_[j];
  const std::uint32_t node = job.node;
  Node& n = nodes_[node];
  Shard& sh = shard_[n.shard];
  job.pos = ++sh.pos;
  n.received = n.applied = sh.pos;
  if (cdc_.on && !job.internal && job.req.has_key) capture(ctx, job.req.key);  // cdc.cpp
  if (keep_write_times_ && job.req.has_key) {
    const std::uint32_t w = written_map_.find(job.req.key);
    if (w == cache::KeyMap::kNone) {
      written_map_.put(job.req.key, static_cast<std::uint32_t>(written_at_.size()));
      written_at_.push_back(ctx.now());
    } else {
      written_at_[w] = ctx.now();
    }
  }
  bool any = false;
  for (std::uint32_t r : sh.nodes) {
    Node& rep = nodes_[r];
    if (r == node || !rep.up) continue;
    any = true;
    Time delay = p_.lag.sample_time(rep.rng);
    if (crosses(r, node)) delay += p_.cross_zone.sample_time(rep.rng);
    Time arrival = std::max(rep.last_arrival, after(ctx.now(), delay));
    rep.last_arrival = arrival;
    rep.transit.push(Transit{sh.pos, ctx.now()});
    arm(ctx, arrival - ctx.now(), kTransit, node_token(r, rep.epoch));
  }
  if (p_.replication == Replication::Async || !any) {
    acknowledge(ctx, j);
    return;
  }
  job.state = JobState::WaitAck;
  job.wait_since = ctx.now();
  sh.pending.push(j);
}

void Database::acknowledge(Context& ctx, std::uint32_t j) {
  Job& job = jobs_[j];
  Shard& sh = shard_[nodes_[job.node].shard];
  sh.acked = std::max(sh.acked, job.pos);
  sh.versions[version_slot(job.req.key)] = job.pos;
  if (p_.read_your_writes > 0) sessions_[session_slot(job.req.session)] = ctx.now();
  end_job(ctx, j, Status::Ok, Result{job.pos, 0});
}

void Database::arrive(Context& ctx, std::uint32_t r) {
  Node& n = nodes_[r];
  if (n.transit.empty()) return;
  Transit t = n.transit.pop();
  n.received = t.pos;
  n.relay.push(t);
  if (p_.replication == Replication::SemiSync) send_ack(ctx, r, t.pos, false);
  try_apply(ctx, r);
}

void Database::try_apply(Context& ctx, std::uint32_t r) {
  Node& n = nodes_[r];
  if (n.applying || n.relay.empty()) return;
  n.applying = true;
  accept(ctx, r, kApplyJob | r);
}

void Database::begin_apply(Context& ctx, std::uint32_t r) {
  Node& n = nodes_[r];
  n.apply_has_core = true;
  set_busy(ctx, n, +1);
  arm(ctx, at_speed(apply_cost_.sample_time(n.rng), r), kApplyDone, node_token(r, n.epoch));
}

void Database::apply_done(Context& ctx, std::uint32_t r) {
  Node& n = nodes_[r];
  n.apply_has_core = false;
  n.applying = false;
  release_core(ctx, r);
  if (!n.relay.empty()) {
    Transit t = n.relay.pop();
    n.applied = t.pos;
    ctx.metrics().record(lag_h_, ctx.now() - t.commit);
    if (p_.replication == Replication::Sync) send_ack(ctx, r, t.pos, true);
  }
  try_apply(ctx, r);
}

void Database::check_acks(Context& ctx, std::uint32_t s) {
  Shard& sh = shard_[s];
  while (!sh.pending.empty()) {
    std::uint32_t j = sh.pending.front();
    std::uint64_t pos = jobs_[j].pos;
    bool any = false, ok = p_.replication == Replication::Sync;
    for (std::uint32_t r : sh.nodes) {
      const Node& rep = nodes_[r];
      if (r == sh.primary || !rep.up) continue;
      any = true;
      if (p_.replication == Replication::SemiSync && rep.ack_received >= pos) ok = true;
      if (p_.replication == Replication::Sync && rep.ack_applied < pos) ok = false;
    }
    if (!ok && any) return;
    sh.pending.pop();
    ctx.trace_span(jobs_[j].call, TraceSpan::Replicate, jobs_[j].wait_since, ctx.now());
    acknowledge(ctx, j);
  }
}

// A replica tells the primary what it received (semi_sync) or applied (sync); across
// zones the note arrives a cross-zone delay later (notes are taken in order).
void Database::send_ack(Context& ctx, std::uint32_t r, std::uint64_t pos, bool applied) {
  Node& n = nodes_[r];
  const Shard& sh = shard_[n.shard];
  if (!crosses(r, sh.primary)) {
    (applied ? n.ack_applied : n.ack_received) = pos;
    check_acks(ctx, n.shard);
    return;
  }
  n.acks.push(AckNote{pos, applied});
  arm(ctx, p_.cross_zone.sample_time(n.rng), kAck, node_token(r, n.epoch));
}

void Database::ack_arrived(Context& ctx, std::uint32_t r) {
  Node& n = nodes_[r];
  if (n.acks.empty()) return;
  AckNote a = n.acks.pop();
  std::uint64_t& known = a.applied ? n.ack_applied : n.ack_received;
  known = std::max(known, a.pos);
  check_acks(ctx, n.shard);
}

// Stops a node's replication stream: events in transit are gone, the relay log emptied.
void Database::reset_replication(Context& ctx, std::uint32_t r) {
  Node& n = nodes_[r];
  ++n.epoch;
  n.transit.clear();
  n.relay.clear();
  n.acks.clear();
  n.last_arrival = 0;
  if (n.applying) {
    n.applying = false;
    const bool had_core = n.apply_has_core;
    n.apply_has_core = false;
    if (!n.up) pool_.job_done(ctx, r);  // going down: the pool empties the node itself
    else if (had_core) release_core(ctx, r);
    else pool_.withdraw(ctx, r, kApplyJob | r);
  }
}

// Visible on the primary from its commit (the time a cache's copy is compared against).
Time Database::last_write(std::uint64_t key) const {
  const std::uint32_t w = written_map_.find(key);
  return w == cache::KeyMap::kNone ? -1 : written_at_[w];
}

}  // namespace archsim::database

