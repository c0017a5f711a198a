// A cache's memory: entries sized by value_bytes plus the per-key overhead, capacity_bytes
// as Redis's maxmemory and maxmemory_policy (src/evict.c; the Redis docs' "Key eviction"
// page). Ground truth: the sizes add up exactly; under the independent reference model with
// uniform popularity every policy holds C of N keys and hits C / N; noeviction stores nothing
// once full (writes answered with an error, reads go on); volatile-* with no key that
// expires has nothing to evict and acts as noeviction.
#include <doctest/doctest.h>

#include <string>

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
