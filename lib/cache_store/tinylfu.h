// CacheStore's W-TinyLFU admission and eviction, as Caffeine does it (cache_store.h describes
// the policy and its simplifications): the segment moves on a hit and the window-to-main
// eviction with the frequency sketch's admission test. Included by cache_store.h only.
#pragma once
#include <cstdint>

#include "lib/cache_store/cache_store.h"

namespace archsim::cache {

inline void CacheStore::tiny_access(std::uint32_t s) {
  const auto r = static_cast<Region>(entries_[s].region);
  unlink(s);
  if (r == kWindow) {
    push_front(s, kWindow);
  } else {  // probation and protected hits both go to the protected MRU end
    push_front(s, kProtected);
    while (len_[kProtected] > protected_max_) {  // demoteFromMainProtected
      const std::uint32_t d = tail_[kProtected];
      unlink(d);
      push_front(d, kProbation);
    }
  }
}

inline bool CacheStore::admit(std::uint64_t candidate, std::uint64_t victim) {
  const int vf = sketch_.frequency(victim);
  const int cf = sketch_.frequency(candidate);
  if (cf > vf) return true;
  if (cf <= 5) return false;
  return rng_.below(128) == 0;
}

inline void CacheStore::evict_tiny(std::uint32_t s) {
  erase(s);
  ++evictions_;
}

inline void CacheStore::tiny_evict() {
  std::uint32_t candidates = 0;
  while (len_[kWindow] > window_max_) {
    const std::uint32_t c = tail_[kWindow];
    unlink(c);
    push_front(c, kProbation);
    ++candidates;
  }
  Region victim_queue = kProbation;
  std::uint32_t victim = tail_[kProbation];
  std::uint32_t candidate = head_[kProbation];
  while (dense_.size() > cfg_.capacity) {
    if (candidates == 0) candidate = head_[kWindow];
    if (candidate == kNone && victim == kNone) {
      if (victim_queue == kProbation) {
        victim = tail_[kProtected];
        victim_queue = kProtected;
        continue;
      }
      if (victim_queue == kProtected) {
        victim = tail_[kWindow];
        victim_queue = kWindow;
        continue;
      }
      break;
    }
    if (victim == kNone) {
      const std::uint32_t evict = candidate;
      candidate = entries_[candidate].link.next;  // toward LRU (Caffeine's previous)
      if (candidates > 0) --candidates;
      evict_tiny(evict);
      continue;
    }
    if (candidate == kNone) {
      const std::uint32_t evict = victim;
      victim = entries_[victim].link.prev;  // toward MRU (Caffeine's next)
      evict_tiny(evict);
      continue;
    }
    if (candidates > 0) --candidates;
    if (admit(entries_[candidate].key, entries_[victim].key)) {
      const std::uint32_t evict = victim;
      victim = entries_[victim].link.prev;
      candidate = entries_[candidate].link.next;
      evict_tiny(evict);
    } else {
      const std::uint32_t evict = candidate;
      candidate = candidates > 0 ? entries_[candidate].link.next : entries_[candidate].link.prev;
      evict_tiny(evict);
    }
  }
}

}  // namespace archsim::cache
