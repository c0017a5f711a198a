// Where a time-parallel run (`archsim run --segments N`, tools/cli/segments.h) is cut: at the
// quietest instants of its offered load that keep the segments' work about equal. A pure
// function of the load profile, testable on its own.
#pragma once
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "sim/time.h"

namespace archsim {

// A load profile's value at t seconds: linear between its (seconds, rate) points, the first
// value before them and the last after (sim/profile.h's reading). `load` is not empty.
double load_at(const std::vector<std::pair<double, double>>& load, double t);

struct SegmentPlan {
  // cuts[0] = 0 < cuts[1] < ... < cuts[N] = duration, each a multiple of the window: segment
  // k counts [cuts[k], cuts[k+1]) and is simulated from max(0, cuts[k] - warmup).
  std::vector<Time> cuts;
  Time warmup = 0;
  Time start(std::size_t k) const { return k == 0 || cuts[k] < warmup ? 0 : cuts[k] - warmup; }
};

// Chooses the N - 1 cuts of [0, duration): cut k is the instant of lowest offered load (on
// the window's grid, the earliest of equals) among those before which the load's work
// (integral of the rate) is within `balance` of k/N of the whole, so that the segments take
// about equal time. No cut falls within a warm-up of the start or of the previous cut.
// Returns the plan, or nullopt with `*why` (one sentence) when the load has no quiet point
// (it never changes) or N segments do not fit.
std::optional<SegmentPlan> plan_segments(const std::vector<std::pair<double, double>>& load, Time duration,
                                         Time window, int n, Time warmup, std::string* why, double balance = 0.1);

}  // namespace archsim
