#include "sim/exponential.h"

#include <cmath>

namespace archsim::detail {

namespace {
constexpr double kR = 7.69711747013104972;       // start of the tail (the base layer's edge)
constexpr double kV = 3.949659822581572e-3;      // area of each layer
constexpr double kM = 9007199254740992.0;        // 2^53: abscissas are 53-bit integers
}  // namespace

ExpZiggurat::ExpZiggurat() {
  double de = kR, te = kR;
  const double q = kV / std::exp(-de);
  k[0] = static_cast<std::uint64_t>((de / q) * kM);
  k[1] = 0;
  w[0] = q / kM;
  w[255] = de / kM;
  f[0] = 1.0;
  f[255] = std::exp(-de);
  for (int i = 254; i >= 1; --i) {
    de = -std::log(kV / de + std::exp(-de));
    k[i + 1] = static_cast<std::uint64_t>((de / te) * kM);
    te = de;
    f[i] = std::exp(-de);
    w[i] = de / kM;
  }
}

// 101: the first priority open to programs (GCC and clang run lower numbers first, and every
// object without one after them), so no other static object's initializer can draw from
// tables not yet built.
[[gnu::init_priority(101)]] const ExpZiggurat exp_ziggurat_tables;

double exp_ziggurat_slow(Rng& rng, std::uint64_t u) {
  const ExpZiggurat& z = exp_ziggurat();
  for (;;) {
    const unsigned i = static_cast<unsigned>(u & 255);
    const std::uint64_t j = u >> 11;
    if (j < z.k[i]) return static_cast<double>(j) * z.w[i];
    if (i == 0) return kR - std::log(rng.uniform_pos());  // the tail: memoryless beyond kR
    const double x = static_cast<double>(j) * z.w[i];
    if (z.f[i] + rng.uniform() * (z.f[i - 1] - z.f[i]) < std::exp(-x)) return x;
    u = rng.next();
  }
}

}  // namespace archsim::detail
