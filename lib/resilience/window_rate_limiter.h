// Window rate limiters: at most `limit` admissions per `period`. Two variants:
//
// SlidingWindowRateLimiter — a sliding log (as in Redis sorted-set limiters, and the
// "sliding log" of Cloudflare's and Figma's write-ups): a request at `now` is admitted when
// fewer than `limit` admissions happened in (now - period, now]. Exact for every window
// position, unlike the "sliding window counter" approximation that weights the previous
// fixed window. The log needs only the last `limit` admission times, kept in a ring: the
// oldest of them decides, so a call is O(1) and memory is 8 bytes x limit, allocated at
// construction.
//
// FixedWindowRateLimiter — Resilience4j's AtomicRateLimiter: time is cut into cycles of
// `period` (limitRefreshPeriod) counted from `start`, and each cycle grants `limit`
// (limitForPeriod) permissions; unused ones do not carry over. Up to 2 x limit requests can
// pass within one period across a cycle boundary, which is the known cost of the design.
// Resilience4j defaults: limitForPeriod 50, limitRefreshPeriod 500 ns, timeoutDuration 5 s.
//
// Waiting: FixedWindowRateLimiter::reserve() is Resilience4j's reservation under
// timeoutDuration: when no permission is left in this cycle, the caller may take one of a
// later cycle if it comes within `timeout` (the permission is owed: later cycles grant that
// many fewer, as AtomicRateLimiter's negative activePermissions do) and proceeds after the
// wait. The sliding window has no waiting: a refused request is answered at once (429).
//
// Cost: O(1) per call, no allocation after construction.
#pragma once
#include <cstdint>
#include <optional>
#include <vector>

#include "lib/resilience/param_error.h"
#include "sim/time.h"

namespace archsim::resilience {

struct WindowRateLimiterParams {
  std::int64_t limit = 50;  // admissions per period, [1, 10'000'000]
  Time period = kSecond;    // > 0

  std::optional<ParamError> check() const;
};

class SlidingWindowRateLimiter {
 public:
  // Requires params.check() to be empty.
  explicit SlidingWindowRateLimiter(const WindowRateLimiterParams& params);

  // Times must not go backwards.
  bool try_acquire(Time now);
  // Admissions in (now - period, now]; O(limit), for figures and tests.
  std::int64_t in_window(Time now) const;
  // How long from `now` until a request would be admitted (0 if now).
  Time time_until_permit(Time now) const;

 private:
  Time period_;
  std::int64_t limit_;
  std::int64_t count_ = 0;  // entries in the ring, <= limit_
  std::int64_t head_ = 0;   // oldest entry
  std::vector<Time> log_;   // admission times, ring of limit_
};

class FixedWindowRateLimiter {
 public:
  // Requires params.check() to be empty. Cycles start at `start`.
  explicit FixedWindowRateLimiter(const WindowRateLimiterParams& params, Time start = 0);

  bool try_acquire(Time now);  // reserve(now, 0)
  // A permission now (0), or one of a later cycle whose start is within `timeout` (the
  // wait until it); nullopt, with nothing taken, when none comes in time. Times must not
  // go backwards.
  std::optional<Time> reserve(Time now, Time timeout);
  // Permissions left in the cycle that contains `now`.
  std::int64_t available(Time now) const;
  Time time_until_permit(Time now) const;

 private:
  std::int64_t cycle_of(Time now) const;
  void refresh(Time now);

  Time period_;
  std::int64_t limit_;
  Time start_;
  std::int64_t cycle_ = 0;
  std::int64_t used_ = 0;  // permissions taken from cycle_ on (above limit_: owed by later cycles)
};

}  // namespace archsim::resilience
