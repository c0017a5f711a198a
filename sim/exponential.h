// Standard exponential variates by the ziggurat method (Marsaglia & Tsang 2000, "The
// ziggurat method for generating random variables", 256 layers), about four times cheaper
// than -log(u): 98.9% of draws are one 64-bit draw, a table load, a compare and a multiply;
// the rest fall to the exact wedge or tail test.
//
// One 64-bit draw gives both the layer (its low 8 bits) and the abscissa (its high 53 bits),
// disjoint bits, so the layer and the value are independent (Marsaglia and Tsang's 32-bit
// original shares bits between them). The tables are computed once, in double precision, by
// their recurrence; the results are the same on every platform that has IEEE doubles and a
// correctly rounded exp/log (glibc's are), which the distribution tests check by moments.
#pragma once
#include <cstdint>

#include "sim/random.h"

namespace archsim {

namespace detail {
struct ExpZiggurat {
  std::uint64_t k[256];  // acceptance thresholds on the 53-bit abscissa
  double w[256];         // abscissa scale per layer
  double f[256];         // exp(-x) at each layer's edge
  ExpZiggurat();
};
// The tables, a namespace-scope object built before any ordinary static object of the
// program (init_priority, exponential.cpp), so that a draw reads them directly: a function-
// local static tested its guard on every draw.
extern const ExpZiggurat exp_ziggurat_tables;
inline const ExpZiggurat& exp_ziggurat() { return exp_ziggurat_tables; }
double exp_ziggurat_slow(Rng& rng, std::uint64_t u);
}  // namespace detail

namespace detail {
// The ziggurat's fast path for the random bits `u` (98.9% of draws): true with `x` set, or
// false when the draw needs exp_ziggurat_slow.
inline bool exp_ziggurat_fast(std::uint64_t u, double& x) {
  const ExpZiggurat& z = exp_ziggurat_tables;
  const unsigned i = static_cast<unsigned>(u & 255);
  const std::uint64_t j = u >> 11;
  if (j >= z.k[i]) return false;
  x = static_cast<double>(j) * z.w[i];
  return true;
}
}  // namespace detail

// Exp(1): mean 1. Multiply by the mean for any other.
// Always inlined: its fast path is a few instructions, and GCC's inlining limits otherwise
// make it a call in any caller that has grown large.
[[gnu::always_inline]] inline double standard_exponential(Rng& rng) {
  const std::uint64_t u = rng.next();
  double x;
  if (detail::exp_ziggurat_fast(u, x)) return x;
  return detail::exp_ziggurat_slow(rng, u);
}

// What standard_exponential(Rng(seed)) returns, building the generator only when the draw
// leaves the fast path (1.1%): the fast path reads one number, Rng::first_output.
inline double standard_exponential_keyed(std::uint64_t seed) {
  const std::uint64_t u = Rng::first_output(seed);
  double x;
  if (detail::exp_ziggurat_fast(u, x)) return x;
  Rng rng(seed);
  rng.next();  // u
  return detail::exp_ziggurat_slow(rng, u);
}

}  // namespace archsim
