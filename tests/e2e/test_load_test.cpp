// Fixed-count load tests (a client's "iterations": ab -n N -c C, k6's shared-iterations and
// per-vu-iterations executors) against exact arithmetic: a closed loop of C users and a
// service of k workers with a constant service time S keeps every worker busy while C >= k,
// so N requests take N S / k; with C <= k no request waits, and each user's iterations follow
// one another (S plus the think time each). The run must end when the test does.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "tests/e2e/run_archsim.h"

using archsim::e2e::basic_scenario;
using archsim::e2e::has;
using archsim::e2e::num;
using archsim::e2e::run_summary;

namespace {

struct Case {
  std::vector<std::string> set;
  double duration_s;  // exact, by arithmetic
  double requests;
};

}  // namespace

TEST_CASE("fixed-count load test: the test's duration and requests per second are exact") {
  // Wrong engines and what they print: users that think before their first request (as an
  // open-ended closed loop starts them) add a think time to every per-user case; a client
  // that counts only its first N replies but keeps sending runs to the cap (600 s); one
  // that ends the test at the last reply and not after the last think time prints 4.97 s for
  // the think-time case; per-vu iterations shared out as a total print half the requests.
  const Case cases[] = {
      {{}, 5.0, 1000},                                                             // 1000 x 20 ms / 4 workers
      {{"--set", "web.concurrency=10"}, 2.0, 1000},                                // 100 rounds of 20 ms
      {{"--set", "web.concurrency=10", "--set", "users.iterations=1001"}, 2.02, 1001},  // the 101st round holds one
      {{"--set", "users.executor=per_vu_iterations", "--set", "users.iterations=200"}, 10.0, 2000},
      // No queueing (10 workers): each iteration is 20 ms of work and 30 ms of thinking.
      {{"--set", "web.concurrency=10", "--set", "users.executor=per_vu_iterations", "--set", "users.iterations=100",
        "--set", "users.think_time=\"30ms\""},
       5.0, 1000},
  };
  for (const Case& c : cases) {
    std::string args;
    for (const auto& a : c.set) args += a + " ";
    CAPTURE(args);
    const auto s = run_summary(basic_scenario("load-test.json"), c.set);
    CHECK(num(s, "components.users.load_test.duration_s") == doctest::Approx(c.duration_s).epsilon(1e-9));
    CHECK(num(s, "components.users.load_test.requests") == c.requests);
    CHECK(num(s, "components.users.load_test.iterations_interrupted") == 0);
    CHECK(num(s, "components.users.load_test.requests_per_s") == doctest::Approx(c.requests / c.duration_s).epsilon(1e-6));
    // ab's time per request: users x time taken / complete requests.
    CHECK(num(s, "components.users.load_test.time_per_request_ms") ==
          doctest::Approx(10 * c.duration_s * 1e3 / c.requests).epsilon(1e-6));
    // The run ended with the test, and its throughput is over the test's time, not the cap's.
    CHECK(num(s, "ended_s") == doctest::Approx(c.duration_s).epsilon(1e-9));
    CHECK(num(s, "requests.ok") == c.requests);
    CHECK(num(s, "throughput_rps") == doctest::Approx(c.requests / c.duration_s).epsilon(1e-3));
  }
}

TEST_CASE("fixed-count load test: the duration is a cap that interrupts the iterations left") {
  // 4 workers finish 4 requests every 20 ms; an event at the end instant belongs to no run
  // ([0, 3 s)), so 149 rounds end: 596 iterations, 404 interrupted (k6's word).
  const auto s = run_summary(basic_scenario("load-test.json"), {"--set", "duration=3s"});
  CHECK(num(s, "components.users.load_test.iterations") == 596);
  CHECK(num(s, "components.users.load_test.iterations_interrupted") == 404);
  CHECK(num(s, "components.users.load_test.duration_s") == doctest::Approx(3.0));
  CHECK(!has(s, "ended_s"));
}
