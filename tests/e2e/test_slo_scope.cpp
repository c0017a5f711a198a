// An SLO scoped to the requests it is about (slo.scope): the objectives, the availability
// windows and the error budget judged on that population alone, said in slo.population, and
// every wrong scope refused where it is written.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "tests/e2e/run_archsim.h"

using namespace archsim::e2e;
using nlohmann::json;

namespace {

// An API (5 ms of work) and video players downloading segments (seconds each) from another
// service: as covid-2020's microservices, the players' downloads fill the top percent of any
// latency taken over both.
json two_populations(bool scoped) {
  json doc = json::parse(R"({
    "name": "two-populations", "seed": 4, "duration": "3m", "warmup": "30s", "window": "10s",
    "components": [
      {"id": "api", "type": "client", "target": "web", "arrivals": {"rate": 200},
       "routes": [{"name": "page", "weight": 9}, {"name": "login", "weight": 1}], "timeout": "2s"},
      {"id": "players", "type": "client", "target": "storage", "arrivals": {"rate": 50},
       "routes": [{"name": "segment"}], "timeout": "60s"},
      {"id": "web", "type": "service", "replicas": 2, "concurrency": 8,
       "service_time": {"dist": "exponential", "mean": "5ms"}},
      {"id": "storage", "type": "service", "replicas": 1, "concurrency": 1000,
       "service_time": {"dist": "lognormal", "median": "3s", "p99": "15s"}}
    ],
    "slo": {"latency_p99": "50ms", "availability": 0.999,
            "availability_window": {"window": "30s", "target": 0.999},
            "routes": {"login": {"latency_p99": "60ms"}}}
  })");
  if (scoped) doc["slo"]["scope"] = json::parse(R"({"clients": ["api"], "routes": ["page", "login"]})");
  return doc;
}

}  // namespace

TEST_CASE("slo scope: the objectives, windows and budget are the scope's; slo.population says which requests") {
  const std::string out = scratch_dir("scoped");
  const auto r = run_archsim({"run", write_scenario("scoped", two_populations(true)), "--quiet", "--no-report", "--out", out});
  REQUIRE(r.exit_code == 0);
  const json s = json::parse(read_text(out + "/summary.json"));
  // Over every request the players' downloads make the p99 seconds...
  CHECK(num(s, "latency_ms.p99") > 1000);
  // ...the API's alone is milliseconds, and that is what the SLO is judged on.
  const json& pop = at(s, "slo.population");
  CHECK(pop.at("scoped") == true);
  CHECK(pop.at("label") == "client api; routes page, login");
  CHECK(pop.at("clients") == json({"api"}));
  CHECK(num(pop, "latency_ms.p99") < 50);
  CHECK(num(pop, "latency_ms.count") == num(s, "components.api.latency_ms.count"));
  CHECK(num(pop, "requests") == num(s, "routes.page.requests") + num(s, "routes.login.requests"));
  CHECK(num(pop, "by_route.login.latency_ms.p99") < 60);
  CHECK(at(s, "slo.met") == true);
  for (const auto& o : at(s, "slo.objectives")) CHECK(o.at("met") == true);
  // The availability report's windows and budget count the API's requests only.
  CHECK(at(s, "availability_report.population") == "client api; routes page, login");
  CHECK(num(s, "availability_report.windows.meeting_slo") == num(s, "availability_report.windows.total"));
  CHECK(num(s, "availability_report.error_budget.allowed_failures") == doctest::Approx(0.001 * num(pop, "requests")));
  // Its series: the population's own, under "slo".
  CHECK(series_rows(out + "/timeseries.csv", "slo", "latency_p99_ms").size() == 18);
  CHECK(!series_rows(out + "/timeseries.csv", "slo", "latency_all_p99_ms").empty());
  CHECK(!series_rows(out + "/timeseries.csv", "slo", "failed_fraction").empty());
  CHECK(r.out.find("SLO  met  (judged on client api; routes page, login)") != std::string::npos);

  // The same SLO over every request fails: every window's p99 is the downloads'.
  const json all = run_summary(write_scenario("unscoped", two_populations(false)), {});
  CHECK(at(all, "slo.met") == false);
  CHECK(at(all, "slo.population.label") == "all requests");
  CHECK(at(all, "slo.population.scoped") == false);
  CHECK(num(all, "availability_report.windows.meeting_slo") == 0);

  // With replications the population's figures get intervals, and the objectives are judged
  // on the means of the population's figures.
  const json reps = run_summary(write_scenario("scoped-reps", two_populations(true)), {"--replications", "3", "--set", "duration=1m"});
  CHECK(at(reps, "ci95").contains("slo.population.latency_ms.p99"));
  CHECK(at(reps, "ci95").contains("latency_all_ms.p99"));
  CHECK(at(reps, "ci95").contains("routes.page.latency_all_ms.p99"));
  CHECK(at(reps, "ci95").contains("components.api.latency_all_ms.p99"));
  for (const auto& o : at(reps, "slo.objectives")) {
    if (o.at("objective") != "latency_p99") continue;
    const double pop_p99 = o.contains("route") ? num(reps, "slo.population.by_route.login.latency_ms.p99")
                                               : num(reps, "slo.population.latency_ms.p99");
    CHECK(o.at("value_ms").get<double>() == doctest::Approx(pop_p99));
    CHECK(o.at("met") == true);
  }
}

TEST_CASE("slo scope: a scope that names no client, no route or nothing is refused at its pointer") {
  const std::string path = write_scenario("scope-bad", two_populations(false));
  struct Case {
    std::string set, pointer, word;
  };
  const std::vector<Case> cases = {
      {R"(slo.scope={"clients":["web"]})", "/slo/scope/clients/0", "is a service, not a client"},
      {R"(slo.scope={"clients":["apii"]})", "/slo/scope/clients/0", "did you mean \"api\""},
      {R"(slo.scope={"routes":["pag"]})", "/slo/scope/routes/0", "did you mean \"page\""},
      {R"(slo.scope={"routes":["page","page"]})", "/slo/scope/routes/1", "listed twice"},
      {R"(slo.scope={"clients":[]})", "/slo/scope/clients", "non-empty"},
      {R"(slo.scope={})", "/slo/scope", "names no population"},
      {R"(slo.scope={"client":["api"]})", "/slo/scope/client", "did you mean"},
      {R"(slo.scope={"routes":["page"]})", "/slo/routes/login", "not a route of the SLO's scope"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.set);
    const auto r = run_archsim({"run", path, "--set", c.set, "--quiet", "--out", scratch_dir("scope-bad")}, 30);
    CHECK(r.exit_code == 2);
    const auto ls = lines(r.err);
    REQUIRE(ls.size() == 1);
    CHECK(ls[0].rfind(path + ": " + c.pointer + ": ", 0) == 0);
    CHECK(ls[0].find(c.word) != std::string::npos);
  }
  // A component named like the population's series would mix with it.
  json doc = two_populations(true);
  doc["components"][3]["id"] = "slo";
  doc["components"][1]["target"] = "slo";
  const std::string clash = write_scenario("scope-clash", doc);
  const auto r = run_archsim({"validate", clash}, 30);
  CHECK(r.exit_code == 2);
  CHECK(r.err.find(clash + ": /slo/scope: a component is named \"slo\"") == 0);
}
