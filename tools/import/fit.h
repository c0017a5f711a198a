// Fitting a distribution of the scenario format to measured durations (a service's own time
// per operation, a link's latency), for `archsim import --traces`.
//
// Criterion: each family the format has is fitted by its usual estimator (exponential: the
// mean; normal: mean and standard deviation; lognormal: mean and standard deviation of the
// logs, written as its median and p99; uniform: the extremes; Pareto: the minimum and the
// maximum-likelihood shape); a constant when every sample is within 0.1% of the median. The
// fit with the smallest Kolmogorov-Smirnov distance D (the largest gap between the samples'
// CDF and the fitted one) wins. When even the best D is above both 0.1 and the KS test's 5%
// critical value 1.36/sqrt(n), no family describes the samples and they are written as an
// empirical distribution of their 101 percentiles (0, 1, ..., 100), whose D is about 0.01
// with many samples. The chosen D and the runner-up's are reported.
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
  std::string runner_up;  // the next best family and its D ("lognormal D=0.061"), "" if none
  std::size_t n = 0;
  double mean = 0, p50 = 0, p99 = 0;  // of the samples, seconds
  // "exponential mean 2.01ms: KS D=0.012 over 1600 samples (next: lognormal D=0.061)".
  std::string summary() const;
};

// `seconds`: at least one sample, each >= 0.
Fit fit_distribution(std::vector<double> seconds);

// The Kolmogorov-Smirnov distance between sorted samples and a CDF.
double ks_distance(const std::vector<double>& sorted, double (*cdf)(double, const double*), const double* params);

}  // namespace archsim::import
