// Call policies (models/server/call_policy/call_policy.h) through the engine, in small simulations
// built from JSON strings, against behaviour that is not ours:
//   - Resilience4j's circuit breaker state machine, read from the "circuit_state" series:
//     CLOSED -> OPEN exactly at the outcome that completes minimum_calls (not before),
//     OPEN -> HALF_OPEN at the first call after wait_in_open (Resilience4j's lazy default) or
//     exactly at its end (automatic_transition), HALF_OPEN -> OPEN or CLOSED on the
//     verdict of exactly half_open_calls outcomes;
//   - exponential backoff schedules (Brooker, "Exponential Backoff And Jitter"): attempts at
//     base x (1 + 2 + 4 ...) without jitter, within [t/2, t] per step with equal jitter;
//   - a token bucket admits exactly floor(rate x t + burst) over t from full, and a sliding
//     log exactly `limit` per period;
//   - conservation: every client request ends exactly once, whatever retries, breakers,
//     bulkheads, pools and fallbacks did on the way;
//   - idempotency keys: retried writes are applied once with them, and counted as
//     duplicates without;
//   - bad input fails before t = 0 with the JSON location.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/unit/harness.h"
#include "models/contracts/causes.h"
#include "lib/resilience/keyed_token_buckets.h"
#include "scenario/errors.h"
#include "sim/simulation.h"

using namespace archsim;
using namespace archsim::test;

namespace {



const std::vector<double>& series(const RunResult& r, const std::string& component, const std::string& metric) {
  for (const Series& s : r.series)
    if (s.component == component && s.metric == metric) return s.values;
  FAIL("no series " << component << "/" << metric);
  std::abort();
}

// (window start in ms, value) at every change of a 1 ms-window series.
std::vector<std::pair<long, double>> changes(const RunResult& r, const std::vector<double>& v) {
  std::vector<std::pair<long, double>> out;
  double prev = 0;
  for (std::size_t i = 0; i < v.size(); ++i) {
    double x = std::isnan(v[i]) ? prev : v[i];
    if (i == 0 || x != prev) out.emplace_back(static_cast<long>(r.window_ends[i] / kMillisecond) - 1, x);
    prev = x;
  }
  return out;
}

// The circuit_state series of "users" changes exactly at these (ms, state) points.
void check_circuit_states(const RunResult& r, const std::vector<std::pair<long, double>>& want) {
  auto ch = changes(r, series(r, "users", "circuit_state"));
  REQUIRE(ch.size() == want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    CAPTURE(i);
    CHECK(ch[i].first == want[i].first);
    CHECK(ch[i].second == want[i].second);
  }
}

// One client at a constant 40/s (every 25 ms) in front of a server with one worker, no
// queue and 90 ms of work: per 100 ms one call succeeds and three are rejected (503).
// `extra` adds fields to the breaker.
std::string breaker_scenario(const std::string& rate, const std::string& duration, const std::string& extra = "") {
  return R"({"duration": ")" + duration + R"(", "window": "1ms",
    "components": [
      {"id": "users", "type": "client", "target": "svc",
       "arrivals": {"process": "constant", "rate": )" + rate + R"(},
       "circuit_breaker": {"window": {"type": "count", "size": 10}, "minimum_calls": 10,
                           "failure_rate_threshold": 0.5, "wait_in_open": "1s", "half_open_calls": 3)" + extra + R"(}},
      {"id": "svc", "type": "service", "concurrency": 1, "queue_capacity": 0, "service_time": "90ms"}
    ]})";
}

}  // namespace

TEST_CASE("circuit breaker: closed -> open at minimum_calls, open -> half-open after the wait, half-open -> open") {
  // Outcomes: F50 F75 F100 OK115 F150 F175 F200 OK215 F250 F275 (ms). The 9th outcome (250)
  // is below minimum_calls; the 10th (275) completes it with 8/10 failures: OPEN at 275.
  // The wait (1 s) ends at 1275. Resilience4j's default is lazy: the call at 1275 is not
  // strictly after the wait and is refused; the call at 1300 moves it HALF_OPEN and is
  // permitted (OK at 1390), 1325 and 1350 are permitted and rejected by the busy server:
  // 2/3 failed -> OPEN at 1390; the wait ends at 2390, the call at 2400 moves it HALF_OPEN,
  // and the same verdict (2400 OK at 2490, 2425 and 2450 rejected) opens it again at 2490.
  RunResult r = run(breaker_scenario("40", "2500ms"));
  check_circuit_states(r, {{0, 0}, {275, 1}, {1300, 2}, {1390, 1}, {2400, 2}, {2490, 1}});
  CHECK(fig(r, "users", "resilience.circuit_opened") == 3);
  // Refused while open: arrivals 300..1250 (40 of them) and 1350 (half-open, no permit left).
  CHECK(fig(r, "users", "resilience.circuit_open") >= 41);
  CHECK(r.outcomes.by_status[static_cast<int>(causes::CircuitOpen)] == fig(r, "users", "resilience.circuit_open"));
}

TEST_CASE("circuit breaker automatic_transition: half-open exactly at the end of the wait") {
  // The sequence above with Resilience4j's automaticTransitionFromOpenToHalfOpenEnabled: the
  // state moves HALF_OPEN at 1275 by itself; the 3 permitted calls arrive at 1275 (OK at
  // 1365), 1300 and 1325 (rejected): OPEN at 1365, HALF_OPEN at 2365, OPEN again at 2465.
  RunResult r = run(breaker_scenario("40", "2500ms", R"(, "automatic_transition": true)"));
  check_circuit_states(r, {{0, 0}, {275, 1}, {1275, 2}, {1365, 1}, {2365, 2}, {2465, 1}});
  CHECK(fig(r, "users", "resilience.circuit_opened") == 3);
}

TEST_CASE("circuit breaker: half-open -> closed when the permitted calls succeed") {
  // The same start; from 1 s on the rate drops to 5/s (arrivals at 1225, 1425, 1625, 1825).
  // Lazy: the wait ends at 1275 but nobody calls before 1425, which moves it HALF_OPEN; the
  // server keeps up, the three half-open calls (1425, 1625, 1825) succeed 90 ms later and the
  // breaker closes at 1915 ms. Automatic: HALF_OPEN at 1275 already, the same close.
  for (bool automatic : {false, true}) {
    CAPTURE(automatic);
    RunResult r = run(breaker_scenario(R"([["0s", 40], ["1s", 40], ["1001ms", 5]])", "3s",
                                       automatic ? R"(, "automatic_transition": true)" : ""));
    check_circuit_states(r, {{0, 0}, {275, 1}, {automatic ? 1275L : 1425L, 2}, {1915, 0}});
    CHECK(fig(r, "users", "resilience.circuit_state") == 0);
  }
}

TEST_CASE("circuit breaker state and state_changes: disabled, forced_open and back to closed") {
  // 40/s (every 25 ms) against a server with no capacity problem (1 ms of work) and no
  // faults; the breaker starts DISABLED, an operator forces it open at 1010 ms and closes it
  // at 2010 ms. Forced open refuses the 40 arrivals 1025..2000 and nothing else; disabled
  // and closed permit all the others.
  RunResult r = run(R"({"duration": "3s", "window": "1ms", "warmup": "0s",
    "components": [
      {"id": "users", "type": "client", "target": "svc", "arrivals": {"process": "constant", "rate": 40},
       "circuit_breaker": {"state": "disabled", "minimum_calls": 5, "window": {"type": "count", "size": 5},
                           "state_changes": [{"at": "1010ms", "state": "forced_open"}, {"at": "2010ms", "state": "closed"}]}},
      {"id": "svc", "type": "service", "concurrency": 10, "service_time": "1ms"}
    ]})");
  check_circuit_states(r, {{0, 3}, {1010, 4}, {2010, 0}});
  CHECK(fig(r, "users", "resilience.circuit_open") == 40);
  CHECK(r.outcomes.by_status[static_cast<int>(causes::CircuitOpen)] == 40);
  CHECK(fig(r, "users", "resilience.circuit_opened") == 0);  // forced open is not "opened"
  CHECK(fig(r, "users", "resilience.attempts") == fig(r, "users", "resilience.calls") - 40);

  // A dependency that fails every call: metrics_only records but never opens, disabled
  // neither; closed opens at the 5th failure.
  auto failing = [](const std::string& state) {
    return run(R"({"duration": "2s", "warmup": "0s",
      "components": [
        {"id": "users", "type": "client", "target": "svc", "arrivals": {"process": "constant", "rate": 40},
         "circuit_breaker": {"state": ")" + state + R"(", "minimum_calls": 5, "window": {"type": "count", "size": 5}}},
        {"id": "svc", "type": "service", "concurrency": 10, "service_time": "1ms"}],
      "faults": [{"at": "0s", "duration": "2s", "kind": "error_rate", "target": "svc", "rate": 1}]})");
  };
  for (const char* st : {"metrics_only", "disabled"}) {
    CAPTURE(st);
    RunResult m = failing(st);
    CHECK(fig(m, "users", "resilience.circuit_open") == 0);
    CHECK(fig(m, "users", "resilience.attempts") == fig(m, "users", "resilience.calls"));
  }
  CHECK(fig(failing("metrics_only"), "users", "resilience.circuit_state") == 5);
  CHECK(fig(failing("closed"), "users", "resilience.circuit_open") > 0);
}

TEST_CASE("client retries follow the exponential backoff schedule") {
  // One request at 1 s to a service that answers every request with an error at once (an
  // error_rate fault of 1).
  // Without jitter, attempts at 1.000, 1.100, 1.300, 1.700 s (base 100 ms, doubling).
  auto scenario = [](const std::string& jitter) {
    return R"({"duration": "3s", "window": "1ms",
      "faults": [{"at": "0s", "kind": "error_rate", "target": "svc", "rate": 1}],
      "components": [
        {"id": "users", "type": "client", "target": "svc",
         "arrivals": {"process": "constant", "rate": 0.5},
         "retry": {"max_attempts": 4, "backoff": {"base": "100ms", "max": "10s", "jitter": ")" + jitter + R"("}}},
        {"id": "svc", "type": "service", "service_time": "1ms"}
      ]})";
  };
  auto attempt_times = [](const RunResult& r) {
    std::vector<long> t;
    const auto& v = series(r, "svc", "errors_rps");
    for (std::size_t i = 0; i < v.size(); ++i)
      if (v[i] > 0) t.push_back(static_cast<long>(r.window_ends[i] / kMillisecond) - 1);
    return t;
  };
  SUBCASE("none") {
    RunResult r = run(scenario("none"));
    CHECK(attempt_times(r) == std::vector<long>{2000, 2100, 2300, 2700});
    CHECK(fig(r, "users", "resilience.retries") == 3);
    CHECK(fig(r, "users", "resilience.attempts") == 4);
    CHECK(r.outcomes.total() == 1);  // one request, ended once, after its last attempt
    CHECK(r.outcomes.failed() == 1);
  }
  SUBCASE("equal: each delay within [t/2, t]") {
    RunResult r = run(scenario("equal"));
    auto t = attempt_times(r);
    REQUIRE(t.size() == 4);
    for (int k = 0; k < 3; ++k) {
      long ceiling = 100L << k, delay = t[static_cast<std::size_t>(k) + 1] - t[static_cast<std::size_t>(k)];
      CAPTURE(k);
      CHECK(delay >= ceiling / 2 - 1);
      CHECK(delay <= ceiling + 1);
    }
  }
}

TEST_CASE("a token bucket at a gateway admits rate x t + burst; a sliding log admits limit per period") {
  auto scenario = [](const std::string& limiter) {
    return R"({"duration": "10s",
      "components": [
        {"id": "users", "type": "client", "target": "gw", "arrivals": {"process": "constant", "rate": 1000}},
        {"id": "gw", "type": "service", "concurrency": 100000,
         "routes": {"default": [{"call": "backend", "rate_limiter": )" + limiter + R"(}]}},
        {"id": "backend", "type": "service", "concurrency": 100000, "service_time": "0ms"}
      ]})";
  };
  SUBCASE("token bucket") {
    // Requests at 1, 2, ..., 9999 ms (the run is [0, 10 s): none at the end instant). The
    // bucket is full (20) until the first one; from there, over t = 9.998 s, it can admit
    // floor(rate x t + burst) = floor(999.8 + 20).
    RunResult r = run(scenario(R"({"rate": 100, "burst": 20})"));
    const double admitted = std::floor(100 * 9.998 + 20);
    CHECK(admitted == 1019);
    CHECK(fig(r, "gw", "calls.backend.attempts") == admitted);
    CHECK(fig(r, "gw", "calls.backend.rate_limited") == 9999 - admitted);
    // 429 is its own cause all the way to the client.
    CHECK(r.outcomes.by_status[static_cast<int>(causes::RateLimited)] == 9999 - admitted);
    CHECK(r.outcomes.ok() == admitted);
  }
  SUBCASE("sliding window") {
    RunResult r = run(scenario(R"({"type": "sliding_window", "limit": 50, "period": "1s"})"));
    CHECK(fig(r, "gw", "calls.backend.attempts") == 500);
  }
}

TEST_CASE("every request ends exactly once with retries, breakers, bulkheads, pools and fallbacks") {
  const std::string text = R"({"duration": "2m", "warmup": "10s", "seed": 3,
    "components": [
      {"id": "users", "type": "client", "target": "api", "arrivals": {"rate": 400},
       "routes": [{"name": "browse", "weight": 3}, {"name": "pay", "weight": 1, "write": true}],
       "timeout": "800ms",
       "retry": {"max_attempts": 3, "backoff": {"base": "50ms", "max": "1s", "jitter": "full"}, "budget": 0.2}},
      {"id": "api", "type": "service", "replicas": 3, "concurrency": 16, "queue_capacity": 50,
       "shed": {"queue_length": 30},
       "routes": {
         "browse": [{"work": {"dist": "exponential", "mean": "5ms"}},
                    {"call": "db", "route": "read", "timeout": "200ms",
                     "pool": {"size": 4, "acquire_timeout": "50ms"},
                     "fallback": {"latency": "1ms"}}],
         "pay": [{"work": "2ms"},
                 {"call": "payment", "timeout": "300ms",
                  "retry": {"max_attempts": 2, "backoff": {"base": "20ms", "jitter": "decorrelated"}, "on": ["timeout", "error", "bulkhead_full"]},
                  "circuit_breaker": {"window": {"type": "time", "size": 5}, "minimum_calls": 10, "wait_in_open": "2s",
                                      "slow_call_duration": "200ms", "slow_call_rate_threshold": 0.5},
                  "bulkhead": {"max_concurrent": 6, "max_wait": "20ms"}}]}},
      {"id": "db", "type": "service", "concurrency": 8, "routes": {"read": [{"work": {"dist": "lognormal", "median": "8ms", "p99": "300ms"}}]}},
      {"id": "payment", "type": "service", "concurrency": 4, "idempotent": true,
       "routes": {"pay": [{"work": {"dist": "lognormal", "median": "60ms", "p99": "1s"}}]}}
    ]})";
  RunResult r = run(text);
  CHECK(r.outcomes.total() == r.outcomes.ok() + r.outcomes.failed());
  CHECK(r.sent + r.in_flight_at_warmup == r.outcomes.total() + r.in_flight);
  CHECK(r.outcomes.total() > 40000);
  // Every mechanism was exercised.
  CHECK(fig(r, "users", "resilience.retries") > 0);
  CHECK(fig(r, "api", "calls.payment.retries") > 0);
  CHECK(fig(r, "api", "calls.payment.bulkhead_waited") > 0);
  CHECK(fig(r, "api", "calls.db.pool_waited") > 0);
  CHECK(fig(r, "api", "calls.db.degraded") > 0);
  CHECK(r.outcomes.degraded() > 0);
  // Determinism: the same scenario and seed give the same figures.
  RunResult again = run(text);
  CHECK(again.outcomes.by_status == r.outcomes.by_status);
  CHECK(again.sent == r.sent);
}

TEST_CASE("idempotency keys: retried writes count once with them, twice more without") {
  // Each write takes 150 ms; the client gives up after 100 ms and retries after 10 ms, so
  // attempts arrive at t, t+110 and t+230 (backoff 10 ms, then 20 ms) and each of them
  // completes at the service 150 ms later.
  auto scenario = [](bool idempotent) {
    return std::string(R"({"duration": "20s",
      "components": [
        {"id": "users", "type": "client", "target": "pay", "arrivals": {"process": "constant", "rate": 10},
         "routes": [{"name": "charge", "write": true}], "timeout": "100ms",
         "retry": {"max_attempts": 3, "backoff": {"base": "10ms", "jitter": "none"}}},
        {"id": "pay", "type": "service", "concurrency": 100, "service_time": "150ms", "idempotent": )") +
           (idempotent ? "true" : "false") + "}]}";
  };
  SUBCASE("without: every attempt is applied") {
    RunResult r = run(scenario(false));
    double w = fig(r, "pay", "writes"), d = fig(r, "pay", "duplicate_writes");
    CHECK(w >= 195);
    CHECK(std::abs(d - 2 * w) <= 3);
    CHECK(r.outcomes.ok() == 0);  // every attempt times out at the client
  }
  SUBCASE("with: applied once; the third attempt is answered from the saved result") {
    RunResult r = run(scenario(true));
    double w = fig(r, "pay", "writes");
    CHECK(fig(r, "pay", "duplicate_writes") == 0);
    CHECK(std::abs(fig(r, "pay", "deduplicated_writes") - 2 * w) <= 3);
    CHECK(r.outcomes.ok() >= 195);
    CHECK(r.latency.p50 == doctest::Approx(230).epsilon(0.02));
  }
}

TEST_CASE("bad resilience input fails before t = 0 with the JSON location") {
  auto client = [](const std::string& fields) {
    return R"({"components": [
      {"id": "users", "type": "client", "target": "svc", "arrivals": {"rate": 1}, )" + fields + R"(},
      {"id": "svc", "type": "service", "service_time": "1ms"}]})";
  };
  struct Case {
    std::string fields, pointer, words;
  };
  std::vector<Case> cases = {
      {R"("circuit_breaker": {"failure_rate_threshold": 1.5})", "/components/0/circuit_breaker/failure_rate_threshold", "between"},
      {R"("circuit_breaker": {"failure_rate_threshold": 0})", "/components/0/circuit_breaker/failure_rate_threshold", "(0, 1]"},
      {R"("circuit_breaker": {"slow_call_rate_threshold": -0.1})", "/components/0/circuit_breaker/slow_call_rate_threshold", "between"},
      {R"("circuit_breaker": {"window": {"size": 0}})", "/components/0/circuit_breaker/window/size", "between"},
      {R"("circuit_breaker": {"wait_in_open": "0s"})", "/components/0/circuit_breaker/wait_in_open", "at least"},
      {R"("circuit_breaker": {"window": {"type": "sliding"}})", "/components/0/circuit_breaker/window/type", "count"},
      {R"("retry": {"max_attempts": 0})", "/components/0/retry/max_attempts", "between"},
      {R"("retry": {"on": ["timeout", "timout"]})", "/components/0/retry/on/1", "did you mean"},
      {R"("retry": {"backoff": {"base": "1s", "max": "100ms"}})", "/components/0/retry/backoff/max", "base"},
      {R"("retry": {"budget": {"type": "finagle", "ttl": "0s"}})", "/components/0/retry/budget/ttl", "1s"},
      {R"("bulkhead": {"max_concurent": 3})", "/components/0/bulkhead/max_concurent", "did you mean"},
      {R"("rate_limiter": {"rate": 0})", "/components/0/rate_limiter/rate", "between"},
      {R"("rate_limiter": {"type": "sliding_window", "limit": 10, "period": "0s"})", "/components/0/rate_limiter/period", "at least"},
      {R"("pool": {"size": 4})", "/components/0/pool", "call step"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.fields);
    ScenarioError e = build_error(client(c.fields));
    CHECK(e.pointer() == c.pointer);
    CHECK(std::string(e.what()).find(c.words) != std::string::npos);
  }
  ScenarioError shed = build_error(R"({"components": [
      {"id": "users", "type": "client", "target": "svc", "arrivals": {"rate": 1}},
      {"id": "svc", "type": "service", "service_time": "1ms", "shed": {"queue_length": -1}}]})");
  CHECK(shed.pointer() == "/components/1/shed/queue_length");
  ScenarioError step = build_error(R"({"components": [
      {"id": "users", "type": "client", "target": "svc", "arrivals": {"rate": 1}},
      {"id": "svc", "type": "service", "routes": {"default": [{"call": "db", "pool": {"size": 0}}]}},
      {"id": "db", "type": "service", "service_time": "1ms"}]})");
  CHECK(step.pointer() == "/components/1/routes/default/0/pool/size");
}

// A rate limit per key (a gateway's KeyResolver): 50 requests/s over 100 Zipf(1) keys, each
// key limited to 6/s with a burst of 20. The hottest key has 1/H(100) = 19.28 % of the
// requests, 9.64/s, and gets about 6/s + its burst: over 1000 s about 9,639 - 6,020 = 3,620
// refused (+-3 % for the Poisson count). The next key has 4.82/s, below its 6/s, and a burst
// of 20 absorbs its fluctuations: it is (almost) never refused. One limiter for everyone at
// the same 6/s refuses 88 % instead.
TEST_CASE("rate limiter key_resolver: one hot key is limited while the others pass") {
  auto scenario = [](const std::string& resolver) {
    return R"({"duration": "1000s", "warmup": "0s", "seed": 5,
      "components": [
        {"id": "users", "type": "client", "target": "svc", "arrivals": {"rate": 50},
         "routes": [{"name": "get", "keys": {"count": 100, "zipf": 1.0}}],
         "rate_limiter": {"rate": 6, "burst": 20, "key_resolver": ")" + resolver + R"("}},
        {"id": "svc", "type": "service", "concurrency": 100, "service_time": "1ms"}]})";
  };
  const RunResult keyed = run(scenario("request_key"));
  const double limited = static_cast<double>(keyed.outcomes.by_status[static_cast<int>(causes::RateLimited)]);
  const double offered = static_cast<double>(keyed.outcomes.total());
  const double hot = offered / 5.18738;  // the hottest key's requests
  const double expected = hot - (6.0 * 1000 + 20);
  CHECK(limited > 0.95 * expected);
  CHECK(limited < 1.05 * expected);
  CHECK(fig(keyed, "users", "resilience.rate_limiter_keys") == 100);
  CHECK(fig(keyed, "users", "resilience.rate_limiter_keys_evicted_early") == 0);
  const RunResult shared = run(scenario("none"));
  CHECK(static_cast<double>(shared.outcomes.by_status[static_cast<int>(causes::RateLimited)]) > 0.85 * offered);
}

TEST_CASE("keyed token buckets: exact per key, bounded table, eviction exact once a bucket has refilled") {
  using resilience::KeyedTokenBuckets;
  KeyedTokenBuckets k({2.0, 2}, 2);  // 2 tokens/s, burst 2, two keys tracked
  CHECK(k.try_acquire(1, 0));
  CHECK(k.try_acquire(1, 0));
  CHECK_FALSE(k.try_acquire(1, 0));  // key 1 is empty
  CHECK(k.try_acquire(2, 0));        // key 2 has its own bucket
  CHECK(k.keys() == 2);
  // Key 3 takes the slot of the least recently seen key (1), which is still owed tokens:
  // an early eviction; key 1 comes back full.
  CHECK(k.try_acquire(3, kSecond / 4));
  CHECK(k.early_evictions() == 1);
  CHECK(k.try_acquire(1, kSecond / 4));  // evicts 2, which refills by t = 1 s: early too
  CHECK(k.early_evictions() == 2);
  // After burst / rate = 1 s idle an evicted bucket was full anyway: not early.
  CHECK(k.try_acquire(4, 2 * kSecond));
  CHECK(k.evictions() == 3);
  CHECK(k.early_evictions() == 2);
  CHECK(KeyedTokenBuckets::bytes_per_key() < 128);
}
