// FrequencySketch: TinyLFU's popularity estimate, as Caffeine builds it
// (caffeine/src/main/java/com/github/benmanes/caffeine/cache/FrequencySketch.java; Einziger,
// Friedman, Manes, "TinyLFU: A Highly Efficient Cache Admission Policy", ACM ToS 2017).
//
// A count-min sketch of depth 4 with 4-bit counters (saturating at 15), 16 counters to a
// 64-bit word, the table a power of two >= the cache's capacity (at least 8 words). As in
// Caffeine, an item's four counters lie in one 64-byte block of 8 words (the block chosen by
// one hash, the counters by a second hash), and the estimate is the least of the four.
// Aging ("reset"): after 10 x capacity increments that raised at least one counter, every
// counter is halved; the sample count becomes (size - odd_counters / 4) / 2, which is what
// the halving's truncation removed.
//
// Keys are 64-bit integers; the 32-bit hash fed to the mixers is Java's Long.hashCode
// (key ^ key >>> 32), so the counters land where Caffeine's would for a Long key.
// Cost: increment / frequency O(1), four word reads; reset O(table) once per 10 x capacity
// increments. Memory: 8 bytes per capacity entry rounded up; allocated once.
#pragma once
#include <algorithm>
#include <bit>
#include <cstdint>
#include <vector>

namespace archsim::cache {

class FrequencySketch {
 public:
  static constexpr std::uint64_t kResetMask = 0x7777777777777777ULL;
  static constexpr std::uint64_t kOneMask = 0x1111111111111111ULL;

  explicit FrequencySketch(std::uint32_t capacity) {
    const std::uint32_t words = words_for(capacity);
    table_.assign(words, 0);
    block_mask_ = (words >> 3) - 1;
    sample_size_ = capacity == 0 ? 10 : 10ULL * capacity;
  }

  // The bytes a sketch for `capacity` holds.
  static std::uint64_t bytes_for(std::uint32_t capacity) { return std::uint64_t{words_for(capacity)} * sizeof(std::uint64_t); }

  // The estimated count of `key` in the current sample, 0..15.
  int frequency(std::uint64_t key) const {
    const std::uint32_t block_hash = spread(java_hash(key));
    const std::uint32_t counter_hash = rehash(block_hash);
    const std::uint32_t block = (block_hash & block_mask_) << 3;
    int f = 15;
    for (std::uint32_t i = 0; i < 4; ++i) {
      const std::uint32_t h = counter_hash >> (i << 3);
      const std::uint32_t index = (h >> 1) & 15;
      const std::uint32_t word = block + (h & 1) + (i << 1);
      f = std::min(f, static_cast<int>((table_[word] >> (index << 2)) & 0xf));
    }
    return f;
  }

  // Counts one occurrence of `key`; ages the whole sketch every sample_size() counted ones.
  void increment(std::uint64_t key) {
    const std::uint32_t block_hash = spread(java_hash(key));
    const std::uint32_t counter_hash = rehash(block_hash);
    const std::uint32_t block = (block_hash & block_mask_) << 3;
    bool added = false;
    for (std::uint32_t i = 0; i < 4; ++i) {
      const std::uint32_t h = counter_hash >> (i << 3);
      const std::uint32_t index = (h >> 1) & 15;
      const std::uint32_t word = block + (h & 1) + (i << 1);
      const std::uint64_t mask = 0xfULL << (index << 2);
      if ((table_[word] & mask) != mask) {
        table_[word] += 1ULL << (index << 2);
        added = true;
      }
    }
    if (added && ++size_ == sample_size_) reset();
  }

  // Halves every counter (TinyLFU's reset).
  void reset() {
    std::uint64_t odd = 0;
    for (auto& w : table_) {
      odd += static_cast<std::uint64_t>(std::popcount(w & kOneMask));
      w = (w >> 1) & kResetMask;
    }
    size_ = (size_ - (odd >> 2)) >> 1;
  }

  // Forgets everything (the process holding it restarted).
  void clear() {
    std::fill(table_.begin(), table_.end(), 0);
    size_ = 0;
  }

  std::uint64_t sample_size() const { return sample_size_; }
  std::uint64_t size() const { return size_; }

 private:
  static std::uint32_t words_for(std::uint32_t capacity) {
    return std::max<std::uint32_t>(8, std::bit_ceil(std::max<std::uint32_t>(capacity, 1)));
  }
  static std::uint32_t java_hash(std::uint64_t key) { return static_cast<std::uint32_t>(key ^ (key >> 32)); }
  // Caffeine's supplemental hashes, in 32-bit unsigned arithmetic (Java's int wraps alike;
  // its >>> is the unsigned shift).
  static std::uint32_t spread(std::uint32_t x) {
    x ^= x >> 17;
    x *= 0xed5ad4bbu;
    x ^= x >> 11;
    x *= 0xac4c1b51u;
    x ^= x >> 15;
    return x;
  }
  static std::uint32_t rehash(std::uint32_t x) {
    x *= 0x31848babu;
    x ^= x >> 14;
    return x;
  }

  std::vector<std::uint64_t> table_;
  std::uint32_t block_mask_ = 0;
  std::uint64_t sample_size_ = 10, size_ = 0;
};

}  // namespace archsim::cache
