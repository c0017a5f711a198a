// archsim against queueing theory: the binary runs a shipped scenario and its summary is
// compared with closed forms (theory.h). Tolerances come from the run length (checks.h);
// the relative standard deviations quoted at each check were measured by
// test_calibration.cpp (300 independent runs of the same model, our own simulator).
//
// Each check also says what a wrong engine would print, to show the tolerance bites.
#include <doctest/doctest.h>

#include <cmath>
#include <string>

#include "tests/e2e/checks.h"
#include "tests/e2e/run_archsim.h"
#include "tests/e2e/theory.h"

using archsim::e2e::basic_scenario;
using archsim::e2e::check_rel;
using archsim::e2e::kHistogramError;
using archsim::e2e::measured_seconds;
using archsim::e2e::num;
using archsim::e2e::rel_tolerance;
using archsim::e2e::run_summary;
namespace theory = archsim::theory;

namespace {

// A Poisson count over T seconds has relative standard deviation 1/sqrt(lambda T).
double throughput_tolerance(double lambda, double seconds) {
  return archsim::e2e::kSigmas / std::sqrt(lambda * seconds) + 0.002;
}

void check_no_failures(const nlohmann::json& s) {
  CHECK(num(s, "requests.failed") == 0);
  CHECK(num(s, "availability") == 1.0);
}

}  // namespace

TEST_CASE("M/M/1 at rho 0.8: mean, p50 and p99 of the time in system") {
  // lambda 80/s, mu 100/s: the sojourn time is exponential with rate 20/s: mean 50 ms,
  // p50 34.7 ms, p99 230.3 ms. Over 7200 measured seconds the relative standard deviations
  // are 1.2% (mean), 1.0% (p50), 2.6% (p99), so the tolerances are about 6.4%, 5.5% and
  // 12.7%. Wrong engines miss by far more: rho off by 10% (0.88) gives a mean of 83 ms
  // (+67%), off by 2.5% gives 55.6 ms (+11%); serving the queue LIFO keeps the mean at 50 ms
  // but moves p50 to 17.8 ms (-49%) and p99 to 633 ms (+175%).
  const double lambda = 80, mu = 100, ref = 7200;
  const auto s = run_summary(basic_scenario("mm1.json"), {"--set", "duration=7260s", "--seed", "11"});
  const double T = measured_seconds(s);
  REQUIRE(T > 3600);
  check_no_failures(s);
  check_rel(s, "latency_ms.mean", 1e3 * theory::mm1_mean_sojourn(lambda, mu), rel_tolerance(0.012, ref, T));
  check_rel(s, "latency_ms.p50", 1e3 * theory::mm1_sojourn_quantile(lambda, mu, 0.50), rel_tolerance(0.010, ref, T));
  check_rel(s, "latency_ms.p99", 1e3 * theory::mm1_sojourn_quantile(lambda, mu, 0.99), rel_tolerance(0.026, ref, T));
  check_rel(s, "throughput_rps", lambda, throughput_tolerance(lambda, T));
  check_rel(s, "latency_ms.count", lambda * T, throughput_tolerance(lambda, T));
  // The server's own view: busy 80% of the time, L = rho/(1-rho) = 4 in system, Lq = 3.2
  // waiting. L's relative deviation is the mean's; Lq's is larger by W/Wq = 50/40.
  check_rel(s, "components.web.utilization", lambda / mu, 0.02);
  check_rel(s, "components.web.in_system", theory::mm1_mean_in_system(lambda, mu), rel_tolerance(0.012, ref, T));
  check_rel(s, "components.web.queue_length", theory::mm1_mean_in_system(lambda, mu) - lambda / mu,
            rel_tolerance(0.012 * 50 / 40, ref, T));
  check_rel(s, "components.web.latency_ms.mean", 1e3 * theory::mm1_mean_sojourn(lambda, mu),
            rel_tolerance(0.012, ref, T));
}

TEST_CASE("M/M/c at rho 0.8 for c = 2, 4, 8: Erlang C") {
  // One service with c workers sharing one FIFO queue, lambda = 80c/s, mu = 100/s.
  // Theory (mean / p99 in ms): c=2 27.8 / 119.4, c=4 17.5 / 68.9, c=8 12.9 / 51.5; the
  // probability of waiting is 0.71, 0.60, 0.46. Each run measures 7200/c seconds (576,000
  // requests). Wrong engines: c separate queues with random dispatch would be M/M/1 (50 ms);
  // rho off by 10% gives 44.3 / 25.6 / 16.8 ms (+60%, +47%, +30%); off by 2.5% gives +10%,
  // +7.6%, +4.9% against tolerances of about 5.7%, 4.8%, 3.7%.
  struct Ref {
    int c;
    double mean_sd, p50_sd, p99_sd;
  };  // relative SDs over 7200/c s
  for (const Ref ref : {Ref{2, 0.0105, 0.009, 0.022}, Ref{4, 0.0085, 0.007, 0.018}, Ref{8, 0.006, 0.006, 0.008}}) {
    const int c = ref.c;
    const double lambda = 80.0 * c, mu = 100, ref_s = 7200.0 / c;
    CAPTURE(c);
    const auto s = run_summary(basic_scenario("mmc.json"),
                               {"--set", "web.concurrency=" + std::to_string(c), "--set",
                                "users.arrivals.rate=" + std::to_string(static_cast<int>(lambda)), "--set",
                                "duration=" + std::to_string(60 + 7200 / c) + "s", "--seed", std::to_string(20 + c),
                                "--set", "web.wait_thresholds=[\"10ms\",\"30ms\"]"});
    const double T = measured_seconds(s);
    const auto m = theory::mmc(c, lambda, mu);
    check_no_failures(s);
    check_rel(s, "latency_ms.mean", 1e3 * m.mean_sojourn, rel_tolerance(ref.mean_sd, ref_s, T));
    check_rel(s, "latency_ms.p50", 1e3 * theory::mmc_sojourn_quantile(c, lambda, mu, 0.50),
              rel_tolerance(ref.p50_sd, ref_s, T));
    check_rel(s, "latency_ms.p99", 1e3 * theory::mmc_sojourn_quantile(c, lambda, mu, 0.99),
              rel_tolerance(ref.p99_sd, ref_s, T));
    check_rel(s, "throughput_rps", lambda, throughput_tolerance(lambda, T));
    check_rel(s, "components.web.utilization", m.utilization, 0.02);
    check_rel(s, "components.web.in_system", m.mean_in_system, rel_tolerance(ref.mean_sd, ref_s, T));
    // Lq = lambda Wq: its relative deviation is the sojourn's scaled by W / Wq.
    check_rel(s, "components.web.queue_length", m.mean_queue,
              rel_tolerance(ref.mean_sd * m.mean_sojourn / m.mean_wait, ref_s, T));
    // The queue wait alone: Wq (same relative deviation as Lq), the probability of waiting
    // (Erlang C; a binomial proportion over ~576,000 requests, correlated: 1 % is about four
    // of its SDs) and Wq's 99th percentile, ln(C / 0.01) / (c mu - lambda). An engine that
    // counted service in the wait would print W, 2.4x to 4.3x Wq.
    check_rel(s, "components.web.queue_wait_ms.mean", 1e3 * m.mean_wait,
              rel_tolerance(ref.mean_sd * m.mean_sojourn / m.mean_wait, ref_s, T));
    const double pw = theory::erlang_c(c, lambda / mu);
    check_rel(s, "components.web.waited_fraction", pw, 0.01 / pw);
    check_rel(s, "components.web.queue_wait_ms.p99", 1e3 * std::log(pw / 0.01) / (c * mu - lambda),
              rel_tolerance(ref.p99_sd, ref_s, T));
    // P(Wq > t) = C(c, a) exp(-(c mu - lambda) t), counted exactly per threshold: within 0.01
    // absolute, as P(wait) above (0.48, 0.27, 0.09 at 10 ms for c = 2, 4, 8). Counting the
    // service in the wait would give P(W > 10 ms) of 0.73, 0.61, 0.49.
    for (const double t : {0.010, 0.030}) {
      CAPTURE(t);
      const std::string key = t == 0.010 ? "components.web.wait_over.10ms" : "components.web.wait_over.30ms";
      const double p = pw * std::exp(-(c * mu - lambda) * t);
      check_rel(s, key, p, 0.01 / p);
    }
  }
}

TEST_CASE("M/D/1 at rho 0.8: Pollaczek-Khinchine mean, Erlang's waiting-time distribution") {
  // Constant 10 ms service, lambda 80/s: Wq = rho S / (2(1 - rho)) = 20 ms, so the mean is
  // 30 ms; Erlang's formula gives p50 22.8 ms, p99 113.6 ms. Relative SDs over 7200 s:
  // 0.65%, 0.55%, 1.6%, tolerances about 3.9%, 3.5%, 8.2%. An engine that drew exponential
  // service times would print M/M/1's 50 ms (+67%); rho off by 10% gives 46.7 ms (+56%).
  const double lambda = 80, d = 0.010, ref = 7200;
  const auto s = run_summary(basic_scenario("md1.json"), {"--set", "duration=7260s", "--seed", "31"});
  const double T = measured_seconds(s);
  check_no_failures(s);
  check_rel(s, "latency_ms.mean", 1e3 * theory::md1_mean_sojourn(lambda, d), rel_tolerance(0.0065, ref, T));
  check_rel(s, "latency_ms.p50", 1e3 * theory::md1_sojourn_quantile(lambda, d, 0.50), rel_tolerance(0.0055, ref, T));
  check_rel(s, "latency_ms.p99", 1e3 * theory::md1_sojourn_quantile(lambda, d, 0.99), rel_tolerance(0.016, ref, T));
  check_rel(s, "throughput_rps", lambda, throughput_tolerance(lambda, T));
  check_rel(s, "components.web.utilization", lambda * d, 0.02);
  // Every request takes exactly 10 ms, so nobody is faster than that (1% bucket error).
  CHECK(num(s, "latency_ms.p50") >= 10.0 * (1 - kHistogramError));
}

TEST_CASE("closed loop: throughput and response time match exact mean value analysis") {
  // N users think 200 ms (exponential), then queue at one FCFS worker with 10 ms
  // exponential service. MVA (throughput /s, response ms): N=1 4.76 / 10.0, N=5 23.56 /
  // 12.19, N=20 84.11 / 37.78, N=50 100.0 / 300.0; with two workers, N=50 195.75 / 55.42.
  // Each run measures 1800 s. Wrong engines: users that do not think would give 100/s at
  // N=20 with a 200 ms response; think time counted from the send instead of the reply
  // gives 100/s at N=20 (+19%); a server with the wrong rate misses N=50's plateau.
  struct Ref {
    int users, c;
    double r_sd, x_sd;
  };  // relative SDs over 1800 s
  for (const Ref ref : {Ref{1, 1, 0.011, 0.011}, Ref{5, 1, 0.007, 0.005}, Ref{20, 1, 0.011, 0.002},
                        Ref{50, 1, 0.0045, 0.0025}, Ref{50, 2, 0.009, 0.0015}}) {
    CAPTURE(ref.users);
    CAPTURE(ref.c);
    const auto s =
        run_summary(basic_scenario("closed-loop.json"), {"--set", "clients.users=" + std::to_string(ref.users), "--set",
                                                         "web.concurrency=" + std::to_string(ref.c), "--set",
                                                         "duration=1860s", "--seed", std::to_string(40 + ref.users)});
    const double T = measured_seconds(s);
    const auto m = theory::mva_multi_server(ref.users, ref.c, 0.010, 0.200);
    check_no_failures(s);
    check_rel(s, "throughput_rps", m.throughput, rel_tolerance(ref.x_sd, 1800, T, 0.002));
    check_rel(s, "latency_ms.mean", 1e3 * m.response_time, rel_tolerance(ref.r_sd, 1800, T));
    // The utilization law U = X S / c holds for any run; 2% covers the noise of both sides.
    check_rel(s, "components.web.utilization", m.utilization, 0.02 + rel_tolerance(ref.x_sd, 1800, T, 0));
  }
}

TEST_CASE("round robin over 8 single-worker replicas: each one is an E8/M/1 queue") {
  // Poisson arrivals at 640/s dealt round robin to 8 replicas: each gets every 8th arrival,
  // so its gaps are Erlang-8 with mean 12.5 ms. GI/M/1 theory: the sojourn is exponential
  // with rate mu(1 - sigma), sigma = 0.6644 the root of sigma = (640/(640 + 100(1-sigma)))^8:
  // mean 29.8 ms, p50 20.7 ms, p99 137.2 ms. Random dispatch would give M/M/1's 50 ms
  // (+68%); one shared queue (M/M/8) 12.9 ms (-57%). Relative SDs over 900 s: 1.1%, 0.95%, 2%.
  const double lambda = 640, mu = 100, ref = 900;
  const auto s = run_summary(basic_scenario("big-8x.json"), {"--set", "duration=960s", "--seed", "51"});
  const double T = measured_seconds(s);
  check_no_failures(s);
  check_rel(s, "latency_ms.mean", 1e3 * theory::ekm1_mean_sojourn(8, lambda, mu), rel_tolerance(0.011, ref, T));
  check_rel(s, "latency_ms.p50", 1e3 * theory::ekm1_sojourn_quantile(8, lambda, mu, 0.50),
            rel_tolerance(0.0095, ref, T));
  check_rel(s, "latency_ms.p99", 1e3 * theory::ekm1_sojourn_quantile(8, lambda, mu, 0.99),
            rel_tolerance(0.020, ref, T));
  check_rel(s, "throughput_rps", lambda, throughput_tolerance(lambda, T));
  check_rel(s, "components.web.utilization", 0.8, 0.02);
}

TEST_CASE("replications: the 95% interval of M/M/1's mean and p99 covers the theory") {
  // Five 20-minute replications. Each replication's mean has a relative SD of about
  // 1.2% * sqrt(7200/1200) = 2.9%, so the interval's half width should be near
  // t(0.975, 4) * 2.9% / sqrt(5) = 3.6% of 50 ms. The check widens the interval twice over
  // (a correct engine misses it with probability ~0.5%) and also bounds the half width:
  // replications that share a seed would give a zero width, a standard error reported as a
  // half width would be 2.8 times too small.
  const double lambda = 80, mu = 100;
  const auto s = run_summary(basic_scenario("mm1.json"),
                             {"--set", "duration=1260s", "--replications", "5", "--threads", "2", "--seed", "61"});
  CHECK(num(s, "replications") == 5);
  struct Fig {
    const char* path;
    double theory, rel_sd;
  };
  for (const Fig f : {Fig{"latency_ms.mean", 1e3 * theory::mm1_mean_sojourn(lambda, mu), 0.012},
                      Fig{"latency_ms.p99", 1e3 * theory::mm1_sojourn_quantile(lambda, mu, 0.99), 0.026}}) {
    CAPTURE(f.path);
    // ci95 is keyed by the dotted path as one string: {"latency_ms.p99": {...}}.
    REQUIRE(s.contains("ci95"));
    REQUIRE(s.at("ci95").contains(f.path));
    const auto& ci = s.at("ci95").at(f.path);
    const double mean = ci.at("mean").get<double>(), lo = ci.at("lo").get<double>(), hi = ci.at("hi").get<double>(),
                 half = ci.at("half_width").get<double>();
    INFO("ci95 = ", ci.dump(), ", theory ", f.theory);
    CHECK(lo <= mean);
    CHECK(mean <= hi);
    // Figures are printed to 6 significant digits: compare to that precision.
    CHECK(std::fabs((hi - lo) / 2 - half) <= 1e-5 * (std::fabs(hi) + std::fabs(lo)));
    CHECK(mean == doctest::Approx(num(s, f.path)).epsilon(1e-5));
    CHECK(std::fabs(mean - f.theory) <= 2 * half + kHistogramError * f.theory);
    // Expected half width: t(0.975,4) = 2.776 times the SD of a 5-run mean. A sample SD from
    // 5 runs lies within [0.15, 3] times the true one with probability above 99.8%.
    const double expected_half = 2.776 * f.rel_sd * std::sqrt(7200.0 / 1200.0) / std::sqrt(5.0) * f.theory;
    CHECK(half >= 0.15 * expected_half);
    CHECK(half <= 3.0 * expected_half);
  }
}

TEST_CASE("open loop: a rate rising past the run's end sends the profile's integral over the run") {
  // A load profile from 0/s to 1e6/s at 1000 s, in a 20 s run: the rate at the end is
  // 20,000/s and the count a Poisson count of mean 200,000 (the area under the ramp), with
  // a relative standard deviation of 0.22%. Thinning bounded by the far point drew 50
  // rejected candidates per arrival (and 40,000 for the fuzzer's 1e9/s at 100 days); thinning
  // bounded by the piece's start (0/s) would send nothing, and one that forgot the thinning
  // draw would send 20,000/s throughout: 400,000.
  const auto s = run_summary(basic_scenario("mm1.json"),
                             {"--set", "duration=\"20s\"", "--set", "warmup=\"0s\"", "--set",
                              R"(users.arrivals.rate=[["0s", 0], ["1000s", 1000000]])", "--set",
                              "web.concurrency=1000", "--set", "web.service_time.mean=\"1ms\""});
  check_no_failures(s);
  check_rel(s, "latency_ms.count", 200000, throughput_tolerance(10000, 20));
}
