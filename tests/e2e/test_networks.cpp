// Queueing networks through the service's steps, against their product-form solutions:
// a tandem of two stations with an event-loop ("io": "async") front station (Burke's
// theorem), and an open Jackson network with probabilistic routing and a feedback loop
// (traffic equations, M/M/1 per station, Little's law end to end).
#include <doctest/doctest.h>

#include "tests/e2e/checks.h"
#include "tests/e2e/run_archsim.h"

using archsim::e2e::basic_scenario;
using archsim::e2e::check_rel;
using archsim::e2e::num;
using archsim::e2e::run_summary;

TEST_CASE("tandem: an async front station frees its worker during the call, so both stations are M/M/1") {
  // lambda 50/s, 8 ms exponential at each station: rho 0.4, W = 1/(125 - 50) = 13.33 ms each.
  const auto s = run_summary(basic_scenario("tandem.json"), {});
  CHECK(num(s, "requests.failed") == 0);
  check_rel(s, "components.b.latency_ms.mean", 1000.0 / 75.0, 0.03);
  check_rel(s, "latency_ms.mean", 2000.0 / 75.0, 0.03);
  check_rel(s, "components.a.utilization", 0.4, 0.02);
  // Blocking io holds A's worker through B's time as well: A becomes the bottleneck and the
  // end-to-end mean grows far beyond the network's 26.7 ms (a wrong "async" would print this).
  const auto blocking = run_summary(basic_scenario("tandem.json"), {"--set", "a.io=\"blocking\"", "--set", "duration=30m"});
  CHECK(num(blocking, "latency_ms.mean") > 1.5 * 2000.0 / 75.0);
  CHECK(num(blocking, "components.a.utilization") > 0.7);
}

TEST_CASE("open Jackson network with feedback: traffic equations, M/M/1 per station, Little end to end") {
  // Visits: A = 1 / (1 - 0.25) = 4/3, B = 0.5 x 4/3 = 2/3; lambda 50/s.
  const double lambda = 50, la = lambda * 4 / 3, lb = lambda * 2 / 3;
  const double mua = 125, mub = 100;
  const double wa = 1 / (mua - la), wb = 1 / (mub - lb);                      // per visit
  const double e2e = (la / (mua - la) + lb / (mub - lb)) / lambda;             // L / lambda
  const auto s = run_summary(basic_scenario("jackson.json"), {});
  CHECK(num(s, "requests.failed") == 0);
  check_rel(s, "components.a.throughput_rps", la, 0.01);
  check_rel(s, "components.b.throughput_rps", lb, 0.015);
  check_rel(s, "components.a.utilization", la / mua, 0.02);
  check_rel(s, "components.b.utilization", lb / mub, 0.02);
  // A feedback decision correlated between requests (it was: a linear salt made pass 1 of
  // request n draw pass 0 of request n + 1) gives 18.2 ms at A and 34.9 ms end to end.
  check_rel(s, "components.a.latency_ms.mean", wa * 1e3, 0.03);
  check_rel(s, "components.b.latency_ms.mean", wb * 1e3, 0.03);
  check_rel(s, "latency_ms.mean", e2e * 1e3, 0.03);
}
