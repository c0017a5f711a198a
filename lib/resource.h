// Resource: `capacity` units (workers, cores, connections, a row lock of capacity 1) and the
// FIFO of waiters for them, as SimPy's Resource (src/simpy/resources/resource.py) offers it,
// without processes or allocation per wait. acquire() grants a unit at once or queues the
// waiter; release() hands the unit straight to the oldest waiter (FIFO, as a fair lock,
// HikariCP's handoff queue or a thread pool's accept queue does). A waiter is a 64-bit token
// the owner chooses (a job slot and generation, say); the owner is told of each grant through
// the return value of release()/set_capacity() and must act on it (it is the owner that
// schedules, not the Resource: the building block knows no Context). Timeouts are the
// owner's: it calls cancel(token) when a waiter gives up.
//
// The waiters are a WaitQueue (lib/wait_queue.h). Cost: acquire and release O(1), cancel
// O(the waiter's position); memory grows to the peak of waiters and is reused.
// Determinism: strictly FIFO, no randomness.
#pragma once
#include <cstdint>
#include <optional>

#include "lib/wait_queue.h"

namespace archsim {

class Resource {
 public:
  explicit Resource(std::uint32_t capacity = 1) : capacity_(capacity) {}

  std::uint32_t capacity() const { return capacity_; }
  std::uint32_t in_use() const { return in_use_; }
  std::size_t waiting() const { return waiters_.size(); }

  // True when a unit was granted now; otherwise `token` waits (FIFO).
  bool acquire(std::uint64_t token) {
    if (in_use_ < capacity_) {
      ++in_use_;
      return true;
    }
    waiters_.push(token);
    return false;
  }
  // True when a unit was granted now; otherwise nothing waits (a try-lock).
  bool try_acquire() {
    if (in_use_ >= capacity_) return false;
    ++in_use_;
    return true;
  }
  // Gives a unit back. When a waiter takes it over, returns that waiter's token: the unit
  // stays in use, now held by it.
  std::optional<std::uint64_t> release() {
    if (!waiters_.empty()) return waiters_.pop();
    --in_use_;
    return std::nullopt;
  }
  // A waiter gave up (timeout, its request failed): it leaves the queue, the others keeping
  // their order. The token must be waiting; a token that holds a unit is a bug.
  void cancel(std::uint64_t token) { waiters_.remove(token); }
  // Changes the number of units (resize, a pool reconfigured). Returns the tokens granted by
  // growth through `granted` (called once per waiter handed a unit).
  template <class F>
  void set_capacity(std::uint32_t capacity, F&& granted) {
    capacity_ = capacity;
    while (in_use_ < capacity_ && !waiters_.empty()) {
      ++in_use_;
      granted(waiters_.pop());
    }
  }

 private:
  std::uint32_t capacity_;
  std::uint32_t in_use_ = 0;
  WaitQueue<std::uint64_t> waiters_;
};

}  // namespace archsim
