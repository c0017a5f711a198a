// The balancer's proxy queue (HAProxy `maxconn 1` on each of c servers, one backend queue,
// the head handed to the first server that frees) against Erlang C, end to end: the shipped
// scenario scenarios/balancing/proxy-queue.json is an M/M/4 queue at rho 0.8 (lambda 160/s,
// mu 50/s). Theory: P(wait) = C(4, 3.2) = 0.596, mean wait 14.9 ms over all requests and
// 25 ms over those that wait, mean time in system 34.9 ms, p50 26.9 ms, p99 137.9 ms.
// The relative standard deviations are test_theory.cpp's for M/M/4 at rho 0.8 (the same model
// in other time units), there over 576,000 requests, here scaled to this run's count.
// Wrong engines: four queues behind round robin (what the balancer did without max_conn) give
// E_4/M/1 queues, 52 ms mean; random dispatch M/M/1 queues, 100 ms; a queue that skipped
// the free server's turn (LIFO, or handing the head to the next round-robin server) keeps the
// mean but not the p99.
#include <doctest/doctest.h>

#include <string>

#include "tests/e2e/checks.h"
#include "tests/e2e/run_archsim.h"
#include "tests/e2e/theory.h"

using archsim::e2e::check_rel;
using archsim::e2e::measured_seconds;
using archsim::e2e::num;
using archsim::e2e::rel_tolerance;
using archsim::e2e::run_summary;
using archsim::e2e::source_path;
namespace theory = archsim::theory;

TEST_CASE("proxy queue: c servers of max_conn 1 behind one balancer queue are an M/M/c queue (Erlang C)") {
  const int c = 4;
  const double lambda = 160, mu = 50;
  const double ref_requests = 576000;  // test_theory.cpp's M/M/4 reference run
  const auto s = run_summary(source_path("scenarios/balancing/proxy-queue.json"),
                             {"--set", "duration=1830s", "--seed", "5"});
  const double T = measured_seconds(s);
  const double ref_s = ref_requests / lambda;  // the same number of requests
  const auto m = theory::mmc(c, lambda, mu);
  CHECK(num(s, "requests.failed") == 0);
  check_rel(s, "latency_ms.mean", 1e3 * m.mean_sojourn, rel_tolerance(0.0085, ref_s, T));
  check_rel(s, "latency_ms.p50", 1e3 * theory::mmc_sojourn_quantile(c, lambda, mu, 0.50), rel_tolerance(0.007, ref_s, T));
  check_rel(s, "latency_ms.p99", 1e3 * theory::mmc_sojourn_quantile(c, lambda, mu, 0.99), rel_tolerance(0.018, ref_s, T));
  // The queue itself: the fraction that waited (Erlang C), the mean wait of those that
  // waited, 1 / (c mu - lambda) = 25 ms, and the time-average queue length Lq = lambda Wq.
  const double pw = theory::erlang_c(c, lambda / mu);
  check_rel(s, "components.lb.queue.waited_fraction", pw, 0.03);
  check_rel(s, "components.lb.queue.wait_ms.mean", 1e3 / (c * mu - lambda),
            rel_tolerance(0.0085 * m.mean_sojourn / m.mean_wait, ref_s, T));
  check_rel(s, "components.lb.queue.length", m.mean_queue, rel_tolerance(0.0085 * m.mean_sojourn / m.mean_wait, ref_s, T));
  // Never more than one request in a server; equal servers share equally.
  for (const char* t : {"s1", "s2", "s3", "s4"}) {
    CAPTURE(t);
    CHECK(num(s, std::string("components.lb.backends.") + t + ".in_flight") <= 1.0);
    check_rel(s, std::string("components.lb.share.") + t, 0.25, 0.02);
  }
}

TEST_CASE("proxy queue: without max_conn the same balancer keeps four queues and a half longer mean") {
  // Round robin over four M/M/1-like servers (each sees every fourth arrival: E_4/M/1):
  // mean 52 ms against the shared queue's 35 ms; the difference is what max_conn models.
  const auto s = run_summary(source_path("scenarios/balancing/proxy-queue.json"),
                             {"--set", "duration=630s", "--set", "lb.max_conn=null", "--set", "lb.queue_timeout=null",
                              "--seed", "5"});
  check_rel(s, "latency_ms.mean", 1e3 * theory::ekm1_mean_sojourn(4, 160, 50), 0.1);
}
