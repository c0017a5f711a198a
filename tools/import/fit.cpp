#include "tools/import/fit.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>

#include "tools/import/quantity.h"

namespace archsim::import {

namespace {

constexpr double kZ99 = 2.3263478740408408;  // the standard normal's 99th percentile
constexpr double kEmpiricalAbove = 0.1;

double phi(double z) { return 0.5 * std::erfc(-z / std::sqrt(2.0)); }

double exp_cdf(double x, const double* p) { return x <= 0 ? 0 : 1 - std::exp(-x / p[0]); }
double lognormal_cdf(double x, const double* p) { return x <= 0 ? 0 : phi((std::log(x) - p[0]) / p[1]); }
// archsim's normal is truncated at 0: the law of N(m, s) given that it is >= 0.
double normal_cdf(double x, const double* p) {
  if (x <= 0) return 0;
  const double below = phi(-p[0] / p[1]);
  return (phi((x - p[0]) / p[1]) - below) / (1 - below);
}
double uniform_cdf(double x, const double* p) { return x <= p[0] ? 0 : x >= p[1] ? 1 : (x - p[0]) / (p[1] - p[0]); }
double pareto_cdf(double x, const double* p) { return x <= p[0] ? 0 : 1 - std::pow(p[0] / x, p[1]); }

double quantile(const std::vector<double>& sorted, double q) {
  const double pos = q * static_cast<double>(sorted.size() - 1);
  const auto i = static_cast<std::size_t>(pos);
  const double f = pos - static_cast<double>(i);
  return i + 1 < sorted.size() ? sorted[i] * (1 - f) + sorted[i + 1] * f : sorted.back();
}

std::string text(double s) { return seconds_text(s); }

}  // namespace

double ks_distance(const std::vector<double>& sorted, double (*cdf)(double, const double*), const double* params) {
  const double n = static_cast<double>(sorted.size());
  double d = 0;
  for (std::size_t i = 0; i < sorted.size(); ++i) {
    const double f = cdf(sorted[i], params);
    d = std::max({d, static_cast<double>(i + 1) / n - f, f - static_cast<double>(i) / n});
  }
  return d;
}

std::string Fit::summary() const {
  std::string what;
  if (family == "constant") what = "constant " + dist["value"].get<std::string>();
  else if (family == "exponential") what = "exponential mean " + dist["mean"].get<std::string>();
  else if (family == "lognormal") what = "lognormal median " + dist["median"].get<std::string>() + " p99 " + dist["p99"].get<std::string>();
  else if (family == "normal") what = "normal mean " + dist["mean"].get<std::string>() + " sd " + dist["stddev"].get<std::string>();
  else if (family == "uniform") what = "uniform " + dist["min"].get<std::string>() + ".." + dist["max"].get<std::string>();
  else if (family == "pareto") what = "pareto scale " + dist["scale"].get<std::string>() + " shape " + dist["shape"].dump();
  else what = "empirical (101 percentiles, p50 " + text(p50) + ", p99 " + text(p99) + ")";
  char buf[160];
  std::snprintf(buf, sizeof buf, ": KS D=%.3f over %zu samples", ks, n);
  std::string out = what + buf;
  if (!runner_up.empty()) out += " (next: " + runner_up + ")";
  return out;
}

Fit fit_distribution(std::vector<double> x) {
  std::sort(x.begin(), x.end());
  Fit fit;
  fit.n = x.size();
  const double n = static_cast<double>(x.size());
  fit.mean = std::accumulate(x.begin(), x.end(), 0.0) / n;
  fit.p50 = quantile(x, 0.5);
  fit.p99 = quantile(x, 0.99);
  if (x.back() - x.front() <= 1e-3 * fit.p50 + 1e-12) {
    fit.family = "constant";
    fit.dist = {{"dist", "constant"}, {"value", text(fit.p50)}};
    return fit;
  }
  double var = 0;
  for (double v : x) var += (v - fit.mean) * (v - fit.mean);
  const double sd = std::sqrt(var / std::max(1.0, n - 1));

  struct Candidate {
    std::string family;
    double d;
    nlohmann::json dist;
  };
  std::vector<Candidate> c;
  if (fit.mean > 0) {
    const double p[1] = {fit.mean};
    c.push_back({"exponential", ks_distance(x, exp_cdf, p), {{"dist", "exponential"}, {"mean", text(fit.mean)}}});
  }
  if (fit.mean > 0 && sd > 0) {
    const double p[2] = {fit.mean, sd};
    c.push_back({"normal", ks_distance(x, normal_cdf, p), {{"dist", "normal"}, {"mean", text(fit.mean)}, {"stddev", text(sd)}}});
  }
  {
    const double p[2] = {x.front(), x.back()};
    c.push_back({"uniform", ks_distance(x, uniform_cdf, p), {{"dist", "uniform"}, {"min", text(x.front())}, {"max", text(x.back())}}});
  }
  if (x.front() > 0) {
    double mu = 0, s2 = 0;
    for (double v : x) mu += std::log(v);
    mu /= n;
    for (double v : x) s2 += (std::log(v) - mu) * (std::log(v) - mu);
    const double sigma = std::sqrt(s2 / std::max(1.0, n - 1));
    if (sigma > 0) {
      const double p[2] = {mu, sigma};
      c.push_back({"lognormal", ks_distance(x, lognormal_cdf, p),
                   {{"dist", "lognormal"}, {"median", text(std::exp(mu))}, {"p99", text(std::exp(mu + kZ99 * sigma))}}});
    }
    double logs = 0;
    for (double v : x) logs += std::log(v / x.front());
    if (logs > 0) {
      const double p[2] = {x.front(), n / logs};
      c.push_back({"pareto", ks_distance(x, pareto_cdf, p), {{"dist", "pareto"}, {"scale", text(x.front())}, {"shape", p[1]}}});
    }
  }
  std::stable_sort(c.begin(), c.end(), [](const Candidate& a, const Candidate& b) { return a.d < b.d; });
  char buf[64];
  // A family is kept unless its D exceeds both 0.1 and the KS test's 5% critical value
  // 1.36/sqrt(n) (with few samples, any law is that far from the steps of their CDF).
  if (c.front().d <= std::max(kEmpiricalAbove, 1.36 / std::sqrt(n))) {
    fit.family = c.front().family;
    fit.ks = c.front().d;
    fit.dist = c.front().dist;
    if (c.size() > 1) {
      std::snprintf(buf, sizeof buf, " D=%.3f", c[1].d);
      fit.runner_up = c[1].family + buf;
    }
    return fit;
  }
  fit.family = "empirical";
  nlohmann::json values = nlohmann::json::array();
  std::vector<double> q;
  for (int k = 0; k <= 100; ++k) q.push_back(quantile(x, k / 100.0));
  for (double v : q) values.push_back(text(v));
  fit.dist = {{"dist", "empirical"}, {"values", values}};
  // D of the 101 equally likely percentiles against the samples.
  double d = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double f = static_cast<double>(std::upper_bound(q.begin(), q.end(), x[i]) - q.begin()) / 101.0;
    d = std::max({d, static_cast<double>(i + 1) / n - f, f - static_cast<double>(i) / n});
  }
  fit.ks = d;
  std::snprintf(buf, sizeof buf, " D=%.3f", c.front().d);
  fit.runner_up = "best family " + c.front().family + buf;
  return fit;
}

}  // namespace archsim::import
