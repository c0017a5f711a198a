// Autoscaler: the Kubernetes HorizontalPodAutoscaler (autoscaling/v2) driving one service,
// with KEDA-style custom metrics, CronHPA-style scheduled minimums, a predictive mode, and
// a vertical mode that changes the service's instance type by a rolling update.
//
// Sources read: kubernetes.io "Horizontal Pod Autoscaling" (algorithm details, behavior,
// defaults) and kube-controller-manager pkg/controller/podautoscaler (replica_calculator.go,
// horizontal.go), which models/autoscaler/hpa_algorithm.h implements decision for decision;
// keda.sh "Cron" scaler; Kubernetes VPA updater ("Recreate": evict and re-create with the
// new size) and Deployment RollingUpdate (maxSurge / maxUnavailable) for the vertical mode.
//
// Horizontal mode (default), every `sync_period` (15 s, --horizontal-pod-autoscaler-sync-
// period) from t = sync_period on:
//   1. reads Scalable::instance_stats (models/contracts/capabilities.h): every
//      non-terminating instance is a pod;
//      for cpu, which pods are unready is groupPods' rule (hpa_algorithm.h,
//      cpu_sample_unready): inside `cpu_initialization_period` (5 m) of its launch a pod is
//      unready while not ready and until one whole sync window has passed since it became
//      ready; after it, only a pod never ready within `initial_readiness_delay` (30 s) of its
//      launch is. For the other metrics a starting or restarting instance is unready. An
//      unready pod's sample is ignored and it is counted as the controller counts them;
//   2. turns the cumulative figures into per-pod samples over the window since the last
//      sync (metrics-server's window is the sync period here; cpu over the whole window,
//      the other rates over the part since the pod became ready):
//        cpu           Utilization  cpu_area difference / (concurrency x dt)   (of the pod's CPU request:
//                      resources.requests.cpu, else its cores, else all workers)
//        memory        Utilization  memory_mb / memory.limit_mb                (needs limit_mb)
//                      memory_mb is the pod's working set, as metrics-server reads it from
//                      cAdvisor: base, requests held (waiting on calls too) and leaked memory
//        utilization   Utilization  held workers (incl. waiting on calls) / concurrency
//        rps           AverageValue requests answered per second per pod
//        queue_length  AverageValue requests waiting in the pod's accept queue (now)
//        busy_workers  AverageValue mean workers held over the window
//        in_flight     AverageValue requests held or queued by the pod (now)
//      These are the names accepted as custom metrics (KEDA's Prometheus-style per-pod
//      gauges), each read from the target's own instances; anything else is rejected with
//      a suggestion. A pod with no elapsed window (dt = 0) has a missing sample.
//   3. HpaController::reconcile (largest proposal wins; tolerance 0.1), then scale_to().
//   With no "behavior", the controller's legacy path runs, as real Kubernetes does for an HPA
//   created without spec.behavior (the API server fills in the documented default policies
//   only when a behavior is given): at most max(2 x current, 4) replicas per sync and a
//   300 s scale-down stabilization window, i.e. 2 -> 4 -> 8 per 15 s with a 4-pod minimum
//   step. Hence behavior = std::nullopt when the scenario gives none. With a "behavior",
//   missing directions and fields take the API server's defaults.
// Scheduled scaling: "schedule": [{"at": "9h", "min_replicas": 10}, ...] raises (or lowers
// back) the minimum from `at` on, as CronHPA patches spec.minReplicas; "schedule_period"
// (e.g. "24h") repeats it. Below the minimum the controller jumps straight to it (BelowMin).
// Predictive: "predictive": {"horizon", "method": "holt"|"linear", "history"} keeps the total
// demand of the first metric (sum over ready pods) each sync, forecasts it `horizon` ahead
// (Holt's linear trend, or a least-squares line over `history` solved with Eigen) and adds
// it as one more metric (a total against the per-pod target, as KEDA's External
// AverageValue): the largest of the reactive and forecast proposals wins.
//
// Vertical mode ("mode": "vertical"): "sizes" [{"instance_type", "speed"}] from small to
// large; "speed" may be left out for a type of the scenario's "instance_types" catalogue. When mean CPU utilization of ready pods stays above `scale_up_above` (or below
// `scale_down_below`) for `window`, and `cooldown` has passed since the last change, the
// service moves one size up (down): set_instance_type(), then a rolling update, one instance
// at a time (surge one of the new size, retire one old when it is ready). Price follows the
// type through the catalogue's price_per_hour or cost.prices_per_hour.
//
// Simplifications: one metric source (the target's own instances, no metrics pipeline lag
// beyond the sync window); the HPA does not pause during a vertical rollout; the vertical
// mode resizes whole instances (a VM type change), not containers' requests, and has no
// recommender histogram: that is the Vertical Pod Autoscaler's ("type": "vpa", vpa.h).
#pragma once
#include <memory>

#include "scenario/build.h"
#include "sim/page_section.h"

namespace archsim {

std::unique_ptr<Component> make_autoscaler(Params& p, BuildContext& bc);

namespace autoscaler {
// What the page shows of an autoscaler (page.cpp), declared at its end of run.
void declare_page(PageSection& page);
}  // namespace autoscaler

}  // namespace archsim
