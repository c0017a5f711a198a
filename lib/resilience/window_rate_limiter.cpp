#include "lib/resilience/window_rate_limiter.h"

#include <algorithm>

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

void FixedWindowRateLimiter::refresh(Time now) {
  const std::int64_t c = cycle_of(now);
  if (c <= cycle_) return;
  // Each cycle passed grants `limit` again; permissions reserved ahead are paid first.
  const std::int64_t passed = c - cycle_;
  used_ = passed >= (used_ + limit_ - 1) / limit_ ? 0 : used_ - passed * limit_;
  cycle_ = c;
}

bool FixedWindowRateLimiter::try_acquire(Time now) { return reserve(now, 0).has_value(); }

std::optional<Time> FixedWindowRateLimiter::reserve(Time now, Time timeout) {
  refresh(now);
  // Permission number used_ (0-based from this cycle) comes in cycle cycle_ + used_ / limit_.
  const std::int64_t ahead = used_ / limit_;
  const Time wait = ahead == 0 ? 0 : start_ + (cycle_ + ahead) * period_ - now;
  if (wait > timeout) return std::nullopt;
  ++used_;
  return wait;
}

std::int64_t FixedWindowRateLimiter::available(Time now) const {
  if (cycle_of(now) > cycle_) {
    const std::int64_t passed = cycle_of(now) - cycle_;
    return std::max<std::int64_t>(0, limit_ - std::max<std::int64_t>(0, used_ - passed * limit_));
  }
  return std::max<std::int64_t>(0, limit_ - used_);
}

Time FixedWindowRateLimiter::time_until_permit(Time now) const {
  if (available(now) > 0) return 0;
  const std::int64_t c = std::max(cycle_, cycle_of(now));
  const std::int64_t owed = std::max<std::int64_t>(0, used_ - (c - cycle_) * limit_);
  return start_ + (c + owed / limit_) * period_ - now;
}

}  // namespace archsim::resilience
