#include "tools/import/fit.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <numeric>

#include "tools/import/quantity.h"

namespace archsim::import {

namespace {

constexpr double kZ99 = 2.3263478740408408;  // the standard normal's 99th percentile
constexpr double kEmpiricalAbove = 0.1;
constexpr std::size_t kEmpiricalValues = 100;  // an empirical law's values at most
constexpr double kParsimony = 2;  // BIC difference below which the simpler family is kept
constexpr double kSmallSampleTail = 2;  // under 100 samples, a lognormal's p99 is at most this times the largest
const double kLn2Pi = std::log(2 * M_PI);

double phi(double z) { return 0.5 * std::erfc(-z / std::sqrt(2.0)); }
// The standard normal's quantile, by bisection (fits are few: speed does not matter).
double phi_inverse(double u) {
  double lo = -40, hi = 40;
  for (int k = 0; k < 200; ++k) {
    const double mid = (lo + hi) / 2;
    (phi(mid) < u ? lo : hi) = mid;
  }
  return (lo + hi) / 2;
}

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

std::string percent(double fitted, double sample) {
  if (!std::isfinite(fitted)) return "infinite";
  if (sample <= 0) return fitted <= 0 ? "+0.0%" : "above 0";
  char b[32];
  std::snprintf(b, sizeof b, "%+.1f%%", 100 * (fitted / sample - 1));
  return b;
}

struct Candidate {
  std::string family;
  int k;            // parameters
  double bic, d;    // BIC, KS distance
  double mean, p99;  // of the fitted law
  nlohmann::json dist;
};

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
  else if (empirical_values < n) what = "empirical (the means of " + std::to_string(empirical_values) + " equally likely slices, p50 " + text(p50) + ", p99 " + text(p99) + ")";
  else what = "empirical (the samples, each as likely, p50 " + text(p50) + ", p99 " + text(p99) + ")";
  char buf[96];
  std::snprintf(buf, sizeof buf, ": KS D=%.3f over %zu samples", ks, n);
  std::string out = what + buf;
  if (family != "constant")
    out += ", mean " + percent(fit_mean, mean) + ", p99 " + percent(fit_p99, p99) + " against them";
  if (tails_held_back)
    out += family == "lognormal" ? ", by moments from under 100 samples (p99 at most twice the largest)"
                                 : ", under 100 samples no Pareto and a lognormal only by moments";
  if (!runner_up.empty()) out += " (next: " + runner_up + ")";
  return out;
}

Fit fit_distribution(std::vector<double> x, bool heavy_tails) {
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
    fit.fit_mean = fit.fit_p99 = fit.p50;
    return fit;
  }
  double var = 0;
  for (double v : x) var += (v - fit.mean) * (v - fit.mean);
  const double sd = std::sqrt(var / std::max(1.0, n - 1));
  const double sd_ml = std::sqrt(var / n);
  const double ln_n = std::log(n);
  auto bic = [&](int k, double loglik) { return k * ln_n - 2 * loglik; };
  const bool tails = heavy_tails || x.size() >= kHeavyTailSamples;
  fit.tails_held_back = !tails && x.front() > 0;

  std::vector<Candidate> c;
  if (fit.mean > 0) {
    const double p[1] = {fit.mean};
    double ll = 0;
    for (double v : x) ll += -std::log(fit.mean) - v / fit.mean;
    c.push_back({"exponential", 1, bic(1, ll), ks_distance(x, exp_cdf, p), fit.mean, fit.mean * std::log(100.0),
                 {{"dist", "exponential"}, {"mean", text(fit.mean)}}});
  }
  if (fit.mean > 0 && sd_ml > 0) {
    const double p[2] = {fit.mean, sd};
    const double kept = 1 - phi(-fit.mean / sd);
    double ll = 0;
    for (double v : x) ll += -0.5 * kLn2Pi - std::log(sd) - 0.5 * std::pow((v - fit.mean) / sd, 2) - std::log(kept);
    const double a = -fit.mean / sd;
    const double tmean = fit.mean + sd * std::exp(-0.5 * a * a) / std::sqrt(2 * M_PI) / kept;
    const double tp99 = fit.mean + sd * phi_inverse(phi(a) + 0.99 * kept);
    c.push_back({"normal", 2, bic(2, ll), ks_distance(x, normal_cdf, p), tmean, tp99,
                 {{"dist", "normal"}, {"mean", text(fit.mean)}, {"stddev", text(sd)}}});
  }
  {
    const double p[2] = {x.front(), x.back()};
    const double ll = -n * std::log(x.back() - x.front());
    c.push_back({"uniform", 2, bic(2, ll), ks_distance(x, uniform_cdf, p), (x.front() + x.back()) / 2,
                 x.front() + 0.99 * (x.back() - x.front()),
                 {{"dist", "uniform"}, {"min", text(x.front())}, {"max", text(x.back())}}});
  }
  if (x.front() > 0 && !tails && sd > 0) {
    // Below 100 samples: the lognormal with the samples' mean and standard deviation (not the
    // logs' maximum-likelihood fit, which a few near-zero samples stretch into a tail of
    // hundreds of times the median), its p99 held at twice the largest sample: a right-skewed
    // time keeps its mean and spread, and no tail comes from what twenty points cannot show.
    double sigma = std::sqrt(std::log(1 + (sd / fit.mean) * (sd / fit.mean)));
    const double cap = kSmallSampleTail * x.back();
    if (std::exp(std::log(fit.mean) - sigma * sigma / 2 + kZ99 * sigma) > cap)
      sigma = kZ99 - std::sqrt(kZ99 * kZ99 - 2 * std::log(cap / fit.mean));  // the smaller root: mean kept
    const double mu = std::log(fit.mean) - sigma * sigma / 2;
    const double p[2] = {mu, sigma};
    double ll = 0;
    for (double v : x) ll += -std::log(v) - std::log(sigma) - 0.5 * kLn2Pi - 0.5 * std::pow((std::log(v) - mu) / sigma, 2);
    c.push_back({"lognormal", 2, bic(2, ll), ks_distance(x, lognormal_cdf, p), fit.mean, std::exp(mu + kZ99 * sigma),
                 {{"dist", "lognormal"}, {"median", text(std::exp(mu))}, {"p99", text(std::exp(mu + kZ99 * sigma))}}});
  }
  if (x.front() > 0 && tails) {
    double mu = 0, s2 = 0, logs = 0;
    for (double v : x) mu += std::log(v);
    mu /= n;
    for (double v : x) s2 += (std::log(v) - mu) * (std::log(v) - mu);
    const double sigma = std::sqrt(s2 / n);
    if (sigma > 0) {
      const double p[2] = {mu, sigma};
      double ll = 0;
      for (double v : x) ll += -std::log(v) - std::log(sigma) - 0.5 * kLn2Pi - 0.5 * std::pow((std::log(v) - mu) / sigma, 2);
      c.push_back({"lognormal", 2, bic(2, ll), ks_distance(x, lognormal_cdf, p), std::exp(mu + sigma * sigma / 2),
                   std::exp(mu + kZ99 * sigma),
                   {{"dist", "lognormal"}, {"median", text(std::exp(mu))}, {"p99", text(std::exp(mu + kZ99 * sigma))}}});
    }
    for (double v : x) logs += std::log(v / x.front());
    if (logs > 0) {
      const double alpha = n / logs;
      const double p[2] = {x.front(), alpha};
      double ll = n * std::log(alpha) + n * alpha * std::log(x.front());
      for (double v : x) ll -= (alpha + 1) * std::log(v);
      c.push_back({"pareto", 2, bic(2, ll), ks_distance(x, pareto_cdf, p),
                   alpha > 1 ? alpha * x.front() / (alpha - 1) : std::numeric_limits<double>::infinity(),
                   x.front() * std::pow(100.0, 1 / alpha), {{"dist", "pareto"}, {"scale", text(x.front())}, {"shape", alpha}}});
    }
  }
  std::stable_sort(c.begin(), c.end(), [](const Candidate& a, const Candidate& b) { return a.bic < b.bic; });
  // Parsimony: the simplest family within kParsimony of the best BIC.
  std::size_t pick = 0;
  for (std::size_t i = 1; i < c.size(); ++i)
    if (c[i].k < c[pick].k && c[i].bic - c.front().bic <= kParsimony) pick = i;
  const Candidate chosen = c[pick];
  c.erase(c.begin() + static_cast<long>(pick));
  char buf[64];
  if (!c.empty()) {
    std::snprintf(buf, sizeof buf, " BIC %+.1f", c.front().bic - chosen.bic);
    fit.runner_up = c.front().family + buf;
  }
  // The family is kept unless its D exceeds both 0.1 and the KS test's 5% critical value
  // 1.36/sqrt(n) (with few samples, any law is that far from the steps of their CDF).
  if (chosen.d <= std::max(kEmpiricalAbove, 1.36 / std::sqrt(n))) {
    fit.family = chosen.family;
    fit.ks = chosen.d;
    fit.dist = chosen.dist;
    fit.fit_mean = chosen.mean;
    fit.fit_p99 = chosen.p99;
    return fit;
  }
  fit.family = "empirical";
  // The format's empirical law draws one of its values, each as likely. Percentiles would give
  // the largest sample a 1-in-101 chance: one slow outlier among a thousand samples then weighs
  // ten times what it did, and the mean moves (+56% on a real gRPC service's own time). So the
  // values are the samples themselves up to 100 of them, else the means of 100 slices of equal
  // probability (a sample on a boundary shared by its slices): the mean is the samples' exactly.
  std::vector<double> q;
  if (x.size() <= kEmpiricalValues) {
    q = x;
  } else {
    const double per = n / static_cast<double>(kEmpiricalValues);
    for (std::size_t k = 0; k < kEmpiricalValues; ++k) {
      const double lo = per * static_cast<double>(k), hi = per * static_cast<double>(k + 1);
      // Summed from the slice's first sample, so that a slice of equal samples is that value exactly.
      const auto first = static_cast<std::size_t>(lo);
      double sum = 0;
      for (std::size_t i = first; i < x.size() && static_cast<double>(i) < hi; ++i)
        sum += (x[i] - x[first]) * (std::min(hi, static_cast<double>(i + 1)) - std::max(lo, static_cast<double>(i)));
      q.push_back(x[first] + sum / per);
    }
    std::sort(q.begin(), q.end());  // rounding may leave neighbours of a run of equal samples unordered
  }
  nlohmann::json values = nlohmann::json::array();
  for (double v : q) values.push_back(text(v));
  fit.dist = {{"dist", "empirical"}, {"values", values}};
  fit.fit_mean = std::accumulate(q.begin(), q.end(), 0.0) / static_cast<double>(q.size());
  fit.fit_p99 = quantile(q, 0.99);
  fit.empirical_values = q.size();
  // D of the equally likely values against the samples.
  const double m = static_cast<double>(q.size());
  double d = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double f = static_cast<double>(std::upper_bound(q.begin(), q.end(), x[i]) - q.begin()) / m;
    const double below = static_cast<double>(std::lower_bound(q.begin(), q.end(), x[i]) - q.begin()) / m;
    d = std::max({d, static_cast<double>(i + 1) / n - f, below - static_cast<double>(i) / n});
  }
  fit.ks = d;
  std::snprintf(buf, sizeof buf, " D=%.3f", chosen.d);
  fit.runner_up = "best family " + chosen.family + buf;
  return fit;
}

LoopCount fit_loop_count(const std::vector<int>& counts) {
  LoopCount f;
  f.least = *std::min_element(counts.begin(), counts.end());
  f.most = *std::max_element(counts.begin(), counts.end());
  double sum = 0, sq = 0;
  for (int c : counts) sum += c, sq += static_cast<double>(c) * c;
  const double n = static_cast<double>(counts.size());
  f.mean = sum / n;
  f.variance = std::max(0.0, sq / n - f.mean * f.mean);
  if (f.least == f.most && f.least <= kMaxUnrolled) {
    f.unrolled = f.least;
    f.fit_mean = f.mean;
    return f;
  }
  // The geometric part's mean g = mean - u >= 1 (u < least <= mean); its variance g (g - 1).
  const int top = std::min(f.least - 1, kMaxUnrolled);
  double best = -1;
  for (int u = 0; u <= top; ++u) {
    const double g = f.mean - u;
    const double gap = std::fabs(g * (g - 1) - f.variance);
    if (best < 0 || gap <= best) best = gap, f.unrolled = u;  // a tie: more written out, less spread
  }
  const double g = f.mean - f.unrolled;
  f.repeat = true;
  f.probability = 1 - 1 / g;
  if (f.probability > kMaxRepeatProbability) f.probability = kMaxRepeatProbability, f.capped = true;
  const double fg = 1 / (1 - f.probability);
  f.fit_mean = f.unrolled + fg;
  f.fit_variance = fg * (fg - 1);
  return f;
}

}  // namespace archsim::import
