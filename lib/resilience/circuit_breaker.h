// Circuit breaker, following Resilience4j's CircuitBreakerStateMachine (resilience4j-
// circuitbreaker, v1.7/2.x) and its sliding windows (FixedSizeSlidingWindowMetrics,
// SlidingTimeWindowMetrics in resilience4j-core).
//
// States and transitions, as Resilience4j:
//   CLOSED    every call is permitted. Each recorded outcome goes into a sliding window
//             (the last `window_size` calls, or the calls of the last `window_size` seconds
//             in per-second buckets). Once the window holds at least `minimum_calls`
//             outcomes (for a count window: min(minimum_calls, window_size)), a failure rate
//             >= failure_rate_threshold or a slow-call rate >= slow_call_rate_threshold
//             opens the breaker. Rates are evaluated only when an outcome is recorded.
//   OPEN      every call is rejected ("call not permitted") until `wait_in_open` has passed
//             since the breaker opened; then it goes HALF_OPEN.
//   HALF_OPEN exactly `half_open_calls` calls are permitted; their outcomes go into a fresh
//             count window of that size whose minimum is that size, so the verdict comes
//             when all of them are recorded: rates below both thresholds -> CLOSED (with an
//             empty window), otherwise -> OPEN for another `wait_in_open`.
// A call is slow when its duration is strictly greater than slow_call_duration; a slow
// failure counts both as failed and as slow. Rates compare as fractions: k/n >= threshold.
//
// Besides these, Resilience4j's operator states (CircuitBreaker.transitionTo...State, or the
// actuator's updateState), each entered with fresh, empty windows:
//   DISABLED      every call is permitted and nothing is recorded; the state never changes
//                 by itself.
//   FORCED_OPEN   every call is refused (counted as not permitted); never changes by itself.
//   METRICS_ONLY  every call is permitted and recorded in the closed window, but the rates
//                 never open the breaker.
// force_state() moves to one of those or back to CLOSED (with an empty window); the breaker
// can also start in one (params.initial_state).
//
// OPEN -> HALF_OPEN. Resilience4j's default (automaticTransitionFromOpenToHalfOpenEnabled
// false) is lazy: OpenState.tryAcquirePermission checks clock.isAfter(retryAfterWaitDuration),
// so the transition happens at the first call strictly after the end of the wait, and a
// breaker nobody calls stays OPEN. try_acquire() and advance() do the same (now > end).
// With automatic_transition, Resilience4j schedules the transition at the end of the wait;
// the owner keeps a timer at timer_deadline() and calls advance() there, which then
// transitions at now >= end. Resilience4j always schedules the HALF_OPEN -> OPEN of
// max_wait_in_half_open: timer_deadline() includes it in both modes.
//
// The n-th OPEN in a row (each failed HALF_OPEN trial adds one; CLOSED resets) waits
// wait_in_open x multiplier^(n-1), at most max_wait_in_open, then randomized by
// wait_in_open_randomization_factor f to a uniform integer in [w - f w, w + f w]
// (Resilience4j's IntervalFunction.ofRandomized / ofExponentialRandomBackoff, which
// randomize after capping, so a randomized wait may exceed the cap by the factor; Spring
// Boot's enableRandomizedWait / randomizedWaitFactor). The draw comes from the breaker's own
// stream (the seed given at construction), one per OPEN.

// Simplifications:
//   - In automatic mode a call at exactly the end of the wait is permitted (">=", where
//     Resilience4j's own check is strictly after): the timer and the call agree.
//   - No exception classification (the owner decides what is a failure). METRICS_ONLY does
//     not publish Resilience4j's "failure rate exceeded" events.
//   - Time buckets are seconds of simulated time (now / 1 s), not epoch seconds.
//   - As in Resilience4j, an outcome arriving in a state other than the one that permitted
//     the call is recorded into the current state's window: in OPEN it is counted without
//     effect; in HALF_OPEN a late outcome of a call permitted while CLOSED counts towards
//     the half-open verdict.
//   - max_wait_in_half_open (Resilience4j maxWaitDurationInHalfOpenState, default 0 =
//     wait for the permitted calls forever) is supported; like the open wait it is applied
//     by advance()/try_acquire().
//
// Cost: all windows are allocated at construction (window_size bytes or 12-byte buckets,
// plus half_open_calls bytes); try_acquire and on_result are O(1) for a count window and
// O(1) amortised for a time window (O(window_size) at most after a long idle gap). No
// allocation after construction.
#pragma once
#include <cstdint>
#include <optional>
#include <vector>

#include "lib/resilience/backoff.h"
#include "lib/resilience/param_error.h"
#include "sim/random.h"
#include "sim/time.h"

namespace archsim::resilience {

// The numbers are Resilience4j's State.getOrder(), and what a time series records.
enum class CircuitState : std::uint8_t {
  kClosed = 0,
  kOpen = 1,
  kHalfOpen = 2,
  kDisabled = 3,
  kForcedOpen = 4,
  kMetricsOnly = 5
};

// "closed", "open", "half_open", "disabled", "forced_open", "metrics_only".
const char* to_string(CircuitState s);
// The inverse of to_string; nullopt for anything else.
std::optional<CircuitState> circuit_state_from_string(const char* name);

struct CircuitBreakerParams {
  enum class WindowType : std::uint8_t { kCount, kTime };
  // Defaults are Resilience4j's CircuitBreakerConfig defaults.
  WindowType window_type = WindowType::kCount;
  int window_size = 100;                 // calls (count) or seconds (time); >= 1
  double failure_rate_threshold = 0.5;   // (0, 1]
  double slow_call_rate_threshold = 1.0; // (0, 1]
  Time slow_call_duration = 60 * kSecond;
  int minimum_calls = 100;               // >= 1
  Time wait_in_open = 60 * kSecond;      // >= 0
  // Resilience4j's waitIntervalFunctionInOpenState (see the header comment). multiplier 1
  // and factor 0 (the defaults) are the fixed wait.
  double wait_in_open_multiplier = 1.0;  // [1, 100]
  Time max_wait_in_open = kTimeMax;      // >= wait_in_open
  double wait_in_open_randomization_factor = 0.0;  // [0, 1]
  bool automatic_transition = false;     // automaticTransitionFromOpenToHalfOpenEnabled
  // closed, disabled, forced_open or metrics_only (not open / half_open: those follow a wait).
  CircuitState initial_state = CircuitState::kClosed;
  int half_open_calls = 10;              // >= 1
  Time max_wait_in_half_open = 0;        // 0: no limit

  std::optional<ParamError> check() const;
};

// Counts of the outcomes currently in a window.
struct WindowCounts {
  int calls = 0;
  int failed = 0;
  int slow = 0;
};

// A sliding window of call outcomes: the last N calls, or the last N one-second buckets
// (the current, partial second and the N-1 before it). Subtract-on-evict keeps the totals.
class OutcomeWindow {
 public:
  OutcomeWindow(CircuitBreakerParams::WindowType type, int size);
  void record(Time now, bool failed, bool slow);
  // Counts as of `now` (for a time window, buckets older than the window are left out).
  WindowCounts counts(Time now) const;
  void reset();

 private:
  struct Bucket {
    std::int32_t calls, failed, slow;
  };
  void roll_to(std::int64_t second);

  CircuitBreakerParams::WindowType type_;
  int size_;
  int head_ = 0;                  // count: next slot to write; time: bucket of head_second_
  int filled_ = 0;                // count only
  std::int64_t head_second_ = 0;  // time only
  WindowCounts total_;
  std::vector<std::uint8_t> outcomes_;  // count: bit 0 failed, bit 1 slow
  std::vector<Bucket> buckets_;         // time
};

class CircuitBreaker {
 public:
  struct Transition {
    Time at;
    CircuitState from;
    CircuitState to;
  };
  // Called synchronously on every state change; no allocation.
  using Listener = void (*)(void* context, const Transition& t);

  // Requires params.check() to be empty. `seed` feeds the randomized open wait only.
  explicit CircuitBreaker(const CircuitBreakerParams& params, std::uint64_t seed = 0);

  void set_listener(Listener fn, void* context) {
    listener_ = fn;
    listener_context_ = context;
  }

  // Applies due time-driven transitions, then asks for permission to make a call. False
  // means the call is not permitted (OPEN, or HALF_OPEN with no permits left); the owner
  // fails it at once without calling downstream.
  bool try_acquire(Time now);
  // Gives back a permit that will have no outcome (the call was abandoned before it was
  // made, e.g. a bulkhead rejected it). Only HALF_OPEN permits are counted.
  void release_permission();
  // Records the outcome of a permitted call that took `duration`; may change the state.
  void on_result(Time now, Time duration, bool failure);
  // Applies time-driven transitions due at `now`: OPEN -> HALF_OPEN once the wait is over
  // (now > end, or now >= end with automatic_transition), HALF_OPEN -> OPEN once
  // max_wait_in_half_open has passed (now >= limit).
  void advance(Time now);
  // When the current wait ends (the open wait, or the half-open limit); kTimeMax if none.
  Time next_deadline() const;
  // When the owner must call advance() for the transitions Resilience4j schedules itself:
  // next_deadline() except for a lazy open wait (kTimeMax: the next call moves it).
  Time timer_deadline() const;
  // An operator's transition (Resilience4j's transitionToClosedState / DisabledState /
  // ForcedOpenState / MetricsOnlyState): to CLOSED, DISABLED, FORCED_OPEN or METRICS_ONLY,
  // with empty windows and the open-wait exponent reset. Requires one of those four; a
  // move to the current state still resets the windows (and counts as a transition).
  void force_state(Time now, CircuitState to);

  CircuitState state() const { return state_; }
  // Outcomes in the window the current state records into: the closed window in CLOSED
  // (and in OPEN entered from CLOSED), the half-open window otherwise.
  WindowCounts counts(Time now) const;
  std::int64_t not_permitted_calls() const { return not_permitted_; }
  std::int64_t transitions() const { return transitions_; }
  // The last state change, if any.
  std::optional<Transition> last_transition() const;

 private:
  enum class Verdict : std::uint8_t { kBelowMinimum, kBelow, kAbove };
  Verdict evaluate(const WindowCounts& c, int minimum) const;
  Time open_wait(int attempt);  // the wait of the attempt-th OPEN in a row (draws when randomized)
  void transition(Time now, CircuitState to);

  CircuitBreakerParams p_;
  Backoff open_backoff_;  // the open waits: base wait_in_open, cap max_wait_in_open
  Rng rng_;
  int closed_minimum_;
  CircuitState state_ = CircuitState::kClosed;
  Time open_until_ = 0;
  int open_attempts_ = 0;  // OPENs in a row since the last CLOSED (Resilience4j's attempts)
  Time half_open_since_ = 0;
  int half_open_permits_ = 0;
  bool open_from_half_open_ = false;  // which window late outcomes in OPEN go to
  OutcomeWindow closed_window_;
  OutcomeWindow half_open_window_;
  std::int64_t not_permitted_ = 0;
  std::int64_t transitions_ = 0;
  Transition last_{0, CircuitState::kClosed, CircuitState::kClosed};
  Listener listener_ = nullptr;
  void* listener_context_ = nullptr;
};

}  // namespace archsim::resilience
