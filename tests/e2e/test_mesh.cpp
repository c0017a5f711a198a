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
