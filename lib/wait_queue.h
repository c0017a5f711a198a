// Waiting, written once: the waiters for something that frees one unit at a time (a
// connection, a bulkhead slot, a row lock, a lease, the balancer's next free backend, room in
// a log), served oldest first. SimPy keeps every resource's requests this way
// (src/simpy/resources/base.py: put_queue and get_queue, FIFO), and a fair lock, HikariCP's
// handoff queue and HAProxy's backend queue (src/queue.c) hand a freed unit straight to the
// oldest waiter. The owner grants and schedules: the primitive keeps the order and says who
// is next; it knows no Context.
//
// A waiter may leave before its turn (its timeout, a deadlock victim, a crash). Two ways:
// remove() takes it out at once, O(its position), the ones behind keeping their order; or
// the owner leaves it in, marks it stale in its own record (a sequence number), and
// pop_live() drops it when it reaches the head: O(1) per leaver.
//
// Two storages, one contract:
//   WaitQueue<T>  the waiters are values kept here (a job number, a slot and its sequence,
//                 a call and when it began to wait) in a ring that doubles to its peak and is
//                 then reused; an optional bound refuses a waiter past it (Resilience4j's
//                 bulkhead queue).
//   WaitList      the waiters are the owner's records (its jobs), linked through a field of
//                 theirs: a list is two indices, so a table of many (a row lock each, a lease
//                 each) allocates nothing per list.
//
// Determinism: strictly FIFO, no randomness. Cost: push and pop O(1), remove O(position).
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>

#include "sim/ring.h"

namespace archsim {

template <class T>
class WaitQueue {
 public:
  // At most `bound` waiters (0: no bound).
  explicit WaitQueue(std::size_t bound = 0) : bound_(bound) {}

  bool empty() const { return ring_.empty(); }
  // Waiters queued, stale ones (pop_live) included until they reach the head.
  std::size_t size() const { return ring_.size(); }
  bool full() const { return bound_ > 0 && ring_.size() >= bound_; }

  // Queues `w` last; false, queueing nothing, when full.
  bool push(const T& w) {
    if (full()) return false;
    ring_.push(w);
    return true;
  }
  // The oldest waiter; the queue must not be empty.
  const T& front() const { return ring_.front(); }
  T pop() { return ring_.pop(); }
  // The oldest waiter that `live(w)` accepts, the stale ones before it dropped; nullopt when
  // none is left.
  template <class Live>
  std::optional<T> pop_live(Live&& live) {
    while (!ring_.empty()) {
      T w = ring_.pop();
      if (live(w)) return w;
    }
    return std::nullopt;
  }
  // Takes out the oldest waiter equal to `w` (it left); false when none is.
  bool remove(const T& w) {
    for (std::size_t i = 0; i < ring_.size(); ++i) {
      if (!(ring_.at(i) == w)) continue;
      if (i == 0) {
        ring_.pop();
        return true;
      }
      for (std::size_t k = i; k + 1 < ring_.size(); ++k) ring_.at(k) = ring_.at(k + 1);
      ring_.pop_back();
      return true;
    }
    return false;
  }

 private:
  Ring<T> ring_;
  std::size_t bound_;
};

class WaitList {
 public:
  static constexpr std::uint32_t kNone = 0xffffffffu;

  bool empty() const { return head_ == kNone; }
  // The oldest waiter, kNone when none.
  std::uint32_t front() const { return head_; }

  // `next(w)` is waiter w's link, by reference: a field of the owner's record that only this
  // list writes while w waits.
  template <class Next>
  void push(std::uint32_t w, Next&& next) {
    next(w) = kNone;
    if (tail_ == kNone) head_ = w;
    else next(tail_) = w;
    tail_ = w;
  }
  // Takes the oldest waiter out; kNone when none.
  template <class Next>
  std::uint32_t pop(Next&& next) {
    const std::uint32_t w = head_;
    if (w == kNone) return kNone;
    head_ = next(w);
    if (head_ == kNone) tail_ = kNone;
    return w;
  }
  // Calls f(w) for each waiter, oldest first (f must not change the list).
  template <class Next, class F>
  void for_each(Next&& next, F&& f) const {
    for (std::uint32_t w = head_; w != kNone; w = next(w)) f(w);
  }
  // Takes waiter w out (it left); false when it was not waiting here.
  template <class Next>
  bool remove(std::uint32_t w, Next&& next) {
    std::uint32_t prev = kNone;
    for (std::uint32_t x = head_; x != kNone; prev = x, x = next(x)) {
      if (x != w) continue;
      if (prev == kNone) head_ = next(w);
      else next(prev) = next(w);
      if (tail_ == w) tail_ = prev;
      return true;
    }
    return false;
  }

 private:
  std::uint32_t head_ = kNone, tail_ = kNone;
};

}  // namespace archsim
