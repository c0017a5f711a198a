// Serverless function: Lambda's asynchronous invocation (models/function/function.h), the
// schedule of its retries on its own so that it is tested apart.
//
// Follows the Lambda developer guide, "How Lambda handles errors and retries with asynchronous
// invocation" and "Configuring error handling for asynchronous invocation"
// (PutFunctionEventInvokeConfig: MaximumRetryAttempts 0 to 2, MaximumEventAgeInSeconds 60 to
// 21,600):
//  - the caller's event is queued and answered at once (202 Accepted);
//  - a function error (a timeout among them) is retried `maximum_retry_attempts` times (2 by
//    default): one minute after the first attempt failed, two minutes after the second;
//  - a throttled attempt (429) goes back to the queue and is tried again 1 s later, the wait
//    doubling up to 5 minutes, for as long as the event is younger than `maximum_event_age`
//    (6 h by default);
//  - an event whose attempts are spent, or that would be older than `maximum_event_age` at its
//    next attempt, is discarded: to the dead-letter queue or on-failure destination.
// Simplifications: the queue's own delay is not modelled (an event is tried as it arrives), nor
// Lambda's slower polling of a long queue; no duplicate deliveries.
#pragma once
#include <algorithm>
#include <cstdint>

#include "scenario/params.h"
#include "sim/time.h"

namespace archsim {

struct AsyncInvoke {
  std::uint32_t max_retries = 2;
  Time max_age = 6 * kHour;

  // The wait before retry `n` (1 or 2) after a function error: 1 min, then 2 min.
  static Time error_retry_delay(std::uint32_t n) { return n <= 1 ? kMinute : 2 * kMinute; }
  // The wait after a throttled attempt, `previous` being the last such wait (0: none yet).
  static Time throttle_delay(Time previous) { return previous <= 0 ? kSecond : std::min(2 * previous, 5 * kMinute); }
  // Whether an event that arrived at `first` may still be tried at `at`.
  bool fresh(Time first, Time at) const { return at - first <= max_age; }

  // "async" of a function: true (Lambda's defaults) or {"maximum_retry_attempts",
  // "maximum_event_age"}; false or absent is a synchronous function (nullopt through `on`).
  static AsyncInvoke read(Params& p, bool& on) {
    AsyncInvoke a;
    on = false;
    const Params::Shape shape = p.shape("async");
    if (shape == Params::Shape::absent) return a;
    if (shape == Params::Shape::boolean) {
      on = p.boolean("async", false);
      return a;
    }
    if (shape != Params::Shape::object)
      p.value("async").fail("expected true, false or {\"maximum_retry_attempts\", \"maximum_event_age\"}");
    Params o = p.object("async");
    on = true;
    a.max_retries = static_cast<std::uint32_t>(o.integer("maximum_retry_attempts", 2, 0, 2));
    a.max_age = o.duration("maximum_event_age", 6 * kHour, kMinute, 6 * kHour);
    return a;
  }
};

}  // namespace archsim
