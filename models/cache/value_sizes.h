// The size of each key's value (`value_bytes`): one constant, or a distribution drawn once per
// key from the key alone (a generator seeded by the key), so a key keeps its size whenever it
// is stored again, on every node and in every cache with the same `value_bytes`, as a real
// object keeps its size. Memcached's slab sizes and Redis's memory figures come from such
// mixed sizes; `capacity_bytes` (maxmemory) then holds a number of keys that depends on which.
// Cost: of() is a compare for a constant; a seeded draw (one log/exp for lognormal) otherwise,
// only when a value is stored, not per lookup. No allocation.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>

#include "sim/distribution.h"
#include "sim/random.h"

namespace archsim::cache {

struct ValueSizes {
  static constexpr double kMax = 512.0 * 1024 * 1024;  // Redis's largest string (proto-max-bulk-len)
  std::uint32_t constant = 0;
  bool drawn = false;
  Distribution dist;

  std::uint32_t of(std::uint64_t key) const {
    if (!drawn) return constant;
    Rng rng(mix64(key, 0x76616c75655f7369ULL));
    const double b = std::round(dist.sample(rng));
    return static_cast<std::uint32_t>(std::clamp(b, 1.0, kMax));
  }
};

}  // namespace archsim::cache
