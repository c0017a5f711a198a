// W-TinyLFU (lib/cache_store: Caffeine's policy) against hand-worked admission
// decisions on a capacity-10 store, the sketch's saturation and aging, and the point of the
// policy: on a Zipf stream polluted by one-off scans it keeps the hot keys that LRU flushes.
#include <doctest/doctest.h>

#include <cstdint>

#include "lib/cache_store/cache_store.h"
#include "sim/zipf.h"
#include "tests/unit/harness.h"

using namespace archsim;
using namespace archsim::cache;

namespace {

StoreConfig tiny(std::uint32_t cap, Eviction e = Eviction::TinyLfu) {
  StoreConfig c;
  c.eviction = e;
  c.capacity = cap;
  return c;
}

bool has(const CacheStore& s, std::uint64_t k) { return s.find(k) != CacheStore::kNone; }

// A get: a hit touches, a miss inserts (cache-aside's fill).
bool access(CacheStore& s, std::uint64_t k, Time now) {
  const std::uint32_t slot = s.find(k);
  if (slot != CacheStore::kNone) {
    s.touch(slot, now);
    return true;
  }
  s.put(k, 0, now);
  return false;
}

// Hit ratio over a Zipf(0.9) stream of 100,000 keys in which every 20,000th request starts a
// scan of 5,000 keys never seen before (a batch job or a crawler reading everything once).
double scan_polluted(Eviction e, std::uint32_t cap) {
  CacheStore st(tiny(cap, e), 5);
  ZipfSampler z(100000, 0.9);
  Rng rng(11);
  std::uint64_t scan_key = 1'000'000'000;
  int hits = 0, count = 0;
  Time now = 0;
  for (int i = 0; i < 600000; ++i) {
    if (i % 20000 == 0)
      for (int j = 0; j < 5000; ++j) access(st, scan_key++, now += 1000);
    const bool hit = access(st, z.sample(rng), now += 1000);
    if (i >= 100000) {
      ++count;
      hits += hit;
    }
  }
  return static_cast<double>(hits) / count;
}

}  // namespace

TEST_CASE("tinylfu: segment sizes follow Caffeine's setMaximumSize") {
  CacheStore a(tiny(10), 1), b(tiny(1000), 1), c(tiny(1), 1);
  CHECK(a.window_max() == 1);  // 10 - floor(9.9)
  CHECK(a.protected_max() == 7);  // floor(0.8 x 9)
  CHECK(b.window_max() == 10);
  CHECK(b.protected_max() == 792);
  CHECK(c.window_max() == 1);
  CHECK(c.protected_max() == 0);
  b.put(1, 0, 0);  // the sketch, as the entries, is sized at the first insert
  CHECK(b.sketch().sample_size() == 10000);
}

TEST_CASE("tinylfu: hand-worked admission decisions (capacity 10: window 1, protected <= 7)") {
  CacheStore s(tiny(10), 1);
  for (std::uint64_t k = 1; k <= 10; ++k) s.put(k, 0, 0);
  // Filling: each newcomer pushes the previous one from the window to probation; no eviction.
  CHECK(s.size() == 10);
  CHECK(s.evictions() == 0);
  CHECK(s.region_of(s.find(10)) == kWindow);
  CHECK(s.segment_size(kProbation) == 9);
  for (std::uint64_t k = 1; k <= 10; ++k) REQUIRE(s.sketch().frequency(k) == 1);  // no collisions

  // 11 pushes 10 out of the window; 10 (count 1) against the probation's LRU 1 (count 1): a tie
  // keeps the victim, the candidate is evicted.
  s.put(11, 0, 0);
  CHECK_FALSE(has(s, 10));
  CHECK(has(s, 1));
  CHECK(s.region_of(s.find(11)) == kWindow);
  CHECK(s.evictions() == 1);

  // 12 is read three times while in the window (count 3); 13 pushes it out: 3 > 1, so 12 is
  // admitted and the victim 1 goes. 11 had lost to 1 on the way (1 against 1).
  s.put(12, 0, 0);
  CHECK_FALSE(has(s, 11));
  s.touch(s.find(12), 0);
  s.touch(s.find(12), 0);
  REQUIRE(s.sketch().frequency(12) == 3);
  s.put(13, 0, 0);
  CHECK(has(s, 12));
  CHECK(s.region_of(s.find(12)) == kProbation);
  CHECK_FALSE(has(s, 1));

  // A probation hit promotes to protected: 2 leaves the victim's place to 3.
  s.touch(s.find(2), 0);
  CHECK(s.region_of(s.find(2)) == kProtected);
  CHECK(s.at(s.victim(0)).key == 3);

  // History outlives eviction: 10 was evicted with count 1; read again it counts 2 and, pushed
  // out of the window by 14, beats the victim 3 (count 1) although 13 (count 1) just lost.
  s.put(10, 0, 0);  // pushes 13 out: 13 (1) vs 3 (1): 13 evicted
  CHECK_FALSE(has(s, 13));
  REQUIRE(s.sketch().frequency(10) == 2);
  s.put(14, 0, 0);
  CHECK(has(s, 10));
  CHECK_FALSE(has(s, 3));
  CHECK(s.size() == 10);
  CHECK(s.evictions() == 5);
}

TEST_CASE("tinylfu: the protected segment overflows into probation's MRU end") {
  CacheStore s(tiny(10), 1);
  for (std::uint64_t k = 1; k <= 10; ++k) s.put(k, 0, 0);
  for (std::uint64_t k = 1; k <= 8; ++k) s.touch(s.find(k), 0);  // 8 promotions, room for 7
  CHECK(s.segment_size(kProtected) == 7);
  CHECK(s.region_of(s.find(1)) == kProbation);  // the protected LRU was demoted
  CHECK(s.segment_size(kProbation) == 2);        // 9 and the demoted 1
  CHECK(s.at(s.victim(0)).key == 9);             // demoted to the MRU end, behind 9
}

TEST_CASE("tinylfu: the sketch saturates at 15 and halves after 10 x capacity increments") {
  FrequencySketch f(8);  // 8 words: one block; sample size 80
  for (int i = 0; i < 20; ++i) f.increment(42);
  CHECK(f.frequency(42) == 15);
  CHECK(f.size() == 15);  // increments that raised nothing are not counted
  std::uint64_t k = 1000;
  while (f.size() < 79) f.increment(k++);
  CHECK(f.frequency(42) >= 15);
  f.increment(k++);  // the 80th counted increment ages everything
  CHECK(f.frequency(42) == 7);
  CHECK(f.size() < 40);
  CHECK(f.frequency(999'999) <= 7);
}

TEST_CASE("tinylfu: beats LRU on a scan-polluted Zipf stream") {
  const double lru = scan_polluted(Eviction::Lru, 1000);
  const double tlfu = scan_polluted(Eviction::TinyLfu, 1000);
  const double lfu = scan_polluted(Eviction::Lfu, 1000);
  INFO("lru " << lru << " tinylfu " << tlfu << " exact in-cache lfu " << lfu);
  // Each scan flushes LRU's whole cache; W-TinyLFU admits no scan key (count 1 against hot
  // victims) and keeps its hot set.
  CHECK(tlfu > lru + 0.05);
  CHECK(tlfu > lfu);
}
