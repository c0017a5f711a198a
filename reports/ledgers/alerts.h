// The scenario's "alerts": rules on the window series, evaluated as Prometheus evaluates
// alerting rules, once per window: the condition holding makes a rule pending; held for
// `for`, it fires; clearing, it resolves. A window with no value (NaN) does not hold it.
#pragma once
#include <string>
#include <vector>

#include "sim/metrics.h"
#include "scenario/params.h"
#include "reports/ledgers/ledger_results.h"
#include "sim/results.h"

namespace archsim::ledgers {

struct AlertRule {
  std::string name, metric;  // metric: "<component>.<metric>" as in timeseries.csv
  bool greater = true;       // "op": ">" (else "<")
  double threshold = 0;
  Time hold = 0;  // "for"
};

// Reads (and checks) the scenario's "alerts". With `series` (the run's recorder, once every
// component exists), a metric must name one of its series or a derived
// "<component>.availability" (of a component with errors_rps); without, names are not
// checked (a scenario already validated). Throws ScenarioError.
std::vector<AlertRule> read_alerts(Params& top, const Metrics* series);

// The alerts fired and resolved over the windows `ends`. `series` are the run's series (all
// of them, zero ones included) and `derived` the derived availability series; a rule's
// metric is looked up in the first, then in the second. In firing order (ties: the rules').
std::vector<AvailabilityResult::Alert> evaluate_alerts(const std::vector<AlertRule>& rules,
                                                       const std::vector<Time>& ends,
                                                       const std::vector<Series>& series,
                                                       const std::vector<Series>& derived);

}  // namespace archsim::ledgers
