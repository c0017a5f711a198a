// Statistical checks for the e2e tests: how far a simulated figure may sit from theory.
//
// A simulated mean or quantile is a random variable; its standard deviation falls like
// 1/sqrt(T) with the measured time T once T spans many relaxation times of the queue.
// Each test states the relative standard deviation of the figure at a reference run length
// (for M/M/1, Whitt 1989, "Planning queueing simulations", gives 2(1+rho)/(rho(1-rho)^2)
// mean service times of run per unit squared relative error of the mean number in
// system; the tests use values measured by test_calibration.cpp, an independent
// simulation of the same models, which agree with Whitt's within 15%), scales it to the run,
// and allows kSigmas of them plus the histogram's bucket error. A correct engine fails a
// 4.5-sigma check about once in 150,000 runs; the tests use fixed seeds, so a pass is stable.
#pragma once
#include <doctest/doctest.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "tests/e2e/run_archsim.h"

namespace archsim::e2e {

inline constexpr double kSigmas = 4.5;
// The metrics recorder's histograms (sim/histogram.h): have at most 1% relative error.
inline constexpr double kHistogramError = 0.01;

// Relative tolerance for a figure with relative standard deviation `rel_sd_ref` over a run
// of `ref_s` measured seconds, for a run of `run_s` measured seconds.
inline double rel_tolerance(double rel_sd_ref, double ref_s, double run_s, double extra = kHistogramError) {
  return kSigmas * rel_sd_ref * std::sqrt(ref_s / run_s) + extra;
}

// Measured seconds of a summary: duration minus warm-up.
inline double measured_seconds(const nlohmann::json& s) { return num(s, "duration_s") - num(s, "warmup_s"); }

// CHECKs |summary[path] - expected| <= rel_tol * |expected|, with a message that shows both.
inline void check_rel(const nlohmann::json& s, std::string_view path, double expected, double rel_tol) {
  const double got = num(s, path);
  INFO(std::string(path), " = ", got, ", expected ", expected, " +- ", rel_tol * 100, "% (off by ",
       (got - expected) / expected * 100, "%)");
  CHECK(std::fabs(got - expected) <= rel_tol * std::fabs(expected));
}

// CHECKs |a - b| <= rel_tol * |b| + abs_tol for two figures computed from a summary.
inline void check_close(std::string_view what, double a, double b, double rel_tol, double abs_tol = 0) {
  INFO(std::string(what), ": ", a, " vs ", b, " (allowed ", rel_tol * 100, "% + ", abs_tol, ")");
  CHECK(std::fabs(a - b) <= rel_tol * std::fabs(b) + abs_tol);
}

}  // namespace archsim::e2e
