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
