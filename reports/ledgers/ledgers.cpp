#include "reports/ledgers/ledgers.h"

#include <nlohmann/json.hpp>

#include "reports/ledgers/availability.h"

namespace archsim::ledgers {

void register_ledger_keys(Registry& r) {
  using Stage = TopLevelKey::Stage;
  r.add_top_level("cost", Stage::Settings, [](Params& top, const Metrics&, const std::vector<std::string>&) {
    read_cost(top);
    return std::any();
  });
  // Once the components exist: a per-route objective must name a route they use. A scope is
  // handed back as the population the engine is to count apart (scenario/build.h TopLevelKey),
  // the latency objective as the deadline of goodput in deadline (slo_deadline in slo.h).
  r.add_top_level("slo", Stage::Series, [](Params& top, const Metrics& m, const std::vector<std::string>& routes) {
    const SloSettings s = read_slo(top, &routes, &m);
    LedgerAsk ask;
    if (s.scope) ask.population = population(*s.scope);
    ask.deadline = slo_deadline(s);
    return std::any(ask);
  });
  r.add_top_level("alerts", Stage::Series, [](Params& top, const Metrics& m, const std::vector<std::string>&) {
    read_alerts(top, &m);
    return std::any();
  });
}

Ledgers::Ledgers(const nlohmann::json& doc) {
  Params top(doc, "");
  cost_ = read_cost(top);
  add_catalogue_prices(cost_, doc);
  slo_ = read_slo(top, nullptr);
  alerts_ = read_alerts(top, nullptr);
}

LedgerResults Ledgers::apply(RunResult& r) const {
  LedgerResults l;
  l.cost = cost_ledger(cost_, r);
  l.slo = slo_ledger(slo_, r);
  l.availability = availability_ledger(slo_, r);
  std::vector<Series> derived = derived_availability(r.series);
  // Alerts read every series, those the summary leaves out included.
  l.availability.alerts = evaluate_alerts(alerts_, r.window_ends, r.series, derived);
  for (const AlertRule& a : alerts_)
    l.availability.alert_rules.push_back({a.name, a.metric, a.greater ? ">" : "<", a.threshold, to_seconds(a.hold)});
  // A cause that never happened has no series, unless an alert rule watches it: the page
  // draws each rule's series beside its threshold, and a flat zero says why it never fired.
  std::erase_if(r.series, [this](const Series& x) {
    if (x.component != "all" || x.metric.rfind("errors_", 0) != 0 || x.metric == "errors_rps") return false;
    for (const AlertRule& a : alerts_)
      if (a.metric == "all." + x.metric) return false;
    for (double v : x.values)
      if (v != 0) return false;
    return true;
  });
  // The end-to-end availability and its complement, the failed share of the requests that
  // ended in each window (NaN when none did), for every request and for the SLO's scope.
  for (Series& d : derived) {
    if (d.component != "all" && !(r.population && d.component == r.population->series)) continue;
    Series failed{d.component, "failed_fraction", {}};
    for (double a : d.values) failed.values.push_back(1.0 - a);
    r.series.push_back(std::move(d));
    r.series.push_back(std::move(failed));
  }
  return l;
}

}  // namespace archsim::ledgers
