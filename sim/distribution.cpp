#include "sim/distribution.h"

#include "sim/exponential.h"

#include <cmath>
#include <cstdio>
#include <limits>
#include <stdexcept>
#include <string>
#include <utility>

namespace archsim {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
// Standard normal quantile at 0.99.
constexpr double kZ99 = 2.3263478740408408;
constexpr double kInvSqrt2 = 0.70710678118654752440;
constexpr double kInvSqrt2Pi = 0.39894228040143267794;

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

void require(bool ok, const std::string& why) {
  if (!ok) throw std::invalid_argument(why);
}

bool finite_nonneg(double v) { return std::isfinite(v) && v >= 0; }

// Marsaglia's polar method. The pair's second variate is dropped: keeping it would need
// mutable state in a value type shared across components.
double standard_normal(Rng& rng) {
  for (;;) {
    const double u = 2.0 * rng.uniform() - 1.0;
    const double v = 2.0 * rng.uniform() - 1.0;
    const double s = u * u + v * v;
    if (s > 0.0 && s < 1.0) return u * std::sqrt(-2.0 * std::log(s) / s);
  }
}

// Z ~ N(0,1) conditioned on Z >= a.
double standard_normal_above(Rng& rng, double a) {
  if (a <= 0.0) {
    // Acceptance probability P(Z >= a) >= 1/2: plain rejection is cheapest.
    for (;;) {
      const double z = standard_normal(rng);
      if (z >= a) return z;
    }
  }
  // Robert (1995): propose a + Exp(alpha) with the rate that maximises acceptance;
  // acceptance is above 0.76 for every a > 0, where plain rejection would decay like
  // the normal tail.
  const double alpha = 0.5 * (a + std::sqrt(a * a + 4.0));
  for (;;) {
    const double z = a + standard_exponential(rng) / alpha;
    const double d = z - alpha;
    if (rng.uniform() < std::exp(-0.5 * d * d)) return z;
  }
}

// Inverse Mills ratio phi(a) / (1 - Phi(a)) and the truncated variance factor
// 1 + a*lambda - lambda^2 of N(0,1) conditioned on Z >= a.
std::pair<double, double> truncated_moments(double a) {
  if (a > 30.0) {
    // 1 - Phi(a) underflows soon after; the asymptotic series is exact to double here.
    const double ia = 1.0 / a, ia2 = ia * ia;
    return {a + ia * (1.0 - 2.0 * ia2 + 10.0 * ia2 * ia2), ia2 * (1.0 - 6.0 * ia2)};
  }
  const double q = 0.5 * std::erfc(a * kInvSqrt2);
  const double lambda = kInvSqrt2Pi * std::exp(-0.5 * a * a) / q;
  return {lambda, 1.0 + a * lambda - lambda * lambda};
}

}  // namespace

Distribution Distribution::constant(double v) {
  require(finite_nonneg(v), "constant value must be a finite number >= 0 (got " + num(v) + ")");
  Distribution d;
  d.kind = Kind::Constant;
  d.p1 = v;
  return d;
}

Distribution Distribution::exponential(double mean) {
  require(finite_nonneg(mean), "exponential mean must be a finite number >= 0 (got " + num(mean) + ")");
  Distribution d;
  d.kind = Kind::Exponential;
  d.p1 = mean;
  return d;
}

Distribution Distribution::uniform(double lo, double hi) {
  require(finite_nonneg(lo) && std::isfinite(hi), "uniform bounds must be finite numbers >= 0 (got " +
                                                      num(lo) + ", " + num(hi) + ")");
  require(lo <= hi, "uniform min " + num(lo) + " is above max " + num(hi));
  Distribution d;
  d.kind = Kind::Uniform;
  d.p1 = lo;
  d.p2 = hi;
  return d;
}

Distribution Distribution::normal(double mean, double stddev) {
  require(std::isfinite(mean), "normal mean must be finite (got " + num(mean) + ")");
  require(finite_nonneg(stddev), "normal stddev must be a finite number >= 0 (got " + num(stddev) + ")");
  if (stddev == 0) return constant(mean > 0 ? mean : 0.0);
  Distribution d;
  d.kind = Kind::Normal;
  d.p1 = mean;
  d.p2 = stddev;
  return d;
}

Distribution Distribution::lognormal_median_p99(double median, double p99) {
  require(std::isfinite(median) && std::isfinite(p99) && median > 0 && median < p99,
          "lognormal needs 0 < median < p99 (got median " + num(median) + ", p99 " + num(p99) + ")");
  Distribution d;
  d.kind = Kind::Lognormal;
  d.p1 = std::log(median);
  d.p2 = std::log(p99 / median) / kZ99;
  return d;
}

Distribution Distribution::lognormal_mean_stddev(double mean, double stddev) {
  require(std::isfinite(mean) && mean > 0, "lognormal mean must be a finite number > 0 (got " + num(mean) + ")");
  require(finite_nonneg(stddev), "lognormal stddev must be a finite number >= 0 (got " + num(stddev) + ")");
  if (stddev == 0) return constant(mean);
  const double cv = stddev / mean;
  const double sigma2 = std::log1p(cv * cv);
  Distribution d;
  d.kind = Kind::Lognormal;
  d.p1 = std::log(mean) - 0.5 * sigma2;
  d.p2 = std::sqrt(sigma2);
  return d;
}

Distribution Distribution::pareto(double scale, double shape) {
  require(std::isfinite(scale) && scale > 0, "pareto scale must be a finite number > 0 (got " + num(scale) + ")");
  require(std::isfinite(shape) && shape > 0, "pareto shape must be a finite number > 0 (got " + num(shape) + ")");
  Distribution d;
  d.kind = Kind::Pareto;
  d.p1 = scale;
  d.p2 = shape;
  return d;
}

Distribution Distribution::empirical(std::vector<double> values) {
  require(!values.empty(), "empirical distribution needs at least one value");
  for (double v : values)
    require(finite_nonneg(v), "empirical values must be finite numbers >= 0 (got " + num(v) + ")");
  Distribution d;
  d.kind = Kind::Empirical;
  d.values = std::move(values);
  return d;
}

double Distribution::sample_drawn(Rng& rng) const {
  switch (kind) {
    case Kind::Constant:
      return p1;
    case Kind::Exponential:
      return p1 * standard_exponential(rng);
    case Kind::Uniform:
      return p1 + (p2 - p1) * rng.uniform();
    case Kind::Normal: {
      const double x = p1 + p2 * standard_normal_above(rng, -p1 / p2);
      return x > 0 ? x : 0.0;  // only rounding in p1 + p2 * (-p1 / p2) can dip below 0
    }
    case Kind::Lognormal:
      return std::exp(p1 + p2 * standard_normal(rng));
    case Kind::Pareto:
      return p1 * std::exp(standard_exponential(rng) / p2);
    case Kind::Empirical:
      return values[rng.below(values.size())];
  }
  return 0;
}

Time Distribution::sample_time_drawn(Rng& rng) const { return to_time(sample_drawn(rng)); }

Time Distribution::sample_time_keyed(std::uint64_t seed) const {
  switch (kind) {
    case Kind::Constant:
      return to_time(p1);
    case Kind::Exponential:
      return to_time(p1 * standard_exponential_keyed(seed));
    default: {
      Rng rng(seed);
      return sample_time_drawn(rng);
    }
  }
}

double Distribution::mean() const {
  switch (kind) {
    case Kind::Constant:
    case Kind::Exponential:
      return p1;
    case Kind::Uniform:
      return 0.5 * (p1 + p2);
    case Kind::Normal:
      return p1 + p2 * truncated_moments(-p1 / p2).first;
    case Kind::Lognormal:
      return std::exp(p1 + 0.5 * p2 * p2);
    case Kind::Pareto:
      return p2 > 1 ? p1 * p2 / (p2 - 1) : kInf;
    case Kind::Empirical: {
      long double s = 0;
      for (double v : values) s += v;
      return static_cast<double>(s / static_cast<long double>(values.size()));
    }
  }
  return 0;
}

double Distribution::scv() const {
  switch (kind) {
    case Kind::Constant:
      return 0;
    case Kind::Exponential:
      return p1 > 0 ? 1.0 : 0.0;
    case Kind::Uniform: {
      const double m = 0.5 * (p1 + p2), w = p2 - p1;
      return m > 0 ? w * w / (12.0 * m * m) : 0.0;
    }
    case Kind::Normal: {
      const auto [lambda, var_factor] = truncated_moments(-p1 / p2);
      const double m = p1 + p2 * lambda;
      return m > 0 ? p2 * p2 * var_factor / (m * m) : 0.0;
    }
    case Kind::Lognormal:
      return std::expm1(p2 * p2);
    case Kind::Pareto:
      return p2 > 2 ? 1.0 / (p2 * (p2 - 2)) : kInf;
    case Kind::Empirical: {
      const long double m = mean();
      if (m == 0) return 0;
      long double ss = 0;
      for (double v : values) ss += (v - m) * (v - m);
      return static_cast<double>(ss / static_cast<long double>(values.size()) / (m * m));
    }
  }
  return 0;
}

bool Distribution::is_constant_zero() const {
  switch (kind) {
    case Kind::Constant:
    case Kind::Exponential:
      return p1 == 0;
    case Kind::Uniform:
      return p2 == 0;
    case Kind::Empirical:
      for (double v : values)
        if (v != 0) return false;
      return true;
    case Kind::Normal:
    case Kind::Lognormal:
    case Kind::Pareto:
      return false;
  }
  return false;
}

}  // namespace archsim
