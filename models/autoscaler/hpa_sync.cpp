// Autoscaler: the horizontal mode's sync (HpaController::reconcile on this sync's samples),
// its scheduled minimums and its predictive forecast.
#include <algorithm>
#include <optional>
#include <utility>

#include <Eigen/Dense>

#include "models/autoscaler/autoscaler_impl.h"

namespace archsim::autoscaler_internal {

int Autoscaler::scheduled_min(Time now) const {
  if (schedule_.empty()) return -1;
  Time t = schedule_period_ > 0 ? now % schedule_period_ : now;
  int floor = -1;
  for (const ScheduleEntry& e : schedule_)
    if (e.at <= t) floor = e.min_replicas;
  if (floor < 0 && schedule_period_ > 0 && now >= schedule_period_) floor = schedule_.back().min_replicas;
  return floor;
}

void Autoscaler::horizontal_sync(Context& ctx) {
  const Time now = ctx.now();
  ++syncs_;
  observations_.resize(metrics_.size());
  double demand = 0;
  for (std::size_t k = 0; k < metrics_.size(); ++k) {
    MetricObservation& o = observations_[k];
    o.type = metrics_[k].utilization ? MetricObservation::Type::Utilization : MetricObservation::Type::AverageValue;
    o.target = metrics_[k].target;
    o.pods.clear();
    if (metrics_[k].source == Source::Gauge) {
      // One value for the whole target: desired = ceil(value / target per replica).
      o.type = MetricObservation::Type::TotalAverageValue;
      o.value = ctx.metrics().value(metrics_[k].gauge);
      for (const InstanceStat& s : stats_) o.pods.push_back(PodSample{std::nullopt, s.ready});
      if (k == 0) demand += o.value;
      continue;
    }
    for (const InstanceStat& s : stats_) {
      PodSample ps;
      ps.ready = metrics_[k].source == Source::Cpu ? !cpu_unready(s, now) : s.ready;
      if (ps.ready) ps.value = sample(metrics_[k], s, now);
      if (k == 0 && ps.ready && ps.value) demand += *ps.value;
      o.pods.push_back(ps);
    }
  }
  if (predictive_) add_forecast(ctx, demand);
  record_observed(ctx);

  const int current = static_cast<int>(scalable_->replicas());
  HpaDecision d = hpa_.reconcile(now, current, observations_);
  int desired = d.replicas;
  last_reason_ = to_string(d.reason);
  if (d.stabilization_held) ++holds_;
  int floor = scheduled_min(now);
  if (floor > desired && current > 0) {
    desired = std::min(floor, max_);
    last_reason_ = "ScheduledMinimum";
  }
  if (desired != current) {
    (desired > current ? scale_ups_ : scale_downs_) += 1;
    scalable_->scale_to(ctx, static_cast<std::uint32_t>(desired));
  }
  last_desired_ = desired;
  peak_desired_ = std::max(peak_desired_, desired);
  ctx.metrics().set(desired_g_, desired, now);
  if (observations_.size() > metrics_.size()) observations_.resize(metrics_.size());
}

// Each metric as the HPA compared it with its target: the mean over the replicas that gave
// a value (a gauge of the whole target: its value per ready replica).
void Autoscaler::record_observed(Context& ctx) {
  for (std::size_t k = 0; k < observed_g_.size(); ++k) {
    const MetricObservation& o = observations_[k];
    double sum = 0;
    std::size_t n = 0, ready = 0;
    for (const PodSample& ps : o.pods) {
      ready += ps.ready ? 1 : 0;
      if (ps.value) sum += *ps.value, ++n;
    }
    double v = 0;
    if (metrics_[k].source == Source::Gauge) v = ready ? o.value / static_cast<double>(ready) : 0;
    else if (n) v = sum / static_cast<double>(n);
    ctx.metrics().set(observed_g_[k], v, ctx.now());
  }
}

// The total demand of the first metric, forecast `horizon_` ahead, as one more metric: a
// total against the per-pod target (External AverageValue), so it proposes
// ceil(forecast / target) replicas.
void Autoscaler::add_forecast(Context& ctx, double demand) {
  const Time now = ctx.now();
  const double h_steps = static_cast<double>(horizon_) / static_cast<double>(sync_period_);
  std::optional<double> forecast;
  if (holt_) {
    if (points_ == 0) {
      level_ = demand;
      trend_ = 0;
    } else {
      double prev_level = level_;
      level_ = alpha_ * demand + (1 - alpha_) * (level_ + trend_);
      trend_ = beta_ * (level_ - prev_level) + (1 - beta_) * trend_;
    }
    ++points_;
    if (points_ >= 3) forecast = level_ + h_steps * trend_;
  } else {
    history_points_.emplace_back(now, demand);
    auto old = std::find_if(history_points_.begin(), history_points_.end(),
                            [&](const auto& pt) { return pt.first >= now - history_; });
    history_points_.erase(history_points_.begin(), old);
    const auto n = static_cast<Eigen::Index>(history_points_.size());
    if (n >= 3) {
      Eigen::MatrixXd x(n, 2);
      Eigen::VectorXd y(n);
      for (Eigen::Index i = 0; i < n; ++i) {
        const auto& [t, v] = history_points_[static_cast<std::size_t>(i)];
        x(i, 0) = 1.0;
        x(i, 1) = to_seconds(t - now);
        y(i) = v;
      }
      Eigen::Vector2d beta = x.colPivHouseholderQr().solve(y);
      forecast = beta(0) + beta(1) * to_seconds(horizon_);
    }
  }
  if (!forecast) return;
  MetricObservation o;
  o.type = MetricObservation::Type::TotalAverageValue;
  o.target = metrics_[0].target;
  o.value = std::max(0.0, *forecast);
  o.pods = observations_[0].pods;
  const MetricProposal prop = propose_replicas(o, static_cast<int>(scalable_->replicas()), HpaTolerances{});
  ctx.metrics().set(forecast_g_, prop.valid ? prop.replicas : 0, now);
  observations_.push_back(std::move(o));
}

}  // namespace archsim::autoscaler_internal
