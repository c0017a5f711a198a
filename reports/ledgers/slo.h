// The scenario's "slo" and the run-wide verdict on it, in the manner of k6 thresholds and
// Gatling assertions: latency percentiles (latency_p50, _p90, _p95, _p99, _p999: at most this
// long), error_rate (at most this fraction of requests failed) and availability (at least
// this fraction served), for all requests and per route ("routes": {"<route>": {...the same
// keys}}). Figures are the client's end to end, after warm-up (summary.json "latency_ms",
// "availability" and "routes").
//
// availability_window ({"window", "target", "fraction_met"}) judges availability window by
// window, as SRE practice judges an SLO over its compliance windows: consecutive windows of
// `window` from the end of warm-up (the last one shorter when the measured time is not a
// multiple), each met when its finished requests were served at least `target` (a window
// with none is met: nothing failed); the objective is met when at least `fraction_met` of
// them (default 1: every one) are. Counts come from the run's per-window series, so `window`
// must be a multiple of the run's `window` and the warm-up one too (else refused at the
// pointer: the windows would split a series window and could not be counted exactly).
// Whole-run only: the series are not kept per route.
//
// scope ({"clients": [...], "routes": [...]}, either or both) names the population the SLO is
// about: the requests those clients end on those routes (an absent list: every one), as an
// SLO's SLI names the requests it counts (the API, not the video players' downloads). Every
// objective, the availability_window and the availability report's SLO windows, error
// budget and fault detection are then judged on that population alone, from the figures and
// series the engine keeps for it (scenario/population.h RequestPopulation, series component
// "slo"). A per-route objective must name a route of the scope.
//
// Percentiles come from a histogram whose buckets are about 0.8% wide: a latency objective is
// "met" when the reported percentile (its bucket's midpoint) is at most the target, and
// "certain" only when the whole bucket lies on one side of the target; when the target falls
// inside the bucket the verdict is the estimate's and the result says it is uncertain.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "scenario/params.h"
#include "scenario/population.h"
#include "reports/ledgers/ledger_results.h"
#include "sim/results.h"

namespace archsim::ledgers {

struct SloObjective {
  SloObjectiveKind kind = SloObjectiveKind::Latency;
  int percentile = 0;  // kind Latency: index into kSloPercentiles
  double target = 0;   // ms for a latency, a fraction for the rates
  std::string route;   // "" = every request
  Time window = 0;     // AvailabilityWindow: the length of a window
  double required_fraction = 1;  // AvailabilityWindow: the fraction of windows that must meet it
};

// The series component of a scoped SLO's population in timeseries.csv.
inline constexpr const char* kSloSeries = "slo";

struct SloScope {
  std::string pointer;  // of "scope"
  std::vector<std::pair<std::string, std::string>> clients, routes;  // (name, JSON pointer)
};

struct SloSettings {
  std::optional<Time> latency_p99;      // the run-wide p99 and availability objectives, which the
  std::optional<double> availability;  // availability report's windows also judge
  std::vector<SloObjective> objectives;  // every objective, in the order above, routes last
  std::optional<SloScope> scope;         // none: every request
};

// What the SLO is judged on: the run's figures and "all" series, or its scope's population.
struct SloFigures {
  const OutcomeCounts* outcomes;
  const LatencyStats* latency;
  const std::vector<RouteResult>* routes;
  std::string series;  // the series component: "all" or kSloSeries
};
SloFigures slo_figures(const SloSettings& s, const RunResult& r);
// Which requests a headline figure covers, in words: "all requests", or "clients api; routes
// course, auth" (a scope's population as the run resolved it).
std::string population_label(const RunResult& r);

// Reads (and checks) the scenario's "slo". Throws ScenarioError. `routes`: the route names
// the scenario's components named (an objective on another route is an error); `series`: the
// run's recorder, whose window and warm-up an availability_window must divide evenly. nullptr
// skips those checks (a scenario already validated).
// A scope is returned as the RequestPopulation the engine is to count (population()).
SloSettings read_slo(Params& top, const std::vector<std::string>* routes, const Metrics* series = nullptr);
// The population the engine counts for `scope` (series component kSloSeries).
RequestPopulation population(const SloScope& scope);
// The latency within which an answer is in time, the deadline of the engine's goodput in
// deadline (sim/request_ledger.h slo_deadline): the target of the highest percentile among
// the whole-run latency objectives (p99 over p95: the SLO tolerates answers up to it), 0 when
// none is declared.
Time slo_deadline(const SloSettings& s);

SloResult slo_ledger(const SloSettings& s, const RunResult& r);

}  // namespace archsim::ledgers
