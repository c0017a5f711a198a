// Redis Sentinel's failure detection, reduced to the time from a primary's crash to its
// objective down state (src/sentinel.c: sentinelSendPeriodicCommands pings every monitored
// instance once a second; sentinelCheckSubjectivelyDown flags it SDOWN when its oldest
// unanswered ping is older than down-after-milliseconds; sentinelCheckObjectivelyDown turns
// SDOWN into ODOWN once `quorum` sentinels report it; a leader then elected by a majority of
// the sentinels promotes a replica: sentinelSelectSlave, SLAVEOF NO ONE).
//
// Each sentinel's pings run with its own phase u in [0, 1 s): its first ping left unanswered
// leaves u after the crash, so it flags SDOWN at crash + u + down_after; ODOWN is the
// quorum-th earliest of those. Simplifications: sentinels never fail and their votes are
// immediate (so the majority they need for the leader election is always there); the
// 100 ms sentinel timer tick, the INFO refresh and the replica selection by priority and
// replication offset are folded into one `promotion_time` the caller adds.
// Cost: O(sentinels) at a crash; no allocation.
#pragma once
#include <algorithm>
#include <cstdint>

#include "sim/random.h"
#include "sim/time.h"

namespace archsim::cache {

inline constexpr std::uint32_t kMaxSentinels = 64;
inline constexpr Time kSentinelPingPeriod = kSecond;  // SENTINEL_PING_PERIOD

// Time from the crash to ODOWN; 1 <= quorum <= sentinels <= kMaxSentinels.
inline Time odown_delay(std::uint32_t sentinels, std::uint32_t quorum, Time down_after, Rng& rng) {
  Time t[kMaxSentinels];
  for (std::uint32_t i = 0; i < sentinels; ++i)
    t[i] = static_cast<Time>(rng.uniform() * static_cast<double>(kSentinelPingPeriod)) + down_after;
  std::nth_element(t, t + (quorum - 1), t + sentinels);
  return t[quorum - 1];
}

}  // namespace archsim::cache
