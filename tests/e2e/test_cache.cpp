// The cache family end to end: the shipped caching scenarios checked by their arithmetic
// (write-behind loses exactly the writes acked since the last flush; coalescing sends one
// backend read per key per expiry; the Redis-down fallback moves the whole read load to the
// database), conservation, and bad cache input (exit 2, the JSON location, a word of the
// message).
#include <doctest/doctest.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <functional>
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

std::string scenario(const std::string& f) { return archsim::e2e::source_path("scenarios/caching/" + f); }


json base_doc() {
  return json::parse(R"({
    "name": "cache-bad", "duration": "10s",
    "components": [
      {"id": "users", "type": "client", "target": "cache", "arrivals": {"rate": 10},
       "routes": [{"name": "get", "keys": {"count": 100}}]},
      {"id": "cache", "type": "cache", "pattern": "read_through", "backend": "db", "ttl": "1m"},
      {"id": "db", "type": "service", "service_time": {"dist": "constant", "value": "1ms"}}
    ]})");
}

}  // namespace

TEST_CASE("cache: write-behind crash loses exactly the writes acked since the last flush") {
  // 500 writes/s at constant spacing (t = 2 ms, 4 ms, ...), flushes every 5 s, crash at 62.5 s:
  // the writes in (60 s, 62.5 s] are lost: 1250, none older (flushed) and no later one (the
  // node is down and answers Unavailable until 72.5 s: 5000 requests).
  json s = run_summary(scenario("write-behind-crash.json"), {});
  CHECK(num(s, "components.cache.lost_writes") == 1250);
  CHECK(num(s, "components.cache.unavailable") == 5000);
  CHECK(num(s, "components.cache.crashes") == 1);
  // Conservation: every write acked is either flushed, lost, or still unflushed at the end.
  double writes = num(s, "components.cache.writes");
  CHECK(writes == num(s, "requests.ok"));
  // write_through loses nothing.
  json wt = run_summary(scenario("write-behind-crash.json"), {"--set", "cache.pattern=write_through"});
  CHECK(num(wt, "components.cache.lost_writes") == 0);
  CHECK(num(wt, "components.cache.backend_writes") == num(wt, "components.cache.writes"));
}

TEST_CASE("cache: coalescing and locking send one backend read per key per expiry") {
  // 200 keys filled in the first ~0.1 s, TTL 30 s, 5 min: each key is read from the database
  // 10 times (at start and after each of 9 expiries) with single flight; unprotected, every
  // read within the 200 ms query of an expired key goes to the database too (4000/s over 200
  // keys: about 4 per burst per key).
  for (const char* mode : {"coalesce", "lock"}) {
    json s = run_summary(scenario("stampede.json"), {"--set", std::string("cache.stampede=") + mode});
    INFO(mode);
    CHECK(num(s, "components.cache.backend_reads") == 2000);
  }
  json none = run_summary(scenario("stampede.json"), {});
  CHECK(num(none, "components.cache.backend_reads") > 4 * 2000);
  json early = run_summary(scenario("stampede.json"), {"--set", "cache.stampede=early_refresh"});
  CHECK(num(early, "components.cache.early_refreshes") > 0);
  CHECK(num(early, "components.cache.hit_ratio") > num(none, "components.cache.hit_ratio"));
}

TEST_CASE("cache: cache-aside warms a cold cache; capacity raises the hit ratio") {
  json s = run_summary(scenario("cache-aside.json"), {"--set", "duration=3m"});
  double h = num(s, "components.cache.hit_ratio");
  CHECK(h > 0.45);
  CHECK(h < 0.7);
  // Conservation at the cache: every lookup is a hit or a miss, and every miss was filled by
  // a database read (the route's on_miss), so db requests == misses.
  CHECK(num(s, "components.cache.hits") + num(s, "components.cache.misses") == num(s, "components.cache.lookups"));
  json big = run_summary(scenario("cache-aside.json"), {"--set", "duration=3m", "--set", "cache.capacity=100000"});
  CHECK(num(big, "components.cache.hit_ratio") > h + 0.1);
}

TEST_CASE("cache: W-TinyLFU beats LRU on the Zipf workload; scrambled keys keep the hit ratio") {
  // Zipf 0.99 over 10^6 keys, 1% cached: LRU keeps recent one-hit wonders, W-TinyLFU admits
  // only keys seen more often than its victim (Caffeine's simulator shows several points of
  // hit ratio on such traces).
  json lru = run_summary(scenario("cache-aside.json"), {"--set", "duration=3m"});
  json tiny = run_summary(scenario("cache-aside.json"), {"--set", "duration=3m", "--set", "cache.eviction=tinylfu"});
  const double h_lru = num(lru, "components.cache.hit_ratio"), h_tiny = num(tiny, "components.cache.hit_ratio");
  INFO("lru " << h_lru << " tinylfu " << h_tiny);
  CHECK(h_tiny > h_lru + 0.03);
  CHECK(num(tiny, "components.cache.evictions") > 0);
  // YCSB scrambling permutes which keys are hot (up to hash collisions): the hit ratio stays.
  json scr = run_summary(scenario("cache-aside.json"), {"--set", "duration=3m", "--set", "users.routes.0.keys.scramble=true"});
  INFO("scrambled " << num(scr, "components.cache.hit_ratio"));
  CHECK(std::abs(num(scr, "components.cache.hit_ratio") - h_lru) < 0.02);
}

TEST_CASE("cache: Redis down sends the whole read load to the database") {
  json s = run_summary(scenario("redis-down.json"), {});
  CHECK(num(s, "components.cache.crashes") == 1);
  // 2 minutes down at 3000 requests/s: every get in that time is refused (360,000), and the
  // set after each database read that succeeded is refused too.
  CHECK(num(s, "components.cache.unavailable") > 0.98 * 360000);
  CHECK(num(s, "components.cache.unavailable") < 2 * 360000);
  CHECK(num(s, "requests.failed") > 50000);
}

TEST_CASE("cache: Sentinel failover: writes wait for the promotion, unreplicated writes are lost, replicas read stale") {
  json s = run_summary(scenario("sentinel-failover.json"), {});
  CHECK(num(s, "components.cache.crashes") == 1);
  CHECK(num(s, "components.cache.failovers") == 1);
  // 500 writes/s refused from the crash until the promotion: down_after 5 s + the 2nd of 3
  // sentinels' ping phases (in [0, 1 s)) + promotion 1 s, so between 6 and 7 s. Reads go on
  // from the replicas (reading from the primary they would be refused too: 2000/s).
  const double unavailable = num(s, "components.cache.unavailable");
  CHECK(unavailable > 0.9 * 500 * 6);
  CHECK(unavailable < 1.1 * 500 * 7);
  // The writes of the last 20 ms before the crash (about 10) never reached a replica.
  const double lost = num(s, "components.cache.lost_writes");
  CHECK(lost >= 1);
  CHECK(lost <= 30);
  CHECK(num(s, "components.cache.unreplicated_lost") >= lost);
  CHECK(num(s, "components.cache.replica_reads") > 0.99 * num(s, "components.cache.lookups"));
  const double stale = num(s, "components.cache.stale_reads");
  CHECK(stale > 0);

  json primary = run_summary(scenario("sentinel-failover.json"), {"--set", "cache.read_from=primary"});
  CHECK(num(primary, "components.cache.unavailable") > 0.9 * 2000 * 6);
  CHECK(num(primary, "components.cache.replica_reads") == 0);
  // Reading from the primary leaves only the stale values the lost writes left behind.
  CHECK(num(primary, "components.cache.stale_reads") < stale);

  json fast = run_summary(scenario("sentinel-failover.json"), {"--set", "cache.replication_lag=1ms"});
  CHECK(num(fast, "components.cache.lost_writes") <= 5);
  CHECK(num(fast, "components.cache.stale_reads") < stale);
}

TEST_CASE("cache: a drain is a manual failover (CLUSTER FAILOVER): no write lost, no request failed, where a crash loses both") {
  auto at_2m = [](const char* kind) {
    return std::string("faults=[{\"at\":\"2m\",\"kind\":\"") + kind + "\",\"target\":\"cache\",\"instances\":1}]";
  };
  json drained = run_summary(scenario("sentinel-failover.json"), {"--set", at_2m("drain")});
  CHECK(num(drained, "components.cache.failovers") == 1);
  CHECK(num(drained, "components.cache.crashes") == 0);
  // The replica caught up with the primary's offset before taking over: conservation.
  CHECK(num(drained, "components.cache.lost_writes") == 0);
  CHECK(num(drained, "components.cache.unavailable") == 0);
  CHECK(num(drained, "requests.failed") == 0);
  // A crash at the same instant loses the last 20 ms of writes and refuses writes until
  // Sentinel's promotion.
  json crashed = run_summary(scenario("sentinel-failover.json"), {"--set", at_2m("crash")});
  CHECK(num(crashed, "components.cache.lost_writes") >= 1);
  CHECK(num(crashed, "components.cache.unavailable") > 0.9 * 500 * 6);
  CHECK(num(crashed, "requests.failed") > 0);
}

TEST_CASE("cache: Redis Cluster node loss: its slots fail for cluster-node-timeout, then CLUSTERDOWN until the promotion") {
  json full = run_summary(scenario("cluster-node-loss.json"), {});
  json part = run_summary(scenario("cluster-node-loss.json"), {"--set", "cache.require_full_coverage=false"});
  CHECK(num(full, "components.cache.failovers") == 1);
  CHECK(num(part, "components.cache.failovers") == 1);
  // Without full coverage only the lost node's share of 3000 reads/s fails, for 15 s + the
  // 0.5-1 s election: a share between a fifth and a half of the key space's load.
  const double lost_share = num(part, "components.cache.unavailable");
  INFO("partial " << lost_share << " full " << num(full, "components.cache.unavailable"));
  CHECK(lost_share > 0.2 * 3000 * 16);
  CHECK(lost_share < 0.5 * 3000 * 15.5);
  // Full coverage adds the other nodes' reads during the election (CLUSTERDOWN), same seed.
  const double clusterdown = num(full, "components.cache.unavailable") - lost_share;
  CHECK(clusterdown > 0.5 * 3000 * 0.5 * 0.8);
  CHECK(clusterdown < 0.8 * 3000 * 1.0 * 1.1);
  // Two primaries: the survivor is no majority, so no failover; the whole cluster is down
  // from the FAIL flag (15 s) until the node restarts (60 s), empty.
  json two = run_summary(scenario("cluster-node-loss.json"), {"--set", "cache.nodes=2"});
  CHECK(num(two, "components.cache.failovers") == 0);
  CHECK(num(two, "components.cache.unavailable") > 0.95 * 3000 * 45);
}

TEST_CASE("cache: the terminal table prints the cache figures") {
  const std::string out = archsim::e2e::scratch_dir("cache-table");
  auto r = run_archsim({"run", scenario("sentinel-failover.json"), "--set", "duration=2m10s", "--no-report", "--out", out}, 60);
  INFO(describe(r));
  REQUIRE(r.exit_code == 0);
  json s = json::parse(std::ifstream(out + "/summary.json"));
  char want[64];
  std::snprintf(want, sizeof want, "cache: hit ratio %.1f%%", num(s, "components.cache.hit_ratio") * 100);
  CHECK(r.out.find(want) != std::string::npos);
  CHECK(r.out.find(std::to_string(static_cast<long long>(num(s, "components.cache.lost_writes"))) + " lost writes") != std::string::npos);
  CHECK(r.out.find("1 failovers") != std::string::npos);
  CHECK(r.out.find("db: hit ratio") == std::string::npos);  // only components that report one
}

TEST_CASE("cache: bad input is exit 2 with the JSON location") {
  struct Case {
    const char* what;
    std::function<void(json&)> edit;
    const char* pointer;
    const char* word;
  };
  std::vector<Case> cases = {
      {"no backend", [](json& d) { d["components"][1].erase("backend"); }, "/components/1/pattern", "backend"},
      {"capacity 0", [](json& d) { d["components"][1]["capacity"] = 0; }, "/components/1/capacity", "between 1"},
      {"unknown pattern", [](json& d) { d["components"][1]["pattern"] = "write_around"; }, "/components/1/pattern", "read_through"},
      {"unknown eviction", [](json& d) { d["components"][1]["eviction"] = "lru2"; }, "/components/1/eviction", "lru"},
      {"samples 0", [](json& d) { d["components"][1]["samples"] = 0; }, "/components/1/samples", "between 1"},
      {"jitter above ttl", [](json& d) { d["components"][1]["ttl_jitter"] = "2m"; }, "/components/1/ttl_jitter", "ttl"},
      {"jitter fraction", [](json& d) { d["components"][1]["ttl_jitter"] = 1.5; }, "/components/1/ttl_jitter", "TTL"},
      {"unknown field", [](json& d) { d["components"][1]["capacty"] = 5; }, "/components/1", "capacity"},
      {"tinylfu with bytes", [](json& d) { d["components"][1]["eviction"] = "tinylfu"; d["components"][1]["capacity_bytes"] = 1000; },
       "/components/1/capacity_bytes", "tinylfu"},
      {"scramble uniform", [](json& d) { d["components"][0]["routes"][0]["keys"]["scramble"] = true; },
       "/components/0/routes/0/keys/scramble", "zipf"},
      {"scramble not bool", [](json& d) { d["components"][0]["routes"][0]["keys"]["scramble"] = 1; d["components"][0]["routes"][0]["keys"]["zipf"] = 1; },
       "/components/0/routes/0/keys/scramble", "true"},
      {"quorum above sentinels", [](json& d) { d["components"][1]["replicas"] = 1; d["components"][1]["quorum"] = 4; },
       "/components/1/quorum", "sentinels"},
      {"read_from without replicas", [](json& d) { d["components"][1]["read_from"] = "replicas"; },
       "/components/1/read_from", "replicas"},
      {"too many replicas", [](json& d) { d["components"][1]["replicas"] = 16; }, "/components/1/replicas", "between"},
      {"down_after 0", [](json& d) { d["components"][1]["replicas"] = 1; d["components"][1]["down_after"] = "0s"; },
       "/components/1/down_after", ""},
      {"sentinel field in cluster mode", [](json& d) { d["components"][1]["replicas"] = 1; d["components"][1]["failover"] = "cluster"; d["components"][1]["quorum"] = 2; },
       "/components/1/quorum", "cluster_node_timeout"},
      {"cluster field with sentinel", [](json& d) { d["components"][1]["replicas"] = 1; d["components"][1]["cluster_node_timeout"] = "5s"; },
       "/components/1/cluster_node_timeout", "cluster"},
      {"unknown failover", [](json& d) { d["components"][1]["replicas"] = 1; d["components"][1]["failover"] = "raft"; },
       "/components/1/failover", "sentinel"},
      {"unknown backend", [](json& d) { d["components"][1]["backend"] = "dbb"; }, "/components/1/backend", "db"},
      // The nodes' machine (billing, speed): a string, and one of the catalogue's when there is one.
      {"instance_type not a string", [](json& d) { d["components"][1]["instance_type"] = 5; },
       "/components/1/instance_type", "expected a string"},
      {"unknown instance_type", [](json& d) {
         d["components"][1]["instance_type"] = "cache.r6g.larg";
         d["instance_types"] = {{"cache.r6g.large", {{"speed", 1}, {"price_per_hour", 0.206}}}};
       }, "/components/1/instance_type", "unknown instance type \"cache.r6g.larg\""},
      {"local with instance_type", [](json& d) { d["components"][1]["local"] = true; d["components"][1]["instance_type"] = "cache.r6g.large"; },
       "/components/1/instance_type", "local cache"},
      // A local (per-pod) cache has no nodes, replicas, failover or workers of its own, and
      // lives inside the instances of one service.
      {"local with nodes", [](json& d) { d["components"][1]["local"] = true; d["components"][1]["nodes"] = 3; },
       "/components/1/nodes", "local cache"},
      {"local with replicas", [](json& d) { d["components"][1]["local"] = true; d["components"][1]["replicas"] = 1; },
       "/components/1/replicas", "local cache"},
      {"local with failover", [](json& d) { d["components"][1]["local"] = true; d["components"][1]["failover"] = "cluster"; },
       "/components/1/failover", "local cache"},
      {"local with concurrency", [](json& d) { d["components"][1]["local"] = true; d["components"][1]["concurrency"] = 4; },
       "/components/1/concurrency", "local cache"},
      {"local write-behind", [](json& d) { d["components"][1]["local"] = true; d["components"][1]["pattern"] = "write_behind"; },
       "/components/1/pattern", "write_behind"},
      {"local called by a client", [](json& d) { d["components"][1]["local"] = true; }, "/components/1/local", "client"},
      {"local called by two services", [](json& d) {
         d["components"][1]["local"] = true;
         d["components"][0]["target"] = "a";
         d["components"].push_back({{"id", "a"}, {"type", "service"}, {"routes", {{"get", json::array({{{"call", "cache"}}, {{"call", "b"}}})}}}});
         d["components"].push_back({{"id", "b"}, {"type", "service"}, {"routes", {{"get", json::array({{{"call", "cache"}}})}}}});
       }, "/components/1/local", "one service"},
      // A flush every nanosecond would be a billion batch calls per simulated second.
      {"flush_interval below 1s", [](json& d) { d["components"][1]["pattern"] = "write_behind"; d["components"][1]["flush_interval"] = "1ns"; },
       "/components/1/flush_interval", "whole seconds"},
      {"backend_routes on cache-aside", [](json& d) { d["components"][1]["pattern"] = "cache_aside"; d["components"][1]["backend_routes"] = {{"read", "read"}}; },
       "/components/1/backend_routes", "backend"},
      {"backend_routes.read on write-behind", [](json& d) { d["components"][1]["pattern"] = "write_behind"; d["components"][1]["backend_routes"] = {{"read", "read"}}; },
       "/components/1/backend_routes/read", "read_through"},
      {"backend_routes.write on read-through", [](json& d) { d["components"][1]["backend_routes"] = {{"write", "write"}}; },
       "/components/1/backend_routes/write", "write_through"},
      {"backend_routes.read empty", [](json& d) { d["components"][1]["backend_routes"] = {{"read", ""}}; },
       "/components/1/backend_routes/read", "name a route"},
      {"backend_routes unknown key", [](json& d) { d["components"][1]["backend_routes"] = {{"raed", "read"}}; },
       "/components/1/backend_routes/raed", "unknown field"},
      // A database serves only its queries: a read-through cache's reads on the client's route
      // "get" would all fail, so it is refused where the route is named.
      {"source on read-through", [](json& d) { d["components"][1]["source"] = "db"; }, "/components/1/source", "backend"},
      {"source not a database", [](json& d) { d["components"][1]["pattern"] = "cache_aside"; d["components"][1].erase("backend"); d["components"][1]["source"] = "db"; },
       "/components/1/source", "keeps no write times"},
      {"value_bytes negative", [](json& d) { d["components"][1]["value_bytes"] = -1; }, "/components/1/value_bytes", "between"},
      {"key_overhead_bytes not a number", [](json& d) { d["components"][1]["key_overhead_bytes"] = "90"; }, "/components/1/key_overhead_bytes", ""},
      {"maxmemory_policy without capacity_bytes", [](json& d) { d["components"][1]["maxmemory_policy"] = "allkeys-lru"; },
       "/components/1/maxmemory_policy", "capacity_bytes"},
      {"maxmemory_policy unknown", [](json& d) { d["components"][1]["capacity_bytes"] = 1000; d["components"][1]["maxmemory_policy"] = "allkeys-lru2"; },
       "/components/1/maxmemory_policy", "allkeys-lru"},
      {"maxmemory_policy with eviction", [](json& d) { d["components"][1]["capacity_bytes"] = 1000; d["components"][1]["maxmemory_policy"] = "noeviction"; d["components"][1]["eviction"] = "lfu"; },
       "/components/1/eviction", "maxmemory_policy"},
      {"read-through to a database on the client's route", [](json& d) {
         d["components"][2] = {{"id", "db"}, {"type", "database"}, {"queries", {{"read", "1ms"}, {"write", "2ms"}}}};
       }, "/components/0/routes/0/name", "through \"cache\""},
  };
  for (const Case& c : cases) {
    json d = base_doc();
    c.edit(d);
    std::string path = write_scenario("bad", d);
    auto r = run_archsim({"run", path, "--json", "--quiet", "--out", archsim::e2e::scratch_dir("cache-bad-out")}, 30);
    INFO(c.what << ": " << describe(r));
    CHECK(r.exit_code == 2);
    CHECK(r.err.find(path) != std::string::npos);
    CHECK(r.err.find(c.pointer) != std::string::npos);
    CHECK(r.err.find(c.word) != std::string::npos);
  }
}

TEST_CASE("cache: a hit adds at most two events to a request (the call's delivery and its reply)") {
  // The same route with and without a read-through cache in front of nothing it needs: 10 keys
  // in a cache of 100, so after the first 10 misses every lookup hits. The budget is two
  // scheduler events per hit; the cache's latency must not cost a third (a timer per lookup).
  json doc = json::parse(R"({
    "name": "hit-events", "seed": 1, "duration": "100s",
    "components": [
      {"id": "users", "type": "client", "target": "web", "arrivals": {"process": "poisson", "rate": 100},
       "routes": [{"name": "get", "keys": {"count": 10}}]},
      {"id": "web", "type": "service", "concurrency": 8, "service_time": {"dist": "constant", "value": "0ms"},
       "routes": {"get": [{"call": "cache"}]}},
      {"id": "cache", "type": "cache", "capacity": 100, "pattern": "read_through", "backend": "db", "latency": "0.2ms"},
      {"id": "db", "type": "service", "concurrency": 8, "service_time": {"dist": "constant", "value": "1ms"}}
    ]})");
  json with = run_summary(write_scenario("hit-events", doc), {});
  doc["components"][1]["routes"] = json::parse(R"({"get": [{"work": {"dist": "constant", "value": "0ms"}}]})");
  json without = run_summary(write_scenario("hit-events-none", doc), {});
  const double requests = num(with, "requests.total");
  REQUIRE(requests == num(without, "requests.total"));  // the same arrivals
  CHECK(num(with, "components.cache.hit_ratio") > 0.99);
  const double added = (num(with, "run.events") - num(without, "run.events")) / requests;
  INFO("events added per request by a cache hit: " << added);
  CHECK(added <= 2.02);  // 10 misses among ~10,000 hits add their backend calls
  CHECK(added >= 1.98);  // and a hit is not free: a call and a reply
}

TEST_CASE("cache: a route named in route_value_bytes that no caller sends to the cache is warned of, with the routes that do") {
  const std::string path = archsim::e2e::source_path("scenarios/caching/cache-aside.json");
  const std::string out = archsim::e2e::scratch_dir("route-value-bytes");
  auto run = [&](const std::string& sizes) {
    return archsim::e2e::run_archsim({"run", path, "--set", "duration=2m", "--set", "warmup=10s", "--set",
                                      "cache.route_value_bytes=" + sizes, "--json", "--quiet", "--no-report", "--out", out});
  };
  const auto typo = run(R"({"sett": 100})");
  CHECK(typo.exit_code == 0);
  CHECK(typo.err.find("/components/2/route_value_bytes/sett: warning: route \"sett\" in route_value_bytes never reaches "
                      "\"cache\" (the routes that do: get, set)") != std::string::npos);
  CHECK(typo.err.find("did you mean \"set\"") != std::string::npos);
  const auto right = run(R"({"set": 100})");
  CHECK(right.exit_code == 0);
  CHECK(right.err.find("warning") == std::string::npos);
}
