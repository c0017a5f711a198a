// A cache's memory: entries sized by value_bytes plus the per-key overhead, capacity_bytes
// as Redis's maxmemory and maxmemory_policy (src/evict.c; the Redis docs' "Key eviction"
// page). Ground truth: the sizes add up exactly; under the independent reference model with
// uniform popularity every policy holds C of N keys and hits C / N; noeviction stores nothing
// once full (writes answered with an error, reads go on); volatile-* with no key that
// expires has nothing to evict and acts as noeviction.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "models/cache/value_sizes.h"

#include "tests/unit/harness.h"

using archsim::test::build_error;
using archsim::test::fig;
using archsim::test::run;

namespace {

// Cache-aside over 50 uniform keys: a get, and on a miss a set of the key.
std::string scenario(const std::string& cache) {
  return R"({"duration": "200s", "warmup": "50s", "components": [
    {"id": "users", "type": "client", "target": "api", "arrivals": {"rate": 200},
     "routes": [{"name": "get", "keys": {"count": 50}}]},
    {"id": "api", "type": "service", "concurrency": 100, "routes": {
      "get": [{"call": "cache", "route": "get", "on_miss": [{"call": "cache", "route": "set", "on_failure": "continue"}]}]}},
    {"id": "cache", "type": "cache", "value_bytes": 100, "key_overhead_bytes": 90)" + cache + R"(}]})";
}

}  // namespace

TEST_CASE("cache memory: an entry costs value_bytes plus key_overhead_bytes") {
  auto r = run(scenario(""));
  CHECK(fig(r, "cache", "entries") == 50);
  CHECK(fig(r, "cache", "memory_bytes") == 50 * 190);
}

TEST_CASE("cache maxmemory: capacity_bytes holds C = maxmemory / entry size keys; uniform IRM hits C / N") {
  for (const char* policy : {"allkeys-lru", "allkeys-lfu", "allkeys-random"}) {
    INFO(policy);
    auto r = run(scenario(std::string(R"(, "capacity_bytes": 3800, "maxmemory_policy": ")") + policy + "\""));
    CHECK(fig(r, "cache", "entries") == 20);  // 3800 / 190
    CHECK(fig(r, "cache", "memory_bytes") <= 3800);
    CHECK(fig(r, "cache", "hit_ratio") == doctest::Approx(20.0 / 50).epsilon(0.06));
    CHECK(fig(r, "cache", "evictions") > 0);
  }
}

TEST_CASE("cache maxmemory noeviction: full, it stores nothing more and answers writes with an error; reads go on") {
  for (const char* cache : {R"(, "capacity_bytes": 3800, "maxmemory_policy": "noeviction")",
                            // volatile-* evicts only keys with an expiry: without a ttl there are none.
                            R"(, "capacity_bytes": 3800, "maxmemory_policy": "volatile-lru")"}) {
    INFO(cache);
    auto r = run(scenario(cache));
    CHECK(fig(r, "cache", "entries") == 20);
    CHECK(fig(r, "cache", "evictions") == 0);
    // The same 20 keys stay: 20 / 50 of the gets hit, every other one is a refused set.
    CHECK(fig(r, "cache", "hit_ratio") == doctest::Approx(20.0 / 50).epsilon(0.06));
    CHECK(fig(r, "cache", "oom_errors") == doctest::Approx(fig(r, "cache", "misses")).epsilon(0.02));
    CHECK(r.outcomes.failed() == 0);  // the api goes on after a refused set (on_failure: continue)
  }
  // With a ttl every key is volatile: volatile-ttl evicts, nearest expiry first.
  auto v = run(scenario(R"(, "ttl": "1h", "capacity_bytes": 3800, "maxmemory_policy": "volatile-ttl")"));
  CHECK(fig(v, "cache", "entries") == 20);
  CHECK(fig(v, "cache", "evictions") > 0);
  CHECK(fig(v, "cache", "hit_ratio") == doctest::Approx(20.0 / 50).epsilon(0.06));
}

TEST_CASE("cache maxmemory bad input: a policy needs capacity_bytes, and replaces eviction") {
  CHECK(build_error(scenario(R"(, "maxmemory_policy": "allkeys-lru")")).pointer() == "/components/2/maxmemory_policy");
  CHECK(build_error(scenario(R"(, "capacity_bytes": 3800, "maxmemory_policy": "allkeys-lru", "eviction": "lfu")")).pointer() ==
        "/components/2/eviction");
  CHECK(build_error(scenario(R"(, "capacity_bytes": 3800, "maxmemory_policy": "allkeys_lru")")).pointer() ==
        "/components/2/maxmemory_policy");
  std::string negative = scenario("");
  negative.replace(negative.find(R"("value_bytes": 100)"), 18, R"("value_bytes": -1)");
  CHECK(build_error(negative).pointer() == "/components/2/value_bytes");
}

namespace {

// Cache-aside over `keys` uniform keys with value sizes drawn per key.
std::string mixed(const std::string& sizes, int keys, const std::string& cache) {
  return R"({"duration": "200s", "warmup": "50s", "components": [
    {"id": "users", "type": "client", "target": "api", "arrivals": {"rate": 200},
     "routes": [{"name": "get", "keys": {"count": )" + std::to_string(keys) + R"(}}]},
    {"id": "api", "type": "service", "concurrency": 100, "routes": {
      "get": [{"call": "cache", "route": "get", "on_miss": [{"call": "cache", "route": "set", "on_failure": "continue"}]}]}},
    {"id": "cache", "type": "cache", "key_overhead_bytes": 90, "value_bytes": )" + sizes + cache + R"(}]})";
}

constexpr const char* kUniform = R"({"dist": "uniform", "min": 100, "max": 2000})";

}  // namespace

TEST_CASE("cache value sizes: drawn once per key, with the distribution's mean, median and p99") {
  archsim::cache::ValueSizes u;
  u.drawn = true;
  u.dist = archsim::Distribution::uniform(99.5, 2000.5);
  double sum = 0;
  std::uint32_t lo = ~0u, hi = 0;
  for (std::uint64_t k = 0; k < 100000; ++k) {
    const std::uint32_t b = u.of(k);
    CHECK(b == u.of(k));  // the same key, the same size
    sum += b;
    lo = std::min(lo, b);
    hi = std::max(hi, b);
  }
  CHECK(sum / 100000 == doctest::Approx(1050).epsilon(0.01));  // (100 + 2000) / 2
  CHECK(lo == 100);
  CHECK(hi == 2000);
  archsim::cache::ValueSizes ln;
  ln.drawn = true;
  ln.dist = archsim::Distribution::lognormal_median_p99(1000, 20000);
  std::vector<std::uint32_t> v;
  for (std::uint64_t k = 0; k < 100000; ++k) v.push_back(ln.of(k));
  std::sort(v.begin(), v.end());
  CHECK(v[50000] == doctest::Approx(1000).epsilon(0.03));
  CHECK(v[99000] == doctest::Approx(20000).epsilon(0.08));
}

TEST_CASE("cache value sizes: memory_bytes is the sum of the cached keys' sizes; maxmemory bounds it") {
  // Every one of 50 keys cached: the exact sum of their drawn sizes plus the overhead.
  auto all = run(mixed(kUniform, 50, ""));
  archsim::cache::ValueSizes u;
  u.drawn = true;
  u.dist = archsim::Distribution::uniform(99.5, 2000.5);
  double expected = 0;
  for (std::uint64_t k = 0; k < 50; ++k) expected += u.of(k) + 90;
  CHECK(fig(all, "cache", "entries") == 50);
  CHECK(fig(all, "cache", "memory_bytes") == expected);
  // 200 keys under maxmemory 20,000 bytes: evictions keep memory at or below the limit, and
  // within one entry (at most 2,090 bytes) of it; about 20,000 / 1,140 keys of mean size fit.
  for (const char* policy : {"allkeys-lru", "allkeys-random", "noeviction"}) {
    INFO(policy);
    auto r = run(mixed(kUniform, 200, std::string(R"(, "capacity_bytes": 20000, "maxmemory_policy": ")") + policy + "\""));
    CHECK(fig(r, "cache", "memory_bytes") <= 20000);
    CHECK(fig(r, "cache", "memory_bytes") > 20000 - 2090);
    CHECK(fig(r, "cache", "entries") >= 10);
    CHECK(fig(r, "cache", "entries") <= 30);
  }
}

TEST_CASE("cache value sizes bad input: each fault at its field") {
  CHECK(build_error(mixed(R"({"dist": "pareto", "min": 1, "max": 2})", 50, "")).pointer() == "/components/2/value_bytes/dist");
  CHECK(build_error(mixed(R"({"min": 1, "max": 2})", 50, "")).pointer() == "/components/2/value_bytes/dist");
  CHECK(build_error(mixed(R"({"dist": "uniform", "min": 10, "max": 2})", 50, "")).pointer() == "/components/2/value_bytes/max");
  CHECK(build_error(mixed(R"({"dist": "lognormal", "median": 100, "p99": 50})", 50, "")).pointer() == "/components/2/value_bytes/p99");
  CHECK(build_error(mixed(R"({"dist": "lognormal", "median": 100})", 50, "")).pointer() == "/components/2/value_bytes/p99");
  CHECK(build_error(mixed(R"({"dist": "uniform", "min": 1, "max": 2, "mean": 3})", 50, "")).pointer() == "/components/2/value_bytes/mean");
}

TEST_CASE("cache route_value_bytes: each route's writes store its own size; memory_bytes is their exact sum") {
  // Two write routes on disjoint string keys (50 each), written directly and kept (on_write
  // update): every key ends cached with its route's size plus the 90-byte overhead.
  const auto scenario = [](const std::string& sizes) {
    return R"({"duration": "200s", "warmup": "50s", "components": [
      {"id": "users", "type": "client", "target": "cache", "arrivals": {"rate": 200},
       "routes": [{"name": "put_profile", "write": true, "keys": {"count": 50, "format": "profile:%d"}},
                  {"name": "put_thumb", "write": true, "keys": {"count": 50, "format": "thumb:%d"}}]},
      {"id": "cache", "type": "cache", "value_bytes": 100, "key_overhead_bytes": 90, "on_write": "update")" +
           sizes + "}]}";
  };
  auto r = run(scenario(R"(, "route_value_bytes": {"put_profile": 2000, "put_thumb": 64})"));
  CHECK(fig(r, "cache", "entries") == 100);
  CHECK(fig(r, "cache", "memory_bytes") == 50 * (2000 + 90) + 50 * (64 + 90));
  // A route left out keeps the cache's value_bytes.
  auto one = run(scenario(R"(, "route_value_bytes": {"put_profile": 2000})"));
  CHECK(fig(one, "cache", "memory_bytes") == 50 * (2000 + 90) + 50 * (100 + 90));
  CHECK(build_error(scenario(R"(, "route_value_bytes": {"put_thumb": 0})")).pointer() == "/components/1/route_value_bytes/put_thumb");
}
