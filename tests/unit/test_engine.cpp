// The engine's call model through small scenarios: timeouts drop late replies but the work
// downstream is done; fan-out waits for k of n; every request ends exactly once; the same
// seed gives the same run.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "tests/unit/harness.h"

using namespace archsim;
using nlohmann::json;

static archsim::test::Run run_json(const std::string& text) { return archsim::test::run(text); }

static double figure(const RunResult& r, const std::string& comp, const std::string& name) {
  for (const auto& c : r.components)
    if (c.id == comp)
      for (const auto& [k, v] : c.report.figures())
        if (k == name) return v;
  FAIL("no figure " << comp << "." << name);
  return 0;
}

TEST_CASE("engine: a timed-out call ends at the caller, yet the callee still does the work") {
  RunResult r = run_json(R"({"duration": "10s", "components": [
    {"id": "c", "type": "client", "target": "s", "arrivals": {"process": "constant", "rate": 10}, "timeout": "5ms"},
    {"id": "s", "type": "service", "concurrency": 100, "service_time": "10ms"}]})");
  CHECK(r.outcomes.ok() == 0);
  CHECK(r.outcomes.by_status[static_cast<int>(Status::Timeout)] == r.outcomes.total());
  CHECK(r.outcomes.total() >= 99);
  // The service finished every request it received, although nobody waited for the answers.
  CHECK(figure(r, "s", "ok") == doctest::Approx(static_cast<double>(r.outcomes.total())).epsilon(0.02));
}

TEST_CASE("engine: link latency is paid both ways, constant arrivals are exact") {
  RunResult r = run_json(R"({"duration": "10s", "network": {"latency": "2ms"}, "components": [
    {"id": "c", "type": "client", "target": "s", "arrivals": {"process": "constant", "rate": 100}},
    {"id": "s", "type": "service", "concurrency": 1, "service_time": "3ms"}]})");
  CHECK(r.latency.mean == doctest::Approx(7.0).epsilon(0.005));
  CHECK(r.latency.max == doctest::Approx(7.0).epsilon(0.005));
  CHECK(r.sent == 999);  // at 10 ms, 20 ms, ..., 9.99 s: the run is [0, 10 s)
}

TEST_CASE("engine: parallel fan-out waits for k of n") {
  // Three backends of 10, 20 and 30 ms; waiting for 2 of 3 answers at the second: 20 ms.
  RunResult r = run_json(R"({"duration": "5s", "components": [
    {"id": "c", "type": "client", "target": "api", "arrivals": {"process": "constant", "rate": 10}},
    {"id": "api", "type": "service", "concurrency": 10, "routes": {"default": [
      {"parallel": [{"call": "a"}, {"call": "b"}, {"call": "d"}], "wait_for": 2}]}},
    {"id": "a", "type": "service", "concurrency": 10, "service_time": "10ms"},
    {"id": "b", "type": "service", "concurrency": 10, "service_time": "20ms"},
    {"id": "d", "type": "service", "concurrency": 10, "service_time": "30ms"}]})");
  CHECK(r.outcomes.ok() == r.outcomes.total());
  CHECK(r.latency.p50 == doctest::Approx(20.0).epsilon(0.01));
}

TEST_CASE("engine: a full queue rejects with 503 and every request ends once") {
  RunResult r = run_json(R"({"duration": "20s", "components": [
    {"id": "c", "type": "client", "target": "s", "arrivals": {"rate": 200}},
    {"id": "s", "type": "service", "concurrency": 1, "queue_capacity": 2, "service_time": {"dist": "exponential", "mean": "10ms"}}]})");
  std::uint64_t rejected = r.outcomes.by_status[static_cast<int>(Status::Rejected)];
  CHECK(rejected > 0);
  CHECK(r.outcomes.ok() + rejected == r.outcomes.total());
  CHECK(r.sent + r.in_flight_at_warmup == r.outcomes.total() + r.in_flight);
  // M/M/1/K with rho = 2, K = 3 in system: blocking probability (1-rho) rho^K / (1 - rho^(K+1)) = 8/15.
  double blocking = static_cast<double>(rejected) / static_cast<double>(r.outcomes.total());
  CHECK(blocking == doctest::Approx(8.0 / 15.0).epsilon(0.04));
}

TEST_CASE("engine: same seed, same run; another seed, another run") {
  const char* text = R"({"duration": "30s", "seed": 3, "components": [
    {"id": "c", "type": "client", "target": "s", "arrivals": {"rate": 50}},
    {"id": "s", "type": "service", "service_time": {"dist": "exponential", "mean": "10ms"}}]})";
  RunResult a = run_json(text), b = run_json(text);
  CHECK(a.latency.mean == b.latency.mean);
  CHECK(a.events == b.events);
  std::string other = text;
  other.replace(other.find("\"seed\": 3"), 9, "\"seed\": 4");
  CHECK(run_json(other).latency.mean != a.latency.mean);
}

TEST_CASE("engine: closed loop keeps exactly N users busy") {
  // 5 users, no think time, one worker of constant 10 ms: throughput 100/s, response 50 ms.
  RunResult r = run_json(R"({"duration": "20s", "warmup": "1s", "components": [
    {"id": "c", "type": "client", "target": "s", "users": 5},
    {"id": "s", "type": "service", "service_time": "10ms"}]})");
  CHECK(r.latency.mean == doctest::Approx(50.0).epsilon(0.01));
  CHECK(static_cast<double>(r.outcomes.ok()) / r.measured_s == doctest::Approx(100.0).epsilon(0.01));
}

TEST_CASE("engine: calls between zones pay the cross-zone latency on top of the network's, both ways") {
  // users in zone a, web in zone b: each direction 1 ms + 4 ms; web in zone a: 1 ms each way.
  auto scenario = [](const char* web_zone) {
    return std::string(R"({"duration": "10s", "network": {"latency": "1ms", "cross_zone_latency": "4ms"}, "components": [
      {"id": "c", "type": "client", "zone": "a", "target": "s", "arrivals": {"process": "constant", "rate": 10}},
      {"id": "s", "type": "service", "zone": ")") + web_zone + R"(", "concurrency": 10, "service_time": "3ms"}]})";
  };
  CHECK(run_json(scenario("b")).latency.mean == doctest::Approx(13.0).epsilon(0.005));
  CHECK(run_json(scenario("a")).latency.mean == doctest::Approx(5.0).epsilon(0.005));
}

TEST_CASE("engine: an alert on a component's series reads that series, whatever series the results leave out") {
  // The per-cause error series that stay zero are dropped from the results; a rule that kept
  // an index into them read another series (a pool alert fired at 40 s on a series of zeros).
  archsim::test::Run r = run_json(R"({"duration": "5m", "window": "10s", "components": [
    {"id": "c", "type": "client", "target": "s", "arrivals": {"rate": 50}},
    {"id": "s", "type": "service", "concurrency": 1, "service_time": {"dist": "exponential", "mean": "10ms"}}],
    "alerts": [{"name": "idle", "metric": "s.utilization", "op": "<", "threshold": 0.05},
               {"name": "busy", "metric": "s.utilization", "op": ">", "threshold": 0.2, "for": "30s"}]})");
  std::vector<std::string> fired;
  for (const auto& a : r.availability.alerts) fired.push_back(a.name);
  CHECK(fired == std::vector<std::string>{"busy"});
}
