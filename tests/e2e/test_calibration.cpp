// Where the tolerances of test_theory.cpp come from. Skipped by default; run with
//     e2e_tests -tc='calibration*' --no-skip
// It simulates the same models with our own minimal code (a FIFO multi-server queue by the
// Kiefer-Wolfowitz recursion, a closed loop with a heap of arrivals), independent of
// archsim, over many independent runs, and prints each estimator's mean against theory and
// its relative standard deviation. The tests quote the larger of two such calibrations
// (100 and 300 runs), rounded up.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <queue>
#include <utility>
#include <vector>

#include "sim/random.h"
#include "tests/e2e/theory.h"

namespace {

using archsim::Rng;
namespace theory = archsim::theory;

struct Estimates {
  double mean, p50, p99, throughput;
};

double exp_draw(Rng& r, double mean) { return -std::log(r.uniform_pos()) * mean; }

double quantile(std::vector<double>& v, double q) {
  const std::size_t i = std::min(v.size() - 1, static_cast<std::size_t>(std::ceil(q * v.size())) - 1);
  std::nth_element(v.begin(), v.begin() + static_cast<long>(i), v.end());
  return v[i];
}

Estimates summarize(std::vector<double>& v, double seconds) {
  double sum = 0;
  for (double x : v) sum += x;
  return {sum / v.size(), quantile(v, 0.5), quantile(v, 0.99), v.size() / seconds};
}

// Poisson arrivals at `lambda` to c FIFO servers: a central queue (each arrival takes the
// server that frees first) or round robin (arrival i goes to server i mod c, own queue).
Estimates open_queue(Rng& r, double lambda, int c, const std::function<double(Rng&)>& service, double seconds,
                     double warmup, bool round_robin) {
  std::vector<double> free_at(c, 0.0), sojourn;
  double t = 0;
  std::size_t n = 0;
  while (true) {
    t += exp_draw(r, 1 / lambda);
    if (t > warmup + seconds) break;
    const std::size_t k =
        round_robin ? n++ % c
                    : static_cast<std::size_t>(std::min_element(free_at.begin(), free_at.end()) - free_at.begin());
    const double done = std::max(t, free_at[k]) + service(r);
    free_at[k] = done;
    if (t >= warmup) sojourn.push_back(done - t);
  }
  return summarize(sojourn, seconds);
}

// N users thinking (exponential, mean z) and queueing at c FIFO servers (exponential, mean s).
Estimates closed_loop(Rng& r, int users, int c, double s, double z, double seconds, double warmup) {
  using Arrival = std::pair<double, int>;
  std::priority_queue<Arrival, std::vector<Arrival>, std::greater<Arrival>> arrivals;
  for (int u = 0; u < users; ++u) arrivals.push({exp_draw(r, z), u});
  std::vector<double> free_at(c, 0.0), response;
  while (true) {
    const auto [t, u] = arrivals.top();
    arrivals.pop();
    if (t > warmup + seconds) break;
    const auto k = std::min_element(free_at.begin(), free_at.end()) - free_at.begin();
    const double done = std::max(t, free_at[k]) + exp_draw(r, s);
    free_at[k] = done;
    if (done >= warmup && done <= warmup + seconds) response.push_back(done - t);
    arrivals.push({done + exp_draw(r, z), u});
  }
  return summarize(response, seconds);
}

void report(const char* name, const std::vector<Estimates>& runs, double mean, double p50, double p99, double x) {
  auto line = [&](const char* what, double Estimates::*field, double theory_value) {
    double s = 0, s2 = 0;
    for (const auto& e : runs) {
      s += e.*field;
      s2 += e.*field * (e.*field);
    }
    const double m = s / runs.size(), sd = std::sqrt(std::max(0.0, s2 / runs.size() - m * m));
    std::printf("  %-10s avg %-10.5g theory %-10.5g bias %+6.2f%%  relative SD %.2f%%\n", what, m, theory_value,
                100 * (m - theory_value) / theory_value, 100 * sd / theory_value);
  };
  std::printf("%s\n", name);
  line("mean", &Estimates::mean, mean);
  if (p50 > 0) line("p50", &Estimates::p50, p50);
  if (p99 > 0) line("p99", &Estimates::p99, p99);
  line("throughput", &Estimates::throughput, x);
}

}  // namespace

TEST_CASE("calibration: run-to-run spread of the estimators the theory tests read" * doctest::skip()) {
  const int runs = 100;
  Rng r(42);
  const auto expo = [](double m) { return [m](Rng& g) { return exp_draw(g, m); }; };
  std::vector<Estimates> e;
  for (int i = 0; i < runs; ++i) e.push_back(open_queue(r, 80, 1, expo(0.01), 7200, 60, false));
  report("M/M/1 rho 0.8, 7200 s", e, theory::mm1_mean_sojourn(80, 100), theory::mm1_sojourn_quantile(80, 100, 0.5),
         theory::mm1_sojourn_quantile(80, 100, 0.99), 80);
  for (int c : {2, 4, 8}) {
    const double lambda = 80.0 * c;
    e.clear();
    for (int i = 0; i < runs; ++i) e.push_back(open_queue(r, lambda, c, expo(0.01), 7200.0 / c, 60, false));
    char name[64];
    std::snprintf(name, sizeof name, "M/M/%d rho 0.8, %g s", c, 7200.0 / c);
    report(name, e, theory::mmc(c, lambda, 100).mean_sojourn, theory::mmc_sojourn_quantile(c, lambda, 100, 0.5),
           theory::mmc_sojourn_quantile(c, lambda, 100, 0.99), lambda);
  }
  e.clear();
  for (int i = 0; i < runs; ++i)
    e.push_back(open_queue(
        r, 80, 1, [](Rng&) { return 0.01; }, 7200, 60, false));
  report("M/D/1 rho 0.8, 7200 s", e, theory::md1_mean_sojourn(80, 0.01), theory::md1_sojourn_quantile(80, 0.01, 0.5),
         theory::md1_sojourn_quantile(80, 0.01, 0.99), 80);
  e.clear();
  for (int i = 0; i < runs; ++i) e.push_back(open_queue(r, 640, 8, expo(0.01), 900, 60, true));
  report("round robin x8 (E8/M/1), 900 s", e, theory::ekm1_mean_sojourn(8, 640, 100),
         theory::ekm1_sojourn_quantile(8, 640, 100, 0.5), theory::ekm1_sojourn_quantile(8, 640, 100, 0.99), 640);
  for (const auto& [users, c] : std::vector<std::pair<int, int>>{{1, 1}, {5, 1}, {20, 1}, {50, 1}, {50, 2}}) {
    e.clear();
    for (int i = 0; i < runs; ++i) e.push_back(closed_loop(r, users, c, 0.01, 0.2, 1800, 60));
    const auto m = theory::mva_multi_server(users, c, 0.01, 0.2);
    char name[64];
    std::snprintf(name, sizeof name, "closed loop N=%d c=%d, 1800 s", users, c);
    report(name, e, m.response_time, 0, 0, m.throughput);
  }
}
