#include "sim/histogram.h"

#include <algorithm>
#include <cassert>
#include <cmath>

namespace archsim {

// Exactly one chunk more (reserve, then resize): the vector's doubling would hold up to twice
// what the histogram uses, for at most 57 copies of at most 56 KiB in its life.
std::uint16_t Histogram::add_chunk(std::size_t chunk) {
  const std::size_t at = counts_.size();
  counts_.reserve(at + kChunkSize);
  counts_.resize(at + kChunkSize, 0);
  start_[chunk] = static_cast<std::uint16_t>(at);
  return start_[chunk];
}

void Histogram::merge(const Histogram& other) {
  if (other.total_ == 0) return;
  // A chunk of other's that holds only zeros (cleared since) gives this one no chunk. The
  // chunks this one lacks are reserved at once: one at a time, a histogram merged from many
  // (a run's totals at its end) copied its counts once per chunk.
  std::size_t missing = 0;
  for (std::size_t c = other.lo() >> kSubBucketBits, last = other.hi() >> kSubBucketBits; c <= last; ++c)
    if (start_[c] == kAbsent && other.start_[c] != kAbsent) ++missing;
  if (missing > 0) counts_.reserve(counts_.size() + missing * kChunkSize);
  for (std::size_t i = other.lo(), hi_i = other.hi(); i <= hi_i; ++i)
    if (const std::uint64_t n = other.count_at(i); n != 0) bucket(i) += n;
  total_ += other.total_;
  sum_ += other.sum_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
}

// The chunks stay: the next window's values mostly fall in them again.
void Histogram::clear() {
  if (total_ != 0)
    for (std::size_t c = lo() >> kSubBucketBits, last = hi() >> kSubBucketBits; c <= last; ++c)
      if (start_[c] != kAbsent)
        std::fill_n(counts_.begin() + start_[c], kChunkSize, std::uint64_t{0});
  total_ = 0;
  sum_ = 0;
  min_ = INT64_MAX;
  max_ = INT64_MIN;
}

double Histogram::mean() const {
  if (total_ == 0) return 0;
  return static_cast<double>(static_cast<long double>(sum_) / static_cast<long double>(total_));
}

// The nearest rank ceil(q/100 * count), for 0 < q < 100 and a non-empty histogram.
std::uint64_t Histogram::rank_of(double q) const {
  // The relative nudge keeps q/100 * n from rounding up past an exact integer rank
  // (0.99 * 1e6 is 990000.0000000001 in doubles).
  const double exact = q / 100.0 * static_cast<double>(total_);
  auto rank = static_cast<std::uint64_t>(std::ceil(exact * (1.0 - 1e-12)));
  return std::clamp<std::uint64_t>(rank, 1, total_);
}

// The index of the bucket that holds the value of nearest rank rank_of(q).
std::size_t Histogram::rank_bucket(double q) const {
  const std::uint64_t rank = rank_of(q);
  std::uint64_t seen = 0;
  for (std::size_t i = lo(), hi_i = hi(); i <= hi_i; ++i) {
    seen += count_at(i);
    if (seen >= rank) return i;
  }
  return hi();
}

double Histogram::bucket_value(std::size_t i) const {
  const auto lo = static_cast<double>(bucket_lower(i));
  const auto hi = static_cast<double>(bucket_upper(i));
  const double mid = lo + 0.5 * (hi - lo);
  return std::clamp(mid, static_cast<double>(min_), static_cast<double>(max_));
}

double Histogram::percentile(double q) const {
  if (total_ == 0) return 0;
  if (!(q > 0)) return static_cast<double>(min_);
  if (q >= 100) return static_cast<double>(max_);
  return bucket_value(rank_bucket(q));
}

void Histogram::percentiles(std::span<const double> qs, std::span<double> out) const {
  assert(out.size() >= qs.size() && std::is_sorted(qs.begin(), qs.end()));
  std::size_t k = 0;
  if (total_ == 0) {
    for (; k < qs.size(); ++k) out[k] = 0;
    return;
  }
  for (; k < qs.size() && !(qs[k] > 0); ++k) out[k] = static_cast<double>(min_);
  std::size_t i = lo();
  const std::size_t hi_i = hi();
  std::uint64_t seen = count_at(i);
  for (; k < qs.size() && qs[k] < 100; ++k) {
    // Ranks ascend with q, so each search goes on from where the last one stopped.
    const std::uint64_t rank = rank_of(qs[k]);
    while (seen < rank && i < hi_i) seen += count_at(++i);
    out[k] = bucket_value(i);
  }
  for (; k < qs.size(); ++k) out[k] = static_cast<double>(max_);
}

std::pair<std::int64_t, std::int64_t> Histogram::percentile_bounds(double q) const {
  if (total_ == 0) return {0, 0};
  if (!(q > 0)) return {min_, min_};
  if (q >= 100) return {max_, max_};
  const std::size_t i = rank_bucket(q);
  return {std::max(bucket_lower(i), min_), std::min(bucket_upper(i), max_)};
}

__extension__ using UInt128 = unsigned __int128;

std::vector<std::uint64_t> Histogram::encode() const {
  const auto sum = static_cast<UInt128>(sum_);
  std::vector<std::uint64_t> v{total_, static_cast<std::uint64_t>(min_), static_cast<std::uint64_t>(max_),
                               static_cast<std::uint64_t>(sum >> 64), static_cast<std::uint64_t>(sum)};
  if (total_ == 0) return v;
  for (std::size_t i = lo(), hi_i = hi(); i <= hi_i; ++i)
    if (const std::uint64_t n = count_at(i); n != 0) {
      v.push_back(i);
      v.push_back(n);
    }
  return v;
}

std::optional<Histogram> Histogram::decode(const std::vector<std::uint64_t>& v) {
  if (v.size() < 5 || v.size() % 2 == 0) return std::nullopt;
  Histogram h;
  std::uint64_t total = 0;
  for (std::size_t k = 5; k < v.size(); k += 2) {
    if (v[k] >= kBucketCount || v[k + 1] == 0) return std::nullopt;
    h.bucket(v[k]) += v[k + 1];
    total += v[k + 1];
  }
  if (total != v[0]) return std::nullopt;
  h.total_ = total;
  if (total == 0) return h;
  h.min_ = static_cast<std::int64_t>(v[1]);
  h.max_ = static_cast<std::int64_t>(v[2]);
  if (h.min_ > h.max_ || h.min_ < 0) return std::nullopt;
  h.sum_ = static_cast<Int128>(static_cast<UInt128>(v[3]) << 64 | v[4]);
  return h;
}

}  // namespace archsim
