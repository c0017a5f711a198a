// The ledgers of reports/ledgers on results written by hand, with figures worked out here:
// EC2-style per-second billing with a minimum (a 20 s instance at a 60 s minimum pays 60 s),
// Prometheus alert rules (pending -> firing after `for`, resolved when the condition clears,
// a window with no value does not hold the condition), SLO windows with time to detect and
// to recover, and the registry hook that validates the ledgers' keys before t = 0.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "reports/ledgers/alerts.h"
#include "reports/ledgers/availability.h"
#include "reports/ledgers/cost.h"
#include "reports/ledgers/ledgers.h"
#include "scenario/errors.h"
#include "sim/simulation.h"
#include "tests/unit/harness.h"

using namespace archsim;
using namespace archsim::ledgers;

namespace {

ComponentResult component(const std::string& id, std::vector<Usage::Instance> instances, double egress_gb = 0) {
  ComponentResult c;
  c.id = id;
  c.report.usage().instances = std::move(instances);
  c.report.usage().egress_gb = egress_gb;
  return c;
}

double figure(const CostResult& c, const std::string& name) {
  for (const auto& [k, v] : c.figures)
    if (k == name) return v;
  FAIL("no cost figure " << name);
  return 0;
}

// Window ends every 10 s, from 10 s.
std::vector<Time> ends(std::size_t n) {
  std::vector<Time> out;
  for (std::size_t i = 1; i <= n; ++i) out.push_back(static_cast<Time>(i) * 10 * kSecond);
  return out;
}

}  // namespace

TEST_CASE("cost ledger: instances x billed hours x price, each billed at least the minimum") {
  CostSettings s;
  s.prices_per_hour = {{"small", 0.36}, {"large", 0.72}};
  s.default_price = 1.8;  // for a type without a price
  s.per_million_requests = 2;
  s.per_gb_egress = 0.09;
  s.minimum_billing = 60 * kSecond;
  RunResult r;
  // web: one small instance the whole hour ($0.36) and one that lived 20 s, billed 60 s
  // ($0.006); db: a large one for half an hour ($0.36) and an untyped one for 2 h at the
  // default price ($3.60). The client has no instance, only 50 GB of egress ($4.50).
  r.components.push_back(component("web", {{"small", 3600}, {"small", 20}}));
  r.components.push_back(component("db", {{"large", 1800}, {"", 7200}}));
  r.components.push_back(component("users", {}, 50));
  r.sent_whole_run = 3'000'000;  // $6 of requests
  r.outcomes.by_status[0] = 2'000'000;  // per million answered: total / 2
  CostResult c = cost_ledger(s, r);
  REQUIRE(c.by_component.size() == 2);  // nothing for a component that pays no instance
  CHECK(c.by_component[0].first == "web");
  CHECK(c.by_component[0].second == doctest::Approx(0.36 + 0.006).epsilon(1e-12));
  CHECK(c.by_component[1].first == "db");
  CHECK(c.by_component[1].second == doctest::Approx(0.36 + 3.60).epsilon(1e-12));
  CHECK(figure(c, "instances_usd") == doctest::Approx(4.326).epsilon(1e-12));
  CHECK(figure(c, "instance_hours") == doctest::Approx(1 + 60.0 / 3600 + 0.5 + 2).epsilon(1e-12));
  CHECK(figure(c, "instances_launched") == 4);
  CHECK(figure(c, "requests_usd") == doctest::Approx(6).epsilon(1e-12));
  CHECK(figure(c, "egress_gb") == 50);
  CHECK(figure(c, "egress_usd") == doctest::Approx(4.5).epsilon(1e-12));
  CHECK(c.total_usd == doctest::Approx(4.326 + 6 + 4.5).epsilon(1e-12));
  CHECK(c.per_million_requests_usd == doctest::Approx((4.326 + 6 + 4.5) / 2).epsilon(1e-12));

  s.minimum_billing = 0;  // the 20 s instance pays 20 s
  CHECK(cost_ledger(s, r).by_component[0].second == doctest::Approx(0.36 + 0.002).epsilon(1e-12));
}

TEST_CASE("cost ledger: the catalogue's price wins over prices_per_hour, which wins over the default") {
  const auto doc = nlohmann::json::parse(R"({
    "cost": {"prices_per_hour": {"a": 1.0, "b": 2.0, "default": 3.0}, "minimum_billing": "1m"},
    "instance_types": {"a": {"speed": 2, "price_per_hour": 0.5}, "c": {"speed": 1}}})");
  Params top(doc, "");
  CostSettings s = read_cost(top);
  add_catalogue_prices(s, doc);
  CHECK(s.price_of("a") == 0.5);
  CHECK(s.price_of("b") == 2.0);
  CHECK(s.price_of("c") == 3.0);  // in the catalogue without a price
  CHECK(s.minimum_billing == kMinute);
}

TEST_CASE("alerts: pending, then firing after `for`, resolved when the condition clears") {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  std::vector<Series> series{{"all", "errors_rps", {0, 5, 5, 5, 0, 5, 5, nan, 5, 5, 5, 5}}};
  // Holds from 20 s: pending at 20 s, held 20 s at 40 s -> fires at 40 s; clears at 50 s.
  // From 60 s it holds again, but the NaN at 80 s breaks it; from 90 s it holds 20 s at 110 s
  // and is still firing at the end.
  AlertRule rule{"errors", "all.errors_rps", true, 1.0, 20 * kSecond};
  auto fired = evaluate_alerts({rule}, ends(12), series, {});
  REQUIRE(fired.size() == 2);
  CHECK(fired[0].name == "errors");
  CHECK(fired[0].fired_s == 40);
  CHECK(fired[0].resolved);
  CHECK(fired[0].resolved_s == 50);
  CHECK(fired[1].fired_s == 110);
  CHECK_FALSE(fired[1].resolved);

  // Without `for`, the first window that holds fires; "<" compares the other way (the NaN
  // window at 80 s does not hold it).
  AlertRule at_once{"quiet", "all.errors_rps", false, 1.0, 0};
  fired = evaluate_alerts({at_once}, ends(12), series, {});
  REQUIRE(fired.size() == 2);
  CHECK(fired[0].fired_s == 10);
  CHECK(fired[0].resolved_s == 20);
  CHECK(fired[1].fired_s == 50);
  CHECK(fired[1].resolved_s == 60);

  // A rule on a derived series is read from the derived list.
  std::vector<Series> derived{{"all", "availability", {1, 0.5, 0.5, 1}}};
  AlertRule down{"down", "all.availability", false, 0.99, 10 * kSecond};
  fired = evaluate_alerts({down}, ends(4), series, derived);
  REQUIRE(fired.size() == 1);
  CHECK(fired[0].fired_s == 30);
  CHECK(fired[0].resolved_s == 40);

  // Several rules: listed in the order they fire, not in the rules' order ("errors" fires at
  // 40 s and 110 s, "quiet" at 10 s and 50 s, "down" at 30 s).
  fired = evaluate_alerts({rule, at_once, down}, ends(12), series, derived);
  std::vector<std::pair<std::string, double>> order;
  for (const auto& a : fired) order.emplace_back(a.name, a.fired_s);
  CHECK(order == std::vector<std::pair<std::string, double>>{
                     {"quiet", 10}, {"down", 30}, {"errors", 40}, {"quiet", 50}, {"errors", 110}});
  CHECK(fired[0].resolved_s == 20);  // each keeps its own resolution
  CHECK(fired[2].resolved_s == 50);
}

TEST_CASE("availability ledger: SLO windows, error budget, time to detect and to recover") {
  RunResult r;
  r.window_ends = ends(10);
  r.warmup = 10 * kSecond;  // the first window is not counted
  // 100 req/s; windows ending 40..60 s lose half of them (a fault from 25 s to 45 s).
  std::vector<double> ok(10, 100), failed(10, 0), p99(10, 5);
  for (std::size_t w = 3; w <= 5; ++w) ok[w] = failed[w] = 50;
  r.series = {{"all", "throughput_rps", ok}, {"all", "errors_rps", failed}, {"all", "latency_p99_ms", p99}};
  r.outcomes.by_status[0] = 9000;
  r.outcomes.by_status[static_cast<int>(Status::Error)] = 1000;
  ComponentResult faults;
  faults.id = "$faults";
  faults.report.add_interval("fault", "crash web", 25 * kSecond, 45 * kSecond);
  faults.report.add("components.web.mttr_s", 20);
  r.sections.push_back(faults);

  AvailabilityResult a = availability_ledger(SloSettings{}, r);
  CHECK(a.slo_assumed);
  CHECK(a.slo_availability == 0.999);
  CHECK(a.requests == 0.9);
  CHECK(a.windows == 9);
  CHECK(a.windows_met == 6);
  CHECK(a.budget_allowed == doctest::Approx(10));
  CHECK(a.budget_used == 1000);
  REQUIRE(a.faults.size() == 1);
  CHECK(a.faults[0].label == "crash web");
  CHECK(a.faults[0].detected);
  CHECK(a.faults[0].detect_s == 15);   // first bad window ends at 40 s
  CHECK(a.faults[0].recovered);
  CHECK(a.faults[0].recover_s == 25);  // first good window after 60 s ends at 70 s
  REQUIRE(a.figures.size() == 1);
  CHECK(a.figures[0].first == "components.web.mttr_s");

  // A latency bound alone: availability windows no longer count, p99 above 4 ms breaks all.
  SloSettings slo;
  slo.latency_p99 = 4 * kMillisecond;
  a = availability_ledger(slo, r);
  CHECK_FALSE(a.slo_assumed);
  CHECK(a.windows_met == 0);

  std::vector<Series> derived = derived_availability(r.series);
  REQUIRE(derived.size() == 1);
  CHECK(derived[0].values[3] == 0.5);
}

TEST_CASE("ledgers: the scenario's keys are validated with the scenario, through the registry hook") {
  const std::string base = R"({"duration": "10s", "components": [
    {"id": "c", "type": "client", "target": "s", "arrivals": {"rate": 10}},
    {"id": "s", "type": "service", "service_time": "1ms"}])";
  // Without the ledgers' keys registered, "cost" is an unknown field like any other.
  Registry bare;
  register_builtin_models(bare);
  try {
    Simulation sim(nlohmann::json::parse(base + R"(, "cost": {}})"), bare);
    FAIL("cost accepted without the ledgers");
  } catch (const ScenarioError& e) {
    CHECK(e.pointer() == "/cost");
  }
  // With them: a bad value, and an alert on a series no component records, fail before t = 0.
  CHECK(test::build_error(base + R"(, "cost": {"per_gb_egress": -1}})").pointer() == "/cost/per_gb_egress");
  CHECK(test::build_error(base + R"(, "slo": {"availability": 1.5}})").pointer() == "/slo/availability");
  CHECK(test::build_error(base + R"(, "alerts": [{"name": "a", "metric": "s.nope", "threshold": 1}]})").pointer() ==
        "/alerts/0/metric");
  CHECK(test::build_error(base + R"(, "instance_types": {"x": {"speed": 0}}})").pointer() ==
        "/instance_types/x/speed");
}

TEST_CASE("ledgers: a run's cost comes from the service's instance lives, not from its figures") {
  // 3 replicas of a c5.xlarge-priced service for 10 s, each billed the 60 s minimum: 180 s
  // at $0.36/h = $0.018. The per-instance lives are billing input: no figure shows them.
  test::Run r = test::run(R"({"duration": "10s", "components": [
    {"id": "c", "type": "client", "target": "s", "arrivals": {"rate": 10}},
    {"id": "s", "type": "service", "replicas": 3, "instance_type": "big", "service_time": "1ms"}],
    "cost": {"prices_per_hour": {"big": 0.36}, "minimum_billing": "60s"}})");
  CHECK(r.cost.total_usd == doctest::Approx(0.018).epsilon(1e-12));
  CHECK(figure(r.cost, "instances_launched") == 3);
  CHECK(figure(r.cost, "peak_replicas") == 3);
  for (const ComponentResult& c : r.components)
    for (const auto& [k, v] : c.report.figures()) CHECK(k.find('@') == std::string::npos);
}
