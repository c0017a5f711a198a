// The Kubernetes HorizontalPodAutoscaler (autoscaling/v2) decision, as a pure library: no
// JSON, no engine. The `autoscaler` component feeds it what it observed once per sync
// period and applies the replica count it returns.
//
// Follows kube-controller-manager, pkg/controller/podautoscaler:
//   replica_calculator.go  GetResourceReplicas / calcPlainMetricReplicas (per-pod metrics:
//                          ready, unready and missing pods, the 0.1 tolerance, the second
//                          pass when pods are unready or missing), GetObjectMetricReplicas /
//                          GetExternalMetricReplicas (a total, Value target) and
//                          GetExternalPerPodMetricReplicas (a total, AverageValue target);
//   horizontal.go          reconcileAutoscaler (0 replicas disables scaling, min/max first),
//                          computeReplicasForMetrics (largest proposal wins; invalid metrics
//                          block a scale-down), stabilizeRecommendationWithBehaviors,
//                          convertDesiredReplicasWithBehaviorRate with
//                          calculateScale{Up,Down}Limit* and the scale-event history, and,
//                          when no behavior is given, the legacy normalizeDesiredReplicas
//                          (max recommendation over --horizontal-pod-autoscaler-downscale-
//                          stabilization, 5 min; at most max(2 x current, 4) per sync);
//   apis/autoscaling/v2 defaults: scale up {Pods 4 / 15 s, Percent 100 / 15 s, Max, 0 s},
//                          scale down {Percent 100 / 15 s, Max, 300 s}; k8s 1.33
//                          per-direction tolerance (HPAScalingRules.tolerance).
//
// Arithmetic is the controller's: metric values become milli-units (int64) as the metrics
// API serves them; utilization is an integer percent of the request, truncated
// ((sum * 100) / requests); averages are truncated integer milli-units; replicas are
// ceil(ratio x pods); Percent policies round up when adding and truncate when removing.
// Same IEEE doubles, same expressions, so hand-computed Kubernetes cases match exactly.
//
// Where it simplifies:
// - Every pod has the same request, so a Utilization sample is a fraction of it (0.7 = 70%)
//   and the utilization target is stored as a whole percent, as the API's int32 is.
// - Pod state is one flag in a PodSample. ready == false stands for every pod the controller
//   puts in its "unready" set. For CPU the component decides it with cpu_sample_unready below,
//   groupPods' rule for pods in their initialization period; for other metrics a pod that is
//   not ready is unready (groupPods would count a Running, not-Ready pod with a sample as
//   ready for memory or custom metrics; archsim's starting instances serve no traffic and
//   report nothing worth averaging). Terminating or failed pods are left out of `pods`
//   altogether, as groupPods ignores them.
// - One HpaController serves one target; time is the caller's `now`, not a wall clock.
// - Metric fetch failures other than "no usable sample" do not exist here.
//
// Cost: reconcile is O(pods x metrics + history); history holds at most the recommendations
// of one stabilization window and the scale events of the longest policy period (about
// window / sync_period entries). It allocates only when that history grows.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "sim/time.h"

namespace archsim {

struct HpaPolicy {
  enum class Type : unsigned char { Pods, Percent };
  Type type = Type::Pods;
  int value = 0;       // pods, or percent of the replicas at the start of the period; > 0
  Time period = 0;     // (0, 30 min], as the API validates
};

// One direction of spec.behavior (HPAScalingRules).
struct HpaRules {
  enum class Select : unsigned char { Max, Min, Disabled };
  Time stabilization_window = 0;       // [0, 1 h]
  std::vector<HpaPolicy> policies;
  Select select = Select::Max;
  std::optional<double> tolerance;     // overrides HpaSpec::tolerance in this direction
};

struct HpaBehavior {
  HpaRules scale_up;
  HpaRules scale_down;
};

// The API server's defaults (GenerateHPAScaleUpRules / GenerateHPAScaleDownRules), used
// when a behavior is given but one direction, or a field of it, is not.
HpaRules default_scale_up_rules();                                  // Pods 4/15s, Percent 100/15s, Max, 0s
HpaRules default_scale_down_rules(Time window = 300 * kSecond);     // Percent 100/15s, Max, 300s
HpaBehavior default_behavior();

struct HpaSpec {
  int min_replicas = 1;   // >= 0; 0 only makes sense with Value / TotalAverageValue metrics
  int max_replicas = 1;   // >= max(1, min_replicas)
  // Absent: the controller's legacy path, which is what Kubernetes runs for an HPA created
  // without spec.behavior (see header). Present: the behavior path.
  std::optional<HpaBehavior> behavior;
  double tolerance = 0.1;                              // --horizontal-pod-autoscaler-tolerance
  Time downscale_stabilization = 300 * kSecond;        // legacy path only
};

// "" when the spec is usable, else a one-line reason naming the field
// ("behavior.scale_up.policies[1].period must be in (0s, 30m]").
std::string validate_hpa_spec(const HpaSpec& spec);

// One pod of the scale target as one metric saw it.
struct PodSample {
  std::optional<double> value;   // per-pod metric; nullopt = missing sample
  bool ready = true;             // false: unready (see header), its value is ignored
};

// groupPods' rule for a CPU sample (replica_calculator.go): the CPU a pod uses while it
// starts (JIT warm-up, caches filling) says little about its steady load, so the controller
// ignores the samples it cannot trust, as kube-controller-manager's two flags say.
struct CpuReadinessRule {
  Time cpu_initialization_period = 5 * kMinute;   // --horizontal-pod-autoscaler-cpu-initialization-period
  Time initial_readiness_delay = 30 * kSecond;    // --horizontal-pod-autoscaler-initial-readiness-delay
};

// What groupPods reads of one pod and its CPU metric.
struct PodReadiness {
  bool has_ready_condition = true;  // false: no Ready condition or no start time yet
  bool ready = true;                // the Ready condition's status
  Time started = 0;                 // status.startTime (kept across container restarts)
  Time transition = 0;              // the Ready condition's lastTransitionTime
  Time sample_at = 0;               // the metric's timestamp (the end of its window)
  Time window = 0;                  // the time the metric's sample covers
};

// True when groupPods puts the pod in its unready set for a CPU metric at `now`:
// - no Ready condition (or start time): unready;
// - inside the initialization period (started + period after now): unready when not ready,
//   or when one whole window of samples has not been collected since readiness changed
//   (sample_at before transition + window);
// - after it: unready only when not ready and never ready since the start (the Ready
//   condition last changed within initial_readiness_delay of the start).
// Comparisons are strict as Go's time.After/Before are.
bool cpu_sample_unready(const PodReadiness& pod, Time now, CpuReadinessRule rule);

struct MetricObservation {
  enum class Type : unsigned char {
    Utilization,        // per-pod fraction of the request (cpu, memory); target in (0, 1+]
    AverageValue,       // per-pod value (rps per replica, queue length per replica, a gauge)
    Value,              // one total (`value`) against a total target (Object/External Value)
    TotalAverageValue,  // one total (`value`) against a per-replica target (External
                        // AverageValue: KEDA's queue scalers)
  };
  Type type = Type::Utilization;
  double target = 0;              // > 0
  std::vector<PodSample> pods;    // every non-terminating pod of the target
  double value = 0;               // the total, for Value and TotalAverageValue
};

struct HpaTolerances {
  double down = 0.1;
  double up = 0.1;
  bool within(double ratio) const { return (1.0 - down) <= ratio && ratio <= (1.0 + up); }
};

// One metric's proposal (the replica calculator). `valid` is false when the controller
// would report an error: no ready pod with a sample, or no pod at all.
struct MetricProposal {
  bool valid = false;
  int replicas = 0;
  double usage_ratio = 0;   // current / target before any correction for unready/missing
};
MetricProposal propose_replicas(const MetricObservation& metric, int current_replicas,
                                HpaTolerances tolerances);

// Why reconcile returned what it did, named after the controller's conditions.
enum class HpaReason : unsigned char {
  ScalingDisabled,      // current replicas are 0 and min_replicas is not
  AboveMax,             // current > max: set to max without looking at metrics
  BelowMin,             // current < min: set to min without looking at metrics
  InvalidMetrics,       // all metrics invalid, or some invalid and the rest say scale down
  DesiredWithinRange,   // the stabilized recommendation was applied as is
  ScaleUpLimit,         // clipped by the scale-up policies (or legacy 2x/4 limit)
  ScaleDownLimit,       // clipped by the scale-down policies
  TooManyReplicas,      // clipped to max_replicas
  TooFewReplicas,       // clipped to min_replicas
};
const char* to_string(HpaReason reason);

struct HpaDecision {
  int replicas = 0;          // the new desired replica count (== current when unchanged)
  int metric_proposal = -1;  // largest valid proposal; -1 when metrics were not consulted
  int stabilized = -1;       // after the stabilization window, before rate limits; -1 idem
  HpaReason reason = HpaReason::DesiredWithinRange;
  bool stabilization_held = false;  // the window changed the recommendation
};

class HpaController {
 public:
  explicit HpaController(HpaSpec spec);

  // One sync: what reconcileAutoscaler decides for `current_replicas` (the target's
  // spec.replicas) given the observations at `now`. Records the recommendation and, when
  // the count changes, the scale event, exactly as the controller does. Calls must come
  // with non-decreasing `now`.
  HpaDecision reconcile(Time now, int current_replicas,
                        std::span<const MetricObservation> metrics);

  const HpaSpec& spec() const { return spec_; }

 private:
  struct Recommendation { Time at; int replicas; };
  struct ScaleEvent { Time at; int change; bool outdated; };

  int normalize_with_behaviors(Time now, int current, int desired, HpaDecision& out);
  int normalize_legacy(Time now, int current, int desired, HpaDecision& out);
  long long scale_up_limit(Time now, int current) const;
  long long scale_down_limit(Time now, int current) const;
  void store_scale_event(Time now, int previous, int next);
  static long long change_in_period(const std::vector<ScaleEvent>& events, Time now,
                                    Time period);

  HpaSpec spec_;
  HpaTolerances tolerances_;
  std::vector<Recommendation> recommendations_;
  std::vector<ScaleEvent> scale_up_events_;
  std::vector<ScaleEvent> scale_down_events_;
};

}  // namespace archsim
