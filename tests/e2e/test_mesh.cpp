// A service mesh's sidecars end to end (models/service/service_mesh.cpp), against the
// arithmetic of Istio's published figures on a deterministic chain: users -> a -> b, constant
// arrivals (10/s), constant work, no network latency. Every crossing into or out of a meshed
// service takes the proxy's delay, requests and replies alike, so the round trip through a
// meshed a calling a meshed b crosses 6 proxies (2 at a's edge, 4 on the call); the proxy's
// CPU is one `cpu` per request in and per call out.
#include <doctest/doctest.h>

#include <string>

#include "tests/e2e/run_archsim.h"

using archsim::e2e::num;
using archsim::e2e::run_summary;
using archsim::e2e::write_scenario;
using nlohmann::json;

namespace {

json chain() {
  return json::parse(R"({"seed": 1, "duration": "100s", "network": {"latency": "0ms"},
    "components": [
      {"id": "users", "type": "client", "target": "a", "arrivals": {"process": "constant", "rate": 10}, "timeout": "5s"},
      {"id": "a", "type": "service", "replicas": 1, "concurrency": 4,
       "routes": {"default": [{"work": "1ms"}, {"call": "b"}]}, "sidecar": {}},
      {"id": "b", "type": "service", "replicas": 1, "concurrency": 4, "service_time": "2ms", "sidecar": {}}]})");
}

}  // namespace

TEST_CASE("mesh: every proxy crossing adds its delay, 2.65 ms per meshed call's round trip by Istio's figure") {
  const json plain = run_summary(write_scenario("mesh-none", chain()), {"--set", "a.sidecar=null", "--set", "b.sidecar=null"});
  CHECK(num(plain, "latency_ms.max") == doctest::Approx(3.0));
  const json both = run_summary(write_scenario("mesh-both", chain()), {});
  CHECK(num(both, "latency_ms.p50") == doctest::Approx(3.0 + 6 * 0.6625));
  CHECK(num(both, "latency_ms.max") == doctest::Approx(3.0 + 6 * 0.6625));
  // Only a meshed: its edge (2 crossings) and its own proxy on the call (2): 2.65 ms.
  const json one = run_summary(write_scenario("mesh-a", chain()), {"--set", "b.sidecar=null"});
  CHECK(num(one, "latency_ms.max") == doctest::Approx(3.0 + 2.65));
  // A slower proxy on b alone moves b's two crossings each way.
  const json slow = run_summary(write_scenario("mesh-slow", chain()), {"--set", "b.sidecar.latency=2ms"});
  CHECK(num(slow, "latency_ms.max") == doctest::Approx(3.0 + 4 * 0.6625 + 2 * 2.0));
}

TEST_CASE("mesh: the proxy's CPU is one request's worth per request in and per call out, beside the application's") {
  const json s = run_summary(write_scenario("mesh-cpu", chain()), {});
  const double sent = num(s, "requests.sent");
  CHECK(num(s, "components.a.sidecar_cpu_s") == doctest::Approx(2 * sent * 0.35e-3));
  CHECK(num(s, "components.b.sidecar_cpu_s") == doctest::Approx(sent * 0.35e-3));
  CHECK(num(s, "components.a.sidecar_cores") == doctest::Approx(2 * sent * 0.35e-3 / 100));
  CHECK(num(s, "components.a.sidecar_memory_mb") == 40);
  // The proxy runs in its own container: the application's CPU does not move.
  const json plain = run_summary(write_scenario("mesh-cpu-none", chain()), {"--set", "a.sidecar=null", "--set", "b.sidecar=null"});
  CHECK(num(s, "components.a.cpu_utilization") == doctest::Approx(num(plain, "components.a.cpu_utilization")));
}

TEST_CASE("mesh: the sidecar's retries multiply with the application's at a callee that fails every request") {
  // a calls b, which fails every request (an error_rate fault of 1), with an application
  // retry of 3 attempts on errors; a's sidecar retries 2 more times on errors (3 tries). The
  // 501 calls made in the first 50 s (constant 10/s) all end by 100 s, so b receives exactly
  // 3 x 3 = 9 requests per call, 6 of them the mesh's retries; without the mesh 3, and with
  // the mesh alone 3.
  json d = chain();
  d["components"][0]["arrivals"]["rate"] =
      json::array({json::array({"0s", 10}), json::array({"50s", 10}), json::array({"50001ms", 0})});
  d["components"][1]["routes"]["default"][1] = {{"call", "b"}, {"retry", {{"max_attempts", 3}, {"on", {"error"}}}}};
  d["components"][1]["sidecar"] = {{"retries", {{"attempts", 2}, {"on", {"error"}}}}};
  d["components"][2].erase("sidecar");
  d["faults"] = json::array({{{"at", "0s"}, {"duration", "200s"}, {"kind", "error_rate"}, {"target", "b"}, {"rate", 1.0}}});
  const std::string file = write_scenario("mesh-retries", d);
  const json s = run_summary(file, {});
  const double calls = num(s, "components.a.calls.b.calls");
  CHECK(calls == 501);
  CHECK(num(s, "components.b.errors") == 9 * calls);
  CHECK(num(s, "components.a.calls.b.attempts") == 9 * calls);
  CHECK(num(s, "components.a.calls.b.mesh_retries") == 6 * calls);
  CHECK(num(s, "components.a.calls.b.retries") == 2 * calls);  // the application's, as it sees them
  const json app = run_summary(file, {"--set", "a.sidecar={}"});
  CHECK(num(app, "components.b.errors") == 3 * calls);
  const json mesh = run_summary(file, {"--set", "a.routes.default.1={\"call\":\"b\"}"});
  CHECK(num(mesh, "components.b.errors") == 3 * calls);
  // Causes the mesh does not retry (its default: unavailable and rejected) are tried once.
  const json narrow = run_summary(file, {"--set", "a.sidecar={\"retries\":{\"attempts\":2}}"});
  CHECK(num(narrow, "components.b.errors") == 3 * calls);
}

namespace {

// a calls b, whose every request takes 300 ms (no queueing: 64 workers for 10/s), over a's
// sidecar with no delay of its own, so that only the timeouts set the times: Istio's
// HTTPRetry.perTryTimeout (retried, as Envoy's 5xx policy retries a per-try timeout), the
// route's timeout over every try, and the application's own attempt timeout. 501 calls. The
// retries' back-off is 1 ns here (at most 2 ns of wait), so that the timeouts alone set the times.
json slow_callee() {
  json d = chain();
  d["components"][0]["arrivals"]["rate"] =
      json::array({json::array({"0s", 10}), json::array({"50s", 10}), json::array({"50001ms", 0})});
  d["components"][1]["concurrency"] = 64;
  d["components"][1]["routes"]["default"] = json::array({{{"call", "b"}}});
  d["components"][1]["sidecar"] =
      json::parse(R"({"latency": "0ms", "retries": {"attempts": 2, "on": ["timeout"], "per_try_timeout": "100ms", "backoff": "1ns"}})");
  d["components"][2] = json::parse(R"({"id": "b", "type": "service", "replicas": 1, "concurrency": 64, "service_time": "300ms"})");
  return d;
}

}  // namespace

TEST_CASE("mesh: per-try, route and application timeouts end a call where Envoy and the application would") {
  const std::string file = write_scenario("mesh-timeouts", slow_callee());
  // 3 tries of 100 ms each, every one cut by the per-try timeout: the call fails at 300 ms
  // and b runs all three to the end (it is not told): 3 x 300 ms of work per call.
  const json per_try = run_summary(file, {});
  CHECK(num(per_try, "components.a.calls.b.calls") == 501);
  CHECK(num(per_try, "components.a.calls.b.attempts") == 3 * 501);
  CHECK(num(per_try, "components.a.calls.b.mesh_timeouts") == 3 * 501);
  CHECK(num(per_try, "latency_all_ms.max") == doctest::Approx(300));
  CHECK(num(per_try, "components.b.utilization") == doctest::Approx(3 * 501 * 0.3 / (64 * 100.0)));
  // The route's 250 ms over every try: tries at 0, 100 and 200 ms, the third cut at 250 ms
  // with 3 retries left.
  const json route = run_summary(file, {"--set", "a.sidecar.timeout=250ms", "--set", "a.sidecar.retries.attempts=5"});
  CHECK(num(route, "components.a.calls.b.attempts") == 3 * 501);
  CHECK(num(route, "latency_all_ms.max") == doctest::Approx(250));
  // The application's own 150 ms: it stops waiting during the second try.
  const json app = run_summary(file, {"--set", "a.routes.default.0.timeout=150ms", "--set", "a.sidecar.retries.attempts=5"});
  CHECK(num(app, "components.a.calls.b.attempts") == 2 * 501);
  CHECK(num(app, "components.a.calls.b.attempt_timeouts") == 501);
  CHECK(num(app, "latency_all_ms.max") == doctest::Approx(150));
  // Stacked: the application's 3 attempts of 150 ms each carry 2 tries of the mesh: 6 requests
  // at b per call, 6 x 300 ms of b's work for a call that fails.
  const json stacked = run_summary(file, {"--set", "a.routes.default.0.timeout=150ms", "--set",
                                          R"(a.routes.default.0.retry={"max_attempts":3,"on":["timeout"]})"});
  CHECK(num(stacked, "components.a.calls.b.attempts") == 6 * 501);
  CHECK(num(stacked, "components.b.utilization") == doctest::Approx(6 * 501 * 0.3 / (64 * 100.0)));
  // A per-try timeout is retried only when the mesh retries timeouts.
  const json once = run_summary(file, {"--set", R"(a.sidecar.retries.on=["error"])"});
  CHECK(num(once, "components.a.calls.b.attempts") == 501);
  CHECK(num(once, "latency_all_ms.max") == doctest::Approx(100));
}

TEST_CASE("mesh: a retry waits Envoy's jittered back-off, the n-th uniform below (2^n - 1) x the base, capped") {
  // The per-try case above with Envoy's default back-off (25 ms): the first retry waits
  // U[0, 25 ms), the second U[0, 75 ms): a failed call takes 300 ms + 12.5 + 37.5 on average,
  // within 3 standard errors (sd of the sum 22.8 ms over 501 calls: 1.0 ms), never 400 ms.
  json d = slow_callee();
  d["components"][1]["sidecar"]["retries"].erase("backoff");
  const std::string file = write_scenario("mesh-backoff", d);
  const json s = run_summary(file, {});
  CHECK(num(s, "components.a.calls.b.attempts") == 3 * 501);
  CHECK(num(s, "latency_all_ms.mean") == doctest::Approx(350).epsilon(3.1 / 350));
  CHECK(num(s, "latency_all_ms.max") < 400);
  // backoff_max 30 ms caps the second wait: E[min(U[0, 75), 30)] = 0.4 x 15 + 0.6 x 30 = 24 ms.
  const json capped = run_summary(file, {"--set", "a.sidecar.retries.backoff_max=30ms"});
  CHECK(num(capped, "latency_all_ms.mean") == doctest::Approx(300 + 12.5 + 24).epsilon(2.5 / 336.5));
  CHECK(num(capped, "latency_all_ms.max") <= 300 + 25 + 30);
  // The back-off counts in the attempt's time: with the application's 150 ms the second try
  // starts at 100 ms + U[0, 25 ms) and is cut at 150 ms all the same.
  const json app = run_summary(file, {"--set", "a.routes.default.0.timeout=150ms"});
  CHECK(num(app, "components.a.calls.b.attempts") == 2 * 501);
  CHECK(num(app, "latency_all_ms.max") == doctest::Approx(150));
}
