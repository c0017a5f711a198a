// The Vertical Pod Autoscaler's CPU recommender, as a pure library: no JSON, no engine. The
// `vpa` component (vpa.h) feeds it one usage sample per pod per interval and reads the
// recommendation back.
//
// Follows kubernetes/autoscaler, vertical-pod-autoscaler/pkg/recommender:
//   util/histogram_options.go   NewExponentialHistogramOptions: bucket n >= 1 starts at
//                               first x (ratio^n - 1) / (ratio - 1); CPU uses first = 0.01
//                               core, ratio 1.05, max 1000 cores, epsilon 1e-4
//                               (model/aggregations_config.go);
//   util/histogram.go           Percentile: walk the buckets from the lowest non-empty one,
//                               summing weights, until the sum reaches p x total; return the
//                               END of that bucket (the start of the next one);
//   util/decaying_histogram.go  a sample at t weighs w x 2^((t - reference) / half_life), so
//                               that older samples count half as much per half-life;
//   model/aggregate_container_state.go  a CPU sample weighs max(the pod's request, 0.1 core);
//                               the history's confidence is min(lifespan in days, samples /
//                               (60 x 24)) (logic/estimator.go, getConfidence);
//   logic/recommender.go        target = p90, lower bound = p50, upper bound = p95, each x
//                               (1 + safety margin 0.15); the upper bound x (1 + 1/confidence),
//                               the lower bound x (1 + 0.001/confidence)^-2; then at least the
//                               pod minimum (25 millicores).
//
// Where it simplifies: one container per pod (the minimum is the pod's); CPU only (no memory
// peaks histogram); no checkpoints. The reference time starts at the run's start and moves
// forward by whole half-lives once a sample is 100 half-lives past it (as decayFactor does). The "day" of the
// confidence is a parameter: with a half-life scaled down for a simulation, the day scales
// with it (Vpa::Params in vpa.h).
//
// Cost: add() is O(1); recommend() is O(buckets) (about 200). No allocation after construction.
#pragma once
#include <cstdint>
#include <vector>

#include "sim/time.h"

namespace archsim {

struct VpaRecommenderSpec {
  double target_percentile = 0.9, lower_percentile = 0.5, upper_percentile = 0.95;
  double safety_margin = 0.15;
  double min_cpu = 0.025;            // cores (--pod-recommendation-min-cpu-millicores=25)
  Time half_life = 24 * kHour;       // --cpu-histogram-decay-half-life
  Time day = 24 * kHour;             // the confidence's unit of history length
  Time sample_period = kMinute;      // samples per day = day / sample_period (1440 by default)
};

// The exponential bucket scheme of the CPU histogram (util/histogram_options.go).
struct CpuBuckets {
  static constexpr double kFirst = 0.01, kRatio = 1.05, kMax = 1000.0, kEpsilon = 1e-4;
  static int count();                  // buckets; the last one has no upper end
  static int find(double cores);       // the bucket holding `cores`
  static double start(int bucket);     // where it starts (0 for bucket 0)
};

struct VpaRecommendation {
  bool valid = false;  // false until the histogram holds a sample
  double target = 0, lower = 0, upper = 0;  // cores
};

class VpaRecommender {
 public:
  explicit VpaRecommender(const VpaRecommenderSpec& spec);
  // One pod's mean CPU usage (cores) over the sample window ending at `at`, from a pod whose
  // request is `request` cores.
  void add(double usage, double request, Time at);
  // p in (0, 1]: the percentile of the decayed histogram (the end of its bucket); 0 when empty.
  double percentile(double p) const;
  VpaRecommendation recommend() const;
  std::uint64_t samples() const { return samples_; }
  // The confidence of the history: min(lifespan, samples / samples per day), in days.
  double confidence() const;

 private:
  VpaRecommenderSpec spec_;
  std::vector<double> weight_;  // by bucket
  double total_ = 0;
  int min_bucket_, max_bucket_ = 0;
  std::uint64_t samples_ = 0;
  Time first_ = -1, last_ = -1;
  Time reference_ = 0;
};

}  // namespace archsim
