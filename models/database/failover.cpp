// Crashes, failures and repairs of the database's nodes (the server pool's lifecycle, in the
// database's terms) and the Orchestrator / MHA style failover that follows a primary's loss:
// detection + promotion of the replica with the most received events; acknowledged writes it
// never received are lost.
#include <algorithm>

#include "models/database/database_impl.h"

namespace archsim::database {

// ---- Crashable ----

// A crash takes the primaries of the first `count` shards that have one: the pool drops
// their jobs and restarts them (restart + start-up); slot_down starts the failover.
std::uint32_t Database::crash(Context& ctx, std::uint32_t count) {
  std::uint32_t done = 0;
  for (std::uint32_t s = 0; s < shard_.size() && done < count; ++s) {
    Shard& sh = shard_[s];
    if (!sh.has_primary) continue;
    if (pool_.crash_node(ctx, sh.primary)) ++done;
  }
  return done;
}

// A failed node waits for its repair (then starts up and rejoins: slot_ready).
bool Database::fail_instance(Context& ctx, std::uint32_t slot) {
  if (slot >= nodes_.size() || !nodes_[slot].up) return false;
  return pool_.fail_instance(ctx, slot);
}

void Database::repair_instance(Context& ctx, std::uint32_t slot) {
  if (slot >= nodes_.size() || nodes_[slot].up) return;
  pool_.repair_instance(ctx, slot);
}

// ---- PoolJobs ----

// The node in `slot` is going down (crash, failure, zone outage): it stops serving first,
// so that nothing below hands its cores or the row lock to its own jobs; its queries die
// with it (held connections, cores, the row lock) and its replication stream stops.
void Database::drop_jobs(Context& ctx, std::uint32_t slot) {
  Node& n = nodes_[slot];
  if (!n.up) return;
  n.up = false;
  n.lost = true;
  n.leaving = false;
  set_up_count(ctx, up_count_ - 1);
  reset_replication(ctx, slot);
  for (std::uint32_t j = 0; j < jobs_.size(); ++j) {
    Job& job = jobs_[j];
    if (job.state == JobState::Free || job.node != slot) continue;
    if (job.state == JobState::WaitLock) lock_.cancel(j);
    if (job.lock_held) {
      job.lock_held = false;
      release_lock(ctx);
    }
    if (job.rows > 0) drop_rows(ctx, j);  // its row locks (locks.cpp)
    leave_lease_wait(j);                   // its wait for a lease (leases.cpp)
    drop_job(ctx, j);
  }
  set_busy(ctx, n, -static_cast<int>(n.busy));
}

// What the node's loss does to its shard: a primary's starts the failover.
void Database::slot_down(Context& ctx, std::uint32_t slot) {
  Node& n = nodes_[slot];
  if (!n.lost) return;
  n.lost = false;
  n.waiting = false;
  lose_node(ctx, slot);
}

// The node is back from a restart or a repair: during its shard's failover it waits for
// the failover's end; otherwise it rejoins as a replica cloned from the primary, or as the
// primary (crash recovery) when the shard has none.
void Database::slot_ready(Context& ctx, std::uint32_t slot) {
  Node& n = nodes_[slot];
  if (n.up) return;
  const Shard& sh = shard_[n.shard];
  if (sh.failover_pending) {
    n.waiting = true;
    return;
  }
  bring_up(ctx, slot, !sh.has_primary);
}

Crashable::ReadyHistory Database::ready_history(Time now, Time warmup) const {
  // Nodes up over time from the ledger; an outage is a shard without a primary (a failover
  // interval), which the ledger's level (nodes up) does not see.
  ReadyHistory h = ready_ledger_.history(now, warmup);
  for (const Interval& i : intervals_) {
    Time a = std::max(i.start, warmup), b = i.end < 0 ? now : i.end;
    if (b > a) {
      ++h.outages;
      h.outage_seconds += to_seconds(b - a);
    }
  }
  return h;
}

// ---- the failover ----

// A node lost (its jobs already dropped): a primary leaves its shard without one until
// the failover; a lost replica may be the acknowledgement a semi_sync / sync write waited for.
void Database::lose_node(Context& ctx, std::uint32_t r) {
  Node& n = nodes_[r];
  Shard& sh = shard_[n.shard];
  if (n.primary) {
    sh.pending.clear();
    sh.has_primary = false;
    sh.failover_pending = true;
    sh.down_since = ctx.now();
    ++sh.epoch;
    intervals_.push_back(Interval{"shard" + std::to_string(n.shard), ctx.now(), -1});
    // Binlog events still on the wire to the replicas never arrive.
    for (std::uint32_t o : sh.nodes)
      if (o != r && nodes_[o].up) {
        Node& rep = nodes_[o];
        ++rep.epoch;
        rep.transit.clear();
        rep.acks.clear();
        rep.last_arrival = 0;
        // The relay log already received is still applied: re-arm its applier under the new epoch.
        if (rep.applying && rep.apply_has_core)
          arm(ctx, at_speed(apply_cost_.sample_time(rep.rng), o), kApplyDone, node_token(o, rep.epoch));
      }
    arm(ctx, p_.detection + p_.promotion, kFailover, node_token(n.shard, sh.epoch));
  } else if (p_.replication != Replication::Async) {
    check_acks(ctx, n.shard);
  }
}

void Database::failover(Context& ctx, std::uint32_t s) {
  Shard& sh = shard_[s];
  sh.failover_pending = false;
  int best = -1;
  for (std::uint32_t r : sh.nodes) {
    const Node& n = nodes_[r];
    if (r == sh.primary || !n.up) continue;
    if (best < 0 || n.received > nodes_[static_cast<std::size_t>(best)].received) best = static_cast<int>(r);
  }
  const std::uint32_t old = sh.primary;
  if (best < 0) {
    // No replica: crash recovery of the old primary (its redo log keeps every commit),
    // now if it is back, else when it is (slot_ready).
    if (nodes_[old].waiting) bring_up(ctx, old, true);
    rejoin_waiting(ctx, s);
    return;
  }
  const std::uint32_t b = static_cast<std::uint32_t>(best);
  Node& nb = nodes_[b];
  const std::uint64_t pos = nb.received;
  if (sh.acked > pos) ctx.metrics().add(lost_c_, sh.acked - pos);
  sh.acked = std::min(sh.acked, pos);
  sh.pos = pos;
  for (std::uint64_t& v : sh.versions) v = std::min(v, pos);
  reset_replication(ctx, b);
  nb.applied = nb.received = nb.ack_applied = nb.ack_received = pos;
  set_role(ctx, b, true);
  sh.primary = b;
  sh.has_primary = true;
  for (std::uint32_t r : sh.nodes) {
    if (r == b || !nodes_[r].up) continue;
    reset_replication(ctx, r);
    Node& o = nodes_[r];
    o.applied = o.received = o.ack_applied = o.ack_received = pos;  // resynchronised from the new primary
  }
  close_interval(ctx, s);
  ++failovers_;
  rejoin_waiting(ctx, s);
}

// Nodes of the shard back from a restart during its failover rejoin as replicas.
void Database::rejoin_waiting(Context& ctx, std::uint32_t s) {
  for (std::uint32_t r : shard_[s].nodes)
    if (nodes_[r].waiting) bring_up(ctx, r, !shard_[s].has_primary);
}

void Database::set_role(Context& ctx, std::uint32_t r, bool primary) {
  Node& n = nodes_[r];
  if (n.primary == primary) return;
  int busy = static_cast<int>(n.busy);
  ctx.metrics().add(n.primary ? primary_busy_g_ : replica_busy_g_, -busy, ctx.now());
  n.primary = primary;
  ctx.metrics().add(n.primary ? primary_busy_g_ : replica_busy_g_, busy, ctx.now());
}

void Database::close_interval(Context& ctx, std::uint32_t s) {
  const std::string label = "shard" + std::to_string(s);
  for (Interval& i : intervals_)
    if (i.end < 0 && i.label == label) i.end = ctx.now();
}

// A node comes back: as the primary (crash recovery, nothing lost) or as a replica cloned
// from the primary at its current position.
void Database::bring_up(Context& ctx, std::uint32_t r, bool as_primary) {
  Node& n = nodes_[r];
  Shard& sh = shard_[n.shard];
  n.up = true;
  n.waiting = false;
  set_up_count(ctx, up_count_ + 1);
  n.applied = n.received = n.ack_applied = n.ack_received = sh.pos;
  set_role(ctx, r, as_primary);
  if (as_primary) {
    sh.primary = r;
    sh.has_primary = true;
    close_interval(ctx, n.shard);
  }
}

// The number of nodes up is now `n` (the availability report's ledger).
void Database::set_up_count(Context& ctx, std::uint32_t n) {
  up_count_ = n;
  ready_ledger_.set(ctx.now(), ctx.warmup(), n, /*outage=*/false);
}

}  // namespace archsim::database
