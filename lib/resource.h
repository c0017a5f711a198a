// Resource and Store: the two building blocks of every wait, as SimPy's resources
// (src/simpy/resources/resource.py and store.py) offer them, without processes or
// allocation per wait.
//
// Resource: `capacity` units (workers, cores, connections, a row lock of capacity 1) and a
// FIFO of waiters. acquire() grants a unit at once or queues the waiter; release() hands the
// unit straight to the oldest waiter still wanting it (FIFO, as a fair lock, HikariCP's
// handoff queue or a thread pool's accept queue does). A waiter is a 64-bit token the owner
// chooses (a job slot and generation, say); the owner is told of each grant through the
// return value of release()/acquire() and must act on it (it is the owner that schedules,
// not the Resource: the building block knows no Context). Timeouts are the owner's: it calls
// cancel(token) when a waiter gives up; a cancelled waiter is skipped lazily (O(1)).
//
// Store: a FIFO of items (64-bit values: message offsets, job ids) with waiting getters: a
// Kafka partition with a pulling consumer, a work queue with competing consumers. put()
// hands the item to the oldest waiting getter or keeps it; get() takes the oldest item or
// queues the getter. An optional capacity bounds the items (put() then reports full).
//
// Cost: every operation O(1) amortised; memory grows to the peak of units, waiters and items
// and is reused (Ring buffers). Determinism: strictly FIFO, no randomness.
#pragma once
#include <cstdint>
#include <optional>

#include "sim/ring.h"

namespace archsim {

class Resource {
 public:
  explicit Resource(std::uint32_t capacity = 1) : capacity_(capacity) {}

  std::uint32_t capacity() const { return capacity_; }
  std::uint32_t in_use() const { return in_use_; }
  // Waiters queued, cancelled ones included until they reach the head.
  std::size_t waiting() const { return waiters_.size() - cancelled_; }

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
    while (!waiters_.empty()) {
      std::uint64_t t = waiters_.pop();
      if (take_cancelled(t)) continue;
      return t;
    }
    --in_use_;
    return std::nullopt;
  }
  // A waiter gave up (timeout, its request failed). Costs O(1): it is skipped at the head.
  // The token must be waiting; cancelling twice or a token that holds a unit is a bug.
  void cancel(std::uint64_t token) {
    cancelled_tokens_.push(token);
    ++cancelled_;
  }
  // Changes the number of units (resize, a pool reconfigured). Returns the tokens granted by
  // growth through `granted` (called once per waiter handed a unit).
  template <class F>
  void set_capacity(std::uint32_t capacity, F&& granted) {
    capacity_ = capacity;
    while (in_use_ < capacity_ && waiting() > 0) {
      std::uint64_t t = waiters_.pop();
      if (take_cancelled(t)) continue;
      ++in_use_;
      granted(t);
    }
  }

 private:
  // Cancelled tokens are few and short-lived; a linear look over them is cheaper than a set.
  bool take_cancelled(std::uint64_t t) {
    for (std::size_t i = 0; i < cancelled_tokens_.size(); ++i) {
      if (cancelled_tokens_.at(i) != t) continue;
      cancelled_tokens_.at(i) = cancelled_tokens_.front();
      cancelled_tokens_.pop();
      --cancelled_;
      return true;
    }
    return false;
  }
  std::uint32_t capacity_;
  std::uint32_t in_use_ = 0;
  std::size_t cancelled_ = 0;
  Ring<std::uint64_t> waiters_;
  Ring<std::uint64_t> cancelled_tokens_;
};

class Store {
 public:
  // `capacity` 0 = unbounded.
  explicit Store(std::uint64_t capacity = 0) : capacity_(capacity) {}

  std::size_t size() const { return items_.size(); }
  std::size_t getters() const { return getters_.size(); }
  bool full() const { return capacity_ > 0 && items_.size() >= capacity_; }

  enum class Put { Handed, Kept, Full };
  // Hands `item` to the oldest waiting getter (`to` receives its token), keeps it, or refuses
  // it when full.
  Put put(std::uint64_t item, std::uint64_t* to) {
    if (!getters_.empty()) {
      *to = getters_.pop();
      return Put::Handed;
    }
    if (full()) return Put::Full;
    items_.push(item);
    return Put::Kept;
  }
  // Takes the oldest item, or queues `getter` until one comes.
  std::optional<std::uint64_t> get(std::uint64_t getter) {
    if (!items_.empty()) return items_.pop();
    getters_.push(getter);
    return std::nullopt;
  }
  // Takes the oldest item if there is one; never queues.
  std::optional<std::uint64_t> poll() {
    if (items_.empty()) return std::nullopt;
    return items_.pop();
  }

 private:
  std::uint64_t capacity_;
  Ring<std::uint64_t> items_;
  Ring<std::uint64_t> getters_;
};

}  // namespace archsim
