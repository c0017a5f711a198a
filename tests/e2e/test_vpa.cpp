// The Vertical Pod Autoscaler end to end (models/autoscaler/vpa.h), against Kubernetes' VPA
// arithmetic done by hand and the utilization law: a deterministic load (an arrival every
// 25 ms, 10 ms of CPU each, round robin over 2 pods) uses exactly 0.2 core per pod, so every
// sample falls in one bucket of the recommender's histogram and the target is that bucket's
// end x 1.15; evictions are counted; after a resize a pod's CPU utilization is its usage over
// its new request (U = X x S / request), so it moves by the ratio of the requests.
#include <doctest/doctest.h>

#include <cmath>
#include <string>

#include "tests/e2e/run_archsim.h"

using archsim::e2e::num;
using archsim::e2e::run_summary;
using archsim::e2e::series_rows;
using archsim::e2e::write_scenario;
using nlohmann::json;

namespace {

json scenario(const std::string& mode) {
  json d = json::parse(R"({"seed": 3, "duration": "20m", "window": "1m",
    "components": [
      {"id": "users", "type": "client", "target": "api", "timeout": "30s",
       "arrivals": {"process": "constant", "rate": 40}},
      {"id": "api", "type": "service", "replicas": 2, "concurrency": 8,
       "resources": {"requests": {"cpu": 2}}, "service_time": "10ms"},
      {"id": "vpa", "type": "vpa", "target": "api", "half_life": "2m"}]})");
  d["components"][2]["mode"] = mode;
  return d;
}

// The end of the histogram bucket holding `cores`, from the documented scheme
// (histogram_options.go): bucket n >= 1 starts at 0.01 x (1.05^n - 1) / 0.05.
double bucket_end(double cores) {
  const int n = static_cast<int>(std::floor(std::log(cores * 0.05 / 0.01 + 1) / std::log(1.05)));
  return 0.01 * (std::pow(1.05, n + 1) - 1) / 0.05;
}

}  // namespace

TEST_CASE("vpa: mode Off recommends the histogram's 90th percentile plus 15% and changes nothing") {
  json s = run_summary(write_scenario("vpa-off", scenario("Off")), {});
  // 0.2 core is in bucket 14 ([0.1980, 0.2158)): target = 0.21579 x 1.15 = 0.24816.
  const double target = bucket_end(0.2) * 1.15;
  CHECK(target == doctest::Approx(0.24816).epsilon(1e-4));
  CHECK(num(s, "components.vpa.target_cpu") == doctest::Approx(target).epsilon(1e-5));
  // One sample per pod per minute from the second sync on (the first has no window yet).
  CHECK(num(s, "components.vpa.samples") >= 36);
  CHECK(num(s, "components.vpa.evictions") == 0);
  CHECK(num(s, "components.vpa.request_cpu") == 2);
  CHECK(num(s, "components.api.cpu_utilization") == doctest::Approx(0.1).epsilon(0.01));
}

TEST_CASE("vpa: Initial gives the target only to new pods; Recreate evicts each pod once") {
  json init = run_summary(write_scenario("vpa-initial", scenario("Initial")), {});
  CHECK(num(init, "components.vpa.evictions") == 0);
  CHECK(num(init, "components.api.cpu_utilization") == doctest::Approx(0.1).epsilon(0.01));
  // Recreate: both pods (2 cores, far above the upper bound once history exists) are evicted,
  // one at a time (2 replicas, tolerance int(2 x 0.5) = 1), and their replacements, created with
  // the target, sit inside the bounds: exactly two evictions.
  json rec = run_summary(write_scenario("vpa-recreate", scenario("Recreate")), {});
  CHECK(num(rec, "components.vpa.evictions") == 2);
  CHECK(num(rec, "components.vpa.request_cpu") == doctest::Approx(bucket_end(0.2) * 1.15).epsilon(1e-5));
  CHECK(num(rec, "components.users.failed") == 0);
}

TEST_CASE("vpa: after a resize the CPU utilization moves by the ratio of the requests") {
  const std::string out = archsim::e2e::scratch_dir("vpa-util");
  json d = scenario("Recreate");
  json s = archsim::e2e::parse_summary(archsim::e2e::run_archsim(
      {"run", write_scenario("vpa-util", d), "--json", "--quiet", "--no-report", "--out", out}));
  const double request = num(s, "components.vpa.request_cpu");
  double before = -1, after = -1;
  for (const auto& [t, v] : series_rows(out + "/timeseries.csv", "api", "cpu_utilization")) {
    if (t == 120) before = std::stod(v);   // the window (60 s, 120 s]: both pods at 2 cores
    if (t == 1200) after = std::stod(v);   // the last window: both resized
  }
  // The utilization law: 0.2 core used per pod, over 2 cores and over the new request.
  CHECK(before == doctest::Approx(0.2 / 2).epsilon(0.005));
  CHECK(after == doctest::Approx(0.2 / request).epsilon(0.005));
  CHECK(after / before == doctest::Approx(2 / request).epsilon(0.01));
}

TEST_CASE("vpa: the usage it charts is the utilization law's, per pod, at every sync") {
  // Mode Off: the pods keep 2 cores. Every minute the mean usage of the Ready pods since the
  // last sync is X x S / pods = 40/s x 10 ms / 2 = 0.2 core, the load being deterministic.
  const std::string out = archsim::e2e::scratch_dir("vpa-usage");
  archsim::e2e::parse_summary(archsim::e2e::run_archsim(
      {"run", write_scenario("vpa-usage", scenario("Off")), "--json", "--quiet", "--no-report", "--out", out}));
  int windows = 0;
  for (const auto& [t, v] : series_rows(out + "/timeseries.csv", "vpa", "usage_cpu")) {
    // The first sync (60 s) has no earlier one to measure from; the second sets the gauge at
    // 120 s, and a window's figure is its mean: from the window (120 s, 180 s] on.
    if (t < 180) continue;
    const double at = t;
    CAPTURE(at);
    CHECK(std::stod(v) == doctest::Approx(0.2).epsilon(0.01));
    ++windows;
  }
  CHECK(windows == 18);
}
