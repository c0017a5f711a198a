// Deployments of a server pool: new versions rolled out as a Kubernetes Deployment does, with
// an automatic rollback rule as Argo Rollouts / Flagger analyses apply one. The types here are
// the pool's configuration, read once from the component's "deployment" and "rollouts"
// (rollout.cpp); the controller that plays them is part of the pool (server_pool.h).
//
// Follows:
//  - pkg/controller/deployment/util/deployment_util.go (ResolveFenceposts): maxSurge and
//    maxUnavailable are whole numbers or percentages of the desired replicas; a percentage of
//    surge rounds up, of unavailability down; when both come out 0, unavailability is 1.
//    Both given as 0 is invalid (the API server's validation), here a scenario error.
//  - pkg/controller/deployment/rolling.go (reconcileNewReplicaSet, reconcileOldReplicaSets,
//    cleanupUnhealthyReplicas, scaleDownOldReplicaSetsForRollingUpdate) and
//    deployment_util.go (NewRSNewReplicas): the new version is scaled up while the total stays
//    within replicas + maxSurge; old instances are removed (unhealthy ones first) while the
//    ready count stays at or above replicas - maxUnavailable. Each sync does the scale-up or,
//    when there is none, the scale-down; the controller syncs again at once after a change,
//    and after every readiness change (the informers' events).
//  - pkg/controller/deployment/recreate.go: Recreate scales the old versions to zero, waits
//    until none of their pods is left (terminating ones included), then creates the new one.
//  - Argo Rollouts' BlueGreen strategy (rollout/bluegreen.go, the active and preview
//    services): the new version's full set is started beside the old one and gets no traffic
//    (preview); once every new instance is ready (after `switch_delay`, Argo's
//    autoPromotionSeconds, or at a rollout's manual `switch_at`), the active service's selector
//    moves to it: all traffic at once. The old set is kept without traffic for
//    `scale_down_delay` (scaleDownDelaySeconds, default 30 s), so that a rollback is a switch
//    back, then removed. A rollback switches back at once while the old set is still there.
//  - Argo Rollouts AnalysisRun with failureLimit 0 / Flagger's metric checks: every `window`
//    from the rollout's start, the new version's responses of that window are measured (error
//    ratio, or p99 latency); the first window whose measure exceeds `threshold` aborts the
//    rollout and rolls back to the previous version (a rollout to it, with the same strategy).
//
// Simplifications (blue-green): the preview service is not modelled (the new set gets no
// traffic before the switch); the switch itself is instantaneous for the pool (with a
// discovery lag, callers learn it late, discovery.cpp).
// Simplifications: a version differs from the previous one only by a work-time factor and an
// error rate; minReadySeconds and progressDeadlineSeconds are not modelled (ready = available);
// analysis runs only while the rollout is in progress (Argo's background analysis ends with
// it); an autoscaler that rescales during a rollout resizes the pool as outside one, and the
// rollout aims at the new count.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "models/server/pool/version_index.h"
#include "sim/histogram.h"
#include "scenario/params.h"
#include "sim/metrics.h"
#include "sim/time.h"

namespace archsim {

// A Kubernetes IntOrString of maxSurge / maxUnavailable / minAvailable.
struct IntOrPercent {
  std::int64_t value = 0;
  bool percent = false;
  // The count out of `total`: a percentage rounds up or down (intstr.GetScaledValueFromIntOrPercent).
  std::int64_t scaled(std::int64_t total, bool round_up) const {
    if (!percent) return value;
    const std::int64_t p = value * total;
    return round_up ? (p + 99) / 100 : p / 100;
  }
  bool zero() const { return value == 0; }
};

// A whole number from 0 to 1e6 or a percentage "0%".."100%" at `key` of `p` (def when absent);
// a scenario error naming the key otherwise.
IntOrPercent read_int_or_percent(Params& p, std::string_view key, IntOrPercent def);

// What a version changes: its work takes `work_factor` times as long, `error_rate` of its
// requests fail with 5xx at once (a bad canary).
struct PodVersion {
  std::string name;
  double work_factor = 1, error_rate = 0;
};

struct RollbackRule {
  enum Metric : std::uint8_t { ErrorRate, LatencyP99 } metric = ErrorRate;
  double threshold = 0;           // ratio (error_rate) or nanoseconds (latency_p99)
  Time window = 0;                // measurement period and span
  std::uint64_t min_requests = 1; // a window with fewer of the new version's responses is no measurement
};

struct Rollout {
  Time at = 0;
  Time switch_at = -1;            // blue_green: a manual switch no earlier than this (-1: none)
  std::uint16_t version = 0;      // index into DeploymentSpec::versions
  bool has_rule = false;
  RollbackRule rule;
  std::string pointer;            // JSON location, for messages
};

struct DeploymentSpec {
  enum Strategy : std::uint8_t { Rolling, Recreate, BlueGreen } strategy = Rolling;
  IntOrPercent max_surge{25, true}, max_unavailable{25, true};  // Kubernetes' defaults
  Time switch_delay = 0, scale_down_delay = 30 * kSecond;      // blue_green (Argo's defaults)
  std::vector<PodVersion> versions;  // [0] the version the run starts with
  std::vector<Rollout> rollouts;     // by time
};

// What one rollout did, for the report (times are absolute; -1 when it did not happen).
struct RolloutRecord {
  Time started = -1, completed = -1, rolled_back = -1, rollback_completed = -1;
  Time green_ready = -1, switched = -1;  // blue_green: the new set all ready; the traffic switch
  std::int64_t surge = 0, unavailable = 0, desired = 0;  // resolved at the start
  std::uint32_t min_ready = 0, max_replicas = 0, max_instances = 0;
  Time zero_ready = 0;             // time with no ready instance while it ran
  double measured = 0;             // the measure that fired the rollback
  struct Step {
    Time at;
    std::uint32_t new_ready, old_ready;
  };
  std::vector<Step> steps;         // each change of the ready counts while it ran (capped)
};

// The deployment controller's state inside a server pool (ServerPool::deploy_).
struct PoolDeployment {
  DeploymentSpec spec;
  std::uint16_t target = 0;        // the version the pool converges to
  std::uint16_t stable = 0;        // the last version fully rolled out (what a rollback returns to)
  std::int64_t desired = 0;        // the Deployment's replicas
  std::int64_t surge = 0, unavailable = 0;  // resolved for `desired` at the rollout's start
  bool in_progress = false, syncing = false, rolling_back = false;
  // blue_green: traffic is on the target's set; a switch is scheduled; the old set may go.
  bool switched = false, switch_pending = false, scale_down_due = false;
  std::uint32_t switch_gen = 0;    // invalidates the pending switch / scale-down timers
  std::uint32_t current = 0;       // index of the rollout in progress (or the last one)
  std::vector<RolloutRecord> records;  // per rollout
  Time zero_since = -1;            // while no instance is ready during a rollout
  // Analysis of the current window: the new version's responses.
  std::uint64_t window_ok = 0, window_errors = 0;
  Histogram window_latency;
  CounterId ok_c, errors_c;
  GaugeId new_ready_g;
  VersionIndex index;  // the instances by version (version_index.h), kept by the pool
};

}  // namespace archsim
