// Crashes and restarts of the cache's processes (the server pool's lifecycle, in the cache's
// terms), and the failover that follows a primary's death: Redis Sentinel (sentinel.h) or
// Redis Cluster's own (cluster.c).
#include "models/cache/cache_impl.h"
#include "models/cache/sentinel.h"

namespace archsim::cache {

// ---- Crashable: slots are nodes (hash-slot ranges); the pool crashes their primaries ----

// Crashes the primaries of the first `count` nodes that have one: the pool drops what they
// hold (drop_jobs), slot_down loses their contents and starts the failover, and the pool
// restarts them after restart_time (slot_ready).
std::uint32_t Cache::crash(Context& ctx, std::uint32_t count) {
  std::uint32_t done = 0;
  for (std::uint32_t n = 0; n < nodes_.size() && done < count; ++n) {
    if (nodes_[n].down) continue;
    if (pool_.crash_node(ctx, pool_slot(n, nodes_[n].primary))) ++done;
  }
  return done;
}

// Node `slot`'s primary fails and waits for its repair.
bool Cache::fail_instance(Context& ctx, std::uint32_t slot) {
  if (slot >= nodes_.size() || nodes_[slot].down) return false;
  return pool_.fail_instance(ctx, pool_slot(slot, nodes_[slot].primary));
}

// Every process of node `slot` that is down starts again (and rejoins: slot_ready).
void Cache::repair_instance(Context& ctx, std::uint32_t slot) {
  if (slot >= nodes_.size()) return;
  for (std::uint32_t i = 0; i < nodes_[slot].inst.size(); ++i)
    if (!nodes_[slot].inst[i].up) pool_.repair_instance(ctx, pool_slot(slot, i));
}

// ---- Disruptable: a planned removal of a node's primary ----

// Redis Cluster's CLUSTER FAILOVER (default mode, cluster.c's manual failover; Sentinel's
// planned switchover is modelled the same way): the primary pauses its clients, the replica
// catches up with the primary's replication offset, is promoted, and the old primary
// becomes its replica with the same data; its paused clients are redirected. Nothing
// acknowledged is lost and no client sees an error. Simplifications: the catch-up (at most
// replication_lag) is instantaneous, so the clients' pause is not charged; operations
// queued at the old primary finish there (a read on its full copy, a write on the new
// primary's store, as a redirected client's would).
// Without replicas there is nobody to hand the node to: the drain stops the process as
// Kubernetes does, with SIGTERM, which Redis answers as SHUTDOWN (server.c
// prepareForShutdown): with save points or the AOF it saves the data set before it exits, so
// the restart after restart_time loads it whole (nothing lost, warm at once); without
// persistence it comes back empty. Either way its keys are unavailable meanwhile, as after a
// crash (`shutdowns`, not `crashes`). Simplified: the save takes no time; a full disk makes it
// fail and the process stops all the same (Kubernetes kills it after its grace period).
std::uint32_t Cache::drain(Context& ctx, std::uint32_t count) {
  std::uint32_t done = 0;
  for (std::uint32_t n = 0; n < nodes_.size() && done < count; ++n) {
    Node& nd = nodes_[n];
    if (nd.down) continue;
    if (p_.replicas == 0) {
      save_at_shutdown(ctx, nd);
      shutting_down_ = true;
      const bool stopped = pool_.crash_node(ctx, pool_slot(n, nd.primary), /*replaced=*/true);
      shutting_down_ = false;
      if (stopped) {
        if (ctx.now() >= ctx.warmup()) ++shutdowns_;
        ++done;
      }
      continue;
    }
    std::uint32_t next = kNone;
    for (std::uint32_t i = 0; i < nd.inst.size() && next == kNone; ++i)
      if (i != nd.primary && nd.inst[i].up) next = i;
    if (next == kNone) continue;  // no live replica to hand over to: the node stays
    for (std::size_t k = nd.log_head; k < nd.log.size(); ++k) nd.log[k].due = ctx.now();
    replicate(ctx, n);  // the replica reaches the primary's offset before it takes over
    const double entries = static_cast<double>(nd.store().size()), bytes = static_cast<double>(nd.store().bytes());
    nd.primary = static_cast<std::uint8_t>(next);
    size_changed(ctx, static_cast<double>(nd.store().size()) - entries, static_cast<double>(nd.store().bytes()) - bytes);
    ctx.metrics().add(failovers_c_);
    ++done;
  }
  return done;
}

// ---- PoolJobs ----

// The process in `slot` is going down (crash or failure): what it serves dies with it. A
// primary takes its node out of service first (no live primary until a failover or its
// restart) and closes the node's flights, whose waiters (on replicas too) are dropped.
void Cache::drop_jobs(Context& ctx, std::uint32_t slot) {
  const std::uint32_t n = slot / per_node_, i = slot % per_node_;
  Node& nd = nodes_[n];
  Instance& in = nd.inst[i];
  if (!in.up) return;
  in.up = false;
  in.lost = true;
  if (i == nd.primary) {
    nd.down = true;
    ++nd.epoch;
    for (std::uint32_t f = 0; f < flights_.size(); ++f) {
      if (!flights_[f].live || flights_[f].node != n) continue;
      flights_[f].waiters.for_each(waiter_link(), [&](std::uint32_t w) { jobs_[w].inst = static_cast<std::uint8_t>(i); });
      close_flight(ctx, f);
    }
  } else {
    unlink_waiters(n, i);
  }
  for (std::uint32_t j = 0; j < jobs_.size(); ++j) {
    Job& job = jobs_[j];
    if (!jobs_.live(j) || job.node != n || job.inst != i) continue;
    if (job.in_pool) pool_.job_done(ctx, slot);  // the pool empties the slot's queue and workers itself
    if (job.has_caller) {
      ctx.metrics().add(dropped_c_);
      ctx.reply(job.call, Status::Dropped);
    }
    free_job(j);
  }
}

// The process is down: its contents are gone (no persistence). A primary's node loses its
// unflushed write-behind writes and the replication stream not yet sent, and Sentinel or
// the cluster starts the failover.
void Cache::slot_down(Context& ctx, std::uint32_t slot) {
  const std::uint32_t n = slot / per_node_, i = slot % per_node_;
  Node& nd = nodes_[n];
  Instance& in = nd.inst[i];
  if (!in.lost) return;
  in.lost = false;
  if (i != nd.primary) {  // a replica's copy is not in the entries gauge; it resyncs when back
    in.store->clear();
    return;
  }
  take_down(ctx, n);
}

// The process is back (restart or repair): it rejoins (restart_instance).
void Cache::slot_ready(Context& ctx, std::uint32_t slot) { restart_instance(ctx, slot / per_node_, slot % per_node_); }

// Node n's primary went down (drop_jobs has dropped its operations): its data set, its
// unflushed writes and unsent stream are lost, and the failover starts.
void Cache::take_down(Context& ctx, std::uint32_t n) {
  Node& nd = nodes_[n];
  if (ctx.now() >= ctx.warmup() && !shutting_down_) ++crashes_;
  double entries = static_cast<double>(nd.store().size()), bytes = static_cast<double>(nd.store().bytes());
  persist_at_crash(nd);  // what its disk keeps (durability.cpp)
  nd.store().clear();
  size_changed(ctx, -entries, -bytes);
  lose_unflushed(ctx, nd);
  if (p_.replicas > 0) lose_unreplicated(ctx, nd);
  set_ready(ctx, ready_ - 1);
  // Sentinel: the quorum-th sentinel to see the primary silent for down_after declares it
  // down; the elected leader promotes a replica promotion_time later.
  if (p_.replicas > 0 && p_.cluster_failover) {
    // Redis Cluster (cluster.c): the others flag the node PFAIL after cluster-node-timeout
    // and FAIL once a majority of primaries agree; a replica then waits 500 ms + random
    // 0-500 ms (rank 0) and is elected by that majority. No majority of live primaries: no
    // failover at all (the node waits for its restart).
    const std::uint64_t data = n | (static_cast<std::uint64_t>(nd.epoch) << 16);
    if (ready_ >= nodes_.size() / 2 + 1) {
      if (p_.full_coverage) arm(ctx, p_.node_timeout, kClusterFail, data);
      const Time election = 500 * kMillisecond + static_cast<Time>(sentinel_rng_.uniform() * 500.0 * kMillisecond);
      arm(ctx, p_.node_timeout + election, kFailover, data);
    } else if (p_.full_coverage) {
      arm(ctx, p_.node_timeout, kClusterFail, data);  // never FAIL by vote, but its slots stay uncovered
    }
  } else if (p_.replicas > 0) {
    const Time at = odown_delay(p_.sentinels, p_.quorum, p_.down_after, sentinel_rng_) + p_.promotion_time;
    arm(ctx, at, kFailover, n | (static_cast<std::uint64_t>(nd.epoch) << 16));
  }
}

void Cache::bring_up(Context& ctx, std::uint32_t n) {
  nodes_[n].down = false;
  nodes_[n].inst[nodes_[n].primary].up = true;
  set_ready(ctx, ready_ + 1);
}

// cluster-node-timeout passed with node (data & 0xffff) still down in the same epoch: it is
// FAIL, and with require_full_coverage the whole cluster refuses queries (on_request).
void Cache::cluster_fail(std::uint64_t data) {
  auto n = static_cast<std::uint32_t>(data & 0xffff);
  if (nodes_[n].down && nodes_[n].epoch == static_cast<std::uint32_t>(data >> 16) && !nodes_[n].cluster_fail) {
    nodes_[n].cluster_fail = true;
    ++cluster_failed_;
  }
}

void Cache::clear_cluster_fail(Node& nd) {
  if (!nd.cluster_fail) return;
  nd.cluster_fail = false;
  --cluster_failed_;
}

// Sentinel promotes the first live replica (equal priorities and offsets here).
void Cache::failover(Context& ctx, std::uint32_t n) {
  Node& nd = nodes_[n];
  std::uint32_t best = kNone;
  for (std::uint32_t i = 0; i < nd.inst.size() && best == kNone; ++i)
    if (i != nd.primary && nd.inst[i].up) best = i;
  if (best == kNone) return;  // nothing to promote: the node waits for its primary's restart
  nd.primary = static_cast<std::uint8_t>(best);
  nd.down = false;
  clear_cluster_fail(nd);
  set_ready(ctx, ready_ + 1);
  ctx.metrics().add(failovers_c_);
  size_changed(ctx, static_cast<double>(nd.store().size()), static_cast<double>(nd.store().bytes()));
}

// A crashed instance is back. Before any failover it is the primary again, empty (no
// persistence), and its replicas resynchronise to its empty data set; after one it rejoins
// as a replica with a full copy of the new primary's data.
void Cache::restart_instance(Context& ctx, std::uint32_t n, std::uint32_t i) {
  Node& nd = nodes_[n];
  Instance& in = nd.inst[i];
  if (in.up) return;
  if (p_.replicas == 0) {
    if (nd.down) {
      restore(ctx, n);  // from its disk, if it persists (durability.cpp)
      bring_up(ctx, n);
    }
    return;
  }
  in.up = true;
  if (nd.down) {
    nd.primary = static_cast<std::uint8_t>(i);
    nd.down = false;
    clear_cluster_fail(nd);
    ++nd.epoch;  // the pending failover is moot
    set_ready(ctx, ready_ + 1);
    restore(ctx, n);  // from its disk, if it persists; its replicas resynchronise to that
    for (std::uint32_t k = 0; k < nd.inst.size(); ++k) {
      if (k == i || !nd.inst[k].up) continue;
      if (!persist_.on) nd.inst[k].store->clear();
      else *nd.inst[k].store = nd.store();
    }
  } else {
    *in.store = nd.store();
  }
}

// The number of nodes serving (a primary up) is now `n`: the availability report's ledger.
void Cache::set_ready(Context& ctx, std::uint32_t n) {
  ready_ = n;
  ready_ledger_.set(ctx.now(), ctx.warmup(), n);
}

}  // namespace archsim::cache
