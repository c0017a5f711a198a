// A slot pool of value records addressed by 64-bit handles (index + generation), so that
// events and timers can name a record without owning pointers, and a stale handle (the
// record was freed and maybe reused) is detected in O(1): the lazy-cancel check.
// Cost: alloc/free O(1) from a free list; memory grows to the peak number of live records
// and is reused after that (no allocation per request in steady state).
#pragma once
#include <cassert>
#include <cstdint>
#include <vector>

#include "sim/huge_pages.h"

namespace archsim {

using Handle = std::uint64_t;
inline constexpr Handle kNoHandle = ~Handle{0};

template <class T>
class Pool {
 public:
  // The most recently freed slot is reused first (a stack), so handles follow the order of
  // frees and allocations alone.
  Handle alloc() {
    std::uint32_t i;
    if (free_head_ != kNoSlot) {
      i = free_head_;
      free_head_ = slots_[i].next_free;
    } else {
      i = static_cast<std::uint32_t>(items_.size());
      items_.emplace_back();
      slots_.push_back(Slot{1, kNoSlot});
    }
    ++live_count_;
    return (static_cast<Handle>(slots_[i].gen) << 32) | i;
  }

  void free(Handle h) {
    items_[index(h)] = T{};
    free_unreset(h);
  }

  // free() without resetting the record, for an owner that assigns every field of a record
  // it allocates (the engine's call records: resetting ~120 bytes per call was measurable).
  void free_unreset(Handle h) {
    std::uint32_t i = index(h);
    assert(valid(h));
    Slot& s = slots_[i];
    ++s.gen;
    s.next_free = free_head_;
    free_head_ = i;
    --live_count_;
  }

  bool valid(Handle h) const {
    std::uint32_t i = index(h);
    return i < items_.size() && slots_[i].gen == static_cast<std::uint32_t>(h >> 32);
  }

  T& operator[](Handle h) {
    assert(valid(h));
    return items_[index(h)];
  }
  const T& operator[](Handle h) const {
    assert(valid(h));
    return items_[index(h)];
  }

  std::size_t live() const { return live_count_; }
  std::size_t capacity() const { return items_.size(); }

 private:
  static std::uint32_t index(Handle h) { return static_cast<std::uint32_t>(h); }
  static constexpr std::uint32_t kNoSlot = ~0u;
  // Per slot: its generation, and while free the next free slot. The free list threaded
  // through the slots costs a store per free where a vector of free indices paid an
  // out-of-line push_back.
  struct Slot {
    std::uint32_t gen;
    std::uint32_t next_free;
  };
  std::vector<T, HugePageAllocator<T>> items_;
  std::vector<Slot> slots_;
  std::uint32_t free_head_ = kNoSlot;
  std::size_t live_count_ = 0;
};

}  // namespace archsim
