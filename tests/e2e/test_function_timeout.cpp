// Serverless handler timeouts and asynchronous retries end to end (models/function), against
// AWS Lambda's documented rules: a timed-out invocation is billed for the whole timeout
// (GB-s = timed-out invocations x timeout x memory GB, with a cold start's INIT), Lambda
// resets its environment (the next invocation runs INIT again), and an asynchronous event
// whose attempts time out is tried again one minute and then two minutes after its failures
// (MaximumRetryAttempts 2) before it is discarded to the dead-letter destination.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "tests/e2e/bad_input.h"
#include "tests/e2e/run_archsim.h"
#include "tests/e2e/theory.h"

using namespace archsim::e2e;
using nlohmann::json;

namespace {

// One client sending one request a second from t = 1 s until `last` s (`last` requests), to a function whose
// handler takes `handler` at 2 GB (2048 MB: a whole vCPU, no stretch) with a 3 s timeout.
json doc(const std::string& handler, double last, const std::string& duration) {
  json d = json::parse(R"({"seed": 3, "warmup": "0s", "window": "1s",
    "components": [
      {"id": "app", "type": "client", "target": "fn", "timeout": "30s"},
      {"id": "fn", "type": "function", "memory_mb": 2048, "init_duration": "500ms", "timeout": "3s"}]})");
  d["duration"] = duration;
  // A constant process draws its next gap from the rate at its last arrival: the arrival at
  // last - 1 s still sees 1/s, the one at `last` sees 0 and is the last.
  d["components"][0]["arrivals"] = {{"process", "constant"}, {"rate", json::array({json::array({"0s", 1}), json::array({std::to_string(last - 0.5) + "s", 1}), json::array({std::to_string(last - 0.4) + "s", 0})})}};
  d["components"][1]["duration"] = handler;
  return d;
}

}  // namespace

TEST_CASE("function timeout: a timed-out invocation is billed timeout x GB, and its environment runs INIT again") {
  const json s = run_summary(write_scenario("fn-timeout", doc("10s", 20, "60s")), {});
  const double n = num(s, "components.fn.invocations");
  CHECK(n == 20);
  CHECK(num(s, "components.fn.timeouts") == n);
  // Every environment was reset by its timeout: each invocation ran INIT (0.5 s) first.
  const double cold = num(s, "components.fn.cold_starts");
  CHECK(cold == n);
  CHECK(num(s, "components.fn.environments_reset") == cold - num(s, "components.fn.environments_created"));
  const double gb = 2048.0 / 1024.0;
  CHECK(num(s, "components.fn.timed_out_gb_seconds") == doctest::Approx(n * 3.0 * gb));
  CHECK(num(s, "components.fn.billed_gb_seconds") == doctest::Approx(n * 3.0 * gb + cold * 0.5 * gb));
  CHECK(num(s, "requests.by_cause.error") == n);  // a function error: a 5xx to the caller

  // A handler within its timeout is billed its own time, and none times out.
  const json ok = run_summary(write_scenario("fn-timeout-ok", doc("2s", 20, "60s")), {});
  CHECK(num(ok, "components.fn.timeouts") == 0);
  CHECK(num(ok, "requests.by_cause.error") == 0);
  // At most 900 s: the longest handler Lambda allows.
  const json long_ok = run_summary(write_scenario("fn-timeout-900", doc("10s", 20, "60s")), {"--set", "fn.timeout=900s"});
  CHECK(num(long_ok, "components.fn.timeouts") == 0);
}

TEST_CASE("function timeout: asynchronous events are retried after 1 and 2 minutes, then dead-lettered") {
  // One event at t = 1 s; every attempt times out 3 s after it starts (+ 0.5 s INIT, the
  // environment being reset each time). Attempts at 1, 64.5 (1 + 3.5 + 60) and 188 s
  // (64.5 + 3.5 + 120); it is dead-lettered at 191.5 s.
  json d = doc("10s", 1, "200s");
  d["components"][1]["async"] = true;
  auto attempts_by = [&](const std::string& duration) {
    const json s = run_summary(write_scenario("fn-async", d), {"--set", "duration=" + duration});
    return num(s, "components.fn.invocations");
  };
  CHECK(attempts_by("64s") == 1);
  CHECK(attempts_by("65s") == 2);
  CHECK(attempts_by("187s") == 2);
  CHECK(attempts_by("189s") == 3);
  const json s = run_summary(write_scenario("fn-async", d), {});
  CHECK(num(s, "components.fn.async.events") == 1);
  CHECK(num(s, "components.fn.async.retries") == 2);
  CHECK(num(s, "components.fn.async.dead_lettered") == 1);
  CHECK(num(s, "components.fn.timeouts") == 3);
  CHECK(num(s, "requests.by_cause.error") == 0);  // the caller was answered 202 at once
  CHECK(num(s, "components.fn.billed_gb_seconds") == doctest::Approx(3 * (3.0 + 0.5) * 2.0));

  // 20 events, MaximumRetryAttempts 0: one attempt each, all dead-lettered.
  json d0 = doc("10s", 20, "300s");
  d0["components"][1]["async"] = {{"maximum_retry_attempts", 0}};
  const json z = run_summary(write_scenario("fn-async0", d0), {});
  CHECK(num(z, "components.fn.invocations") == 20);
  CHECK(num(z, "components.fn.async.dead_lettered") == 20);
  CHECK(num(z, "components.fn.async.retries") == 0);
  // A maximum event age of 1 min: the first retry (1 min after the failure) would be too old.
  d0["components"][1]["async"] = {{"maximum_retry_attempts", 2}, {"maximum_event_age", "60s"}};
  const json young = run_summary(write_scenario("fn-async-age", d0), {});
  CHECK(num(young, "components.fn.async.retries") == 0);
  CHECK(num(young, "components.fn.async.dead_lettered") == 20);
}

TEST_CASE("function timeout: a throttled asynchronous event is tried again after 1 s, 2 s, ... while it is fresh") {
  // Concurrency 1 and two events, at 0.5 s and 1 s. The first holds the environment until
  // 3 s (0.5 s INIT + 2 s). The second is throttled at 1 s, tried again 1 s later (2 s:
  // throttled again), then 2 s after that (4 s): it runs.
  json d = doc("2s", 1, "60s");
  d["components"][1]["async"] = true;
  d["components"][1]["concurrency"] = 1;
  d["components"][0]["arrivals"]["rate"] = json::array({json::array({"0s", 2}), json::array({"0.75s", 2}), json::array({"0.8s", 0})});
  const json s = run_summary(write_scenario("fn-throttle", d), {});
  CHECK(num(s, "components.fn.async.events") == 2);
  CHECK(num(s, "components.fn.async.succeeded") == 2);
  CHECK(num(s, "components.fn.async.dead_lettered") == 0);
  CHECK(num(s, "components.fn.throttled") == 2);
  CHECK(num(s, "components.fn.async.throttle_retries") == 2);
  // Run to 3.9 s, the second event is still waiting; to 4.1 s it has started.
  const json early = run_summary(write_scenario("fn-throttle", d), {"--set", "duration=3.9s"});
  CHECK(num(early, "components.fn.invocations") == 1);
  const json later = run_summary(write_scenario("fn-throttle", d), {"--set", "duration=4.1s"});
  CHECK(num(later, "components.fn.invocations") == 2);
}

TEST_CASE("function timeout: the shipped scenario's billed GB-seconds are timeouts x timeout x GB by hand") {
  const json s = run_summary(source_path("scenarios/serverless/handler-timeout.json"), {});
  const double timeouts = num(s, "components.fn.timeouts");
  CHECK(timeouts > 0);
  CHECK(num(s, "components.fn.timed_out_gb_seconds") == doctest::Approx(timeouts * 3.0 * 2.0));  // 3 s x 2 GB each
  // Each event is tried at most three times: retries <= 2 x events, and what is not dead-lettered succeeded or waits.
  const double events = num(s, "components.fn.async.events");
  CHECK(num(s, "components.fn.async.retries") <= 2 * events);
  CHECK(num(s, "components.fn.async.succeeded") + num(s, "components.fn.async.dead_lettered") + num(s, "components.fn.async.queued") == events);
  // The terminal table's line of the function says them too.
  const RunResult table = run_archsim({"run", source_path("scenarios/serverless/handler-timeout.json"), "--no-report", "--out", scratch_dir("table")});
  INFO(describe(table));
  CHECK(table.out.find(", " + std::to_string(static_cast<long>(timeouts)) + " timed out, " +
                       std::to_string(static_cast<long>(num(s, "components.fn.async.dead_lettered"))) + " dead-lettered") != std::string::npos);
}

TEST_CASE("function timeout: throttling is Erlang B's with the handler's time cut at the timeout, in the simulation and in analyze") {
  // 8 environments, no INIT, Poisson arrivals at 12/s; the handler takes 300 ms, or 30 s one
  // time in ten, stopped at 3 s: each invocation holds its environment 0.9 x 0.3 + 0.1 x 3 =
  // 0.57 s on average, 6.84 Erlangs offered (3.27 s and 39 Erlangs without the timeout).
  // (A timeout resets the environment: with no INIT its next request starts at once.)
  json d = doc("1s", 1, "30m");
  d["seed"] = 5;
  d["components"][0]["arrivals"] = {{"process", "poisson"}, {"rate", 12}};
  d["components"][1]["init_duration"] = "0s";
  d["components"][1]["concurrency"] = 8;
  d["components"][1]["duration"] = {{"dist", "empirical"}, {"values", {"300ms", "300ms", "300ms", "300ms", "300ms", "300ms", "300ms", "300ms", "300ms", "30s"}}};
  const std::string file = write_scenario("fn-erlang-timeout", d);
  const double b = archsim::theory::erlang_b(8, 12 * 0.57);
  const json s = run_summary(file, {});
  const double arrivals = num(s, "components.fn.invocations") + num(s, "components.fn.throttled");
  CHECK(num(s, "components.fn.throttled") / arrivals == doctest::Approx(b).epsilon(0.05));
  const json a = run_analyze(file, {});
  CHECK(num(a["components"]["fn"], "blocking") == doctest::Approx(b).epsilon(1e-6));
}

TEST_CASE("function timeout: bad timeout and async settings are refused with the file and JSON pointer") {
  struct Case {
    const char* name;
    const char* key;
    json value;
    const char* pointer;
  };
  const std::vector<Case> cases = {
      {"long", "timeout", "901s", "/components/1/timeout"},
      {"short", "timeout", "500ms", "/components/1/timeout"},
      {"async_word", "async", "yes", "/components/1/async"},
      {"retries", "async", {{"maximum_retry_attempts", 3}}, "/components/1/async/maximum_retry_attempts"},
      {"age", "async", {{"maximum_event_age", "7h"}}, "/components/1/async/maximum_event_age"},
      {"misspelled", "async", {{"maximum_retries", 1}}, "/components/1/async/maximum_retries"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.name);
    json d = doc("1s", 5, "10s");
    d["components"][1][c.key] = c.value;
    const std::string path = write_scenario(c.name, d);
    bad_input::check_semantic_error(bad_input::run_bad(path), path, {c.name, c.pointer, {}});
  }
}
