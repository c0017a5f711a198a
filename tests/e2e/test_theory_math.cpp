// The closed forms of theory.h checked against independent facts (textbook special cases,
// direct sums, numerical integration), so that a slip in the reference cannot make a wrong
// engine pass. These tests do not run archsim.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "tests/e2e/theory.h"

namespace t = archsim::theory;

TEST_CASE("theory: M/M/1 closed forms") {
  CHECK(t::mm1_mean_sojourn(80, 100) == doctest::Approx(0.050));
  CHECK(t::mm1_sojourn_quantile(80, 100, 0.5) == doctest::Approx(std::log(2.0) / 20));
  CHECK(t::mm1_sojourn_quantile(80, 100, 0.99) == doctest::Approx(std::log(100.0) / 20));
  CHECK(t::mm1_mean_in_system(80, 100) == doctest::Approx(4.0));
  CHECK_THROWS(t::mm1_mean_sojourn(100, 100));
}

TEST_CASE("theory: Erlang C against the direct sum and known cases") {
  // M/M/2 at rho 0.5: P(wait) = 2 rho^2 / (1 + rho) = 1/3.
  CHECK(t::erlang_c(2, 1.0) == doctest::Approx(1.0 / 3));
  // c = 1: P(wait) = rho.
  CHECK(t::erlang_c(1, 0.7) == doctest::Approx(0.7));
  // The textbook sum: C = (a^c/c!) (c/(c-a)) / (sum_{k<c} a^k/k! + (a^c/c!) (c/(c-a))).
  for (int c : {2, 3, 4, 8, 16, 50}) {
    for (double rho : {0.3, 0.8, 0.95}) {
      const double a = rho * c;
      double sum = 0, term = 1;
      for (int k = 0; k < c; ++k) {
        sum += term;
        term *= a / (k + 1);
      }
      const double top = term * c / (c - a);
      CAPTURE(c);
      CAPTURE(rho);
      CHECK(t::erlang_c(c, a) == doctest::Approx(top / (sum + top)).epsilon(1e-10));
    }
  }
  const auto m = t::mmc(4, 320, 100);
  CHECK(m.utilization == doctest::Approx(0.8));
  CHECK(m.mean_in_system == doctest::Approx(m.mean_queue + 320 / 100.0));  // L = Lq + a
}

TEST_CASE("theory: M/M/c sojourn distribution") {
  // c = 1 is M/M/1.
  for (double q : {0.1, 0.5, 0.9, 0.99, 0.999})
    CHECK(t::mmc_sojourn_quantile(1, 80, 100, q) == doctest::Approx(t::mm1_sojourn_quantile(80, 100, q)).epsilon(1e-8));
  // The tail integrates to the mean sojourn (trapezoid rule, fine steps).
  for (int c : {2, 4, 8}) {
    const double lambda = 80.0 * c, mu = 100, dt = 1e-5;
    double integral = 0;
    for (double x = 0; x < 2.0; x += dt)
      integral += 0.5 * dt * (t::mmc_sojourn_tail(c, lambda, mu, x) + t::mmc_sojourn_tail(c, lambda, mu, x + dt));
    CAPTURE(c);
    CHECK(integral == doctest::Approx(t::mmc(c, lambda, mu).mean_sojourn).epsilon(1e-6));
  }
  // gamma = c mu - lambda equal to mu: the (1 + mu t) e^{-mu t} branch is continuous.
  CHECK(t::mmc_sojourn_tail(2, 100, 100, 0.01) ==
        doctest::Approx(t::mmc_sojourn_tail(2, 100 * (1 + 1e-7), 100, 0.01)).epsilon(1e-5));
}

TEST_CASE("theory: M/D/1 waiting-time distribution") {
  const double lambda = 80, d = 0.010, rho = 0.8;
  CHECK(t::md1_mean_sojourn(lambda, d) == doctest::Approx(0.030));
  CHECK(t::md1_wait_cdf(lambda, d, 0) == doctest::Approx(1 - rho));
  // Between 0 and d only the k = 0 term is present: (1 - rho) e^{lambda t}.
  CHECK(t::md1_wait_cdf(lambda, d, 0.005) == doctest::Approx((1 - rho) * std::exp(0.4)));
  CHECK(t::md1_wait_cdf(lambda, d, d) == doctest::Approx((1 - rho) * std::exp(rho)));
  // Non-decreasing, tends to 1, and integrates to the Pollaczek-Khinchine mean.
  double prev = 0, integral = 0;
  const double dt = 1e-5;
  for (double x = 0; x < 0.6; x += dt) {
    const double f = t::md1_wait_cdf(lambda, d, x);
    if (f < prev - 1e-12) {
      FAIL_CHECK("cdf decreases at t = ", x, ": ", prev, " -> ", f);
      break;
    }
    prev = f;
    integral += dt * (1 - 0.5 * (f + t::md1_wait_cdf(lambda, d, x + dt)));
  }
  CHECK(prev == doctest::Approx(1).epsilon(1e-6));
  CHECK(integral == doctest::Approx(t::md1_mean_wait(lambda, d)).epsilon(1e-4));
  // Erlang's sum hands over to the exponential tail at lambda t = 10: two independent
  // formulas, which must meet there (compared on the tail, 1 - F).
  for (double r : {0.2, 0.5, 0.8, 0.95}) {
    const double l = r / d, at = 10 / l;
    CAPTURE(r);
    CHECK(1 - t::md1_wait_cdf(l, d, at * (1 - 1e-12)) ==
          doctest::Approx(1 - t::md1_wait_cdf(l, d, at * (1 + 1e-12))).epsilon(1e-6));
  }
  CHECK(t::md1_sojourn_quantile(lambda, d, 0.1) == doctest::Approx(d));  // P(no wait) = 0.2
}

TEST_CASE("theory: E_k/M/1") {
  // k = 1 is M/M/1: sigma = rho.
  CHECK(t::ekm1_sigma(1, 80, 100) == doctest::Approx(0.8));
  CHECK(t::ekm1_mean_sojourn(1, 80, 100) == doctest::Approx(0.050));
  // sigma solves its equation, and smoother arrivals mean less waiting than Poisson.
  const double s = t::ekm1_sigma(8, 640, 100);
  CHECK(s == doctest::Approx(std::pow(640 / (640 + 100 * (1 - s)), 8)).epsilon(1e-12));
  CHECK(s < 0.8);
  CHECK(t::ekm1_mean_sojourn(8, 640, 100) < t::mm1_mean_sojourn(80, 100));
  CHECK(t::ekm1_mean_sojourn(8, 640, 100) > t::mmc(8, 640, 100).mean_sojourn);
}

TEST_CASE("theory: mean value analysis against the product form") {
  const double s = 0.010, z = 0.200;
  // One user never queues.
  const auto one = t::mva_single_server(1, s, z);
  CHECK(one.response_time == doctest::Approx(s));
  CHECK(one.throughput == doctest::Approx(1 / (s + z)));
  for (int c : {1, 2, 4}) {
    for (int n : {1, 2, 5, 20, 50, 100}) {
      // Product form of a delay station and a c-server station:
      // P(j at the station) ~ Z^{n-j}/(n-j)! * s^j / prod_{i<=j} min(i, c).
      std::vector<double> w(n + 1);
      for (int j = 0; j <= n; ++j) {
        double lw = (n - j) * std::log(z) - std::lgamma(n - j + 1.0) + j * std::log(s);
        for (int i = 1; i <= j; ++i) lw -= std::log(std::min(i, c));
        w[j] = lw;
      }
      const double mx = *std::max_element(w.begin(), w.end());
      double norm = 0, x = 0, q = 0;
      for (int j = 0; j <= n; ++j) norm += std::exp(w[j] - mx);
      for (int j = 0; j <= n; ++j) {
        const double p = std::exp(w[j] - mx) / norm;
        x += p * std::min(j, c) / s;
        q += p * j;
      }
      const auto m = t::mva_multi_server(n, c, s, z);
      CAPTURE(c);
      CAPTURE(n);
      CHECK(m.throughput == doctest::Approx(x).epsilon(1e-9));
      CHECK(m.queue_length == doctest::Approx(q).epsilon(1e-9));
      CHECK(n == doctest::Approx(m.throughput * (m.response_time + z)).epsilon(1e-12));  // Little
      if (c == 1) {
        const auto single = t::mva_single_server(n, s, z);
        CHECK(single.throughput == doctest::Approx(m.throughput).epsilon(1e-12));
        CHECK(single.response_time == doctest::Approx(m.response_time).epsilon(1e-12));
      }
    }
  }
}
