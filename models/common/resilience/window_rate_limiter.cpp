#include "models/common/resilience/window_rate_limiter.h"

namespace archsim::resilience {

std::optional<ParamError> WindowRateLimiterParams::check() const {
  if (limit < 1 || limit > 10'000'000) return ParamError{"limit", "must be between 1 and 10000000"};
  if (period <= 0) return ParamError{"period", "must be positive"};
  return std::nullopt;
}

// ---------------------------------------------------------------------------------------

SlidingWindowRateLimiter::SlidingWindowRateLimiter(const WindowRateLimiterParams& params)
    : period_(params.period), limit_(params.limit), log_(static_cast<std::size_t>(params.limit)) {}

bool SlidingWindowRateLimiter::try_acquire(Time now) {
  if (count_ < limit_) {
    log_[static_cast<std::size_t>((head_ + count_) % limit_)] = now;
    ++count_;
    return true;
  }
  // Full: the oldest of the last `limit` admissions must have left (now - period, now].
  Time& oldest = log_[static_cast<std::size_t>(head_)];
  if (now - oldest < period_) return false;
  oldest = now;  // it becomes the newest entry
  head_ = (head_ + 1) % limit_;
  return true;
}

std::int64_t SlidingWindowRateLimiter::in_window(Time now) const {
  std::int64_t n = 0;
  for (std::int64_t i = 0; i < count_; ++i) {
    if (now - log_[static_cast<std::size_t>((head_ + i) % limit_)] < period_) ++n;
  }
  return n;
}

Time SlidingWindowRateLimiter::time_until_permit(Time now) const {
  if (count_ < limit_) return 0;
  const Time free_at = log_[static_cast<std::size_t>(head_)] + period_;
  return free_at > now ? free_at - now : 0;
}

// ---------------------------------------------------------------------------------------

FixedWindowRateLimiter::FixedWindowRateLimiter(const WindowRateLimiterParams& params, Time start)
    : period_(params.period), limit_(params.limit), start_(start) {}

std::int64_t FixedWindowRateLimiter::cycle_of(Time now) const {
  return now <= start_ ? 0 : (now - start_) / period_;
}

bool FixedWindowRateLimiter::try_acquire(Time now) {
  const std::int64_t c = cycle_of(now);
  if (c > cycle_) {
    cycle_ = c;
    used_ = 0;
  }
  if (used_ >= limit_) return false;
  ++used_;
  return true;
}

std::int64_t FixedWindowRateLimiter::available(Time now) const {
  return cycle_of(now) > cycle_ ? limit_ : limit_ - used_;
}

Time FixedWindowRateLimiter::time_until_permit(Time now) const {
  if (available(now) > 0) return 0;
  return start_ + (cycle_ + 1) * period_ - now;
}

}  // namespace archsim::resilience
