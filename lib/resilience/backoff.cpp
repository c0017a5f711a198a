#include "lib/resilience/backoff.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace archsim::resilience {

std::optional<Jitter> jitter_from_string(const char* name) {
  if (name == nullptr) return std::nullopt;
  if (std::strcmp(name, "none") == 0) return Jitter::kNone;
  if (std::strcmp(name, "full") == 0) return Jitter::kFull;
  if (std::strcmp(name, "equal") == 0) return Jitter::kEqual;
  if (std::strcmp(name, "decorrelated") == 0) return Jitter::kDecorrelated;
  if (std::strcmp(name, "randomized") == 0) return Jitter::kRandomized;
  return std::nullopt;
}

const char* to_string(Jitter j) {
  switch (j) {
    case Jitter::kNone: return "none";
    case Jitter::kFull: return "full";
    case Jitter::kEqual: return "equal";
    case Jitter::kDecorrelated: return "decorrelated";
    case Jitter::kRandomized: return "randomized";
  }
  return "?";
}

std::optional<ParamError> BackoffParams::check() const {
  if (base < 0) return ParamError{"base", "must not be negative"};
  if (max < base) return ParamError{"max", "must be at least base"};
  if (!(multiplier >= 1.0 && multiplier <= 100.0)) return ParamError{"multiplier", "must be between 1 and 100"};
  if (!(randomization_factor >= 0.0 && randomization_factor <= 1.0))
    return ParamError{"randomization_factor", "must be between 0 and 1"};
  return std::nullopt;
}

Time random_between(Rng& rng, Time lo, Time hi) {
  const auto span = static_cast<std::uint64_t>(hi) - static_cast<std::uint64_t>(lo);
  if (span == UINT64_MAX) return static_cast<Time>(rng.next());  // whole int64 range
  return lo + static_cast<Time>(rng.below(span + 1));
}

Time Backoff::ceiling(int attempt) const {
  const int a = std::max(attempt, 0);
  if (p_.multiplier != 2.0) {
    double t = static_cast<double>(p_.base);
    const auto cap = static_cast<double>(p_.max);
    for (int k = 0; k < a && t < cap; ++k) t *= p_.multiplier;
    return t >= cap ? p_.max : static_cast<Time>(std::llround(t));
  }
  // base * 2^a > cap  <=>  base > floor(cap / 2^a), for integers: no overflow either way.
  if (a >= 63 || p_.base > (p_.max >> a)) return p_.max;
  return p_.base << a;
}

Time Backoff::delay(int attempt, Rng& rng, Time& prev) const {
  switch (p_.jitter) {
    case Jitter::kNone:
      return ceiling(attempt);
    case Jitter::kFull:
      return random_between(rng, 0, ceiling(attempt));
    case Jitter::kEqual: {
      const Time t = ceiling(attempt);
      const Time half = t / 2;
      return half + random_between(rng, 0, t - half);
    }
    case Jitter::kRandomized: {
      const Time t = ceiling(attempt);
      const auto delta = static_cast<Time>(std::llround(p_.randomization_factor * static_cast<double>(t)));
      return random_between(rng, t - delta, t > kTimeMax - delta ? kTimeMax : t + delta);
    }
    case Jitter::kDecorrelated: {
      const Time last = prev > 0 ? prev : p_.base;
      const Time hi = last > kTimeMax / 3 ? kTimeMax : last * 3;
      const Time d = std::min(p_.max, random_between(rng, p_.base, std::max(hi, p_.base)));
      prev = d;
      return d;
    }
  }
  return 0;
}

}  // namespace archsim::resilience
