// The event queue: a radix heap (Ahuja, Mehlhorn, Orlin & Tarjan 1990) keyed by integer
// time, with FIFO buckets so that events of equal time run in insertion order — the
// (time, insertion sequence) order ns-3 and OMNeT++ keep with an explicit counter, here
// for free: two events of equal time always sit in the same bucket, in push order, and a
// bucket is redistributed front to back.
//
// Requires monotone use, which a discrete-event run is: no event is pushed earlier than
// the last one popped. Cost: push O(1); pop amortised O(log C) where C is the span of
// pending times (each event moves down at most 64 buckets over its life). Memory: the
// 65 buckets keep their capacity, so a run in steady state allocates nothing. A bucket is
// a bare array with its size and capacity (not a std::vector): a push is a compare and a
// store, its growth out of line (std::vector's inline reallocation path made every caller
// save six registers, and its size is a division by sizeof(Event)). A bit
// mask of the non-empty buckets finds the next one to redistribute with one instruction
// (a scan of the empty buckets cost about 80 instructions per redistribution).
// Cancellation is lazy: the owner of a timer marks it stale (e.g. by a generation number
// in `data`) and skips it when it fires; nothing is searched for.
#pragma once
#include <array>
#include <bit>
#include <cassert>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>
#include <memory>

#include "sim/time.h"

namespace archsim {

struct Event {
  Time time = 0;
  std::uint32_t target = 0;  // component index (or the engine's own index)
  std::uint16_t kind = 0;    // what happened: delivery, reply, timer, ... (engine-defined)
  std::uint16_t tag = 0;     // component-defined timer tag
  std::uint64_t data = 0;    // a call handle or a component-defined payload
};

class Scheduler {
 public:
  void push(const Event& e) {
    assert(e.time >= static_cast<Time>(last_) && "event scheduled in the past");
    const std::size_t b = bucket_of(static_cast<std::uint64_t>(e.time));
    buckets_[b].push(e);
    nonempty_ |= std::uint64_t{1} << (b & 63);  // bucket 64 sets bit 0, which is never read
    ++size_;
  }

  bool empty() const { return size_ == 0; }
  std::size_t size() const { return size_; }

  // Time of the next event; requires !empty().
  Time next_time() {
    ensure_front();
    return static_cast<Time>(last_);
  }

  // Removes and returns the next event; requires !empty().
  Event pop() {
    ensure_front();
    return pop_front();
  }
  // pop() right after next_time(), which made the front: without checking it again (the run
  // loop asks for the time of every event before it takes it). Nothing may come between
  // the two calls but pushes, which leave the front where it is.
  Event pop_front() {
    assert(head_ < buckets_[0].size && "pop_front() without next_time()");
    --size_;
    return buckets_[0].data.get()[head_++];
  }

  void clear() {
    for (auto& b : buckets_) b.size = 0;
    head_ = 0;
    size_ = 0;
    last_ = 0;
    nonempty_ = 0;
  }

 private:
  std::size_t bucket_of(std::uint64_t key) const {
    return key == last_ ? 0 : 64 - static_cast<std::size_t>(std::countl_zero(key ^ last_));
  }

  // Makes bucket 0 hold the events of the minimum time, in insertion order.
  void ensure_front() {
    if (head_ < buckets_[0].size) return;
    buckets_[0].size = 0;
    head_ = 0;
    // Lowest non-empty bucket above 0 (bucket 64 when none of 1..63 holds an event).
    const std::uint64_t above = nonempty_ & ~std::uint64_t{1};
    const std::size_t i = above ? static_cast<std::size_t>(std::countr_zero(above)) : 64;
    nonempty_ &= ~(std::uint64_t{1} << (i & 63));
    Bucket& b = buckets_[i];
    const Event* const first = b.data.get();
    const Event* const last = first + b.size;
    std::uint64_t min = static_cast<std::uint64_t>(first->time);
    for (const Event* e = first + 1; e != last; ++e) min = std::min(min, static_cast<std::uint64_t>(e->time));
    last_ = min;
    std::uint64_t nonempty = nonempty_;
    for (const Event* e = first; e != last; ++e) {
      const std::size_t to = bucket_of(static_cast<std::uint64_t>(e->time));
      buckets_[to].push(*e);  // never bucket i itself: every event moves to a lower one
      nonempty |= std::uint64_t{1} << (to & 63);
    }
    nonempty_ = nonempty;
    b.size = 0;
  }

  // A FIFO of events that only grows (and is emptied whole): size and capacity in 32 bits.
  // Its storage is left unwritten beyond `size` (malloc, not new Event[n], which would write
  // every event's default members): untouched capacity costs address space, not resident
  // memory, as std::vector's does. Event is trivially copyable, so bytes are events.
  struct Bucket {
    struct Free {
      void operator()(Event* p) const { std::free(p); }
    };
    std::unique_ptr<Event, Free> data;
    std::uint32_t size = 0, capacity = 0;
    void push(const Event& e) {
      if (size == capacity) [[unlikely]]
        grow();
      data.get()[size++] = e;
    }
    [[gnu::noinline, gnu::cold]] void grow() {
      const std::uint32_t n = capacity ? 2 * capacity : 16;
      auto* bigger = static_cast<Event*>(std::malloc(std::size_t{n} * sizeof(Event)));
      if (!bigger) throw std::bad_alloc();
      if (size) std::memcpy(bigger, data.get(), size * sizeof(Event));
      data.reset(bigger);
      capacity = n;
    }
  };

  std::array<Bucket, 65> buckets_;
  std::size_t head_ = 0;  // next unread event of bucket 0
  std::size_t size_ = 0;
  std::uint64_t last_ = 0;
  std::uint64_t nonempty_ = 0;  // bit i: bucket i (1..63) may hold events; bit 0 is unused
};

}  // namespace archsim
