// The ledgers of a run: cost, SLO, availability and alerts, computed after the run from
// its RunResult and the scenario's own sections ("cost", "slo", "alerts", and the prices of
// "instance_types"). The engine knows none of them: a Simulation is built with
// register_ledger_keys() so that these keys are validated with the rest of the scenario
// before t = 0, and every RunResult is passed through Ledgers::apply() before it is reported
// (summary_json takes both).
#pragma once
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "reports/ledgers/alerts.h"
#include "reports/ledgers/cost.h"
#include "reports/ledgers/ledger_results.h"
#include "reports/ledgers/slo.h"
#include "scenario/build.h"
#include "sim/results.h"

namespace archsim::ledgers {

// Registers "cost" (read before any component), "slo" and "alerts" (read once every component
// and series exists, so an objective on an unknown route or an alert on a series that does
// not exist is a validation error).
void register_ledger_keys(Registry& r);

class Ledgers {
 public:
  // `doc`: a scenario a Simulation built with register_ledger_keys() has accepted.
  explicit Ledgers(const nlohmann::json& doc);
  // The cost, SLO verdict and availability report of `r`. Also drops from r.series the
  // "all" cause series that stayed zero (causes that never happened) and adds the derived
  // "all.availability" and "all.failed_fraction" series (and "slo.*" ones for a scoped SLO).
  LedgerResults apply(RunResult& r) const;

 private:
  CostSettings cost_;
  SloSettings slo_;
  std::vector<AlertRule> alerts_;
};

}  // namespace archsim::ledgers
