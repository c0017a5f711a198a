// Server pool: the kubelet's restart back-off, CrashLoopBackOff (models/server/pool/server_pool.h).
//
// Follows the kubelet: pkg/kubelet/kuberuntime/kuberuntime_manager.go (doBackOff) over
// k8s.io/client-go/util/flowcontrol/backoff.go (Backoff: Next, IsInBackOffSince, hasExpired),
// created in pkg/kubelet/kubelet.go with 10 s and MaxContainerBackOff 300 s, no jitter; and
// the pod lifecycle page ("Container restart policy"). A container killed (liveness or startup
// probe, OOM kill, crash) is restarted:
//  - at once the first time: the kubelet has no back-off entry for it yet, so it is not in
//    back-off, and starting it creates the entry with `initial`;
//  - after each later kill, only once `initial`, then twice that, ... up to `max` has passed
//    since the kill: 0, 10, 20, 40, 80, 160, 300, 300 s with the defaults. While it waits the
//    container is in CrashLoopBackOff (the pod's waiting reason);
//  - the entry is dropped (the next kill is a first one again) when the kill comes more than
//    `reset_after` after the container's last start: the pod lifecycle page's "executed for
//    10 minutes without any problems" (flowcontrol's hasExpired: 2 x max = 10 min).
// The settings are those KEP-4603 ("Tune CrashLoopBackoff") makes settable per node
// (maxContainerRestartPeriod; its reduced curve starts at 1 s with a 60 s cap).
// Simplifications: the restart comes exactly when the back-off ends (the kubelet's pod worker
// notices it at its next sync); `restart_time` (creating the container again) is added after.
#pragma once
#include <algorithm>
#include <cstdint>

#include "scenario/params.h"
#include "sim/time.h"

namespace archsim {

struct RestartBackoff {
  bool enabled = true;
  Time initial = 10 * kSecond, max = 5 * kMinute, reset_after = 10 * kMinute;

  // The wait before restarting a container killed at `now` that last started at `started`,
  // `loops` being its restarts in the loop so far (0: none, the next restart is at once);
  // counts this restart into `loops`.
  Time next(std::uint32_t& loops, Time started, Time now) const {
    if (!enabled) return 0;
    if (loops > 0 && now - started > reset_after) loops = 0;  // ran long enough: a first kill again
    const std::uint32_t before = loops;
    if (loops < UINT32_MAX) ++loops;
    if (before == 0) return 0;
    Time wait = initial;
    for (std::uint32_t k = 1; k < before && wait < max; ++k) wait *= 2;  // doubling, no overflow past max
    return std::min(wait, max);
  }

  // "restart_backoff" of a component: absent or true (Kubernetes' defaults), false (restart
  // at once, every time), or {"initial", "max", "reset_after"}; a one-line error at the field
  // otherwise.
  static RestartBackoff read(Params& p);
};

// What the back-off did over the run, for the pool's figures (restart_backoff.cpp).
struct RestartBackoffFigures {
  std::uint64_t restarts = 0;   // restarts after a kill (probe, OOM, crash), at once or after a wait
  std::uint64_t delayed = 0;    // of them, those that waited a back-off
  Time waited = 0;              // instance-time spent in CrashLoopBackOff, waits ended
  Time longest = 0;             // the longest back-off begun
  std::uint32_t waiting = 0;    // instances in CrashLoopBackOff now
};

}  // namespace archsim
