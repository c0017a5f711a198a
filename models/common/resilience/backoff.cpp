#include "models/common/resilience/backoff.h"

#include <algorithm>
#include <cstring>

namespace archsim::resilience {

std::optional<Jitter> jitter_from_string(const char* name) {
  if (name == nullptr) return std::nullopt;
  if (std::strcmp(name, "none") == 0) return Jitter::kNone;
  if (std::strcmp(name, "full") == 0) return Jitter::kFull;
  if (std::strcmp(name, "equal") == 0) return Jitter::kEqual;
  if (std::strcmp(name, "decorrelated") == 0) return Jitter::kDecorrelated;
  return std::nullopt;
}

const char* to_string(Jitter j) {
  switch (j) {
    case Jitter::kNone: return "none";
    case Jitter::kFull: return "full";
    case Jitter::kEqual: return "equal";
    case Jitter::kDecorrelated: return "decorrelated";
  }
  return "?";
}

std::optional<ParamError> BackoffParams::check() const {
  if (base < 0) return ParamError{"base", "must not be negative"};
  if (max < base) return ParamError{"max", "must be at least base"};
  return std::nullopt;
}

Time random_between(Rng& rng, Time lo, Time hi) {
  const auto span = static_cast<std::uint64_t>(hi) - static_cast<std::uint64_t>(lo);
  if (span == UINT64_MAX) return static_cast<Time>(rng.next());  // whole int64 range
  return lo + static_cast<Time>(rng.below(span + 1));
}

Time Backoff::ceiling(int attempt) const {
  const int a = std::max(attempt, 0);
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
