// CacheStore's indexed binary min-heap on (count, tick), the victim order of lfu and
// perfect_lfu (cache_store.h). Included by cache_store.h only.
#pragma once
#include <cstdint>

#include "lib/cache_store/cache_store.h"

namespace archsim::cache {

inline bool CacheStore::less(std::uint32_t a, std::uint32_t b) const {
  const Entry& x = entries_[a];
  const Entry& y = entries_[b];
  return x.count != y.count ? x.count < y.count : x.tick < y.tick;
}

inline void CacheStore::place(std::uint32_t i, std::uint32_t s) {
  heap_[i] = s;
  entries_[s].heap = i;
}

inline void CacheStore::sift_up(std::uint32_t i) {
  std::uint32_t s = heap_[i];
  while (i > 0) {
    std::uint32_t p = (i - 1) / 2;
    if (!less(s, heap_[p])) break;
    place(i, heap_[p]);
    i = p;
  }
  place(i, s);
}

inline void CacheStore::sift_down(std::uint32_t i) {
  std::uint32_t s = heap_[i];
  const auto n = static_cast<std::uint32_t>(heap_.size());
  for (;;) {
    std::uint32_t c = 2 * i + 1;
    if (c >= n) break;
    if (c + 1 < n && less(heap_[c + 1], heap_[c])) ++c;
    if (!less(heap_[c], s)) break;
    place(i, heap_[c]);
    i = c;
  }
  place(i, s);
}

inline void CacheStore::heap_remove(std::uint32_t i) {
  std::uint32_t last = heap_.back();
  heap_.pop_back();
  if (i == heap_.size()) return;
  place(i, last);
  sift_up(i);
  sift_down(entries_[last].heap);
}

}  // namespace archsim::cache
