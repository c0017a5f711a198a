// Rng against published reference outputs: xoshiro256** (Blackman & Vigna's xoshiro256starstar.c)
// from state {1, 2, 3, 4}, SplitMix64 (Vigna's splitmix64.c) from seed 0, and FNV-1a 64
// (Fowler/Noll/Vo test vectors); then the stream contract and below()'s range.
#include <doctest/doctest.h>

#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "sim/random.h"

using archsim::Rng;

namespace {

// Rng keeps exactly the four state words, so a state can be set through its object
// representation (std::bit_cast is defined for trivially copyable types of equal size).
static_assert(std::is_trivially_copyable_v<Rng> && sizeof(Rng) == 4 * sizeof(std::uint64_t));

Rng with_state(std::uint64_t a, std::uint64_t b, std::uint64_t c, std::uint64_t d) {
  return std::bit_cast<Rng>(std::array<std::uint64_t, 4>{a, b, c, d});
}

}  // namespace

TEST_CASE("xoshiro256** matches the reference implementation from state {1,2,3,4}") {
  Rng rng = with_state(1, 2, 3, 4);
  CHECK(rng.next() == 11520ULL);
  CHECK(rng.next() == 0ULL);
  CHECK(rng.next() == 1509978240ULL);
  CHECK(rng.next() == 1215971899390074240ULL);
}

TEST_CASE("seeding fills the state with SplitMix64 outputs") {
  std::uint64_t s = 0;
  CHECK(archsim::splitmix64(s) == 0xe220a8397b1dcdafULL);
  CHECK(archsim::splitmix64(s) == 0x6e789e6aa1b965f4ULL);
  CHECK(archsim::splitmix64(s) == 0x06c45d188009454fULL);
  CHECK(archsim::splitmix64(s) == 0xf88bb8a8724c81ecULL);
  Rng seeded(0);
  Rng expected = with_state(0xe220a8397b1dcdafULL, 0x6e789e6aa1b965f4ULL, 0x06c45d188009454fULL,
                            0xf88bb8a8724c81ecULL);
  int differ = 0;
  for (int i = 0; i < 100; ++i) differ += seeded.next() != expected.next();
  CHECK(differ == 0);
}

TEST_CASE("stream names hash with FNV-1a") {
  CHECK(archsim::hash_name("") == 0xcbf29ce484222325ULL);
  CHECK(archsim::hash_name("a") == 0xaf63dc4c8601ec8cULL);
  CHECK(archsim::hash_name("foobar") == 0x85944171f73967e8ULL);
}

TEST_CASE("streams: same name and seed give the same numbers; anything else differs") {
  auto first = [](Rng r) {
    std::vector<std::uint64_t> v(64);
    for (auto& x : v) x = r.next();
    return v;
  };
  const auto base = first(Rng::stream(42, "web"));
  CHECK(first(Rng::stream(42, "web")) == base);
  CHECK(first(Rng::stream(42, "web", 0)) == base);
  CHECK(first(Rng::stream(42, "web2")) != base);
  CHECK(first(Rng::stream(42, "db")) != base);
  CHECK(first(Rng::stream(43, "web")) != base);
  CHECK(first(Rng::stream(42, "web", 1)) != base);
  // Streams of other components do not shift this one (no creation-order dependence).
  Rng other = Rng::stream(42, "cache");
  other.next();
  CHECK(first(Rng::stream(42, "web")) == base);
  // Streams of neighbouring names are not correlated word for word.
  Rng a = Rng::stream(1, "svc-1"), b = Rng::stream(1, "svc-2");
  int equal_bits = 0;
  for (int i = 0; i < 1000; ++i) equal_bits += std::popcount(~(a.next() ^ b.next()));
  CHECK(std::abs(equal_bits - 32'000) < 5 * 253);  // binomial(64000, 1/2): sd 126
}

TEST_CASE("below(n) stays in [0, n) and is uniform") {
  Rng rng(9);
  for (std::uint64_t n : {std::uint64_t{1}, std::uint64_t{2}, std::uint64_t{3}, std::uint64_t{7},
                          std::uint64_t{1000}, std::uint64_t{1'000'000'007}, (std::uint64_t{1} << 63) + 1,
                          ~std::uint64_t{0}}) {
    CAPTURE(n);
    int out = 0;
    for (int i = 0; i < 10'000; ++i) out += rng.below(n) >= n;
    CHECK(out == 0);
  }
  std::array<double, 10> counts{};
  const int draws = 1'000'000;
  for (int i = 0; i < draws; ++i) counts[rng.below(10)] += 1;
  double chi = 0;
  for (double c : counts) chi += (c - draws / 10.0) * (c - draws / 10.0) / (draws / 10.0);
  CHECK(chi < 33.7);  // 9 degrees of freedom, p = 1e-4
  // Both halves of a range above 2^63 are reached.
  const std::uint64_t big = (std::uint64_t{1} << 63) + (std::uint64_t{1} << 62);
  int high = 0;
  for (int i = 0; i < 10'000; ++i) high += rng.below(big) >= big / 2;
  CHECK(std::abs(high - 5000) < 300);
}

TEST_CASE("uniform() is in [0,1), uniform_pos() in (0,1], both with mean 1/2") {
  Rng rng(10);
  double s = 0, sp = 0;
  bool in_range = true;
  const int n = 1'000'000;
  for (int i = 0; i < n; ++i) {
    const double u = rng.uniform(), p = rng.uniform_pos();
    in_range = in_range && u >= 0 && u < 1 && p > 0 && p <= 1;
    s += u;
    sp += p;
  }
  CHECK(in_range);
  const double se = std::sqrt(1.0 / 12 / n);
  CHECK(std::fabs(s / n - 0.5) < 5 * se);
  CHECK(std::fabs(sp / n - 0.5) < 5 * se);
  // The extremes of the 53-bit grid.
  Rng zero = with_state(0, 0, 0, 0);  // the all-zero state only ever yields 0
  CHECK(zero.uniform() == 0.0);
  CHECK(zero.uniform_pos() == 0x1.0p-53);
}

TEST_CASE("first_output and first_uniform are the first draws of a generator so seeded") {
  for (std::uint64_t seed : {std::uint64_t{0}, std::uint64_t{1}, std::uint64_t{0x9e3779b97f4a7c15ULL}, ~std::uint64_t{0}}) {
    CHECK(Rng::first_output(seed) == Rng(seed).next());
    CHECK(Rng::first_uniform(seed) == Rng(seed).uniform());
  }
  Rng seeds(5);
  bool same = true;
  for (int i = 0; i < 10000; ++i) {
    const std::uint64_t seed = seeds.next();
    same = same && Rng::first_output(seed) == Rng(seed).next() && Rng::first_uniform(seed) == Rng(seed).uniform();
  }
  CHECK(same);
}
