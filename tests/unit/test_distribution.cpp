// Distribution sampling against the analytic laws: sample moments and quantiles from 1e6
// draws must fall within a few standard errors of the textbook values (standard errors
// computed from the law itself), and shape checks (tail and CDF points) tell a truncated
// normal from a clamped one and an exponential from any other law with the same mean.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <vector>

#include "sim/distribution.h"
#include "sim/exponential.h"

using archsim::Distribution;
using archsim::Rng;

namespace {

constexpr int kDraws = 1'000'000;

struct Moments {
  double mean = 0, var = 0;
};

std::vector<double> draw(const Distribution& d, std::uint64_t seed, int n = kDraws) {
  Rng rng(seed);
  std::vector<double> xs(static_cast<std::size_t>(n));
  for (auto& x : xs) x = d.sample(rng);
  return xs;
}

Moments moments(const std::vector<double>& xs) {
  long double s = 0;
  for (double x : xs) s += x;
  const long double m = s / static_cast<long double>(xs.size());
  long double ss = 0;
  for (double x : xs) ss += (x - m) * (x - m);
  return {static_cast<double>(m), static_cast<double>(ss / static_cast<long double>(xs.size() - 1))};
}

double fraction_at_most(const std::vector<double>& xs, double t) {
  return static_cast<double>(std::count_if(xs.begin(), xs.end(), [t](double x) { return x <= t; })) /
         static_cast<double>(xs.size());
}

// Nearest-rank empirical quantile (sorts a copy).
double quantile(std::vector<double> xs, double p) {
  const auto k = static_cast<std::size_t>(std::ceil(p * static_cast<double>(xs.size()))) - 1;
  std::nth_element(xs.begin(), xs.begin() + static_cast<std::ptrdiff_t>(k), xs.end());
  return xs[k];
}

// Standard error of a binomial proportion p estimated from kDraws draws.
double prop_se(double p) { return std::sqrt(p * (1 - p) / kDraws); }

bool all_nonnegative(const std::vector<double>& xs) {
  return std::all_of(xs.begin(), xs.end(), [](double x) { return x >= 0; });
}

// Tabulated standard normal values (Abramowitz & Stegun, table 26.1).
constexpr double kPhi1 = 0.24197072451914337;     // density at 1
constexpr double kPhi2 = 0.05399096651318806;     // density at 2
constexpr double kCdfMinus1 = 0.15865525393145705;
constexpr double kCdfMinus2 = 0.022750131948179195;

}  // namespace

TEST_CASE("constant returns its value and rounds to the nearest nanosecond") {
  Rng rng(1);
  const auto d = Distribution::constant(5e6);
  for (int i = 0; i < 100; ++i) CHECK(d.sample(rng) == 5e6);
  CHECK(d.mean() == 5e6);
  CHECK(d.scv() == 0);
  CHECK_FALSE(d.is_constant_zero());
  CHECK(Distribution::constant(2.5).sample_time(rng) == 3);
  CHECK(Distribution::constant(2.4999).sample_time(rng) == 2);
  CHECK(Distribution::constant(0).sample_time(rng) == 0);
  CHECK(Distribution::constant(0).is_constant_zero());
}

TEST_CASE("exponential: mean, variance and tail of the exponential law") {
  const double m = 10e6;  // 10 ms in ns
  const auto d = Distribution::exponential(m);
  const auto xs = draw(d, 11);
  CHECK(all_nonnegative(xs));
  const auto mo = moments(xs);
  // SE of the mean is m / sqrt(n); SE of var / m^2 is sqrt(8 / n) ~ 0.0028.
  CHECK(std::fabs(mo.mean - m) < 4 * m / std::sqrt(kDraws));
  CHECK(std::fabs(mo.var / (m * m) - 1.0) < 0.012);
  // Memorylessness shows in the tail: P(X > 3m) = e^-3.
  const double tail = 1.0 - fraction_at_most(xs, 3 * m);
  CHECK(std::fabs(tail - std::exp(-3.0)) < 5 * prop_se(std::exp(-3.0)));
  CHECK(d.mean() == m);
  CHECK(d.scv() == 1.0);
  CHECK(Distribution::exponential(0).is_constant_zero());
}

TEST_CASE("uniform: bounds, mean and variance (b - a)^2 / 12") {
  const auto d = Distribution::uniform(2, 6);
  const auto xs = draw(d, 12);
  CHECK(*std::min_element(xs.begin(), xs.end()) >= 2);
  CHECK(*std::max_element(xs.begin(), xs.end()) < 6);
  const auto mo = moments(xs);
  const double var = 16.0 / 12.0;
  CHECK(std::fabs(mo.mean - 4) < 4 * std::sqrt(var / kDraws));
  CHECK(std::fabs(mo.var - var) < 0.01);
  CHECK(d.mean() == doctest::Approx(4));
  CHECK(d.scv() == doctest::Approx(var / 16.0));
  CHECK(Distribution::uniform(0, 0).is_constant_zero());
}

TEST_CASE("normal is truncated at 0 by resampling, which keeps the shape") {
  SUBCASE("mean 1, stddev 1: the law of X | X >= 0") {
    // Truncated at a = -1: lambda = phi(1) / Phi(1); mean = 1 + lambda;
    // variance = 1 + a * lambda - lambda^2.
    const double lambda = kPhi1 / (1 - kCdfMinus1);
    const double mean = 1 + lambda;
    const double var = 1 - lambda - lambda * lambda;
    const auto d = Distribution::normal(1, 1);
    CHECK(d.mean() == doctest::Approx(mean).epsilon(1e-12));
    CHECK(d.scv() == doctest::Approx(var / (mean * mean)).epsilon(1e-9));
    const auto xs = draw(d, 13);
    CHECK(all_nonnegative(xs));
    const auto mo = moments(xs);
    CHECK(std::fabs(mo.mean - mean) < 4 * std::sqrt(var / kDraws));
    CHECK(std::fabs(mo.var - var) < 0.005);
    // P(X <= 1 | X >= 0) = (1/2 - Phi(-1)) / Phi(1); clamping would put Phi(-1) at 0 and
    // give 1/2 here instead of 0.4057.
    const double p = (0.5 - kCdfMinus1) / (1 - kCdfMinus1);
    CHECK(std::fabs(fraction_at_most(xs, 1.0) - p) < 5 * prop_se(p));
    CHECK(fraction_at_most(xs, 0.0) < 1e-5);
  }
  SUBCASE("mean far above 0: the plain normal") {
    const auto d = Distribution::normal(1000, 10);
    const auto xs = draw(d, 14);
    const auto mo = moments(xs);
    CHECK(std::fabs(mo.mean - 1000) < 4 * 10 / std::sqrt(kDraws));
    CHECK(std::fabs(std::sqrt(mo.var) - 10) < 0.05);
    CHECK(std::fabs(fraction_at_most(xs, 1010) - (1 - kCdfMinus1)) < 5 * prop_se(kCdfMinus1));
    CHECK(std::fabs(fraction_at_most(xs, 980) - kCdfMinus2) < 5 * prop_se(kCdfMinus2));
    CHECK(d.mean() == doctest::Approx(1000).epsilon(1e-12));
    CHECK(d.scv() == doctest::Approx(1e-4).epsilon(1e-9));
  }
  SUBCASE("negative mean: only the upper tail remains") {
    // Truncated at a = 2: lambda = phi(2) / (1 - Phi(2)).
    const double lambda = kPhi2 / kCdfMinus2;
    const double mean = -2 + lambda;
    const double var = 1 + 2 * lambda - lambda * lambda;
    const auto d = Distribution::normal(-2, 1);
    CHECK(d.mean() == doctest::Approx(mean).epsilon(1e-9));
    CHECK(d.scv() == doctest::Approx(var / (mean * mean)).epsilon(1e-6));
    const auto xs = draw(d, 15);
    CHECK(all_nonnegative(xs));
    const auto mo = moments(xs);
    CHECK(std::fabs(mo.mean - mean) < 4 * std::sqrt(var / kDraws));
    CHECK(std::fabs(mo.var - var) < 0.002);
  }
  SUBCASE("far tail (mean -40 stddev): sampling stays fast and matches the mean") {
    const auto d = Distribution::normal(-40, 1);
    // Mills-ratio asymptotics: mean ~ 1/a - 2/a^3, stddev ~ 1/a.
    CHECK(d.mean() == doctest::Approx(1.0 / 40 - 2.0 / (40.0 * 40 * 40)).epsilon(1e-4));
    const auto xs = draw(d, 16, 200'000);
    CHECK(all_nonnegative(xs));
    CHECK(std::fabs(moments(xs).mean - d.mean()) < 5 * (1.0 / 40) / std::sqrt(200'000.0));
  }
  CHECK(Distribution::normal(5, 0).kind == Distribution::Kind::Constant);
  CHECK(Distribution::normal(-5, 0).is_constant_zero());
}

TEST_CASE("lognormal from median and p99 reproduces both quantiles") {
  const double median = 10e6, p99 = 100e6;
  const auto d = Distribution::lognormal_median_p99(median, p99);
  const double sigma = std::log(p99 / median) / 2.3263478740408408;
  CHECK(d.p2 == doctest::Approx(sigma).epsilon(1e-14));
  const auto xs = draw(d, 17);
  CHECK(all_nonnegative(xs));
  // SE of the sample median ~ 0.06% here, of the sample p99 ~ 0.4%.
  CHECK(quantile(xs, 0.5) == doctest::Approx(median).epsilon(0.005));
  CHECK(quantile(xs, 0.99) == doctest::Approx(p99).epsilon(0.02));
  const double mean = median * std::exp(0.5 * sigma * sigma);
  const double scv = std::exp(sigma * sigma) - 1;
  CHECK(d.mean() == doctest::Approx(mean).epsilon(1e-12));
  CHECK(d.scv() == doctest::Approx(scv).epsilon(1e-12));
  CHECK(std::fabs(moments(xs).mean - mean) < 4 * mean * std::sqrt(scv / kDraws));
}

TEST_CASE("lognormal from mean and stddev has that mean and stddev") {
  const auto d = Distribution::lognormal_mean_stddev(20, 20);
  CHECK(d.mean() == doctest::Approx(20).epsilon(1e-12));
  CHECK(d.scv() == doctest::Approx(1).epsilon(1e-12));
  const auto xs = draw(d, 18);
  const auto mo = moments(xs);
  CHECK(std::fabs(mo.mean - 20) < 4 * 20 / std::sqrt(kDraws));
  // The sample stddev of this lognormal (kurtosis 41) has SE ~ 0.3%.
  CHECK(std::sqrt(mo.var) == doctest::Approx(20).epsilon(0.02));
  // Its median is mean / sqrt(1 + cv^2).
  CHECK(quantile(xs, 0.5) == doctest::Approx(20 / std::sqrt(2.0)).epsilon(0.005));
  Rng rng(1);
  CHECK(Distribution::lognormal_mean_stddev(7, 0).sample(rng) == 7);
}

TEST_CASE("pareto type I: support, mean, tail and median") {
  const auto d = Distribution::pareto(1, 3);
  const auto xs = draw(d, 19);
  CHECK(*std::min_element(xs.begin(), xs.end()) >= 1);
  const auto mo = moments(xs);
  // mean = a x_m / (a - 1) = 1.5, variance = x_m^2 a / ((a-1)^2 (a-2)) = 0.75.
  CHECK(std::fabs(mo.mean - 1.5) < 4 * std::sqrt(0.75 / kDraws));
  CHECK(std::fabs((1 - fraction_at_most(xs, 2.0)) - 0.125) < 5 * prop_se(0.125));
  CHECK(quantile(xs, 0.5) == doctest::Approx(std::pow(2.0, 1.0 / 3)).epsilon(0.003));
  CHECK(d.mean() == doctest::Approx(1.5));
  CHECK(d.scv() == doctest::Approx(1.0 / 3));
  CHECK(std::isinf(Distribution::pareto(1, 1).mean()));
  CHECK(std::isinf(Distribution::pareto(2, 1.5).scv()));
  CHECK(Distribution::pareto(2, 1.5).mean() == doctest::Approx(6));
}

TEST_CASE("sample_time saturates instead of overflowing on a heavy tail") {
  const auto d = Distribution::pareto(1e18, 0.05);
  Rng rng(20);
  int below_scale = 0, saturated = 0;
  for (int i = 0; i < 10'000; ++i) {
    const auto t = d.sample_time(rng);
    below_scale += t < 1'000'000'000'000'000'000;
    saturated += t == archsim::kTimeMax;
  }
  CHECK(below_scale == 0);
  // P(X > 9.2e18) = (1e18 / 9.2e18)^0.05 = 0.895: most draws saturate.
  CHECK(saturated == doctest::Approx(8950).epsilon(0.03));
}

TEST_CASE("empirical draws each value equally often") {
  const auto d = Distribution::empirical({1, 2, 3, 10});
  const auto xs = draw(d, 21);
  for (double v : {1.0, 2.0, 3.0, 10.0}) {
    const double f = static_cast<double>(std::count(xs.begin(), xs.end(), v)) / kDraws;
    CHECK(std::fabs(f - 0.25) < 5 * prop_se(0.25));
  }
  CHECK(std::count_if(xs.begin(), xs.end(), [](double x) { return x != 1 && x != 2 && x != 3 && x != 10; }) == 0);
  CHECK(d.mean() == 4);
  CHECK(d.scv() == doctest::Approx(12.5 / 16));  // population variance 12.5
  CHECK(Distribution::empirical({0, 0}).is_constant_zero());
  CHECK_FALSE(Distribution::empirical({0, 1}).is_constant_zero());
}

TEST_CASE("the same seed gives the same samples, another seed others") {
  const Distribution ds[] = {Distribution::exponential(3), Distribution::uniform(1, 2),
                             Distribution::normal(1, 2),   Distribution::lognormal_median_p99(1, 5),
                             Distribution::pareto(1, 2),   Distribution::empirical({1, 2, 3})};
  for (const auto& d : ds) {
    Rng a(99), b(99), c(100);
    bool any_differs = false;
    for (int i = 0; i < 100; ++i) {
      const double x = d.sample(a);
      CHECK(x == d.sample(b));
      any_differs |= x != d.sample(c);
    }
    CHECK(any_differs);
  }
}

TEST_CASE("sample_time_keyed(seed) is sample_time(Rng(seed)), off the exponential's fast path too") {
  const Distribution ds[] = {Distribution::constant(7.4),      Distribution::exponential(3e6),
                             Distribution::uniform(1, 2),      Distribution::normal(1, 2),
                             Distribution::lognormal_median_p99(1e6, 5e6), Distribution::pareto(1, 2),
                             Distribution::empirical({1, 2, 3})};
  for (const auto& d : ds) {
    Rng seeds(11);
    bool same = true;
    for (int i = 0; i < 100'000; ++i) {  // about 1,100 exponential draws leave the fast path
      const std::uint64_t seed = seeds.next();
      Rng r(seed);
      same = same && d.sample_time_keyed(seed) == d.sample_time(r);
    }
    CHECK(same);
  }
  // A seed whose exponential draw leaves the fast path: the late-built generator must go on
  // where the first draw left it.
  const Distribution e = Distribution::exponential(1e9);
  const auto& z = archsim::detail::exp_ziggurat();
  Rng seeds(12);
  int slow = 0;
  for (int i = 0; i < 100'000 && slow < 50; ++i) {
    const std::uint64_t seed = seeds.next();
    const std::uint64_t u = Rng::first_output(seed);
    if ((u >> 11) < z.k[u & 255]) continue;
    ++slow;
    Rng r(seed);
    CHECK(e.sample_time_keyed(seed) == e.sample_time(r));
  }
  CHECK(slow == 50);
}

TEST_CASE("invalid parameters are refused with a reason") {
  const double nan = std::nan("");
  CHECK_THROWS_AS(Distribution::constant(-1), std::invalid_argument);
  CHECK_THROWS_AS(Distribution::exponential(nan), std::invalid_argument);
  CHECK_THROWS_AS(Distribution::exponential(-1), std::invalid_argument);
  CHECK_THROWS_AS(Distribution::uniform(3, 2), std::invalid_argument);
  CHECK_THROWS_AS(Distribution::uniform(-1, 2), std::invalid_argument);
  CHECK_THROWS_AS(Distribution::normal(0, -1), std::invalid_argument);
  CHECK_THROWS_AS(Distribution::lognormal_median_p99(10, 5), std::invalid_argument);
  CHECK_THROWS_AS(Distribution::lognormal_median_p99(10, 10), std::invalid_argument);
  CHECK_THROWS_AS(Distribution::lognormal_median_p99(0, 5), std::invalid_argument);
  CHECK_THROWS_AS(Distribution::lognormal_mean_stddev(0, 1), std::invalid_argument);
  CHECK_THROWS_AS(Distribution::pareto(0, 1), std::invalid_argument);
  CHECK_THROWS_AS(Distribution::pareto(1, 0), std::invalid_argument);
  CHECK_THROWS_AS(Distribution::empirical({}), std::invalid_argument);
  CHECK_THROWS_AS(Distribution::empirical({1, -1}), std::invalid_argument);
  CHECK_THROWS_WITH(Distribution::lognormal_median_p99(10, 5),
                    doctest::Contains("0 < median < p99"));
}
