// Fitting a distribution of the scenario format to measured durations (a service's own time
// per operation, a link's latency), for `archsim import --traces`.
//
// Criterion: each family the format has is fitted by maximum likelihood (exponential: the
// mean; normal, truncated at 0 as archsim draws it: the samples' mean and standard deviation;
// lognormal: the mean and standard deviation of the logs, written as its median and p99;
// uniform: the extremes; Pareto: the minimum and the maximum-likelihood shape); a constant
// when every sample is within 0.1% of the median. The family with the smallest Bayesian
// information criterion BIC = k ln n - 2 ln L wins, with a parsimony rule: a family of one
// parameter (the exponential) is kept over one of two unless their BIC differ by more than
// 2 (Kass and Raftery's "positive evidence"). Heavy tails (lognormal, Pareto) are fitted by
// maximum likelihood from 100 samples or more only (unless asked): below that, a tail is
// extrapolated from a handful of points, and the logs' fit of a set with a few near-zero
// samples has a p99 hundreds of times its median. Below 100 the lognormal is a candidate by
// moments instead (the samples' mean and standard deviation, so the mean is kept exactly), its
// p99 held at twice the largest sample (sigma lowered, the mean kept); no Pareto. When the winner's Kolmogorov-Smirnov distance D (the largest gap between the
// samples' CDF and the fitted one) is above both 0.1 and the KS test's 5% critical value
// 1.36/sqrt(n), no family describes the samples and they are written as an empirical
// distribution: the samples themselves up to 100, else the means of 100 slices of equal
// probability (the format draws each value as likely, so the mean is the samples' exactly; the
// 101 percentiles would give the largest sample a 1-in-101 weight). Every fit reports D, its
// mean and p99 against the samples', and the runner-up.
#pragma once
#include <cstddef>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace archsim::import {

struct Fit {
  nlohmann::json dist;    // the scenario's distribution object
  std::string family;     // "exponential", "lognormal", ..., "empirical"
  double ks = 0;          // the chosen fit's Kolmogorov-Smirnov distance
  std::string runner_up;  // the next best family and its BIC ("lognormal BIC +3.1"), "" if none
  std::size_t n = 0;
  double mean = 0, p50 = 0, p99 = 0;  // of the samples, seconds
  double fit_mean = 0, fit_p99 = 0;   // of the fitted law, seconds (infinite for a Pareto of shape <= 1)
  bool tails_held_back = false;       // under 100 samples: no Pareto, a lognormal by moments only
  std::size_t empirical_values = 0;   // an empirical law's values (n when they are the samples)
  // "exponential mean 2.01ms: KS D=0.012 over 1600 samples, mean +0.0%, p99 -1.2% against
  // them (next: lognormal BIC +41.0)".
  std::string summary() const;
};

constexpr std::size_t kHeavyTailSamples = 100;

// `seconds`: at least one sample, each >= 0. `heavy_tails`: try lognormal and Pareto whatever n.
Fit fit_distribution(std::vector<double> seconds, bool heavy_tails = false);

// A loop's count per request (a call per item) as the scenario format can write it. Its
// `repeat` runs a body once, then again with probability p: a geometric count G >= 1, mean
// 1/(1-p), variance p/(1-p)^2 = mean (mean - 1), fixed by the mean. So `unrolled` passes are
// written out before it and N = unrolled + G: the mean is the traces' exactly (p = 1 - 1 /
// (mean - unrolled)), and unrolled, from 0 to the least count seen less one, is the one whose
// variance (mean - u)(mean - u - 1) is nearest the counts' (a count that varied little
// is mostly written out; one spread more than geometric keeps the whole geometric). A
// count that never varied is written out pass by pass (repeat = false): exact, where a repeat
// could only say "again with probability". At most kMaxUnrolled passes are written out, and p
// is at most the format's 0.99 (capped: the mean is then lower than the traces', and says so).
struct LoopCount {
  double mean = 0, variance = 0;  // of the counts seen
  int least = 0, most = 0;
  int unrolled = 0;        // passes written out
  bool repeat = false;     // then a repeat of the body with `probability`
  double probability = 0;
  double fit_mean = 0, fit_variance = 0;  // of unrolled + G
  bool capped = false;                    // p held at 0.99: the fit's mean is below the counts'
};

constexpr int kMaxUnrolled = 16;
constexpr double kMaxRepeatProbability = 0.99;  // the scenario format's bound

// `counts`: at least one, each >= 1.
LoopCount fit_loop_count(const std::vector<int>& counts);

// The Kolmogorov-Smirnov distance between sorted samples and a CDF.
double ks_distance(const std::vector<double>& sorted, double (*cdf)(double, const double*), const double* params);

}  // namespace archsim::import
