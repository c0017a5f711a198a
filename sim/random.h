// Random streams. One well-defined generator (xoshiro256**, Blackman & Vigna), seeded
// through splitmix64, with our own conversions to doubles: the same seed gives the same
// numbers with every compiler and standard library (std::*_distribution does not).
//
// Every component draws from its own stream, derived from (run seed, component id), so
// adding a component leaves the others' draws unchanged (ns-3's creation-order streams do
// not). Cost: a draw is a handful of shifts and one multiply; a Rng is 32 bytes.
#pragma once
#include <cstdint>
#include <string_view>

namespace archsim {

inline constexpr std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// Mixes two 64-bit values into one well-spread value (used to derive stream seeds).
inline constexpr std::uint64_t mix64(std::uint64_t a, std::uint64_t b) {
  std::uint64_t s = a ^ (b * 0x9e3779b97f4a7c15ULL);
  splitmix64(s);
  return splitmix64(s);
}

// FNV-1a over the bytes of a name: stable across platforms, used to seed by component id.
inline constexpr std::uint64_t hash_name(std::string_view name) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (char c : name) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
  }
  return h;
}

class Rng {
 public:
  Rng() : Rng(0) {}
  explicit Rng(std::uint64_t seed) { reseed(seed); }
  // The stream of component `name` in a run seeded with `run_seed`; `purpose` separates
  // independent streams of one component (arrivals vs. keys, say).
  static Rng stream(std::uint64_t run_seed, std::string_view name, std::uint64_t purpose = 0) {
    return Rng(mix64(mix64(run_seed, hash_name(name)), purpose));
  }

  void reseed(std::uint64_t seed) {
    std::uint64_t sm = seed;
    for (auto& w : s_) w = splitmix64(sm);
  }

  // What Rng(seed).next() returns, without seeding the other three words: the first output
  // reads only the second one. For keyed draws, where a generator is built per draw and most
  // draws need one number (Context::keyed_seed); the same bits as building it.
  static std::uint64_t first_output(std::uint64_t seed) {
    std::uint64_t sm = seed + 0x9e3779b97f4a7c15ULL;  // reseed's state after the first word
    return scramble(splitmix64(sm));
  }
  // What Rng(seed).uniform() returns.
  static double first_uniform(std::uint64_t seed) { return to_unit(first_output(seed)); }

  std::uint64_t next() {
    const std::uint64_t result = scramble(s_[1]);
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }

  // Uniform in [0, 1) with 53 random bits.
  double uniform() { return to_unit(next()); }
  // Uniform in (0, 1]: safe to take the logarithm of.
  double uniform_pos() { return static_cast<double>((next() >> 11) + 1) * 0x1.0p-53; }
  // Uniform integer in [0, n), n > 0, by Lemire's multiply-shift (bias < n / 2^64).
  std::uint64_t below(std::uint64_t n) {
    __extension__ using u128 = unsigned __int128;
    return static_cast<std::uint64_t>((static_cast<u128>(next()) * n) >> 64);
  }

 private:
  static constexpr std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  // xoshiro256**'s output function of its second state word.
  static constexpr std::uint64_t scramble(std::uint64_t s1) { return rotl(s1 * 5, 7) * 9; }
  // The top 53 bits as a double in [0, 1).
  static constexpr double to_unit(std::uint64_t x) { return static_cast<double>(x >> 11) * 0x1.0p-53; }
  std::uint64_t s_[4];
};

}  // namespace archsim
