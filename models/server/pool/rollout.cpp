// Server pool: the deployment controller, new versions rolled out as a Kubernetes Deployment
// does and rolled back by an analysis rule (models/server/pool/rollout.h says what it
// follows and where it simplifies). Runs only for a component with "rollouts": without them
// deploy_ is null and none of this is reached.
#include <algorithm>
#include <cctype>

#include "models/server/pool/server_pool.h"
#include "scenario/errors.h"
#include "sim/results.h"

namespace archsim {

IntOrPercent read_int_or_percent(Params& p, std::string_view key, IntOrPercent def) {
  const Params::Value v = p.value(key);
  if (v.shape() == Params::Shape::absent) return def;
  if (const auto i = v.as_integer()) {
    if (*i < 0 || *i > 1'000'000) v.fail("must be a whole number from 0 to 1000000, or a percentage such as \"25%\"");
    return {*i, false};
  }
  if (const auto s = v.as_string()) {
    const std::string& t = *s;
    bool ok = t.size() >= 2 && t.size() <= 4 && t.back() == '%';
    for (std::size_t i = 0; ok && i + 1 < t.size(); ++i) ok = std::isdigit(static_cast<unsigned char>(t[i])) != 0;
    const std::int64_t n = ok ? std::stoll(t.substr(0, t.size() - 1)) : -1;
    if (!ok || n > 100) v.fail("expected a percentage from \"0%\" to \"100%\", or a whole number of instances");
    return {n, true};
  }
  v.fail("expected a whole number of instances or a percentage such as \"25%\"");
}

void ServerPool::read_deployment(Params& p, BuildContext& bc) {
  std::optional<Params> dep = p.object_opt("deployment");
  std::vector<Params> list = p.objects("rollouts");
  if (!dep && list.empty()) return;
  auto d = std::make_unique<PoolDeployment>();
  DeploymentSpec& spec = d->spec;
  if (dep) {
    const std::string strategy = dep->choice("strategy", "rolling", {"rolling", "recreate", "blue_green"});
    spec.strategy = strategy == "recreate"     ? DeploymentSpec::Recreate
                    : strategy == "blue_green" ? DeploymentSpec::BlueGreen
                                               : DeploymentSpec::Rolling;
    if (spec.strategy != DeploymentSpec::BlueGreen)
      for (const char* k : {"switch_delay", "scale_down_delay"})
        if (dep->has(k)) dep->fail(k, "only a blue_green deployment takes it");
    if (spec.strategy != DeploymentSpec::Rolling) {
      for (const char* k : {"max_surge", "max_unavailable"})
        if (dep->has(k))
          dep->fail(k, spec.strategy == DeploymentSpec::Recreate
                           ? "only a rolling deployment takes it (recreate stops every old instance first)"
                           : "only a rolling deployment takes it (blue_green starts the whole new set beside the old one)");
      if (spec.strategy == DeploymentSpec::BlueGreen) {
        spec.switch_delay = dep->duration("switch_delay", 0);
        spec.scale_down_delay = dep->duration("scale_down_delay", 30 * kSecond);
      }
    } else {
      spec.max_surge = read_int_or_percent(*dep, "max_surge", spec.max_surge);
      spec.max_unavailable = read_int_or_percent(*dep, "max_unavailable", spec.max_unavailable);
      if (spec.max_surge.zero() && spec.max_unavailable.zero())
        dep->fail("max_unavailable", "max_surge and max_unavailable cannot both be 0: the rollout could never replace an instance");
    }
  }
  spec.versions.push_back(PodVersion{"v1", 1.0, 0.0});
  Time last = -1;
  for (Params& r : list) {
    Rollout ro;
    ro.pointer = r.pointer();
    ro.at = r.duration("at");
    if (ro.at >= bc.duration()) r.fail("at", "is at or beyond the end of the run (" + format_duration(bc.duration()) + ")");
    if (ro.at <= last) r.fail("at", "must be later than the previous rollout's");
    last = ro.at;
    if (r.has("switch_at")) {
      if (spec.strategy != DeploymentSpec::BlueGreen) r.fail("switch_at", "only a blue_green deployment takes it");
      ro.switch_at = r.duration("switch_at");
      if (ro.switch_at < ro.at) r.fail("switch_at", "is before the rollout's \"at\"");
      if (ro.switch_at >= bc.duration()) r.fail("switch_at", "is at or beyond the end of the run (" + format_duration(bc.duration()) + ")");
    }
    PodVersion v;
    v.name = r.string("version", "v" + std::to_string(spec.versions.size() + 1));
    v.work_factor = r.number("work_factor", 1.0, 1e-3, 1e3);
    v.error_rate = r.number("error_rate", 0.0, 0.0, 1.0);
    if (spec.versions.size() >= 60000) r.fail_here("too many rollouts");
    ro.version = static_cast<std::uint16_t>(spec.versions.size());
    spec.versions.push_back(std::move(v));
    if (std::optional<Params> rb = r.object_opt("rollback")) {
      ro.has_rule = true;
      RollbackRule& rule = ro.rule;
      rule.metric = rb->choice("metric", "error_rate", {"error_rate", "latency_p99"}) == "latency_p99" ? RollbackRule::LatencyP99
                                                                                                  : RollbackRule::ErrorRate;
      if (!rb->has("threshold")) rb->missing("threshold");
      if (rule.metric == RollbackRule::ErrorRate) rule.threshold = rb->require_number("threshold", 0.0, 1.0);
      else rule.threshold = static_cast<double>(rb->duration("threshold"));
      rule.window = rb->duration("window", 30 * kSecond);
      if (rule.window <= 0) rb->fail("window", "must be positive");
      rule.min_requests = static_cast<std::uint64_t>(rb->integer("min_requests", 1, 1, 1'000'000'000));
    }
    spec.rollouts.push_back(std::move(ro));
  }
  if (spec.rollouts.empty()) return;  // a strategy with nothing to roll out: validated, no controller
  d->records.resize(spec.rollouts.size());
  d->index = VersionIndex(spec.versions.size());
  deploy_ = std::move(d);
}

void ServerPool::register_rollout_metrics(Metrics& m) {
  deploy_->ok_c = m.counter(id_, "new_version_ok", "new_version_rps");
  deploy_->errors_c = m.counter(id_, "new_version_errors", "new_version_errors_rps");
  deploy_->new_ready_g = m.gauge(id_, "new_version_ready", "new_version_ready");
}

void ServerPool::begin_rollout(Context& ctx, std::uint32_t k) {
  PoolDeployment& d = *deploy_;
  const Rollout& ro = d.spec.rollouts[k];
  if (d.in_progress && d.records[d.current].completed < 0 && !d.rolling_back)
    d.records[d.current].completed = ctx.now();  // superseded: its own target is now an old version
  d.current = k;
  d.target = ro.version;
  d.in_progress = true;
  d.rolling_back = false;
  d.desired = replicas_;
  d.switched = d.switch_pending = d.scale_down_due = false;
  ++d.switch_gen;
  if (d.spec.strategy == DeploymentSpec::Recreate) {
    d.surge = 0;
    d.unavailable = d.desired;
  } else if (d.spec.strategy == DeploymentSpec::BlueGreen) {
    d.surge = d.desired;  // the whole new set beside the old one
    d.unavailable = 0;
  } else {  // ResolveFenceposts
    d.surge = d.spec.max_surge.scaled(d.desired, true);
    d.unavailable = d.spec.max_unavailable.scaled(d.desired, false);
    if (d.surge == 0 && d.unavailable == 0) d.unavailable = 1;
  }
  RolloutRecord& rec = d.records[k];
  rec.started = ctx.now();
  rec.surge = d.surge;
  rec.unavailable = d.unavailable;
  rec.desired = d.desired;
  rec.min_ready = ready_;
  rec.max_replicas = replicas_;
  rec.max_instances = static_cast<std::uint32_t>(alive_);
  analysing_ = ro.has_rule;
  if (ro.has_rule) {
    d.window_ok = d.window_errors = 0;
    d.window_latency.clear();
    ctx.schedule(ro.rule.window, kAnalysis, k);
  }
  run_rollout(ctx);
}

// Syncs until nothing changes (the controller is requeued at once after each change), then
// publishes the counts once.
void ServerPool::run_rollout(Context& ctx) {
  PoolDeployment& d = *deploy_;
  d.syncing = true;
  for (std::uint32_t guard = 0; guard < 1'000'000; ++guard) {
    const bool changed = d.spec.strategy == DeploymentSpec::Recreate    ? sync_recreate(ctx)
                         : d.spec.strategy == DeploymentSpec::BlueGreen ? sync_blue_green(ctx)
                                                                        : sync_rolling(ctx);
    if (!changed) break;
  }
  update_counts(ctx);
  d.syncing = false;
  if (d.in_progress) track_rollout(ctx);  // completion is judged on the settled counts
}

// What the deployment's index (version_index.h) reads of an instance.
VersionIndex::View ServerPool::index_view(const Instance& in) {
  return VersionIndex::View{in.version, in.launched, in.state != Instance::Gone,
                            in.state != Instance::Gone && in.state != Instance::Draining, in.state == Instance::Ready};
}

// One sync of rolling.go: scale the new version up within replicas + maxSurge; if it did not,
// remove old instances (unhealthy ones first) while ready stays >= replicas - maxUnavailable.
bool ServerPool::sync_rolling(Context& ctx) {
  PoolDeployment& d = *deploy_;
  const VersionCounts c = d.index.counts(d.target);
  const std::int64_t R = d.desired, all = c.new_total + c.old_total;
  if (c.new_total > R) {  // scaled in during the rollout
    for (std::int64_t n = c.new_total - R; n > 0; --n) retire(ctx, static_cast<std::uint32_t>(pick_victim_of(true, false)));
    return true;
  }
  if (c.new_total < R) {  // NewRSNewReplicas
    const std::int64_t n = std::min(R + d.surge - all, R - c.new_total);
    if (n > 0) {
      for (std::int64_t i = 0; i < n; ++i) launch(ctx, false);
      return true;
    }
  }
  if (c.old_total == 0) return false;
  const std::int64_t min_available = R - d.unavailable;
  std::int64_t max_scaled_down = all - min_available - (c.new_total - c.new_ready);
  if (max_scaled_down <= 0) return false;
  bool changed = false;
  for (int v; max_scaled_down > 0 && (v = pick_victim_of(false, true)) >= 0; --max_scaled_down) {  // cleanupUnhealthyReplicas
    retire(ctx, static_cast<std::uint32_t>(v));
    changed = true;
  }
  for (std::int64_t n = static_cast<std::int64_t>(ready_) - min_available; n > 0; --n) {  // scaleDownOldReplicaSetsForRollingUpdate
    const int v = pick_victim_of(false, false);
    if (v < 0) break;
    retire(ctx, static_cast<std::uint32_t>(v));
    changed = true;
  }
  return changed;
}

// recreate.go: every old instance stops; the new version starts once none is left.
bool ServerPool::sync_recreate(Context& ctx) {
  PoolDeployment& d = *deploy_;
  const VersionCounts c = d.index.counts(d.target);
  if (c.old_total > 0) {
    for (int v; (v = pick_victim_of(false, false)) >= 0;) retire(ctx, static_cast<std::uint32_t>(v));
    return true;
  }
  if (c.old_alive > 0) return false;  // old pods still terminating
  if (c.new_total < d.desired) {
    for (std::int64_t i = c.new_total; i < d.desired; ++i) launch(ctx, false);
    return true;
  }
  if (c.new_total > d.desired) {
    for (std::int64_t n = c.new_total - d.desired; n > 0; --n) retire(ctx, static_cast<std::uint32_t>(pick_victim_of(true, false)));
    return true;
  }
  return false;
}

// The victim among live instances of the target version (or of the others): not-ready
// first, then the most recently launched (the ReplicaSet's ranking); -1 when none.
// `only_unready`: none of the ready ones.
int ServerPool::pick_victim_of(bool target_version, bool only_unready) const {
  return deploy_->index.victim(deploy_->target, target_version, only_unready);
}

// After every change of the counts while a rollout runs: its bounds, steps and completion.
void ServerPool::track_rollout(Context& ctx) {
  PoolDeployment& d = *deploy_;
  RolloutRecord& rec = d.records[d.current];
  const Time now = ctx.now();
  rec.min_ready = std::min(rec.min_ready, ready_);
  rec.max_replicas = std::max(rec.max_replicas, replicas_);
  rec.max_instances = std::max(rec.max_instances, static_cast<std::uint32_t>(alive_));
  if (ready_ == 0 && d.zero_since < 0) d.zero_since = now;
  if (ready_ > 0 && d.zero_since >= 0) {
    rec.zero_ready += now - d.zero_since;
    d.zero_since = -1;
  }
  // Steps and the new_version_ready series follow the rollout's version (also while it is
  // rolled back); completion follows the target.
  const std::uint16_t rolled = d.spec.rollouts[d.current].version;
  const VersionCounts c = d.index.counts(d.target);
  const auto new_ready = static_cast<std::uint32_t>(rolled == d.target ? c.new_ready : d.index.counts(rolled).new_ready);
  ctx.metrics().set(d.new_ready_g, new_ready, now);
  const auto old_ready = static_cast<std::uint32_t>(ready_ - new_ready);
  if (rec.steps.size() < 256 && (rec.steps.empty() || rec.steps.back().new_ready != new_ready || rec.steps.back().old_ready != old_ready))
    rec.steps.push_back({now, new_ready, old_ready});
  if (d.syncing || c.old_alive > 0 || c.new_total != d.desired || c.new_ready != d.desired) return;
  (d.rolling_back ? rec.rollback_completed : rec.completed) = now;
  if (!d.rolling_back) d.stable = d.target;
  d.in_progress = false;
  analysing_ = false;
}

void ServerPool::observe_version(Context& ctx, std::uint32_t slot, bool ok, Time latency) {
  PoolDeployment& d = *deploy_;
  if (instances_[slot].version != d.target) return;
  if (ok) {
    ++d.window_ok;
    ctx.metrics().add(d.ok_c);
    if (d.spec.rollouts[d.current].rule.metric == RollbackRule::LatencyP99) d.window_latency.record(latency);
  } else {
    ++d.window_errors;
    ctx.metrics().add(d.errors_c);
  }
}

// The end of an analysis window: the rule holds when the new version answered at least
// min_requests and its measure exceeds the threshold; then the rollout rolls back.
void ServerPool::analysis_tick(Context& ctx, std::uint32_t k) {
  PoolDeployment& d = *deploy_;
  if (k != d.current || !d.in_progress || d.rolling_back || !analysing_) return;
  const RollbackRule& rule = d.spec.rollouts[k].rule;
  const std::uint64_t total = d.window_ok + d.window_errors;
  double measure = 0;
  if (rule.metric == RollbackRule::ErrorRate) measure = total ? static_cast<double>(d.window_errors) / static_cast<double>(total) : 0;
  else measure = d.window_latency.count() ? d.window_latency.percentile(99) : 0;
  d.window_ok = d.window_errors = 0;
  d.window_latency.clear();
  if (total >= rule.min_requests && measure > rule.threshold) {
    RolloutRecord& rec = d.records[k];
    rec.rolled_back = ctx.now();
    rec.measured = rule.metric == RollbackRule::ErrorRate ? measure : measure / 1e6;
    analysing_ = false;
    d.rolling_back = true;
    d.target = d.stable;
    d.switched = d.switch_pending = d.scale_down_due = false;  // blue_green: switch back
    ++d.switch_gen;
    run_rollout(ctx);
    return;
  }
  ctx.schedule(rule.window, kAnalysis, k);
}

void ServerPool::report_rollouts(Context& ctx, ComponentReport& r) const {
  if (!deploy_) return;
  const PoolDeployment& d = *deploy_;
  const Time now = ctx.end_time();
  for (std::size_t k = 0; k < d.records.size(); ++k) {
    const RolloutRecord& rec = d.records[k];
    const Rollout& ro = d.spec.rollouts[k];
    const std::string base = "rollouts." + std::to_string(k) + ".";
    const std::string& version = d.spec.versions[ro.version].name;
    r.add_text(base + "version", version);
    r.add(base + "at_s", to_seconds(ro.at));
    if (rec.started < 0) continue;
    r.add(base + "max_surge", static_cast<double>(rec.surge));
    r.add(base + "max_unavailable", static_cast<double>(rec.unavailable));
    r.add(base + "desired", static_cast<double>(rec.desired));
    r.add(base + "min_ready", rec.min_ready);
    r.add(base + "max_replicas", rec.max_replicas);
    r.add(base + "max_instances", rec.max_instances);
    Time zero = rec.zero_ready;
    if (k == d.current && d.zero_since >= 0) zero += now - d.zero_since;
    r.add(base + "no_ready_s", to_seconds(zero));
    r.add(base + "steps", static_cast<double>(rec.steps.size()));
    if (rec.green_ready >= 0) r.add(base + "green_ready_s", to_seconds(rec.green_ready));
    if (rec.switched >= 0) r.add(base + "switched_s", to_seconds(rec.switched));
    if (rec.completed >= 0) r.add(base + "completed_s", to_seconds(rec.completed));
    if (rec.rolled_back >= 0) {
      r.add(base + "rolled_back_s", to_seconds(rec.rolled_back));
      r.add(base + (ro.rule.metric == RollbackRule::ErrorRate ? "rollback_error_rate" : "rollback_p99_ms"), rec.measured);
      if (rec.rollback_completed >= 0) r.add(base + "rollback_completed_s", to_seconds(rec.rollback_completed));
    }
    // Each step as an instant (capped: a long rollout's marks would cover the chart).
    for (std::size_t i = 1; i < rec.steps.size() && i <= 24; ++i)
      r.add_interval("rollout_step", std::to_string(rec.steps[i].new_ready) + "/" + std::to_string(rec.desired), rec.steps[i].at,
                     rec.steps[i].at);
    const Time end = rec.completed >= 0 ? rec.completed : rec.rolled_back >= 0 ? rec.rolled_back : now;
    r.add_interval("rollout", "deploy " + id_ + " " + version, rec.started, end);
    if (rec.rolled_back >= 0)
      r.add_interval("rollout", "rollback " + id_ + " to " + d.spec.versions[d.stable].name, rec.rolled_back,
                     rec.rollback_completed >= 0 ? rec.rollback_completed : now);
  }
}

}  // namespace archsim
