#include "lib/resilience/circuit_breaker.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace archsim::resilience {

const char* to_string(CircuitState s) {
  switch (s) {
    case CircuitState::kClosed: return "closed";
    case CircuitState::kOpen: return "open";
    case CircuitState::kHalfOpen: return "half_open";
    case CircuitState::kDisabled: return "disabled";
    case CircuitState::kForcedOpen: return "forced_open";
    case CircuitState::kMetricsOnly: return "metrics_only";
  }
  return "?";
}

std::optional<CircuitState> circuit_state_from_string(const char* name) {
  if (name == nullptr) return std::nullopt;
  for (CircuitState s : {CircuitState::kClosed, CircuitState::kOpen, CircuitState::kHalfOpen, CircuitState::kDisabled,
                         CircuitState::kForcedOpen, CircuitState::kMetricsOnly})
    if (std::strcmp(name, to_string(s)) == 0) return s;
  return std::nullopt;
}

namespace {
bool operator_state(CircuitState s) {
  return s == CircuitState::kClosed || s == CircuitState::kDisabled || s == CircuitState::kForcedOpen ||
         s == CircuitState::kMetricsOnly;
}

BackoffParams open_wait_params(const CircuitBreakerParams& p) {
  BackoffParams b;
  b.base = p.wait_in_open;
  b.max = std::max(p.max_wait_in_open, p.wait_in_open);
  b.multiplier = p.wait_in_open_multiplier;
  b.jitter = p.wait_in_open_randomization_factor > 0 ? Jitter::kRandomized : Jitter::kNone;
  b.randomization_factor = p.wait_in_open_randomization_factor;
  return b;
}
}  // namespace

std::optional<ParamError> CircuitBreakerParams::check() const {
  // Negated comparisons so that NaN is rejected too.
  if (window_size < 1) return ParamError{"window/size", "must be at least 1"};
  if (!(failure_rate_threshold > 0.0 && failure_rate_threshold <= 1.0))
    return ParamError{"failure_rate_threshold", "must be in (0, 1]"};
  if (!(slow_call_rate_threshold > 0.0 && slow_call_rate_threshold <= 1.0))
    return ParamError{"slow_call_rate_threshold", "must be in (0, 1]"};
  if (slow_call_duration < 0) return ParamError{"slow_call_duration", "must not be negative"};
  if (minimum_calls < 1) return ParamError{"minimum_calls", "must be at least 1"};
  if (wait_in_open < 0) return ParamError{"wait_in_open", "must not be negative"};
  if (!(wait_in_open_multiplier >= 1.0 && wait_in_open_multiplier <= 100.0))
    return ParamError{"wait_in_open_multiplier", "must be between 1 and 100"};
  if (max_wait_in_open < wait_in_open) return ParamError{"max_wait_in_open", "must be at least wait_in_open"};
  if (!(wait_in_open_randomization_factor >= 0.0 && wait_in_open_randomization_factor <= 1.0))
    return ParamError{"wait_in_open_randomization_factor", "must be between 0 and 1"};
  if (!operator_state(initial_state))
    return ParamError{"state", "must be closed, disabled, forced_open or metrics_only"};
  if (half_open_calls < 1) return ParamError{"half_open_calls", "must be at least 1"};
  if (max_wait_in_half_open < 0)
    return ParamError{"max_wait_in_half_open", "must not be negative"};
  return std::nullopt;
}

// ---------------------------------------------------------------------------------------

OutcomeWindow::OutcomeWindow(CircuitBreakerParams::WindowType type, int size)
    : type_(type), size_(std::max(size, 1)) {
  if (type_ == CircuitBreakerParams::WindowType::kCount)
    outcomes_.assign(static_cast<std::size_t>(size_), 0);
  else
    buckets_.assign(static_cast<std::size_t>(size_), Bucket{0, 0, 0});
}

void OutcomeWindow::reset() {
  head_ = 0;
  filled_ = 0;
  head_second_ = 0;
  total_ = WindowCounts{};
  std::fill(buckets_.begin(), buckets_.end(), Bucket{0, 0, 0});
}

void OutcomeWindow::roll_to(std::int64_t second) {
  // A time earlier than the head (not expected from a scheduler) lands in the head bucket.
  if (second <= head_second_) return;
  std::int64_t steps = std::min<std::int64_t>(second - head_second_, size_);
  while (steps-- > 0) {
    head_ = (head_ + 1) % size_;
    Bucket& b = buckets_[static_cast<std::size_t>(head_)];
    total_.calls -= b.calls;
    total_.failed -= b.failed;
    total_.slow -= b.slow;
    b = Bucket{0, 0, 0};
  }
  head_second_ = second;
}

void OutcomeWindow::record(Time now, bool failed, bool slow) {
  if (type_ == CircuitBreakerParams::WindowType::kCount) {
    std::uint8_t& slot = outcomes_[static_cast<std::size_t>(head_)];
    if (filled_ == size_) {
      total_.calls -= 1;
      total_.failed -= slot & 1;
      total_.slow -= (slot >> 1) & 1;
    } else {
      ++filled_;
    }
    slot = static_cast<std::uint8_t>((failed ? 1 : 0) | (slow ? 2 : 0));
    head_ = (head_ + 1) % size_;
  } else {
    roll_to(now / kSecond);
    Bucket& b = buckets_[static_cast<std::size_t>(head_)];
    b.calls += 1;
    b.failed += failed ? 1 : 0;
    b.slow += slow ? 1 : 0;
  }
  total_.calls += 1;
  total_.failed += failed ? 1 : 0;
  total_.slow += slow ? 1 : 0;
}

WindowCounts OutcomeWindow::counts(Time now) const {
  if (type_ == CircuitBreakerParams::WindowType::kCount) return total_;
  const std::int64_t age = now / kSecond - head_second_;  // seconds the head is behind
  if (age <= 0) return total_;
  // Bucket k steps behind the head holds second head_second_ - k; it is still in the
  // window at `now` while k < size_ - age.
  WindowCounts c;
  for (std::int64_t k = 0; k < size_ - age; ++k) {
    const auto idx = static_cast<std::size_t>(((head_ - k) % size_ + size_) % size_);
    c.calls += buckets_[idx].calls;
    c.failed += buckets_[idx].failed;
    c.slow += buckets_[idx].slow;
  }
  return c;
}

// ---------------------------------------------------------------------------------------

CircuitBreaker::CircuitBreaker(const CircuitBreakerParams& params, std::uint64_t seed)
    : p_(params),
      open_backoff_(open_wait_params(params)),
      rng_(seed),
      // Resilience4j caps the minimum of a count window at its size, else it never opens.
      closed_minimum_(params.window_type == CircuitBreakerParams::WindowType::kCount
                          ? std::min(params.minimum_calls, params.window_size)
                          : params.minimum_calls),
      closed_window_(params.window_type, params.window_size),
      half_open_window_(CircuitBreakerParams::WindowType::kCount, params.half_open_calls) {
  state_ = params.initial_state;
}

CircuitBreaker::Verdict CircuitBreaker::evaluate(const WindowCounts& c, int minimum) const {
  if (c.calls == 0 || c.calls < minimum) return Verdict::kBelowMinimum;
  // Division is correctly rounded, so k/n equal to the decimal threshold compares equal.
  const double n = c.calls;
  if (c.failed / n >= p_.failure_rate_threshold) return Verdict::kAbove;
  if (c.slow / n >= p_.slow_call_rate_threshold) return Verdict::kAbove;
  return Verdict::kBelow;
}

void CircuitBreaker::transition(Time now, CircuitState to) {
  const CircuitState from = state_;
  state_ = to;
  switch (to) {
    case CircuitState::kOpen: {
      open_attempts_ = from == CircuitState::kHalfOpen ? open_attempts_ + 1 : 1;
      const Time wait = open_wait(open_attempts_);
      open_until_ = now > kTimeMax - wait ? kTimeMax : now + wait;
      open_from_half_open_ = from == CircuitState::kHalfOpen;
      break;
    }
    case CircuitState::kHalfOpen:
      half_open_since_ = now;
      half_open_permits_ = p_.half_open_calls;
      half_open_window_.reset();
      break;
    case CircuitState::kClosed:
    case CircuitState::kDisabled:
    case CircuitState::kForcedOpen:
    case CircuitState::kMetricsOnly:
      // Resilience4j builds each of these states with new metrics.
      closed_window_.reset();
      half_open_window_.reset();
      open_attempts_ = 0;
      open_from_half_open_ = false;
      break;
  }
  ++transitions_;
  last_ = Transition{now, from, to};
  if (listener_ != nullptr) listener_(listener_context_, last_);
}

// wait_in_open x multiplier^(attempt - 1) capped, then randomized: the backoff schedule
// with attempt - 1 earlier retries.
Time CircuitBreaker::open_wait(int attempt) {
  Time unused = 0;
  return open_backoff_.delay(attempt - 1, rng_, unused);
}

void CircuitBreaker::force_state(Time now, CircuitState to) {
  if (operator_state(to)) transition(now, to);
}

void CircuitBreaker::advance(Time now) {
  if (state_ == CircuitState::kOpen && (now > open_until_ || (p_.automatic_transition && now == open_until_))) {
    transition(now, CircuitState::kHalfOpen);
  }
  if (state_ == CircuitState::kHalfOpen && p_.max_wait_in_half_open > 0 &&
      now - half_open_since_ >= p_.max_wait_in_half_open) {
    transition(now, CircuitState::kOpen);
  }
}

Time CircuitBreaker::next_deadline() const {
  if (state_ == CircuitState::kOpen) return open_until_;
  if (state_ == CircuitState::kHalfOpen && p_.max_wait_in_half_open > 0) {
    return half_open_since_ > kTimeMax - p_.max_wait_in_half_open
               ? kTimeMax
               : half_open_since_ + p_.max_wait_in_half_open;
  }
  return kTimeMax;
}

Time CircuitBreaker::timer_deadline() const {
  if (state_ == CircuitState::kOpen && !p_.automatic_transition) return kTimeMax;
  return next_deadline();
}

bool CircuitBreaker::try_acquire(Time now) {
  advance(now);
  switch (state_) {
    case CircuitState::kClosed:
    case CircuitState::kDisabled:
    case CircuitState::kMetricsOnly:
      return true;
    case CircuitState::kHalfOpen:
      if (half_open_permits_ > 0) {
        --half_open_permits_;
        return true;
      }
      break;
    case CircuitState::kOpen:
    case CircuitState::kForcedOpen:
      break;
  }
  ++not_permitted_;
  return false;
}

void CircuitBreaker::release_permission() {
  if (state_ == CircuitState::kHalfOpen && half_open_permits_ < p_.half_open_calls)
    ++half_open_permits_;
}

void CircuitBreaker::on_result(Time now, Time duration, bool failure) {
  const bool slow = duration > p_.slow_call_duration;
  switch (state_) {
    case CircuitState::kClosed:
      closed_window_.record(now, failure, slow);
      if (evaluate(closed_window_.counts(now), closed_minimum_) == Verdict::kAbove)
        transition(now, CircuitState::kOpen);
      break;
    case CircuitState::kDisabled:
      break;  // records nothing
    case CircuitState::kMetricsOnly:
    case CircuitState::kForcedOpen:
      closed_window_.record(now, failure, slow);  // for the figures; never a transition
      break;
    case CircuitState::kOpen:
      // Recorded for the figures only: the verdict was already given.
      (open_from_half_open_ ? half_open_window_ : closed_window_).record(now, failure, slow);
      break;
    case CircuitState::kHalfOpen: {
      half_open_window_.record(now, failure, slow);
      const Verdict v = evaluate(half_open_window_.counts(now), p_.half_open_calls);
      if (v == Verdict::kAbove) transition(now, CircuitState::kOpen);
      else if (v == Verdict::kBelow) transition(now, CircuitState::kClosed);
      break;
    }
  }
}

WindowCounts CircuitBreaker::counts(Time now) const {
  const bool half = state_ == CircuitState::kHalfOpen ||
                    (state_ == CircuitState::kOpen && open_from_half_open_);
  return (half ? half_open_window_ : closed_window_).counts(now);
}

std::optional<CircuitBreaker::Transition> CircuitBreaker::last_transition() const {
  if (transitions_ == 0) return std::nullopt;
  return last_;
}

}  // namespace archsim::resilience
