// slo_gate.h -- the scenario's SLO as a pass/fail gate, read from summary.json alone.
//
// `archsim run|compare --fail-on-slo` exits with kExitSloMissed when an objective is
// missed, as k6 thresholds (exit 99) and Gatling assertions (a failed build) do, so that a CI
// pipeline can stop on it. The verdict of one run is summary.json's "slo": its "objectives"
// (reports/ledgers/slo.h: latency percentiles, error rate, availability, overall and per
// route), each decided by the engine on unrounded figures. With replications
// ("replications" > 1) the objectives are judged again on the means over the replications
// (judge_slo_on_means), not on the first replication's verdict.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace archsim {

// The process exit code of a run or comparison whose SLO was missed under --fail-on-slo
// (0 success, 1 a run that failed, 2 bad input).
inline constexpr int kExitSloMissed = 3;

struct SloVerdict {
  bool has_objective = false;       // the summary's "slo" names at least one objective
  bool met = true;                  // every objective given was met
  std::vector<std::string> missed;  // one phrase per missed objective: "p99 latency 312 ms > 200 ms"
};

SloVerdict slo_verdict(const nlohmann::ordered_json& summary);

// A summary merged over replications (merge_replications): every objective of "slo" gets the
// mean figure as its value and is met or missed on it ("judged_on": "mean of N replications";
// the bucket of one replication's percentile no longer applies and is dropped); "met",
// "latency_met" and "availability_met" follow.
void judge_slo_on_means(nlohmann::ordered_json& merged);

// An objective of summary.json's slo.objectives in words, for the terminal and the page:
// "p99 latency" / "error rate" / "availability" / "availability per 5 min window", prefixed
// "route R: " for a route's.
std::string slo_objective_label(const nlohmann::ordered_json& objective);
// Its target and its value as text: "≤ 200 ms" and "187 ms"; "≤ 1%" and "0.2%"; value "n/a"
// without data.
std::string slo_objective_target(const nlohmann::ordered_json& objective);
std::string slo_objective_value(const nlohmann::ordered_json& objective);
// For an availability_window objective, its windows in words: "11 of 12 windows met, the
// worst from 600 s"; "" for the others.
std::string slo_objective_detail(const nlohmann::ordered_json& objective);
// "" when the verdict is certain, else why not: "the target lies within the histogram bucket
// of the percentile (198.6-200.2 ms)".
std::string slo_objective_caveat(const nlohmann::ordered_json& objective);

// True when a scenario document (after --set) has an "slo" with at least one objective.
bool scenario_has_slo(const nlohmann::json& scenario);

}  // namespace archsim
