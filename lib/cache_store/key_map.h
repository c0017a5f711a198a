// KeyMap: a map from 64-bit keys to 32-bit values by open addressing (linear probing,
// backward-shift deletion, no tombstones), for the cache's key -> slot index and its small
// side tables (keys in flight, latest write per key), the keyed rate limiters' buckets and
// the applied idempotency keys of a service (a set: values unused).
//
// Cost: find / insert / erase O(1) expected at load <= 1/2. Memory: 16 bytes per bucket,
// buckets a power of two >= 2 x the reserved count. reserve() up front means no allocation
// afterwards; past the reserve the table doubles (amortised O(1), an allocation only while
// growing to its peak). Iteration order is the bucket order, which depends on the keys only:
// deterministic, but the cache never lets a result depend on it.
#pragma once
#include <cstdint>
#include <vector>

#include "sim/huge_pages.h"

namespace archsim::cache {

class KeyMap {
 public:
  static constexpr std::uint32_t kNone = 0xffffffffu;

  explicit KeyMap(std::size_t expected = 16) { reserve(expected); }

  void reserve(std::size_t n) {
    const std::size_t want = buckets_for(n);
    if (want > buckets_.size()) rehash(want);
  }
  // The bytes reserve(n) takes.
  static constexpr std::size_t bytes_for(std::size_t n) { return buckets_for(n) * sizeof(Bucket); }
  std::size_t size() const { return size_; }
  void clear() {
    for (auto& b : buckets_) b.used = false;
    size_ = 0;
  }

  std::uint32_t find(std::uint64_t key) const {
    const Bucket& b = buckets_[probe(key)];
    return b.used ? b.value : kNone;
  }
  // Asks the CPU to bring the key's home bucket into cache: a lookup of a large map misses
  // it, and a caller that knows the key some events before it looks up hides that miss.
  void prefetch(std::uint64_t key) const { __builtin_prefetch(buckets_.data() + home(key)); }
  // Sets key -> value (insert or overwrite).
  void put(std::uint64_t key, std::uint32_t value) {
    Bucket& b = place(key);
    if (b.used) b.value = value;
    else fill(b, key, value);
  }
  // Sets key -> value when the key is absent: true; false (and nothing changes) when present.
  bool insert(std::uint64_t key, std::uint32_t value) {
    Bucket& b = place(key);
    if (b.used) return false;
    fill(b, key, value);
    return true;
  }
  // Removes key; false when absent. Backward shift keeps every probe chain unbroken.
  bool erase(std::uint64_t key) {
    std::size_t hole = probe(key);
    if (!buckets_[hole].used) return false;
    for (std::size_t j = (hole + 1) & mask_; buckets_[j].used; j = (j + 1) & mask_) {
      std::size_t h = home(buckets_[j].key);
      // Move j into the hole when its home is not cyclically in (hole, j].
      bool stays = hole < j ? (h > hole && h <= j) : (h > hole || h <= j);
      if (stays) continue;
      buckets_[hole] = buckets_[j];
      hole = j;
    }
    buckets_[hole].used = false;
    --size_;
    return true;
  }

 private:
  struct Bucket {
    std::uint64_t key = 0;
    std::uint32_t value = 0;
    bool used = false;
  };
  static constexpr std::size_t buckets_for(std::size_t n) {
    std::size_t want = 16;
    while (want < 2 * n) want *= 2;
    return want;
  }
  // The index of the bucket holding `key`, or of the free one that ends its probe chain.
  std::size_t probe(std::uint64_t key) const {
    std::size_t i = home(key);
    while (buckets_[i].used && buckets_[i].key != key) i = (i + 1) & mask_;
    return i;
  }
  // probe() for a write: grows first if one more key would pass a load of 1/2.
  Bucket& place(std::uint64_t key) {
    if (2 * (size_ + 1) > buckets_.size()) rehash(buckets_.size() * 2);
    return buckets_[probe(key)];
  }
  void fill(Bucket& b, std::uint64_t key, std::uint32_t value) {
    b = Bucket{key, value, true};
    ++size_;
  }
  std::size_t home(std::uint64_t k) const {
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdULL;
    k ^= k >> 33;
    k *= 0xc4ceb9fe1a85ec53ULL;
    k ^= k >> 33;
    return static_cast<std::size_t>(k) & mask_;
  }
  void rehash(std::size_t n) {
    std::vector<Bucket, HugePageAllocator<Bucket>> old;
    old.swap(buckets_);
    buckets_.assign(n, Bucket{});
    mask_ = n - 1;
    size_ = 0;
    for (const Bucket& b : old)
      if (b.used) put(b.key, b.value);
  }
  std::vector<Bucket, HugePageAllocator<Bucket>> buckets_;
  std::size_t mask_ = 0;
  std::size_t size_ = 0;
};

}  // namespace archsim::cache
