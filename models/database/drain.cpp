// A drain of the database (the `drain` fault) is a planned switchover of each shard's
// primary, as Patroni's `patronictl switchover` and RDS's planned failover (reboot with
// failover) do, unlike a crash's failover (failover.cpp):
//   1. the primary stops taking new queries (they fail with not_primary, as a demoted
//      PostgreSQL primary refuses writes while clients reconnect); its queries in flight finish;
//   2. the switchover waits until the chosen replica (the up one that applied the most) has
//      applied every committed write, checked every millisecond (Patroni checks the
//      candidate's replayed LSN against the primary's in a loop);
//   3. after `failover.promotion` it becomes the primary; the old primary stays up as a
//      replica at the same position (a clean demotion needs no rewind).
// No acknowledged write is lost, where a crash loses those the promoted replica had not
// received. A shard without an up replica is left alone (Patroni refuses a switchover without
// a healthy candidate). Simplifications: reads already on replicas go on serving; the
// scheduled demotion is immediate (no checkpoint time).
//
// A drain with "role": "replica" evicts replicas instead, one per shard in shard order (the
// first up replica of each), as a replica pod's eviction under Patroni goes: its REST health
// check answers 503 from the start of the shutdown, so the proxy in front (HAProxy on
// Patroni's /replica check) sends it no new reads, and PostgreSQL's smart shutdown waits for
// the sessions it serves to end. Once its queries are done (checked every millisecond) it
// stops, is down for restart_time (the pool's restart, not counted a crash) and rejoins as a
// replica cloned from the primary. Its reads go to the shard's other replicas meanwhile (or
// to none: reads then fail as with no replica up). Simplified: no shutdown timeout (smart
// shutdown waits as long as it takes); a write waiting for its acknowledgement (semi_sync,
// sync) sees it leave as it would a crash.
#include "models/database/database_impl.h"

namespace archsim::database {

namespace {
constexpr Time kCatchUpPoll = kMillisecond;
}  // namespace

// A switchover step is a kFailover timer whose shard index carries one of these bits.
std::uint64_t Database::switch_token(std::uint32_t s, std::uint32_t bit) const {
  return node_token(s | bit, shard_[s].epoch);
}

int Database::switch_candidate(const Shard& sh) const {
  int best = -1;
  for (std::uint32_t r : sh.nodes) {
    const Node& n = nodes_[r];
    if (r == sh.primary || !n.up || n.primary) continue;
    if (best < 0 || n.applied > nodes_[static_cast<std::size_t>(best)].applied) best = static_cast<int>(r);
  }
  return best;
}

std::uint32_t Database::drain(Context& ctx, std::uint32_t count) {
  Context::ActingAs as(ctx, index());  // the switchover's timers and counts are the database's
  std::uint32_t done = 0;
  for (std::uint32_t s = 0; s < shard_.size() && done < count; ++s) {
    Shard& sh = shard_[s];
    if (!sh.has_primary || sh.failover_pending || switch_candidate(sh) < 0) continue;
    sh.has_primary = false;  // admit() answers not_primary from now on
    sh.failover_pending = true;  // a node back from a restart meanwhile waits for the end (slot_ready)
    sh.down_since = ctx.now();
    intervals_.push_back(Interval{"shard" + std::to_string(s), ctx.now(), -1});
    arm(ctx, 0, kFailover, switch_token(s, kSwitchCatchUp));
    ++done;
  }
  return done;
}

void Database::switchover_step(Context& ctx, std::uint32_t s, bool promote) {
  Shard& sh = shard_[s];
  const int best = switch_candidate(sh);
  if (best < 0) {
    // The candidates went down meanwhile: the old primary takes writes again.
    sh.has_primary = nodes_[sh.primary].up;
    sh.failover_pending = false;
    if (sh.has_primary) close_interval(ctx, s);
    rejoin_waiting(ctx, s);
    return;
  }
  const std::uint32_t b = static_cast<std::uint32_t>(best);
  const bool caught_up = nodes_[sh.primary].conns == 0 && sh.pending.empty() && nodes_[b].applied >= sh.pos;
  if (!promote || !caught_up) {
    // Not there yet, or a candidate changed under the promotion: wait (again) for catch-up.
    if (caught_up)
      arm(ctx, p_.promotion, kFailover, switch_token(s, kSwitchPromote));
    else
      arm(ctx, kCatchUpPoll, kFailover, switch_token(s, kSwitchCatchUp));
    return;
  }
  set_role(ctx, sh.primary, false);
  set_role(ctx, b, true);
  sh.primary = b;
  sh.has_primary = true;
  sh.failover_pending = false;
  close_interval(ctx, s);
  ctx.metrics().add(switchovers_c_);
  rejoin_waiting(ctx, s);
}

std::uint32_t Database::drain_replicas(Context& ctx, std::uint32_t count) {
  Context::ActingAs as(ctx, index());
  std::uint32_t done = 0;
  for (std::uint32_t s = 0; s < shard_.size() && done < count; ++s) {
    for (std::uint32_t r : shard_[s].nodes) {
      Node& n = nodes_[r];
      if (r == shard_[s].primary || n.primary || !n.up || n.leaving) continue;
      n.leaving = true;
      arm(ctx, 0, kFailover, node_token(r | kReplicaStop, 0));
      ++done;
      break;
    }
  }
  return done;
}

void Database::replica_stop_step(Context& ctx, std::uint32_t r) {
  Node& n = nodes_[r];
  if (!n.up || !n.leaving) return;  // it went down meanwhile (drop_jobs ends the drain)
  if (n.conns > 0 && !n.primary) {
    arm(ctx, kCatchUpPoll, kFailover, node_token(r | kReplicaStop, 0));
    return;
  }
  n.leaving = false;
  if (n.primary) return;  // promoted by a failover while it drained: it stays
  if (pool_.crash_node(ctx, r, /*replaced=*/true)) ctx.metrics().add(replica_drains_c_);
}

}  // namespace archsim::database
