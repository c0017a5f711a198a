// Zipf ranks against the exact law P(k) = (k+1)^-s / H(n, s): a chi-square statistic over
// the first ranks (plus one cell for the rest), with H computed by direct summation for
// n = 1000 and by Euler-Maclaurin for n = 1e9.
#include <doctest/doctest.h>

#include <cmath>
#include <stdexcept>
#include <vector>

#include "sim/zipf.h"

using archsim::Rng;
using archsim::ZipfSampler;

namespace {

constexpr int kDraws = 1'000'000;

double harmonic_direct(std::uint64_t n, double s) {
  long double h = 0;
  for (std::uint64_t k = n; k >= 1; --k) h += std::pow(static_cast<long double>(k), -s);  // small terms first
  return static_cast<double>(h);
}

// H(n, s) = sum_{k=1}^{M-1} k^-s + sum_{k=M}^{n} k^-s, the second sum by Euler-Maclaurin
// (integral + end-point half-weights + two Bernoulli corrections; error ~ M^(-s-5)).
double harmonic(std::uint64_t n, double s) {
  const std::uint64_t m = 10'000;
  if (n < m) return harmonic_direct(n, s);
  long double head = 0;
  for (std::uint64_t k = m - 1; k >= 1; --k) head += std::pow(static_cast<long double>(k), -s);
  const long double a = m, b = static_cast<long double>(n);
  auto f = [s](long double x) { return std::pow(x, -s); };
  auto f1 = [s](long double x) { return -s * std::pow(x, -s - 1); };
  auto f3 = [s](long double x) { return -s * (s + 1) * (s + 2) * std::pow(x, -s - 3); };
  const long double integral = std::fabs(s - 1) < 1e-15 ? std::log(b / a)
                                                        : (std::pow(b, 1 - s) - std::pow(a, 1 - s)) / (1 - s);
  const long double tail = integral + (f(a) + f(b)) / 2 + (f1(b) - f1(a)) / 12 - (f3(b) - f3(a)) / 720;
  return static_cast<double>(head + tail);
}

// Pearson's statistic over ranks 0..cells-2 and one cell for all larger ranks.
double chi_square(const std::vector<std::uint64_t>& counts, std::uint64_t n, double s, double h) {
  const std::size_t cells = counts.size();
  double chi = 0, head_p = 0;
  for (std::size_t k = 0; k + 1 < cells; ++k) {
    const double p = std::pow(static_cast<double>(k + 1), -s) / h;
    head_p += p;
    const double e = p * kDraws;
    chi += (static_cast<double>(counts[k]) - e) * (static_cast<double>(counts[k]) - e) / e;
  }
  if (cells < n + 1) {
    const double e = (1 - head_p) * kDraws;
    chi += (static_cast<double>(counts.back()) - e) * (static_cast<double>(counts.back()) - e) / e;
  }
  return chi;
}

std::vector<std::uint64_t> tally(const ZipfSampler& z, std::size_t cells, std::uint64_t seed) {
  Rng rng(seed);
  std::vector<std::uint64_t> counts(cells, 0);
  std::uint64_t out_of_range = 0;
  for (int i = 0; i < kDraws; ++i) {
    const std::uint64_t k = z.sample(rng);
    out_of_range += k >= z.n();
    ++counts[k < cells - 1 ? k : cells - 1];
  }
  CHECK(out_of_range == 0);
  return counts;
}

}  // namespace

TEST_CASE("the test's Euler-Maclaurin harmonic number agrees with direct summation") {
  for (double s : {0.5, 0.99, 1.0, 1.2})
    CHECK(harmonic(1'000'000, s) == doctest::Approx(harmonic_direct(1'000'000, s)).epsilon(1e-12));
}

TEST_CASE("zipf over 1000 keys matches the exact probabilities of the first ranks") {
  // 31 cells (30 degrees of freedom): P(chi2 > 70) < 1e-4 for a correct sampler, while an
  // exponent off by 0.01 or a rank off by one gives several hundred.
  const std::uint64_t n = 1000;
  std::uint64_t seed = 40;
  for (double s : {0.5, 0.8, 0.99, 1.0, 1.0 - 1e-12, 1.0 + 1e-9, 1.01, 1.2, 2.0, 3.5}) {
    CAPTURE(s);
    const ZipfSampler z(n, s);
    const auto counts = tally(z, 31, ++seed);
    const double h = harmonic_direct(n, s);
    CHECK(chi_square(counts, n, s, h) < 70);
    const double p0 = 1 / h;
    CHECK(std::fabs(static_cast<double>(counts[0]) / kDraws - p0) < 5 * std::sqrt(p0 * (1 - p0) / kDraws));
  }
}

TEST_CASE("exponent 0 is uniform, one key is always rank 0") {
  const ZipfSampler z(10, 0);
  const auto counts = tally(z, 11, 50);
  double chi = 0;
  for (int k = 0; k < 10; ++k) chi += std::pow(static_cast<double>(counts[static_cast<std::size_t>(k)]) - 1e5, 2) / 1e5;
  CHECK(chi < 33.7);  // 9 degrees of freedom, p = 1e-4
  CHECK(counts[10] == 0);

  Rng rng(1);
  const ZipfSampler one(1, 0.99);
  std::uint64_t nonzero = 0;
  for (int i = 0; i < 1000; ++i) nonzero += one.sample(rng) != 0;
  CHECK(nonzero == 0);
}

TEST_CASE("a billion keys: O(1) memory, head and tail probabilities still exact") {
  const std::uint64_t n = 1'000'000'000;
  for (double s : {0.99, 1.0}) {
    CAPTURE(s);
    const ZipfSampler z(n, s);
    const double h = harmonic(n, s);
    Rng rng(60);
    std::uint64_t zeros = 0, ones = 0, deep = 0, max_seen = 0;
    for (int i = 0; i < kDraws; ++i) {
      const std::uint64_t k = z.sample(rng);
      zeros += k == 0;
      ones += k == 1;
      deep += k >= 100'000'000;
      if (k > max_seen) max_seen = k;
    }
    auto near = [](std::uint64_t count, double p) {
      return std::fabs(static_cast<double>(count) / kDraws - p) < 5 * std::sqrt(p * (1 - p) / kDraws);
    };
    CHECK(near(zeros, 1 / h));
    CHECK(near(ones, std::pow(2.0, -s) / h));
    // P(rank >= 1e8) = (H(1e9) - H(1e8)) / H(1e9), about 11%: the far tail is really drawn.
    CHECK(near(deep, (h - harmonic(100'000'000, s)) / h));
    CHECK(max_seen > 900'000'000);
    CHECK(max_seen < n);
  }
}

TEST_CASE("zipf is deterministic for a seed and checks its arguments") {
  const ZipfSampler z(12345, 1.1);
  Rng a(7), b(7);
  int differ = 0;
  for (int i = 0; i < 1000; ++i) differ += z.sample(a) != z.sample(b);
  CHECK(differ == 0);
  CHECK_THROWS_AS(ZipfSampler(0, 1.0), std::invalid_argument);
  CHECK_THROWS_AS(ZipfSampler(10, -0.5), std::invalid_argument);
  CHECK_THROWS_AS(ZipfSampler(10, std::nan("")), std::invalid_argument);
}
