// CacheStore's Redis eviction pool and LFU counter (src/evict.c evictionPoolPopulate,
// LFUDecrAndReturn, LFULogIncr; cache_store.h describes the sampled policies): sampling
// into the 16-candidate pool, the victim taken from it, and the 8-bit logarithmic counter
// with its decay. Included by cache_store.h only.
#pragma once
#include <algorithm>
#include <cstdint>

#include "lib/cache_store/cache_store.h"

namespace archsim::cache {

inline std::uint8_t CacheStore::lfu_decr_and_return(const Entry& e, Time now) const {
  if (cfg_.lfu_decay <= 0) return e.lfu_counter;
  std::uint64_t elapsed = minutes(now) - e.lfu_minutes;
  std::uint64_t periods = elapsed / static_cast<std::uint64_t>(std::max<Time>(1, cfg_.lfu_decay / (60 * kSecond)));
  return periods > e.lfu_counter ? 0 : static_cast<std::uint8_t>(e.lfu_counter - periods);
}

inline std::uint8_t CacheStore::lfu_log_incr(std::uint8_t counter) {
  if (counter == 255) return 255;
  double r = rng_.uniform();
  double base = counter > kLfuInitVal ? counter - kLfuInitVal : 0;
  double p = 1.0 / (base * cfg_.lfu_log_factor + 1);
  return r < p ? static_cast<std::uint8_t>(counter + 1) : counter;
}

inline std::uint64_t CacheStore::score(const Entry& e, Time now) const {
  if (cfg_.eviction == Eviction::SampledLru) {
    if (cfg_.lru_clock > 0) return static_cast<std::uint64_t>(now / cfg_.lru_clock - e.last_access / cfg_.lru_clock);
    return static_cast<std::uint64_t>(now - e.last_access);
  }
  // volatile-ttl: the nearest expiry first (evict.c: idle = ULLONG_MAX - expire time).
  if (cfg_.eviction == Eviction::SampledTtl) return static_cast<std::uint64_t>(kTimeMax - e.expiry);
  return 255u - lfu_decr_and_return(e, now);
}

inline void CacheStore::pool_populate(Time now) {
  for (std::uint32_t i = 0; i < cfg_.samples; ++i) {
    const Entry& e = entries_[dense_[rng_.below(dense_.size())]];
    std::uint64_t sc = score(e, now);
    int k = 0;
    while (k < pool_n_ && pool_[k].score < sc) ++k;
    if (k == 0 && pool_n_ == kPoolSize) continue;  // worse than every pooled candidate
    if (pool_n_ < kPoolSize) {
      for (int j = pool_n_; j > k; --j) pool_[j] = pool_[j - 1];
      ++pool_n_;
    } else {
      --k;  // full: drop the weakest (leftmost) candidate
      for (int j = 0; j < k; ++j) pool_[j] = pool_[j + 1];
    }
    pool_[k] = PoolItem{e.key, sc};
  }
}

inline std::uint32_t CacheStore::pool_victim(Time now) {
  for (;;) {
    pool_populate(now);
    while (pool_n_ > 0) {
      PoolItem it = pool_[--pool_n_];
      std::uint32_t s = map_.find(it.key);
      if (s != kNone) return s;  // Redis takes the best still existing key
    }
  }
}

inline bool CacheStore::stamped_only(Entry& e) {
  if (list_built_) return false;
  e.tick = ++tick_;
  return true;
}

inline void CacheStore::build_list() {
  std::vector<std::uint32_t> order(dense_.begin(), dense_.end());
  std::sort(order.begin(), order.end(),
            [this](std::uint32_t a, std::uint32_t b) { return entries_[a].tick < entries_[b].tick; });
  for (std::uint32_t s : order) push_front(s);  // the oldest first: it ends at the tail
  list_built_ = true;
}

}  // namespace archsim::cache
