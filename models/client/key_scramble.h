// YCSB's key scrambling (site.ycsb.generator.ScrambledZipfianGenerator.nextValue and
// site.ycsb.Utils.fnvhash64): a drawn Zipf rank r becomes key |FNV-1a-64(r)| mod n, the FNV-1a
// run over the rank's 8 bytes, least significant first, and the result made non-negative as
// Java's Math.abs does. So the hot keys are spread over the key space instead of being the
// lowest numbers (which would, for instance, put them all on one range shard).
// Simplification: YCSB draws the rank from a Zipf over 10^10 items before the modulo; here it
// is drawn over the n keys themselves, so the popularity of ranks is exactly Zipf over n and
// only the collisions of the hash (two ranks on one key) change the key popularity.
#pragma once
#include <cstdint>

namespace archsim {

inline std::uint64_t fnv1a64_of_long(std::uint64_t v) {
  std::uint64_t h = 0xCBF29CE484222325ULL;  // FNV-1a 64 offset basis
  for (int i = 0; i < 8; ++i) {
    h ^= v & 0xff;
    v >>= 8;
    h *= 1099511628211ULL;  // FNV 64 prime
  }
  return h;
}

// |h| as Java's Math.abs on a long (Long.MIN_VALUE, left negative by Java, counts as 2^63).
inline std::uint64_t ycsb_scramble(std::uint64_t rank, std::uint64_t n) {
  const std::uint64_t h = fnv1a64_of_long(rank);
  const std::uint64_t a = (h >> 63) ? ~h + 1 : h;
  return a % n;
}

}  // namespace archsim
