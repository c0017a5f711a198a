// The cache's parameters (models/cache/cache.h states the model), read once from its JSON
// object into CacheParams: units, ranges, defaults and the combinations that make no sense
// (a Sentinel field without replicas, a node count on a local cache) are refused here, with
// the field's location.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "models/cache/value_sizes.h"
#include "lib/cache_store/cache_store.h"
#include "scenario/build.h"
#include "sim/distribution.h"
#include "sim/time.h"

namespace archsim::cache {

enum class Pattern : std::uint8_t { CacheAside, ReadThrough, WriteThrough, WriteBehind };
enum class Stampede : std::uint8_t { None, Lock, Coalesce, EarlyRefresh, TtlJitter };

struct CacheParams {
  Pattern pattern = Pattern::CacheAside;
  bool local = false;              // one in-process copy per calling instance
  std::string local_pointer;       // JSON location of "local" (connect()'s errors)
  bool has_backend = false;
  RefId backend = 0;
  // The routes of the cache's own calls to its backend ("backend_routes"): reads (read-through)
  // on `read_route` when given, else on the request's own route; writes (write-through) on
  // `write_route` when given, else on the request's own; write-behind batches on `write_route`
  // ("write" unless given: a database's write query). The pointers say where each is named.
  // The store of record whose writes make a copy stale even when the writer went around the
  // cache: a cache-aside cache's "source", a read-through cache's backend (when it keeps
  // write times, as a database does). Write-through and write-behind see their writes.
  bool has_source = false;
  RefId source = 0;
  bool has_read_route = false, has_write_route = false;
  std::uint32_t read_route = 0, write_route = 0;
  std::string read_route_pointer, write_route_pointer;

  // Entry sizes: a request's `bytes` or the key's `value_bytes`, plus `key_overhead_bytes`.
  ValueSizes value_sizes;
  // "route_value_bytes": the size of the values a write on that route stores, overriding
  // value_bytes for the keys it writes (a request's own `bytes` still wins). Few routes: a
  // write scans them (no lookup by name during the run).
  struct RouteSize {
    std::uint32_t route = 0;
    ValueSizes sizes;
  };
  std::vector<RouteSize> route_sizes;
  std::uint32_t key_overhead_bytes = 0;
  // maxmemory_policy noeviction (or volatile-* without a TTL): a write that would need an
  // eviction is answered with an error (Redis's OOM reply) instead.
  bool no_eviction = false;

  // Contents: the store of each node (capacity already split over the nodes) or local copy.
  StoreConfig store;
  // "preload": keys 0 .. preload-1 cached at t = 0 (a cache warmed before the run, as the
  // OSDI 2022 look-aside experiment warms memcached); at most what capacity and
  // capacity_bytes hold.
  std::uint64_t preload = 0;
  Time ttl = kTimeMax, jitter = 0;  // jitter: half-width of the TTL's spread

  // Stampede control.
  Stampede stampede = Stampede::None;
  double beta = 1;                  // XFetch's beta (early_refresh)
  Time lock_retry = 0, lease_timeout = 0;

  // Write policies.
  Time flush_interval = 0;          // write-behind
  bool update_on_write = false;     // on_write "update" (else "invalidate")

  // Service: per operation, per node.
  Distribution latency;
  std::uint32_t concurrency = 1;
  Distribution restart_time;
  // "memory" (memory.cpp): each process's container limit and baseline, in MiB; 0 = no limit
  // (a memory_leak fault is then refused).
  double memory_limit_mb = 0, memory_base_mb = 0;

  // Nodes (hash-slot ranges), replication and failover.
  std::uint32_t nodes = 1;          // 0 for a local cache (its copies appear as instances call)
  std::uint32_t replicas = 0;
  bool read_replicas = false;
  Time replication_lag = 0;
  bool cluster_failover = false, full_coverage = true;
  Time node_timeout = 0;
  std::uint32_t sentinels = 3, quorum = 2;
  Time down_after = 0, promotion_time = 0;
};

// Reads the cache's fields from `p`; resolves its backend through `bc` (a local cache also
// tells `bc` it runs in-process). Throws ScenarioError on a bad field.
CacheParams read_cache_params(Params& p, BuildContext& bc);
// Reads "memory" into `c` (memory.cpp), after `c.nodes` and `c.local`; `capacity_bytes` is the
// whole tier's maxmemory when given.
void read_cache_memory(Params& p, CacheParams& c, std::optional<std::int64_t> capacity_bytes);

}  // namespace archsim::cache
