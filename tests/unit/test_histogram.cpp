// Histogram percentiles against exact order statistics, its bucket layout against the
// relative-error contract (HdrHistogram's, with 128 sub-buckets per power of two), and
// merge against recording both streams into one histogram.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <iterator>
#include <tuple>
#include <vector>

#include "sim/histogram.h"
#include "sim/random.h"

using archsim::Histogram;
using archsim::Rng;

namespace {

using Bucket = std::tuple<std::int64_t, std::int64_t, std::uint64_t>;

std::vector<Bucket> buckets(const Histogram& h) {
  std::vector<Bucket> out;
  h.for_each_bucket([&](std::int64_t lo, std::int64_t hi, std::uint64_t n) { out.emplace_back(lo, hi, n); });
  return out;
}

// Log-uniform values from 0 to about 2^62: every bucket scale gets its share.
std::int64_t log_uniform(Rng& rng) {
  const auto bits = 1 + static_cast<int>(rng.below(63));
  return static_cast<std::int64_t>(rng.next() >> (64 - bits) >> 1);
}

const double kQuantiles[] = {0.1, 1, 10, 25, 50, 75, 90, 95, 99, 99.9, 99.99};

}  // namespace

TEST_CASE("percentiles of 1..1e6 are within 1% of the exact order statistics") {
  Histogram h;
  const std::int64_t n = 1'000'000;
  for (std::int64_t v = 1; v <= n; ++v) h.record(v);
  CHECK(h.count() == 1'000'000);
  CHECK(h.min() == 1);
  CHECK(h.max() == n);
  CHECK(h.mean() == 500'000.5);
  for (double q : kQuantiles) {
    CAPTURE(q);
    // Nearest rank: the ceil(q/100 * n)-th smallest value, which is the rank itself here.
    const double exact = std::ceil(q / 100 * static_cast<double>(n) - 1e-6);
    CHECK(std::fabs(h.percentile(q) - exact) <= 0.01 * exact);
    CHECK(std::fabs(h.percentile(q) - exact) <= exact / 256 + 1);  // the 128-sub-bucket bound
  }
  CHECK(h.percentile(0) == 1);
  CHECK(h.percentile(100) == n);
}

TEST_CASE("values below 256 are exact") {
  Histogram h;
  for (std::int64_t v = 0; v < 256; ++v) h.record(v);
  CHECK(h.percentile(50) == 127);   // rank 128
  CHECK(h.percentile(10) == 25);    // rank ceil(25.6) = 26
  CHECK(h.percentile(99) == 253);   // rank ceil(253.44) = 254
  CHECK(buckets(h).size() == 256);
}

TEST_CASE("buckets tile int64 and each is narrower than 1/128 of its lower bound") {
  CHECK(Histogram::bucket_lower(0) == 0);
  CHECK(Histogram::bucket_upper(Histogram::kBucketCount - 1) == INT64_MAX);
  CHECK(Histogram::index_of(INT64_MAX) == Histogram::kBucketCount - 1);
  int bad = 0;
  for (std::size_t i = 0; i < Histogram::kBucketCount; ++i) {
    const std::int64_t lo = Histogram::bucket_lower(i), hi = Histogram::bucket_upper(i);
    if (i + 1 < Histogram::kBucketCount && hi + 1 != Histogram::bucket_lower(i + 1)) ++bad;
    if (Histogram::index_of(lo) != i || Histogram::index_of(hi) != i) ++bad;
    if (lo >= 256 && static_cast<double>(hi - lo + 1) > static_cast<double>(lo) / 128) ++bad;
  }
  CHECK(bad == 0);
}

TEST_CASE("any single value is reported within 0.4% across the whole range") {
  Rng rng(3);
  double worst = 0;
  Histogram h;
  for (int i = 0; i < 20'000; ++i) {
    const std::int64_t v = log_uniform(rng) + 1;
    h.clear();  // 0, v, INT64_MAX: the median is v's bucket, unclamped
    h.record(0);
    h.record(v);
    h.record(INT64_MAX);
    const double err = std::fabs(h.percentile(50) - static_cast<double>(v)) / static_cast<double>(v);
    if (err > worst) worst = err;
  }
  CHECK(worst <= 1.0 / 256);
  CHECK(worst > 1.0 / 400);  // the bound is tight: buckets really are 1/128 wide
}

TEST_CASE("merge equals recording both streams") {
  Rng rng(4);
  Histogram a, b, both;
  for (int i = 0; i < 50'000; ++i) {
    const std::int64_t v = log_uniform(rng);
    (i % 3 == 0 ? a : b).record(v);
    both.record(v);
  }
  b.record_n(123'456'789, 1000);
  both.record_n(123'456'789, 1000);
  a.merge(b);
  CHECK(a.count() == both.count());
  CHECK(a.mean() == both.mean());
  CHECK(a.min() == both.min());
  CHECK(a.max() == both.max());
  for (double q : kQuantiles) CHECK(a.percentile(q) == both.percentile(q));
  CHECK(buckets(a) == buckets(both));

  Histogram empty;
  const auto before = buckets(a);
  a.merge(empty);
  CHECK(buckets(a) == before);
  empty.merge(a);
  CHECK(buckets(empty) == before);
  CHECK(empty.mean() == a.mean());
}

TEST_CASE("record_n equals n records; negatives count as 0") {
  Histogram a, b;
  a.record_n(5000, 7);
  for (int i = 0; i < 7; ++i) b.record(5000);
  a.record_n(1, 0);
  CHECK(buckets(a) == buckets(b));
  CHECK(a.count() == 7);
  Histogram neg;
  neg.record(-5);
  CHECK(neg.min() == 0);
  CHECK(neg.count() == 1);
}

TEST_CASE("clear empties the histogram and it records afresh") {
  Histogram h;
  for (std::int64_t v : {std::int64_t{5}, std::int64_t{50'000}, std::int64_t{5'000'000'000}}) h.record(v);
  h.clear();
  CHECK(h.count() == 0);
  CHECK(h.mean() == 0);
  CHECK(h.min() == 0);
  CHECK(h.max() == 0);
  CHECK(h.percentile(50) == 0);
  CHECK(buckets(h).empty());
  h.record(700);
  Histogram fresh;
  fresh.record(700);
  CHECK(buckets(h) == buckets(fresh));
  CHECK(h.percentile(99) == 700);
}

TEST_CASE("empty histogram and extreme values") {
  Histogram h;
  CHECK(h.percentile(0) == 0);
  CHECK(h.percentile(50) == 0);
  CHECK(h.percentile(100) == 0);
  CHECK(h.mean() == 0);
  h.record(INT64_MAX);
  h.record(INT64_MAX);
  // The sum (2^64 - 2) overflows int64 but not the 128-bit accumulator.
  CHECK(h.mean() == static_cast<double>(INT64_MAX));
  CHECK(h.percentile(50) == static_cast<double>(INT64_MAX));
}

TEST_CASE("for_each_bucket walks non-empty buckets in ascending order") {
  Rng rng(5);
  Histogram h;
  for (int i = 0; i < 10'000; ++i) h.record(log_uniform(rng));
  std::uint64_t total = 0;
  std::int64_t prev_upper = -1;
  bool ordered = true;
  h.for_each_bucket([&](std::int64_t lo, std::int64_t hi, std::uint64_t n) {
    ordered = ordered && lo > prev_upper && lo <= hi && n > 0;
    prev_upper = hi;
    total += n;
  });
  CHECK(ordered);
  CHECK(total == h.count());
}

TEST_CASE("percentiles() in one walk returns exactly what percentile() returns for each q") {
  // Ascending qs with repeats, the ends 0 and 100, and qs whose ranks fall in one bucket.
  const double qs[] = {0, 0, 0.1, 1, 10, 25, 50, 50, 75, 90, 95, 99, 99.9, 99.99, 100, 100};
  constexpr std::size_t kN = std::size(qs);
  auto check = [&](const Histogram& h) {
    double out[kN];
    h.percentiles(qs, out);
    for (std::size_t k = 0; k < kN; ++k) {
      CAPTURE(qs[k]);
      CHECK(out[k] == h.percentile(qs[k]));
    }
  };
  Histogram empty;
  check(empty);
  Histogram one;
  one.record(123456);
  check(one);
  Rng rng(17);
  for (int n : {2, 3, 7, 100, 10'000}) {
    Histogram sparse;  // few values spread over many scales: long runs of empty buckets
    for (int i = 0; i < n; ++i) sparse.record(log_uniform(rng));
    check(sparse);
    Histogram dense;  // many values in a few buckets: several ranks in one bucket
    for (int i = 0; i < n; ++i) dense.record(1000 + static_cast<std::int64_t>(rng.below(300)));
    check(dense);
  }
}

TEST_CASE("a histogram holds only the chunks its values fall in") {
  Histogram h;
  CHECK(h.chunks() == 0);
  CHECK(h.bytes() == sizeof(Histogram));
  // 1 ms to 1 s in nanoseconds: 2^19.9 to 2^29.9, eleven powers of two, one chunk each.
  for (std::int64_t v = 1'000'000; v <= 1'000'000'000; v += 997) h.record(v);
  CHECK(h.chunks() == 11);
  CHECK(h.bytes() == sizeof(Histogram) + 11 * Histogram::kChunkBytes);
  // Zeros take the linear range's first chunk; values below 256 are its two.
  h.record(0);
  h.record(200);
  CHECK(h.chunks() == 13);
  // Recording into chunks that exist allocates nothing more; clear() keeps them.
  for (int i = 0; i < 1000; ++i) h.record(5'000'000);
  CHECK(h.chunks() == 13);
  h.clear();
  CHECK(h.chunks() == 13);
  // A cleared histogram merged in gives no chunk; a merged value gives its own only.
  Histogram into;
  into.merge(h);
  CHECK(into.chunks() == 0);
  h.record(7'000);
  into.merge(h);
  CHECK(into.chunks() == 1);
  CHECK(into.count() == 1);
  CHECK(into.percentile(50) == 7'000);
}
