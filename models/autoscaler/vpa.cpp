// Vertical Pod Autoscaler: the component (vpa.h says what it follows and where it simplifies).
#include "models/autoscaler/vpa.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "models/autoscaler/vpa_recommender.h"
#include "models/contracts/capabilities.h"
#include "sim/component.h"
#include "sim/context.h"
#include "sim/figures.h"
#include "sim/metrics.h"
#include "sim/results.h"

namespace archsim {
namespace {

enum class Mode : std::uint8_t { Off, Initial, Recreate };
enum Tag : std::uint16_t { kSync = 1 };

struct Prev {
  std::uint64_t serial = 0;
  double cpu_area = 0;
};

VpaRecommenderSpec read_spec(Params& p) {
  VpaRecommenderSpec s;
  s.half_life = p.duration("half_life", 24 * kHour, 0, 365 * kDay);
  if (s.half_life < kSecond) p.fail("half_life", "must be at least 1s (Kubernetes' default is 24h)");
  s.day = s.half_life;  // the confidence's day scales with the half-life (vpa.h)
  s.target_percentile = p.number("target_percentile", 0.9, 0.0, 1.0);
  s.lower_percentile = p.number("lower_bound_percentile", 0.5, 0.0, 1.0);
  s.upper_percentile = p.number("upper_bound_percentile", 0.95, 0.0, 1.0);
  // recommender.go refuses to start otherwise.
  if (!(s.lower_percentile > 0)) p.fail("lower_bound_percentile", "must be above 0");
  if (s.target_percentile < s.lower_percentile)
    p.fail("target_percentile", "must be at least lower_bound_percentile (" + std::to_string(s.lower_percentile) + ")");
  if (s.upper_percentile < s.target_percentile)
    p.fail("upper_bound_percentile", "must be at least target_percentile (" + std::to_string(s.target_percentile) + ")");
  s.safety_margin = p.number("safety_margin", 0.15, 0.0, 10.0);
  s.min_cpu = p.number("min_cpu", 0.025, 0.0, 1000.0);
  return s;
}

class Vpa final : public Component {
 public:
  Vpa(Params& p, BuildContext& bc) : rec_(read_spec(p)) {
    id_ = bc.id();
    target_ = bc.reference(p, "target", RefKind::Control);
    const std::string mode = p.choice("mode", "Off", {"Off", "Initial", "Recreate"});
    mode_ = mode == "Recreate" ? Mode::Recreate : mode == "Initial" ? Mode::Initial : Mode::Off;
    mode_name_ = mode;
    interval_ = p.duration("interval", kMinute, 0, kDay);
    if (interval_ < kSecond) p.fail("interval", "must be at least 1s (the recommender's default is 1m)");
    min_replicas_ = static_cast<std::uint32_t>(p.integer("min_replicas", 2, 1, 100000));
    tolerance_ = p.number("eviction_tolerance", 0.5, 0.0, 1.0);
    Metrics& m = bc.metrics();
    target_g_ = m.gauge(id_, "target_cpu", "target_cpu");
    lower_g_ = m.gauge(id_, "lower_bound_cpu", "lower_bound_cpu");
    upper_g_ = m.gauge(id_, "upper_bound_cpu", "upper_bound_cpu");
    request_g_ = m.gauge(id_, "request_cpu", "request_cpu");
    usage_g_ = m.gauge(id_, "usage_cpu", "usage_cpu");
    declare_figures(m);
  }

  bool accepts_calls() const override { return false; }

  void connect(ConnectContext& cc) override {
    Component& t = cc.target(target_);
    const Capabilities caps = capabilities_of(t);
    scalable_ = caps.scalable;
    requests_ = caps.cpu_requests;
    if (!scalable_ || !requests_)
      cc.fail(target_, "\"" + t.id() + "\" is a " + t.type() +
                           ", whose CPU request cannot be set; a vpa's target must be a service");
    if (!requests_->has_cpu_request())
      cc.fail(target_, "\"" + t.id() + "\" has no CPU request: give it \"resources\": {\"requests\": {\"cpu\": ...}} "
                       "(cores), what the vpa resizes");
    for (const std::uint32_t from : cc.callers(cc.target_index(target_))) {
      if (from >= index()) continue;
      if (const auto* other = dynamic_cast<const Vpa*>(&cc.component(from)))
        cc.fail(target_, "\"" + t.id() + "\" is already resized by vpa \"" + other->id() + "\": give each service one");
    }
  }

  void start(Context& ctx) override {
    set_request_gauge(ctx);
    ctx.schedule(interval_, kSync);
  }

  void on_request(Context& ctx, CallId call) override { ctx.reply(call, Status::Error); }

  void on_timer(Context& ctx, std::uint16_t, std::uint64_t) override {
    const Time now = ctx.now();
    scalable_->instance_stats(now, stats_);
    sample(ctx, now);
    last_ = rec_.recommend();
    if (last_.valid) {
      ctx.metrics().set(target_g_, last_.target, now);
      ctx.metrics().set(lower_g_, last_.lower, now);
      // With no history span yet the upper bound is infinite (no eviction for it): not charted.
      if (std::isfinite(last_.upper)) ctx.metrics().set(upper_g_, last_.upper, now);
      if (mode_ != Mode::Off) requests_->set_cpu_request(last_.target);  // the admission controller
      if (mode_ == Mode::Recreate) update(ctx);
    }
    set_request_gauge(ctx);
    remember(now);
    if (now + interval_ <= ctx.end_time()) ctx.schedule(interval_, kSync);
  }

  void finish(Context& ctx, ComponentReport& r) override {
    r.add_text("mode", mode_name_);
    figures_.report(ctx, r);
    autoscaler::declare_vpa_page(r.page());
  }

 private:
  // The figures in summary.json, in order; finish() reports them. The recommendation's only
  // once the recommender gave one (its upper bound once finite).
  void declare_figures(Metrics& m) {
    figures_ = Figures(m, id_);
    Figures& f = figures_;
    f.value("samples", [this] { return static_cast<double>(rec_.samples()); });
    f.value("confidence_days", [this] { return rec_.confidence(); });
    f.maybe("target_cpu", [this](Context&) { return last_.valid ? std::optional<double>(last_.target) : std::nullopt; });
    f.maybe("lower_bound_cpu", [this](Context&) { return last_.valid ? std::optional<double>(last_.lower) : std::nullopt; });
    f.maybe("upper_bound_cpu", [this](Context&) {
      return last_.valid && std::isfinite(last_.upper) ? std::optional<double>(last_.upper) : std::nullopt;
    });
    f.value("request_cpu", [this] { return requests_->cpu_request(); });
    f.held("evictions", evictions_);
    f.held("evictions_refused", refused_);
  }

  // One sample per Ready pod that was there at the previous interval: its mean usage in cores.
  // Their mean is charted beside the recommendation (what the pods used, what they ask for).
  void sample(Context& ctx, Time now) {
    const double conc = static_cast<double>(scalable_->concurrency());
    const double dt = static_cast<double>(now - last_sync_);
    double sum = 0;
    int n = 0;
    for (const InstanceStat& s : stats_) {
      if (!s.ready) continue;
      auto it = std::lower_bound(prev_.begin(), prev_.end(), s.serial,
                                 [](const Prev& a, std::uint64_t v) { return a.serial < v; });
      if (it == prev_.end() || it->serial != s.serial || dt <= 0) continue;
      const double usage = (s.cpu_area - it->cpu_area) / (conc * dt) * s.cpu_request;
      rec_.add(usage, s.cpu_request, now);
      sum += usage, ++n;
    }
    if (n) ctx.metrics().set(usage_g_, sum / n, now);
  }

  // The updater: evicts Ready pods whose request is outside [lower, upper], as far as the
  // eviction restriction allows (pods_eviction_restriction.go).
  void update(Context& ctx) {
    const std::uint32_t configured = scalable_->replicas();
    if (configured < min_replicas_) return;
    std::uint32_t running = 0;
    for (const InstanceStat& s : stats_) running += s.ready ? 1 : 0;
    const auto tolerance = static_cast<std::uint32_t>(static_cast<double>(configured) * tolerance_);
    std::uint32_t evicted = 0;
    for (const InstanceStat& s : stats_) {
      if (!s.ready || (s.cpu_request >= last_.lower && s.cpu_request <= last_.upper)) continue;
      const bool allowed = running - evicted > configured - tolerance ||
                           (running == configured && tolerance == 0 && evicted == 0);
      if (!allowed) break;
      if (!requests_->evict(ctx, s.serial)) {
        ++refused_;
        continue;
      }
      ++evicted;
      ++evictions_;
    }
  }

  void remember(Time now) {
    prev_.clear();
    for (const InstanceStat& s : stats_) prev_.push_back(Prev{s.serial, s.cpu_area});
    std::sort(prev_.begin(), prev_.end(), [](const Prev& a, const Prev& b) { return a.serial < b.serial; });
    last_sync_ = now;
  }

  // The mean request of the Ready pods (what the service runs with now).
  void set_request_gauge(Context& ctx) {
    scalable_->instance_stats(ctx.now(), stats_);
    double sum = 0;
    int n = 0;
    for (const InstanceStat& s : stats_)
      if (s.ready) sum += s.cpu_request, ++n;
    if (n) ctx.metrics().set(request_g_, sum / n, ctx.now());
  }

  std::string id_, mode_name_;
  RefId target_ = 0;
  Scalable* scalable_ = nullptr;
  CpuRequests* requests_ = nullptr;
  Mode mode_ = Mode::Off;
  Time interval_ = kMinute, last_sync_ = 0;
  std::uint32_t min_replicas_ = 2;
  double tolerance_ = 0.5;
  VpaRecommender rec_;
  VpaRecommendation last_;
  std::vector<InstanceStat> stats_;
  std::vector<Prev> prev_;
  std::uint64_t evictions_ = 0, refused_ = 0;
  Figures figures_;  // every figure, reported by finish() in the order declared
  GaugeId target_g_, lower_g_, upper_g_, request_g_, usage_g_;
};

}  // namespace

std::unique_ptr<Component> make_vpa(Params& p, BuildContext& bc) { return std::make_unique<Vpa>(p, bc); }

}  // namespace archsim
