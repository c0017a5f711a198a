// Server pool (models/server/pool/server_pool.h): its timer tags. Kept apart because they are
// fixed numbers an owner must know (which tags to forward, which it may use itself), not
// part of what the pool does; ServerPool derives from PoolTimers, so they read ServerPool::kReady.
#pragma once
#include <cstdint>

namespace archsim {

struct PoolTimers {
  // The owner forwards tags for which owns_timer() holds to ServerPool::on_timer() (an owner
  // on PoolDriven, pool_driven.h, through pool_timer()). They are the numbers the service
  // used before the pool was taken out of it (run fingerprints hash timer tags), so they are
  // fixed: the pool takes the block [0, kTagBlock) of its component's own tags from the
  // BuildContext (sim/continuation.h) before any other part asks (read() and configure()
  // check it), and the owner's other parts take their blocks after it. Tags 2..5 are the
  // first ones; 7.. are the deployment controller's, the drains', the probes' and the
  // discovery lag's, scheduled only when the component uses them. Inside the block the pool
  // never schedules kLeftToOwner: the service's two work timers keep those numbers
  // (models/service), from before there was a pool. The block is larger than the pool's last
  // tag so that a new pool timer takes a free number below kTagBlock and no owner's tag moves.
  enum Tag : std::uint16_t { kReady = 2, kGraceOver, kRestart, kMemoryTick };
  enum RolloutTag : std::uint16_t {
    kRolloutBegin = 7, kAnalysis, kEvictRetry, kProbe, kProbeCheck, kEndpointSync,
    kReadinessProbe, kReadinessCheck, kStartupProbe, kSwitch, kScaleDown, kGcEnd, kLastTag = kGcEnd
  };
  static constexpr bool owns_timer(std::uint16_t tag) {
    return (tag >= kReady && tag <= kMemoryTick) || (tag >= kRolloutBegin && tag <= kLastTag);
  }
  static constexpr std::uint16_t kTagBlock = 32;
  static constexpr std::uint16_t kLeftToOwner[2] = {1, kMemoryTick + 1};
};

static_assert(PoolTimers::kTagBlock > PoolTimers::kLastTag, "the pool's timer tags run past its block");
static_assert(!PoolTimers::owns_timer(PoolTimers::kLeftToOwner[0]) && !PoolTimers::owns_timer(PoolTimers::kLeftToOwner[1]),
              "a tag the pool leaves to its owner is the pool's");

}  // namespace archsim
