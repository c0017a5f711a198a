#include "tools/analysis/cache_model.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace archsim::analysis {

namespace {

// Ranks 1..keys as (how many keys, each one's popularity), normalised to sum to 1.
struct Bucket {
  double count, p;
};

std::vector<Bucket> popularity(std::uint64_t keys, double alpha) {
  std::vector<Bucket> out;
  keys = std::max<std::uint64_t>(keys, 1);
  constexpr std::uint64_t kExact = 4096;
  const std::uint64_t exact = std::min(keys, kExact);
  for (std::uint64_t i = 1; i <= exact; ++i) out.push_back({1.0, std::pow(static_cast<double>(i), -alpha)});
  // The rest in buckets [a, b) growing by 1% each: one term at the bucket's mean popularity
  // (the integral of x^-alpha over it, divided by its width).
  double a = static_cast<double>(exact) + 1;
  const double last = static_cast<double>(keys) + 1;
  while (a < last) {
    const double b = std::min(last, std::max(a + 1, std::floor(a * 1.01)));
    double mean;
    if (alpha == 0) mean = 1;
    else if (std::fabs(alpha - 1) < 1e-12) mean = std::log(b / a) / (b - a);
    else mean = (std::pow(b, 1 - alpha) - std::pow(a, 1 - alpha)) / ((1 - alpha) * (b - a));
    out.push_back({b - a, mean});
    a = b;
  }
  double total = 0;
  for (const Bucket& k : out) total += k.count * k.p;
  for (Bucket& k : out) k.p /= total;
  return out;
}

// A key's chance to be in the cache when asked, with characteristic time `t` (in requests)
// and the TTL's bound (`ttl_req`: the TTL in requests; 0 = none).
double in_cache(CachePolicy policy, double p, double t, double ttl_req) {
  double h = policy == CachePolicy::Fifo ? p * t / (1 + p * t) : -std::expm1(-p * t);
  if (ttl_req > 0) h = std::min(h, p * ttl_req / (1 + p * ttl_req));
  return h;
}

}  // namespace

CacheEstimate cache_hit_ratio(const CacheQuery& q) {
  CacheEstimate e;
  const std::vector<Bucket> keys = popularity(q.keys, q.zipf);
  const double n = static_cast<double>(std::max<std::uint64_t>(q.keys, 1));
  // The TTL in requests to the cache: a key of popularity p is asked p x rate x ttl times in it.
  const double ttl_req = q.ttl_s > 0 ? q.ttl_s * std::max(q.rate_rps, 0.0) : 0;
  const bool limited = q.capacity > 0 && q.capacity < n;
  auto hit_at = [&](double t) {
    double h = 0;
    for (const Bucket& k : keys) h += k.count * k.p * in_cache(q.policy, k.p, t, ttl_req);
    return h;
  };
  auto occupancy = [&](double t) {  // expected entries held (PASTA: the hit chance of each key)
    double o = 0;
    for (const Bucket& k : keys) o += k.count * in_cache(q.policy, k.p, t, ttl_req);
    return o;
  };
  if (q.ttl_s > 0 && q.rate_rps <= 0) {
    e.formula = "no reads";
    return e;
  }
  if (!limited || (ttl_req > 0 && occupancy(1e300) <= q.capacity)) {
    // Everything asked fits: only the TTL makes misses (or none after the first read).
    e.hit_ratio = ttl_req > 0 ? hit_at(1e300) : 1.0;
    e.formula = ttl_req > 0 ? "TTL (renewal)" : "every key fits";
    return e;
  }
  if (q.policy == CachePolicy::Lfu) {
    // The C most popular keys, each capped by the TTL.
    double left = q.capacity, h = 0;
    for (const Bucket& k : keys) {
      const double take = std::min(left, k.count);
      if (take <= 0) break;
      h += take * k.p * (ttl_req > 0 ? k.p * ttl_req / (1 + k.p * ttl_req) : 1.0);
      left -= take;
    }
    e.hit_ratio = h;
    e.formula = "perfect LFU (top C keys)";
    return e;
  }
  // Characteristic time: occupancy(T) = C, by bisection on log T (occupancy grows with T).
  double lo = 1e-9, hi = 1.0;
  while (occupancy(hi) < q.capacity && hi < 1e300) hi *= 4;
  for (int it = 0; it < 200 && hi / lo > 1 + 1e-12; ++it) {
    const double mid = std::sqrt(lo * hi);
    (occupancy(mid) < q.capacity ? lo : hi) = mid;
  }
  const double t = std::sqrt(lo * hi);
  e.hit_ratio = hit_at(t);
  e.characteristic_s = q.rate_rps > 0 ? t / q.rate_rps : 0;
  e.formula = q.policy == CachePolicy::Fifo ? (ttl_req > 0 ? "FIFO/random approximation with TTL" : "FIFO/random approximation")
                                            : (ttl_req > 0 ? "Che's approximation with TTL" : "Che's approximation (LRU)");
  return e;
}

}  // namespace archsim::analysis
