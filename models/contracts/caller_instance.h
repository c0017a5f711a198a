// Which instance of a replicated caller makes a call: what a service passes as
// Context::call's `from_instance` (sim/request.h) and what a callee keeping state per calling
// instance (a local, in-process cache: models/cache) reads back with Context::caller_instance.
//
// Packs the caller's server-pool slot (models/server/pool) with the life of the
// process in that slot: the life changes whenever the slot's process ends (a crash, an OOM
// kill, a liveness restart, a zone outage, a drain or scale-in, and a new instance reusing the
// slot), so that a callee can tell a restarted instance from the one it knew and start it
// cold. The life is kept modulo 4,096: a callee compares it for equality with the last one
// it saw from the slot, and 4,096 restarts of one slot between two of its calls do not happen.
#pragma once
#include <cstdint>

namespace archsim::caller_instance {

inline constexpr std::uint32_t kSlotBits = 20;  // up to 1,048,576 slots (the pool allows 100,000 replicas)
inline constexpr std::uint32_t kSlotMask = (1u << kSlotBits) - 1;

inline constexpr std::uint32_t pack(std::uint32_t slot, std::uint32_t life) {
  return (slot & kSlotMask) | (life << kSlotBits);
}
inline constexpr std::uint32_t slot(std::uint32_t packed) { return packed & kSlotMask; }
inline constexpr std::uint32_t life(std::uint32_t packed) { return packed >> kSlotBits; }

static_assert(slot(pack(5, 4095)) == 5 && life(pack(5, 4095)) == 4095);

}  // namespace archsim::caller_instance
