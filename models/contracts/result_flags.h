// What the flag bits of a reply's Result (sim/request.h) mean between families. A caller
// branches on them in a service route: {"call": ..., "on_miss": [...], "on_hit": [...],
// "on_not_found": [...], "on_found": [...]}. A family that needs another bit adds it here.
#pragma once
#include <cstdint>

namespace archsim::result_flags {

inline constexpr std::uint32_t kMiss = 1u << 0;      // a cache had no (fresh) value for the key
inline constexpr std::uint32_t kNotFound = 1u << 1;  // no such row / item, or a stock of zero
inline constexpr std::uint32_t kStale = 1u << 2;     // the value is older than the latest write
inline constexpr std::uint32_t kConflict = 1u << 3;  // an optimistic write lost its version check
// Set by the caller itself (not the callee) when a call failed and its step says
// "on_failure": "continue": the route goes on as if the reply were a miss / not found.
inline constexpr std::uint32_t kCallFailed = 1u << 31;

}  // namespace archsim::result_flags
