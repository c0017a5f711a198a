// The Vertical Pod Autoscaler's CPU recommender (vpa_recommender.h says what it follows).
#include "models/autoscaler/vpa_recommender.h"

#include <algorithm>
#include <cmath>

namespace archsim {

int CpuBuckets::count() {
  static const int n =
      static_cast<int>(std::ceil(std::log(kMax * (kRatio - 1) / kFirst + 1) / std::log(kRatio))) + 1;
  return n;
}

int CpuBuckets::find(double cores) {
  if (cores < kFirst) return 0;
  const int b = static_cast<int>(std::log(cores * (kRatio - 1) / kFirst + 1) / std::log(kRatio));
  return std::min(b, count() - 1);
}

double CpuBuckets::start(int bucket) {
  if (bucket == 0) return 0.0;
  return kFirst * (std::pow(kRatio, bucket) - 1) / (kRatio - 1);
}

VpaRecommender::VpaRecommender(const VpaRecommenderSpec& spec)
    : spec_(spec), weight_(static_cast<std::size_t>(CpuBuckets::count()), 0.0), min_bucket_(CpuBuckets::count() - 1) {}

void VpaRecommender::add(double usage, double request, Time at) {
  // aggregate_container_state.go: a CPU sample weighs the pod's request (at least 0.1 core),
  // decayed from the reference time (decaying_histogram.go).
  if (at - reference_ > 100 * spec_.half_life) {
    // Renormalise: only relative weights matter (shiftReferenceTimestamp).
    const Time k = (at - reference_) / spec_.half_life;
    const double f = std::ldexp(1.0, -static_cast<int>(k));
    for (double& x : weight_) x *= f;
    total_ *= f;
    reference_ += k * spec_.half_life;
    while (weight_[static_cast<std::size_t>(min_bucket_)] < CpuBuckets::kEpsilon && min_bucket_ < CpuBuckets::count() - 1)
      ++min_bucket_;
    while (weight_[static_cast<std::size_t>(max_bucket_)] < CpuBuckets::kEpsilon && max_bucket_ > 0) --max_bucket_;
  }
  const double w = std::max(request, 0.1) *
                   std::exp2(static_cast<double>(at - reference_) / static_cast<double>(spec_.half_life));
  const int b = CpuBuckets::find(usage);
  weight_[static_cast<std::size_t>(b)] += w;
  total_ += w;
  if (b < min_bucket_ && weight_[static_cast<std::size_t>(b)] >= CpuBuckets::kEpsilon) min_bucket_ = b;
  if (b > max_bucket_ && weight_[static_cast<std::size_t>(b)] >= CpuBuckets::kEpsilon) max_bucket_ = b;
  ++samples_;
  if (first_ < 0) first_ = at;
  last_ = at;
}

double VpaRecommender::percentile(double p) const {
  if (weight_[static_cast<std::size_t>(min_bucket_)] < CpuBuckets::kEpsilon) return 0.0;
  const double threshold = p * total_;
  double sum = 0;
  int b = min_bucket_;
  for (; b < max_bucket_; ++b) {
    sum += weight_[static_cast<std::size_t>(b)];
    if (sum >= threshold) break;
  }
  return b < CpuBuckets::count() - 1 ? CpuBuckets::start(b + 1) : CpuBuckets::start(b);
}

double VpaRecommender::confidence() const {
  if (samples_ == 0) return 0;
  const double day = static_cast<double>(spec_.day);
  const double lifespan = static_cast<double>(last_ - first_) / day;
  const double per_day = day / static_cast<double>(spec_.sample_period);
  return std::min(lifespan, static_cast<double>(samples_) / per_day);
}

VpaRecommendation VpaRecommender::recommend() const {
  VpaRecommendation r;
  if (weight_[static_cast<std::size_t>(min_bucket_)] < CpuBuckets::kEpsilon) return r;
  r.valid = true;
  const double margin = 1 + spec_.safety_margin;
  const double conf = confidence();
  r.target = percentile(spec_.target_percentile) * margin;
  // With no history the multipliers are +inf and 0: no eviction either way (recommender.go).
  r.upper = percentile(spec_.upper_percentile) * margin * (1 + 1 / conf);
  r.lower = percentile(spec_.lower_percentile) * margin * std::pow(1 + 0.001 / conf, -2.0);
  r.target = std::max(r.target, spec_.min_cpu);
  r.lower = std::max(r.lower, spec_.min_cpu);
  r.upper = std::max(r.upper, spec_.min_cpu);
  return r;
}

}  // namespace archsim
