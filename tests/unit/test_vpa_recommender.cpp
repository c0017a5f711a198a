// The Vertical Pod Autoscaler's recommender (models/autoscaler/vpa_recommender.h) against its
// documented arithmetic, computed here by hand: the exponential bucket scheme of
// histogram_options.go (first bucket 0.01 core, ratio 1.05, up to 1000 cores), sample
// weights max(request, 0.1) x 2^(t / half-life) (decaying_histogram.go), Percentile returning
// the end of the bucket where the running weight reaches p x total (histogram.go), and the
// estimators of recommender.go (x 1.15; confidence multipliers; a 25 millicore minimum).
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <vector>

#include "models/autoscaler/vpa_recommender.h"

using namespace archsim;

namespace {

int bucket_of(double v) {
  if (v < 0.01) return 0;
  return static_cast<int>(std::floor(std::log(v * 0.05 / 0.01 + 1) / std::log(1.05)));
}
double bucket_start(int n) { return n == 0 ? 0.0 : 0.01 * (std::pow(1.05, n) - 1) / 0.05; }

struct Sample {
  double usage, request;
  Time at;
};

// The p-th percentile of the decayed histogram, walked by hand.
double hand_percentile(const std::vector<Sample>& xs, Time half_life, double p) {
  std::map<int, double> w;
  double total = 0;
  for (const Sample& s : xs) {
    const double x = std::max(s.request, 0.1) * std::exp2(static_cast<double>(s.at) / static_cast<double>(half_life));
    w[bucket_of(s.usage)] += x;
    total += x;
  }
  double sum = 0;
  int last = w.rbegin()->first;
  for (const auto& [b, x] : w) {
    sum += x;
    if (sum >= p * total || b == last) return bucket_start(b + 1);
  }
  return 0;
}

}  // namespace

TEST_CASE("vpa recommender: the CPU bucket scheme is histogram_options.go's") {
  // ceil(log(1000 x 0.05 / 0.01 + 1) / log 1.05) + 1 = ceil(174.57) + 1
  CHECK(CpuBuckets::count() == 176);
  CHECK(CpuBuckets::start(0) == 0.0);
  CHECK(CpuBuckets::start(1) == doctest::Approx(0.01));
  CHECK(CpuBuckets::start(2) == doctest::Approx(0.0205));
  CHECK(CpuBuckets::find(0.005) == 0);
  CHECK(CpuBuckets::find(0.2) == 14);  // [0.19799, 0.21579)
  CHECK(CpuBuckets::find(5000.0) == 175);
}

TEST_CASE("vpa recommender: percentiles of a decaying-weight histogram on a deterministic series") {
  VpaRecommenderSpec spec;
  spec.half_life = 2 * kMinute;
  spec.day = spec.half_life;
  VpaRecommender r(spec);
  // Three pods with requests 0.5, 1 and 0.05 (weighs 0.1), one sample a minute for 12
  // minutes, usage rising and falling so that recent samples (weighing up to 2^6 more) move
  // the percentiles.
  std::vector<Sample> xs;
  for (int m = 1; m <= 12; ++m) {
    const double base = 0.1 + 0.05 * (m % 7);
    xs.push_back({base, 0.5, m * kMinute});
    xs.push_back({base * 2, 1.0, m * kMinute});
    xs.push_back({base / 3, 0.05, m * kMinute});
  }
  for (const Sample& s : xs) r.add(s.usage, s.request, s.at);
  for (double p : {0.1, 0.5, 0.9, 0.95, 1.0}) {
    INFO("percentile ", p);
    CHECK(r.percentile(p) == doctest::Approx(hand_percentile(xs, spec.half_life, p)).epsilon(1e-12));
  }
  // Without decay (a half-life of a year) the old samples weigh as much: p90 differs.
  VpaRecommenderSpec flat = spec;
  flat.half_life = 365 * kDay;
  VpaRecommender r2(flat);
  for (const Sample& s : xs) r2.add(s.usage, s.request, s.at);
  CHECK(r2.percentile(0.5) == doctest::Approx(hand_percentile(xs, flat.half_life, 0.5)).epsilon(1e-12));
  CHECK(r2.percentile(0.5) != r.percentile(0.5));

  // The estimators: history of 11 minutes = 5.5 "days" of 2 minutes; 36 samples at 1 a minute
  // are 36 / 2 = 18 days' worth; confidence = min = 5.5.
  const double conf = 5.5;
  CHECK(r.confidence() == doctest::Approx(conf));
  const VpaRecommendation rec = r.recommend();
  REQUIRE(rec.valid);
  CHECK(rec.target == doctest::Approx(hand_percentile(xs, spec.half_life, 0.9) * 1.15).epsilon(1e-12));
  CHECK(rec.upper == doctest::Approx(hand_percentile(xs, spec.half_life, 0.95) * 1.15 * (1 + 1 / conf)).epsilon(1e-12));
  CHECK(rec.lower ==
        doctest::Approx(hand_percentile(xs, spec.half_life, 0.5) * 1.15 * std::pow(1 + 0.001 / conf, -2)).epsilon(1e-12));
}

TEST_CASE("vpa recommender: recent samples win under decay; the pod minimum; an empty history") {
  VpaRecommenderSpec spec;
  spec.half_life = kMinute;
  spec.day = kMinute;
  VpaRecommender r(spec);
  CHECK_FALSE(r.recommend().valid);
  // Five old samples at 2 cores, then five at 0.5 core 20 half-lives later: the old ones
  // weigh 2^-20 of the new, so even the 95th percentile is the new level's bucket end.
  for (int m = 0; m < 5; ++m) r.add(2.0, 1.0, m * kMinute);
  for (int m = 20; m < 25; ++m) r.add(0.5, 1.0, m * kMinute);
  CHECK(r.percentile(0.95) == doctest::Approx(bucket_start(bucket_of(0.5) + 1)));
  CHECK(r.percentile(1.0) == doctest::Approx(bucket_start(bucket_of(2.0) + 1)));
  // Usage of 1 millicore: the target is the pod minimum, 25 millicores.
  VpaRecommender idle(spec);
  for (int m = 0; m < 10; ++m) idle.add(0.001, 1.0, m * kMinute);
  CHECK(idle.recommend().target == doctest::Approx(0.025));
  // A long run: the reference time moves forward (200 half-lives) and the percentiles hold.
  VpaRecommender longrun(spec);
  for (int m = 0; m < 400; ++m) longrun.add(m < 390 ? 0.3 : 0.6, 1.0, m * kMinute);
  CHECK(std::isfinite(longrun.percentile(0.5)));
  CHECK(longrun.percentile(0.5) == doctest::Approx(bucket_start(bucket_of(0.6) + 1)));
}
