// Latency histogram with bounded relative error, after HdrHistogram (Gil Tene,
// github.com/HdrHistogram): log-linear buckets, so the error is relative to the value and
// the whole int64 range fits.
//
// Layout: values below 256 have one bucket each (exact); above, every power-of-two range
// [2^m, 2^(m+1)) is cut into 128 equal sub-buckets of width 2^(m-7). A value is reported as
// the midpoint of its bucket, clamped to the exact [min, max], so the reported value is
// within 1/256 (0.39%) of any value in that bucket. Count, min, max and mean are exact (the
// sum is kept in a 128-bit integer). Simplification against HdrHistogram: the precision is
// fixed (2 significant decimal digits' worth) and the range is always all of int64.
//
// Memory: the 7296 buckets come in 57 chunks of 128 (1 KiB: the linear range's two, then one
// per power of two), and a chunk is allocated the first time a value falls in it. A latency
// spans a few powers of two (1 ms to 1 s is ten), so a histogram holds about a sixth of the
// 57 KiB the whole layout would: 100,000 services' histograms fit in a few GB. A histogram
// never recorded into holds no bucket (loading a scenario allocates none). record() is a
// count-leading-zeros, two shifts, a chunk-table load and three compares, no allocation once
// its chunk exists (2.5 ns at -O2). clear() and merge() touch only the range used;
// percentile() walks that range (at most 7296 steps).
// Negative values are recorded as 0 (a latency cannot be negative; the caller has a bug).
#pragma once
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <utility>
#include <vector>

namespace archsim {

class Histogram {
 public:
  static constexpr int kSubBucketBits = 7;                       // 128 sub-buckets per power of two
  static constexpr std::int64_t kLinearLimit = std::int64_t{2} << kSubBucketBits;  // 256
  static constexpr std::size_t kBucketCount = std::size_t{64 - kSubBucketBits} << kSubBucketBits;  // 7296
  static constexpr std::size_t kChunkSize = std::size_t{1} << kSubBucketBits;                      // 128
  static constexpr std::size_t kChunks = kBucketCount / kChunkSize;                                // 57
  static constexpr std::size_t kChunkBytes = kChunkSize * sizeof(std::uint64_t);                   // 1 KiB

  // The bytes it holds: itself and its chunks.
  std::size_t bytes() const { return sizeof(Histogram) + counts_.capacity() * sizeof(std::uint64_t); }
  std::size_t chunks() const { return counts_.size() / kChunkSize; }

  // record_n(v, 1) without its 128-bit multiply (the hot path: one value per fact). Always
  // inline: GCC kept it out of line at -O3 with IPO, a call per fact (about 4.7 per request
  // on big-8x); a new minimum or maximum, rare once a run is under way, goes out of line.
  [[gnu::always_inline]] void record(std::int64_t v) {
    if (v < 0) v = 0;
    ++bucket(index_of(v));
    ++total_;
    sum_ += v;
    if (v < min_ || v > max_) [[unlikely]]
      note_extremes(v);
  }
  void record_n(std::int64_t v, std::uint64_t n) {
    if (n == 0) return;
    if (v < 0) v = 0;
    bucket(index_of(v)) += n;
    total_ += n;
    sum_ += static_cast<Int128>(v) * static_cast<Int128>(n);
    if (v < min_ || v > max_) note_extremes(v);
  }
  // The histogram as numbers, and back: count, min, max, the sum's two 64-bit halves, then
  // (bucket index, count) per non-empty bucket. decode(encode()) equals the original in every
  // figure; decode returns nullopt for numbers that are not such a list.
  std::vector<std::uint64_t> encode() const;
  static std::optional<Histogram> decode(const std::vector<std::uint64_t>& v);
  // Adds other's counts: the result equals having recorded both streams into one.
  void merge(const Histogram& other);
  void clear();

  std::uint64_t count() const { return total_; }
  double mean() const;          // 0 when empty
  std::int64_t min() const { return total_ ? min_ : 0; }
  std::int64_t max() const { return total_ ? max_ : 0; }
  // Nearest-rank percentile, q in [0, 100]: the value of rank ceil(q/100 * count), reported
  // as its bucket's midpoint clamped to [min, max]. p0 = min, p100 = max, 0 when empty.
  double percentile(double q) const;
  // percentile(qs[k]) into out[k] for every k, in one walk over the buckets (a window's p50,
  // p95 and p99 walked the range three times). qs must be ascending; the values are
  // exactly percentile()'s.
  void percentiles(std::span<const double> qs, std::span<double> out) const;
  // The bucket that value of rank lies in, clamped to [min, max]: the true percentile is
  // within [first, second] (both inclusive), whatever percentile() reports. {0, 0} when empty.
  // A verdict such as "p99 <= target" is certain only when the target is outside this range.
  std::pair<std::int64_t, std::int64_t> percentile_bounds(double q) const;

  // f(lower, upper, count) for each non-empty bucket in ascending order; the bucket holds
  // the integer values lower <= v <= upper (both inclusive, so the top bucket fits int64).
  template <class F>
  void for_each_bucket(F f) const {
    if (total_ == 0) return;
    for (std::size_t i = lo(), hi_i = hi(); i <= hi_i; ++i)
      if (const std::uint64_t n = count_at(i); n != 0) f(bucket_lower(i), bucket_upper(i), n);
  }

  static std::size_t index_of(std::int64_t v) {
    if (v < kLinearLimit) return static_cast<std::size_t>(v);
    const auto u = static_cast<std::uint64_t>(v);
    const int shift = (63 - std::countl_zero(u)) - kSubBucketBits;
    return (static_cast<std::size_t>(shift) << kSubBucketBits) + static_cast<std::size_t>(u >> shift);
  }
  static std::int64_t bucket_lower(std::size_t i) {
    if (i < static_cast<std::size_t>(kLinearLimit)) return static_cast<std::int64_t>(i);
    const std::size_t shift = (i >> kSubBucketBits) - 1;
    return static_cast<std::int64_t>((i - (shift << kSubBucketBits)) << shift);
  }
  static std::int64_t bucket_upper(std::size_t i) {
    if (i < static_cast<std::size_t>(kLinearLimit)) return static_cast<std::int64_t>(i);
    const std::size_t shift = (i >> kSubBucketBits) - 1;
    return bucket_lower(i) + ((std::int64_t{1} << shift) - 1);
  }

 private:
  __extension__ using Int128 = __int128;

  // Where chunk c's 128 counts start in counts_, or kAbsent before a value fell in it.
  static constexpr std::uint16_t kAbsent = 0xFFFF;
  static constexpr std::array<std::uint16_t, kChunks> absent_table() {
    std::array<std::uint16_t, kChunks> t{};
    for (auto& x : t) x = kAbsent;
    return t;
  }
  std::vector<std::uint64_t> counts_;  // the allocated chunks, in the order of their first value
  std::array<std::uint16_t, kChunks> start_ = absent_table();
  [[gnu::always_inline]] std::uint64_t& bucket(std::size_t i) {
    std::uint16_t at = start_[i >> kSubBucketBits];
    if (at == kAbsent) [[unlikely]]
      at = add_chunk(i >> kSubBucketBits);
    return counts_[at + (i & (kChunkSize - 1))];
  }
  std::uint64_t count_at(std::size_t i) const {
    const std::uint16_t at = start_[i >> kSubBucketBits];
    return at == kAbsent ? 0 : counts_[at + (i & (kChunkSize - 1))];
  }
  [[gnu::noinline, gnu::cold]] std::uint16_t add_chunk(std::size_t chunk);
  std::uint64_t total_ = 0;
  Int128 sum_ = 0;
  std::int64_t min_ = INT64_MAX;
  std::int64_t max_ = INT64_MIN;
  // The used index range [lo(), hi()] when not empty: the buckets of min and max (index_of
  // is monotone), derived rather than kept, which saves record() two compares.
  std::size_t lo() const { return index_of(min_); }
  std::size_t hi() const { return index_of(max_); }
  std::size_t rank_bucket(double q) const;
  std::uint64_t rank_of(double q) const;
  double bucket_value(std::size_t i) const;  // i's midpoint clamped to [min, max]
  [[gnu::noinline, gnu::cold]] void note_extremes(std::int64_t v) {
    if (v < min_) min_ = v;
    if (v > max_) max_ = v;
  }
};

}  // namespace archsim
