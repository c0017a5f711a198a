// Bulkhead: a cap on concurrent calls to one dependency, following Resilience4j's
// SemaphoreBulkhead (defaults maxConcurrentCalls 25, maxWaitDuration 0, fair semaphore).
// A call is admitted while fewer than `max_concurrent` are in flight. When all slots are
// taken and max_wait is 0 it is rejected at once (BulkheadFullException); with max_wait > 0
// it waits in FIFO order for at most max_wait, and a released slot goes straight to the
// oldest waiter (the fair semaphore: a newcomer never overtakes a waiter).
//
// Who does what: the bulkhead keeps counts and the FIFO of waiter tokens (opaque ids the
// owner chooses, e.g. a request's pool handle). The owner keeps the waiting calls
// themselves and their timers: on kMustWait it schedules a timer at now + max_wait and,
// when that fires (or the caller's own deadline passes first), calls cancel(token); true
// means the waiter had not been served and now fails as rejected. When release() returns
// a token, that waiter holds the slot and proceeds.
//
// Simplifications: Resilience4j's waiters are blocked threads, bounded only by the thread
// pool; a simulation has none, so the queue has a fixed capacity `max_waiting` (default
// 1000) beyond which calls are rejected. No ThreadPoolBulkhead.
//
// Cost: try_acquire and release O(1); cancel O(1) for the oldest waiter (the usual case,
// since all waits have the same length) and O(waiting) otherwise. The waiters are a
// WaitQueue (lib/wait_queue.h): its ring grows to the peak of waiters and is reused.
#pragma once
#include <cstdint>
#include <optional>
#include <vector>

#include "lib/resilience/param_error.h"
#include "lib/wait_queue.h"
#include "sim/time.h"

namespace archsim::resilience {

struct BulkheadParams {
  int max_concurrent = 25;  // >= 1
  Time max_wait = 0;        // >= 0; 0: no waiting
  int max_waiting = 1000;   // queue capacity when max_wait > 0; >= 1

  std::optional<ParamError> check() const;
};

enum class BulkheadDecision : std::uint8_t { kAdmitted, kMustWait, kRejected };

class Bulkhead {
 public:
  // Requires params.check() to be empty.
  explicit Bulkhead(const BulkheadParams& params);

  // kAdmitted: the caller holds a slot and must release() it when the call ends.
  // kMustWait: `waiter` is queued; see the header comment. kRejected: full.
  BulkheadDecision try_acquire(std::uint64_t waiter);
  // A waiter gives up (its max_wait elapsed or its caller timed out). True if it was still
  // waiting (it is removed); false if it had already been given a slot or is unknown.
  bool cancel(std::uint64_t waiter);
  // A call holding a slot ended. If a waiter is queued the slot passes to the oldest one,
  // whose token is returned (it now holds the slot); otherwise the slot is freed.
  std::optional<std::uint64_t> release();

  Time max_wait() const { return max_wait_; }
  int in_use() const { return in_use_; }
  int waiting() const { return static_cast<int>(waiters_.size()); }
  int available() const { return max_concurrent_ - in_use_; }
  // Calls refused at once plus waiters that gave up (cancel() returned true).
  std::int64_t rejected() const { return rejected_; }

 private:
  int max_concurrent_;
  Time max_wait_;
  int in_use_ = 0;
  std::int64_t rejected_ = 0;
  WaitQueue<std::uint64_t> waiters_;  // bounded by max_waiting
};

}  // namespace archsim::resilience
