#include "sim/zipf.h"

#include <cmath>
#include <stdexcept>
#include <string>

namespace archsim {

namespace {

// Below this |t| the series are exact to double precision and avoid 0/0 at s = 1.
constexpr double kSeriesThreshold = 1e-8;

// log(1 + t) / t, t >= -1.
double log1p_over(double t) {
  if (std::fabs(t) > kSeriesThreshold) return std::log1p(t) / t;
  return 1.0 - t * (0.5 - t * (1.0 / 3.0 - 0.25 * t));
}

// (e^t - 1) / t.
double expm1_over(double t) {
  if (std::fabs(t) > kSeriesThreshold) return std::expm1(t) / t;
  return 1.0 + 0.5 * t * (1.0 + t / 3.0 * (1.0 + 0.25 * t));
}

}  // namespace

ZipfSampler::ZipfSampler(std::uint64_t n, double s) : n_(n), s_(s) {
  if (n == 0) throw std::invalid_argument("zipf needs at least one key");
  if (!std::isfinite(s) || s < 0)
    throw std::invalid_argument("zipf exponent must be a finite number >= 0 (got " + std::to_string(s) + ")");
  if (s_ == 0) return;
  h_x1_ = H(1.5) - 1.0;
  h_n_ = H(static_cast<double>(n_) + 0.5);
  squeeze_ = 2.0 - H_inverse(H(2.5) - h(2.0));
}

double ZipfSampler::h(double x) const { return std::exp(-s_ * std::log(x)); }

// (x^(1-s) - 1) / (1 - s) written as log(x) * (e^{(1-s) log x} - 1) / ((1-s) log x).
double ZipfSampler::H(double x) const {
  const double lx = std::log(x);
  return expm1_over((1.0 - s_) * lx) * lx;
}

double ZipfSampler::H_inverse(double y) const {
  double t = y * (1.0 - s_);
  if (t < -1.0) t = -1.0;  // rounding can push y just past the range of H
  return std::exp(log1p_over(t) * y);
}

std::uint64_t ZipfSampler::sample(Rng& rng) const {
  if (s_ == 0) return rng.below(n_);
  const double nd = static_cast<double>(n_);
  for (;;) {
    // y uniform on (H(1.5) - 1, H(n + 0.5)]: the hat's area, with rank 1 widened to area
    // h(1) so that it is always accepted.
    const double y = h_n_ + rng.uniform() * (h_x1_ - h_n_);
    const double x = H_inverse(y);
    double kd = std::floor(x + 0.5);
    if (kd < 1.0) kd = 1.0;
    if (kd > nd) kd = nd;
    // Accept when y lies under h(k) within k's cell; the squeeze decides most draws
    // without evaluating H (Hörmann & Derflinger, Theorem 2, holds for every s > 0).
    if (kd - x <= squeeze_ || y >= H(kd + 0.5) - h(kd)) return static_cast<std::uint64_t>(kd) - 1;
  }
}

}  // namespace archsim
