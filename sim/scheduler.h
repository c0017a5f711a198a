// The event queue: a radix heap (Ahuja, Mehlhorn, Orlin & Tarjan 1990) keyed by integer
// time, with FIFO buckets so that events of equal time run in insertion order — the
// (time, insertion sequence) order ns-3 and OMNeT++ keep with an explicit counter, here
// for free: two events of equal time always sit in the same bucket, in push order, and a
// bucket is redistributed front to back.
//
// Requires monotone use, which a discrete-event run is: no event is pushed earlier than
// the last one popped. The buckets are by 4-bit digit of the key, not by bit (as the
// paper's two-level radix heap splits its buckets into segments, and as the levels of
// Linux's timer wheel are digits): 16 levels of 16 buckets.
// Cost: push O(1); each event moves down at most 16 levels over its life, about
// log16(span / gap) in practice, where a bucket per bit moved it up to log2 times. That
// matters when many events are pending, each move being 48 bytes of memory traffic: with
// a million users thinking 10 s (a think timer per four events, the rest 3 ms apart), 4.0
// moves per event against 7.3 with a bucket per bit; tests/bench/bench_scheduler's hold
// model at a million pending, 53 ns per hold against 75-78. (Measured when each of those
// users kept a timer of its own, as any model that keeps a timer per pending delay does.)
// Memory: the buckets keep their capacity, so a run in steady state allocates nothing; the
// price is held capacity, about six times the live events at a million pending (a bucket
// per bit held four times: 168 MB against 106 MB for the million-user benchmark, then with
// a timer per user). Freeing a large bucket once emptied took the memory below the
// bucket-per-bit figure but cost more in page faults than the digits saved.
// A bucket is a bare array with its size and capacity (not a std::vector): a push is a
// compare and a store, its growth out of line (std::vector's inline reallocation path made
// every caller save six registers, and its size is a division by sizeof(Event)). A bit
// mask of the non-empty buckets finds the next one to redistribute with a few instructions
// (a scan of the empty buckets cost about 80 instructions per redistribution).
// Cancellation is lazy: the owner of a timer marks it stale (e.g. by a generation number
// in `data`) and skips it when it fires; nothing is searched for.
#pragma once
#include <array>
#include <bit>
#include <cassert>
#include <cstdint>
#include <cstdlib>
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
  // Always inline: a push is a handful of instructions, and out of line (GCC's choice at
  // the run loop's five callers) the call cost as much again. A full bucket is left to
  // push_growing() as the push's last act (a tail call), so that a caller that does nothing
  // else, such as Context::schedule, keeps no registers across a call.
  [[gnu::always_inline]] void push(const Event& e) {
    assert(e.time >= static_cast<Time>(last_) && "event scheduled in the past");
    const std::size_t b = bucket_of(static_cast<std::uint64_t>(e.time));
    Bucket& bucket = buckets_[b];
    if (bucket.size == bucket.capacity) [[unlikely]]
      return push_growing(e.time, e.target, e.kind, e.tag, e.data);
    bucket.append(e);
    nonempty_[b >> 6] |= std::uint64_t{1} << (b & 63);  // bucket 0 sets a bit that is never read
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
    nonempty_ = {};
  }

 private:
  // Keys are split into kLevels digits of kDigitBits bits. A key equal to last_ is in bucket
  // 0; any other key is in bucket (level, digit): `level` is the digit where it first differs
  // from last_ (from the top), `digit` its own value there, which is larger than last_'s, so
  // never 0 (bucket 0 stays free for the front). Every key of a bucket shares its digits
  // above `level` with last_ and has `digit` at `level`: buckets in (level, digit) order hold
  // ever larger keys, and when last_ moves to the minimum of the lowest bucket, every key of
  // that bucket lands in a lower level. An event moves at most kLevels times over its life.
  static constexpr unsigned kDigitBits = 4;
  static constexpr unsigned kDigits = 1u << kDigitBits;
  static constexpr unsigned kLevels = 64 / kDigitBits;
  static constexpr std::size_t kBuckets = std::size_t{kLevels} * kDigits;
  // bucket_of rounds a bit position down to a digit boundary with a mask and multiplies it
  // by kDigits / kDigitBits: both need kDigitBits a power of two dividing kDigits.
  static_assert(std::has_single_bit(kDigitBits) && kDigits % kDigitBits == 0,
                "bucket_of needs kDigitBits a power of two dividing kDigits");

  std::size_t bucket_of(std::uint64_t key) const {
    const std::uint64_t diff = key ^ last_;
    if (diff == 0) return 0;
    // `shift`, the level's lowest bit, is the highest differing bit rounded down to a digit
    // boundary (level * kDigitBits), so level * kDigits is shift * (kDigits / kDigitBits):
    // no division and multiplication on the way, a few instructions less per push and move.
    const unsigned shift = static_cast<unsigned>(63 - std::countl_zero(diff)) & ~(kDigitBits - 1);
    return std::size_t{shift} * (kDigits / kDigitBits) + ((key >> shift) & (kDigits - 1));
  }

  // Makes bucket 0 hold the events of the minimum time, in insertion order.
  void ensure_front() {
    if (head_ < buckets_[0].size) return;
    buckets_[0].size = 0;
    head_ = 0;
    // Lowest non-empty bucket above 0. With no event pending at all (empty(): the caller's
    // contract forbids it) the scan reads past the mask: not reached.
    std::size_t w = 0;
    std::uint64_t word = nonempty_[0] & ~std::uint64_t{1};
    while (word == 0) word = nonempty_[++w];
    const std::size_t i = w * 64 + static_cast<std::size_t>(std::countr_zero(word));
    nonempty_[w] = word & (word - 1);  // bucket i empties (bit 0 of word 0 is never read)
    Bucket& b = buckets_[i];
    const Event* const first = b.data.get();
    if (b.size == 1) {  // a lone event (the common case when few are pending) is the front
      last_ = static_cast<std::uint64_t>(first->time);
      buckets_[0].push(*first);
      b.size = 0;
      return;
    }
    const Event* const last = first + b.size;
    std::uint64_t min = static_cast<std::uint64_t>(first->time);
    for (const Event* e = first + 1; e != last; ++e) min = std::min(min, static_cast<std::uint64_t>(e->time));
    last_ = min;
    for (const Event* e = first; e != last; ++e) {
      const std::size_t to = bucket_of(static_cast<std::uint64_t>(e->time));
      buckets_[to].push(*e);  // never bucket i itself: every event moves to a lower level
      nonempty_[to >> 6] |= std::uint64_t{1} << (to & 63);
    }
    b.size = 0;
  }

  // A FIFO of events that only grows (and is emptied whole): size and capacity in 32 bits.
  // Its storage is left unwritten beyond `size` (malloc, not new Event[n], which would write
  // every event's default members): untouched capacity costs address space, not resident
  // memory, as std::vector's does. Not on huge pages (sim/huge_pages.h): a bucket is written
  // and read in order, so small pages cost it few TLB misses, while a huge page is zeroed
  // whole on the first write into it: with a million pending timers the doubling buckets
  // cost 0.2-0.3 s of kernel time and 20 MB more in a 1.3 s run. Event is trivially
  // copyable, so bytes are events.
  struct Bucket {
    struct Free {
      void operator()(Event* p) const { std::free(p); }
    };
    std::unique_ptr<Event, Free> data;
    std::uint32_t size = 0, capacity = 0;
    void push(const Event& e) {
      if (size == capacity) [[unlikely]]
        grow();
      append(e);
    }
    // push() with room known to be there.
    void append(const Event& e) {
      Event* const at = data.get() + size++;
      *at = e;
      // The line a few pushes ahead, fetched for writing now. A bucket's tail is memory
      // last touched when the bucket last drained, often long gone from the near caches,
      // and a push into a new line waited for it. Pushes to one bucket are spread out (a
      // think timer per request), so the line has come by the push that needs it. A
      // prefetch never faults, so past the capacity it is harmless; an integer address,
      // because a pointer that far past the block would be undefined.
      __builtin_prefetch(reinterpret_cast<const void*>(reinterpret_cast<std::uintptr_t>(at) + kAhead), 1, 3);
    }
    // 8 events, 192 bytes: the next line but one or two (384 bytes measured the same).
    static constexpr std::uintptr_t kAhead = 8 * sizeof(Event);
    // realloc, not malloc + copy + free: once a bucket is large glibc maps it on its own,
    // and growing such a block remaps its pages (mremap) instead of copying them into fresh
    // ones that the kernel must first fault in and zero (with a million pending think
    // timers grow was 9% of a run's samples; realloc took 3% off its time, 15 MB off its
    // peak).
    [[gnu::noinline, gnu::cold]] void grow() {
      const std::uint32_t n = capacity ? 2 * capacity : 16;
      auto* bigger = static_cast<Event*>(std::realloc(data.get(), std::size_t{n} * sizeof(Event)));
      if (!bigger) throw std::bad_alloc();
      (void)data.release();  // realloc freed or kept it: `bigger` is the block now
      data.reset(bigger);
      capacity = n;
    }
  };

  // The event by its members: a reference would make every caller build it in memory.
  [[gnu::noinline]] void push_growing(Time time, std::uint32_t target, std::uint16_t kind, std::uint16_t tag,
                                      std::uint64_t data) {
    buckets_[bucket_of(static_cast<std::uint64_t>(time))].grow();
    push(Event{time, target, kind, tag, data});  // now with room
  }

  std::array<Bucket, kBuckets> buckets_;
  // head_ and size_ are not neighbours: GCC otherwise updates the pair in pop_front() with
  // one 16-byte load and store, and that load cannot be forwarded from the two 8-byte
  // stores push() and ensure_front() make to them just before: a store-forwarding stall on
  // every event (12% of the run loop's samples on the spike day).
  std::size_t head_ = 0;  // next unread event of bucket 0
  std::uint64_t last_ = 0;
  std::size_t size_ = 0;
  std::array<std::uint64_t, kBuckets / 64> nonempty_{};  // bit i: bucket i (i > 0) may hold events
};

}  // namespace archsim
