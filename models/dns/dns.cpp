#include "models/dns/dns.h"

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "sim/continuation.h"
#include "sim/figures.h"
#include "scenario/describe.h"
#include "sim/results.h"

namespace archsim {
namespace {

enum Tag : std::uint16_t { kProbe = 1 };
enum class Policy : std::uint8_t { Failover, Weighted, Latency, Geo };

constexpr std::uint16_t kNoTarget = 0xffff;
// Probe tokens: bit 62 set, the target index below (request tokens are job slots + generation,
// far below 2^62).
constexpr std::uint64_t kProbeBit = std::uint64_t{1} << 62;

struct Target {
  std::string id;
  RefId ref = 0;
  double weight = 1;
  bool healthy = true;
  std::uint32_t fails = 0, oks = 0;
  std::uint16_t region = 0;        // index into region names (connect)
  Time detected_down = -1;         // first time marked unhealthy
  Time last_unhealthy_send = -1;   // last request forwarded while it was unhealthy
  std::uint64_t answers = 0;       // resolutions that returned it
  CounterId requests_c;
};

struct Resolver {
  std::uint16_t target = kNoTarget;
  Time expiry = 0;
};

struct Job {
  CallId call{};
};

class Dns final : public Component {
 public:
  Dns(Params& p, BuildContext& bc) : rng_(bc.rng(0)) {
    const std::string policy = p.choice("policy", "failover", {"failover", "weighted", "latency", "geo"});
    policy_ = policy == "failover" ? Policy::Failover : policy == "weighted" ? Policy::Weighted
            : policy == "latency" ? Policy::Latency : Policy::Geo;
    if (!p.has("ttl")) p.missing("ttl");
    {
      const Params::Value v = p.value("ttl");
      if (auto n = v.as_number(); n && *n < 0) v.fail("must not be negative (Route 53 TTLs are 0 s or more)");
      if (auto s = v.as_string(); s && !s->empty() && (*s)[0] == '-') v.fail("must not be negative (Route 53 TTLs are 0 s or more)");
      ttl_ = v.duration();
    }
    resolvers_.resize(static_cast<std::size_t>(p.integer("resolvers", 1000, 1, 10'000'000)));

    const Params::Value ts = p.value("targets");
    if (ts.shape() != Params::Shape::array || ts.items().empty())
      p.fail("targets", "expected a non-empty array of component ids or {\"id\", \"weight\"} objects");
    std::vector<std::string> ids;
    for (const Params::Value& item : ts.items()) {
      Target t;
      if (auto s = item.as_string()) {
        t.id = *s;
        t.ref = bc.reference_to(t.id, item.pointer(), RefKind::SyncCall);
      } else {
        Params o = item.object();
        t.id = o.string("id");
        t.ref = bc.reference(o, "id", RefKind::SyncCall);
        t.weight = o.number("weight", 1.0, 0.0, 1e9);
      }
      if (std::find(ids.begin(), ids.end(), t.id) != ids.end()) item.fail("\"" + t.id + "\" is listed twice");
      ids.push_back(t.id);
      targets_.push_back(std::move(t));
    }
    if (targets_.size() >= kNoTarget) p.fail("targets", "has too many targets");
    if (policy_ == Policy::Weighted) {
      double total = 0;
      for (const Target& t : targets_) total += t.weight;
      if (total <= 0) p.fail("targets", "the weights must not all be zero");
    }

    if (auto geo = p.object_opt("geo")) {
      if (policy_ != Policy::Geo) p.fail("geo", "maps regions to targets for \"policy\": \"geo\" only");
      const std::vector<std::string>& regions = bc.region_names();
      for (const std::string& region : geo->keys()) {
        const std::string target = geo->string(region);
        auto it = std::find(ids.begin(), ids.end(), target);
        if (it == ids.end()) geo->fail(region, "\"" + target + "\" is not one of the targets" + did_you_mean(target, ids));
        const auto t = static_cast<std::uint16_t>(it - ids.begin());
        if (region == "*") {
          geo_default_ = t;
          continue;
        }
        auto r = std::find(regions.begin(), regions.end(), region);
        if (r == regions.end())
          geo->fail(region, "unknown region \"" + region + "\"" + did_you_mean(region, regions) +
                                (regions.empty() ? " (no network.regions are declared)" : ""));
        geo_names_.push_back(region);
        geo_targets_.push_back(t);
      }
      if (geo_default_ == kNoTarget) p.fail("geo", "needs a \"*\" default for viewers of other regions");
    } else if (policy_ == Policy::Geo) {
      p.missing("geo");
    }

    // Route 53's defaults: a probe every 30 s, unhealthy after 3 failures, 4 s to answer.
    interval_ = 30 * kSecond;
    probe_timeout_ = 4 * kSecond;
    if (auto h = p.object_opt("health_check")) {
      interval_ = h->duration("interval", interval_, kMillisecond);
      threshold_ = static_cast<std::uint32_t>(h->integer("failure_threshold", 3, 1, 10));
      probe_timeout_ = h->duration("timeout", probe_timeout_, kMillisecond);
      if (probe_timeout_ > interval_) h->fail("timeout", "is longer than the interval: probes would overlap");
    }
    health_route_ = bc.route_index("health");

    const std::string& id = bc.id();
    Metrics& m = bc.metrics();
    requests_c_ = m.counter(id, "requests", "throughput_rps");
    resolutions_c_ = m.counter(id, "resolutions", "resolutions_rps");
    to_unhealthy_c_ = m.counter(id, "to_unhealthy", "to_unhealthy_rps");
    for (Target& t : targets_) t.requests_c = m.counter(id, "requests." + t.id, "requests_rps." + t.id);
    declare_figures(m, id);
    jobs_.reserve(1024);
  }

  void connect(ConnectContext& cc) override {
    // Regions by component index: the caller's decides latency and geo answers.
    const std::uint32_t n = cc.component_count();
    std::vector<std::string> names;
    auto region_index = [&](const std::string& r) {
      auto it = std::find(names.begin(), names.end(), r);
      if (it != names.end()) return static_cast<std::uint16_t>(it - names.begin());
      names.push_back(r);
      return static_cast<std::uint16_t>(names.size() - 1);
    };
    region_of_.resize(n);
    for (std::uint32_t i = 0; i < n; ++i) region_of_[i] = region_index(cc.region(i));
    for (Target& t : targets_) t.region = region_of_[cc.target_index(t.ref)];
    // Preference order of the targets per region (latency policy), computed once.
    latency_order_.assign(names.size() * targets_.size(), 0);
    for (std::size_t r = 0; r < names.size(); ++r) {
      std::vector<std::uint16_t> order(targets_.size());
      for (std::size_t t = 0; t < targets_.size(); ++t) order[t] = static_cast<std::uint16_t>(t);
      std::stable_sort(order.begin(), order.end(), [&](std::uint16_t a, std::uint16_t b) {
        return cc.region_latency_s(names[r], names[targets_[a].region]) < cc.region_latency_s(names[r], names[targets_[b].region]);
      });
      std::copy(order.begin(), order.end(), latency_order_.begin() + static_cast<std::ptrdiff_t>(r * targets_.size()));
    }
    geo_by_region_.assign(names.size(), geo_default_);
    for (std::size_t g = 0; g < geo_names_.size(); ++g) geo_by_region_[region_index_or_none(names, geo_names_[g])] = geo_targets_[g];
  }

  void start(Context& ctx) override {
    if (interval_ > 0) ctx.schedule(interval_, kProbe);
  }

  void on_request(Context& ctx, CallId call) override {
    const RequestInfo req = ctx.request(call);
    const std::uint32_t caller = ctx.caller(call);
    Resolver& res = resolvers_[mix64(caller, req.session) % resolvers_.size()];
    if (res.target == kNoTarget || ctx.now() >= res.expiry) {
      res.target = resolve(caller);
      res.expiry = after(ctx.now(), ttl_);
      ctx.metrics().add(resolutions_c_);
      ++targets_[res.target].answers;
    }
    Target& t = targets_[res.target];
    ctx.metrics().add(requests_c_);
    ctx.metrics().add(t.requests_c);
    if (!t.healthy) {
      ctx.metrics().add(to_unhealthy_c_);
      t.last_unhealthy_send = ctx.now();
    }
    const std::uint32_t j = jobs_.alloc();
    jobs_[j].call = call;
    ctx.call(t.ref, req, ContinuationSpace::kOwnTokens.make(jobs_.payload(j)));
  }

  void on_reply(Context& ctx, CallId call, Status status, std::uint64_t token) override {
    if (token & kProbeBit) {
      probe_result(ctx, static_cast<std::uint32_t>(token & 0xffff), served(status));
      return;
    }
    const std::uint32_t j = jobs_.find(token);
    if (j == kNoSlot) return;
    ctx.reply(jobs_[j].call, status, ctx.result(call));
    jobs_.free(j);
  }

  void on_timer(Context& ctx, std::uint16_t tag, std::uint64_t) override {
    if (tag != kProbe) return;
    for (std::uint32_t t = 0; t < targets_.size(); ++t) {
      RequestInfo r;
      r.id = ctx.next_request_id();
      r.start = ctx.now();
      r.route = static_cast<std::uint16_t>(health_route_);
      ctx.call(targets_[t].ref, r, kProbeBit | t, probe_timeout_);
    }
    if (ctx.now() + interval_ <= ctx.end_time()) ctx.schedule(interval_, kProbe);
  }

  // For `archsim analyze` (scenario/describe.h): a forwarder over its targets. Failover sends
  // everything to the first target (the others stand by, so losing one is survived);
  // weighted follows the weights; latency and geo depend on where viewers are, which the
  // analysis does not know: an even split is assumed.
  void describe(Description& d) const override {
    d.kind = Description::Kind::Forwarder;
    for (std::size_t k = 0; k < targets_.size(); ++k) {
      double w = 1.0;
      if (policy_ == Policy::Failover) w = k == 0 ? 1.0 : 0.0;
      else if (policy_ == Policy::Weighted) w = targets_[k].weight;
      d.targets.push_back(Description::Target{targets_[k].ref, w});
    }
  }

  void finish(Context& ctx, ComponentReport& r) override { figures_.report(ctx, r); }

 private:
  // The figures in summary.json, in order; finish() reports them. A moment that never came
  // reads -1.
  void declare_figures(Metrics& m, const std::string& id) {
    figures_ = Figures(m, id);
    Figures& f = figures_;
    auto seconds_or_none = [](Time t) { return t < 0 ? -1.0 : to_seconds(t); };
    f.per_second("throughput_rps", requests_c_);
    f.total("resolutions", resolutions_c_);
    f.total("to_unhealthy", to_unhealthy_c_);
    for (const Target& t : targets_) {
      f.total("targets." + t.id + ".requests", t.requests_c);
      f.value("targets." + t.id + ".healthy", [&t] { return t.healthy ? 1.0 : 0.0; });
      f.value("targets." + t.id + ".detected_down_s", [&t, seconds_or_none] { return seconds_or_none(t.detected_down); });
      f.value("targets." + t.id + ".last_unhealthy_request_s",
              [&t, seconds_or_none] { return seconds_or_none(t.last_unhealthy_send); });
    }
    // When the last request went to an endpoint known to be down: the failover's end.
    f.value("failover_complete_s", [this, seconds_or_none] {
      Time complete = -1;
      for (const Target& t : targets_) complete = std::max(complete, t.last_unhealthy_send);
      return seconds_or_none(complete);
    });
  }

  static std::size_t region_index_or_none(const std::vector<std::string>& names, const std::string& r) {
    return static_cast<std::size_t>(std::find(names.begin(), names.end(), r) - names.begin());
  }

  std::uint16_t resolve(std::uint32_t caller) {
    const std::size_t n = targets_.size();
    bool any = false;
    for (const Target& t : targets_) any = any || t.healthy;
    // No healthy target: answer as if all were healthy (Route 53).
    auto ok = [&](std::size_t t) { return !any || targets_[t].healthy; };
    switch (policy_) {
      case Policy::Failover:
        for (std::size_t t = 0; t < n; ++t)
          if (ok(t)) return static_cast<std::uint16_t>(t);
        break;
      case Policy::Weighted: {
        double total = 0;
        for (std::size_t t = 0; t < n; ++t)
          if (ok(t)) total += targets_[t].weight;
        if (total <= 0) {  // only zero-weight targets are healthy: treat all as healthy
          any = false;
          for (std::size_t t = 0; t < n; ++t) total += targets_[t].weight;
        }
        double x = rng_.uniform() * total;
        for (std::size_t t = 0; t < n; ++t) {
          if (!ok(t)) continue;
          x -= targets_[t].weight;
          if (x < 0) return static_cast<std::uint16_t>(t);
        }
        for (std::size_t t = n; t > 0; --t)
          if (ok(t - 1) && targets_[t - 1].weight > 0) return static_cast<std::uint16_t>(t - 1);
        break;
      }
      case Policy::Latency: {
        const std::size_t base = static_cast<std::size_t>(region_of_[caller]) * n;
        for (std::size_t k = 0; k < n; ++k)
          if (ok(latency_order_[base + k])) return latency_order_[base + k];
        break;
      }
      case Policy::Geo: {
        const std::uint16_t t = geo_by_region_[region_of_[caller]];
        if (ok(t)) return t;
        if (ok(geo_default_)) return geo_default_;
        return t;
      }
    }
    return 0;
  }

  void probe_result(Context& ctx, std::uint32_t t, bool success) {
    Target& tg = targets_[t];
    if (success) {
      tg.fails = 0;
      if (!tg.healthy && ++tg.oks >= threshold_) tg.healthy = true;
      return;
    }
    tg.oks = 0;
    if (tg.healthy && ++tg.fails >= threshold_) {
      tg.healthy = false;
      if (tg.detected_down < 0) tg.detected_down = ctx.now();
    }
  }

  Policy policy_ = Policy::Failover;
  Time ttl_ = 0, interval_ = 0, probe_timeout_ = 0;
  std::uint32_t threshold_ = 3;
  std::uint32_t health_route_ = 0;
  std::vector<Target> targets_;
  std::vector<Resolver> resolvers_;
  std::vector<std::uint16_t> region_of_;      // region index by component index
  std::vector<std::uint16_t> latency_order_;  // per region, the targets by latency from it
  std::vector<std::string> geo_names_;        // geo: region names, as read
  std::vector<std::uint16_t> geo_targets_;    // and their targets
  std::vector<std::uint16_t> geo_by_region_;  // geo: target by region index (connect)
  std::uint16_t geo_default_ = kNoTarget;
  SlotTable<Job> jobs_;
  Rng rng_;
  CounterId requests_c_, resolutions_c_, to_unhealthy_c_;
  Figures figures_;  // every figure, reported by finish() in the order declared
};

}  // namespace

std::unique_ptr<Component> make_dns(Params& p, BuildContext& bc) { return std::make_unique<Dns>(p, bc); }

}  // namespace archsim
