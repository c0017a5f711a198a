// Resilience policies against the behaviour their sources document: Resilience4j's circuit
// breaker state machine and sliding windows, the AWS "Exponential Backoff And Jitter"
// formulas, Finagle's and Envoy's retry budgets, the token bucket's rate x t + burst,
// Resilience4j's SemaphoreBulkhead and AtomicRateLimiter cycles. Expected values are worked
// out by hand in the comments.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "lib/resilience/backoff.h"
#include "lib/resilience/bulkhead.h"
#include "lib/resilience/circuit_breaker.h"
#include "lib/resilience/retry_budget.h"
#include "lib/resilience/token_bucket.h"
#include "lib/resilience/window_rate_limiter.h"

using namespace archsim;
using namespace archsim::resilience;

namespace {

constexpr Time ms = kMillisecond;
constexpr bool F = true;   // failure
constexpr bool S = false;  // success

CircuitBreakerParams count_params(int size, int minimum, double threshold) {
  CircuitBreakerParams p;
  p.window_type = CircuitBreakerParams::WindowType::kCount;
  p.window_size = size;
  p.minimum_calls = minimum;
  p.failure_rate_threshold = threshold;
  p.slow_call_rate_threshold = 1.0;
  p.slow_call_duration = kSecond;
  p.wait_in_open = 30 * kSecond;
  p.half_open_calls = 3;
  return p;
}

// Sends one permitted call that ends at `t` after `d`.
void call(CircuitBreaker& cb, Time t, bool failure, Time d = 10 * ms) {
  REQUIRE(cb.try_acquire(t));
  cb.on_result(t, d, failure);
}

struct TransitionLog {
  std::vector<CircuitBreaker::Transition> v;
  static void record(void* self, const CircuitBreaker::Transition& t) {
    static_cast<TransitionLog*>(self)->v.push_back(t);
  }
};

}  // namespace

TEST_CASE("circuit breaker: closed stays closed below minimum_calls, opens at the threshold") {
  // Resilience4j: window 10, minimumNumberOfCalls 5, failureRateThreshold 50%.
  SUBCASE("4 failures in 4 calls stay closed; the 5th failure opens (5/5 >= 0.5)") {
    CircuitBreaker cb(count_params(10, 5, 0.5));
    for (int i = 0; i < 4; ++i) {
      call(cb, i * ms, F);
      CHECK(cb.state() == CircuitState::kClosed);
    }
    CHECK(cb.counts(4 * ms).failed == 4);
    call(cb, 4 * ms, F);
    CHECK(cb.state() == CircuitState::kOpen);
  }
  SUBCASE("S,S,F,F then F: 3/5 = 0.6 opens at the 5th call") {
    CircuitBreaker cb(count_params(10, 5, 0.5));
    for (bool o : {S, S, F, F}) call(cb, 0, o);
    CHECK(cb.state() == CircuitState::kClosed);
    call(cb, 0, F);
    CHECK(cb.state() == CircuitState::kOpen);
  }
  SUBCASE("S,S,S,F,F: 2/5 = 0.4 stays closed; a 6th failure gives 3/6 = 0.5, equal opens") {
    CircuitBreaker cb(count_params(10, 5, 0.5));
    for (bool o : {S, S, S, F, F}) call(cb, 0, o);
    CHECK(cb.state() == CircuitState::kClosed);
    call(cb, 0, F);
    CHECK(cb.state() == CircuitState::kOpen);
  }
  SUBCASE("a count window forgets the oldest call") {
    // Window 3, threshold 0.6: F,S,S,F,S keeps 1/3 in every window; the next F makes
    // [F,S,F] = 2/3. Cumulative counting would have 3/6 = 0.5 and stay closed.
    CircuitBreaker cb(count_params(3, 3, 0.6));
    for (bool o : {F, S, S, F, S}) call(cb, 0, o);
    CHECK(cb.state() == CircuitState::kClosed);
    CHECK(cb.counts(0).calls == 3);
    CHECK(cb.counts(0).failed == 1);
    call(cb, 0, F);
    CHECK(cb.state() == CircuitState::kOpen);
  }
  SUBCASE("minimum_calls above a count window's size is capped at the size") {
    CircuitBreaker cb(count_params(5, 100, 0.5));
    for (int i = 0; i < 4; ++i) call(cb, 0, F);
    CHECK(cb.state() == CircuitState::kClosed);
    call(cb, 0, F);
    CHECK(cb.state() == CircuitState::kOpen);
  }
}

TEST_CASE("circuit breaker: open waits, half-open permits exactly N calls, then decides") {
  CircuitBreaker cb(count_params(10, 5, 0.5));
  TransitionLog log;
  cb.set_listener(&TransitionLog::record, &log);
  const Time t_open = 4 * ms;
  for (int i = 0; i < 5; ++i) call(cb, i * ms, F);
  REQUIRE(cb.state() == CircuitState::kOpen);
  CHECK(cb.next_deadline() == t_open + 30 * kSecond);

  // Rejected for the whole wait, up to and including its last instant: Resilience4j's lazy
  // check permits a call only strictly after retryAfterWaitDuration.
  CHECK_FALSE(cb.try_acquire(t_open));
  CHECK_FALSE(cb.try_acquire(t_open + 10 * kSecond));
  CHECK_FALSE(cb.try_acquire(t_open + 30 * kSecond - 1));
  CHECK_FALSE(cb.try_acquire(t_open + 30 * kSecond));
  CHECK(cb.state() == CircuitState::kOpen);
  CHECK(cb.not_permitted_calls() == 4);

  const Time t_half = t_open + 30 * kSecond + 1;
  SUBCASE("half-open -> closed when the permitted calls fail below the threshold") {
    CHECK(cb.try_acquire(t_half));
    CHECK(cb.state() == CircuitState::kHalfOpen);
    CHECK(cb.try_acquire(t_half));
    CHECK(cb.try_acquire(t_half));
    CHECK_FALSE(cb.try_acquire(t_half));  // exactly half_open_calls = 3
    CHECK(cb.not_permitted_calls() == 5);
    cb.on_result(t_half + 1, 10 * ms, S);
    cb.on_result(t_half + 2, 10 * ms, F);
    CHECK(cb.state() == CircuitState::kHalfOpen);  // verdict only after all 3
    cb.on_result(t_half + 3, 10 * ms, S);          // 1/3 < 0.5
    CHECK(cb.state() == CircuitState::kClosed);
    CHECK(cb.counts(t_half + 3).calls == 0);  // a fresh closed window
    // Closed again: 4 failures are below the minimum once more.
    for (int i = 0; i < 4; ++i) call(cb, t_half + 10, F);
    CHECK(cb.state() == CircuitState::kClosed);

    REQUIRE(log.v.size() == 3);
    CHECK(log.v[0].at == t_open);
    CHECK(log.v[0].from == CircuitState::kClosed);
    CHECK(log.v[0].to == CircuitState::kOpen);
    CHECK(log.v[1].at == t_half);
    CHECK(log.v[1].to == CircuitState::kHalfOpen);
    CHECK(log.v[2].at == t_half + 3);
    CHECK(log.v[2].from == CircuitState::kHalfOpen);
    CHECK(log.v[2].to == CircuitState::kClosed);
    CHECK(cb.transitions() == 3);
  }
  SUBCASE("half-open -> open when the permitted calls reach the threshold") {
    for (int i = 0; i < 3; ++i) CHECK(cb.try_acquire(t_half));
    cb.on_result(t_half + 1, 10 * ms, F);
    CHECK(cb.state() == CircuitState::kHalfOpen);  // 1 of 3 recorded: below the minimum
    cb.on_result(t_half + 2, 10 * ms, S);
    cb.on_result(t_half + 3, 10 * ms, F);  // 2/3 >= 0.5
    CHECK(cb.state() == CircuitState::kOpen);
    // A new full wait from the reopening.
    CHECK_FALSE(cb.try_acquire(t_half + 3 + 30 * kSecond));
    CHECK(cb.try_acquire(t_half + 3 + 30 * kSecond + 1));
    CHECK(cb.state() == CircuitState::kHalfOpen);
  }
  SUBCASE("lazy by default: no timer, and advance() moves only strictly after the wait") {
    CHECK(cb.timer_deadline() == kTimeMax);
    cb.advance(cb.next_deadline());
    CHECK(cb.state() == CircuitState::kOpen);
    cb.advance(t_half);
    CHECK(cb.state() == CircuitState::kHalfOpen);
    REQUIRE(cb.last_transition().has_value());
    CHECK(cb.last_transition()->at == t_half);
    CHECK(cb.next_deadline() == kTimeMax);
  }
  SUBCASE("a released half-open permit can be used again") {
    for (int i = 0; i < 3; ++i) CHECK(cb.try_acquire(t_half));
    CHECK_FALSE(cb.try_acquire(t_half));
    cb.release_permission();
    CHECK(cb.try_acquire(t_half));
    CHECK_FALSE(cb.try_acquire(t_half));
  }
}

TEST_CASE("circuit breaker: max_wait_in_half_open reopens a half-open breaker") {
  CircuitBreakerParams p = count_params(10, 5, 0.5);
  p.max_wait_in_half_open = 5 * kSecond;
  CircuitBreaker cb(p);
  for (int i = 0; i < 5; ++i) call(cb, 0, F);
  const Time t = 30 * kSecond + 1;  // the first call after the (lazy) wait
  CHECK(cb.try_acquire(t));
  CHECK(cb.state() == CircuitState::kHalfOpen);
  // Resilience4j schedules this one in both modes: the owner's timer is due.
  CHECK(cb.next_deadline() == t + 5 * kSecond);
  CHECK(cb.timer_deadline() == t + 5 * kSecond);
  cb.advance(t + 5 * kSecond - 1);
  CHECK(cb.state() == CircuitState::kHalfOpen);
  cb.advance(t + 5 * kSecond);
  CHECK(cb.state() == CircuitState::kOpen);
  CHECK(cb.next_deadline() == t + 35 * kSecond);
}

TEST_CASE("circuit breaker: slow calls count (duration strictly above slow_call_duration)") {
  CircuitBreakerParams p = count_params(4, 4, 1.0);
  p.slow_call_duration = 100 * ms;
  p.slow_call_rate_threshold = 0.5;
  SUBCASE("2 slow of 4 successes opens on slow calls alone") {
    CircuitBreaker cb(p);
    for (Time d : {101 * ms, 101 * ms, 100 * ms, 50 * ms}) call(cb, 0, S, d);
    CHECK(cb.state() == CircuitState::kOpen);
  }
  SUBCASE("exactly slow_call_duration is not slow: 1/4 stays closed") {
    CircuitBreaker cb(p);
    for (Time d : {101 * ms, 100 * ms, 100 * ms, 50 * ms}) call(cb, 0, S, d);
    CHECK(cb.state() == CircuitState::kClosed);
    CHECK(cb.counts(0).slow == 1);
  }
  SUBCASE("a slow failure is both failed and slow") {
    CircuitBreaker cb(p);
    call(cb, 0, F, 200 * ms);
    CHECK(cb.counts(0).failed == 1);
    CHECK(cb.counts(0).slow == 1);
  }
}

TEST_CASE("circuit breaker: a time-based window forgets calls older than its seconds") {
  // Resilience4j SlidingTimeWindowMetrics: N one-second buckets, the current partial
  // second included. Window 10 s, minimum 5, threshold 0.5.
  CircuitBreakerParams p = count_params(10, 5, 0.5);
  p.window_type = CircuitBreakerParams::WindowType::kTime;
  SUBCASE("4 failures in second 0, the 5th in second 9: all in the window, opens") {
    CircuitBreaker cb(p);
    for (int i = 1; i <= 4; ++i) call(cb, i * 100 * ms, F);
    call(cb, 9 * kSecond + 999 * ms, F);
    CHECK(cb.state() == CircuitState::kOpen);
  }
  SUBCASE("the 5th failure in second 10 finds second 0 evicted: 1 call, stays closed") {
    CircuitBreaker cb(p);
    for (int i = 1; i <= 4; ++i) call(cb, i * 100 * ms, F);
    CHECK(cb.counts(9 * kSecond + 999 * ms).calls == 4);
    CHECK(cb.counts(10 * kSecond).calls == 0);
    call(cb, 10 * kSecond, F);
    CHECK(cb.state() == CircuitState::kClosed);
    CHECK(cb.counts(10 * kSecond).calls == 1);
  }
  SUBCASE("calls spread over seconds 3..12 drop out one second at a time") {
    CircuitBreaker cb(p);
    for (int s = 3; s <= 6; ++s) call(cb, s * kSecond, S);  // 4 successes
    CHECK(cb.counts(12 * kSecond).calls == 4);              // seconds 3..12
    CHECK(cb.counts(13 * kSecond).calls == 3);
    CHECK(cb.counts(16 * kSecond).calls == 0);
    // Failures at 13.5 s see seconds 4..13: 3 successes. 2 failures: 2/5 = 0.4, closed;
    // the 3rd: 3/6 = 0.5, opens. Had second 3 not been evicted: 3/7 < 0.5, closed.
    call(cb, 13 * kSecond + 500 * ms, F);
    call(cb, 13 * kSecond + 500 * ms, F);
    CHECK(cb.state() == CircuitState::kClosed);
    call(cb, 13 * kSecond + 500 * ms, F);
    CHECK(cb.state() == CircuitState::kOpen);
  }
}

TEST_CASE("circuit breaker params are checked") {
  CircuitBreakerParams p;
  CHECK_FALSE(p.check().has_value());
  p.failure_rate_threshold = 1.5;
  REQUIRE(p.check().has_value());
  CHECK(std::string(p.check()->field) == "failure_rate_threshold");
  p = CircuitBreakerParams{};
  p.window_size = 0;
  CHECK(std::string(p.check()->field) == "window/size");
  p = CircuitBreakerParams{};
  p.slow_call_rate_threshold = 0.0;
  CHECK(std::string(p.check()->field) == "slow_call_rate_threshold");
}

// ---------------------------------------------------------------------------------------
// Backoff: AWS "Exponential Backoff And Jitter".

TEST_CASE("backoff none: exactly min(cap, base * 2^attempt)") {
  Backoff b({100 * ms, 5 * kSecond, Jitter::kNone});
  Rng rng(1);
  Time prev = 0;
  const Time expected[] = {100 * ms, 200 * ms, 400 * ms, 800 * ms, 1600 * ms, 3200 * ms,
                           5000 * ms, 5000 * ms};
  for (int k = 0; k < 8; ++k) CHECK(b.delay(k, rng, prev) == expected[k]);
  CHECK(b.delay(62, rng, prev) == 5 * kSecond);  // saturates instead of overflowing
  CHECK(b.delay(1000, rng, prev) == 5 * kSecond);
  CHECK(prev == 0);  // only decorrelated keeps state
}

TEST_CASE("backoff full jitter: uniform in [0, min(cap, base * 2^attempt)]") {
  Backoff b({100 * ms, 5 * kSecond, Jitter::kFull});
  // One draw per delay, uniform over the integers 0..ceiling.
  Rng a(7), ref(7);
  Time prev = 0;
  for (int k = 0; k < 10; ++k) {
    const Time c = b.ceiling(k);
    CHECK(b.delay(k, a, prev) == static_cast<Time>(ref.below(static_cast<std::uint64_t>(c) + 1)));
  }
  // Bounds and mean per attempt: mean c/2; 20000 draws give a standard error of c/490.
  Rng rng(42);
  for (int k = 0; k < 8; ++k) {
    const Time c = b.ceiling(k);
    double sum = 0;
    Time lo = kTimeMax, hi = -1;
    for (int i = 0; i < 20000; ++i) {
      const Time d = b.delay(k, rng, prev);
      lo = std::min(lo, d);
      hi = std::max(hi, d);
      sum += static_cast<double>(d);
    }
    CHECK(lo >= 0);
    CHECK(hi <= c);
    CHECK(sum / 20000 == doctest::Approx(c / 2.0).epsilon(0.02));
    CHECK(hi > c * 99 / 100);  // the whole range is used
    CHECK(lo < c / 100);
  }
  // Both ends are included: base 1 ns, attempt 1 -> {0, 1, 2}.
  Backoff tiny({1, 1000, Jitter::kFull});
  bool seen[3] = {false, false, false};
  for (int i = 0; i < 200; ++i) seen[tiny.delay(1, rng, prev)] = true;
  CHECK((seen[0] && seen[1] && seen[2]));
}

TEST_CASE("backoff equal jitter: t/2 + uniform [0, t/2]") {
  Backoff b({100 * ms, 5 * kSecond, Jitter::kEqual});
  Rng a(9), ref(9);
  Time prev = 0;
  for (int k = 0; k < 10; ++k) {
    const Time c = b.ceiling(k);
    CHECK(b.delay(k, a, prev) ==
          c / 2 + static_cast<Time>(ref.below(static_cast<std::uint64_t>(c - c / 2) + 1)));
  }
  Rng rng(43);
  for (int k = 0; k < 8; ++k) {
    const Time c = b.ceiling(k);
    double sum = 0;
    bool in_bounds = true;
    for (int i = 0; i < 20000; ++i) {
      const Time d = b.delay(k, rng, prev);
      in_bounds = in_bounds && d >= c / 2 && d <= c;
      sum += static_cast<double>(d);
    }
    CHECK(in_bounds);
    CHECK(sum / 20000 == doctest::Approx(0.75 * c).epsilon(0.01));
  }
}

TEST_CASE("backoff decorrelated jitter: min(cap, uniform [base, 3 * previous])") {
  const Time base = 100 * ms, cap = 5 * kSecond;
  Backoff b({base, cap, Jitter::kDecorrelated});
  // Exact against the formula, following the state through a request's retries.
  Rng a(11), ref(11);
  Time prev = 0, sleep = base;
  for (int k = 0; k < 12; ++k) {
    const Time expected =
        std::min(cap, base + static_cast<Time>(ref.below(static_cast<std::uint64_t>(3 * sleep - base) + 1)));
    const Time d = b.delay(k, a, prev);
    CHECK(d == expected);
    CHECK(prev == d);
    sleep = expected;
  }
  // Bounds: always in [base, min(cap, 3 * previous)]; the first delay averages 2 * base.
  Rng rng(44);
  double first_sum = 0;
  bool in_bounds = true;
  for (int r = 0; r < 5000; ++r) {
    Time state = 0, last = base;
    for (int k = 0; k < 10; ++k) {
      const Time d = b.delay(k, rng, state);
      in_bounds = in_bounds && d >= base && d <= std::min(cap, 3 * last);
      if (k == 0) first_sum += static_cast<double>(d);
      last = d;
    }
  }
  CHECK(in_bounds);
  CHECK(first_sum / 5000 == doctest::Approx(2.0 * base).epsilon(0.02));
}

TEST_CASE("backoff params and jitter names") {
  CHECK(jitter_from_string("decorrelated") == Jitter::kDecorrelated);
  CHECK_FALSE(jitter_from_string("fulll").has_value());
  BackoffParams p{5 * kSecond, 100 * ms, Jitter::kFull};
  REQUIRE(p.check().has_value());
  CHECK(std::string(p.check()->field) == "max");
}

// ---------------------------------------------------------------------------------------
// Retry budgets.

TEST_CASE("retry budget (Finagle): retries capped at percent x requests plus the reserve") {
  SUBCASE("no reserve: 100 requests allow exactly 20 retries") {
    RetryBudget rb({0.2, 0, 10 * kSecond});
    CHECK_FALSE(rb.can_retry(0));
    for (int i = 0; i < 100; ++i) rb.on_request(0);
    int retries = 0;
    while (rb.try_retry(ms)) ++retries;
    CHECK(retries == 20);
    for (int i = 0; i < 5; ++i) rb.on_request(2 * ms);  // 5 x 0.2 = one more retry
    CHECK(rb.try_retry(2 * ms));
    CHECK_FALSE(rb.try_retry(2 * ms));
  }
  SUBCASE("deposits expire after the ttl (10 slices of 1 s)") {
    RetryBudget rb({0.2, 0, 10 * kSecond});
    for (int i = 0; i < 100; ++i) rb.on_request(0);
    CHECK(rb.balance(9 * kSecond + 999 * ms) == 20);
    CHECK(rb.balance(10 * kSecond) == 0);
  }
  SUBCASE("the reserve: min_retries_per_sec x ttl retries with no requests at all") {
    RetryBudget rb({0.2, 10, 10 * kSecond});
    int retries = 0;
    while (rb.try_retry(0)) ++retries;
    CHECK(retries == 100);
  }
  SUBCASE("a steady failing stream: retries stay at 20% of requests") {
    // 100 requests/s for 30 s, each failing and asking for one retry, no reserve.
    RetryBudget rb({0.2, 0, 10 * kSecond});
    int requests = 0, retries = 0;
    for (Time t = 0; t < 30 * kSecond; t += 10 * ms) {
      rb.on_request(t);
      ++requests;
      if (rb.try_retry(t)) ++retries;
    }
    CHECK(requests == 3000);
    CHECK(retries <= 600);
    CHECK(retries >= 590);  // only credit left over at slice expiry is lost
  }
}

TEST_CASE("retry budget (Envoy): active retries below max(min concurrency, budget x active)") {
  SUBCASE("few requests: the floor min_retry_concurrency = 3 applies") {
    ConcurrentRetryBudget rb({0.2, 3});
    for (int i = 0; i < 10; ++i) rb.on_request_start();
    int started = 0;
    while (rb.can_retry()) {
      rb.on_retry_start();
      ++started;
    }
    CHECK(started == 3);  // 13 active: floor(2.6) = 2 < 3
    rb.on_retry_end();
    CHECK(rb.can_retry());
  }
  SUBCASE("100 requests: retries are active requests too, k < floor(0.2 (100 + k)) -> 24") {
    ConcurrentRetryBudget rb({0.2, 3});
    for (int i = 0; i < 100; ++i) rb.on_request_start();
    CHECK(rb.max_active_retries() == 20);
    int started = 0;
    while (rb.can_retry()) {
      rb.on_retry_start();
      ++started;
    }
    CHECK(started == 24);
    CHECK(rb.active_requests() == 124);
  }
  SUBCASE("integer floor: 29% of 100 is 29") {
    ConcurrentRetryBudget rb({0.29, 0});
    for (int i = 0; i < 100; ++i) rb.on_request_start();
    CHECK(rb.max_active_retries() == 29);
  }
}

// ---------------------------------------------------------------------------------------
// Rate limiters.

TEST_CASE("token bucket admits exactly floor(rate x t + burst) over t, starting full") {
  SUBCASE("rate 100/s, burst 20, a request every ms for 10 s: 1020") {
    TokenBucket tb({100.0, 20});
    int admitted = 0;
    for (Time t = 0; t <= 10 * kSecond; t += ms) admitted += tb.try_acquire(t) ? 1 : 0;
    CHECK(admitted == 1020);
  }
  SUBCASE("rate 2.5/s, burst 3, drained every ms: the count is floor(2.5 t + 3) throughout") {
    TokenBucket tb({2.5, 3});
    std::int64_t admitted = 0;
    bool all_equal = true;
    for (std::int64_t m = 0; m <= 10000; ++m) {
      while (tb.try_acquire(m * ms)) ++admitted;
      all_equal = all_equal && admitted == 25 * m / 10000 + 3;  // floor(2.5 m/1000 + 3)
    }
    CHECK(all_equal);
    CHECK(admitted == 28);
  }
  SUBCASE("rate 3/s (a non-integer ns interval) over one hour: no drift, 3 x 3600 + 5") {
    TokenBucket tb({3.0, 5});
    std::int64_t admitted = 0;
    for (Time t = 0; t <= kHour; t += ms) admitted += tb.try_acquire(t) ? 1 : 0;
    CHECK(admitted == 3 * 3600 + 5);
  }
  SUBCASE("an idle bucket fills to burst and no further") {
    TokenBucket tb({100.0, 20});
    for (int i = 0; i < 20; ++i) REQUIRE(tb.try_acquire(0));
    CHECK_FALSE(tb.try_acquire(0));
    CHECK(tb.time_until_token(0) == 10 * ms);
    CHECK(tb.tokens(kDay) == 20);
    int burst = 0;
    while (tb.try_acquire(kDay)) ++burst;
    CHECK(burst == 20);
  }
}

TEST_CASE("sliding-log rate limiter: at most limit admissions in any (t - period, t]") {
  SlidingWindowRateLimiter rl({3, kSecond});
  CHECK(rl.try_acquire(0));
  CHECK(rl.try_acquire(100 * ms));
  CHECK(rl.try_acquire(200 * ms));
  CHECK_FALSE(rl.try_acquire(500 * ms));
  CHECK(rl.time_until_permit(500 * ms) == 500 * ms);
  CHECK_FALSE(rl.try_acquire(kSecond - 1));
  CHECK(rl.try_acquire(kSecond));  // the admission at 0 has left (0, 1 s]
  CHECK_FALSE(rl.try_acquire(1050 * ms));
  CHECK(rl.try_acquire(1100 * ms));
  CHECK(rl.in_window(1100 * ms) == 3);

  // Against a brute-force log of every admission, on random arrivals.
  SlidingWindowRateLimiter lim({5, 100 * ms});
  std::vector<Time> admitted;
  Rng rng(5);
  Time t = 0;
  bool agree = true;
  for (int i = 0; i < 20000; ++i) {
    t += static_cast<Time>(rng.below(40 * ms));
    std::int64_t recent = 0;
    for (auto it = admitted.rbegin(); it != admitted.rend() && t - *it < 100 * ms; ++it) ++recent;
    const bool expect = recent < 5;
    const bool got = lim.try_acquire(t);
    agree = agree && expect == got;
    if (got) admitted.push_back(t);
  }
  CHECK(agree);
}

TEST_CASE("fixed-window rate limiter (Resilience4j cycles): limit per cycle, no carry-over") {
  FixedWindowRateLimiter rl({2, kSecond});
  CHECK(rl.try_acquire(0));
  CHECK(rl.try_acquire(500 * ms));
  CHECK_FALSE(rl.try_acquire(900 * ms));
  CHECK(rl.time_until_permit(900 * ms) == 100 * ms);
  CHECK(rl.try_acquire(kSecond));  // a new cycle
  CHECK(rl.try_acquire(1100 * ms));
  CHECK_FALSE(rl.try_acquire(1200 * ms));
  CHECK(rl.available(5 * kSecond) == 2);  // idle cycles do not accumulate
  // The design's known edge: 2 x limit within one period across a boundary.
  FixedWindowRateLimiter edge({2, kSecond});
  int n = 0;
  for (Time at : {990 * ms, 995 * ms, 1000 * ms, 1005 * ms}) n += edge.try_acquire(at) ? 1 : 0;
  CHECK(n == 4);
}

// ---------------------------------------------------------------------------------------
// Bulkhead.

TEST_CASE("bulkhead: admits max_concurrent, queues up to max_waiting, rejects beyond") {
  SUBCASE("max_wait 0 (Resilience4j default): reject as soon as all slots are taken") {
    Bulkhead bh({2, 0, 1000});
    CHECK(bh.try_acquire(1) == BulkheadDecision::kAdmitted);
    CHECK(bh.try_acquire(2) == BulkheadDecision::kAdmitted);
    CHECK(bh.try_acquire(3) == BulkheadDecision::kRejected);
    CHECK_FALSE(bh.release().has_value());
    CHECK(bh.try_acquire(4) == BulkheadDecision::kAdmitted);
    CHECK(bh.rejected() == 1);
  }
  SUBCASE("with max_wait: FIFO hand-over, timeouts, a full queue") {
    Bulkhead bh({2, 10 * ms, 2});
    CHECK(bh.try_acquire(1) == BulkheadDecision::kAdmitted);
    CHECK(bh.try_acquire(2) == BulkheadDecision::kAdmitted);
    CHECK(bh.try_acquire(3) == BulkheadDecision::kMustWait);
    CHECK(bh.try_acquire(4) == BulkheadDecision::kMustWait);
    CHECK(bh.try_acquire(5) == BulkheadDecision::kRejected);  // queue full
    CHECK(bh.waiting() == 2);
    auto next = bh.release();  // call 1 ends: the oldest waiter gets its slot
    REQUIRE(next.has_value());
    CHECK(*next == 3);
    CHECK(bh.in_use() == 2);
    CHECK(bh.try_acquire(6) == BulkheadDecision::kMustWait);  // no overtaking
    CHECK(bh.cancel(4));  // its max_wait elapsed
    CHECK_FALSE(bh.cancel(3));  // already served: the owner must not fail it
    next = bh.release();
    REQUIRE(next.has_value());
    CHECK(*next == 6);
    CHECK_FALSE(bh.release().has_value());
    CHECK_FALSE(bh.release().has_value());
    CHECK(bh.in_use() == 0);
    CHECK(bh.available() == 2);
    CHECK(bh.rejected() == 2);  // 5 refused, 4 gave up
  }
  SUBCASE("cancelling a waiter in the middle keeps the others' order") {
    Bulkhead bh({1, 10 * ms, 3});
    CHECK(bh.try_acquire(1) == BulkheadDecision::kAdmitted);
    for (std::uint64_t w : {2, 3, 4}) CHECK(bh.try_acquire(w) == BulkheadDecision::kMustWait);
    CHECK(bh.cancel(3));
    CHECK(bh.try_acquire(5) == BulkheadDecision::kMustWait);  // the freed place is usable
    CHECK(*bh.release() == 2);
    CHECK(*bh.release() == 4);
    CHECK(*bh.release() == 5);
    CHECK_FALSE(bh.release().has_value());
  }
}

// Resilience4j's IntervalFunction: ofExponentialBackoff(initial, multiplier) waits
// initial x multiplier^(n-1) before retry n; ofExponentialRandomBackoff adds a uniform
// spread of +- randomizationFactor around it. Vectors worked by hand from those formulas.
TEST_CASE("backoff with Resilience4j's multiplier: 400 ms x 1.5^n, capped") {
  BackoffParams p{400 * ms, 2 * kSecond, Jitter::kNone};
  p.multiplier = 1.5;
  REQUIRE_FALSE(p.check());
  Backoff b(p);
  Rng rng(1);
  Time prev = 0;
  const Time expected[] = {400 * ms, 600 * ms, 900 * ms, 1350 * ms, 2000 * ms, 2000 * ms};
  for (int k = 0; k < 6; ++k) CHECK(b.delay(k, rng, prev) == expected[k]);
  CHECK(b.delay(100000, rng, prev) == 2 * kSecond);  // the loop stops at the cap
  // Multiplier 1: a constant interval (Resilience4j's IntervalFunction.of(duration)).
  p.multiplier = 1.0;
  CHECK(Backoff(p).delay(7, rng, prev) == 400 * ms);
  p.multiplier = 0.5;
  CHECK(std::string(p.check()->field) == "multiplier");
}

TEST_CASE("backoff randomized: uniform in [t (1 - f), t (1 + f)] around Resilience4j's interval") {
  BackoffParams p{100 * ms, 10 * kSecond, Jitter::kRandomized};
  p.multiplier = 2.0;
  p.randomization_factor = 0.5;
  Backoff b(p);
  Rng rng(9);
  Time prev = 0;
  for (int k = 0; k < 6; ++k) {
    const double t = 100.0 * std::pow(2.0, k) * 1e6;
    double sum = 0;
    Time lo = kTimeMax, hi = -1;
    for (int i = 0; i < 20000; ++i) {
      const Time d = b.delay(k, rng, prev);
      lo = std::min(lo, d);
      hi = std::max(hi, d);
      sum += static_cast<double>(d);
    }
    CHECK(static_cast<double>(lo) >= 0.5 * t);
    CHECK(static_cast<double>(hi) <= 1.5 * t);
    CHECK(static_cast<double>(lo) < 0.51 * t);  // the whole spread is used
    CHECK(static_cast<double>(hi) > 1.49 * t);
    // Mean t; 20000 uniform draws over a width of t give a standard error of t / 490.
    CHECK(std::abs(sum / 20000 - t) < 5 * t / 490);
  }
  p.randomization_factor = 1.5;
  CHECK(std::string(p.check()->field) == "randomization_factor");
  CHECK(jitter_from_string("randomized") == Jitter::kRandomized);
}

// Resilience4j's AtomicRateLimiter with timeoutDuration: a caller without a permission in
// this cycle reserves one of a later cycle when that cycle starts within the timeout, and
// the reservation is paid for by the cycle it falls in (its activePermissions go negative).
TEST_CASE("fixed window reserve: later cycles' permissions within timeout_duration, owed and repaid") {
  FixedWindowRateLimiter f({2, 100 * ms}, 0);
  // Cycle 0 (0..100 ms): two at once, then two owed by cycle 1 (wait until 100 ms), then
  // two by cycle 2 (until 200 ms), then refused with a 150 ms timeout.
  CHECK(f.reserve(10 * ms, 150 * ms) == Time{0});
  CHECK(f.reserve(10 * ms, 150 * ms) == Time{0});
  CHECK(f.reserve(10 * ms, 150 * ms) == 90 * ms);
  CHECK(f.reserve(10 * ms, 150 * ms) == 90 * ms);
  CHECK(f.reserve(20 * ms, 200 * ms) == 180 * ms);
  CHECK(f.reserve(20 * ms, 200 * ms) == 180 * ms);
  CHECK_FALSE(f.reserve(20 * ms, 150 * ms).has_value());  // would wait 280 ms; nothing taken
  CHECK_FALSE(f.try_acquire(20 * ms));
  // At 150 ms (cycle 1) its two permissions went to the reservations: none left; cycle 2's
  // too; cycle 3 (300 ms) is free again.
  CHECK(f.available(150 * ms) == 0);
  CHECK(f.time_until_permit(150 * ms) == 150 * ms);
  CHECK_FALSE(f.try_acquire(250 * ms));
  CHECK(f.try_acquire(300 * ms));
  CHECK(f.try_acquire(300 * ms));
  CHECK_FALSE(f.try_acquire(399 * ms));
  // Without waiting, reserve is try_acquire: nothing owed, a new cycle resets.
  FixedWindowRateLimiter g({1, kSecond}, 0);
  CHECK(g.reserve(0, 0) == Time{0});
  CHECK_FALSE(g.reserve(1, 0).has_value());
  CHECK(g.reserve(kSecond, 0) == Time{0});
}

// Resilience4j's exponential waitIntervalFunctionInOpenState: OpenState(attempts) waits
// interval(attempts), attempts 1 from CLOSED and +1 from each failed HALF_OPEN trial.
TEST_CASE("circuit breaker: exponential wait in open, reset by closing") {
  CircuitBreakerParams p = count_params(4, 4, 0.5);  // wait_in_open 30 s, 3 half-open calls
  p.wait_in_open_multiplier = 2.0;
  p.max_wait_in_open = 100 * kSecond;
  p.automatic_transition = true;  // calls exactly at each deadline are permitted
  REQUIRE_FALSE(p.check());
  CircuitBreaker cb(p);
  for (int i = 0; i < 4; ++i) call(cb, 0, F);
  REQUIRE(cb.state() == CircuitState::kOpen);
  CHECK(cb.next_deadline() == 30 * kSecond);  // first opening: 30 s
  Time t = 30 * kSecond;
  const Time waits[] = {60 * kSecond, 100 * kSecond, 100 * kSecond};  // 60, 120 capped, capped
  for (Time w : waits) {
    for (int i = 0; i < 3; ++i) call(cb, t, F);  // the half-open trial fails
    REQUIRE(cb.state() == CircuitState::kOpen);
    CHECK(cb.next_deadline() == t + w);
    t += w;
  }
  for (int i = 0; i < 3; ++i) call(cb, t, S);  // a good trial closes it
  REQUIRE(cb.state() == CircuitState::kClosed);
  for (int i = 0; i < 4; ++i) call(cb, t, F);
  CHECK(cb.next_deadline() == t + 30 * kSecond);  // back to the first wait
  p.wait_in_open_multiplier = 0.9;
  CHECK(std::string(p.check()->field) == "wait_in_open_multiplier");
  p.wait_in_open_multiplier = 2;
  p.max_wait_in_open = kSecond;
  CHECK(std::string(p.check()->field) == "max_wait_in_open");
}

// Resilience4j's two OPEN -> HALF_OPEN modes on one hand-worked sequence: opened at 0 with a
// 30 s wait, nobody calls until 50 s. Lazy (the default, OpenState.tryAcquirePermission's
// clock.isAfter check): the state stays OPEN through 30 s and moves at the 50 s call, so a
// max_wait_in_half_open of 5 s runs from 50 s. Automatic (automaticTransitionFromOpenToHalfOpen-
// Enabled, a scheduled transition): the owner's timer at 30 s moves it, the half-open limit
// runs from 30 s and reopens it at 35 s, so the 50 s call is refused.
TEST_CASE("circuit breaker: lazy OPEN -> HALF_OPEN at the next call, or automatic at the deadline") {
  CircuitBreakerParams p = count_params(10, 5, 0.5);
  p.max_wait_in_half_open = 5 * kSecond;
  SUBCASE("lazy") {
    CircuitBreaker cb(p);
    for (int i = 0; i < 5; ++i) call(cb, 0, F);
    CHECK(cb.timer_deadline() == kTimeMax);  // nothing to schedule
    cb.advance(30 * kSecond);                // even a check at the deadline itself
    CHECK(cb.state() == CircuitState::kOpen);
    cb.advance(40 * kSecond);  // advance() is the same check as a call's
    CHECK(cb.state() == CircuitState::kHalfOpen);
    CHECK(cb.last_transition()->at == 40 * kSecond);
    CHECK(cb.timer_deadline() == 45 * kSecond);
  }
  SUBCASE("lazy, first call at 50 s") {
    CircuitBreaker cb(p);
    for (int i = 0; i < 5; ++i) call(cb, 0, F);
    CHECK(cb.try_acquire(50 * kSecond));
    CHECK(cb.state() == CircuitState::kHalfOpen);
    CHECK(cb.last_transition()->at == 50 * kSecond);
    CHECK(cb.next_deadline() == 55 * kSecond);
  }
  SUBCASE("automatic") {
    p.automatic_transition = true;
    CircuitBreaker cb(p);
    for (int i = 0; i < 5; ++i) call(cb, 0, F);
    CHECK(cb.timer_deadline() == 30 * kSecond);
    cb.advance(cb.timer_deadline());
    CHECK(cb.state() == CircuitState::kHalfOpen);
    CHECK(cb.last_transition()->at == 30 * kSecond);
    CHECK(cb.timer_deadline() == 35 * kSecond);
    cb.advance(cb.timer_deadline());
    CHECK(cb.state() == CircuitState::kOpen);
    CHECK(cb.next_deadline() == 65 * kSecond);
    CHECK_FALSE(cb.try_acquire(50 * kSecond));
  }
}

// IntervalFunction.ofRandomized / ofExponentialRandomBackoff: the n-th open wait is the
// exponential wait (capped) spread uniformly over [w (1 - f), w (1 + f)].
TEST_CASE("circuit breaker: randomized wait in open within [w - f w, w + f w], reproducible per seed") {
  CircuitBreakerParams p = count_params(4, 4, 0.5);  // 30 s, 3 half-open calls
  p.wait_in_open_randomization_factor = 0.5;
  REQUIRE_FALSE(p.check());
  auto first_wait = [&](std::uint64_t seed) {
    CircuitBreaker cb(p, seed);
    for (int i = 0; i < 4; ++i) call(cb, 0, F);
    return cb.next_deadline();
  };
  double sum = 0;
  Time lo = kTimeMax, hi = 0;
  const int n = 2000;
  for (int k = 0; k < n; ++k) {
    const Time w = first_wait(static_cast<std::uint64_t>(k));
    lo = std::min(lo, w);
    hi = std::max(hi, w);
    sum += static_cast<double>(w);
  }
  CHECK(lo >= 15 * kSecond);
  CHECK(hi <= 45 * kSecond);
  // Spread over the whole interval: the extremes of 2000 uniform draws lie within 1 % of its ends.
  CHECK(lo < 15 * kSecond + 300 * ms);
  CHECK(hi > 45 * kSecond - 300 * ms);
  // Mean 30 s; the standard error of the mean is 30 s x 0.5 / sqrt(3) / sqrt(2000) = 0.19 s.
  CHECK(std::abs(sum / n / kSecond - 30.0) < 0.8);
  CHECK(first_wait(7) == first_wait(7));
  CHECK(first_wait(7) != first_wait(8));

  // With the multiplier: the third OPEN in a row waits 30 x 2^2 = 120 s, capped at 100 s, then
  // randomized around the cap (Resilience4j randomizes after capping).
  p.wait_in_open_multiplier = 2.0;
  p.max_wait_in_open = 100 * kSecond;
  p.automatic_transition = true;
  CircuitBreaker cb(p, 3);
  for (int i = 0; i < 4; ++i) call(cb, 0, F);
  Time t = cb.next_deadline();
  CHECK(t >= 15 * kSecond);
  CHECK(t <= 45 * kSecond);
  const Time centre[] = {60 * kSecond, 100 * kSecond};
  for (Time c : centre) {
    for (int i = 0; i < 3; ++i) call(cb, t, F);
    REQUIRE(cb.state() == CircuitState::kOpen);
    const Time w = cb.next_deadline() - t;
    CHECK(w >= c / 2);
    CHECK(w <= c + c / 2);
    t += w;
  }
  p.wait_in_open_randomization_factor = 1.5;
  CHECK(std::string(p.check()->field) == "wait_in_open_randomization_factor");
}

// Resilience4j's operator states: DISABLED permits and records nothing, FORCED_OPEN refuses
// everything and never goes half-open by itself, METRICS_ONLY records but never opens;
// moving back to CLOSED starts from an empty window.
TEST_CASE("circuit breaker: disabled, forced_open and metrics_only states") {
  CircuitBreakerParams p = count_params(10, 5, 0.5);
  SUBCASE("disabled") {
    p.initial_state = CircuitState::kDisabled;
    REQUIRE_FALSE(p.check());
    CircuitBreaker cb(p);
    for (int i = 0; i < 50; ++i) call(cb, i * ms, F);
    CHECK(cb.state() == CircuitState::kDisabled);
    CHECK(cb.counts(50 * ms).calls == 0);
    CHECK(cb.transitions() == 0);
    CHECK(cb.timer_deadline() == kTimeMax);
  }
  SUBCASE("metrics_only") {
    p.initial_state = CircuitState::kMetricsOnly;
    CircuitBreaker cb(p);
    for (int i = 0; i < 50; ++i) call(cb, i * ms, F);
    CHECK(cb.state() == CircuitState::kMetricsOnly);
    CHECK(cb.counts(50 * ms).calls == 10);  // the window's size
    CHECK(cb.counts(50 * ms).failed == 10);
  }
  SUBCASE("forced_open, then closed") {
    CircuitBreaker cb(p);
    for (int i = 0; i < 4; ++i) call(cb, 0, F);  // one short of the minimum
    cb.force_state(kSecond, CircuitState::kForcedOpen);
    CHECK(cb.state() == CircuitState::kForcedOpen);
    CHECK_FALSE(cb.try_acquire(kSecond));
    CHECK_FALSE(cb.try_acquire(1000 * kSecond));  // no wait ends it
    CHECK(cb.not_permitted_calls() == 2);
    CHECK(cb.timer_deadline() == kTimeMax);
    cb.force_state(1001 * kSecond, CircuitState::kClosed);
    CHECK(cb.state() == CircuitState::kClosed);
    // The 4 earlier failures are gone: 4 more stay below the minimum, the 5th opens.
    for (int i = 0; i < 4; ++i) call(cb, 1001 * kSecond, F);
    CHECK(cb.state() == CircuitState::kClosed);
    call(cb, 1001 * kSecond, F);
    CHECK(cb.state() == CircuitState::kOpen);
    cb.force_state(1002 * kSecond, CircuitState::kOpen);  // not an operator state: ignored
    CHECK(cb.state() == CircuitState::kOpen);
  }
  p.initial_state = CircuitState::kHalfOpen;
  CHECK(std::string(p.check()->field) == "state");
  CHECK(circuit_state_from_string("forced_open") == CircuitState::kForcedOpen);
  CHECK_FALSE(circuit_state_from_string("forced-open").has_value());
}
