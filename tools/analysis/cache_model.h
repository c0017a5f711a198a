// Cache hit ratios for `archsim analyze`: the steady-state share of reads a cache answers,
// from its size, its eviction policy, its TTL and the popularity of the keys it is asked for.
// Pure functions, no scenario, no engine.
//
// Keys are ranked by popularity, p_i proportional to i^-alpha over `keys` keys (Zipf; alpha 0
// is uniform), requested as independent Poisson streams (the independent reference model).
// Each formula names where it holds:
//   LRU           Che's approximation (Che, Tung and Wang 2002; Fricker, Robert and Roberts
//                 2012): the characteristic time T solves sum_i (1 - e^(-p_i T)) = C, and
//                 key i is in the cache when asked with probability 1 - e^(-p_i T). Within a
//                 percent or two of simulation for Zipf popularity and C >= a few dozen.
//   FIFO, random  the same with h_i = p_i T / (1 + p_i T) (Gelenbe 1973; Martina, Garetto
//                 and Leonardi 2014): an entry lives a fixed time whatever it is asked.
//   LFU           perfect LFU keeps the C most popular keys: h = sum of their p_i (what an
//                 in-cache LFU or TinyLFU approaches once the counts are learnt).
//   TTL           a TTL set when the entry is filled (a miss), not renewed by hits: key i
//                 asked at rate r_i hits with probability r_i tau / (1 + r_i tau) (Fofack,
//                 Nain, Neglia and Towsley 2012; a renewal argument, exact for Poisson
//                 requests). With a size as well, h_i = min(the policy's h_i, the TTL's),
//                 T solving sum_i h_i = C (an approximation between the two exact limits).
// The ranks past the first few thousand are summed in geometric buckets (one term per bucket,
// at its mean popularity), so a billion keys cost a few thousand terms; the error this adds is
// far below the formulas' own.
#pragma once

#include <cstdint>

namespace archsim::analysis {

enum class CachePolicy : std::uint8_t { Lru, Fifo, Lfu };

struct CacheQuery {
  CachePolicy policy = CachePolicy::Lru;
  double capacity = 0;        // entries; <= 0 or >= keys: every key fits
  double ttl_s = 0;           // 0: entries do not expire
  double rate_rps = 0;        // reads per second at the cache (for the TTL)
  std::uint64_t keys = 1;     // distinct keys asked for
  double zipf = 0;            // popularity exponent (0: uniform)
};

struct CacheEstimate {
  double hit_ratio = 0;
  double characteristic_s = 0;  // LRU/FIFO: T in seconds (0 without a size limit)
  const char* formula = "";
};

CacheEstimate cache_hit_ratio(const CacheQuery& q);

}  // namespace archsim::analysis
