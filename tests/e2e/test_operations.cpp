// Operations end to end: rollouts of new versions as a Kubernetes Deployment does
// them, their automatic rollback, and node drains held by a PodDisruptionBudget, through the
// binary and what it prints.
//
//   - a rolling update never has fewer than replicas - maxUnavailable ready instances nor more
//     than replicas + maxSurge, with maxSurge / maxUnavailable resolved as Kubernetes'
//     ResolveFenceposts does (percent surge rounds up, unavailability down, both 0 -> 1), and
//     it uses the budget it has (the bounds are reached, so a controller that never moved
//     would fail too);
//   - the rollback fires at the end of the first analysis window whose new-version error
//     ratio (read back from timeseries.csv) exceeds the threshold, never earlier nor later;
//   - recreate stops the service (no ready instance for start-up time), rolling does not;
//   - a node drain never takes the ready count below the PodDisruptionBudget (as the
//     disruption controller resolves it) and uses all of it; without one the node's instances
//     go at once;
//   - service-discovery lag: requests to instances callers still list fail stale_endpoint,
//     rate x share x lag (a crash; a rolling update one at a time: rate x lag), none at lag 0;
//   - readiness takes a saturated instance out of the endpoints at delay + F x period + timeout
//     without a restart and brings it back within the bounds S and its held work give; a
//     startup probe kills a slow start at initial_delay + F x period;
//   - blue-green: replicas ready throughout, 2 x replicas while both sets run (and billed),
//     the switch when the last new instance is ready + switch_delay (or at switch_at), all
//     traffic at once, a rollback switching back to the kept set;
//   - bad deployment, budget, probe, discovery and blue-green input: exit 2, one line with
//     file and JSON pointer.
#include <doctest/doctest.h>

#include <cmath>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "tests/e2e/run_archsim.h"

using namespace archsim::e2e;
using nlohmann::json;

namespace {

json rolling_doc(int replicas, const json& surge, const json& unavailable) {
  json doc = json::parse(R"({
    "name": "rolling", "seed": 4, "duration": "5m", "warmup": "10s", "window": "5s",
    "components": [
      {"id": "users", "type": "client", "target": "web", "arrivals": {"rate": 200}, "timeout": "2s"},
      {"id": "web", "type": "service", "concurrency": 8, "service_time": {"dist": "exponential", "mean": "20ms"},
       "startup_time": {"dist": "uniform", "min": "5s", "max": "15s"}, "termination_grace": "5s",
       "deployment": {"strategy": "rolling"},
       "rollouts": [{"at": "1m", "version": "v2", "work_factor": 1.1}]}
    ]
  })");
  json& web = doc["components"][1];
  web["replicas"] = replicas;
  if (!surge.is_null()) web["deployment"]["max_surge"] = surge;
  if (!unavailable.is_null()) web["deployment"]["max_unavailable"] = unavailable;
  return doc;
}

// (window end s) -> value of (component, metric) in timeseries.csv.
std::map<double, double> series(const std::string& csv, const std::string& component, const std::string& metric) {
  std::map<double, double> out;
  for (const auto& row : archsim::e2e::series_rows(csv, component, metric)) out[row.first] = std::stod(row.second);
  return out;
}

// Runs `doc` (written as `name`): exit 2, nothing on stdout, and one line on stderr,
// "<file>: <pointer>: ..." containing `words`.
void expect_refused(const std::string& name, const json& doc, const std::string& pointer, const std::string& words) {
  const std::string path = write_scenario(name, doc);
  const RunResult r = run_archsim({"run", path, "--json", "--quiet", "--out", scratch_dir("bad")}, 30);
  INFO(describe(r));
  CHECK(r.exit_code == 2);
  CHECK(r.out.empty());
  const auto ls = lines(r.err);
  REQUIRE(ls.size() == 1);
  CHECK(ls[0].rfind(path + ": " + pointer + ": ", 0) == 0);
  CHECK(ls[0].find(words) != std::string::npos);
}

}  // namespace

TEST_CASE("rollout: a rolling update keeps replicas - maxUnavailable ready and at most replicas + maxSurge") {
  struct Case {
    int replicas;
    json surge, unavailable;
    int want_surge, want_unavailable;
  };
  const std::vector<Case> cases = {
      {10, nullptr, nullptr, 3, 2},  // the defaults 25% / 25%: ceil(2.5) and floor(2.5)
      {10, 1, 0, 1, 0},
      {10, 0, 3, 0, 3},
      {6, "10%", "10%", 1, 0},       // ceil(0.6) = 1, floor(0.6) = 0
      {6, "0%", "10%", 0, 1},        // both round to 0: unavailability becomes 1
      {4, "50%", "50%", 2, 2},
  };
  for (const Case& c : cases) {
    CAPTURE(c.replicas);
    CAPTURE(c.surge.dump());
    CAPTURE(c.unavailable.dump());
    const json s = run_summary(write_scenario("rolling", rolling_doc(c.replicas, c.surge, c.unavailable)), {"--no-report"});
    const json& r = at(s, "components.web.rollouts.0");
    CHECK(num(r, "max_surge") == c.want_surge);
    CHECK(num(r, "max_unavailable") == c.want_unavailable);
    CHECK(num(r, "desired") == c.replicas);
    // The bounds hold...
    CHECK(num(r, "min_ready") >= c.replicas - c.want_unavailable);
    CHECK(num(r, "max_replicas") <= c.replicas + c.want_surge);
    // ...and are reached: the controller used the budget it had.
    CHECK(num(r, "min_ready") == c.replicas - c.want_unavailable);
    CHECK(num(r, "max_replicas") == c.replicas + c.want_surge);
    CHECK(num(r, "no_ready_s") == 0);
    CHECK(num(r, "completed_s") > 60);
    CHECK(num(r, "completed_s") < 300);
    CHECK(num(s, "components.web.ready_replicas") == c.replicas);
  }
}

TEST_CASE("rollout: the rollback fires at the end of the first window whose error ratio exceeds the threshold") {
  // A version failing 4% against a 5% threshold, rolled out one instance at a time (10 s of
  // start-up each): a window of its responses exceeds 5% by chance or not, so the first
  // failing window depends on the draws (the 80 s, 90 s, 100 s or 150 s window, or none before
  // the rollout completes, across these seeds) and the test reads it back.
  int later = 0, never = 0;
  for (int seed : {1, 2, 3, 4, 5, 6, 7, 8}) {
    CAPTURE(seed);
    json doc = json::parse(R"({
      "name": "canary", "duration": "8m", "warmup": "0s", "window": "10s",
      "components": [
        {"id": "users", "type": "client", "target": "api", "arrivals": {"rate": 200}, "timeout": "2s"},
        {"id": "api", "type": "service", "replicas": 10, "concurrency": 8, "service_time": {"dist": "exponential", "mean": "10ms"},
         "startup_time": "10s", "termination_grace": "5s",
         "deployment": {"max_surge": 1, "max_unavailable": 0},
         "rollouts": [{"at": "60s", "error_rate": 0.04,
                       "rollback": {"metric": "error_rate", "threshold": 0.05, "window": "10s", "min_requests": 50}}]}
      ]
    })");
    doc["seed"] = seed;
    const std::string out = scratch_dir("canary");
    const RunResult run = run_archsim({"run", write_scenario("canary", doc), "--json", "--quiet", "--out", out});
    const json s = parse_summary(run);
    const auto ok = series(out + "/timeseries.csv", "api", "new_version_rps");
    const auto errors = series(out + "/timeseries.csv", "api", "new_version_errors_rps");
    double expected = -1;
    for (const auto& [t, rate] : ok) {
      if (t <= 60) continue;
      const double good = rate * 10, bad = errors.at(t) * 10;
      if (good + bad >= 50 && bad / (good + bad) > 0.05) {
        expected = t;
        break;
      }
    }
    const json& r = at(s, "components.api.rollouts.0");
    if (expected < 0) {
      CHECK(!has(r, "rolled_back_s"));
      CHECK(has(r, "completed_s"));
      ++never;
      continue;
    }
    if (expected > 80) ++later;
    CHECK(num(r, "rolled_back_s") == doctest::Approx(expected).epsilon(1e-9));
    CHECK(num(r, "rollback_error_rate") > 0.05);
    CHECK(num(r, "rollback_completed_s") > expected);
    CHECK(!has(r, "completed_s"));
  }
  CHECK(later > 0);  // the rule is evaluated on every window, not only the first
  CHECK(never > 0);  // and does not fire when no window exceeds the threshold
}

TEST_CASE("rollout: a latency_p99 rule rolls back a slow version and lets a fast one through") {
  // Work 20 ms (exponential): p99 about 92 ms. The version under test works `factor` times as
  // long; the rule fires on a window whose p99 of the new version exceeds 150 ms.
  for (double factor : {1.0, 4.0}) {
    CAPTURE(factor);
    json doc = rolling_doc(4, 1, 0);
    json& ro = doc["components"][1]["rollouts"][0];
    ro["work_factor"] = factor;
    ro["rollback"] = json{{"metric", "latency_p99"}, {"threshold", "150ms"}, {"window", "10s"}, {"min_requests", 20}};
    const json s = run_summary(write_scenario("p99", doc), {"--no-report"});
    const json& r = at(s, "components.web.rollouts.0");
    if (factor == 1.0) {
      CHECK(!has(r, "rolled_back_s"));
      CHECK(has(r, "completed_s"));
    } else {
      CHECK(num(r, "rollback_p99_ms") > 150);
      CHECK(num(r, "rolled_back_s") == doctest::Approx(std::round(num(r, "rolled_back_s") / 10) * 10));  // a window end
      CHECK(num(r, "rollback_completed_s") > num(r, "rolled_back_s"));
    }
  }
}

TEST_CASE("rollout: recreate leaves no ready instance for the start-up time; rolling keeps serving") {
  const std::string file = source_path("scenarios/operations/deploy-rolling.json");
  const json rolling = run_summary(file, {"--no-report"});
  const json recreate = run_summary(file, {"--no-report", "--set", "web.deployment.strategy=recreate"});
  CHECK(num(rolling, "availability") == 1.0);
  CHECK(num(rolling, "components.web.rollouts.0.no_ready_s") == 0);
  // Recreate: old instances drain (at most termination_grace), then 20 s of start-up.
  const double gap = num(recreate, "components.web.rollouts.0.no_ready_s");
  CHECK(gap >= 20);
  CHECK(gap <= 30);
  CHECK(num(recreate, "requests.by_cause.unavailable") > 0);
  // Every request arriving in the gap fails at 240/s (Poisson), within 4 standard deviations.
  const double lost = num(recreate, "requests.by_cause.unavailable");
  CHECK(lost == doctest::Approx(240 * gap).epsilon(4 / std::sqrt(240 * gap)));
}

TEST_CASE("rollout: the bad canary of scenarios/operations is rolled back after its first measured window") {
  const std::string out = scratch_dir("bad-canary");
  const RunResult run = run_archsim({"run", source_path("scenarios/operations/bad-canary-rollback.json"), "--json", "--quiet", "--out", out});
  const json s = parse_summary(run);
  const json& r = at(s, "components.api.rollouts.0");
  // The canary starts at 120 s and is ready at 135 s; the window ending at 130 s saw none of
  // its responses (no measurement), the one ending at 140 s holds 5 s of them.
  CHECK(num(r, "rolled_back_s") == 140);
  CHECK(num(r, "max_replicas") == 7);
  CHECK(num(r, "min_ready") == 6);
  CHECK(num(s, "components.api.ready_replicas") == 6);
  // The rollout and its rollback are episodes of the availability report, marked on the charts.
  std::vector<std::string> episodes;
  for (const json& e : at(s, "availability_report.episodes"))
    episodes.push_back(e.at("kind").get<std::string>() + ":" + e.at("label").get<std::string>() + "@" +
                       std::to_string(static_cast<int>(e.at("start_s").get<double>())));
  const std::vector<std::string> want = {"rollout_step:1/6@135", "rollout_step:0/6@155", "rollout:deploy api v2@120",
                                         "rollout:rollback api to v1@140"};
  CHECK(episodes == want);
  const std::string marks = read_text(out + "/charts/annotations.gp");
  CHECK(marks.find("'deploy api v2' at 120") != std::string::npos);
  CHECK(marks.find("'rollback api to v1' at 140") != std::string::npos);
}

TEST_CASE("rollout: bad deployment input is refused with the file and JSON pointer") {
  struct Case {
    const char* name;
    json deployment, rollouts;
    const char* pointer;
    const char* words;
  };
  const json one = json::parse(R"([{"at": "30s"}])");
  const std::vector<Case> cases = {
      {"both_zero", {{"max_surge", 0}, {"max_unavailable", 0}}, one, "/components/1/deployment/max_unavailable", "cannot both be 0"},
      {"percent", {{"max_surge", "150%"}}, one, "/components/1/deployment/max_surge", "percentage"},
      {"negative", {{"max_unavailable", -1}}, one, "/components/1/deployment/max_unavailable", "whole number"},
      {"misspelled", {{"max_surg", 1}}, one, "/components/1/deployment/max_surg", "did you mean"},
      {"recreate_surge", {{"strategy", "recreate"}, {"max_surge", 1}}, one, "/components/1/deployment/max_surge", "rolling"},
      {"late", json::object(), json::parse(R"([{"at": "2m"}])"), "/components/1/rollouts/0/at", "end of the run"},
      {"order", json::object(), json::parse(R"([{"at": "30s"}, {"at": "20s"}])"), "/components/1/rollouts/1/at", "later"},
      {"negative_window", json::object(), json::parse(R"([{"at": "30s", "rollback": {"threshold": 0.1, "window": "-5s"}}])"),
       "/components/1/rollouts/0/rollback/window", ""},
      {"no_threshold", json::object(), json::parse(R"([{"at": "30s", "rollback": {"window": "5s"}}])"),
       "/components/1/rollouts/0/rollback/threshold", "required"},
      {"rollout_field", json::object(), json::parse(R"([{"at": "30s", "eror_rate": 0.1}])"), "/components/1/rollouts/0/eror_rate",
       "did you mean"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.name);
    json doc = json::parse(R"({"name": "bad", "duration": "60s", "components": [
      {"id": "users", "type": "client", "target": "web", "arrivals": {"rate": 10}},
      {"id": "web", "type": "service", "replicas": 2, "service_time": "1ms"}]})");
    if (!c.deployment.empty()) doc["components"][1]["deployment"] = c.deployment;
    doc["components"][1]["rollouts"] = c.rollouts;
    expect_refused(c.name, doc, c.pointer, c.words);
  }
}

namespace {

json drain_doc(const json& budget) {
  json doc = json::parse(R"({
    "name": "drain", "seed": 2, "duration": "4m", "warmup": "10s", "window": "5s",
    "components": [
      {"id": "users", "type": "client", "target": "web", "arrivals": {"rate": 100}, "timeout": "2s"},
      {"id": "web", "type": "service", "replicas": 6, "concurrency": 8, "service_time": {"dist": "exponential", "mean": "20ms"},
       "startup_time": {"dist": "uniform", "min": "10s", "max": "20s"}, "termination_grace": "5s"}
    ],
    "faults": [{"at": "60s", "kind": "drain", "target": "web", "instances": 4}]
  })");
  if (!budget.is_null()) doc["components"][1]["disruption_budget"] = budget;
  return doc;
}

}  // namespace

TEST_CASE("drain: evictions never take the ready count below the disruption budget, and use all of it") {
  struct Case {
    json budget;
    int desired_healthy;  // as the disruption controller computes it for 6 replicas
  };
  const std::vector<Case> cases = {
      {json{{"min_available", 5}}, 5},
      {json{{"min_available", 3}}, 3},
      {json{{"min_available", "50%"}}, 3},     // ceil(3)
      {json{{"min_available", "60%"}}, 4},     // ceil(3.6)
      {json{{"max_unavailable", 1}}, 5},
      {json{{"max_unavailable", "34%"}}, 3},   // 6 - ceil(2.04)
  };
  for (const Case& c : cases) {
    CAPTURE(c.budget.dump());
    const json s = run_summary(write_scenario("drain", drain_doc(c.budget)), {"--no-report"});
    const json& d = at(s, "components.web.drains.0");
    CHECK(num(d, "desired_healthy") == c.desired_healthy);
    CHECK(num(d, "min_ready") >= c.desired_healthy);  // the budget held
    CHECK(num(d, "min_ready") == c.desired_healthy);  // and was used (4 evictions want more)
    CHECK(num(d, "evicted") == 4);
    CHECK(num(d, "completed_s") > 60);
    CHECK(num(s, "components.web.ready_replicas") == 6);  // every evicted instance was replaced
    if (c.desired_healthy > 2) CHECK(num(d, "refused") > 0);
  }
  // No budget: the node's 4 instances go at once.
  const json s = run_summary(write_scenario("drain", drain_doc(nullptr)), {"--no-report"});
  CHECK(num(s, "components.web.drains.0.min_ready") == 2);
  CHECK(num(s, "components.web.drains.0.refused") == 0);
  CHECK(num(s, "components.web.drains.0.completed_s") == 60);
}

TEST_CASE("drain: the shipped node drain keeps every request with its budget and loses some without") {
  const std::string file = source_path("scenarios/operations/node-drain-pdb.json");
  const json with = run_summary(file, {"--no-report"});
  const json without = run_summary(file, {"--no-report", "--set", "web.disruption_budget=null"});
  CHECK(num(with, "availability") == 1.0);
  CHECK(num(with, "components.web.drains.0.min_ready") == 5);
  CHECK(num(with, "components.web.drains.0.completed_s") == 210);  // three more replacements, 30 s each
  CHECK(num(without, "components.web.drains.0.min_ready") == 2);
  CHECK(num(without, "availability") < 0.995);
  CHECK(num(without, "requests.by_cause.rejected") > 0);
}

TEST_CASE("drain: bad disruption budgets are refused with the file and JSON pointer") {
  struct Case {
    const char* name;
    json budget;
    const char* pointer;
    const char* words;
  };
  const std::vector<Case> cases = {
      {"too_large", {{"min_available", 7}}, "/components/1/disruption_budget/min_available", "larger than the replicas"},
      {"too_large_max", {{"max_unavailable", 9}}, "/components/1/disruption_budget/max_unavailable", "larger than the replicas"},
      {"both", {{"min_available", 1}, {"max_unavailable", 1}}, "/components/1/disruption_budget", "exactly one"},
      {"none", json::object(), "/components/1/disruption_budget", "exactly one"},
      {"percent", {{"min_available", "101%"}}, "/components/1/disruption_budget/min_available", "percentage"},
      {"negative", {{"max_unavailable", -2}}, "/components/1/disruption_budget/max_unavailable", "whole number"},
      {"misspelled", {{"min_available", 1}, {"min_availabel", 2}}, "/components/1/disruption_budget/min_availabel", "did you mean"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.name);
    json doc = drain_doc(c.budget);
    expect_refused(c.name, doc, c.pointer, c.words);
  }
  // A drain of something without instances.
  json doc = drain_doc(nullptr);
  doc["faults"][0]["target"] = "users";
  const std::string path = write_scenario("drain_client", doc);
  const RunResult r = run_archsim({"run", path, "--json", "--quiet", "--out", scratch_dir("bad")}, 30);
  CHECK(r.exit_code == 2);
  CHECK(r.err.rfind(path + ": /faults/0/target: ", 0) == 0);
}

TEST_CASE("liveness: a hung instance is restarted after failure_threshold x period; an aggressive probe makes a restart storm") {
  // Every request takes 30 s on the only worker: the instance never answers a probe. Probes
  // at 10, 20, 30 s fail at 11, 21, 31 s: the third kills it at 31 s; restarted at once (the
  // kubelet's first restart), it is probed again 10 s after it is ready (41, 51, 61 s -> 62 s);
  // the second restart waits the 10 s back-off (72 s), and its probes at 82 and 92 s fail
  // before the run ends (tests/e2e/test_crashloop.cpp follows the back-off further).
  json doc = json::parse(R"({
    "name": "hung", "seed": 1, "duration": "100s", "warmup": "0s",
    "components": [
      {"id": "users", "type": "client", "target": "web", "arrivals": {"process": "constant", "rate": 1}, "timeout": "60s"},
      {"id": "web", "type": "service", "replicas": 1, "concurrency": 1, "service_time": "30s",
       "probes": {"liveness": {"period": "10s", "timeout": "1s", "failure_threshold": 3}}}
    ]
  })");
  const json s = run_summary(write_scenario("hung", doc), {"--no-report"});
  CHECK(num(s, "components.web.liveness.restarts") == 2);
  CHECK(num(s, "components.web.liveness.failed_probes") == 8);
  // One failure kills: 11, 22 s, then restarts after 10 and 20 s of back-off: 43, 74 s (the
  // next restart, 40 s later, is past the end); without the back-off every 11 s, 9 kills.
  doc["components"][1]["probes"]["liveness"]["failure_threshold"] = 1;
  const json t = run_summary(write_scenario("hung", doc), {"--no-report"});
  CHECK(num(t, "components.web.liveness.restarts") == 4);
  const json eager = run_summary(write_scenario("hung", doc), {"--no-report", "--set", "web.restart_backoff=false"});
  CHECK(num(eager, "components.web.liveness.restarts") == 9);

  const std::string file = source_path("scenarios/operations/liveness-restart-storm.json");
  const json storm = run_summary(file, {"--no-report"});
  const json lenient = run_summary(file, {"--no-report", "--set", "web.probes.liveness.timeout=5s", "--set",
                                          "web.probes.liveness.failure_threshold=3", "--set", "web.probes.liveness.period=10s"});
  const json none = run_summary(file, {"--no-report", "--set", "web.probes=null"});
  CHECK(num(storm, "components.web.liveness.restarts") > 20);
  CHECK(num(storm, "availability") < 0.5);
  CHECK(num(lenient, "components.web.liveness.restarts") == 0);
  CHECK(num(lenient, "availability") == num(none, "availability"));  // a probe that never fires changes nothing
  CHECK(num(lenient, "availability") > 0.9);
}

TEST_CASE("probes: bad probe and discovery settings are refused with the file and JSON pointer") {
  struct Case {
    const char* name;
    const char* key;  // "probes/<kind>" or "discovery"
    json value;
    const char* pointer;
    const char* words;
  };
  const std::vector<Case> cases = {
      {"timeout", "probes/liveness", {{"period", "5s"}, {"timeout", "6s"}}, "/components/1/probes/liveness/timeout", "period"},
      {"period", "probes/liveness", {{"period", "0s"}}, "/components/1/probes/liveness/period", "positive"},
      {"delay", "probes/liveness", {{"initial_delay", "-1s"}}, "/components/1/probes/liveness/initial_delay", ""},
      {"threshold", "probes/liveness", {{"failure_threshold", 0}}, "/components/1/probes/liveness/failure_threshold", ""},
      {"misspelled", "probes/liveness", {{"failure_treshold", 2}}, "/components/1/probes/liveness/failure_treshold", "did you mean"},
      {"liveness_success", "probes/liveness", {{"success_threshold", 2}}, "/components/1/probes/liveness/success_threshold", "unknown field"},
      {"ready_timeout", "probes/readiness", {{"period", "2s"}, {"timeout", "3s"}}, "/components/1/probes/readiness/timeout", "period"},
      {"ready_success", "probes/readiness", {{"success_threshold", 0}}, "/components/1/probes/readiness/success_threshold", ""},
      {"ready_success_big", "probes/readiness", {{"success_threshold", 101}}, "/components/1/probes/readiness/success_threshold", ""},
      {"ready_period", "probes/readiness", {{"period", "-2s"}}, "/components/1/probes/readiness/period", ""},
      {"startup_threshold", "probes/startup", {{"failure_threshold", 0}}, "/components/1/probes/startup/failure_threshold", ""},
      {"startup_success", "probes/startup", {{"success_threshold", 2}}, "/components/1/probes/startup/success_threshold", "unknown field"},
      {"startup_timeout", "probes/startup", {{"timeout", "1s"}}, "/components/1/probes/startup/timeout", "unknown field"},
      {"startup_delay", "probes/startup", {{"initial_delay", "soon"}}, "/components/1/probes/startup/initial_delay", ""},
      {"probe_kind", "probes/readyness", json::object(), "/components/1/probes/readyness", "did you mean"},
      {"lag_negative", "discovery", {{"propagation_delay", "-5s"}}, "/components/1/discovery/propagation_delay", ""},
      {"lag_missing", "discovery", json::object(), "/components/1/discovery/propagation_delay", "required"},
      {"lag_misspelled", "discovery", {{"propagation_dela", "5s"}}, "/components/1/discovery/propagation_dela", "did you mean"},
      {"lag_type", "discovery", "5s", "/components/1/discovery", ""},
  };
  for (const Case& c : cases) {
    CAPTURE(c.name);
    json doc = json::parse(R"({"name": "bad", "duration": "60s", "components": [
      {"id": "users", "type": "client", "target": "web", "arrivals": {"rate": 10}},
      {"id": "web", "type": "service", "replicas": 2, "service_time": "1ms"}]})");
    doc["components"][1][json::json_pointer(std::string("/") + c.key)] = c.value;
    expect_refused(c.name, doc, c.pointer, c.words);
  }
}

namespace {

// A service of `replicas` round-robin instances under a constant `rate`, whose callers see
// endpoint changes `delay` late; `event` is added to it (a fault list or rollouts).
json discovery_doc(int replicas, double rate, const std::string& delay) {
  json doc = json::parse(R"({
    "name": "discovery", "seed": 3, "duration": "3m", "warmup": "0s", "window": "5s",
    "components": [
      {"id": "users", "type": "client", "target": "web", "arrivals": {"process": "constant"}, "timeout": "2s"},
      {"id": "web", "type": "service", "concurrency": 8, "service_time": "10ms", "startup_time": "20s",
       "restart_time": "2m", "termination_grace": "5s"}
    ]
  })");
  doc["components"][0]["arrivals"]["rate"] = rate;
  doc["components"][1]["replicas"] = replicas;
  doc["components"][1]["discovery"]["propagation_delay"] = delay;
  return doc;
}

}  // namespace

TEST_CASE("discovery: callers send to a crashed instance for the propagation delay, and only then") {
  // One of 4 round-robin instances crashes at 60 s and stays down (restart 2 m): until the
  // callers' view drops it, a quarter of the 200 req/s goes to it and fails stale_endpoint,
  // rate x share x lag. Constant arrivals and round robin make it exact to one request.
  const double rate = 200;
  const int replicas = 4;
  for (const double lag : {0.0, 2.0, 5.0, 12.5}) {
    CAPTURE(lag);
    json doc = discovery_doc(replicas, rate, std::to_string(lag) + "s");
    doc["faults"] = json::parse(R"([{"at": "60s", "kind": "crash", "target": "web"}])");
    const json s = run_summary(write_scenario("discovery_crash", doc), {"--no-report"});
    const double want = rate * lag / replicas;
    CHECK(std::abs(num(s, "requests.by_cause.stale_endpoint") - want) <= 1);
    CHECK(num(s, "requests.failed") == num(s, "requests.by_cause.stale_endpoint"));  // nothing else fails
    if (lag > 0) CHECK(num(s, "components.web.discovery.stale_requests") == num(s, "requests.by_cause.stale_endpoint"));
  }
}

TEST_CASE("discovery: a rolling update one instance at a time loses rate x lag requests to stale endpoints") {
  // maxSurge 1, maxUnavailable 0: each of the R steps retires one old instance when a new one
  // is ready; for `lag` the callers still list the old one (R listed, one of them gone) and not
  // yet the new one, so each step loses rate x lag / R, and the R steps rate x lag. Steps are
  // startup_time (20 s) apart, longer than the lag, so they do not overlap.
  const double rate = 240;
  const int replicas = 4;
  for (const double lag : {0.0, 5.0, 10.0}) {
    CAPTURE(lag);
    json doc = discovery_doc(replicas, rate, std::to_string(lag) + "s");
    doc["components"][1]["deployment"] = json::parse(R"({"strategy": "rolling", "max_surge": 1, "max_unavailable": 0})");
    doc["components"][1]["rollouts"] = json::parse(R"([{"at": "30s"}])");
    const json s = run_summary(write_scenario("discovery_rolling", doc), {"--no-report"});
    CHECK(num(s, "components.web.rollouts.0.completed_s") == doctest::Approx(30 + 20 * replicas).epsilon(0.001));
    const double lost = num(s, "requests.by_cause.stale_endpoint");
    CHECK(std::abs(lost - rate * lag) <= replicas);  // one request per step of rounding
    CHECK(num(s, "requests.failed") == lost);
  }
  // The shipped scenario (Poisson arrivals): rate x lag within 4 standard deviations; with no
  // lag nothing fails.
  const std::string file = source_path("scenarios/operations/deploy-discovery-lag.json");
  const json lagged = run_summary(file, {"--no-report"});
  const json none = run_summary(file, {"--no-report", "--set", "web.discovery.propagation_delay=0s"});
  const double want = 240 * 5;
  CHECK(num(lagged, "requests.by_cause.stale_endpoint") == doctest::Approx(want).epsilon(4 / std::sqrt(want)));
  CHECK(num(none, "requests.by_cause.stale_endpoint") == 0);
  CHECK(num(none, "availability") == 1.0);
}

TEST_CASE("readiness: a full thread pool takes the instance out of the endpoints, without a restart, and it comes back") {
  // One instance, one worker, one queue place, 25 s per request, one request a second: busy
  // from the first second on. Readiness probes every p = 10 s (timeout t = 1 s) wait behind
  // the queue and fail; the F-th failure at delay + F x p + t takes it out of the endpoints.
  // Then no request reaches it (they fail `unavailable`: it is the only one); it works off
  // what it holds (at most 1 + queue_capacity requests of 25 s) and S probes in a row bring it
  // back: no earlier than S ticks after the removal, no later than its held work + S x p.
  const double p = 10, t = 1, delay = 0, service = 25, capacity = 1, rate = 1;
  for (const int F : {1, 3}) {
    for (const int S : {1, 2}) {
      CAPTURE(F);
      CAPTURE(S);
      json doc = json::parse(R"({
        "name": "readiness", "seed": 1, "duration": "200s", "warmup": "0s",
        "components": [
          {"id": "users", "type": "client", "target": "web", "arrivals": {"process": "constant", "rate": 1}, "timeout": "200s"},
          {"id": "web", "type": "service", "replicas": 1, "concurrency": 1, "queue_capacity": 1, "service_time": "25s",
           "probes": {"readiness": {"period": "10s", "timeout": "1s"}}}
        ]
      })");
      doc["components"][1]["probes"]["readiness"]["failure_threshold"] = F;
      doc["components"][1]["probes"]["readiness"]["success_threshold"] = S;
      const json s = run_summary(write_scenario("readiness", doc), {"--no-report"});
      const double removed = num(s, "components.web.readiness.first_removed_s");
      const double back = num(s, "components.web.readiness.first_returned_s");
      CHECK(removed == doctest::Approx(delay + F * p + t));
      CHECK(back >= removed - t + S * p);
      CHECK(back <= removed + (1 + capacity) * service + S * p);
      CHECK(num(s, "components.web.readiness.returns") >= 1);
      CHECK(num(s, "components.web.readiness.removals") >= num(s, "components.web.readiness.returns"));
      CHECK(num(s, "requests.by_cause.dropped") == 0);  // not restarted: nothing it held was lost
      CHECK(!has(s, "components.web.liveness"));
      // Out of the endpoints from `removed` to `back`: every request of that span is refused.
      CHECK(num(s, "requests.by_cause.unavailable") >= rate * (back - removed) - 1);
    }
  }
}

TEST_CASE("readiness: the shipped burst takes instances out of rotation instead of restarting them") {
  const std::string file = source_path("scenarios/operations/readiness-overload.json");
  const json probed = run_summary(file, {"--no-report"});
  const json none = run_summary(file, {"--no-report", "--set", "web.probes=null"});
  CHECK(num(probed, "components.web.readiness.removals") > 0);
  CHECK(num(probed, "components.web.readiness.returns") == num(probed, "components.web.readiness.removals"));
  CHECK(num(probed, "components.web.readiness.first_removed_s") > 120);  // the burst starts at 120 s
  CHECK(num(probed, "requests.by_cause.dropped") == 0);                 // nothing restarted
  CHECK(num(probed, "requests.by_cause.unavailable") > 0);              // out of rotation: refused
  CHECK(num(none, "requests.by_cause.unavailable") == 0);
  CHECK(num(probed, "components.web.ready_replicas") == 4);             // all back
}

TEST_CASE("startup: a slow start is killed at initial_delay + failure_threshold x period; a probe that waits lets it start") {
  // One instance crashes at 10 s and restarts at once (restart_time 0) with a start-up of
  // `startup`. The startup probe ticks at 10 + delay + k x period; it fails until start-up is
  // over and kills the container after F failures: at 10 + delay + F x period, and again
  // delay + F x period after each restart, which waits the kubelet's back-off (10 s, 20 s...).
  json doc = json::parse(R"({
    "name": "startup", "seed": 1, "duration": "120s", "warmup": "0s",
    "components": [
      {"id": "users", "type": "client", "target": "web", "arrivals": {"process": "constant", "rate": 10}, "timeout": "5s"},
      {"id": "web", "type": "service", "replicas": 1, "concurrency": 4, "service_time": "10ms", "restart_time": "0s",
       "startup_time": "60s", "probes": {"startup": {"initial_delay": "5s", "period": "10s", "failure_threshold": 3}}}
    ],
    "faults": [{"at": "10s", "kind": "crash", "target": "web"}]
  })");
  const double crash = 10, delay = 5, period = 10, rate = 10;
  const json slow = run_summary(write_scenario("startup", doc), {"--no-report"});
  CHECK(num(slow, "components.web.startup.first_kill_s") == crash + delay + 3 * period);
  CHECK(num(slow, "components.web.startup.kills") == 2);  // 45 s, then 45 + 10 + 35 = 90 s (the next: 90 + 20 + 35 > 120)
  CHECK(num(slow, "components.web.ready_replicas") == 0);

  // 6 failures allowed (65 s > 60 s of start-up): the tick at 65 s after the restart sees it up.
  doc["components"][1]["probes"]["startup"]["failure_threshold"] = 6;
  const json patient = run_summary(write_scenario("startup", doc), {"--no-report"});
  CHECK(num(patient, "components.web.startup.kills") == 0);
  CHECK(num(patient, "components.web.ready_replicas") == 1);
  const double ready_at = crash + delay + 6 * period;  // 75 s
  CHECK(std::abs(num(patient, "requests.by_cause.unavailable") - rate * (ready_at - crash)) <= 1);

  // A start-up of 20 s: ready at the first tick after it (10 + 5 + 2 x 10 = 35 s), not at 30 s.
  doc["components"][1]["startup_time"] = "20s";
  const json quick = run_summary(write_scenario("startup", doc), {"--no-report"});
  CHECK(std::abs(num(quick, "requests.by_cause.unavailable") - rate * 25) <= 1);
  doc["components"][1].erase("probes");
  const json none = run_summary(write_scenario("startup", doc), {"--no-report"});
  CHECK(std::abs(num(none, "requests.by_cause.unavailable") - rate * 20) <= 1);
}

namespace {

json blue_green_doc(const json& deployment, const json& rollout) {
  json doc = json::parse(R"({
    "name": "blue-green", "seed": 5, "duration": "5m", "warmup": "10s", "window": "5s",
    "components": [
      {"id": "users", "type": "client", "target": "web", "arrivals": {"rate": 200}, "timeout": "2s"},
      {"id": "web", "type": "service", "replicas": 4, "concurrency": 8, "service_time": {"dist": "exponential", "mean": "20ms"},
       "startup_time": {"dist": "uniform", "min": "10s", "max": "30s"}, "termination_grace": "5s"}
    ]
  })");
  doc["components"][1]["deployment"] = deployment;
  doc["components"][1]["rollouts"] = json::array({rollout});
  return doc;
}

// Time of the first rollout step at which `n` new instances were ready (from the episodes).
double step_time(const json& s, int n, int desired) {
  for (const json& e : at(s, "availability_report.episodes"))
    if (e.at("kind") == "rollout_step" && e.at("label") == std::to_string(n) + "/" + std::to_string(desired))
      return e.at("start_s").get<double>();
  FAIL("no step " << n);
  return -1;
}

}  // namespace

TEST_CASE("blue-green: the whole new set starts beside the old, all traffic switches at once, the old set goes later") {
  const int R = 4;
  const double at_s = 60, scale_down = 30, grace = 5, end = 300;
  for (const double delay : {0.0, 10.0}) {
    CAPTURE(delay);
    json deployment = {{"strategy", "blue_green"}, {"switch_delay", std::to_string(delay) + "s"}, {"scale_down_delay", "30s"}};
    // A rule that never fires keeps the analysis running, so new_version_rps counts the new
    // version's answers: none before the switch, all of them after.
    json rollout = {{"at", "60s"}, {"version", "v2"}, {"rollback", {{"threshold", 1.0}, {"window", "5s"}}}};
    const std::string out = scratch_dir("blue-green");
    const RunResult run = run_archsim({"run", write_scenario("blue_green", blue_green_doc(deployment, rollout)), "--json", "--quiet", "--out", out});
    const json s = parse_summary(run);
    const json& r = at(s, "components.web.rollouts.0");
    CHECK(num(r, "min_ready") == R);         // never fewer than replicas ready
    CHECK(num(r, "max_replicas") == 2 * R);  // both sets, and no more
    CHECK(num(r, "max_instances") == 2 * R);
    const double green = step_time(s, R, R);  // the last green instance ready
    CHECK(num(r, "green_ready_s") == doctest::Approx(green));
    CHECK(green > at_s + 10);
    CHECK(num(r, "switched_s") == doctest::Approx(green + delay));
    CHECK(num(r, "completed_s") >= num(r, "switched_s") + scale_down);
    CHECK(num(r, "completed_s") <= num(r, "switched_s") + scale_down + grace);
    CHECK(num(s, "requests.failed") == 0);  // zero unavailable, zero anything
    CHECK(num(s, "components.web.ready_replicas") == R);
    // Both sets are billed while both run: R for the whole run, R more from `at` on, less the
    // old set's time after it was removed.
    const double completed = num(r, "completed_s");
    CHECK(num(s, "components.web.instance_seconds") == doctest::Approx(R * completed + R * (end - at_s)).epsilon(0.001));
    // The traffic: the new version answers nothing in any window that ends before the switch,
    // and everything in every full window after it.
    const auto rps = series(out + "/timeseries.csv", "web", "new_version_rps");
    const auto all = series(out + "/timeseries.csv", "web", "throughput_rps");
    int before = 0, after = 0;
    for (const auto& [t, v] : rps) {
      if (t <= num(r, "switched_s")) {
        CHECK(v == 0);
        ++before;
      } else if (t - 5 >= num(r, "switched_s") && t <= completed) {
        CHECK(v == doctest::Approx(all.at(t)));
        ++after;
      }
    }
    CHECK(before > 0);
    CHECK(after > 0);
  }
}

TEST_CASE("blue-green: a manual switch time waits for it; a rollback switches back at once to the kept set") {
  json deployment = {{"strategy", "blue_green"}, {"scale_down_delay", "60s"}};
  // Manual switch at 150 s, long after the green set is ready (at most 60 + 30 s).
  const json manual = run_summary(write_scenario("bg_manual", blue_green_doc(deployment, {{"at", "60s"}, {"switch_at", "150s"}})),
                                  {"--no-report"});
  CHECK(num(manual, "components.web.rollouts.0.green_ready_s") <= 90);
  CHECK(num(manual, "components.web.rollouts.0.switched_s") == 150);
  CHECK(num(manual, "requests.failed") == 0);
  // A switch time before the set is ready: the switch waits for the set.
  const json early = run_summary(write_scenario("bg_early", blue_green_doc(deployment, {{"at", "60s"}, {"switch_at", "61s"}})),
                                 {"--no-report"});
  CHECK(num(early, "components.web.rollouts.0.switched_s") == num(early, "components.web.rollouts.0.green_ready_s"));
  // A bad version (40% errors) rolled back by its analysis: the old set is still there, so
  // traffic goes back at the end of the first window with its answers, and the bad set is
  // removed scale_down_delay later.
  json bad = {{"at", "60s"}, {"error_rate", 0.4}, {"rollback", {{"threshold", 0.1}, {"window", "5s"}, {"min_requests", 20}}}};
  const json s = run_summary(write_scenario("bg_rollback", blue_green_doc(deployment, bad)), {"--no-report"});
  const json& r = at(s, "components.web.rollouts.0");
  const double switched = num(r, "switched_s"), back = num(r, "rolled_back_s");
  CHECK(back > switched);
  CHECK(back <= switched + 5);  // the first window after the switch that ends holds its answers
  CHECK(num(r, "rollback_completed_s") >= back + 60);
  CHECK(num(r, "rollback_completed_s") <= back + 60 + 5);
  CHECK(num(r, "min_ready") == 4);
  CHECK(num(s, "requests.by_cause.unavailable") == 0);
  // Only the bad version's answers between the switch and the switch back failed: 40% of 200/s.
  const double lost = num(s, "requests.by_cause.error");
  const double want = 0.4 * 200 * (back - switched);
  CHECK(lost == doctest::Approx(want).epsilon(5 / std::sqrt(want)));

  // The shipped scenario: start-up 20 s from 180 s, switch 10 s later, old set kept 60 s.
  const json shipped = run_summary(source_path("scenarios/operations/deploy-blue-green.json"), {"--no-report"});
  CHECK(num(shipped, "components.web.rollouts.0.green_ready_s") == 200);
  CHECK(num(shipped, "components.web.rollouts.0.switched_s") == 210);
  CHECK(num(shipped, "components.web.rollouts.0.completed_s") == doctest::Approx(270).epsilon(0.001));
  CHECK(num(shipped, "components.web.rollouts.0.min_ready") == 4);
  CHECK(num(shipped, "availability") == 1.0);
}

TEST_CASE("blue-green: bad input is refused with the file and JSON pointer") {
  struct Case {
    const char* name;
    json deployment, rollout;
    const char* pointer;
    const char* words;
  };
  const json plain = {{"at", "30s"}};
  const std::vector<Case> cases = {
      {"surge", {{"strategy", "blue_green"}, {"max_surge", 1}}, plain, "/components/1/deployment/max_surge", "rolling"},
      {"unavailable", {{"strategy", "blue_green"}, {"max_unavailable", 0}}, plain, "/components/1/deployment/max_unavailable", "rolling"},
      {"delay_rolling", {{"strategy", "rolling"}, {"switch_delay", "5s"}}, plain, "/components/1/deployment/switch_delay", "blue_green"},
      {"scale_down_recreate", {{"strategy", "recreate"}, {"scale_down_delay", "5s"}}, plain, "/components/1/deployment/scale_down_delay", "blue_green"},
      {"delay_negative", {{"strategy", "blue_green"}, {"switch_delay", "-5s"}}, plain, "/components/1/deployment/switch_delay", ""},
      {"scale_down_text", {{"strategy", "blue_green"}, {"scale_down_delay", "later"}}, plain, "/components/1/deployment/scale_down_delay", ""},
      {"strategy", {{"strategy", "blue-green"}}, plain, "/components/1/deployment/strategy", "did you mean"},
      {"switch_rolling", {{"strategy", "rolling"}}, {{"at", "30s"}, {"switch_at", "40s"}}, "/components/1/rollouts/0/switch_at", "blue_green"},
      {"switch_early", {{"strategy", "blue_green"}}, {{"at", "30s"}, {"switch_at", "20s"}}, "/components/1/rollouts/0/switch_at", "before"},
      {"switch_late", {{"strategy", "blue_green"}}, {{"at", "30s"}, {"switch_at", "70s"}}, "/components/1/rollouts/0/switch_at", "end of the run"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.name);
    json doc = json::parse(R"({"name": "bad", "duration": "60s", "components": [
      {"id": "users", "type": "client", "target": "web", "arrivals": {"rate": 10}},
      {"id": "web", "type": "service", "replicas": 2, "service_time": "1ms"}]})");
    doc["components"][1]["deployment"] = c.deployment;
    doc["components"][1]["rollouts"] = json::array({c.rollout});
    expect_refused(c.name, doc, c.pointer, c.words);
  }
}
