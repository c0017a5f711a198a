// The autoscaling scenarios and the autoscaler's bad input, through the binary: each bad
// scenario exits 2 with one stderr line naming the JSON location (docs/scenario-format.md), and the
// shipped step-load scenario answers a target sweep with the HPA's trade-off (a lower
// target runs more pods and pays more).
#include <doctest/doctest.h>

#include <fstream>
#include <string>
#include <vector>

#include "tests/e2e/run_archsim.h"

using namespace archsim::e2e;

namespace {

// A valid scenario with `hpa` as the autoscaler's JSON object (component index 2).
std::string with_hpa(const std::string& hpa) {
  return R"({"name": "bad", "duration": "1m", "components": [
    {"id": "users", "type": "client", "target": "api", "arrivals": {"rate": 10}},
    {"id": "api", "type": "service", "replicas": 2, "service_time": "10ms"},
    )" + hpa + "]}";
}

std::string write(const std::string& name, const std::string& text) {
  std::string path = scratch_dir("autoscaling-bad") + "/" + name + ".json";
  std::ofstream(path) << text;
  return path;
}

void check_bad(const std::string& name, const std::string& hpa, const std::string& pointer,
               const std::vector<std::string>& words) {
  std::string path = write(name, with_hpa(hpa));
  RunResult r = run_archsim({"run", path, "--json", "--quiet", "--out", scratch_dir("autoscaling-out")}, 30);
  INFO(describe(r));
  CHECK(r.exit_code == 2);
  CHECK(r.out.empty());
  auto ls = lines(r.err);
  REQUIRE(ls.size() == 1);
  CHECK(ls[0].find(path + ": " + pointer + ": ") == 0);
  for (const auto& w : words) CHECK_MESSAGE(ls[0].find(w) != std::string::npos, "missing: " << w);
}

}  // namespace

TEST_CASE("autoscaler bad input: exit 2 at the JSON location") {
  check_bad("min-above-max",
            R"({"id": "hpa", "type": "autoscaler", "target": "api", "min_replicas": 5, "max_replicas": 3})",
            "/components/2/min_replicas", {"max_replicas"});
  check_bad("target-zero",
            R"({"id": "hpa", "type": "autoscaler", "target": "api", "max_replicas": 3, "target_utilization": 0})",
            "/components/2/target_utilization", {"(0, 1]"});
  check_bad("target-150",
            R"({"id": "hpa", "type": "autoscaler", "target": "api", "max_replicas": 3, "target_utilization": 1.5})",
            "/components/2/target_utilization", {"(0, 1]"});
  check_bad("not-a-service",
            R"({"id": "hpa", "type": "autoscaler", "target": "users", "max_replicas": 3})",
            "/components/2/target", {"client", "cannot be scaled in and out", "with instances"});
  check_bad("unknown-metric",
            R"({"id": "hpa", "type": "autoscaler", "target": "api", "max_replicas": 3,
                "metrics": [{"type": "cpuu", "target": 0.5}]})",
            "/components/2/metrics/0/type", {"unknown metric \"cpuu\"", "cpu", "queue_length"});
  check_bad("zero-period",
            R"({"id": "hpa", "type": "autoscaler", "target": "api", "max_replicas": 3,
                "behavior": {"scale_up": {"policies": [{"type": "pods", "value": 4, "period": "0s"}]}}})",
            "/components/2/behavior/scale_up/policies/0/period", {"positive"});
  check_bad("memory-without-limit",
            R"({"id": "hpa", "type": "autoscaler", "target": "api", "max_replicas": 3, "metric": "memory"})",
            "/components/2/metric", {"limit_mb"});
  check_bad("negative-cpu-initialization",
            R"({"id": "hpa", "type": "autoscaler", "target": "api", "max_replicas": 3,
                "cpu_initialization_period": "-5m"})",
            "/components/2/cpu_initialization_period", {"duration"});
  check_bad("readiness-delay-too-long",
            R"({"id": "hpa", "type": "autoscaler", "target": "api", "max_replicas": 3,
                "initial_readiness_delay": "2d"})",
            "/components/2/initial_readiness_delay", {"1d"});
}

TEST_CASE("step-load: a lower HPA target runs more pods and costs more") {
  std::string sc = source_path("scenarios/autoscaling/step-load.json");
  auto lo = run_summary(sc, {"--set", "duration=12m", "--set", "api-hpa.target_utilization=0.5"});
  auto hi = run_summary(sc, {"--set", "duration=12m", "--set", "api-hpa.target_utilization=0.9"});
  CHECK(num(lo, "cost.mean_replicas") > num(hi, "cost.mean_replicas"));
  CHECK(num(lo, "cost.total_usd") > num(hi, "cost.total_usd"));
  CHECK(num(lo, "components.api-hpa.peak_desired_replicas") > num(hi, "components.api-hpa.peak_desired_replicas"));
  // Conservation through scale-out and scale-in.
  for (const auto* s : {&lo, &hi}) {
    CHECK(num(*s, "requests.total") == num(*s, "requests.ok") + num(*s, "requests.failed"));
  }
  // Same scenario and seed: the same summary, byte for byte outside "run".
  auto again = run_summary(sc, {"--set", "duration=12m", "--set", "api-hpa.target_utilization=0.5"});
  CHECK(without_run(again).dump() == without_run(lo).dump());
}

// Kubernetes' memory metric is the pod's working set (metrics-server reads the container's
// working set from cAdvisor): everything the pod holds, leaked memory and requests waiting on
// calls included. The HPA's desired count is ceil(replicas x utilization / target) once the
// ratio leaves the 0.1 tolerance (replica_calculator.go).
TEST_CASE("memory metric: the HPA reads the working set, leaked memory included") {
  // Two pods of 500 MB base under a 2000 MB limit leak 10 MB/s from 10 s: 1000 MB at 60 s
  // (ratio 1.0), 1150 MB at 75 s (utilization 0.575 against 0.5, ratio 1.15): ceil(2 x 1.15) =
  // 3 pods. A metric blind to the leak reads 0.25 and never scales.
  auto doc = nlohmann::json::parse(R"({"name": "leak-hpa", "duration": "80s", "warmup": "0s", "components": [
    {"id": "users", "type": "client", "target": "api", "arrivals": {"process": "constant", "rate": 20}},
    {"id": "api", "type": "service", "replicas": 2, "concurrency": 4, "service_time": "5ms",
     "memory": {"limit_mb": 2000, "base_mb": 500}},
    {"id": "hpa", "type": "autoscaler", "target": "api", "min_replicas": 2, "max_replicas": 10,
     "metric": "memory", "target_utilization": 0.5}],
    "faults": [{"at": "10s", "duration": "1h", "kind": "memory_leak", "target": "api", "per_second_mb": 10}]})");
  auto s = run_summary(write_scenario("leak-hpa", doc), {});
  CHECK(num(s, "components.hpa.peak_desired_replicas") == 3);
  CHECK(num(s, "components.hpa.scale_ups") == 1);
  CHECK(num(s, "requests.failed") == 0);  // no OOM kill yet: 1200 MB at most
}

TEST_CASE("memory metric: requests waiting on calls (io async) are in the working set") {
  // 100 requests/s each wait 1 s on a call without a worker: by Little's law 100 x 1 s = 100
  // requests held over 2 pods, 50 x 10 MB + 200 MB base = 700 MB of a 1000 MB limit, 0.7
  // against 0.5: ceil(2 x 1.4) = 3 pods at the first sync; then 33 each, 0.53, inside the
  // tolerance. A metric that counts only requests on a worker reads about 0.2.
  auto doc = nlohmann::json::parse(R"({"name": "async-hpa", "duration": "60s", "warmup": "0s", "components": [
    {"id": "users", "type": "client", "target": "api", "arrivals": {"process": "constant", "rate": 100}},
    {"id": "api", "type": "service", "replicas": 2, "concurrency": 4, "io": "async",
     "memory": {"limit_mb": 1000, "base_mb": 200, "per_request_mb": 10},
     "routes": {"*": [{"work": "1ms"}, {"call": "slow"}]}},
    {"id": "slow", "type": "service", "replicas": 1, "concurrency": 1000, "service_time": "1s"},
    {"id": "hpa", "type": "autoscaler", "target": "api", "min_replicas": 2, "max_replicas": 10,
     "metric": "memory", "target_utilization": 0.5}]})");
  auto s = run_summary(write_scenario("async-hpa", doc), {});
  CHECK(num(s, "components.hpa.peak_desired_replicas") == 3);
  CHECK(num(s, "requests.failed") == 0);
}
