// analyze's cache hit ratios (tools/analysis/cache_model.h) against the policies themselves:
// an exact LRU, FIFO and TTL cache fed the key stream the clients draw (sim/zipf.h), a million
// reads each. Che's approximation is known to hold within a point or two for these sizes; a
// formula that ignored the popularity skew (C / N) or the TTL would be off by tens of points.
#include <doctest/doctest.h>

#include <cstdint>
#include <list>
#include <unordered_map>

#include "sim/random.h"
#include "sim/zipf.h"
#include "tools/analysis/cache_model.h"

using namespace archsim;
using analysis::CachePolicy;

namespace {

// Hit ratio of an exact cache of `capacity` entries over `reads` Zipf reads (after as many to
// fill it): LRU moves a hit to the front, FIFO does not.
double simulate(CachePolicy policy, std::uint64_t keys, double zipf, std::size_t capacity, std::uint64_t reads) {
  ZipfSampler z(keys, zipf);
  Rng rng(42);
  std::list<std::uint64_t> order;
  std::unordered_map<std::uint64_t, std::list<std::uint64_t>::iterator> where;
  std::uint64_t hits = 0;
  for (std::uint64_t n = 0; n < 2 * reads; ++n) {
    const std::uint64_t k = z.sample(rng);
    auto it = where.find(k);
    if (it != where.end()) {
      if (n >= reads) ++hits;
      if (policy == CachePolicy::Lru) order.splice(order.begin(), order, it->second);
      continue;
    }
    order.push_front(k);
    where[k] = order.begin();
    if (order.size() > capacity) {
      where.erase(order.back());
      order.pop_back();
    }
  }
  return static_cast<double>(hits) / static_cast<double>(reads);
}

// One key read as a Poisson stream of `rate`, cached for `ttl` from each miss.
double simulate_ttl(double rate, double ttl, std::uint64_t reads) {
  Rng rng(7);
  double t = 0, expires = -1;
  std::uint64_t hits = 0;
  for (std::uint64_t n = 0; n < reads; ++n) {
    t += -std::log(1 - rng.uniform()) / rate;
    if (t < expires) ++hits;
    else expires = t + ttl;
  }
  return static_cast<double>(hits) / static_cast<double>(reads);
}

}  // namespace

TEST_CASE("cache model: Che's approximation against an exact LRU on Zipf keys") {
  for (double zipf : {0.6, 0.9, 1.1}) {
    CAPTURE(zipf);
    analysis::CacheQuery q;
    q.keys = 10000;
    q.zipf = zipf;
    q.capacity = 500;
    q.rate_rps = 1000;
    const double est = analysis::cache_hit_ratio(q).hit_ratio;
    const double sim = simulate(CachePolicy::Lru, q.keys, zipf, 500, 1'000'000);
    CHECK(est == doctest::Approx(sim).epsilon(0.03));
    CHECK(est > 0.05 + 500.0 / 10000);  // far above the uniform C / N
  }
}

TEST_CASE("cache model: uniform keys hit C / N under LRU and FIFO alike") {
  analysis::CacheQuery q;
  q.keys = 1000;
  q.capacity = 250;
  q.rate_rps = 100;
  CHECK(analysis::cache_hit_ratio(q).hit_ratio == doctest::Approx(0.25).epsilon(1e-6));
  q.policy = CachePolicy::Fifo;
  CHECK(analysis::cache_hit_ratio(q).hit_ratio == doctest::Approx(0.25).epsilon(1e-6));
}

TEST_CASE("cache model: FIFO's approximation against an exact FIFO") {
  analysis::CacheQuery q;
  q.policy = CachePolicy::Fifo;
  q.keys = 10000;
  q.zipf = 0.9;
  q.capacity = 500;
  q.rate_rps = 1000;
  const double est = analysis::cache_hit_ratio(q).hit_ratio;
  CHECK(est == doctest::Approx(simulate(CachePolicy::Fifo, q.keys, q.zipf, 500, 1'000'000)).epsilon(0.03));
  q.policy = CachePolicy::Lru;
  CHECK(analysis::cache_hit_ratio(q).hit_ratio > est);  // LRU keeps the hot keys better
}

TEST_CASE("cache model: a TTL set at each miss hits r tau / (1 + r tau)") {
  // One key at 2 reads/s with a 3 s TTL: 6 / 7 of its reads hit.
  analysis::CacheQuery q;
  q.keys = 1;
  q.ttl_s = 3;
  q.rate_rps = 2;
  CHECK(analysis::cache_hit_ratio(q).hit_ratio == doctest::Approx(6.0 / 7).epsilon(1e-9));
  CHECK(simulate_ttl(2, 3, 1'000'000) == doctest::Approx(6.0 / 7).epsilon(0.01));
  // A billion keys cost no more than a few thousand terms, and stay a probability.
  analysis::CacheQuery big;
  big.keys = 1'000'000'000;
  big.zipf = 0.99;
  big.capacity = 1'000'000;
  big.rate_rps = 1e5;
  const double h = analysis::cache_hit_ratio(big).hit_ratio;
  CHECK(h > 0.5);
  CHECK(h < 1);
}
