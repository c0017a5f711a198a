#include "models/autoscaler/autoscaler.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <Eigen/Dense>

#include "models/autoscaler/hpa_algorithm.h"
#include "models/common/capabilities.h"
#include "models/common/instance_types.h"
#include "sim/describe.h"
#include "sim/results.h"
#include "sim/text_list.h"

namespace archsim {
namespace {

enum class Source : std::uint8_t { Cpu, Memory, Utilization, Rps, QueueLength, BusyWorkers, InFlight, Gauge };

struct SourceInfo {
  const char* name;
  Source source;
  bool utilization;  // a fraction of the pod's request, target in (0, 1]
};
constexpr SourceInfo kSources[] = {
    {"cpu", Source::Cpu, true},           {"memory", Source::Memory, true},
    {"utilization", Source::Utilization, true}, {"rps", Source::Rps, false},
    {"queue_length", Source::QueueLength, false}, {"busy_workers", Source::BusyWorkers, false},
    {"in_flight", Source::InFlight, false},
};

std::vector<std::string> source_names() {
  std::vector<std::string> out;
  for (const auto& s : kSources) out.emplace_back(s.name);
  return out;
}

struct MetricSpec {
  Source source = Source::Cpu;
  bool utilization = true;
  double target = 0.8;
  std::string name, pointer;
  GaugeId gauge;  // Source::Gauge: "<component>.<gauge>", resolved in connect()
};

struct ScheduleEntry {
  Time at = 0;
  int min_replicas = 0;
};

struct Size {
  std::string type;
  double speed = 1;
};

// What the previous sync saw of one instance (cumulative figures), by serial.
struct Prev {
  std::uint64_t serial = 0;
  double cpu_area = 0, busy_area = 0;
  std::uint64_t completed = 0;
};

enum Tag : std::uint16_t { kSync = 1, kRollout };

HpaRules::Select parse_select(const std::string& s) {
  if (s == "min") return HpaRules::Select::Min;
  if (s == "disabled") return HpaRules::Select::Disabled;
  return HpaRules::Select::Max;
}

// API-server defaulting: fields not given keep `rules` (the defaults) as they are.
void parse_rules(Params& r, HpaRules& rules) {
  rules.stabilization_window = r.duration("stabilization_window", rules.stabilization_window, 0, kHour);
  if (r.has("policies")) {
    std::vector<Params> list = r.objects("policies");
    rules.policies.clear();
    for (Params& pp : list) {
      HpaPolicy pol;
      pol.type = pp.choice("type", "pods", {"pods", "percent"}) == "percent" ? HpaPolicy::Type::Percent
                                                                         : HpaPolicy::Type::Pods;
      pol.value = static_cast<int>(pp.require_integer("value", 1, 1'000'000));
      pol.period = pp.duration("period");
      if (pol.period <= 0)
        pp.fail("period", "must be positive: a policy limits the change per period (Kubernetes accepts 1s to 30m)");
      if (pol.period > 30 * kMinute) pp.fail("period", "must be at most 30m, as Kubernetes validates it");
      rules.policies.push_back(pol);
    }
  } else {
    r.known("policies");
  }
  rules.select = parse_select(r.choice("select_policy", "max", {"max", "min", "disabled"}));
  if (r.has("tolerance")) rules.tolerance = r.number("tolerance", 0.1, 0.0, 10.0);
  else r.known("tolerance");
}

class Autoscaler final : public Component {
 public:
  Autoscaler(Params& p, BuildContext& bc) : hpa_(HpaSpec{}) {
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
  }

  bool accepts_calls() const override { return false; }

  // For `archsim analyze` (sim/describe.h): the horizontal mode may grow its target to
  // max_replicas, the capacity analyze assumes at the peak.
  void describe(Description& d) const override {
    if (vertical_) return;
    d.scales = true;
    d.scaled = target_;
    d.max_replicas = static_cast<std::uint32_t>(max_);
  }

  void connect(ConnectContext& cc) override {
    Component& t = cc.target(target_);
    const Capabilities caps = capabilities_of(t);
    scalable_ = caps.scalable;
    resizable_ = caps.resizable;
    // Any family may implement the capabilities (models/common/capabilities.h); the message
    // names what is missing rather than a family.
    if (!scalable_ || (vertical_ && !resizable_))
      cc.fail(target_, "\"" + t.id() + "\" is a " + t.type() + ", which cannot be " +
                           (vertical_ ? "resized" : "scaled in and out") +
                           "; an autoscaler's target must be a component with instances (a service)");
    // Two controllers of one kind on one service would overwrite each other's decisions every
    // sync (Kubernetes leaves that to the user); the later one is the error.
    for (const auto& [from, to] : cc.links()) {
      if (to != cc.target_index(target_) || from >= index()) continue;
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

  void start(Context& ctx) override {
    if (vertical_) ctx.metrics().set(speed_g_, sizes_[size_].speed, ctx.now());
    else ctx.metrics().set(desired_g_, scalable_->replicas(), ctx.now());
    for (std::size_t k = 0; k < target_g_.size(); ++k) ctx.metrics().set(target_g_[k], metrics_[k].target, ctx.now());
    ctx.schedule(sync_period_, kSync);
  }

  void on_request(Context& ctx, CallId call) override { ctx.reply(call, Status::Error); }

  void on_timer(Context& ctx, std::uint16_t tag, std::uint64_t) override {
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

  void finish(Context& ctx, ComponentReport& r) override {
    r.add("syncs", static_cast<double>(syncs_));
    if (vertical_) {
      r.add("resizes", resizes_);
      r.add("speed", sizes_[size_].speed);
      r.add_text("instance_type", sizes_[size_].type);
      r.add_text("last_reason", last_reason_);
      return;
    }
    Time now = ctx.end_time();
    r.add("scale_events", scale_ups_ + scale_downs_);
    r.add("scale_ups", scale_ups_);
    r.add("scale_downs", scale_downs_);
    r.add("desired_replicas", last_desired_);
    r.add("peak_desired_replicas", peak_desired_);
    r.add("mean_desired_replicas", ctx.metrics().average(desired_g_, now));
    r.add("stabilization_holds", holds_);
    r.add_text("last_reason", last_reason_);
  }

 private:
  // ---- parameters ----

  void read_horizontal(Params& p) {
    HpaSpec spec;
    spec.min_replicas = static_cast<int>(p.integer("min_replicas", 1, 0, 100000));
    spec.max_replicas = static_cast<int>(p.require_integer("max_replicas", 1, 100000));
    if (spec.min_replicas > spec.max_replicas)
      p.fail("min_replicas", "is " + std::to_string(spec.min_replicas) + ", above max_replicas (" +
                                 std::to_string(spec.max_replicas) + ")");
    spec.tolerance = p.number("tolerance", 0.1, 0.0, 10.0);
    cpu_rule_.cpu_initialization_period =
        p.duration("cpu_initialization_period", cpu_rule_.cpu_initialization_period, 0, kDay);
    cpu_rule_.initial_readiness_delay =
        p.duration("initial_readiness_delay", cpu_rule_.initial_readiness_delay, 0, kDay);
    bool has_list = p.has("metrics");
    if (has_list && (p.has("metric") || p.has("target_utilization") || p.has("target_value")))
      p.fail("metrics", "give either \"metrics\" or the shorthand \"metric\" + \"target_utilization\", not both");
    if (has_list) {
      std::vector<Params> list = p.objects("metrics");
      if (list.empty()) p.fail("metrics", "expected a non-empty array of {\"type\", \"target\"}");
      for (Params& mp : list) metrics_.push_back(read_metric(mp, "type", false));
    } else {
      p.known("metrics");
      metrics_.push_back(read_metric(p, "metric", true));
    }
    if (auto b = p.object_opt("behavior")) {
      HpaBehavior beh = default_behavior();
      if (auto up = b->object_opt("scale_up")) parse_rules(*up, beh.scale_up);
      if (auto dn = b->object_opt("scale_down")) parse_rules(*dn, beh.scale_down);
      spec.behavior = beh;
    }
    // else: std::nullopt on purpose, the controller's legacy path (see the header).
    std::string why = validate_hpa_spec(spec);
    if (!why.empty()) p.fail_here(why);
    hpa_ = HpaController(spec);
    min_ = spec.min_replicas;
    max_ = spec.max_replicas;

    for (Params& sp : p.objects("schedule")) {
      ScheduleEntry e;
      e.at = sp.duration("at");
      e.min_replicas = static_cast<int>(sp.require_integer("min_replicas", 0, max_));
      if (!schedule_.empty() && e.at < schedule_.back().at)
        sp.fail("at", "schedule entries must be in time order (this one is before the previous)");
      schedule_.push_back(e);
    }
    schedule_period_ = p.duration("schedule_period", 0);
    if (schedule_period_ > 0 && !schedule_.empty() && schedule_.back().at >= schedule_period_)
      p.fail("schedule_period", "must be longer than the last schedule entry's \"at\"");

    if (auto pr = p.object_opt("predictive")) {
      predictive_ = true;
      horizon_ = pr->duration("horizon", 5 * kMinute, 0, kDay);
      holt_ = pr->choice("method", "holt", {"holt", "linear"}) == "holt";
      history_ = pr->duration("history", 30 * kMinute, 0, 30 * kDay);
      alpha_ = pr->number("alpha", 0.5, 0.0, 1.0);
      beta_ = pr->number("beta", 0.3, 0.0, 1.0);
      if (alpha_ <= 0) pr->fail("alpha", "must be in (0, 1]");
    }
  }

  // One metric: {"type", "target"} in a "metrics" list, or the shorthand "metric" +
  // "target_utilization" (cpu, memory, utilization) / "target_value" (the others) on the
  // autoscaler ("target" there names the service).
  MetricSpec read_metric(Params& mp, const char* type_key, bool shorthand) {
    MetricSpec ms;
    ms.name = shorthand ? mp.string(type_key, "cpu") : mp.string(type_key);
    ms.pointer = mp.path(type_key);
    const SourceInfo* info = nullptr;
    for (const auto& s : kSources)
      if (ms.name == s.name) info = &s;
    if (!info && ms.name.find('.') != std::string::npos) {
      // Any recorded gauge, "<component>.<gauge>" as timeseries.csv names it (KEDA's external
      // metrics): its current total against a per-replica target, AverageValue-style.
      ms.source = Source::Gauge;
      ms.utilization = false;
      ms.target = mp.require_number(shorthand ? "target_value" : "target", 0.0, 1e12);
      if (ms.target <= 0) mp.fail(shorthand ? "target_value" : "target", "must be positive (a value per replica)");
      return ms;
    }
    if (!info) {
      const std::string known = join_items(source_names(), ", ");
      mp.fail(type_key, "unknown metric \"" + ms.name + "\"" + did_you_mean(ms.name, source_names()) +
                            "; known metrics: " + known + ", or any gauge as \"<component>.<gauge>\"");
    }
    ms.source = info->source;
    ms.utilization = info->utilization;
    const char* tkey = !shorthand ? "target" : ms.utilization ? "target_utilization" : "target_value";
    if (ms.utilization) {
      // kubectl autoscale's default is 80%.
      ms.target = shorthand ? mp.number(tkey, 0.8) : mp.require_number(tkey);
      if (!(ms.target > 0 && ms.target <= 1))
        mp.fail(tkey, "must be in (0, 1]: a fraction of the pod's " +
                          std::string(ms.source == Source::Memory ? "memory limit" : "workers") + " (0.7 = 70%)");
    } else {
      if (shorthand && mp.has("target_utilization"))
        mp.fail("target_utilization", "applies to cpu, memory and utilization; give \"target_value\" (a per-pod value) for " +
                                          ms.name);
      ms.target = mp.require_number(tkey);
      if (!(ms.target > 0)) mp.fail(tkey, "must be positive (a per-pod value of " + ms.name + ")");
    }
    return ms;
  }

  void read_vertical(Params& p, const BuildContext& bc) {
    sizes_pointer_ = p.path("sizes");
    const std::vector<std::string> catalogue = instance_type_names(bc);
    for (Params& sp : p.objects("sizes")) {
      Size s;
      s.type = sp.string("instance_type");
      // A size may name only a type of the scenario's "instance_types" and take its speed
      // from there; an explicit speed wins. With a catalogue, every size must be in it.
      const InstanceTypeSpec* spec = instance_type(bc, s.type);
      if (!spec && !catalogue.empty())
        sp.fail("instance_type", "unknown instance type \"" + s.type + "\"" + did_you_mean(s.type, catalogue) +
                                     " (not in the scenario's instance_types)");
      if (!spec && !sp.has("speed"))
        sp.fail("speed", "is required: the scenario has no instance_types catalogue to take it from");
      s.speed = sp.number("speed", spec ? spec->speed : 1.0, 1e-6, 1e6);
      if (!sizes_.empty() && s.speed <= sizes_.back().speed)
        sp.fail("speed", "sizes go from small to large: each speed must exceed the previous one");
      sizes_.push_back(s);
    }
    if (sizes_.size() < 2) p.fail("sizes", "needs at least two sizes [{\"instance_type\", \"speed\"}, ...]");
    up_above_ = p.number("scale_up_above", 0.8, 0.0, 1.0);
    down_below_ = p.number("scale_down_below", 0.3, 0.0, 1.0);
    if (down_below_ >= up_above_) p.fail("scale_down_below", "must be below scale_up_above");
    window_ = p.duration("window", 2 * kMinute, 0, kDay);
    cooldown_ = p.duration("cooldown", 5 * kMinute, 0, kDay);
  }

  // ---- observation ----

  const Prev* prev_of(std::uint64_t serial) const {
    auto it = std::lower_bound(prev_.begin(), prev_.end(), serial,
                               [](const Prev& a, std::uint64_t s) { return a.serial < s; });
    return it != prev_.end() && it->serial == serial ? &*it : nullptr;
  }

  // The window an instance's differences cover: since the last sync (or its launch). CPU is
  // measured over the whole window as the metrics pipeline does, including any part spent
  // not ready (cpu_sample_unready decides whether such a sample counts); the other per-pod
  // rates cover only the time since the instance became ready.
  double window_ns(const InstanceStat& s, Time now, bool whole, const Prev*& prev) const {
    prev = prev_of(s.serial);
    Time from = prev ? last_sync_ : s.launched;
    if (!whole) from = std::max(s.ready_since, from);
    return static_cast<double>(now - from);
  }

  // groupPods' CPU rule for one instance sampled now over the sync period. An instance's Ready
  // condition exists from its launch (False while it starts), so it always has one.
  bool cpu_unready(const InstanceStat& s, Time now) const {
    PodReadiness pod;
    pod.ready = s.ready;
    pod.started = s.launched;
    pod.transition = s.readiness_changed;
    pod.sample_at = now;
    pod.window = sync_period_;
    return cpu_sample_unready(pod, now, cpu_rule_);
  }

  std::optional<double> sample(const MetricSpec& ms, const InstanceStat& s, Time now) const {
    const Prev* prev = nullptr;
    double dt = window_ns(s, now, ms.source == Source::Cpu, prev);
    double conc = static_cast<double>(scalable_->concurrency());
    switch (ms.source) {
      case Source::Cpu:
        if (dt <= 0) return std::nullopt;
        return (s.cpu_area - (prev ? prev->cpu_area : 0)) / (conc * dt);
      case Source::Utilization:
        if (dt <= 0) return std::nullopt;
        return (s.busy_area - (prev ? prev->busy_area : 0)) / (conc * dt);
      case Source::BusyWorkers:
        if (dt <= 0) return std::nullopt;
        return (s.busy_area - (prev ? prev->busy_area : 0)) / dt;
      case Source::Rps:
        if (dt <= 0) return std::nullopt;
        return static_cast<double>(s.completed - (prev ? prev->completed : 0)) / (dt / 1e9);
      case Source::Memory: return s.memory_mb / scalable_->memory_limit_mb();
      case Source::QueueLength: return static_cast<double>(s.queued);
      case Source::InFlight: return static_cast<double>(s.busy + s.queued);
      case Source::Gauge: return std::nullopt;  // one value for the target, read in sync()
    }
    return std::nullopt;
  }

  void remember(Time now) {
    prev_.clear();
    for (const InstanceStat& s : stats_) prev_.push_back(Prev{s.serial, s.cpu_area, s.busy_area, s.completed});
    std::sort(prev_.begin(), prev_.end(), [](const Prev& a, const Prev& b) { return a.serial < b.serial; });
    last_sync_ = now;
  }

  // ---- horizontal ----

  int scheduled_min(Time now) const {
    if (schedule_.empty()) return -1;
    Time t = schedule_period_ > 0 ? now % schedule_period_ : now;
    int floor = -1;
    for (const ScheduleEntry& e : schedule_)
      if (e.at <= t) floor = e.min_replicas;
    if (floor < 0 && schedule_period_ > 0 && now >= schedule_period_) floor = schedule_.back().min_replicas;
    return floor;
  }

  void horizontal_sync(Context& ctx) {
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
  void record_observed(Context& ctx) {
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
  void add_forecast(Context& ctx, double demand) {
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

  // ---- vertical ----

  void vertical_sync(Context& ctx) {
    const Time now = ctx.now();
    ++syncs_;
    MetricSpec cpu;
    double sum = 0;
    int n = 0;
    for (const InstanceStat& s : stats_) {
      if (!s.ready) continue;
      if (auto v = sample(cpu, s, now)) {
        sum += *v;
        ++n;
      }
    }
    if (n == 0 || rolling_) return;
    double util = sum / n;
    if (util > up_above_) {
      if (above_since_ < 0) above_since_ = last_sync_;
    } else {
      above_since_ = -1;
    }
    if (util < down_below_) {
      if (below_since_ < 0) below_since_ = last_sync_;
    } else {
      below_since_ = -1;
    }
    bool cooled = last_change_ < 0 || now - last_change_ >= cooldown_;
    int step = 0;
    if (above_since_ >= 0 && now - above_since_ >= window_ && size_ + 1 < sizes_.size()) step = +1;
    if (below_since_ >= 0 && now - below_since_ >= window_ && size_ > 0) step = -1;
    if (step == 0 || !cooled) return;
    size_ = static_cast<std::size_t>(static_cast<long>(size_) + step);
    resizable_->set_instance_type(sizes_[size_].type, sizes_[size_].speed);
    last_reason_ = (step > 0 ? "ScaleUp to " : "ScaleDown to ") + sizes_[size_].type;
    ++resizes_;
    last_change_ = now;
    above_since_ = below_since_ = -1;
    rolling_ = true;
    ctx.metrics().set(speed_g_, sizes_[size_].speed, now);
    rollout_step(ctx);
  }

  // A Deployment RollingUpdate with maxSurge 1, maxUnavailable 0: one new instance at a time;
  // when it is ready, one outdated instance is retired and the next new one launched.
  void rollout_step(Context& ctx) {
    scalable_->instance_stats(ctx.now(), rollout_stats_);
    bool new_starting = false;
    std::uint32_t outdated = 0;
    for (const InstanceStat& s : rollout_stats_) {
      if (s.outdated) ++outdated;
      else if (!s.ready) new_starting = true;
    }
    if (!new_starting) {
      if (surged_ && outdated > 0) {
        resizable_->retire_outdated(ctx);
        --outdated;
        surged_ = false;
      }
      if (outdated == 0) {
        rolling_ = false;
        return;
      }
      resizable_->surge(ctx);
      surged_ = true;
    }
    ctx.schedule(kSecond, kRollout);
  }

  std::string id_;
  RefId target_ = 0;
  Scalable* scalable_ = nullptr;    // the target's capabilities, found in connect()
  Resizable* resizable_ = nullptr;  // vertical mode only
  bool vertical_ = false;
  Time sync_period_ = 15 * kSecond, last_sync_ = 0;
  CpuReadinessRule cpu_rule_;
  std::vector<InstanceStat> stats_, rollout_stats_;
  std::vector<Prev> prev_;

  // horizontal
  HpaController hpa_;
  int min_ = 1, max_ = 1;
  std::vector<MetricSpec> metrics_;
  std::vector<MetricObservation> observations_;
  std::vector<ScheduleEntry> schedule_;
  Time schedule_period_ = 0;
  bool predictive_ = false, holt_ = true;
  Time horizon_ = 0, history_ = 0;
  double alpha_ = 0.5, beta_ = 0.3, level_ = 0, trend_ = 0;
  std::uint64_t points_ = 0;
  std::vector<std::pair<Time, double>> history_points_;
  GaugeId desired_g_, forecast_g_, speed_g_;
  std::vector<GaugeId> observed_g_, target_g_;  // by metric (horizontal mode)
  std::uint64_t syncs_ = 0;
  double scale_ups_ = 0, scale_downs_ = 0, holds_ = 0;
  int last_desired_ = 0, peak_desired_ = 0;
  std::string last_reason_ = "none";

  // vertical
  std::vector<Size> sizes_;
  std::string sizes_pointer_;
  std::size_t size_ = 0;
  double up_above_ = 0.8, down_below_ = 0.3, resizes_ = 0;
  Time window_ = 0, cooldown_ = 0, above_since_ = -1, below_since_ = -1, last_change_ = -1;
  bool rolling_ = false, surged_ = false;
};

}  // namespace

std::unique_ptr<Component> make_autoscaler(Params& p, BuildContext& bc) { return std::make_unique<Autoscaler>(p, bc); }

}  // namespace archsim
