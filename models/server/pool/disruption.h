// Voluntary disruptions of a server pool: node drains and the PodDisruptionBudget that holds
// them. The types are the pool's configuration and records (disruption.cpp plays them).
//
// Follows:
//  - pkg/controller/disruption/disruption.go (getExpectedPodCount, getExpectedScale,
//    updatePdbStatus): the budget's desired healthy count is minAvailable, or the expected
//    count minus maxUnavailable; a percentage is of the expected count (the controller's
//    replicas), rounded up for both; disruptionsAllowed = currently healthy - desired healthy.
//  - pkg/registry/core/pod/storage/eviction.go: an eviction is granted while
//    disruptionsAllowed > 0 (an unready pod may go while healthy >= desired: the default
//    unhealthyPodEvictionPolicy IfHealthyBudget), else refused with 429.
//  - k8s.io/kubectl/pkg/drain (kubectl drain): every pod of the node is evicted, a refused
//    eviction is retried every 5 s until it is granted.
//  - the ReplicaSet controller: an evicted pod is replaced at once by a new one elsewhere.
//
// Simplifications: no nodes: a drain names how many of the component's instances its node
// holds (the oldest serving ones); the node is not uncordoned; no drain timeout.
#pragma once
#include <cstdint>
#include <vector>

#include "models/server/pool/rollout.h"
#include "sim/time.h"

namespace archsim {

struct DisruptionBudget {
  bool set = false;
  bool min_available = true;  // else max_unavailable
  IntOrPercent value;
  // The desired healthy count for `expected` instances.
  std::int64_t desired_healthy(std::int64_t expected) const {
    if (min_available) return value.scaled(expected, true);
    return expected - value.scaled(expected, true);
  }
};

struct DrainRecord {
  Time started = 0, completed = -1;
  std::uint32_t concerned = 0, evicted = 0, refused = 0;
  std::uint32_t min_ready = 0;
  std::int64_t desired_healthy = 0;  // at the start (0 without a budget)
};

struct PoolDisruption {
  DisruptionBudget budget;
  std::vector<DrainRecord> drains;
  std::uint32_t pending = 0;     // instances marked for eviction and not evicted yet
  bool retry_scheduled = false;
};

}  // namespace archsim
