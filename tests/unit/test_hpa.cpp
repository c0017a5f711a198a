// The HPA algorithm against Kubernetes' own numbers: the replica calculator cases of
// pkg/controller/podautoscaler/replica_calculator_test.go (same pods, levels, requests of
// 1000m and targets; the expected counts are theirs), the scaling-policy example of the
// "Horizontal Pod Autoscaling" docs page, and hand-computed runs of horizontal.go's
// stabilization and rate limits. The arithmetic is in the comments.
#include <doctest/doctest.h>

#include <vector>

#include "models/autoscaler/hpa_algorithm.h"

using namespace archsim;
using Type = MetricObservation::Type;

namespace {

PodSample ok(double v) { return PodSample{v, true}; }
PodSample missing() { return PodSample{std::nullopt, true}; }
PodSample unready(double v = 0) { return PodSample{v, false}; }

MetricObservation per_pod(Type type, double target, std::vector<PodSample> pods) {
  MetricObservation m;
  m.type = type;
  m.target = target;
  m.pods = std::move(pods);
  return m;
}

MetricObservation total(Type type, double target, double value, std::vector<PodSample> pods) {
  MetricObservation m = per_pod(type, target, std::move(pods));
  m.value = value;
  return m;
}

std::vector<PodSample> same(int n, double v) { return std::vector<PodSample>(n, ok(v)); }

int calc(const MetricObservation& m, int current) {
  const MetricProposal p = propose_replicas(m, current, HpaTolerances{});
  REQUIRE(p.valid);
  return p.replicas;
}

// A metric that asks for exactly `wanted` replicas whatever the current count (outside the
// tolerance band): a total of `wanted` against a per-replica target of 1 (KEDA-style).
MetricObservation demand(int wanted, int current) {
  return total(Type::TotalAverageValue, 1.0, wanted, same(current, 0));
}

int sync(HpaController& hpa, Time t, int current, int wanted) {
  const MetricObservation m = demand(wanted, current);
  return hpa.reconcile(t, current, std::span<const MetricObservation>(&m, 1)).replicas;
}

HpaSpec spec_with(int min, int max, std::optional<HpaBehavior> behavior) {
  HpaSpec s;
  s.min_replicas = min;
  s.max_replicas = max;
  s.behavior = std::move(behavior);
  return s;
}

HpaRules rules(std::vector<HpaPolicy> policies, HpaRules::Select select, Time window = 0) {
  HpaRules r;
  r.policies = std::move(policies);
  r.select = select;
  r.stabilization_window = window;
  return r;
}

constexpr Time s15 = 15 * kSecond;
constexpr HpaPolicy::Type Pods = HpaPolicy::Type::Pods;
constexpr HpaPolicy::Type Percent = HpaPolicy::Type::Percent;

}  // namespace

TEST_CASE("tolerance: no change within 10% of the target") {
  // 4 pods at 105 rps, target 100: ratio 1.05, |1.05 - 1| <= 0.1 -> stay at 4
  // (plain ceil(1.05 x 4) = ceil(4.2) would give 5).
  CHECK(calc(per_pod(Type::AverageValue, 100, same(4, 105)), 4) == 4);
  // 20 pods at 95: ratio 0.95 -> stay at 20 (ceil(19.0) would give 19).
  CHECK(calc(per_pod(Type::AverageValue, 100, same(20, 95)), 20) == 20);
  // Exactly 1.1 is still inside the band (<=): 10 pods at 110 -> 10.
  CHECK(calc(per_pod(Type::AverageValue, 100, same(10, 110)), 10) == 10);
  // 1.11 is outside: ceil(1.11 x 10) = ceil(11.1) = 12.
  CHECK(calc(per_pod(Type::AverageValue, 100, same(10, 111)), 10) == 12);
  // TestReplicaCalcToleranceCM: qps 20, 21, 21 (mean 20.666), target 20: ratio 1.033 -> 3.
  CHECK(calc(per_pod(Type::AverageValue, 20, {ok(20), ok(21), ok(21)}), 3) == 3);
}

TEST_CASE("per-direction tolerance (behavior.scale_up.tolerance, Kubernetes 1.33)") {
  // 10 pods at 108, target 100: ratio 1.08. Default 0.1 tolerance: no change.
  // With an up tolerance of 0.05: 1.08 > 1.05 -> ceil(10.8) = 11.
  HpaTolerances tight;
  tight.up = 0.05;
  const auto m = per_pod(Type::AverageValue, 100, same(10, 108));
  CHECK(propose_replicas(m, 10, HpaTolerances{}).replicas == 10);
  CHECK(propose_replicas(m, 10, tight).replicas == 11);
}

TEST_CASE("ceil rounding: ratio 1.5 on 3 replicas gives 5") {
  // 3 pods at 150 rps, target 100: ratio 1.5, ceil(1.5 x 3) = ceil(4.5) = 5.
  CHECK(calc(per_pod(Type::AverageValue, 100, same(3, 150)), 3) == 5);
  // TestReplicaCalcScaleUp: cpu 300m, 500m, 700m of 1000m, target 30%:
  // utilization (1500 x 100) / 3000 = 50%, ratio 50/30 = 1.667, ceil(1.667 x 3) = 5.
  CHECK(calc(per_pod(Type::Utilization, 0.30, {ok(0.3), ok(0.5), ok(0.7)}), 3) == 5);
  // TestReplicaCalcScaleDown: 100, 300, 500, 250, 250 m, target 50%:
  // (1400 x 100) / 5000 = 28%, ratio 0.56, ceil(0.56 x 5) = ceil(2.8) = 3.
  CHECK(calc(per_pod(Type::Utilization, 0.50,
                     {ok(0.1), ok(0.3), ok(0.5), ok(0.25), ok(0.25)}), 5) == 3);
  // TestReplicaCalcScaleUpCM: qps 20, 10, 30, target 15: mean 20, ratio 1.333 -> ceil(4.0) = 4.
  CHECK(calc(per_pod(Type::AverageValue, 15, {ok(20), ok(10), ok(30)}), 3) == 4);
  // TestReplicaCalcScaleDownCM: 5 x qps 12, target 20: ratio 0.6 -> 3.
  CHECK(calc(per_pod(Type::AverageValue, 20, same(5, 12)), 5) == 3);
}

TEST_CASE("unready pods are ignored, and count as 0% on the way up") {
  // TestReplicaCalcScaleUpUnreadyLessScale: [unready, 500m, 700m], target 30%.
  // Ready pods: 1200 x 100 / 2000 = 60%, ratio 2.0 > 1 -> unready pod counted at 0:
  // 1200 x 100 / 3000 = 40%, ratio 1.333, ceil(1.333 x 3) = 4. Taking the unready pod's own
  // 300m instead would give 50%, ratio 1.667 -> 5.
  CHECK(calc(per_pod(Type::Utilization, 0.30, {unready(0.3), ok(0.5), ok(0.7)}), 3) == 4);
  // TestReplicaCalcScaleUpUnreadyNoScale: [400m, unready, unready], target 30%.
  // 40%, ratio 1.333 -> with two 0% pods: 400 x 100 / 3000 = 13%, ratio 0.433 < 1:
  // the direction flips, so no change: 3.
  CHECK(calc(per_pod(Type::Utilization, 0.30, {ok(0.4), unready(0.5), unready(0.7)}), 3) == 3);
  // TestReplicaCalcScaleDownIncludeUnreadyPods: [100, 300, 500, unready, unready], target 50%.
  // 900 x 100 / 3000 = 30%, ratio 0.6: scale-down leaves unready pods out: ceil(0.6 x 3) = 2.
  CHECK(calc(per_pod(Type::Utilization, 0.50,
                     {ok(0.1), ok(0.3), ok(0.5), unready(0.25), unready(0.25)}), 5) == 2);
  // TestReplicaCalcScaleDownExcludeUnscheduledPods: one running pod at 100m, four pending:
  // 10%, ratio 0.2, ceil(0.2 x 1) = 1.
  CHECK(calc(per_pod(Type::Utilization, 0.50,
                     {ok(0.1), unready(), unready(), unready(), unready()}), 5) == 1);
  // TestReplicaCalcScaleUpCMExternalIgnoresUnreadyPods: an external total of 8.6 against a
  // total target of 4.4 (ratio 1.9545) is multiplied by the READY pods only:
  // ceil(1.9545 x 1) = 2 (6 if the two unready pods counted).
  CHECK(calc(total(Type::Value, 4.4, 8.6, {unready(), ok(0), unready()}), 3) == 2);
}

TEST_CASE("missing metrics: 0% when scaling up, 100% when scaling down") {
  // TestReplicaCalcMissingMetrics: 4 pods, samples 400m and 95m, 2 missing, target 100%.
  // 495 x 100 / 2000 = 24%, ratio 0.24 < 1 -> missing pods at 100% of request:
  // (495 + 2000) x 100 / 4000 = 62%, ratio 0.62, ceil(0.62 x 4) = ceil(2.48) = 3.
  CHECK(calc(per_pod(Type::Utilization, 1.0, {ok(0.4), ok(0.095), missing(), missing()}), 4) ==
        3);
  // TestReplicaCalcMissingMetricsNoChangeGt: [1900m, missing], target 100%: ratio 1.9 ->
  // missing at 0%: 1900 x 100 / 2000 = 95%, ratio 0.95 within tolerance -> 2.
  CHECK(calc(per_pod(Type::Utilization, 1.0, {ok(1.9), missing()}), 2) == 2);
  // TestReplicaCalcMissingMetricsNoChangeLt: [600m, missing]: 0.6 -> missing at 100%:
  // 1600 x 100 / 2000 = 80%, ratio 0.8, ceil(1.6) = 2 -> 2.
  CHECK(calc(per_pod(Type::Utilization, 1.0, {ok(0.6), missing()}), 2) == 2);
  // TestReplicaCalcMissingMetricsUnreadyChange: [unready, 450m, missing], target 50%.
  // 45%, ratio 0.9 < 1 -> missing at 100%: 1450 x 100 / 2000 = 72%, ratio 1.44 > 1:
  // the direction flips -> 3.
  CHECK(calc(per_pod(Type::Utilization, 0.5, {unready(0.1), ok(0.45), missing()}), 3) == 3);
  // TestReplicaCalcMissingMetricsUnreadyScaleUp: [unready, 2000m, missing], target 50%.
  // 200%, ratio 4 -> missing and unready at 0: 2000 x 100 / 3000 = 66%, ratio 1.32,
  // ceil(1.32 x 3) = ceil(3.96) = 4.
  CHECK(calc(per_pod(Type::Utilization, 0.5, {unready(0.1), ok(2.0), missing()}), 3) == 4);
  // TestReplicaCalcMissingMetricsUnreadyScaleDown: [unready, 100m, 100m, missing], target 50%.
  // 10%, ratio 0.2 -> missing at 100%: 1200 x 100 / 3000 = 40%, ratio 0.8, ceil(2.4) = 3.
  CHECK(calc(per_pod(Type::Utilization, 0.5, {unready(0.1), ok(0.1), ok(0.1), missing()}), 4) ==
        3);
  // A per-pod gauge: missing pods are taken at exactly the target on the way down.
  // [20, missing], target 50: ratio 0.4 -> (20 + 50) / 2 = 35, ratio 0.7, ceil(1.4) = 2 -> 2.
  CHECK(calc(per_pod(Type::AverageValue, 50, {ok(20), missing()}), 2) == 2);
}

TEST_CASE("totals: Value and per-replica AverageValue targets") {
  // TestReplicaCalcScaleDownCMObject: object metric 12 against 20, 5 ready pods:
  // ratio 0.6, ceil(0.6 x 5) = 3.
  CHECK(calc(total(Type::Value, 20, 12, same(5, 0)), 5) == 3);
  // TestReplicaCalcScaleUpPerPodCMExternal: total 8.6, 2.15 per replica, 3 pods:
  // ratio 8.6 / (2.15 x 3) = 1.333 -> ceil(8.6 / 2.15) = 4.
  CHECK(calc(total(Type::TotalAverageValue, 2.15, 8.6, same(3, 0)), 3) == 4);
  // TestReplicaCalcScaleDownPerPodCMExternal: 8.6, 2.867 per replica, 5 pods:
  // ratio 0.6 -> ceil(8600 / 2867) = ceil(2.9997) = 3.
  CHECK(calc(total(Type::TotalAverageValue, 2.867, 8.6, same(5, 0)), 5) == 3);
  // TestReplicaCalcTolerancePerPodCMExternal: 8.6, 2.9 per replica, 3 pods: ratio 0.9885 -> 3.
  CHECK(calc(total(Type::TotalAverageValue, 2.9, 8.6, same(3, 0)), 3) == 3);
}

TEST_CASE("a metric with no usable sample is invalid") {
  CHECK_FALSE(propose_replicas(per_pod(Type::Utilization, 0.5, {unready(0.9), missing()}), 2,
                               HpaTolerances{}).valid);
  CHECK_FALSE(propose_replicas(per_pod(Type::AverageValue, 5, {}), 2, HpaTolerances{}).valid);
}

TEST_CASE("several metrics: the largest proposal wins; an invalid one blocks scale-down") {
  HpaController hpa(spec_with(1, 100, std::nullopt));
  // cpu: 4 pods at 87.5%, target 70%: 87%, ratio 1.243, ceil(4.97) = 5.
  // rps: 4 pods at 175, target 100: ratio 1.75, ceil(7.0) = 7. The larger, 7, wins
  // (within the legacy limit max(2 x 4, 4) = 8).
  std::vector<MetricObservation> ms = {per_pod(Type::Utilization, 0.7, same(4, 0.875)),
                                       per_pod(Type::AverageValue, 100, same(4, 175))};
  HpaDecision d = hpa.reconcile(0, 4, ms);
  CHECK(d.metric_proposal == 7);
  CHECK(d.replicas == 7);

  // cpu: 7 pods at 21% of a 70% target, ratio 0.3 -> ceil(2.1) = 3; rps has no sample:
  // computeReplicasForMetrics refuses to scale down on partial information.
  HpaController hpa2(spec_with(1, 100, default_behavior()));
  ms = {per_pod(Type::Utilization, 0.7, same(7, 0.21)),
        per_pod(Type::AverageValue, 100, std::vector<PodSample>(7, missing()))};
  d = hpa2.reconcile(0, 7, ms);
  CHECK(d.reason == HpaReason::InvalidMetrics);
  CHECK(d.replicas == 7);
  // ...but scales up on what it has: cpu at 140% of a 70% target -> ceil(2 x 7) = 14.
  ms[0] = per_pod(Type::Utilization, 0.7, same(7, 1.4));
  d = hpa2.reconcile(15 * kSecond, 7, ms);
  CHECK(d.metric_proposal == 14);
  CHECK(d.replicas == 14);  // default policies at 7: max(7 + 4, 7 x 2) = 14
}

TEST_CASE("no behavior: the controller's legacy limit, 2 -> 4 -> 8 -> 16, and 1 -> 4") {
  // An HPA without spec.behavior goes through normalizeDesiredReplicas: at most
  // max(2 x current, 4) replicas per sync, whatever the metrics ask (here 100).
  HpaController hpa(spec_with(1, 100, std::nullopt));
  CHECK(sync(hpa, 0, 2, 100) == 4);          // max(4, 4)
  CHECK(sync(hpa, s15, 4, 100) == 8);        // max(8, 4)
  CHECK(sync(hpa, 2 * s15, 8, 100) == 16);   // max(16, 4)
  HpaController one(spec_with(1, 100, std::nullopt));
  CHECK(sync(one, 0, 1, 100) == 4);          // the 4-pod minimum step: max(2, 4)
}

TEST_CASE("default behavior: Pods 4 or Percent 100 per 15 s, whichever adds more") {
  HpaController hpa(spec_with(1, 100, default_behavior()));
  // t=0: period start 1: Pods 1 + 4 = 5, Percent ceil(1 x 2) = 2 -> Max 5.
  CHECK(sync(hpa, 0, 1, 100) == 5);
  // t=15: the +4 event at t=0 is not newer than 15 s ago, so the period starts at 5:
  // Pods 9, Percent 10 -> 10.
  CHECK(sync(hpa, s15, 5, 100) == 10);
  CHECK(sync(hpa, 2 * s15, 10, 100) == 20);   // Pods 14, Percent 20
  CHECK(sync(hpa, 3 * s15, 20, 100) == 40);

  // From 2, the 4-pod policy wins: max(2 + 4, 2 x 2) = 6, then max(10, 12) = 12.
  HpaController two(spec_with(1, 100, default_behavior()));
  CHECK(sync(two, 0, 2, 100) == 6);
  CHECK(sync(two, s15, 6, 100) == 12);

  // A 5 s sync: the +4 of t=0 still counts at t=5 and t=10 (period start 5 - 4 = 1, limit
  // 5 = current), and expires at t=15.
  HpaController fast(spec_with(1, 100, default_behavior()));
  CHECK(sync(fast, 0, 1, 100) == 5);
  CHECK(sync(fast, 5 * kSecond, 5, 100) == 5);
  CHECK(sync(fast, 10 * kSecond, 5, 100) == 5);
  CHECK(sync(fast, 15 * kSecond, 5, 100) == 10);
}

TEST_CASE("Percent 100 per 15 s alone doubles: 2 -> 4 -> 8") {
  HpaBehavior b = default_behavior();
  b.scale_up = rules({{Percent, 100, s15}}, HpaRules::Select::Max);
  HpaController hpa(spec_with(1, 100, b));
  CHECK(sync(hpa, 0, 2, 100) == 4);        // ceil(2 x 2)
  CHECK(sync(hpa, s15, 4, 100) == 8);
  CHECK(sync(hpa, 2 * s15, 8, 100) == 16);
}

TEST_CASE("scale-down waits for the 300 s stabilization window") {
  HpaController hpa(spec_with(1, 20, default_behavior()));
  // Load is steady at 10 replicas for t = 0..60 s, then drops: the metrics ask for 2 from
  // t = 75 s. The highest recommendation within (now - 300 s, now] is 10 until the last
  // one (t = 60) leaves the window: at t = 360 its timestamp equals the cutoff, which
  // no longer counts (strictly newer only).
  for (Time t = 0; t <= 60 * kSecond; t += s15) CHECK(sync(hpa, t, 10, 10) == 10);
  for (Time t = 75 * kSecond; t <= 345 * kSecond; t += s15) CHECK(sync(hpa, t, 10, 2) == 10);
  // t = 360: stabilized 2; Percent 100 per 15 s allows trunc(10 x 0) = 0, min 1 -> 2.
  CHECK(sync(hpa, 360 * kSecond, 10, 2) == 2);

  // A fresh HPA counts the size it found as a recommendation (recordInitialRecommendation):
  // low load from the first sync still waits a full window.
  HpaController fresh(spec_with(1, 20, default_behavior()));
  CHECK(sync(fresh, 0, 10, 2) == 10);
  CHECK(sync(fresh, 285 * kSecond, 10, 2) == 10);
  CHECK(sync(fresh, 300 * kSecond, 10, 2) == 2);
}

TEST_CASE("no behavior: the legacy 5-minute window counts a recommendation at its edge") {
  // stabilizeRecommendation drops only recommendations older than the cutoff, so the t=60
  // recommendation still holds at t=360 and the scale-down comes one sync later.
  HpaController hpa(spec_with(1, 20, std::nullopt));
  for (Time t = 0; t <= 60 * kSecond; t += s15) sync(hpa, t, 10, 10);
  for (Time t = 75 * kSecond; t <= 360 * kSecond; t += s15) CHECK(sync(hpa, t, 10, 2) == 10);
  CHECK(sync(hpa, 375 * kSecond, 10, 2) == 2);
}

TEST_CASE("scale-up stabilization: the lowest recommendation of the window") {
  HpaBehavior b = default_behavior();
  b.scale_up.stabilization_window = 60 * kSecond;
  HpaController hpa(spec_with(1, 100, b));
  // Initial recommendation 4 at t=0 keeps the up-limit at 4 (no scale-up) until t=60.
  CHECK(sync(hpa, 0, 4, 8) == 4);
  CHECK(sync(hpa, 45 * kSecond, 4, 8) == 4);
  // t=60: the t=0 entries have left (cutoff 0, strictly newer only); lowest of 8, 8 is 8.
  CHECK(sync(hpa, 60 * kSecond, 4, 8) == 8);
}

TEST_CASE("min and max clamp the result") {
  HpaController hpa(spec_with(2, 10, default_behavior()));
  // The metrics ask 50 from 4: rate limit first (max(8, 8) = 8 < 10), then max.
  HpaDecision d;
  {
    const MetricObservation m = demand(50, 4);
    d = hpa.reconcile(0, 4, std::span<const MetricObservation>(&m, 1));
  }
  CHECK(d.replicas == 8);
  CHECK(d.reason == HpaReason::ScaleUpLimit);
  {
    const MetricObservation m = demand(50, 8);
    d = hpa.reconcile(s15, 8, std::span<const MetricObservation>(&m, 1));
  }
  CHECK(d.replicas == 10);
  CHECK(d.reason == HpaReason::TooManyReplicas);

  // Scale-down below min, no window: 5 -> asks 1 -> 2.
  HpaBehavior quick = default_behavior();
  quick.scale_down.stabilization_window = 0;
  HpaController low(spec_with(2, 10, quick));
  {
    const MetricObservation m = demand(1, 5);
    d = low.reconcile(0, 5, std::span<const MetricObservation>(&m, 1));
  }
  CHECK(d.replicas == 2);
  CHECK(d.reason == HpaReason::TooFewReplicas);

  // A target outside [min, max] is brought back without looking at the metrics.
  HpaController c(spec_with(2, 10, default_behavior()));
  CHECK(sync(c, 0, 15, 15) == 10);
  CHECK(sync(c, s15, 1, 1) == 2);
  // Legacy path clamps the same way.
  HpaController legacy(spec_with(2, 10, std::nullopt));
  CHECK(sync(legacy, 0, 3, 1) == 3);  // window: the initial 3 holds
  CHECK(sync(legacy, 0, 12, 12) == 10);
}

TEST_CASE("zero replicas: scaling is disabled unless min_replicas is 0") {
  HpaController hpa(spec_with(1, 10, default_behavior()));
  const MetricObservation m = total(Type::Value, 1.0, 5.0, {});
  const HpaDecision d = hpa.reconcile(0, 0, std::span<const MetricObservation>(&m, 1));
  CHECK(d.replicas == 0);
  CHECK(d.reason == HpaReason::ScalingDisabled);

  // min 0 (HPAScaleToZero): a total of 3.5 against 1 wakes it: ceil(3.5) = 4, within the
  // legacy limit max(0, 4) = 4.
  HpaController wake(spec_with(0, 10, std::nullopt));
  const MetricObservation v = total(Type::Value, 1.0, 3.5, {});
  CHECK(wake.reconcile(0, 0, std::span<const MetricObservation>(&v, 1)).replicas == 4);
}

TEST_CASE("selectPolicy Min picks the smaller change, Disabled forbids the direction") {
  HpaBehavior b = default_behavior();
  b.scale_up = rules({{Pods, 4, 60 * kSecond}, {Percent, 100, 60 * kSecond}},
                     HpaRules::Select::Min);
  b.scale_down = rules({{Pods, 4, 60 * kSecond}, {Percent, 10, 60 * kSecond}},
                       HpaRules::Select::Min);
  HpaController hpa(spec_with(1, 200, b));
  // Up from 10: Pods 14, Percent 20 -> Min 14.
  CHECK(sync(hpa, 0, 10, 100) == 14);
  // Down from 80 (a new controller, no history): Pods 76, Percent trunc(80 x 0.9) = 72 ->
  // the smaller change keeps 76.
  HpaController down(spec_with(1, 200, b));
  CHECK(sync(down, 0, 80, 1) == 76);

  HpaBehavior off = default_behavior();
  off.scale_down = rules({{Percent, 100, s15}}, HpaRules::Select::Disabled);
  HpaController no_down(spec_with(1, 100, off));
  HpaDecision d;
  {
    const MetricObservation m = demand(2, 10);
    d = no_down.reconcile(0, 10, std::span<const MetricObservation>(&m, 1));
  }
  CHECK(d.replicas == 10);
  CHECK(d.reason == HpaReason::ScaleDownLimit);
  CHECK(sync(no_down, s15, 10, 30) == 20);  // scale-up still works: max(14, 20)
}

TEST_CASE("docs example: Pods 4 and Percent 10 per 60 s on the way down") {
  // From the HPA docs: with both policies and selectPolicy Max, 80 replicas first lose
  // 10% = 8 (more than 4) -> 72; the next period 72 x 0.9 = 64.8, truncated to 64.
  HpaBehavior b = default_behavior();
  b.scale_down = rules({{Pods, 4, 60 * kSecond}, {Percent, 10, 60 * kSecond}},
                       HpaRules::Select::Max);
  HpaController hpa(spec_with(1, 100, b));
  CHECK(sync(hpa, 0, 80, 1) == 72);
  for (Time t = s15; t < 60 * kSecond; t += s15) CHECK(sync(hpa, t, 72, 1) == 72);
  CHECK(sync(hpa, 60 * kSecond, 72, 1) == 64);  // Pods 68, Percent 64 -> Max change
  // Below 40 the Pods policy removes more: 30 -> Pods 26, Percent 27 -> 26.
  HpaController small(spec_with(1, 100, b));
  CHECK(sync(small, 0, 30, 1) == 26);
}

TEST_CASE("Percent 50 per 60 s: period start counts replicas added within the period") {
  HpaBehavior b = default_behavior();
  b.scale_up = rules({{Percent, 50, 60 * kSecond}}, HpaRules::Select::Max);
  HpaController hpa(spec_with(1, 100, b));
  CHECK(sync(hpa, 0, 4, 100) == 6);                     // ceil(4 x 1.5)
  for (Time t = s15; t < 60 * kSecond; t += s15)
    CHECK(sync(hpa, t, 6, 100) == 6);                   // start 6 - 2 = 4 -> limit 6
  CHECK(sync(hpa, 60 * kSecond, 6, 100) == 9);          // +2 expired: ceil(6 x 1.5)
  CHECK(sync(hpa, 120 * kSecond, 9, 100) == 14);        // ceil(13.5)
}

TEST_CASE("validate_hpa_spec names the field") {
  HpaSpec s = spec_with(5, 3, std::nullopt);
  CHECK(validate_hpa_spec(s) == "min_replicas must be <= max_replicas");
  s = spec_with(1, 3, default_behavior());
  CHECK(validate_hpa_spec(s).empty());
  s.behavior->scale_up.policies[1].period = 0;
  CHECK(validate_hpa_spec(s) == "behavior.scale_up.policies[1].period must be in (0s, 30m]");
}

// groupPods' CPU rule, against the CPU cases of replica_calculator_test.go's TestGroupPods
// (its testing flags: a 2-minute CPU initialization period and a 10 s initial readiness
// delay; times relative to its time.Now()). The expected sets are theirs.
TEST_CASE("cpu_sample_unready follows groupPods' CPU cases") {
  const CpuReadinessRule rule{2 * kMinute, 10 * kSecond};
  const Time now = kHour;
  auto pod = [&](bool ready, Time started_ago, Time changed_ago, Time sample_ago, Time window) {
    PodReadiness p;
    p.ready = ready;
    p.started = now - started_ago;
    p.transition = now - changed_ago;
    p.sample_at = now - sample_ago;
    p.window = window;
    return p;
  };
  SUBCASE("no Ready condition: unready") {
    PodReadiness p = pod(true, 0, 0, 0, 0);
    p.has_ready_condition = false;
    CHECK(cpu_sample_unready(p, now, rule));
  }
  SUBCASE("ready 30 s ago, a 30 s window collected since: counted") {
    CHECK_FALSE(cpu_sample_unready(pod(true, kMinute, 30 * kSecond, 0, 30 * kSecond), now, rule));
  }
  SUBCASE("ready 30 s ago, a 60 s window reaching before it: unready") {
    CHECK(cpu_sample_unready(pod(true, kMinute, 30 * kSecond, 0, kMinute), now, rule));
  }
  SUBCASE("not ready, started 10 m ago, never ready (changed 6 s after the start): unready") {
    CHECK(cpu_sample_unready(pod(false, 10 * kMinute, 9 * kMinute + 54 * kSecond, 0, 0), now, rule));
  }
  SUBCASE("ready for 3 m, after the initialization period, an old sample: counted") {
    CHECK_FALSE(cpu_sample_unready(pod(true, 3 * kMinute, 3 * kMinute, 2 * kMinute, kMinute), now, rule));
  }
  SUBCASE("not ready, was ready (changed 1 m after the start), after the period: counted") {
    CHECK_FALSE(cpu_sample_unready(pod(false, 10 * kMinute, 9 * kMinute, 0, 0), now, rule));
  }
  SUBCASE("not ready, changed exactly the readiness delay after the start: counted (strict After)") {
    CHECK_FALSE(cpu_sample_unready(pod(false, 10 * kMinute, 9 * kMinute + 50 * kSecond, 0, 0), now, rule));
  }
  SUBCASE("not ready inside the initialization period: unready whatever its sample") {
    CHECK(cpu_sample_unready(pod(false, kMinute, 5 * kSecond, 0, 0), now, rule));
  }
  SUBCASE("the initialization period ends strictly after the start plus the period") {
    // started exactly 2 m ago: start + period is not after now, so the period is over and a
    // sample reaching before the readiness change still counts.
    CHECK_FALSE(cpu_sample_unready(pod(true, 2 * kMinute, 10 * kSecond, 0, kMinute), now, rule));
    CHECK(cpu_sample_unready(pod(true, 2 * kMinute - 1, 10 * kSecond, 0, kMinute), now, rule));
  }
}
