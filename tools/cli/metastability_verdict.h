// The verdict on one run of a metastability map (archsim metastability; the rule is stated
// for users in docs/learn/metastability.md): does the system come back once its trigger has
// ended, and how soon, or is it trapped, kept down by a sustaining effect?
//
// A metastable failure (Bronson et al., HotOS 2021; Huang et al., OSDI 2022) is told from a
// slow recovery by what happens after the trigger is gone: a slow recovery is still moving
// back, a trap is not. The rule, on the run's windows (the scenario's `window`; a window's
// value covers (t - window, t]):
//   - goodput is goodput in deadline: answers served within their request's deadline (the
//     SLO's latency where one is declared, else the client's timeout; the engine's series
//     "all goodput_in_deadline_rps", sim/request_ledger.h). Where no request has a deadline,
//     a window's answers count as in time when its latency percentiles are within twice the
//     slowest p99 of the windows before the trigger: all of them (0.99) when its p99 is, 0.95
//     when its p95 is, half when its p50 is, none otherwise (a lower bound: late answers are
//     answers nobody waited for as long, not goodput);
//   - baseline: the mean goodput B and offered load O (new requests per second) over the
//     windows between the end of the warm-up and the trigger's start; failed_before when
//     B < fraction x O (beyond capacity, or late, before any trigger);
//   - the run is followed from the trigger's end T1 to the bound E = T1 + window_s. It
//     recovers at the first window whose goodput, and whose mean goodput from it to E, are
//     both >= fraction x B, with at least `hold` of the run after it (5 windows, or a tenth
//     of the span followed when longer); the recovery time is that window's start minus T1
//     (0 when goodput never fell below), however long;
//   - otherwise the trend test, over the horizon (the last half of the span followed, at
//     least 5 windows): a least-squares line through goodput, and through each effect that
//     moved by half again or more; if goodput rises, or such an effect moves back toward its
//     baseline, by more than 3 standard errors of its slope, the state is turning over: it
//     recovers slowly, at the time the line reaches the bar (for an effect: its baseline
//     value), projected past E; if nothing moves back, it stays failed (a trap).
// The horizon is what "long enough" means: a queue that drains or a cache that refills moves
// its effect's line within it even while no answer is yet in time (a backlog drained at the
// spare capacity, misses refilling keys); a longer bound only turns "recovers slowly" into
// "recovers" with the time it took.
//
// The sustaining effect (named for a run that stays failed only): of the effects the scenario
// has (work amplification = attempts per offered request; each component's queue length;
// each cache's hit ratio; each component's memory), compared between the baseline and the
// horizon in the direction that hurts: of those that moved by half again or more, the
// mechanism before its symptoms (resends, then a cold cache, then memory, then a queue, which
// any overload grows), and among equals the one that moved most.
#pragma once
#include <map>
#include <string>
#include <vector>

namespace archsim::cli::metastability {

// The per-window series the verdict reads from a run's timeseries.csv.
struct RunSeries {
  double window_s = 0;  // the windows' length (the first window's end)
  std::vector<double> t;  // each window's end, in seconds
  std::vector<double> goodput, offered, attempts;  // summed over the clients (0 where absent)
  std::vector<double> in_time;  // goodput in deadline ("all"); empty when no request has a deadline
  std::vector<double> p50, p95, p99;  // "all" latency percentiles of the answers served, ms (NaN: none)
  // "queue_length primary", "hit_ratio cache", "memory_mb api": per component.
  std::map<std::string, std::vector<double>> effects;
};
// Reads timeseries.csv text (header time_s,component,metric,value). Rows that do not parse
// are skipped.
RunSeries parse_series(const std::string& csv);

enum class Verdict { Recovers, RecoversSlowly, StaysFailed, FailedBefore };
inline constexpr int kVerdicts = 4;
const char* verdict_name(Verdict v);  // "recovers", "recovers_slowly", "stays_failed", "failed_before"

struct Rule {
  double fraction = 0.9;  // of the baseline goodput
  double window_s = 0;    // the span followed after the trigger's end (> 0)
};

struct Effect {
  std::string name;     // "attempts per request", "queue_length primary", ...
  double before = 0, after = 0;  // the baseline's mean; the horizon's
};

struct Judgement {
  Verdict verdict = Verdict::StaysFailed;
  double baseline_goodput = 0, baseline_offered = 0;
  double late_goodput = 0;   // mean goodput over the horizon
  double recovery_s = -1;    // from the trigger's end: observed (recovers) or projected (recovers slowly); else -1
  double late_ms = 0;        // no declared deadline: the latency beyond which answers are late; else 0
  std::vector<double> goodput;  // goodput in deadline per window (as RunSeries::t)
  double horizon_from_s = 0, horizon_to_s = 0;
  std::string moving;        // recovers slowly: what moves back ("goodput" or an effect's name)
  double slope = 0, slope_t = 0;  // that line's slope (per second) and its t statistic (goodput's when nothing moves)
  std::vector<Effect> effects;  // every effect measured, the sustaining one first
  bool sustained = false;       // stays failed, and effects[0] moved by half again or more: the sustaining effect
};

// Judges one run whose trigger covers [trigger_start_s, trigger_end_s] (equal for an
// instantaneous one), after a warm-up of `warmup_s`. The caller has checked that at least
// one window lies between the warm-up and the trigger and that the span followed fits in
// the run.
Judgement judge(const RunSeries& s, double warmup_s, double trigger_start_s, double trigger_end_s, const Rule& rule);

}  // namespace archsim::cli::metastability
