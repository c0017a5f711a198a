// Autoscaler: building the component, its lifecycle and its end-of-run figures
// (models/autoscaler/autoscaler.h says what it follows and where it simplifies).
#include "models/autoscaler/autoscaler.h"

#include <algorithm>
#include <string>

#include "models/autoscaler/autoscaler_impl.h"
#include "scenario/describe.h"
#include "sim/results.h"

namespace archsim {

std::unique_ptr<Component> make_autoscaler(Params& p, BuildContext& bc) {
  return std::make_unique<autoscaler_internal::Autoscaler>(p, bc);
}

}  // namespace archsim

namespace archsim::autoscaler_internal {

Autoscaler::Autoscaler(Params& p, BuildContext& bc) : hpa_(HpaSpec{}) {
  id_ = bc.id();
  target_ = bc.reference(p, "target", RefKind::Control);
  vertical_ = p.choice("mode", "horizontal", {"horizontal", "vertical"}) == "vertical";
  // At least a second: metrics are scraped every 15 s or so, and each sync scans the
  // recommendations of one stabilization window (window / sync_period of them), so a
  // nanosecond period would cost a billion quadratic syncs per simulated second.
  sync_period_ = p.duration("sync_period", 15 * kSecond, 0, kDay);
  if (sync_period_ < kSecond) p.fail("sync_period", "must be at least 1s (Kubernetes' default is 15s)");
  Metrics& m = bc.metrics();
  if (vertical_) {
    read_vertical(p, bc);
    speed_g_ = m.gauge(id_, "speed", "speed");
    declare_figures(m);
    return;
  }
  read_horizontal(p);
  // Its target may run max_replicas instances, each with its connection pools.
  bc.scales_up_to(target_, static_cast<std::uint64_t>(max_), p.path("max_replicas"));
  desired_g_ = m.gauge(id_, "desired_replicas", "desired_replicas");
  if (predictive_) forecast_g_ = m.gauge(id_, "forecast_replicas", "forecast_replicas");
  // What each metric read at the last sync (per ready replica, as the HPA compares it) and
  // its target: the chart of the metric against the target that drives every decision.
  for (const MetricSpec& ms : metrics_) {
    observed_g_.push_back(m.gauge(id_, "metric_" + ms.name, "metric_" + ms.name));
    target_g_.push_back(m.gauge(id_, "target_" + ms.name, "target_" + ms.name));
  }
  declare_figures(m);
}

// The figures in summary.json, in order; finish() reports them.
void Autoscaler::declare_figures(Metrics& m) {
  figures_ = Figures(m, id_);
  Figures& f = figures_;
  f.held("syncs", syncs_);
  if (vertical_) {
    f.held("resizes", resizes_);
    f.value("speed", [this] { return sizes_[size_].speed; });
    return;
  }
  f.value("scale_events", [this] { return scale_ups_ + scale_downs_; });
  f.held("scale_ups", scale_ups_);
  f.held("scale_downs", scale_downs_);
  f.held("desired_replicas", last_desired_);
  f.held("peak_desired_replicas", peak_desired_);
  f.mean("mean_desired_replicas", desired_g_);
  f.held("stabilization_holds", holds_);
}

// For `archsim analyze` (scenario/describe.h): the horizontal mode may grow its target to
// max_replicas, the capacity analyze assumes at the peak.
void Autoscaler::describe(Description& d) const {
  if (vertical_) return;
  d.scales = true;
  d.scaled = target_;
  d.max_replicas = static_cast<std::uint32_t>(max_);
}

void Autoscaler::connect(ConnectContext& cc) {
  Component& t = cc.target(target_);
  const Capabilities caps = capabilities_of(t);
  scalable_ = caps.scalable;
  resizable_ = caps.resizable;
  // Any family may implement the capabilities (models/contracts/capabilities.h); the message
  // names what is missing rather than a family.
  if (!scalable_ || (vertical_ && !resizable_))
    cc.fail(target_, "\"" + t.id() + "\" is a " + t.type() + ", which cannot be " +
                         (vertical_ ? "resized" : "scaled in and out") +
                         "; an autoscaler's target must be a component with instances (a service)");
  // Two controllers of one kind on one service would overwrite each other's decisions every
  // sync (Kubernetes leaves that to the user); the later one is the error.
  for (const std::uint32_t from : cc.callers(cc.target_index(target_))) {
    if (from >= index()) continue;
    const auto* other = dynamic_cast<const Autoscaler*>(&cc.component(from));
    if (other && other->vertical_ == vertical_)
      cc.fail(target_, "\"" + t.id() + "\" is already scaled by autoscaler \"" + other->id() + "\" (" +
                           (vertical_ ? "vertical" : "horizontal") + " too): give each service one");
  }
  for (MetricSpec& ms : metrics_) {
    if (ms.source != Source::Gauge) continue;
    const std::size_t dot = ms.name.find('.');
    auto g = cc.metrics().find_gauge(ms.name.substr(0, dot), ms.name.substr(dot + 1));
    if (!g)
      throw ScenarioError(ms.pointer, "no gauge \"" + ms.name + "\"" + did_you_mean(ms.name, cc.metrics().gauge_names()) +
                                          " (a gauge is named \"<component>.<metric>\" as in timeseries.csv)");
    ms.gauge = *g;
  }
  for (const MetricSpec& ms : metrics_)
    if (ms.source == Source::Memory && scalable_->memory_limit_mb() <= 0)
      throw ScenarioError(ms.pointer, "the memory metric needs the target's memory.limit_mb (\"" + t.id() +
                                          "\" has none): utilization is memory used / limit");
  if (vertical_) {
    const std::string& cur = resizable_->instance_type();
    auto it = std::find_if(sizes_.begin(), sizes_.end(), [&](const Size& s) { return s.type == cur; });
    if (it == sizes_.end())
      throw ScenarioError(sizes_pointer_, "the target \"" + t.id() + "\" has instance_type \"" + cur +
                                              "\", which is not among these sizes; list it (with its speed)");
    size_ = static_cast<std::size_t>(it - sizes_.begin());
    // The catalogue's speed is the truth for its types, from the first instance on.
    resizable_->set_instance_type(it->type, it->speed);
  }
}

void Autoscaler::start(Context& ctx) {
  if (vertical_) ctx.metrics().set(speed_g_, sizes_[size_].speed, ctx.now());
  else ctx.metrics().set(desired_g_, scalable_->replicas(), ctx.now());
  for (std::size_t k = 0; k < target_g_.size(); ++k) ctx.metrics().set(target_g_[k], metrics_[k].target, ctx.now());
  ctx.schedule(sync_period_, kSync);
}

void Autoscaler::on_timer(Context& ctx, std::uint16_t tag, std::uint64_t) {
  if (tag == kRollout) {
    rollout_step(ctx);
    return;
  }
  scalable_->instance_stats(ctx.now(), stats_);
  if (vertical_) vertical_sync(ctx);
  else horizontal_sync(ctx);
  remember(ctx.now());
  if (ctx.now() + sync_period_ <= ctx.end_time()) ctx.schedule(sync_period_, kSync);
}

void Autoscaler::finish(Context& ctx, ComponentReport& r) {
  figures_.report(ctx, r);
  autoscaler::declare_page(r.page());
  if (vertical_) r.add_text("instance_type", sizes_[size_].type);
  r.add_text("last_reason", last_reason_);
}

}  // namespace archsim::autoscaler_internal
