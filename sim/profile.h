// A piecewise-linear function of simulated time: rates and user counts that change over a
// run, written in JSON as [["0s", 100], ["30m", 1600], ["2h", 1600]] (or a plain number).
// Before the first point the first value holds; after the last, the last value.
#pragma once
#include <algorithm>
#include <utility>
#include <vector>

#include "sim/time.h"

namespace archsim {

struct Profile {
  std::vector<std::pair<Time, double>> points;  // sorted by time, at least one

  static Profile constant(double v) { return Profile{{{0, v}}}; }
  bool is_constant() const {
    for (const auto& p : points)
      if (p.second != points.front().second) return false;
    return true;
  }
  // Index of the segment holding t: points[i].first <= t < points[i+1].first.
  std::size_t segment(Time t) const {
    auto it = std::upper_bound(points.begin(), points.end(), t,
                               [](Time x, const std::pair<Time, double>& p) { return x < p.first; });
    return it == points.begin() ? 0 : static_cast<std::size_t>(it - points.begin()) - 1;
  }
  double at(Time t) const {
    if (t <= points.front().first) return points.front().second;
    if (t >= points.back().first) return points.back().second;
    std::size_t i = segment(t);
    const auto& [t0, v0] = points[i];
    const auto& [t1, v1] = points[i + 1];
    return v0 + (v1 - v0) * static_cast<double>(t - t0) / static_cast<double>(t1 - t0);
  }
  // End of the linear piece holding t (kTimeMax after the last point).
  Time piece_end(Time t) const {
    if (points.size() == 1) return t < points[0].first ? points[0].first : kTimeMax;  // a plain rate
    if (t < points.front().first) return points.front().first;
    std::size_t i = segment(t);
    return i + 1 < points.size() ? points[i + 1].first : kTimeMax;
  }
  // The largest value on [t, min(piece_end(t), until)]: the bound for thinning a run that
  // ends at `until`. A piece that rises past the run's end (a point at 100 days in a
  // six-minute run) bounds by its value at the end, not by the far point's: thinning
  // against the far point would draw a rejected candidate for every accepted one times
  // their ratio (1e9/s against 24,000/s: 40,000 draws per arrival).
  double piece_max(Time t, Time until = kTimeMax) const {
    if (points.size() == 1) return points[0].second;
    const Time e = std::min(piece_end(t), std::max(t, until));
    return e == kTimeMax ? at(t) : std::max(at(t), at(e));
  }
  // The mean value over [0, end] (the area under the pieces divided by end), end > 0.
  double mean_until(Time end) const {
    double area = 0;
    Time t = 0;
    while (t < end) {
      const Time e = std::min(piece_end(t), end);
      area += 0.5 * (at(t) + at(e)) * static_cast<double>(e - t);
      t = e;
    }
    return area / static_cast<double>(end);
  }
  double max() const {
    double m = points.front().second;
    for (const auto& p : points) m = std::max(m, p.second);
    return m;
  }
};

}  // namespace archsim
