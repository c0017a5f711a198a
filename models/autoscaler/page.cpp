// What the page shows of an autoscaler and of a Vertical Pod Autoscaler (sim/page_section.h),
// in the page's "Autoscaling" section: the metric a horizontal one steers by against its
// target, as `kubectl describe hpa` shows it, and a VPA's recommendation between its bounds
// against what the pods ask for and use, as `kubectl describe vpa` and the metrics show.
#include "models/autoscaler/autoscaler.h"
#include "models/autoscaler/vpa.h"

namespace archsim::autoscaler {

namespace {
PageSection& in_autoscaling(PageSection& page) {
  return page.in_section("autoscaling", "Autoscaling",
                         "What each autoscaler read and decided over time, with the same time axis and marks as the charts above; "
                         "scale events are marked on every time chart.");
}
}  // namespace

void declare_page(PageSection& page) {
  in_autoscaling(page)
      .panel("Metric against its target", "metric per replica", {"/^metric_/", "/^target_/"},
             "What each metric read at the syncs, per ready replica, and the target it steers to. Above the target it asks "
             "for more replicas (desired = ceil(replicas x metric / target)), below it fewer, within its tolerance, "
             "policies and stabilization window.")
      .panel("Replicas desired", "replicas", {"desired_replicas", "forecast_replicas"},
             "What it asked its target for at each sync (and, when predictive, what the forecast asked).")
      .varies()
      .panel("Instance speed", "speed", {"speed"}, "Resizing up or down: the speed of the instance type it runs on.")
      .varies();
  page.headline("scale_events", "scale events")
      .headline("scale_ups", "ups")
      .headline("scale_downs", "downs")
      .headline("peak_desired_replicas", "peak desired", "", true)
      .headline("resizes", "resizes");
}

void declare_vpa_page(PageSection& page) {
  in_autoscaling(page)
      .panel("CPU per pod: recommendation, request and usage", "cores per pod",
             {"target_cpu", "lower_bound_cpu", "upper_bound_cpu", "request_cpu", "usage_cpu"},
             "The CPU the VPA recommends (target) between its lower and upper bounds, the request the Ready pods run "
             "with, and what they used since the last sync. In Recreate mode a pod whose request falls outside the "
             "bounds is evicted and comes back with the target: the request steps to it. The bounds narrow as the "
             "history grows.");
  page.headline("target_cpu", "target (cores)")
      .headline("request_cpu", "request (cores)", "", true)
      .headline("evictions", "evictions", "", true)
      .headline("evictions_refused", "evictions refused");
}

}  // namespace archsim::autoscaler
