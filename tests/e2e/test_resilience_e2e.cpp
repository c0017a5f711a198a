// Resilience policies end to end, through the binary and the scenarios a user runs
// (scenarios/failures/): the stories those files tell must hold, every request must end
// exactly once, and bad policy input must be refused with exit 2 and the JSON location.
//
//   - retry storm (Huang et al., "Metastable Failures in the Wild", OSDI 2022; Brooker's
//     retry analysis): after a one-minute trigger, clients retrying without budget or jitter
//     keep the system at zero goodput; with a retry budget and jittered backoff the same
//     system recovers to full availability;
//   - cascade: a slow dependency without protection drags down a route that never calls it;
//     timeout + breaker + bulkhead keep that route healthy;
//   - conservation: total = ok + failed and sent + in_flight_at_warmup = total + in_flight.
#include <doctest/doctest.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "tests/e2e/run_archsim.h"

using namespace archsim::e2e;

namespace {

std::string failures(const std::string& file) { return source_path("scenarios/failures/" + file); }

// Average of (component, metric) over the windows whose end lies in (from_s, to_s].
double window_average(const std::string& csv_path, const std::string& component, const std::string& metric,
                      double from_s, double to_s) {
  double sum = 0;
  int n = 0;
  for (const auto& row : archsim::e2e::series_rows(csv_path, component, metric)) {
    const std::string& v = row.second;
    if (row.first <= from_s || row.first > to_s || v == "nan" || v.empty()) continue;
    sum += std::stod(v);
    ++n;
  }
  REQUIRE_MESSAGE(n > 0, "no windows of " << component << "/" << metric << " in (" << from_s << ", " << to_s << "]");
  return sum / n;
}

void check_conservation(const nlohmann::json& s) {
  const double total = num(s, "requests.total"), ok = num(s, "requests.ok"), failed = num(s, "requests.failed");
  CHECK(total == ok + failed);
  CHECK(num(s, "requests.sent") + num(s, "requests.in_flight_at_warmup") == total + num(s, "requests.in_flight"));
  double causes = 0;
  for (const auto& [k, v] : at(s, "requests.by_cause").items()) causes += v.get<double>();
  CHECK(causes == failed);
}

struct Run {
  nlohmann::json summary;
  std::string csv;
};

Run run_with_csv(const std::string& scenario, const std::string& name, std::vector<std::string> extra = {}) {
  std::string out = scratch_dir(name);
  std::vector<std::string> args = {"run", scenario, "--json", "--quiet", "--out", out};
  args.insert(args.end(), extra.begin(), extra.end());
  RunResult r = run_archsim(args, 60);
  INFO(describe(r));
  REQUIRE(r.exit_code == 0);
  return Run{parse_summary(r), out + "/timeseries.csv"};
}

}  // namespace

TEST_CASE("retry storm: stays down after the trigger without a budget, recovers with one") {
  // The trigger (300/s on a 200/s API) lasts from 2m to 3m; compare the windows from 4m to
  // the end (6m here), a minute after the trigger is gone.
  const std::vector<std::string> shorter = {"--set", "duration=6m"};
  Run storm = run_with_csv(failures("retry-storm.json"), "storm", shorter);
  Run cured = run_with_csv(failures("retry-storm-budget.json"), "storm-budget", shorter);
  for (const Run* r : {&storm, &cured}) check_conservation(r->summary);

  const double offered = 140;
  double storm_good = window_average(storm.csv, "users", "throughput_rps", 240, 360);
  double storm_err = window_average(storm.csv, "users", "errors_rps", 240, 360);
  double cured_good = window_average(cured.csv, "users", "throughput_rps", 240, 360);
  double cured_err = window_average(cured.csv, "users", "errors_rps", 240, 360);
  INFO("after the trigger: storm goodput ", storm_good, "/s errors ", storm_err, "/s; with budget goodput ", cured_good,
       "/s errors ", cured_err, "/s");
  // Metastable: the API is busy on abandoned work and almost nothing succeeds.
  CHECK(storm_good < 0.05 * offered);
  CHECK(storm_err > 0.9 * offered);
  CHECK(num(storm.summary, "components.api.utilization") > 0.9);
  // Before the trigger both were healthy (the storm is caused by the trigger, not the load).
  CHECK(window_average(storm.csv, "users", "errors_rps", 30, 120) == 0);
  // Recovered: every request succeeds again, and the budget did refuse retries.
  CHECK(cured_good > 0.95 * offered);
  CHECK(cured_err < 0.01 * offered);
  CHECK(num(cured.summary, "components.users.resilience.retry_budget_exhausted") > 0);
  // Retries multiplied the storm's attempts, not the cured run's.
  CHECK(num(storm.summary, "components.users.resilience.attempts") > 3 * num(storm.summary, "requests.sent"));
  CHECK(num(cured.summary, "components.users.resilience.attempts") < 1.2 * num(cured.summary, "requests.sent"));
}

TEST_CASE("cascade: a slow dependency takes down a route that never calls it, unless the call is protected") {
  nlohmann::json bare = run_summary(failures("cascade.json"), {});
  nlohmann::json guarded = run_summary(failures("cascade-protected.json"), {});
  check_conservation(bare);
  check_conservation(guarded);
  CHECK(num(bare, "routes.browse.availability") < 0.5);
  CHECK(num(bare, "components.api.utilization") > 0.99);  // every API worker stuck on payment
  CHECK(num(guarded, "routes.browse.availability") > 0.999);
  CHECK(num(guarded, "routes.browse.latency_ms.p99") < 100);
  CHECK(num(guarded, "routes.pay.availability") > 0.1);  // pay still partly served
  CHECK(num(guarded, "components.api.calls.payment.bulkhead_full") > 0);
  CHECK(num(guarded, "requests.by_cause.bulkhead_full") == num(guarded, "components.api.calls.payment.bulkhead_full"));
  // Same scenario, same seed: the same summary.
  CHECK(without_run(guarded) == without_run(run_summary(failures("cascade-protected.json"), {})));
}

TEST_CASE("cascade-protected: --vary reaches the bulkhead of the call step") {
  std::string out = scratch_dir("cascade-compare");
  RunResult r = run_archsim({"compare", failures("cascade-protected.json"), "--vary",
                             "api.routes.pay.1.bulkhead.max_concurrent=2,4,8", "--out", out, "--json"},
                            60);
  INFO(describe(r));
  REQUIRE(r.exit_code == 0);
  nlohmann::json j = nlohmann::json::parse(r.out);
  REQUIRE(j["variants"].size() == 3);
  // The bulkhead really took each value: fewer slots refuse more calls, strictly.
  std::vector<double> full;
  for (const auto& v : j["variants"]) full.push_back(num(v["summary"], "components.api.calls.payment.bulkhead_full"));
  CHECK(full[0] > full[1]);
  CHECK(full[1] > full[2]);
}

TEST_CASE("rate limiter and pool scenarios report their own causes") {
  nlohmann::json gw = run_summary(failures("rate-limit-gateway.json"), {});
  check_conservation(gw);
  CHECK(num(gw, "requests.by_cause.rate_limited") > 0);
  CHECK(num(gw, "components.backend.utilization") < 0.85);
  nlohmann::json pool = run_summary(failures("pool-exhaustion.json"), {});
  check_conservation(pool);
  CHECK(num(pool, "requests.by_cause.pool_timeout") > 0);
  CHECK(num(pool, "routes.static.availability") == 1);
  CHECK(num(pool, "components.db.utilization") < 0.5);  // the pool is the bottleneck, not the db
}

TEST_CASE("bad resilience input: exit 2, one line naming the JSON location") {
  struct Case {
    const char* name;
    std::string policy;  // fields of the API's call step
    const char* pointer;
  };
  const std::vector<Case> cases = {
      {"threshold", R"("circuit_breaker": {"failure_rate_threshold": 1.2})", "/routes/pay/1/circuit_breaker/failure_rate_threshold"},
      {"window", R"("circuit_breaker": {"window": {"type": "time", "size": 0}})", "/routes/pay/1/circuit_breaker/window/size"},
      {"wait", R"("circuit_breaker": {"wait_in_open": "-1s"})", "/routes/pay/1/circuit_breaker/wait_in_open"},
      {"attempts", R"("retry": {"max_attempts": 0})", "/routes/pay/1/retry/max_attempts"},
      {"jitter", R"("retry": {"backoff": {"jitter": "fulll"}})", "/routes/pay/1/retry/backoff/jitter"},
      {"multiplier", R"("retry": {"backoff": {"multiplier": 0.5}})", "/routes/pay/1/retry/backoff/multiplier"},
      {"factor-range", R"("retry": {"backoff": {"jitter": "randomized", "randomization_factor": 2}})",
       "/routes/pay/1/retry/backoff/randomization_factor"},
      {"factor-without-randomized", R"("retry": {"backoff": {"randomization_factor": 0.3}})",
       "/routes/pay/1/retry/backoff/randomization_factor"},
      {"rate-wait-token-bucket", R"("rate_limiter": {"rate": 5, "timeout_duration": "1s"})",
       "/routes/pay/1/rate_limiter/timeout_duration"},
      {"open-multiplier", R"("circuit_breaker": {"wait_in_open_multiplier": 0.5})",
       "/routes/pay/1/circuit_breaker/wait_in_open_multiplier"},
      {"open-cap", R"("circuit_breaker": {"wait_in_open": "10s", "max_wait_in_open": "5s"})",
       "/routes/pay/1/circuit_breaker/max_wait_in_open"},
      {"open-randomization", R"("circuit_breaker": {"wait_in_open_randomization_factor": 1.5})",
       "/routes/pay/1/circuit_breaker/wait_in_open_randomization_factor"},
      {"automatic-not-bool", R"("circuit_breaker": {"automatic_transition": "yes"})",
       "/routes/pay/1/circuit_breaker/automatic_transition"},
      {"state-half-open", R"("circuit_breaker": {"state": "half_open"})", "/routes/pay/1/circuit_breaker/state"},
      {"state-change-order",
       R"("circuit_breaker": {"state_changes": [{"at": "2m", "state": "forced_open"}, {"at": "1m", "state": "closed"}]})",
       "/routes/pay/1/circuit_breaker/state_changes/1/at"},
      {"state-change-unknown", R"("circuit_breaker": {"state_changes": [{"at": "1m", "state": "forced-open"}]})",
       "/routes/pay/1/circuit_breaker/state_changes/0/state"},
      {"state-change-missing", R"("circuit_breaker": {"state_changes": [{"at": "1m"}]})",
       "/routes/pay/1/circuit_breaker/state_changes/0/state"},
      {"key-resolver-unknown", R"("rate_limiter": {"rate": 5, "key_resolver": "ip"})", "/routes/pay/1/rate_limiter/key_resolver"},
      {"key-resolver-window", R"("rate_limiter": {"type": "sliding_window", "limit": 5, "key_resolver": "user"})",
       "/routes/pay/1/rate_limiter/key_resolver"},
      {"max-keys-alone", R"("rate_limiter": {"rate": 5, "max_keys": 10})", "/routes/pay/1/rate_limiter/max_keys"},
      {"max-keys-zero", R"("rate_limiter": {"rate": 5, "key_resolver": "user", "max_keys": 0})",
       "/routes/pay/1/rate_limiter/max_keys"},
      {"deadline-without-timeout", R"("bulkhead": {"max_concurrent": 2, "max_wait": "1s"}, "timeout_includes_wait": true)",
       "/routes/pay/1/timeout_includes_wait"},
      {"deadline-nothing-waits", R"("timeout": "1s", "retry": {"max_attempts": 2}, "timeout_includes_wait": true)",
       "/routes/pay/1/timeout_includes_wait"},
      {"deadline-not-bool", R"("timeout": "1s", "bulkhead": {"max_concurrent": 2}, "timeout_includes_wait": "yes")",
       "/routes/pay/1/timeout_includes_wait"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.name);
    std::string dir = scratch_dir(std::string("bad-") + c.name);
    std::string path = dir + "/bad.json";
    std::ofstream(path) << R"({"duration": "1m", "components": [
      {"id": "users", "type": "client", "target": "api", "arrivals": {"rate": 10}, "routes": [{"name": "pay"}]},
      {"id": "api", "type": "service", "routes": {"pay": [{"work": "1ms"}, {"call": "payment", )" + c.policy + R"(}]}},
      {"id": "payment", "type": "service", "service_time": "1ms"}]})";
    RunResult r = run_archsim({"run", path, "--json", "--quiet", "--out", dir}, 30);
    INFO(describe(r));
    CHECK(r.exit_code == 2);
    CHECK(r.out.empty());
    auto ls = lines(r.err);
    REQUIRE(ls.size() == 1);
    CHECK(ls[0].find(path + ": /components/1" + c.pointer + ":") == 0);
  }
}

namespace {
// Runs a scenario given as JSON text (written to a scratch folder named `name`) and returns
// its summary; the run must succeed.
nlohmann::json run_text(const std::string& name, const std::string& text) {
  const std::string dir = scratch_dir(name);
  const std::string path = dir + "/s.json";
  std::ofstream(path) << text;
  RunResult r = run_archsim({"run", path, "--json", "--quiet", "--no-report", "--out", dir + "/out"}, 60);
  INFO(describe(r));
  REQUIRE(r.exit_code == 0);
  return nlohmann::json::parse(r.out);
}
}  // namespace

// The backoff multiplier end to end: a call that fails half the time, retried with no jitter
// after 100 ms x multiplier^n. A request served on its third attempt waited 100 ms, then
// 100 x m ms: 300 ms with m = 2 and 400 ms with m = 3, so the p90 of the served requests
// (a quarter of them need three attempts) sits just above one or the other.
TEST_CASE("retry backoff multiplier: the third attempt comes after base x (1 + multiplier)") {
  auto p90 = [](const std::string& multiplier) {
    const nlohmann::json s = run_text("backoff-multiplier-" + multiplier, R"({"duration": "10m", "seed": 4, "components": [
      {"id": "users", "type": "client", "target": "api", "arrivals": {"rate": 20},
       "retry": {"max_attempts": 3, "backoff": {"base": "100ms", "jitter": "none", "multiplier": )" +
                               multiplier + R"(}}},
      {"id": "api", "type": "service", "concurrency": 100, "service_time": "1ms"}],
      "faults": [{"at": "0s", "duration": "10m", "kind": "error_rate", "target": "api", "rate": 0.5}]})");
    return num(s, "latency_ms.p90");
  };
  const double two = p90("2"), three = p90("3");
  CHECK(two > 300);
  CHECK(two < 310);
  CHECK(three > 400);
  CHECK(three < 410);
}

// Resilience4j's rate limiter waiting (timeoutDuration) end to end: 8 requests/s, Poisson,
// against 10 permissions per second. Refusing at once turns away the overflow of the busy
// seconds (E[(N - 10)+] for N ~ Poisson(8): about 0.37/s, 4.6 %); waiting up to 2 s for a
// later second's permission serves them all, at the price of the wait.
TEST_CASE("fixed_window timeout_duration: a call waits for a later period's permission instead of failing") {
  auto run = [](const std::string& wait) {
    return run_text("rate-wait-" + wait, R"({"duration": "20m", "seed": 2, "components": [
      {"id": "users", "type": "client", "target": "api", "arrivals": {"rate": 8},
       "rate_limiter": {"type": "fixed_window", "limit": 10, "period": "1s", "timeout_duration": ")" + wait + R"("}},
      {"id": "api", "type": "service", "concurrency": 100, "service_time": "1ms"}]})");
  };
  const auto at_once = run("0s"), waiting = run("2s");
  const double refused = num(at_once, "requests.by_cause.rate_limited") / num(at_once, "requests.total");
  CHECK(refused > 0.035);
  CHECK(refused < 0.06);
  CHECK(num(waiting, "requests.by_cause.rate_limited") == 0);
  CHECK(num(waiting, "components.users.resilience.rate_waited") > 0);
  // The waits show in the latency: the p99 is a good part of a second, not 1 ms.
  CHECK(num(waiting, "latency_ms.p99") > 100);
  CHECK(num(at_once, "latency_ms.p99") < 10);
}

// The exponential open wait end to end: a dependency that always fails, a breaker that opens
// on 5 calls and tries one call half-open. With a fixed 1 s wait it opens about once a
// second; doubling the wait (1, 2, 4, 8, 16, 32 s) it opens 6 times in the first 63 s and
// once more by 127 s: 7 in a 100 s run.
TEST_CASE("circuit breaker wait_in_open_multiplier: each failed trial doubles the open wait") {
  auto opened = [](const std::string& multiplier) {
    const nlohmann::json s = run_text("open-wait-" + multiplier, R"({"duration": "100s", "warmup": "0s", "seed": 3, "components": [
      {"id": "users", "type": "client", "target": "api", "arrivals": {"rate": 50},
       "circuit_breaker": {"window": {"type": "count", "size": 5}, "minimum_calls": 5, "wait_in_open": "1s",
                           "half_open_calls": 1, "wait_in_open_multiplier": )" + multiplier + R"(}},
      {"id": "api", "type": "service", "concurrency": 100, "service_time": "1ms"}],
      "faults": [{"at": "0s", "duration": "100s", "kind": "error_rate", "target": "api", "rate": 1}]})");
    return num(s, "components.users.resilience.circuit_opened");
  };
  const double fixed = opened("1"), doubling = opened("2");
  CHECK(fixed > 90);
  CHECK(fixed <= 100);
  CHECK(doubling == 7);
}

// One deadline over the caller's queue and the call (timeout_includes_wait, as MongoDB's
// timeoutMS and a gRPC deadline): a client that lets one call out at a time (a bulkhead of 1
// that may wait 10 s) to a server of 100 ms, offered 6/s against its 10/s. With the timeout
// on the call only, every call sent is answered in its 100 ms, so none times out and the
// slowest answers come after their wait in the client (the p99 near half a second). With one
// 250 ms deadline no answer comes after 250 ms, and a call sent with less than 100 ms left
// times out while the server still works on it: the bulkhead lets the next one out at once,
// so the server queues calls nobody waits for, and answers fewer than the same system
// without the deadline.
TEST_CASE("timeout_includes_wait: one deadline over the client's queue and the call") {
  auto run = [](bool deadline) {
    return run_text(std::string("deadline-") + (deadline ? "on" : "off"), R"({"duration": "5m", "warmup": "30s", "seed": 3,
      "components": [
      {"id": "users", "type": "client", "target": "api", "arrivals": {"rate": 6}, "timeout": "250ms",
       "bulkhead": {"max_concurrent": 1, "max_wait": "10s", "max_waiting": 100000}, "timeout_includes_wait": )" +
                                                 std::string(deadline ? "true" : "false") + R"(},
      {"id": "api", "type": "service", "concurrency": 1, "service_time": {"dist": "constant", "value": "100ms"}}]})");
  };
  const auto apart = run(false), one = run(true);
  for (const auto* s : {&apart, &one}) check_conservation(*s);
  CHECK(num(apart, "requests.by_cause.timeout") == 0);
  CHECK(num(apart, "components.api.wasted_cpu_s") == 0);
  CHECK(num(apart, "latency_ms.p99") > 300);
  CHECK(num(one, "latency_ms.max") <= 250.001);
  CHECK(num(one, "requests.by_cause.timeout") > 0);
  CHECK(num(one, "requests.by_cause.bulkhead_full") == 0);  // every wait ended at the deadline, not at 10 s
  // The server's wasted time is whole calls of 100 ms, at most one per timeout (a call that
  // timed out before it was sent cost the server nothing).
  const double wasted = num(one, "components.api.wasted_cpu_s");
  CHECK(wasted > 0);
  CHECK(wasted <= num(one, "requests.by_cause.timeout") * 0.1 + 1e-6);
  CHECK(num(one, "requests.ok") < num(apart, "requests.ok"));
}

// The OSDI 2022 retry experiment with the queue in the client (scenarios/metastability/README.md):
// a pool of 100 in the client (the MongoDB driver's maxPoolSize) that may wait 3 s. With the
// 3 s timeout on the call only, the cut's backlog waits in the client and the system recovers;
// with one deadline over the wait and the call (the drivers' timeoutMS) it stays failed.
TEST_CASE("timeout_includes_wait: the retry experiment with the queue in the client tips only with one deadline") {
  const std::string scenario = source_path("scenarios/metastability/retry-storm.json");
  const std::string pool = R"(client.bulkhead={"max_concurrent": 100, "max_wait": "3s", "max_waiting": 10000000})";
  Run apart = run_with_csv(scenario, "client-queue-apart", {"--set", pool, "--set", "client.timeout_includes_wait=false"});
  Run one = run_with_csv(scenario, "client-queue-one", {"--set", pool, "--set", "client.timeout_includes_wait=true"});
  for (const Run* r : {&apart, &one}) check_conservation(r->summary);
  // From 40 s to the end (the cut is 20-30 s): the offered 13,333/s served, or nothing.
  CHECK(window_average(apart.csv, "all", "throughput_rps", 40, 60) > 13000);
  CHECK(window_average(one.csv, "all", "throughput_rps", 40, 60) < 100);
  CHECK(num(apart.summary, "requests.by_cause.timeout") == 0);
  CHECK(num(one.summary, "components.primary.wasted_cpu_s") > 0);
}
