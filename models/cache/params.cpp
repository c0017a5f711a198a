#include "models/cache/params.h"

#include <algorithm>
#include <optional>
#include <vector>

#include "lib/hash/key_slot.h"
#include "models/cache/sentinel.h"
#include "scenario/params.h"

namespace archsim::cache {
namespace {

// `value_bytes` or one route's size in `route_value_bytes`: whole bytes, or a distribution
// drawn per key (value_sizes.h). A route's constant is at least 1 byte (0 would mean "the
// key's own size", which leaving the route out says).
ValueSizes read_value_sizes(Params& p, const std::string& field, std::int64_t min_bytes) {
  ValueSizes out;
  if (p.shape(field) == Params::Shape::object) {
    // Mixed sizes: drawn per key (value_sizes.h).
    Params v = p.object(field);
    static const std::vector<std::string> kDists{"uniform", "lognormal"};
    if (!v.has("dist")) v.missing("dist");
    const std::string d = v.choice("dist", "uniform", kDists);
    out.drawn = true;
    if (d == "uniform") {
      const auto lo = v.integer("min", 1, 1, 512LL << 20);
      const auto hi = v.require_integer("max", 1, 512LL << 20);
      if (hi < lo) v.fail("max", "must be at least \"min\" (" + std::to_string(lo) + ")");
      // Whole bytes lo..hi, each alike: uniform on [lo - 0.5, hi + 0.5) rounds to them.
      out.dist = Distribution::uniform(static_cast<double>(lo) - 0.5, static_cast<double>(hi) + 0.5);
    } else {
      const auto median = v.require_integer("median", 1, 512LL << 20);
      const auto p99 = v.require_integer("p99", 1, 512LL << 20);
      if (p99 <= median) v.fail("p99", "must be above \"median\" (" + std::to_string(median) + ")");
      out.dist = Distribution::lognormal_median_p99(static_cast<double>(median), static_cast<double>(p99));
    }
  } else {
    out.constant = static_cast<std::uint32_t>(p.integer(field, min_bytes, min_bytes, 512LL << 20));
  }
  return out;
}

}  // namespace

CacheParams read_cache_params(Params& p, BuildContext& bc) {
  CacheParams c;
  static const std::vector<std::string> kPatterns{"cache_aside", "read_through", "write_through", "write_behind"};
  static const std::vector<std::string> kEvictions{"lru", "lfu", "fifo", "random", "sampled_lru", "sampled_lfu", "tinylfu", "perfect_lfu"};
  static const std::vector<std::string> kStampedes{"none", "lock", "coalesce", "early_refresh", "ttl_jitter"};
  std::string pat = p.choice("pattern", "cache_aside", kPatterns);
  c.pattern = static_cast<Pattern>(std::find(kPatterns.begin(), kPatterns.end(), pat) - kPatterns.begin());
  c.local = p.boolean("local", false);
  if (c.local) {
    // One in-process copy per calling instance: no nodes, replicas, failover, workers or
    // restarts of its own (it lives and dies with its instance).
    for (const char* f : {"nodes", "replicas", "read_from", "replication_lag", "sentinels", "quorum", "down_after",
                          "promotion_time", "failover", "cluster_node_timeout", "require_full_coverage", "concurrency",
                          "restart_time", "instance_type"})
      if (p.has(f))
        p.fail(f, "makes no sense for a local cache (\"local\": true: one in-process copy inside each instance of the "
                  "calling service, which lives and dies with it); remove it or make the cache shared");
    if (c.pattern == Pattern::WriteBehind)
      p.fail("pattern", "\"write_behind\" is not modelled for a local cache (a write buffer in each instance); use "
                        "cache_aside, read_through or write_through, or a shared cache");
    c.local_pointer = p.pointer() + "/local";
    bc.in_process();
  }
  if (p.has("backend")) {
    c.backend = bc.reference(p, "backend", RefKind::SyncCall);
    c.has_backend = true;
  } else if (c.pattern != Pattern::CacheAside) {
    p.fail("pattern", "\"" + pat + "\" needs a \"backend\" (the component the cache reads or writes through)");
  }
  if (p.has("source")) {
    if (c.pattern != Pattern::CacheAside)
      p.fail("source", "names the database a cache-aside cache's callers read and write; a \"" + pat +
                           "\" cache has its \"backend\" for that");
    c.source = bc.reference(p, "source", RefKind::Control);
    c.has_source = true;
  } else if (c.has_backend && c.pattern == Pattern::ReadThrough) {
    c.source = c.backend;
    c.has_source = true;
  }
  if (auto r = p.object_opt("backend_routes")) {
    if (!c.has_backend || c.pattern == Pattern::CacheAside)
      p.fail("backend_routes", "names the routes of the cache's own calls to its backend: it needs a \"backend\" and a "
                               "pattern that calls it (read_through, write_through or write_behind)");
    if (r->has("read")) {
      if (c.pattern != Pattern::ReadThrough)
        r->fail("read", "only a read_through cache reads its backend");
      c.has_read_route = true;
      c.read_route = bc.route_index(r->string("read"));
      c.read_route_pointer = r->path("read");
      if (r->string("read").empty()) r->fail("read", "must name a route");
    }
    if (r->has("write")) {
      if (c.pattern != Pattern::WriteThrough && c.pattern != Pattern::WriteBehind)
        r->fail("write", "only a write_through or write_behind cache writes to its backend");
      c.has_write_route = true;
      c.write_route = bc.route_index(r->string("write"));
      c.write_route_pointer = r->path("write");
      if (r->string("write").empty()) r->fail("write", "must name a route");
    }
  }
  if (c.pattern == Pattern::WriteBehind && !c.has_write_route) {
    c.write_route = bc.route_index("write");
    c.write_route_pointer = p.path("backend");
  }
  std::int64_t capacity = p.integer("capacity", 10000, 1, 1'000'000'000);
  std::optional<std::int64_t> cap_bytes = p.integer_or_null("capacity_bytes", 1, std::int64_t{1} << 50);
  std::string ev = p.choice("eviction", "lru", kEvictions);
  if (ev == "tinylfu" && cap_bytes)
    p.fail("capacity_bytes", "W-TinyLFU (eviction \"tinylfu\") counts entries here: omit capacity_bytes or pick another eviction");
  StoreConfig& sc = c.store;
  sc.eviction = ev == "lru" ? Eviction::Lru : ev == "lfu" ? Eviction::Lfu : ev == "fifo" ? Eviction::Fifo
              : ev == "random" ? Eviction::Random : ev == "sampled_lru" ? Eviction::SampledLru
              : ev == "sampled_lfu" ? Eviction::SampledLfu : ev == "perfect_lfu" ? Eviction::PerfectLfu : Eviction::TinyLfu;
  sc.samples = static_cast<std::uint32_t>(p.integer("samples", 5, 1, 1024));
  sc.lfu_log_factor = p.number("lfu_log_factor", 10, 0, 1e6);
  sc.lfu_decay = p.duration("lfu_decay_time", 60 * kSecond);
  if (sc.lfu_decay > 0 && sc.lfu_decay < 60 * kSecond) p.fail("lfu_decay_time", "is counted in whole minutes as in Redis: give 0 (no decay) or at least 1m");
  sc.lru_clock = p.duration("lru_clock", 0);

  std::string st = p.choice("stampede", "none", kStampedes);
  c.stampede = static_cast<Stampede>(std::find(kStampedes.begin(), kStampedes.end(), st) - kStampedes.begin());
  if (auto ttl = p.duration_opt("ttl")) {
    if (*ttl <= 0) p.fail("ttl", "must be positive (omit it for no expiry)");
    c.ttl = *ttl;
  }
  if (p.has("ttl_jitter")) {
    const Params::Value j = p.value("ttl_jitter");
    if (c.ttl == kTimeMax) p.fail("ttl_jitter", "needs a \"ttl\" to spread");
    if (auto fraction = j.as_number()) {
      double f = *fraction;
      if (!(f >= 0) || f > 1) p.fail("ttl_jitter", "a fraction of the TTL must be in [0, 1] (a jitter above the TTL would give negative TTLs)");
      c.jitter = static_cast<Time>(f * static_cast<double>(c.ttl));
    } else {
      c.jitter = j.duration();
      if (c.jitter > c.ttl) p.fail("ttl_jitter", "is above the ttl: expiries would fall in the past");
    }
  } else if (c.stampede == Stampede::TtlJitter) {
    if (c.ttl == kTimeMax) p.fail("stampede", "\"ttl_jitter\" needs a \"ttl\" to spread");
    c.jitter = c.ttl / 10;
  }
  if (c.stampede == Stampede::EarlyRefresh && c.ttl == kTimeMax) p.fail("stampede", "\"early_refresh\" needs a \"ttl\" (it refreshes before expiry)");
  c.beta = p.number("early_refresh_beta", 1.0, 0.0, 1e6);
  c.lock_retry = p.duration("lock_retry", 50 * kMillisecond, 1);
  c.lease_timeout = p.duration("lease_timeout", 2 * kSecond, 1);
  // A flush is a batch call to the backend and a timer: 1 ns would be a billion of each per
  // simulated second. Write-behind stores count this delay in whole seconds.
  c.flush_interval = p.duration("flush_interval", kSecond);
  if (c.flush_interval < kSecond)
    p.fail("flush_interval", "must be at least 1s: a write-behind store's delay is counted in whole seconds (Hazelcast's "
                             "write-delay-seconds; 0 there means write-through, which is pattern \"write_through\" here)");
  c.update_on_write = p.choice("on_write", "invalidate", {"invalidate", "update"}) == "update";
  // A shared cache's default is a Redis round trip's server side; a local one's an
  // in-process hash lookup (Caffeine's get is well under a microsecond).
  c.latency = p.distribution("latency", Distribution::constant(c.local ? 1'000 : 20'000));
  c.concurrency = static_cast<std::uint32_t>(p.integer("concurrency", 1, 1, 1'000'000));
  // A local cache's copies (its "nodes") appear as instances call it (Cache::local_node).
  c.nodes = c.local ? 0u : static_cast<std::uint32_t>(p.integer("nodes", 1, 1, kHashSlots));
  c.replicas = static_cast<std::uint32_t>(p.integer("replicas", 0, 0, 15));
  if (c.replicas > 0) {
    c.read_replicas = p.choice("read_from", "primary", {"primary", "replicas"}) == "replicas";
    c.replication_lag = p.duration("replication_lag", kMillisecond);
    c.cluster_failover = p.choice("failover", "sentinel", {"sentinel", "cluster"}) == "cluster";
    if (c.cluster_failover) {
      for (const char* f : {"sentinels", "quorum", "down_after", "promotion_time"})
        if (p.has(f)) p.fail(f, "is a Sentinel setting; with \"failover\": \"cluster\" give cluster_node_timeout");
      c.node_timeout = p.duration("cluster_node_timeout", 15 * kSecond, 1);
      c.full_coverage = p.boolean("require_full_coverage", true);
    } else {
      for (const char* f : {"cluster_node_timeout", "require_full_coverage"})
        if (p.has(f)) p.fail(f, "is a Redis Cluster setting: give \"failover\": \"cluster\"");
      c.sentinels = static_cast<std::uint32_t>(p.integer("sentinels", 3, 1, kMaxSentinels));
      c.quorum = static_cast<std::uint32_t>(p.integer("quorum", 2, 1, kMaxSentinels));
      if (c.quorum > c.sentinels) p.fail("quorum", "is above sentinels: that many sentinels can never agree the primary is down");
      c.down_after = p.duration("down_after", 30 * kSecond, 1);
      c.promotion_time = p.duration("promotion_time", kSecond);
    }
  } else {
    for (const char* f : {"read_from", "replication_lag", "sentinels", "quorum", "down_after", "promotion_time", "failover",
                          "cluster_node_timeout", "require_full_coverage"})
      if (p.has(f)) p.fail(f, "needs \"replicas\" >= 1 (it configures replication and Sentinel failover)");
  }
  c.restart_time = p.distribution("restart_time", Distribution::constant(10.0 * kSecond));

  // Sizes: an entry costs its value plus the store's own bytes per key (Redis: the dict
  // entry, the key's SDS string and the value's object header, each rounded up to a jemalloc
  // size class, and a share of the hash table's buckets; docs/validation.md measures about
  // 90 bytes beside a 32-byte value). A request's own `bytes`, when it has any, is its value.
  c.value_sizes = read_value_sizes(p, "value_bytes", 0);
  // Per-route sizes: the values a write on that route stores, whatever the key's own size.
  if (auto r = p.object_opt("route_value_bytes")) {
    for (const std::string& route : r->keys()) {
      c.route_sizes.push_back({bc.route_index(route), read_value_sizes(*r, route, 1)});
      bc.expects_route(c.route_sizes.back().route, r->path(route), "route_value_bytes");
    }
    if (c.route_sizes.size() > 64) p.fail("route_value_bytes", "names at most 64 routes");
  }
  c.key_overhead_bytes = static_cast<std::uint32_t>(p.integer("key_overhead_bytes", 0, 0, 1 << 20));

  // Redis maxmemory-policy (src/evict.c), with capacity_bytes as maxmemory: allkeys-* evict
  // among every key, volatile-* among the keys with an expiry (here every key when "ttl" is
  // set, none otherwise: then, as in Redis, nothing can be evicted), noeviction answers a
  // write that needs memory with an OOM error.
  if (p.has("maxmemory_policy")) {
    static const std::vector<std::string> kPolicies{"noeviction", "allkeys-lru", "allkeys-lfu", "allkeys-random",
                                                    "volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl"};
    const std::string pol = p.choice("maxmemory_policy", "noeviction", kPolicies);
    if (!cap_bytes) p.fail("maxmemory_policy", "needs \"capacity_bytes\" (Redis maxmemory: the limit the policy acts at)");
    if (p.has("eviction"))
      p.fail("eviction", "is set by \"maxmemory_policy\" (" + pol + "): give one of the two");
    const bool volatile_keys = pol.rfind("volatile-", 0) == 0;
    if (pol == "noeviction" || (volatile_keys && c.ttl == kTimeMax)) {
      c.no_eviction = true;
    } else {
      const std::string what = pol.substr(pol.find('-') + 1);
      sc.eviction = what == "lru" ? Eviction::SampledLru : what == "lfu" ? Eviction::SampledLfu
                  : what == "random" ? Eviction::Random : Eviction::SampledTtl;
    }
  }

  // A warm start never evicts: the keys must fit in the entries and the bytes given.
  c.preload = static_cast<std::uint64_t>(p.integer("preload", 0, 0, capacity));
  if (c.preload > 0 && c.local) p.fail("preload", "warms a shared cache (a local cache's copies appear as its instances call)");
  if (c.preload > 0 && cap_bytes) {
    std::uint64_t total = 0;  // each preloaded key's own size (value_bytes may be drawn per key)
    for (std::uint64_t k = 0; k < c.preload; ++k) total += std::uint64_t{c.value_sizes.of(k)} + c.key_overhead_bytes;
    if (total > static_cast<std::uint64_t>(*cap_bytes))
      p.fail("preload", std::to_string(c.preload) + " entries of " + std::to_string(total) +
                            " bytes in all (value_bytes + key_overhead_bytes) do not fit in capacity_bytes " + std::to_string(*cap_bytes));
  }

  if (sc.lru_clock > 0 && sc.eviction != Eviction::SampledLru)
    p.fail("lru_clock", "is Redis's LRU clock (its tick, 1s in Redis), read by \"sampled_lru\" only");

  // Capacity is the whole tier's, split evenly over the nodes (each at least one entry); a
  // local cache's is each copy's.
  const std::int64_t split = std::max<std::uint32_t>(c.nodes, 1);
  sc.capacity = static_cast<std::uint32_t>(std::max<std::int64_t>(1, (capacity + split - 1) / split));
  if (cap_bytes) sc.capacity_bytes = static_cast<std::uint64_t>(std::max<std::int64_t>(1, (*cap_bytes + split - 1) / split));
  read_cache_memory(p, c, cap_bytes);
  return c;
}

}  // namespace archsim::cache
