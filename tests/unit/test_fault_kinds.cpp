// The fault kinds that change how a healthy component behaves (Istio-style delay and abort,
// a slow-down, a full disk), each checked by its plain arithmetic effect on a constant-time
// service where nothing else varies.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "tests/unit/harness.h"

using namespace archsim;

namespace {

RunResult run_with_fault(const std::string& fault, const std::string& routes = "") {
  std::string text = R"({"duration": "20s", "components": [
      {"id": "users", "type": "client", "target": "web", "arrivals": {"process": "constant", "rate": 50})" +
                     routes + R"(},
      {"id": "web", "type": "service", "concurrency": 100, "service_time": "10ms"}],
    "faults": [)" + fault + "]}";
  return archsim::test::run(text);
}

std::uint64_t count(const RunResult& r, Status s) { return r.outcomes.by_status[static_cast<int>(s)]; }

}  // namespace

TEST_CASE("fault: slowdown multiplies service times while it lasts") {
  // 10 s of 20 at 3x: half the requests take 30 ms, half 10 ms.
  RunResult r = run_with_fault(R"({"at": "5s", "duration": "10s", "kind": "slowdown", "target": "web", "factor": 3})");
  CHECK(r.outcomes.ok() == r.outcomes.total());
  CHECK(r.latency.mean == doctest::Approx(20.0).epsilon(0.02));
  CHECK(r.latency.max == doctest::Approx(30.0).epsilon(0.01));
}

TEST_CASE("fault: latency on a link adds its delay to the requests it covers") {
  RunResult r = run_with_fault(R"({"at": "0s", "duration": "20s", "kind": "latency", "target": "users->web", "add": "50ms"})");
  CHECK(r.latency.p50 == doctest::Approx(60.0).epsilon(0.01));
  // percent: only a share of the requests is delayed (Istio's fault.delay.percentage).
  RunResult half = run_with_fault(
      R"({"at": "0s", "duration": "20s", "kind": "latency", "target": "users->web", "add": "50ms", "percent": 50})");
  CHECK(half.latency.mean == doctest::Approx(35.0).epsilon(0.1));
  CHECK(half.latency.p50 == doctest::Approx(10.0).epsilon(0.05));
}

TEST_CASE("fault: error_rate aborts that share of requests") {
  RunResult r = run_with_fault(R"({"at": "0s", "duration": "20s", "kind": "error_rate", "target": "web", "rate": 0.3})");
  // 999 requests (constant arrivals; none at the end instant itself), each failing with
  // probability 0.3: 300 +- 3 sigma (sigma = 14.5).
  double failed = static_cast<double>(r.outcomes.failed());
  CHECK(r.outcomes.total() + r.in_flight == 999);
  CHECK(failed > 300 - 45);
  CHECK(failed < 300 + 45);
  CHECK(count(r, Status::Error) == r.outcomes.failed());
}

TEST_CASE("fault: a full disk fails writes and serves reads") {
  RunResult r = run_with_fault(R"({"at": "0s", "duration": "20s", "kind": "disk_full", "target": "web"})",
                               R"(, "routes": [{"name": "read", "weight": 1}, {"name": "write", "weight": 1, "write": true}])");
  for (const RouteResult& route : r.routes) {
    if (route.name == "read") CHECK(route.outcomes.ok() == route.outcomes.total());
    if (route.name == "write") {
      CHECK(route.outcomes.total() > 0);
      CHECK(route.outcomes.ok() == 0);
    }
  }
}
