// Fault injection and the availability report, end to end: k-of-n availability under random
// failures against the Markov (binomial) formula, conservation under crashes, time to detect
// and to recover for a crash, Prometheus-style alert timing, and bad fault/alert input.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <string>
#include <vector>

#include "tests/e2e/run_archsim.h"

using archsim::e2e::at;
using archsim::e2e::describe;
using archsim::e2e::num;
using archsim::e2e::run_archsim;
using archsim::e2e::run_summary;
using archsim::e2e::source_path;
using archsim::e2e::write_scenario;
using nlohmann::json;

namespace {


// P(at least k of n up) with each replica up with probability a (independent replicas:
// the product-form stationary law of n alternating renewal processes).
double k_of_n(int k, int n, double a) {
  double p = 0;
  for (int i = k; i <= n; ++i) p += std::tgamma(n + 1) / (std::tgamma(i + 1) * std::tgamma(n - i + 1)) * std::pow(a, i) * std::pow(1 - a, n - i);
  return p;
}

json crash_scenario() {
  // One service, all instances crash at 100 s and restart after exactly 60 s.
  return json::parse(R"({
    "name": "crash", "seed": 3, "duration": "300s", "warmup": "10s", "window": "10s",
    "components": [
      {"id": "users", "type": "client", "target": "web", "arrivals": {"rate": 100}, "timeout": "1s"},
      {"id": "web", "type": "service", "replicas": 2, "concurrency": 4, "restart_time": "60s",
       "service_time": {"dist": "exponential", "mean": "20ms"}}
    ],
    "faults": [{"at": "100s", "kind": "crash", "target": "web", "instances": "all"}],
    "alerts": [{"name": "Down", "metric": "all.availability", "op": "<", "threshold": 0.99, "for": "20s"},
               {"name": "Never", "metric": "web.ready_replicas", "op": ">", "threshold": 5}],
    "slo": {"availability": 0.999}
  })");
}

}  // namespace

TEST_CASE("faults: k-of-n availability under exponential MTBF/MTTR matches the Markov formula") {
  // 3 replicas, MTBF 10 min, MTTR 2 min: each up with probability 10/12. Light traffic keeps
  // the run cheap; the figure is the time fraction with >= k ready replicas.
  json doc = json::parse(R"({
    "name": "kofn", "seed": 11, "duration": "40h", "window": "5m",
    "components": [
      {"id": "users", "type": "client", "target": "web", "arrivals": {"rate": 0.2}},
      {"id": "web", "type": "service", "replicas": 3, "concurrency": 1,
       "service_time": "1ms",
       "failures": {"mtbf": {"dist": "exponential", "mean": "10m"},
                    "mttr": {"dist": "exponential", "mean": "2m"}}}
    ]
  })");
  json s = run_summary(write_scenario("kofn", doc), {"--replications", "12"});
  const double a = 10.0 / 12.0;
  for (int k = 1; k <= 3; ++k) {
    std::string path = "availability_report.components.web.ready_at_least." + std::to_string(k);
    double exact = k_of_n(k, 3, a);
    double mean = num(s, path);
    double half = num(s["ci95"][path], "half_width");
    CAPTURE(k);
    CAPTURE(exact);
    CAPTURE(mean);
    CAPTURE(half);
    CHECK(half > 0);
    CHECK(half < 0.02);  // precise enough that a wrong model (e.g. MTTR ignored) fails
    CHECK(std::fabs(mean - exact) <= half * 1.3);
  }
}

TEST_CASE("faults: with replications, each alert says in how many it fired and when it first did") {
  // The shipped MTBF scenario, shortened: its ReplicaDown fires in every seed, its
  // ErrorBudgetBurn (99% over a minute) only in some. The tally must be what the seeds' own
  // runs say, one by one, not the first replication's list.
  const std::string f = source_path("scenarios/failures/mtbf.json");
  const std::vector<std::string> shorter{"--set", "duration=2h"};
  std::vector<std::string> reps = shorter;
  reps.insert(reps.end(), {"--replications", "6", "--seed", "1"});
  const json m = run_summary(f, reps);
  const json& tally = at(m, "availability_report.alert_replications");
  for (const char* rule : {"ReplicaDown", "ErrorBudgetBurn"}) {
    CAPTURE(rule);
    int fired_in = 0, firings = 0;
    double first_sum = 0, first_min = 1e300, first_max = -1;
    for (int seed = 1; seed <= 6; ++seed) {
      std::vector<std::string> one = shorter;
      one.insert(one.end(), {"--seed", std::to_string(seed)});
      double first = -1;
      const json s = run_summary(f, one);
      for (const json& al : at(s, "availability_report.alerts"))
        if (al["alert"] == rule) {
          ++firings;
          if (first < 0) first = al["fired_s"].get<double>();
        }
      if (first < 0) continue;
      ++fired_in;
      first_sum += first;
      first_min = std::min(first_min, first);
      first_max = std::max(first_max, first);
    }
    const json* t = nullptr;
    for (const json& x : tally)
      if (x["alert"] == rule) t = &x;
    if (fired_in == 0) {
      CHECK(t == nullptr);
      continue;
    }
    REQUIRE(t != nullptr);
    CHECK((*t)["replications"] == 6);
    CHECK((*t)["replications_fired"] == fired_in);
    CHECK((*t)["firings_per_replication"].get<double>() == doctest::Approx(firings / 6.0));
    CHECK((*t)["first_fired_s"]["mean"].get<double>() == doctest::Approx(first_sum / fired_in));
    CHECK((*t)["first_fired_s"]["min"].get<double>() == first_min);
    CHECK((*t)["first_fired_s"]["max"].get<double>() == first_max);
  }
  // The two rules differ, or the scenario no longer shows what the tally is for.
  CHECK(tally.size() == 2);
  CHECK(tally[0]["replications_fired"] != tally[1]["replications_fired"]);
}

TEST_CASE("faults: every request ends exactly once under crashes, and detection/recovery times are exact") {
  json s = run_summary(write_scenario("crash", crash_scenario()), {});
  const json& r = s["requests"];
  CHECK(num(r, "total") == num(r, "ok") + num(r, "failed"));
  CHECK(num(r, "sent") + num(r, "in_flight_at_warmup") == num(r, "total") + num(r, "in_flight"));
  CHECK(num(r, "failed") > 5000);  // ~60 s x 100 req/s unavailable, plus the dropped ones
  CHECK(num(r, "by_cause.dropped") >= 1);
  const json& f = at(s, "availability_report.faults")[0];
  CHECK(f["start_s"].get<double>() == 100);
  // The crash lasts until its instances are ready again: restart_time 60 s, no start-up.
  CHECK(f["end_s"].get<double>() == 160);
  // First window breaking the SLO ends at 110 s; the instances return at 160 s, so the
  // first window meeting it again is (160, 170]: 10 s after the crash ended.
  CHECK(f["time_to_detect_s"].get<double>() == doctest::Approx(10));
  CHECK(f["time_to_recover_s"].get<double>() == doctest::Approx(10));
  // Prometheus rule: pending at the 110 s evaluation, firing once held 20 s (130 s),
  // resolved at the first evaluation where it clears (170 s).
  const json& alerts = at(s, "availability_report.alerts");
  REQUIRE(alerts.size() == 1);
  CHECK(alerts[0]["alert"] == "Down");
  CHECK(alerts[0]["fired_s"].get<double>() == doctest::Approx(130));
  CHECK(alerts[0]["resolved_s"].get<double>() == doctest::Approx(170));
  // 6 of 29 measured windows break the SLO (110..160).
  CHECK(num(s, "availability_report.windows.total") == 29);
  CHECK(num(s, "availability_report.windows.meeting_slo") == 23);
  CHECK(num(s, "availability_report.components.web.outages") == 1);
  CHECK(num(s, "availability_report.components.web.mttr_s") == doctest::Approx(60));
}

TEST_CASE("faults: the same scenario and seed give the same availability report") {
  std::string path = write_scenario("crash-det", crash_scenario());
  json a = archsim::e2e::without_run(run_summary(path, {}));
  json b = archsim::e2e::without_run(run_summary(path, {}));
  CHECK(a == b);
}

TEST_CASE("faults: bad fault and alert input exits 2 at the JSON location") {
  struct Case {
    const char* name;
    const char* pointer;
    const char* word;
    json patch;
  };
  const Case cases[] = {
      {"unknown-target", "/faults/0/target", "did you mean \"web\"", json::parse(R"({"faults": [{"at": "10s", "kind": "crash", "target": "webb"}]})")},
      {"beyond-run", "/faults/0/at", "beyond", json::parse(R"({"faults": [{"at": "10m", "kind": "crash", "target": "web"}]})")},
      {"rate-range", "/faults/0/rate", "between 0 and 1, got 1.5", json::parse(R"({"faults": [{"at": "10s", "duration": "5s", "kind": "error_rate", "target": "web", "rate": 1.5}]})")},
      {"zero-window", "/window", "at least 1ms", json::parse(R"({"window": "0s"})")},
      {"slo-range", "/slo/availability", "between 0 and 1, got 99.9", json::parse(R"({"slo": {"availability": 99.9}})")},
      {"alert-metric", "/alerts/0/metric", "did you mean", json::parse(R"({"alerts": [{"name": "x", "metric": "web.error_rps", "threshold": 1}]})")},
      {"failures-scope", "/components/0/failures/scope", "service", json::parse(R"({"components": [{"id": "users", "type": "client", "target": "web", "arrivals": {"rate": 1}, "failures": {"mtbf": "1m", "mttr": "1m"}}, {"id": "web", "type": "service", "service_time": "1ms"}]})")},
      {"failures-unknown-key", "/components/1/failures", "mtbf", json::parse(R"({"components": [{"id": "users", "type": "client", "target": "web", "arrivals": {"rate": 1}}, {"id": "web", "type": "service", "service_time": "1ms", "failures": {"mtbff": "1m", "mttr": "1m"}}]})")},
  };
  for (const Case& c : cases) {
    CAPTURE(c.name);
    json doc = json::parse(R"({"name": "bad", "duration": "5m",
      "components": [{"id": "users", "type": "client", "target": "web", "arrivals": {"rate": 1}},
                     {"id": "web", "type": "service", "service_time": "1ms"}]})");
    doc.merge_patch(c.patch);
    std::string path = write_scenario(std::string("bad-") + c.name, doc);
    auto r = run_archsim({"run", path, "--json", "--quiet", "--out", archsim::e2e::scratch_dir("bad")}, 30);
    INFO(describe(r));
    CHECK(r.exit_code == 2);
    CHECK(r.err.find(std::string(": ") + c.pointer) != std::string::npos);
    CHECK(r.err.find(c.word) != std::string::npos);
  }
}

TEST_CASE("availability report: a run where every request fails has zero nines, not minus zero") {
  // Every call times out (1 ms timeout, 10 ms of work): availability 0, so -log10(1 - 0) is
  // -0.0 in IEEE arithmetic, which summary.json printed as "-0.0".
  json doc = {{"name", "zero-nines"}, {"duration", "1m"}, {"warmup", "0s"},
              {"components", json::array({
                  {{"id", "users"}, {"type", "client"}, {"arrivals", {{"rate", 10}}}, {"timeout", "1ms"}, {"target", "web"}},
                  {{"id", "web"}, {"type", "service"}, {"service_time", "10ms"}}})}};
  json s = run_summary(write_scenario("zero-nines", doc), {});
  for (const char* which : {"requests", "time"}) {
    CAPTURE(which);
    const double n = s["availability_report"]["nines"][which].get<double>();
    CHECK(n == 0.0);
    CHECK_FALSE(std::signbit(n));
  }
}

namespace {

// A balancer in front of a service spread over zones a and b; zone a fails from 60 s to
// 120 s, then (with `both`) zone b too from 90 s to 120 s.
json zoned_balancer(const json& lb_placement, bool both) {
  json doc = json::parse(R"({
    "name": "zoned-lb", "seed": 5, "duration": "180s", "warmup": "0s", "window": "10s",
    "components": [
      {"id": "users", "type": "client", "target": "lb", "arrivals": {"rate": 100}, "timeout": "1s"},
      {"id": "lb", "type": "balancer", "targets": ["web"]},
      {"id": "web", "type": "service", "replicas": 4, "concurrency": 4, "zones": ["a", "b"],
       "restart_time": "1s", "service_time": {"dist": "exponential", "mean": "10ms"}}
    ],
    "faults": [{"at": "60s", "duration": "60s", "kind": "zone_outage", "zone": "a"}]
  })");
  doc["components"][1].merge_patch(lb_placement);
  if (both) doc["faults"].push_back(json::parse(R"({"at": "90s", "duration": "30s", "kind": "zone_outage", "zone": "b"})"));
  return doc;
}

}  // namespace

TEST_CASE("balancer zones: a multi-zone balancer survives one zone's outage, a single-zone one does not") {
  auto run = [](const std::string& name, const json& doc) {
    auto r = run_archsim({"run", write_scenario(name, doc), "--json", "--quiet", "--no-report", "--out",
                          archsim::e2e::scratch_dir(name)});
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    return json::parse(r.out);
  };
  // Multi-zone: the outage of a costs only the requests in flight on a's service instances
  // (a few per second at most, out of 18,000).
  const json multi = run("lb-multi-zone", zoned_balancer(json::parse(R"({"zones": ["a", "b"]})"), false));
  CHECK(num(multi, "availability") > 0.995);
  CHECK(num(multi, "components.lb.unavailable") == 0);
  // Single-zone in a: the outage cuts its links for 60 s of 180 s: a third of the requests.
  const json single = run("lb-single-zone", zoned_balancer(json::parse(R"({"zone": "a"})"), false));
  CHECK(num(single, "availability") == doctest::Approx(2.0 / 3.0).epsilon(0.03));
  // Both zones out for 30 s: the multi-zone balancer answers unavailable for about 3,000
  // requests (100/s x 30 s, Poisson: within 5 sigma of 3,000).
  const json both = run("lb-both-zones", zoned_balancer(json::parse(R"({"zones": ["a", "b"]})"), true));
  CHECK(std::abs(num(both, "components.lb.unavailable") - 3000) < 5 * std::sqrt(3000.0));
}

TEST_CASE("balancer zones: analyze counts a multi-zone balancer as redundant; bad zones exit 2") {
  const json doc = zoned_balancer(json::parse(R"({"zones": ["a", "b"]})"), false);
  auto r = run_archsim({"analyze", write_scenario("lb-zones-analyze", doc), "--json"});
  INFO(describe(r));
  REQUIRE(r.exit_code == 0);
  const json a = json::parse(r.out);
  CHECK(a["spofs"].empty());
  CHECK(a["components"]["lb"]["failure_tolerance"] == "redundant (zones a,b)");
  // A single-zone balancer is the SPOF.
  auto r1 = run_archsim({"analyze", write_scenario("lb-zone-analyze", zoned_balancer(json::parse(R"({"zone": "a"})"), false)),
                         "--json"});
  CHECK(json::parse(r1.out)["spofs"] == json::array({"lb"}));
  struct Case {
    const char* name;
    json placement;
    const char* pointer;
    const char* word;
  };
  const Case cases[] = {
      {"zones-and-zone", json::parse(R"({"zone": "a", "zones": ["a", "b"]})"), "/components/1/zones", "not both"},
      {"zones-empty", json::parse(R"({"zones": []})"), "/components/1/zones", "non-empty"},
      {"zones-twice", json::parse(R"({"zones": ["a", "a"]})"), "/components/1/zones/1", "twice"},
      {"zones-number", json::parse(R"({"zones": ["a", 3]})"), "/components/1/zones/1", "zone name"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.name);
    auto rb = run_archsim({"run", write_scenario(std::string("bad-") + c.name, zoned_balancer(c.placement, false)), "--json",
                           "--quiet", "--out", archsim::e2e::scratch_dir("bad")},
                          30);
    INFO(describe(rb));
    CHECK(rb.exit_code == 2);
    CHECK(rb.err.find(std::string(": ") + c.pointer + ": ") != std::string::npos);
    CHECK(rb.err.find(c.word) != std::string::npos);
  }
}
