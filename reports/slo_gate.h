// slo_gate.h -- the scenario's SLO as a pass/fail gate, read from summary.json alone.
//
// `archsim run|compare --fail-on-slo` exits with kExitSloMissed when an objective is
// missed, as k6 thresholds (exit 99) and Gatling assertions (a failed build) do, so that a CI
// pipeline can stop on it. The verdict of one run is summary.json's "slo" (latency_met,
// availability_met, decided by the engine on unrounded figures). With replications
// ("replications" > 1) the gate judges the means over the replications (latency_ms.p99 and
// availability against the targets), not the first replication's verdict.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace archsim {

// The process exit code of a run or comparison whose SLO was missed under --fail-on-slo
// (0 success, 1 a run that failed, 2 bad input).
inline constexpr int kExitSloMissed = 3;

struct SloVerdict {
  bool has_objective = false;       // the summary's "slo" names a latency or availability target
  bool met = true;                  // every objective given was met
  std::vector<std::string> missed;  // one phrase per missed objective: "p99 312 ms > 200 ms"
};

SloVerdict slo_verdict(const nlohmann::ordered_json& summary);

// True when a scenario document (after --set) has an "slo" with at least one objective.
bool scenario_has_slo(const nlohmann::json& scenario);

}  // namespace archsim
