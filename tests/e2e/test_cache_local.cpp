// Local (per-pod, in-process) caches end to end, against theory that is not ours.
//
// - Independent reference model, LRU: round-robin spreading hands every pod's copy the same
//   IRM stream, so each copy of capacity C has Che's hit ratio for C (Che, Tung, Wang 2002)
//   whatever the number of pods, and the backend sees the misses of one cache of capacity C,
//   not of one of capacity N x C.
// - TTL, no eviction: a copy that sees a key's reads as a Poisson process of rate r and is
//   filled on a miss holds it for T, then misses again: a renewal cycle of one miss and
//   r T hits on average, so the hit ratio is r T / (1 + r T). With N pods a copy sees
//   r = lambda / N: the database's read load grows with N.
// - Staleness: writes to a key are Poisson at rate w, each through a random pod, which deletes
//   only its own copy. From a copy's fill, own writes (rate u = w / N) end it and the others'
//   (rate v = w - u) make it stale, so a read at age a < T hits with density e^{-u a} and is
//   stale with density e^{-u a} (1 - e^{-v a}):
//       P(stale | hit) = 1 - [(1 - e^{-w T}) / w] / [(1 - e^{-u T}) / u],
//   0 for one pod, 1 - (1 - e^{-w T}) / (w T) as N grows.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "tests/e2e/run_archsim.h"

using archsim::e2e::describe;
using archsim::e2e::num;
using archsim::e2e::run_archsim;
using archsim::e2e::run_summary;
using archsim::e2e::write_scenario;
using nlohmann::json;

namespace {

// Pods round-robin a client's reads; a miss sets the key (cache-aside, no database needed for
// the counts); "update" deletes the key from the serving pod's copy.
json pods_doc(int pods, double rate, const json& keys, const json& cache, double update_share = 0) {
  json routes = json::array({{{"name", "get"}, {"weight", 1.0 - update_share}, {"keys", keys}}});
  if (update_share > 0) routes.push_back({{"name", "update"}, {"weight", update_share}, {"write", true}, {"keys", keys}});
  return json{
      {"name", "local-theory"}, {"seed", 3}, {"duration", "100s"}, {"warmup", "20s"},
      {"components",
       json::array({
           {{"id", "users"}, {"type", "client"}, {"target", "api"}, {"arrivals", {{"rate", rate}}}, {"routes", routes}},
           {{"id", "api"}, {"type", "service"}, {"replicas", pods}, {"concurrency", 64},
            {"routes",
             {{"get", json::array({{{"work", "10us"}},
                                   {{"call", "cache"}, {"route", "get"},
                                    {"on_miss", json::array({{{"call", "cache"}, {"route", "set"}}})}}})},
              {"update", json::array({{{"work", "10us"}}, {{"call", "cache"}, {"route", "delete"}}})}}}},
           cache,
       })}};
}

json run_doc(const json& d) {
  return run_summary(write_scenario("local", d), {});
}

// Che's characteristic time t_C solves sum_i (1 - e^{-p_i t}) = C; the LRU hit ratio is
// sum_i p_i (1 - e^{-p_i t_C}).
double che_lru(double skew, int keys, double cap) {
  std::vector<double> p(static_cast<std::size_t>(keys));
  double norm = 0;
  for (int i = 0; i < keys; ++i) norm += p[static_cast<std::size_t>(i)] = std::pow(i + 1.0, -skew);
  for (double& x : p) x /= norm;
  auto occupancy = [&](double t) {
    double s = 0;
    for (double x : p) s += 1 - std::exp(-x * t);
    return s;
  };
  double lo = 0, hi = 1;
  while (occupancy(hi) < cap) hi *= 2;
  for (int i = 0; i < 200; ++i) ((occupancy((lo + hi) / 2) < cap) ? lo : hi) = (lo + hi) / 2;
  double h = 0;
  for (double x : p) h += x * (1 - std::exp(-x * lo));
  return h;
}

}  // namespace

TEST_CASE("local cache: each pod's LRU copy has Che's hit ratio for its own capacity, whatever the pod count") {
  const json keys = {{"count", 20000}, {"zipf", 0.8}};
  const double che_c = che_lru(0.8, 20000, 500), che_4c = che_lru(0.8, 20000, 2000);
  REQUIRE(che_4c - che_c > 0.1);  // the two hypotheses a wrong engine could mix up are far apart
  json local = {{"id", "cache"}, {"type", "cache"}, {"local", true}, {"capacity", 500}, {"eviction", "lru"}};
  json one = run_doc(pods_doc(1, 2000, keys, local));
  json four = run_doc(pods_doc(4, 2000, keys, local));
  INFO("che(500) " << che_c << " one pod " << num(one, "components.cache.hit_ratio") << " four pods "
                   << num(four, "components.cache.hit_ratio") << " che(2000) " << che_4c);
  CHECK(std::abs(num(one, "components.cache.hit_ratio") - che_c) < 0.012);
  CHECK(std::abs(num(four, "components.cache.hit_ratio") - che_c) < 0.012);
  CHECK(num(four, "components.cache.local_copies") == 4);
  CHECK(num(one, "components.cache.local_copies") == 1);
  // The database sees the misses of one cache of capacity C (the same with 1 or 4 pods), not
  // those of a shared cache holding the four pods' memory.
  json shared = local;
  shared["local"] = false;
  shared["capacity"] = 2000;
  json tier = run_doc(pods_doc(4, 2000, keys, shared));
  CHECK(std::abs(num(tier, "components.cache.hit_ratio") - che_4c) < 0.012);
  const double m1 = num(one, "components.cache.misses"), m4 = num(four, "components.cache.misses");
  CHECK(std::abs(m4 / m1 - 1) < 0.04);
  CHECK(m4 / num(tier, "components.cache.misses") > 1.25);  // (1 - 0.261) / (1 - 0.448) = 1.34 by Che
  CHECK(num(four, "components.cache.stale_reads") == 0);  // nothing is written
  // No workers or queue of its own: no utilization figure (the table prints "-").
  CHECK_FALSE(archsim::e2e::has(four, "components.cache.utilization"));
  CHECK(archsim::e2e::has(tier, "components.cache.utilization"));
}

TEST_CASE("local cache: with a TTL each copy's hit ratio is rT / (1 + rT) at its own share r of a key's reads") {
  // 2,000 uniform keys at 2,000 reads/s: 1 read/s per key; TTL 2 s, no eviction.
  const json keys = {{"count", 2000}};
  json local = {{"id", "cache"}, {"type", "cache"}, {"local", true}, {"capacity", 5000}, {"ttl", "2s"}};
  for (int pods : {1, 4}) {
    json s = run_doc(pods_doc(pods, 2000, keys, local));
    const double rt = 1.0 * 2 / pods, expect = rt / (1 + rt);  // 2/3 and 1/3
    INFO(pods << " pods: hit ratio " << num(s, "components.cache.hit_ratio") << " vs " << expect);
    CHECK(std::abs(num(s, "components.cache.hit_ratio") - expect) < 0.01);
  }
}

TEST_CASE("local cache: a read of a copy is stale with the probability its TTL and the write rate give") {
  // 1,000 uniform keys; 1 read/s and w = 1 write/s per key; TTL 1 s; each write deletes the
  // key from the pod that served it only.
  const json keys = {{"count", 1000}};
  json local = {{"id", "cache"}, {"type", "cache"}, {"local", true}, {"capacity", 5000}, {"ttl", "1s"}};
  const double w = 1, T = 1;
  auto theory = [&](int pods) {
    const double u = w / pods;
    return 1 - ((1 - std::exp(-w * T)) / w) / ((1 - std::exp(-u * T)) / u);
  };
  json four = run_doc(pods_doc(4, 2000, keys, local, 0.5));
  const double p4 = num(four, "components.cache.stale_reads") / num(four, "components.cache.hits");
  INFO("four pods: P(stale | hit) " << p4 << " vs " << theory(4) << " (" << 1 - (1 - std::exp(-w * T)) / (w * T)
                                    << " if a write deleted no copy, 0 if it deleted all)");
  CHECK(std::abs(p4 - theory(4)) < 0.015);
  // Two pods answer differently: reads of a copy while another pod's copy is on the other
  // side of the latest write.
  CHECK(num(four, "components.cache.local_inconsistent_reads") > 0.05 * num(four, "components.cache.hits"));
  // One pod: its write deletes the only copy; what is left is the fill race of a read that
  // began before a write (about w x 10 us per fill).
  json one = run_doc(pods_doc(1, 2000, keys, local, 0.5));
  CHECK(num(one, "components.cache.stale_reads") / num(one, "components.cache.hits") < 0.002);
  CHECK(num(one, "components.cache.local_inconsistent_reads") == 0);
  // A shared cache: every write deletes the one copy.
  json shared = local;
  shared["local"] = false;
  json tier = run_doc(pods_doc(4, 2000, keys, shared, 0.5));
  CHECK(num(tier, "components.cache.stale_reads") / num(tier, "components.cache.hits") < 0.002);
}

TEST_CASE("local cache: a pod that crashes comes back with an empty copy") {
  json local = {{"id", "cache"}, {"type", "cache"}, {"local", true}, {"capacity", 5000}};
  json d = pods_doc(4, 2000, {{"count", 1000}}, local);
  d["faults"] = json::array({{{"at", "50s"}, {"kind", "crash"}, {"target", "api"}, {"instances", 1}}});
  json s = run_doc(d);
  CHECK(num(s, "components.cache.local_cold_starts") == 1);
  CHECK(num(s, "components.cache.local_copies") == 4);
  // Without the crash every copy holds all 1,000 keys long before the warm-up ends: no miss
  // is measured; after it the restarted pod misses each key once more (a second read of a
  // key in the microseconds before the first one's set would miss too: a handful at most).
  json calm = run_doc(pods_doc(4, 2000, {{"count", 1000}}, local));
  CHECK(num(calm, "components.cache.misses") == 0);
  CHECK(num(s, "components.cache.misses") >= 1000);
  CHECK(num(s, "components.cache.misses") <= 1005);
}

TEST_CASE("local cache: analyze counts a per-pod cache with its pods, not as a single point of failure") {
  // The shared Redis (l2) is read with "on_failure": "continue", so its loss sends the reads
  // to the database: not a single point of failure. Read strictly, one shared Redis is one;
  // the per-pod cache (l1) is never one.
  const std::string sc = archsim::e2e::source_path("scenarios/caching/l1-l2.json");
  for (const bool strict : {false, true}) {
    CAPTURE(strict);
    std::vector<std::string> args{"analyze", sc, "--json"};
    if (strict)
      for (const char* s : {"api.routes.get.1.on_miss.0.on_failure=fail", "api.routes.update.2.on_failure=fail"})
        args.insert(args.end(), {"--set", s});
    auto r = run_archsim(args);
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    json spofs = json::parse(r.out)["spofs"];
    INFO(spofs.dump());
    CHECK((std::find(spofs.begin(), spofs.end(), "l2") != spofs.end()) == strict);
    CHECK(std::find(spofs.begin(), spofs.end(), "l1") == spofs.end());
  }
}

TEST_CASE("analyze: a cache read with on_failure continue is no single point of failure; what follows a miss is") {
  // scenarios/caching/cache-aside.json: with the cache down every lookup fails over to the
  // database as a miss would, so the cache cuts no client off; the one database instance does.
  auto r = run_archsim({"analyze", archsim::e2e::source_path("scenarios/caching/cache-aside.json"), "--json"});
  REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
  json spofs = json::parse(r.out)["spofs"];
  INFO(spofs.dump());
  CHECK(std::find(spofs.begin(), spofs.end(), "cache") == spofs.end());
  CHECK(std::find(spofs.begin(), spofs.end(), "db") != spofs.end());
  // Without "on_failure": "continue" a dead cache fails the route: a single point of failure.
  auto strict = run_archsim({"analyze", archsim::e2e::source_path("scenarios/caching/cache-aside.json"), "--json",
                             "--set", "api.routes.get.1.on_failure=fail"});
  REQUIRE_MESSAGE(strict.exit_code == 0, describe(strict));
  json strict_spofs = json::parse(strict.out)["spofs"];
  CHECK(std::find(strict_spofs.begin(), strict_spofs.end(), "cache") != strict_spofs.end());
}
