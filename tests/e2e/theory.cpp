#include "tests/e2e/theory.h"

#include <cmath>
#include <stdexcept>
#include <string>

namespace archsim::theory {
namespace {

void require_stable(double rho, const char* what) {
  if (!(rho > 0 && rho < 1))
    throw std::invalid_argument(std::string(what) + ": utilization " + std::to_string(rho) + " is not in (0, 1)");
}

void require_quantile(double q) {
  if (!(q >= 0 && q < 1)) throw std::invalid_argument("quantile must be in [0, 1)");
}

// Smallest t with cdf(t) >= q for a continuous non-decreasing cdf; bisection is plenty
// fast for a test and needs no derivative.
template <class Cdf>
double invert_cdf(Cdf cdf, double q, double hi) {
  double lo = 0;
  while (cdf(hi) < q) hi *= 2;
  for (int i = 0; i < 200 && hi - lo > 1e-12 * hi; ++i) {
    double mid = 0.5 * (lo + hi);
    if (cdf(mid) < q)
      lo = mid;
    else
      hi = mid;
  }
  return 0.5 * (lo + hi);
}

}  // namespace

double mm1_mean_sojourn(double lambda, double mu) {
  require_stable(lambda / mu, "M/M/1");
  return 1.0 / (mu - lambda);
}

double mm1_sojourn_quantile(double lambda, double mu, double q) {
  require_stable(lambda / mu, "M/M/1");
  require_quantile(q);
  return -std::log1p(-q) / (mu - lambda);
}

double mm1_mean_in_system(double lambda, double mu) {
  const double rho = lambda / mu;
  require_stable(rho, "M/M/1");
  return rho / (1 - rho);
}

double erlang_c(int c, double a) {
  if (c < 1) throw std::invalid_argument("Erlang C needs c >= 1");
  require_stable(a / c, "M/M/c");
  double b = 1;  // Erlang B with 0 servers
  for (int k = 1; k <= c; ++k) b = a * b / (k + a * b);
  const double rho = a / c;
  return b / (1 - rho * (1 - b));
}

double erlang_b(int c, double a) {
  if (c < 0) throw std::invalid_argument("Erlang B needs c >= 0");
  // The sum form, term by term (a^k / k! built incrementally), not the recursion analyze uses.
  double term = 1, sum = 1;
  for (int k = 1; k <= c; ++k) {
    term *= a / k;
    sum += term;
  }
  return term / sum;
}

MMc mmc(int c, double lambda, double mu) {
  const double a = lambda / mu;
  MMc r{};
  r.utilization = a / c;
  r.wait_probability = erlang_c(c, a);
  r.mean_wait = r.wait_probability / (c * mu - lambda);
  r.mean_sojourn = r.mean_wait + 1 / mu;
  r.mean_queue = lambda * r.mean_wait;
  r.mean_in_system = lambda * r.mean_sojourn;
  return r;
}

double mmc_sojourn_tail(int c, double lambda, double mu, double t) {
  const double pw = erlang_c(c, lambda / mu);
  const double g = c * mu - lambda;  // rate of the conditional wait
  double both;                       // P(Exp(mu) + Exp(g) > t)
  if (std::fabs(g - mu) < 1e-9 * mu)
    both = (1 + mu * t) * std::exp(-mu * t);
  else
    both = (g * std::exp(-mu * t) - mu * std::exp(-g * t)) / (g - mu);
  return (1 - pw) * std::exp(-mu * t) + pw * both;
}

double mmc_sojourn_quantile(int c, double lambda, double mu, double q) {
  require_quantile(q);
  return invert_cdf([&](double t) { return 1 - mmc_sojourn_tail(c, lambda, mu, t); }, q, 1 / mu);
}

double md1_mean_wait(double lambda, double d) {
  const double rho = lambda * d;
  require_stable(rho, "M/D/1");
  return rho * d / (2 * (1 - rho));
}

double md1_mean_sojourn(double lambda, double d) { return md1_mean_wait(lambda, d) + d; }

namespace {

// Erlang's alternating sum in long double. Its terms reach about e^{2 lambda t}, so with a
// 64-bit mantissa (1e-19) the result keeps ~1e-10 absolute accuracy up to lambda t = 10.
double md1_wait_cdf_erlang(double lambda, double d, double t) {
  const int n = static_cast<int>(std::floor(t / d));
  long double sum = 0;
  for (int k = 0; k <= n; ++k) {
    const long double x = static_cast<long double>(lambda) * (k * static_cast<long double>(d) - t);  // <= 0
    long double term = std::exp(-x);
    for (int i = 1; i <= k; ++i) term *= x / i;
    sum += term;
  }
  return static_cast<double>((1 - lambda * d) * sum);
}

// The Cramer-Lundberg tail of the M/G/1 wait, exact up to terms that decay faster:
// P(Wq > t) ~ (1 - rho) / (lambda E[S e^{g S}] - 1) e^{-g t}, with g > 0 the root of
// lambda (E[e^{g S}] - 1) = g; for constant S = d, E[e^{g S}] = e^{g d}. The next poles of the
// transform lie at g d >= ln(2 pi / rho), so from lambda t = 10 (t/d = 10/rho) on the
// neglected terms are below 1e-9 of the tail for every rho.
double md1_wait_tail_asymptotic(double lambda, double d, double t) {
  double lo = 1e-12 / d, hi = 1.0 / d;
  auto f = [&](double g) { return lambda * std::expm1(g * d) - g; };  // < 0 between 0 and the root
  while (f(hi) < 0) hi *= 2;
  for (int i = 0; i < 200; ++i) {
    const double mid = 0.5 * (lo + hi);
    if (f(mid) < 0)
      lo = mid;
    else
      hi = mid;
  }
  const double g = 0.5 * (lo + hi);
  return (1 - lambda * d) / (lambda * d * std::exp(g * d) - 1) * std::exp(-g * t);
}

}  // namespace

double md1_wait_cdf(double lambda, double d, double t) {
  require_stable(lambda * d, "M/D/1");
  if (t < 0) return 0;
  if (lambda * t <= 10) return md1_wait_cdf_erlang(lambda, d, t);
  return 1 - md1_wait_tail_asymptotic(lambda, d, t);
}

double md1_sojourn_quantile(double lambda, double d, double q) {
  require_quantile(q);
  const double rho = lambda * d;
  require_stable(rho, "M/D/1");
  if (q <= 1 - rho) return d;  // no wait with probability 1 - rho
  return d + invert_cdf([&](double t) { return md1_wait_cdf(lambda, d, t); }, q, d);
}

double ekm1_sigma(int k, double lambda_total, double mu) {
  if (k < 1) throw std::invalid_argument("E_k/M/1 needs k >= 1");
  require_stable(lambda_total / (k * mu), "E_k/M/1");
  // sigma -> A*(mu (1 - sigma)) increases from sigma = 0 to the smallest root in (0, 1).
  double s = 0;
  for (int i = 0; i < 1000000; ++i) {
    const double next = std::pow(lambda_total / (lambda_total + mu * (1 - s)), k);
    if (std::fabs(next - s) < 1e-15) return next;
    s = next;
  }
  return s;
}

double ekm1_mean_sojourn(int k, double lambda_total, double mu) {
  return 1 / (mu * (1 - ekm1_sigma(k, lambda_total, mu)));
}

double ekm1_sojourn_quantile(int k, double lambda_total, double mu, double q) {
  require_quantile(q);
  return -std::log1p(-q) * ekm1_mean_sojourn(k, lambda_total, mu);
}

Mva mva_single_server(int users, double s, double think) {
  if (users < 1) throw std::invalid_argument("MVA needs at least one user");
  double q = 0, x = 0, r = 0;
  for (int n = 1; n <= users; ++n) {
    r = s * (1 + q);
    x = n / (think + r);
    q = x * r;
  }
  return {x, r, q, x * s};
}

Mva mva_multi_server(int users, int c, double s, double think) {
  if (users < 1 || c < 1) throw std::invalid_argument("MVA needs users >= 1 and c >= 1");
  // p[j] = P(j users at the station | n users in the network), from the n - 1 row.
  std::vector<double> p(users + 1, 0.0), prev(users + 1, 0.0);
  prev[0] = 1;
  double x = 0, r = 0;
  for (int n = 1; n <= users; ++n) {
    r = 0;
    for (int j = 1; j <= n; ++j) r += j * s / std::min(j, c) * prev[j - 1];
    x = n / (think + r);
    double rest = 0;
    for (int j = 1; j <= n; ++j) {
      p[j] = x * s / std::min(j, c) * prev[j - 1];
      rest += p[j];
    }
    p[0] = 1 - rest;
    prev = p;
  }
  return {x, r, x * r, x * s / c};
}

}  // namespace archsim::theory
