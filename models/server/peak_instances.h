// The most instances a replicated component will run, as its description and the
// autoscalers that resize it tell before the run: for what a callee keeps per calling
// instance (a local cache's copy in each pod), charged in the memory estimate.
//
// The larger of its replicas at t = 0 and every autoscaler's max_replicas on it.
// Simplification: a rollout's surge (max_surge, or a blue-green deployment's second set)
// starts instances beyond that for a while; they are not counted.
#pragma once
#include <algorithm>
#include <cstdint>

#include "scenario/build.h"
#include "scenario/describe.h"

namespace archsim {

inline std::uint32_t peak_instances(const ConnectContext& cc, std::uint32_t component) {
  Description own;
  cc.component(component).describe(own);
  std::uint32_t peak = std::max<std::uint32_t>(1, own.replicas);
  for (const std::uint32_t i : cc.callers(component)) {  // an autoscaler references its target
    Description d;
    cc.component(i).describe(d);
    if (d.scales && cc.target_index(d.scaled) == component) peak = std::max(peak, d.max_replicas);
  }
  return peak;
}

}  // namespace archsim
