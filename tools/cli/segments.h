// Time-parallel runs (`archsim run --segments N`): the run's horizon cut into N segments at
// the quietest instants of its load, each segment simulated from a warm-up before its cut as
// an independent job (threads or MPI ranks, tools/cli/executor.h), the warm-ups discarded and
// the rest stitched into one run (reports/segment_result.h). Approximate time-parallel
// simulation with warm-up overlap (Heidelberger and Nicol's regeneration points): exact where
// the state at a cut has forgotten how the run began, which the warm-up is long enough for
// when it outlasts the slowest state the scenario declares (Description::memory_s, a cache's
// TTL). Knows no model: the load and the slowest state are what the components describe.
#pragma once
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "lib/segments/segment_plan.h"
#include "sim/time.h"

namespace archsim {
class Simulation;
}

namespace archsim::cli {

// The whole run's offered load, requests per second at (seconds) points, linear between:
// the sum of every source's Description::load_profile (a source without one counts its mean
// load throughout). Empty when no component describes a load.
std::vector<std::pair<double, double>> total_load(const Simulation& sim);
// The longest time a component's state takes to forget the start (Description::memory_s,
// cache_ttl_s), in simulated time; 0 when none declares one.
Time slowest_state(const Simulation& sim);
// The warm-up a segment gets by default: the slowest state rounded up to whole windows, and
// at least one window.
Time default_segment_warmup(const Simulation& sim, Time window);

}  // namespace archsim::cli
