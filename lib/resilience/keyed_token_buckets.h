// One token bucket per client key, as a gateway rate-limits per user or per address:
// Spring Cloud Gateway's RequestRateLimiter with a KeyResolver (PrincipalNameKeyResolver, or
// one on the remote address) and its RedisRateLimiter token bucket per key; Envoy's local
// rate limit with a descriptor per key. Each key's bucket behaves exactly as
// lib/resilience/token_bucket.h: `burst` tokens, full at the key's first request,
// refilled at `rate`.
//
// A bounded table: at most `max_keys` keys are tracked, all allocated at construction, so the
// memory is known before the run (bytes_per_key() x max_keys). A new key when the table is
// full takes the slot of the least recently seen key. That is exact when the evicted key has
// been idle for at least burst / rate: its bucket is full again, as a fresh one would be
// (RedisRateLimiter lets Redis expire a key after twice that time for the same reason).
// Otherwise the evicted key forgets its debt and starts full when it returns;
// early_evictions() counts those.
//
// Cost: try_acquire is O(1) expected (one hash lookup, a list move); no allocation after
// construction.
#pragma once
#include <cstdint>
#include <vector>

#include "lib/cache_store/key_map.h"
#include "lib/resilience/token_bucket.h"

namespace archsim::resilience {

class KeyedTokenBuckets {
 public:
  // Requires params.check() to be empty and max_keys >= 1.
  KeyedTokenBuckets(const TokenBucketParams& params, std::uint32_t max_keys);

  // Takes one token from `key`'s bucket at `now`.
  bool try_acquire(std::uint64_t key, Time now);

  std::uint32_t keys() const { return used_; }
  std::uint64_t early_evictions() const { return early_; }
  std::uint64_t evictions() const { return evictions_; }
  // Memory per tracked key (the entry and its two index buckets).
  static constexpr std::size_t bytes_per_key() { return sizeof(Entry) + 2 * 16; }

 private:
  static constexpr std::uint32_t kNone = 0xffffffffu;
  struct Entry {
    std::uint64_t key = 0;
    TokenBucket bucket;
    Time last = 0;
    std::uint32_t prev = kNone, next = kNone;  // recency list: head most recent
  };
  void unlink(std::uint32_t s);
  void push_front(std::uint32_t s);

  TokenBucketParams p_;
  Time refill_full_;  // burst / rate: after this long idle a bucket is full
  std::vector<Entry> entries_;
  cache::KeyMap index_;
  std::uint32_t used_ = 0;
  std::uint32_t head_ = kNone, tail_ = kNone;
  std::uint64_t early_ = 0, evictions_ = 0;
};

}  // namespace archsim::resilience
