// YCSB's key scrambling (models/client/key_scramble.h) against FNV-1a 64 values computed
// independently (Python, the rank's 8 little-endian bytes, Java's Math.abs on the signed
// result), and its purpose: the hot ranks land spread over the key space.
#include <doctest/doctest.h>

#include <cstdint>

#include "models/client/key_scramble.h"

using namespace archsim;

TEST_CASE("key scramble: FNV-1a 64 of the rank, |h| mod n, as YCSB") {
  CHECK(fnv1a64_of_long(0) == 0xa8c7f832281a39c5ULL);
  CHECK(fnv1a64_of_long(1) == 0x89cd31291d2aefa4ULL);
  CHECK(fnv1a64_of_long(12345) == 0xe71eb185e2edcc4cULL);
  // The top bit is set in all three: Math.abs of the signed value, then the modulo.
  CHECK(ycsb_scramble(0, 1'000'000) == 377211);
  CHECK(ycsb_scramble(1, 1'000'000) == 966620);
  CHECK(ycsb_scramble(2, 1'000'000) == 198393);
  CHECK(ycsb_scramble(12345, 1'000'000) == 876852);
  // The 100 hottest ranks of 10^6 keys: unscrambled all below 100, scrambled spread over the
  // whole space (about half above the middle).
  int upper = 0;
  for (std::uint64_t r = 0; r < 100; ++r) upper += ycsb_scramble(r, 1'000'000) >= 500'000;
  CHECK(upper > 30);
  CHECK(upper < 70);
}
