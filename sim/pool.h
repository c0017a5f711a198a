// A slot pool of value records addressed by 64-bit handles (index + generation), so that
// events and timers can name a record without owning pointers, and a stale handle (the
// record was freed and maybe reused) is detected in O(1): the lazy-cancel check.
// Cost: alloc/free O(1) from a free list; memory grows to the peak number of live records
// and is reused after that (no allocation per request in steady state).
#pragma once
#include <cassert>
#include <cstdint>
#include <vector>

namespace archsim {

using Handle = std::uint64_t;
inline constexpr Handle kNoHandle = ~Handle{0};

template <class T>
class Pool {
 public:
  Handle alloc() {
    std::uint32_t i;
    if (!free_.empty()) {
      i = free_.back();
      free_.pop_back();
    } else {
      i = static_cast<std::uint32_t>(items_.size());
      items_.emplace_back();
      gens_.push_back(1);
    }
    ++live_count_;
    return (static_cast<Handle>(gens_[i]) << 32) | i;
  }

  void free(Handle h) {
    std::uint32_t i = index(h);
    assert(valid(h));
    ++gens_[i];
    items_[i] = T{};
    free_.push_back(i);
    --live_count_;
  }

  // free() without resetting the record, for an owner that assigns every field of a record
  // it allocates (the engine's call records: resetting ~120 bytes per call was measurable).
  void free_unreset(Handle h) {
    std::uint32_t i = index(h);
    assert(valid(h));
    ++gens_[i];
    free_.push_back(i);
    --live_count_;
  }

  bool valid(Handle h) const {
    std::uint32_t i = index(h);
    return i < items_.size() && gens_[i] == static_cast<std::uint32_t>(h >> 32);
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
  std::vector<T> items_;
  std::vector<std::uint32_t> gens_;
  std::vector<std::uint32_t> free_;
  std::size_t live_count_ = 0;
};

}  // namespace archsim
