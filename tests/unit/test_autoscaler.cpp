// The autoscaler component in small simulations, against the Kubernetes HPA's published
// behaviour (kubernetes.io "Horizontal Pod Autoscaling"; kube-controller-manager's
// horizontal.go / replica_calculator.go) computed by hand:
//   - no behavior given -> the controller's legacy limit, max(2 x current, 4) per sync:
//     2 -> 4 -> 8 -> 16; pods still starting are unready and count as 0% on the way up, so
//     the fifth sync settles at ceil(20 x 10% / 10%) = 20, not 32;
//   - a usage ratio within 10% of the target changes nothing;
//   - after the load drops, replicas hold for the 300 s downscale stabilization window;
//   - min/max clamps; scheduled minimums; vertical resizing by rolling update;
// and billing and conservation: cost = sum of instance lifetimes x price (per second, with
// the minimum), every request ends exactly once while instances drain.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/unit/harness.h"
#include "sim/simulation.h"

using namespace archsim;
using namespace archsim::test;

namespace {


std::vector<double> series(const RunResult& r, const std::string& comp, const std::string& metric) {
  for (const Series& s : r.series)
    if (s.component == comp && s.metric == metric) return s.values;
  FAIL("no series " << comp << "/" << metric);
  return {};
}


std::string text(const RunResult& r, const std::string& id, const std::string& name) {
  for (const ComponentResult& c : r.components)
    if (c.id == id)
      for (const auto& [k, v] : c.report.texts())
        if (k == name) return v;
  FAIL("component " << id << " has no text " << name);
  return "";
}

double cost_of(const test::Run& r, const std::string& id) {
  for (const auto& [k, v] : r.cost.by_component)
    if (k == id) return v;
  return 0;
}

// One client (constant arrivals: every window sees the same load), one service of
// single-worker pods doing 100 ms of CPU per request, one HPA on CPU.
std::string scenario(const std::string& duration, const std::string& rate, const std::string& service_extra,
                     const std::string& hpa_extra, const std::string& top_extra = "") {
  return R"({"name": "t", "duration": ")" + duration + R"(", "window": "15s", )" + top_extra + R"(
    "components": [
      {"id": "users", "type": "client", "target": "api", "arrivals": {"process": "constant", "rate": )" +
         rate + R"(}},
      {"id": "api", "type": "service", "concurrency": 1, "service_time": "100ms", )" + service_extra + R"(},
      {"id": "hpa", "type": "autoscaler", "target": "api", "metric": "cpu", )" + hpa_extra + R"(}]})";
}

}  // namespace

TEST_CASE("no behavior: 2 -> 4 -> 8 -> 16 per 15 s sync, then unready pods damp the step to 20") {
  // 100 req/s x 100 ms = 10 busy workers wanted; 2 ready pods run at 100%. Target 10%.
  // sync 15 s: ratio 100/10 = 10 -> 20 wanted, legacy limit max(2 x 2, 4) = 4.
  // sync 30 s: 2 ready at 100%, 2 unready (starting for 10 min) count as 0%: 2000m / 4 pods
  //            = 50% -> 5 x 4 = 20, limit 8.  sync 45 s: 25% -> 20, limit 16.
  // sync 60 s: 12% (truncated) -> ceil(1.2 x 16) = 20 <= 32: 20. Then 10% = target: stays.
  RunResult r = run(scenario("120s", "100", R"("replicas": 2, "startup_time": "10m")",
                             R"("min_replicas": 1, "max_replicas": 50, "target_utilization": 0.1)"));
  std::vector<double> rep = series(r, "api", "replicas");
  std::vector<double> expect = {2, 4, 8, 16, 20, 20, 20, 20};
  REQUIRE(rep.size() == expect.size());
  for (std::size_t i = 0; i < expect.size(); ++i) CHECK(rep[i] == expect[i]);
  std::vector<double> ready = series(r, "api", "ready_replicas");
  for (double v : ready) CHECK(v == 2);  // the new pods never became ready: ignored
  CHECK(series(r, "hpa", "desired_replicas").back() == 20);
  CHECK(fig(r, "hpa", "scale_ups") == 4);
}

TEST_CASE("tolerance band: usage 5% above target changes nothing; 29% above scales up") {
  // 14.7 req/s over 2 pods x 100 ms = 73.5% each against 70%: ratio 1.05, within 0.1.
  RunResult in_band = run(scenario("5m", "14.7", R"("replicas": 2)",
                                   R"("min_replicas": 1, "max_replicas": 10, "target_utilization": 0.7)"));
  for (double v : series(in_band, "api", "replicas")) CHECK(v == 2);
  CHECK(fig(in_band, "hpa", "scale_events") == 0);
  // 18 req/s: 90% each, ratio 1.29 -> ceil(2 x 1.29) = 3; then 60% (ratio 0.86) -> ceil(2.57) = 3.
  RunResult above = run(scenario("5m", "18", R"("replicas": 2)",
                                 R"("min_replicas": 1, "max_replicas": 10, "target_utilization": 0.7)"));
  std::vector<double> rep = series(above, "api", "replicas");
  CHECK(rep.front() == 2);
  CHECK(rep[1] == 3);
  CHECK(rep.back() == 3);
  CHECK(*std::max_element(rep.begin(), rep.end()) == 3);
}

TEST_CASE("scale-down is held for the 300 s stabilization window after the load drops") {
  // 6 pods at 60% until t = 300 s, then 10%: the recommendation falls to 1 at the 315 s sync,
  // but the highest recommendation of the last 5 minutes (the 300 s one, 6, counted at the
  // window's edge) holds until the 615 s sync.
  RunResult r = run(scenario("12m", R"([["0s", 36], ["300s", 36], ["301s", 6]])", R"("replicas": 6)",
                             R"("min_replicas": 1, "max_replicas": 10, "target_utilization": 0.7)"));
  std::vector<double> rep = series(r, "api", "replicas");
  REQUIRE(rep.size() == 48);
  for (std::size_t i = 0; i < 41; ++i) CHECK_MESSAGE(rep[i] == 6, "window ending " << (i + 1) * 15 << " s");
  for (std::size_t i = 41; i < rep.size(); ++i) CHECK_MESSAGE(rep[i] == 1, "window ending " << (i + 1) * 15 << " s");
}

TEST_CASE("min and max replicas clamp the controller") {
  RunResult hi = run(scenario("3m", "100", R"("replicas": 2)",
                              R"("min_replicas": 1, "max_replicas": 3, "target_utilization": 0.5)"));
  std::vector<double> rep = series(hi, "api", "replicas");
  CHECK(*std::max_element(rep.begin(), rep.end()) == 3);
  CHECK(rep.back() == 3);
  RunResult lo = run(scenario("10m", "1", R"("replicas": 4)",
                              R"("min_replicas": 2, "max_replicas": 10, "target_utilization": 0.5)"));
  rep = series(lo, "api", "replicas");
  CHECK(*std::min_element(rep.begin(), rep.end()) == 2);
  CHECK(rep.back() == 2);
}

TEST_CASE("a scheduled minimum raises the replicas at its time, as CronHPA patches minReplicas") {
  RunResult r = run(scenario("3m", "1", R"("replicas": 2)",
                             R"("min_replicas": 2, "max_replicas": 10, "target_utilization": 0.5,
                                "schedule": [{"at": "60s", "min_replicas": 5}, {"at": "120s", "min_replicas": 2}])"));
  std::vector<double> rep = series(r, "api", "replicas");
  CHECK(rep[3] == 2);  // (45, 60]
  CHECK(rep[4] == 5);  // (60, 75]: set by the 60 s sync
  CHECK(rep[7] == 5);  // (105, 120]
}

TEST_CASE("cost = sum of instance lifetimes x price, per second, with the minimum") {
  // Replicas change only at syncs, which are window boundaries, and a draining pod holds at
  // most one 100 ms request, so the replicas series integrates the instance lifetimes.
  std::string text_ = scenario("12m", R"([["0s", 36], ["300s", 36], ["301s", 6]])", R"("replicas": 6)",
                               R"("min_replicas": 1, "max_replicas": 10, "target_utilization": 0.7)",
                               R"("cost": {"prices_per_hour": {"default": 0.36}},)");
  test::Run r = run(text_);
  double pod_seconds = 0;
  for (double v : series(r, "api", "replicas")) pod_seconds += v * 15;
  double expected = pod_seconds / 3600 * 0.36;
  CHECK(cost_of(r, "api") == doctest::Approx(expected).epsilon(0.001));
  CHECK(r.cost.total_usd == doctest::Approx(expected).epsilon(0.001));

  // Two pods for 10 minutes, billed at least an hour each: 2 x 1 h x $0.36.
  std::string fixed = R"({"name": "t", "duration": "10m",
    "components": [{"id": "api", "type": "service", "replicas": 2, "service_time": "1ms"}],
    "cost": {"prices_per_hour": {"default": 0.36}, "minimum_billing": "1h"}})";
  CHECK(run(fixed).cost.total_usd == doctest::Approx(0.72).epsilon(1e-9));
  std::string no_min = R"({"name": "t", "duration": "10m",
    "components": [{"id": "api", "type": "service", "replicas": 2, "service_time": "1ms"}],
    "cost": {"prices_per_hour": {"default": 0.36}}})";
  CHECK(run(no_min).cost.total_usd == doctest::Approx(0.12).epsilon(1e-9));
}

TEST_CASE("no request is lost or counted twice while instances drain") {
  // Scale-in with a 50 ms grace and 100 ms requests: draining pods drop what they hold.
  std::string t = scenario("12m", R"([["0s", 36], ["300s", 36], ["301s", 6]])",
                           R"("replicas": 6, "termination_grace": "50ms", "service_time": {"dist": "exponential", "mean": "100ms"})",
                           R"("min_replicas": 1, "max_replicas": 10, "target_utilization": 0.7)");
  // the scenario helper sets a constant service_time; this one replaces it
  auto j = nlohmann::json::parse(t);
  j["components"][1]["service_time"] = {{"dist", "exponential"}, {"mean", "100ms"}};
  j["components"][0]["arrivals"]["process"] = "poisson";
  j["warmup"] = "30s";
  Simulation sim(j, registry());
  sim.run();
  RunResult r = sim.result();
  CHECK(r.outcomes.total() == r.outcomes.ok() + r.outcomes.failed());
  CHECK(r.sent + r.in_flight_at_warmup == r.outcomes.total() + r.in_flight);
  double dropped = fig(r, "api", "dropped");
  CHECK(dropped > 0);
  CHECK(static_cast<double>(r.outcomes.by_status[static_cast<int>(Status::Dropped)]) == dropped);
}

TEST_CASE("vertical mode: sustained high CPU moves the service one size up by a rolling update") {
  std::string t = R"({"name": "t", "duration": "15m", "window": "15s",
    "components": [
      {"id": "users", "type": "client", "target": "api", "arrivals": {"process": "constant", "rate": 17}},
      {"id": "api", "type": "service", "replicas": 2, "concurrency": 1, "service_time": "100ms",
       "instance_type": "small", "startup_time": "30s"},
      {"id": "vpa", "type": "autoscaler", "target": "api", "mode": "vertical",
       "sizes": [{"instance_type": "small", "speed": 1}, {"instance_type": "large", "speed": 2}],
       "scale_up_above": 0.8, "scale_down_below": 0.2, "window": "1m", "cooldown": "20m"}],
    "cost": {"prices_per_hour": {"small": 0.36, "large": 0.72}}})";
  test::Run r = run(t);
  CHECK(text(r, "api", "instance_type") == "large");
  CHECK(fig(r, "vpa", "resizes") == 1);
  // 85% at speed 1 -> 42.5% at speed 2: the last windows run on the large size only.
  CHECK(series(r, "api", "cpu_utilization").back() == doctest::Approx(0.425).epsilon(0.03));
  for (double v : series(r, "api", "ready_replicas")) CHECK(v >= 2);  // maxUnavailable 0
  // Billing per type: 2 small pods from 0 until replaced, 2 large after; between the bounds.
  double c = r.cost.total_usd;
  CHECK(c > 2 * 0.25 * 0.36);
  CHECK(c < 3 * 0.25 * 0.72);
}

TEST_CASE("predictive mode scales ahead of a rising load") {
  std::string base = scenario("20m", R"([["0s", 5], ["20m", 60]])", R"("replicas": 1, "startup_time": "30s")",
                              R"("min_replicas": 1, "max_replicas": 20, "target_utilization": 0.6)");
  auto j = nlohmann::json::parse(base);
  RunResult reactive = run(j.dump());
  j["components"][2]["predictive"] = {{"horizon", "3m"}, {"method", "linear"}, {"history", "5m"}};
  RunResult linear = run(j.dump());
  j["components"][2]["predictive"] = {{"horizon", "3m"}, {"method", "holt"}};
  RunResult holt = run(j.dump());
  double m0 = fig(reactive, "hpa", "mean_desired_replicas");
  CHECK(fig(linear, "hpa", "mean_desired_replicas") > m0);
  CHECK(fig(holt, "hpa", "mean_desired_replicas") > m0);
}

TEST_CASE("autoscaler: any recorded gauge as a metric (KEDA-style), by its timeseries name") {
  // 200 req/s for 100 ms each through lb: Little's law keeps 20 requests in flight at lb.
  // Target 4 per replica: desired = ceil(20 / 4) = 5 (1 -> 4 -> 5 under the legacy limit).
  auto scenario = [](const std::string& metric) {
    return R"({"duration": "3m", "components": [
      {"id": "users", "type": "client", "target": "lb", "arrivals": {"process": "constant", "rate": 200}},
      {"id": "lb", "type": "balancer", "mode": "l7", "latency": "0ms", "targets": ["api"]},
      {"id": "api", "type": "service", "replicas": 1, "concurrency": 100, "service_time": "100ms"},
      {"id": "hpa", "type": "autoscaler", "target": "api", "min_replicas": 1, "max_replicas": 10,
       "metrics": [{"type": ")" + metric + R"(", "target": 4}]}]})";
  };
  RunResult r = run(scenario("lb.in_flight"));
  CHECK(fig(r, "api", "replicas") == 5);
  ScenarioError e = build_error(scenario("lb.inflight"));
  CHECK(e.pointer() == "/components/3/metrics/0/type");
  CHECK(std::string(e.what()).find("did you mean \"lb.in_flight\"") != std::string::npos);
}
