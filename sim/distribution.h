// Probability distributions for service times, latencies and think times.
//
// A Distribution is a small value type (kind + two parameters, plus a vector for the
// empirical kind) read once from the scenario and sampled on the hot path. Values are
// doubles in whatever unit the caller chose (archsim uses nanoseconds). Sampling code is
// ours, written on archsim::Rng, so that a seed gives the same numbers with every compiler
// and standard library (std::*_distribution does not promise that):
//   exponential, Pareto: inverse transform (Devroye, "Non-Uniform Random Variate
//     Generation", 1986, ch. II.2);
//   normal: Marsaglia's polar method, one variate per accepted pair (the second is
//     dropped so that sample() stays const and stateless);
//   normal truncated at 0 with a negative mean: Robert's exponential-proposal rejection
//     ("Simulation of truncated normal variables", Statistics and Computing, 1995), since
//     plain resampling would almost never accept.
// Cost: sample() is one switch, no allocation, no virtual call; a few arithmetic
// operations plus one log/exp (about 4/pi pairs of uniforms for the normal). Measured at
// -O2: 3 ns constant, 8 ns exponential, 13 ns Pareto, 27 ns lognormal, 38 ns normal.
//
// Factories check their parameters and throw std::invalid_argument with a one-line reason
// (non-finite, negative, or inconsistent values), so the scenario loader can report them.
#pragma once
#include <cstdint>
#include <vector>

#include "sim/random.h"
#include "sim/time.h"

namespace archsim {

struct Distribution {
  enum class Kind : std::uint8_t { Constant, Exponential, Uniform, Normal, Lognormal, Pareto, Empirical };

  // Parameters by kind:
  //   Constant     p1 = value
  //   Exponential  p1 = mean
  //   Uniform      p1 = lo, p2 = hi                   (uniform on [lo, hi))
  //   Normal       p1 = mean, p2 = stddev             (of the untruncated law; truncated at 0
  //                                                    by rejection, which keeps the shape)
  //   Lognormal    p1 = mu, p2 = sigma                (of the underlying normal: median = e^mu)
  //   Pareto       p1 = scale x_m, p2 = shape alpha   (type I: P(X > x) = (x_m / x)^alpha)
  //   Empirical    values, each drawn with probability 1 / values.size()
  Kind kind = Kind::Constant;
  double p1 = 0, p2 = 0;
  std::vector<double> values;

  static Distribution constant(double v);                 // v >= 0
  static Distribution exponential(double mean);           // mean >= 0 (0 gives constant 0 samples)
  static Distribution uniform(double lo, double hi);      // 0 <= lo <= hi
  // Truncated at 0: samples follow the normal law conditioned on X >= 0. A stddev of 0
  // gives constant(max(mean, 0)).
  static Distribution normal(double mean, double stddev);
  // 0 < median < p99; sigma = ln(p99 / median) / z_0.99.
  static Distribution lognormal_median_p99(double median, double p99);
  // mean > 0, stddev >= 0: the lognormal with this mean and standard deviation.
  static Distribution lognormal_mean_stddev(double mean, double stddev);
  static Distribution pareto(double scale, double shape);  // scale > 0, shape > 0; x >= scale
  static Distribution empirical(std::vector<double> values);  // non-empty, all finite and >= 0

  // Always >= 0 and finite for every valid distribution except a Pareto with a tiny shape,
  // whose far tail may reach +inf. The constant kind, which reads no generator, is taken
  // inline: a model's fixed service time or latency costs a compare, not a call.
  double sample(Rng& rng) const { return kind == Kind::Constant ? p1 : sample_drawn(rng); }
  // sample() rounded to the nearest unit (ns), saturating at kTimeMax.
  Time sample_time(Rng& rng) const { return kind == Kind::Constant ? to_time(p1) : sample_time_drawn(rng); }
  // sample_time(Rng(seed)), the same value; cheaper for the constant and exponential kinds,
  // which build no generator (or, for 1.1% of exponential draws, build it late).
  Time sample_time_keyed(std::uint64_t seed) const;

  // Analytic mean: +inf for a Pareto with shape <= 1; the truncated law's mean for normal.
  double mean() const;
  // Squared coefficient of variation Var/mean^2, analytic (the c_s^2 of Pollaczek-Khinchine
  // for M/G/1 estimates). 0 when the mean is 0; +inf for a Pareto with shape <= 2.
  double scv() const;
  // True when every sample is exactly 0 (lets callers skip scheduling a zero delay).
  bool is_constant_zero() const;

 private:
  // A value rounded to the nearest ns, saturating at kTimeMax.
  static Time to_time(double v) {
    // 9.2e18 is the largest double below INT64_MAX that the cast handles safely.
    if (!(v < 9.2e18)) return kTimeMax;
    return static_cast<Time>(v + 0.5);
  }
  double sample_drawn(Rng& rng) const;    // sample() out of line, for the kinds that draw
  Time sample_time_drawn(Rng& rng) const;  // to_time(sample_drawn(rng))
};

}  // namespace archsim
