// What the ledgers make of a run (reports/ledgers/ledgers.h): its cost, its verdict on the
// SLO and its availability report, beside the RunResult they were computed from.
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "sim/results.h"

namespace archsim {

struct CostResult {
  double total_usd = 0;
  double per_million_requests_usd = 0;
  std::vector<std::pair<std::string, double>> by_component;
  std::vector<std::pair<std::string, double>> figures;  // peak/mean replicas, instance hours...
};

// AvailabilityWindow: availability judged window by window after warm-up (reports/ledgers/slo.h).
enum class SloObjectiveKind : std::uint8_t { Latency, ErrorRate, Availability, AvailabilityWindow };
// The latency percentiles an objective may name: its key suffix and the percentile.
inline constexpr std::pair<const char*, double> kSloPercentiles[] = {
    {"p50", 50}, {"p90", 90}, {"p95", 95}, {"p99", 99}, {"p999", 99.9}};

// One objective judged on the run (reports/ledgers/slo.h).
struct SloObjectiveResult {
  SloObjectiveKind kind = SloObjectiveKind::Latency;
  std::string key;    // as the scenario names it: "latency_p99", "error_rate", "availability"
  std::string route;  // "" = every request
  double target = 0;  // ms for a latency, a fraction for the rates
  double value = 0;   // the run's figure, same unit; meaningless when !has_data
  bool has_data = false;  // a latency needs a served request, a rate a finished one
  double bucket_lo = 0, bucket_hi = 0;  // latency: the histogram bucket the percentile lies in
  bool met = false;
  bool certain = true;  // false: the latency target lies inside the percentile's bucket
  // AvailabilityWindow: `target` is each window's, `value` the worst window's availability
  // (has_data: some window had a finished request), starting at worst_start_s.
  double window_s = 0, required_fraction = 1, worst_start_s = 0, last_window_s = 0;
  std::uint64_t windows = 0, windows_met = 0;
};

struct SloResult {
  bool has_latency = false, has_availability = false;
  double latency_p99_ms = 0, availability = 0;
  bool latency_met = true, availability_met = true;
  std::vector<SloObjectiveResult> objectives;
};

// Availability of the run (SRE-book terms): of requests (ok / total) and of time (windows
// meeting the SLO), nines, error budget, injected faults with time to detect and to recover,
// alerts fired and resolved. Times are seconds from the start of the run; NaN = never.
struct AvailabilityResult {
  double requests = 1, time = 1;          // fractions (requests: NaN when no request was made)
  std::uint64_t windows = 0, windows_met = 0;
  bool slo_assumed = false;               // no "slo" in the scenario: 0.999 and no latency bound
  double slo_availability = 0.999, slo_latency_p99_ms = 0;  // 0 = no latency bound
  double budget_allowed = 0, budget_used = 0;  // failed requests the SLO allows / that failed
  struct Fault {
    std::string label;
    double start_s = 0, end_s = 0, detect_s = 0, recover_s = 0;  // detect/recover: durations
    bool detected = false, recovered = false;
  };
  std::vector<Fault> faults;
  struct Alert {
    std::string name;
    double fired_s = 0, resolved_s = 0;
    bool resolved = false;
  };
  std::vector<Alert> alerts;
  // The scenario's alert rules as written (the page charts each one's series against its
  // threshold): metric "<component>.<metric>", op ">" or "<", the hold time in seconds.
  struct AlertRule {
    std::string name, metric, op;
    double threshold = 0, for_s = 0;
  };
  std::vector<AlertRule> alert_rules;
  // Episodes the scenario's components recorded (ComponentReport intervals of any kind, e.g.
  // a rollout and its steps), in component order, for the charts' marks.
  struct Episode {
    std::string component, kind, label;
    double start_s = 0, end_s = 0;
  };
  std::vector<Episode> episodes;
  // Each OOM kill of an instance, from the kill to that instance's next ready moment (or the
  // end of the run, or its removal), as components report them (interval kind kOomKillKind).
  std::vector<Episode> oom_kills;
  // Figures from section components (e.g. "components.web.mttr_s"), dotted.
  std::vector<std::pair<std::string, double>> figures;
};

struct LedgerResults {
  CostResult cost;
  SloResult slo;
  AvailabilityResult availability;
};

}  // namespace archsim
