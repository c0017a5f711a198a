// The verdict on one run of a metastability map (archsim metastability; the rule is stated
// for users in docs/learn/metastability.md): did the system recover once its trigger ended,
// or does it stay failed, kept there by a sustaining effect?
//
// A metastable failure (Bronson et al., HotOS 2021; Huang et al., OSDI 2022) is told from a
// slow recovery by what happens after the trigger is gone. The rule, on the run's windows
// (the scenario's `window`; a window's value covers (t - window, t]):
//   - baseline: the mean goodput B (requests answered ok per second, at every client) and
//     offered load O (new requests per second) over the windows between the end of the
//     warm-up and the trigger's start;
//   - failed_before: B < fraction x O. The system was already overloaded before the trigger
//     (a cell beyond capacity); its verdict says nothing of the trigger;
//   - the verdict window runs from the trigger's end T1 for `window_s` seconds. The run
//     recovers at the first window, starting no later than the verdict window's middle,
//     whose goodput and whose mean goodput from it to the verdict window's end are both
//     >= fraction x B (the offered load is the same as before the trigger: the trigger has
//     ended); the recovery time is that window's start minus T1 (0 when goodput never fell
//     below). Otherwise it stays failed.
// The middle is what makes the verdict robust: a recovery must hold, on average over at
// least half the window, so that the noise of single windows (a Poisson count) neither
// fails a healthy run nor passes a failed one; and the window is at least the trigger's
// length (the command refuses a shorter one), long enough for a system with headroom to
// drain what the trigger queued.
//
// The sustaining effect is named from the run: of the effects the scenario has (work
// amplification = attempts per offered request; each component's queue length; each
// cache's hit ratio; each component's memory), compared between the baseline and the second
// half of the verdict window in the direction that hurts: of those that moved by half again
// or more, the mechanism before its symptoms (resends, then a cold cache, then memory, then
// a queue, which any overload grows), and among equals the one that moved most.
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
  // "queue_length primary", "hit_ratio cache", "memory_mb api": per component.
  std::map<std::string, std::vector<double>> effects;
};
// Reads timeseries.csv text (header time_s,component,metric,value). Rows that do not parse
// are skipped.
RunSeries parse_series(const std::string& csv);

enum class Verdict { Recovers, StaysFailed, FailedBefore };
const char* verdict_name(Verdict v);  // "recovers", "stays_failed", "failed_before"

struct Rule {
  double fraction = 0.9;  // of the baseline goodput
  double window_s = 0;    // the verdict window's length (> 0)
};

struct Effect {
  std::string name;     // "attempts per request", "queue_length primary", ...
  double before = 0, after = 0;
};

struct Judgement {
  Verdict verdict = Verdict::StaysFailed;
  double baseline_goodput = 0, baseline_offered = 0;
  double late_goodput = 0;  // mean goodput over the second half of the verdict window
  double recovery_s = -1;   // recovers: the time from the trigger's end; else -1
  std::vector<Effect> effects;  // every effect measured, the sustaining one first
  bool sustained = false;       // effects[0] moved by half again or more: it is the sustaining effect
};

// Judges one run whose trigger covers [trigger_start_s, trigger_end_s] (equal for an
// instantaneous one), after a warm-up of `warmup_s`. The caller has checked that at least
// one window lies between the warm-up and the trigger and that the verdict window fits in
// the run.
Judgement judge(const RunSeries& s, double warmup_s, double trigger_start_s, double trigger_end_s, const Rule& rule);

}  // namespace archsim::cli::metastability
