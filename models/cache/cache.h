// Cache: a shared cache tier such as Redis or Memcached (type "cache").
//
// Follows: Redis (src/evict.c for the sampled LRU/LFU policies, src/expire.c / db.c for
// lazy expiry, cluster.c keyHashSlot for sharding: CRC16 of the key mod 16384 slots, the
// slots split evenly over `nodes`; src/replication.c and src/sentinel.c for asynchronous
// replicas and Sentinel failover, sentinel.h); Caffeine's W-TinyLFU for "tinylfu"
// (lib/cache_store); the caching patterns as the AWS and Microsoft guides
// name them (cache-aside, read-through, write-through, write-behind); memcache leases
// (Nishtala et al., "Scaling Memcache at Facebook", NSDI 2013) for the lock and coalesce
// stampede protections in cache-aside; XFetch (Vattani, Chierichetti, Lowenstein,
// "Optimal Probabilistic Cache Stampede Prevention", VLDB 2015) for early refresh.
//
// Routes (RequestInfo::route by name): "set"/"put" store the key, "delete"/"invalidate"
// drop it, anything else is a "get" (or a "set" when the request is a write). Keys come from
// RequestInfo::key. Each node serves operations one `latency` each on `concurrency`
// workers (Redis is single-threaded: concurrency 1).
// Processes: every node's primary and each of its replicas is a slot of the shared server
// pool (models/server/pool, its addressed use: slot = node x (1 + replicas) + process):
// its workers and FIFO, its crash (the pool drops what it holds: drop_jobs), its restart
// after `restart_time` (slot_ready), a failure waiting for repair, and its billing by
// `instance_type` (each process for the whole run; the type's speed divides `latency`) are
// the pool's. What a process holds, replication, failover and hash slots are the cache's.
//   get: hit -> Ok, value = the time the cached value was read from its source (its
//        version), kStale when a write is known to have happened after that. Miss ->
//        cache_aside: Ok with kMiss (the caller reads the database, then sets);
//        read_through: the cache reads `backend` itself and answers with the value.
//   set (a fill, !write): stores the key; its version is the request's start time.
//   set (write): on_write "update" stores it, "invalidate" drops it; write_through then
//        writes `backend` and answers after it; write_behind answers at once and sends the
//        writes to `backend` in one batch call every `flush_interval`.
//   delete: drops the key and records a write (a writer invalidating after its update).
// Stampede: "coalesce" (single flight): one backend read per key at a time, the other
// misses wait for it (cache_aside: the first miss gets a lease, the others wait for its
// set, up to `lease_timeout`); "lock": the others retry every `lock_retry`; "early_refresh":
// a hit past now - delta * beta * ln(U) >= expiry is treated as a miss (cache_aside) or
// refreshed in the background (read_through), delta = the time the value took to compute;
// "ttl_jitter": TTLs spread by +-ttl_jitter (0.1 of the TTL unless given).
// Crashable (models/contracts/capabilities.h; slot = node, the crash reaches its primary): a
// crashed node loses its contents, its queued and running operations (Dropped) and its unflushed write-behind writes (lost_writes,
// exactly those), answers Unavailable while down, and restarts cold after `restart_time`.
// Replicas (replicas > 0): each node is a primary and replicas, each with its own store and
// workers. The primary streams every change to the replicas, applied `replication_lag`
// later; read_from "replicas" serves gets from them round robin. A crash hits the primary:
// the stream it had not sent is lost (client writes in it count as lost_writes), its node
// takes no writes until Sentinel (sentinel.h: the quorum-th sentinel's down_after, plus
// promotion_time) promotes the first live replica; the crashed process returns after
// restart_time as a replica with a full copy (or, if no failover happened, as an empty
// primary whose replicas resync to nothing).
// failover "cluster" replaces Sentinel with Redis Cluster's own (cluster.c): the node's slots
// fail until cluster_node_timeout flags it FAIL, then (require_full_coverage) every query is
// refused (CLUSTERDOWN) until a replica is elected 500 ms + random 0-500 ms later by a
// majority of the live primaries; without that majority there is no failover.
//
// local = true: a local, in-process cache (Caffeine's, or Guava's, inside each pod): one copy
// (its own store, `capacity` each) per instance of the one service that calls it, known from
// the call (Context::caller_instance, models/contracts/caller_instance.h); a new life of the
// instance (a restart, a new instance in the slot) starts its copy cold. Operations take
// `latency` on the caller's thread: no workers, queue or network (BuildContext::in_process),
// and no pool: nothing of its own to bill or crash.
// A write or delete changes only the calling instance's copy: the others serve the old value
// until TTL (stale_reads; local_inconsistent_reads when another live copy is on the other side
// of the key's latest write). No nodes, replicas, crashes of its own or write-behind.
//
// Simplifications: expiry is lazy (on access; an expired entry holds its place until then
// or until it is evicted), as Redis without its active expire cycle; a fill's version is the
// client request's start time (the database read happened after it), so staleness is
// judged conservatively; write-behind batches are counted, not coalesced per key; replicas
// evict by their own policy instead of mirroring the primary's evictions; sentinels never
// fail; a local cache learns of an instance's restart at its next call, and compares copies
// by the key's latest write only (two copies older than it count as agreeing).
//
// Files: cache_impl.h (the component's class and what each of its files does), params.{h,cpp},
// one .cpp per job (operations, stampede, write_policy, replication, failover, local);
// lib/hash/key_slot.h, sentinel.h.
#pragma once
#include <memory>

#include "scenario/build.h"

namespace archsim {

std::unique_ptr<Component> make_cache(Params& p, BuildContext& bc);

}  // namespace archsim
