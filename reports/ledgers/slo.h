// The scenario's "slo" and the run-wide verdict on it: p99 end-to-end latency at most
// latency_p99, and the fraction of requests served (availability) at least availability.
#pragma once
#include <optional>

#include "sim/params.h"
#include "reports/ledgers/ledger_results.h"
#include "sim/results.h"

namespace archsim::ledgers {

struct SloSettings {
  std::optional<Time> latency_p99;
  std::optional<double> availability;
};

// Reads (and checks) the scenario's "slo". Throws ScenarioError.
SloSettings read_slo(Params& top);

SloResult slo_ledger(const SloSettings& s, const RunResult& r);

}  // namespace archsim::ledgers
