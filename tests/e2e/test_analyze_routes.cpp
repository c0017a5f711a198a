// `archsim analyze` on what a route does besides plain calls, against the simulation of the
// same scenario: a cache's hit ratio (Che's approximation for LRU with the clients' Zipf keys,
// the TTL renewal formula), branches taken at the cache's miss ratio, choices by weight,
// repeats 1 / (1 - p) times, io async (no worker held during a call), and a caller's
// connection pool as an M/M/c queue (Erlang C). Each check names what analyze printed before
// it knew these (every lookup a miss, every block once, workers held through async calls, no
// wait for a connection), to show the tolerance bites.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/e2e/run_archsim.h"

using archsim::e2e::num;
using archsim::e2e::run_summary;
using archsim::e2e::write_scenario;
using nlohmann::json;

namespace {

json analyze(const std::string& scenario, const std::vector<std::string>& sets = {}) {
  return archsim::e2e::run_analyze(scenario, sets);
}

std::vector<std::string> sets_of(const std::vector<std::string>& sets) {
  std::vector<std::string> out;
  for (const auto& s : sets) out.insert(out.end(), {"--set", s});
  return out;
}

}  // namespace

TEST_CASE("analyze cache-aside: the database sees the misses Che's approximation predicts") {
  // scenarios/caching/cache-aside.json: 2000 reads/s over 1,000,000 Zipf(0.99) keys, an LRU of
  // 10,000 entries with a 10 min TTL (longer than the run's reuse of any hot key: the size
  // decides). Once warm, the run's hit ratio and the database's rate are the analysis's within
  // a few points; the old analysis sent all 2000/s to the database.
  const std::string sc = archsim::e2e::source_path("scenarios/caching/cache-aside.json");
  for (const std::string cap : {"1000", "10000", "100000"}) {
    CAPTURE(cap);
    const std::vector<std::string> sets{"cache.capacity=" + cap, "duration=12m", "warmup=6m"};
    const json a = analyze(sc, sets);
    const json s = run_summary(sc, sets_of(sets));
    const double hit_run = num(s, "components.cache.hit_ratio");
    INFO("analysis ", a["components"]["cache"].dump(), "; run hit ratio ", hit_run);
    CHECK(num(a["components"]["cache"], "hit_ratio") == doctest::Approx(hit_run).epsilon(0.05));
    CHECK(num(a["components"]["db"], "arrival_rps") ==
          doctest::Approx(num(s, "components.db.throughput_rps")).epsilon(0.08));
    CHECK(num(a["components"]["db"], "arrival_rps") < 0.65 * 2000);  // at most 62 % miss
  }
}

TEST_CASE("analyze: a TTL cache hits r tau / (1 + r tau) per key") {
  // 100 keys read uniformly at 200/s (2 a second each) through a cache with room for all of
  // them and a 2 s TTL set at each fill: each key hits 2 x 2 / (1 + 2 x 2) = 80 % of its reads.
  json doc = json::parse(R"({"name": "ttl", "duration": "10m", "warmup": "1m",
    "components": [
      {"id": "users", "type": "client", "target": "api", "arrivals": {"rate": 200},
       "routes": [{"name": "get", "keys": {"count": 100}}]},
      {"id": "api", "type": "service", "replicas": 1, "concurrency": 64,
       "routes": {"get": [{"call": "cache", "on_miss": [{"call": "db", "route": "read"}, {"call": "cache", "route": "set"}]}]}},
      {"id": "cache", "type": "cache", "capacity": 1000, "ttl": "2s", "latency": "50us", "concurrency": 8},
      {"id": "db", "type": "service", "replicas": 1, "concurrency": 32, "service_time": "5ms"}]})");
  const std::string path = write_scenario("ttl-cache", doc);
  const json a = analyze(path);
  CHECK(num(a["components"]["cache"], "hit_ratio") == doctest::Approx(0.8).epsilon(1e-6));
  const json s = run_summary(path, {});
  CHECK(num(s, "components.cache.hit_ratio") == doctest::Approx(0.8).epsilon(0.03));
  CHECK(num(a["components"]["db"], "arrival_rps") == doctest::Approx(num(s, "components.db.throughput_rps")).epsilon(0.05));
}

TEST_CASE("analyze: choices split by weight and repeats run their body 1 / (1 - p) times") {
  // 100 requests/s: 30 % call a, 70 % call b; then a repeat of probability 0.5 around a call
  // to c (2 calls per request on average). The old analysis sent 100/s to each of a and b and
  // 100/s to c.
  json doc = json::parse(R"({"name": "flow", "duration": "10m", "warmup": "30s",
    "components": [
      {"id": "users", "type": "client", "target": "api", "arrivals": {"rate": 100}},
      {"id": "api", "type": "service", "replicas": 1, "concurrency": 64,
       "routes": {"*": [{"choice": [{"weight": 3, "steps": [{"call": "a"}]}, {"weight": 7, "steps": [{"call": "b"}]}]},
                        {"repeat": [{"call": "c"}], "probability": 0.5}]}},
      {"id": "a", "type": "service", "replicas": 1, "concurrency": 8, "service_time": "2ms"},
      {"id": "b", "type": "service", "replicas": 1, "concurrency": 8, "service_time": "2ms"},
      {"id": "c", "type": "service", "replicas": 1, "concurrency": 8, "service_time": "2ms"}]})");
  const std::string path = write_scenario("flow", doc);
  const json a = analyze(path);
  CHECK(num(a["components"]["a"], "arrival_rps") == doctest::Approx(30).epsilon(1e-6));
  CHECK(num(a["components"]["b"], "arrival_rps") == doctest::Approx(70).epsilon(1e-6));
  CHECK(num(a["components"]["c"], "arrival_rps") == doctest::Approx(200).epsilon(1e-6));
  const json s = run_summary(path, {});
  for (const char* id : {"a", "b", "c"}) {
    CAPTURE(id);
    CHECK(num(a["components"][id], "arrival_rps") ==
          doctest::Approx(num(s, std::string("components.") + id + ".throughput_rps")).epsilon(0.03));
  }
  // The api's response: its calls as often as they run (3 x 2 ms on average, no queueing to speak of).
  CHECK(num(a["clients"]["users"], "response_ms") == doctest::Approx(num(s, "latency_ms.mean")).epsilon(0.08));
}

TEST_CASE("analyze: a repeat around exponential work is exponential work (SCV 1), and its M/G/1 wait exact") {
  // One worker, 200 requests/s, a repeat of probability 0.5 around 1 ms of exponential work: a
  // geometric number of exponential passes is exponential, here of mean 2 ms (rho = 0.4).
  // Pollaczek-Khinchine: W = lambda E[S^2] / (2 (1 - rho)) = 200 x 2 x (2 ms)^2 / 1.2 = 1.333 ms.
  // Summing each pass's variance by its visits (the old analysis) gave SCV 1 - p = 0.5 and
  // 1.0 ms. A choice between 1 ms and 9 ms of constant work (mean 5, E[S^2] = 41 ms^2) is the
  // second route: its variance is the paths', none of the steps'.
  json doc = json::parse(R"({"name": "repeat-mg1", "duration": "30m", "warmup": "1m",
    "components": [
      {"id": "users", "type": "client", "target": "api", "arrivals": {"rate": 200}},
      {"id": "api", "type": "service", "replicas": 1, "concurrency": 1,
       "routes": {"*": [{"repeat": [{"work": {"dist": "exponential", "mean": "1ms"}}], "probability": 0.5}]}}]})");
  const std::string path = write_scenario("repeat-mg1", doc);
  const json a = analyze(path);
  INFO(a["components"]["api"].dump());
  CHECK(num(a["components"]["api"], "wait_ms") == doctest::Approx(4.0 / 3.0).epsilon(1e-6));
  CHECK(num(a["clients"]["users"], "response_ms") == doctest::Approx(2.0 + 4.0 / 3.0).epsilon(1e-6));
  const json s = run_summary(path, {});
  CHECK(num(s, "latency_ms.mean") == doctest::Approx(2.0 + 4.0 / 3.0).epsilon(0.04));

  doc["components"][0]["arrivals"]["rate"] = 100;
  doc["components"][1]["routes"]["*"] = json::parse(R"([{"choice": [
      {"weight": 1, "steps": [{"work": {"dist": "constant", "value": "1ms"}}]},
      {"weight": 1, "steps": [{"work": {"dist": "constant", "value": "9ms"}}]}]}])");
  // rho = 0.5: W = 100 x 41e-6 / (2 x 0.5) = 4.1 ms.
  const std::string choice = write_scenario("choice-mg1", doc);
  const json c = analyze(choice);
  INFO(c["components"]["api"].dump());
  CHECK(num(c["components"]["api"], "wait_ms") == doctest::Approx(4.1).epsilon(1e-6));
  const json sc = run_summary(choice, {});
  CHECK(num(sc, "latency_ms.mean") == doctest::Approx(5.0 + 4.1).epsilon(0.05));
}

TEST_CASE("analyze io async: a tandem of calls holds no worker while it waits") {
  // 360 requests/s through 4 async workers: 5 ms of work, a 10 ms call, 5 ms more, a second
  // 10 ms call. A worker is busy 10 ms a request, 360 x 10 ms / 4 = 90 %, not the 30 ms a
  // blocking thread would hold (2.7 times overloaded, an infinite wait). The response is the
  // work, the calls, and a wait per stretch of work (M/M/4 per stretch: the second stretch's
  // arrivals are not Poisson, hence the wider tolerance).
  json doc = json::parse(R"({"name": "tandem", "duration": "10m", "warmup": "30s",
    "components": [
      {"id": "users", "type": "client", "target": "api", "arrivals": {"rate": 360}},
      {"id": "api", "type": "service", "replicas": 1, "concurrency": 4, "io": "async",
       "routes": {"*": [{"work": {"dist": "exponential", "mean": "5ms"}}, {"call": "x"},
                        {"work": {"dist": "exponential", "mean": "5ms"}}, {"call": "y"}]}},
      {"id": "x", "type": "service", "replicas": 1, "concurrency": 1000, "service_time": "10ms"},
      {"id": "y", "type": "service", "replicas": 1, "concurrency": 1000, "service_time": "10ms"}]})");
  const std::string path = write_scenario("tandem", doc);
  const json a = analyze(path);
  const json s = run_summary(path, {});
  INFO(a["components"]["api"].dump(), " run ", s["latency_ms"].dump());
  CHECK(num(a["components"]["api"], "utilization") == doctest::Approx(0.9).epsilon(0.01));
  CHECK(num(a["components"]["api"], "utilization") ==
        doctest::Approx(num(s, "components.api.utilization")).epsilon(0.05));
  CHECK(num(a["clients"]["users"], "response_ms") == doctest::Approx(num(s, "latency_ms.mean")).epsilon(0.15));
}

TEST_CASE("analyze: a caller's connection pool waits as Erlang C says") {
  // The api's pool of 5 connections to the database for 100 calls/s, each holding its
  // connection 40 ms (a = 4 of 5): the wait for a connection is Erlang C's, C(5, 4) x 40 ms /
  // (5 - 4) = 0.554 x 40 = 22.2 ms, and the response 62 ms. The old analysis had no wait for a
  // connection (40 ms). One instance, so that its calls arrive as the clients' Poisson
  // stream (a round-robin split over instances is smoother, and waits less).
  json doc = json::parse(R"({"name": "pool", "duration": "20m", "warmup": "1m",
    "components": [
      {"id": "users", "type": "client", "target": "api", "arrivals": {"rate": 100}},
      {"id": "api", "type": "service", "replicas": 1, "concurrency": 200,
       "pool": {"size": 5, "acquire_timeout": "60s", "for": ["db"]},
       "routes": {"*": [{"call": "db"}]}},
      {"id": "db", "type": "service", "replicas": 1, "concurrency": 1000,
       "service_time": {"dist": "exponential", "mean": "40ms"}}]})");
  const std::string path = write_scenario("pool", doc);
  const json a = analyze(path);
  INFO(a["components"]["api"].dump());
  CHECK(num(a["components"]["api"], "pool_utilization") == doctest::Approx(0.8).epsilon(1e-6));
  CHECK(num(a["components"]["api"], "pool_wait_ms") == doctest::Approx(22.16).epsilon(0.01));
  const json s = run_summary(path, {});
  CHECK(num(a["clients"]["users"], "response_ms") == doctest::Approx(num(s, "latency_ms.mean")).epsilon(0.05));
}
