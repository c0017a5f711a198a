#include "models/common/resilience/circuit_breaker.h"

#include <algorithm>
#include <cmath>

namespace archsim::resilience {

const char* to_string(CircuitState s) {
  switch (s) {
    case CircuitState::kClosed: return "closed";
    case CircuitState::kOpen: return "open";
    case CircuitState::kHalfOpen: return "half_open";
  }
  return "?";
}

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

CircuitBreaker::CircuitBreaker(const CircuitBreakerParams& params)
    : p_(params),
      // Resilience4j caps the minimum of a count window at its size, else it never opens.
      closed_minimum_(params.window_type == CircuitBreakerParams::WindowType::kCount
                          ? std::min(params.minimum_calls, params.window_size)
                          : params.minimum_calls),
      closed_window_(params.window_type, params.window_size),
      half_open_window_(CircuitBreakerParams::WindowType::kCount, params.half_open_calls) {}

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
      closed_window_.reset();
      break;
  }
  ++transitions_;
  last_ = Transition{now, from, to};
  if (listener_ != nullptr) listener_(listener_context_, last_);
}

Time CircuitBreaker::open_wait(int attempt) const {
  if (p_.wait_in_open_multiplier == 1.0) return std::min(p_.wait_in_open, p_.max_wait_in_open);
  // wait_in_open x multiplier^(attempt - 1), multiplied step by step, stopping at the cap.
  double w = static_cast<double>(p_.wait_in_open);
  const auto cap = static_cast<double>(p_.max_wait_in_open);
  for (int k = 1; k < attempt && w < cap; ++k) w *= p_.wait_in_open_multiplier;
  return w >= cap ? p_.max_wait_in_open : static_cast<Time>(std::llround(w));
}

void CircuitBreaker::advance(Time now) {
  if (state_ == CircuitState::kOpen && now >= open_until_) {
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

bool CircuitBreaker::try_acquire(Time now) {
  advance(now);
  switch (state_) {
    case CircuitState::kClosed:
      return true;
    case CircuitState::kHalfOpen:
      if (half_open_permits_ > 0) {
        --half_open_permits_;
        return true;
      }
      break;
    case CircuitState::kOpen:
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
