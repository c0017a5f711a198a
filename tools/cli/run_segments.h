// `archsim run --segments N` inside run_command (tools/cli/segments.h says what it does).
#pragma once
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tools/cli/commands.h"
#include "tools/cli/segments.h"
#include "tools/cli/sweep.h"

namespace archsim {
class Simulation;
}

namespace archsim::cli {

// The plan of the run's segments from the flags and the scenario (`probe`, built). nullopt
// with *bad set after printing a one-line error (exit 2: --segments below 1 or above the
// windows, a warm-up no shorter than a segment, with --replications or --trace); nullopt
// with *bad clear for a sequential run: --segments 1, or a scenario without a quiet point
// (a note on stderr says so).
std::optional<SegmentPlan> plan_run(const RunOptions& o, const Simulation& probe, bool* bad);
// One job per segment: segment k with seed + k (segment 0 is the sequential run's start).
std::vector<JobSpec> segment_jobs(const SegmentPlan& plan, std::uint64_t seed, Time scenario_warmup, Time window);
// The segments' outputs (in plan order) stitched into one run's: summary.json (with
// run.segments: count, cuts_s, warmup_s and each segment's wall_time_s), timeseries.csv and
// latency_cdf.csv. nullopt with *error when a segment failed.
std::optional<JobOutput> stitch_outputs(const nlohmann::json& doc, const SegmentPlan& plan,
                                        const std::vector<JobOutput>& outs, std::string* error);
// --check-segments: a line per figure of `segmented` with the sequential run's value and the
// difference in percent, and, when `sequential` merges replications, whether the figure lies
// in their 95% interval. Returns how many do not.
int print_segment_check(const nlohmann::ordered_json& segmented, const nlohmann::ordered_json& sequential,
                        std::ostream& os);

}  // namespace archsim::cli
