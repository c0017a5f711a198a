// Sagas end to end (models/service/service_saga.cpp), against the saga pattern's rule
// (Garcia-Molina and Salem, SIGMOD 1987: when step k fails, the compensations of steps
// k-1 ... 0 run, and only those) and the binomial law of independent failures: a saga fails at
// step k with probability (1 - q)^k p when each earlier step fails with q and step k with p.
#include <doctest/doctest.h>

#include <cmath>
#include <string>

#include "tests/e2e/run_archsim.h"

using archsim::e2e::num;
using archsim::e2e::run_summary;
using archsim::e2e::write_scenario;
using nlohmann::json;

namespace {

// Orders at 100/s (Poisson) run a three-step saga a, b, c; a and b are undone by calls to
// a_undo and b_undo (services of their own, so that a fault on a step leaves its compensation
// alone). `faults` are error_rate faults for the whole run, as {target, rate}.
json saga_scenario(const std::vector<std::pair<std::string, double>>& faults, const std::string& duration) {
  json d = json::parse(R"({"seed": 11, "warmup": "0s", "window": "5s",
    "components": [
      {"id": "shop", "type": "client", "target": "orders", "timeout": "60s",
       "arrivals": {"process": "poisson", "rate": 100}, "routes": [{"name": "place"}]},
      {"id": "orders", "type": "service", "replicas": 1, "concurrency": 200,
       "routes": {"place": [{"saga": [
         {"call": "a", "compensate": {"call": "a_undo"}},
         {"call": "b", "compensate": {"call": "b_undo",
                                      "retry": {"max_attempts": 3, "backoff": {"base": "10ms", "jitter": "none"}}}},
         {"call": "c"}]}]}},
      {"id": "a", "type": "service", "replicas": 1, "concurrency": 100, "service_time": "1ms"},
      {"id": "b", "type": "service", "replicas": 1, "concurrency": 100, "service_time": "1ms"},
      {"id": "c", "type": "service", "replicas": 1, "concurrency": 100, "service_time": "1ms"},
      {"id": "a_undo", "type": "service", "replicas": 1, "concurrency": 100, "service_time": "1ms"},
      {"id": "b_undo", "type": "service", "replicas": 1, "concurrency": 100, "service_time": "1ms"}]})");
  d["duration"] = duration;
  d["faults"] = json::array();
  for (const auto& f : faults)
    d["faults"].push_back({{"at", "0s"}, {"kind", "error_rate"}, {"target", f.first}, {"rate", f.second}});
  return d;
}

// |x - n p| within four standard deviations of Binomial(n, p).
void check_binomial(double x, double n, double p) {
  const double sd = std::sqrt(n * p * (1 - p));
  INFO("observed " << x << ", expected " << n * p << " +- " << 4 * sd);
  CHECK(std::abs(x - n * p) < 4 * sd);
}

}  // namespace

TEST_CASE("saga: a failure at the last step runs the earlier steps' compensations, a business failure") {
  // c fails with p = 0.2; a and b never fail. Every saga that fails fails at c, after a and b
  // succeeded: exactly two compensations each. A compensated saga is a failed request (cause
  // saga_compensated), counted at the client as at the orchestrator.
  json s = run_summary(write_scenario("saga-last", saga_scenario({{"c", 0.2}}, "200s")), {});
  const double n = num(s, "components.orders.sagas");
  const double failed = num(s, "components.orders.sagas_compensated");
  CHECK(n > 19000);
  CHECK(num(s, "components.orders.compensations") == 2 * failed);
  CHECK(num(s, "components.a_undo.ok") == failed);
  CHECK(num(s, "components.b_undo.ok") == failed);
  CHECK(num(s, "components.orders.sagas_inconsistent") == 0);
  CHECK(num(s, "requests.by_cause.saga_compensated") == failed);
  CHECK(num(s, "requests.ok") == num(s, "components.orders.sagas_committed"));
  CHECK(num(s, "requests.failed") == failed);
  check_binomial(failed, n, 0.2);
}

TEST_CASE("saga: failures before step k take their sagas out; compensations = successes before k") {
  // a fails with q = 0.3 (nothing to undo: no compensation), c with p = 0.2 (a and b undone).
  // Sagas failing at c: Binomial(n, (1 - q) p) = n x 0.14; all failures: n (q + (1 - q) p).
  json s = run_summary(write_scenario("saga-before", saga_scenario({{"a", 0.3}, {"c", 0.2}}, "200s")), {});
  const double n = num(s, "components.orders.sagas");
  const double at_c = num(s, "components.a_undo.ok");
  CHECK(num(s, "components.b_undo.ok") == at_c);
  CHECK(num(s, "components.orders.compensations") == 2 * at_c);
  check_binomial(at_c, n, 0.7 * 0.2);
  const double failed = num(s, "components.orders.sagas_compensated");
  CHECK(num(s, "requests.by_cause.saga_compensated") == failed);
  check_binomial(failed, n, 0.3 + 0.7 * 0.2);
  // The ones that failed at a: a's own errors.
  CHECK(failed - at_c == num(s, "components.a.errors"));
}

TEST_CASE("saga: a compensation that fails after its retries leaves the saga inconsistent, the rest still run") {
  // b_undo always fails: each of its compensations takes 3 attempts (2 retries), fails, and the
  // orchestrator goes on to undo a. Every saga that failed at c is inconsistent.
  json s = run_summary(write_scenario("saga-inconsistent", saga_scenario({{"c", 0.2}, {"b_undo", 1.0}}, "60s")), {});
  const double at_c = num(s, "components.a_undo.ok");
  CHECK(at_c > 0);
  CHECK(num(s, "components.orders.sagas_inconsistent") == at_c);
  CHECK(num(s, "components.orders.sagas_compensated") == 0);
  CHECK(num(s, "components.orders.compensation_failures") == at_c);
  CHECK(num(s, "components.orders.compensations") == 2 * at_c);
  CHECK(num(s, "components.orders.calls.b_undo.calls") == at_c);
  CHECK(num(s, "components.orders.calls.b_undo.attempts") == 3 * at_c);
  CHECK(num(s, "components.orders.calls.b_undo.retries") == 2 * at_c);
  CHECK(num(s, "requests.by_cause.saga_inconsistent") == at_c);
}
