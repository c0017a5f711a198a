// Fault injection, as chaos-engineering tools and service meshes do it.
//
// Scheduled faults ("faults": [{"at", "duration", "kind", "target", ...}]) follow:
//   crash        Chaos Monkey / `kubectl delete pod`: instances die, drop what they hold, and
//                come back after the service's restart_time (+ startup_time). Instantaneous.
//   zone_outage  an AWS availability-zone failure: every instance in the zone is down until
//                the fault ends; clients/balancers placed in the zone are cut off.
//   partition    a network partition between groups: calls and replies crossing groups are
//                lost, so callers can only time out (Jepsen's partitions).
//   latency      Istio HTTPFaultInjection.delay: `percent` of calls on a link ("a->b") or to a
//                component wait `add` more (Envoy fault filter, fixed_delay_percent).
//   error_rate   Istio HTTPFaultInjection.abort: a fraction of calls answered 5xx by the
//                caller's sidecar without reaching the callee; on a service, the service
//                itself answers 5xx (a dependency returning errors).
//   slowdown     service times x factor (slow queries, GC pauses).
//   memory_leak  memory grows per request or per second until memory.limit_mb OOMKills the
//                instance; the kubelet restarts it with CrashLoopBackOff (models/service).
//   disk_full    writes (client routes with "write": true) fail with 5xx, reads work.
// Sources read: Istio VirtualService HTTPFaultInjection and the Envoy fault filter docs
// (delay/abort percentages), Kubernetes pod lifecycle (restart back-off).
// Random failures ("failures": {"mtbf", "mttr", "scope"} on a component) alternate up
// periods drawn from mtbf and down periods drawn from mttr (an alternating renewal process,
// the model behind the Markov availability formula). scope "instance": each instance slot
// of a service that exists at t = 0 fails on its own; "component": the whole component.
// Simplifications: instances added later by an autoscaler get no random failures unless
// they reuse a slot; overlapping latency faults on one link use the latest one's delay;
// a crashed or partitioned non-service component is modelled by losing its links.
#include "models/faults/faults.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include <nlohmann/json.hpp>

#include "models/common/capabilities.h"
#include "sim/results.h"

namespace archsim {
namespace {

enum Tag : std::uint16_t { kBegin = 1, kEnd, kFail, kRepair };

struct Fault {
  enum Kind : std::uint8_t { Crash, ZoneOutage, Partition, Latency, ErrorRate, Slowdown, MemoryLeak, DiskFull } kind;
  Time at = 0, end = 0;
  bool has_end = false;
  std::string label, pointer;
  std::int64_t target = -1, link_from = -1;  // component indices (link_from >= 0: a link fault "a->b")
  std::uint32_t instances = 0;               // crash; UINT32_MAX = all
  std::string zone;
  std::vector<std::vector<std::uint32_t>> groups;
  Distribution add;
  double fraction = 1, factor = 1, per_request_mb = 0, per_second_mb = 0;
  // Resolved at connect.
  bool direct = false;                       // acts on the target through its capabilities
  std::vector<std::uint32_t> links;          // links this fault acts on
  std::vector<std::uint32_t> zone_members;   // zone-aware components with instances in the zone
};

// One random-failure process: a service instance slot, or a whole component.
struct Process {
  std::uint32_t component = 0;
  std::uint32_t slot = 0;
  bool whole = false;
  std::size_t spec = 0;
  Time down_since = 0;
};

struct FailureSpec {
  std::uint32_t component = 0;
  Distribution mtbf, mttr;
  bool instance_scope = true;
  std::string pointer;
  Crashable* crashable = nullptr;    // the component's instances, when it has them
  std::vector<std::uint32_t> links;  // component scope on a non-crashable: its links are lost
  Rng rng;
  std::uint32_t failures = 0;        // counted from warm-up
  double down_seconds = 0;
};

class FaultInjector final : public Component {
 public:
  FaultInjector(Params& top, std::vector<ComponentKey>& keys, BuildContext& bc) : rng_(bc.rng(0)) {
    run_end_ = bc.duration();
    for (std::uint32_t i = 0; i < bc.component_count(); ++i) {
      ids_.push_back(bc.component_id(i));
      types_.push_back(bc.component_type(i));
      zones_.push_back(bc.component_zone(i));
    }
    std::vector<Params> list = top.objects("faults");
    for (Params& p : list) faults_.push_back(read_fault(p, bc));
    for (ComponentKey& k : keys) {
      FailureSpec f;
      f.component = k.component;
      f.pointer = k.params.pointer();
      f.mtbf = k.params.distribution("mtbf");
      f.mttr = k.params.distribution("mttr");
      if (f.mtbf.mean() <= 0) k.params.fail("mtbf", "must have a positive mean");
      f.instance_scope = k.params.choice("scope", "instance", {"instance", "component"}) == "instance";
      f.rng = Rng::stream(bc.run_seed(), ids_[k.component], 0xfa11);
      specs_.push_back(std::move(f));
    }
  }

  bool accepts_calls() const override { return false; }

  void connect(ConnectContext& cc) override {
    links_ = cc.links();
    link_faults_.assign(links_.size(), {});
    for (std::uint32_t c = 0; c < ids_.size(); ++c) caps_.push_back(capabilities_of(cc.component(c)));
    for (Fault& f : faults_) resolve(f);
    for (FailureSpec& s : specs_) {
      s.crashable = caps_[s.component].crashable;
      if (!s.crashable) {
        if (s.instance_scope)
          throw ScenarioError(s.pointer + "/scope", "\"" + ids_[s.component] + "\" is a " + types_[s.component] +
                                                        ": instance failures need a service; use \"scope\": \"component\"");
        for (std::uint32_t l = 0; l < links_.size(); ++l)
          if (links_[l].first == s.component || links_[l].second == s.component) s.links.push_back(l);
      }
    }
  }

  void start(Context& ctx) override {
    for (std::size_t i = 0; i < faults_.size(); ++i) {
      ctx.schedule(faults_[i].at, kBegin, i);
      if (faults_[i].has_end && faults_[i].end < run_end_) ctx.schedule(faults_[i].end, kEnd, i);
    }
    for (std::size_t s = 0; s < specs_.size(); ++s) {
      FailureSpec& spec = specs_[s];
      std::uint32_t slots = spec.crashable && spec.instance_scope ? spec.crashable->instance_slots() : 1;
      for (std::uint32_t k = 0; k < slots; ++k) {
        Process p;
        p.component = spec.component;
        p.slot = k;
        p.whole = !spec.instance_scope;
        p.spec = s;
        procs_.push_back(p);
        ctx.schedule(spec.mtbf.sample_time(spec.rng), kFail, procs_.size() - 1);
      }
    }
  }

  void on_request(Context& ctx, CallId call) override { ctx.reply(call, Status::Error); }

  void on_timer(Context& ctx, std::uint16_t tag, std::uint64_t data) override {
    switch (tag) {
      case kBegin: begin(ctx, faults_[data]); break;
      case kEnd: end(ctx, faults_[data]); break;
      case kFail: fail(ctx, procs_[data], data); break;
      case kRepair: repair(ctx, procs_[data], data); break;
    }
  }

  void finish(Context& ctx, ComponentReport& r) override {
    Time now = ctx.end_time(), warm = ctx.warmup();
    double measured = to_seconds(now - warm);
    for (const Fault& f : faults_) r.add_interval("fault", f.label, f.at, f.has_end ? std::min(f.end, now) : (f.kind == Fault::Crash ? f.at : now));
    // Observed MTBF / MTTR per component concerned by a fault or random failures.
    std::vector<char> seen(ids_.size(), 0);
    for (const Fault& f : faults_) {
      if (f.target >= 0) seen[static_cast<std::size_t>(f.target)] = 1;
      for (std::uint32_t m : f.zone_members) seen[m] = 1;
    }
    for (const FailureSpec& s : specs_) seen[s.component] = 1;
    for (std::uint32_t c = 0; c < ids_.size(); ++c) {
      if (!seen[c]) continue;
      const std::string base = "components." + ids_[c] + ".";
      const FailureSpec* spec = nullptr;
      for (const FailureSpec& s : specs_)
        if (s.component == c) spec = &s;
      if (spec) {
        double down = spec->down_seconds;
        for (const Process& p : procs_)  // failures still under repair at the end
          if (p.component == c && p.down_since > 0) down += to_seconds(now - std::max(p.down_since, warm));
        r.add(base + "injected_failures", spec->failures);
        if (spec->failures > 0) r.add(base + "injected_mttr_s", down / spec->failures);
      }
      // Availability of a component whose instances a fault acted on.
      bool acted = spec && spec->crashable;
      for (const Fault& f : faults_) {
        if (f.target == static_cast<std::int64_t>(c) && f.direct) acted = true;
        if (std::find(f.zone_members.begin(), f.zone_members.end(), c) != f.zone_members.end()) acted = true;
      }
      const Crashable* crashable = caps_[c].crashable;
      if (!acted || !crashable) continue;
      Crashable::ReadyHistory h = crashable->ready_history(now, warm);
      double out_s = h.outage_seconds;
      r.add(base + "outages", h.outages);
      r.add(base + "downtime_s", out_s);
      r.add(base + "uptime", measured > 0 ? 1.0 - out_s / measured : 1.0);
      if (h.outages > 0) {
        r.add(base + "mttr_s", out_s / h.outages);
        r.add(base + "mtbf_s", (measured - out_s) / h.outages);
      }
      // Time fraction with at least k ready instances (k-of-n availability).
      double total = 0;
      for (double x : h.seconds_at) total += x;
      double at_least = total;
      for (std::size_t k = 1; k < h.seconds_at.size(); ++k) {
        at_least -= h.seconds_at[k - 1];
        r.add(base + "ready_at_least." + std::to_string(k), total > 0 ? std::max(0.0, at_least) / total : 0.0);
      }
      if (h.oom_kills) r.add(base + "oom_kills", h.oom_kills);
    }
  }

 private:
  // ---- reading ----

  std::uint32_t component_index(Params& p, std::string_view key, const std::string& id) const {
    for (std::uint32_t i = 0; i < ids_.size(); ++i)
      if (ids_[i] == id) return i;
    p.fail(key, "unknown component \"" + id + "\"" + did_you_mean(id, ids_));
  }

  Fault read_fault(Params& p, BuildContext& bc) {
    Fault f;
    f.pointer = p.pointer();
    static const std::vector<std::string> kinds = {"crash",       "zone_outage", "partition",   "latency",
                                                   "error_rate",  "slowdown",    "memory_leak", "disk_full"};
    if (!p.has("kind")) p.missing("kind");
    std::string kind = p.choice("kind", "crash", kinds);
    f.kind = static_cast<Fault::Kind>(std::find(kinds.begin(), kinds.end(), kind) - kinds.begin());
    f.at = p.duration("at");
    if (f.at >= bc.duration())
      p.fail("at", "is at or beyond the end of the run (" + format_duration(bc.duration()) + ")");
    if (f.kind == Fault::Crash) {
      if (p.has("duration"))
        p.fail("duration", "a crash is instantaneous: instances come back after the service's restart_time");
    } else if (auto d = p.duration_opt("duration")) {
      if (*d <= 0) p.fail("duration", "must be positive");
      f.has_end = true;
      f.end = f.at + *d;
    }
    f.label = kind;
    auto need_target = [&]() {
      std::string id = p.string("target");
      f.target = component_index(p, "target", id);
      f.label += " " + id;
    };
    switch (f.kind) {
      case Fault::Crash: {
        need_target();
        const nlohmann::json& n = p.raw("instances");
        if (n.is_null()) {
          f.instances = 1;
        } else if (n.is_string() && n.get<std::string>() == "all") {
          f.instances = UINT32_MAX;
        } else if (n.is_number_integer() && n.get<std::int64_t>() >= 1) {
          f.instances = static_cast<std::uint32_t>(std::min<std::int64_t>(n.get<std::int64_t>(), UINT32_MAX - 1));
        } else {
          p.fail("instances", "expected a positive whole number or \"all\"");
        }
        f.label += f.instances == UINT32_MAX ? " (all instances)" : " (" + std::to_string(f.instances) + " instance" + (f.instances > 1 ? "s)" : ")");
        break;
      }
      case Fault::ZoneOutage: {
        f.zone = p.string("zone");  // checked at connect, where services' zone lists are known
        f.label += " " + f.zone;
        break;
      }
      case Fault::Partition: {
        const nlohmann::json& g = p.raw("groups");
        if (!g.is_array() || g.size() < 2) p.fail("groups", "expected at least two groups: [[\"a\", \"b\"], [\"c\"]]");
        std::vector<char> used(ids_.size(), 0);
        for (std::size_t i = 0; i < g.size(); ++i) {
          std::string gp = p.path("groups") + "/" + std::to_string(i);
          if (!g[i].is_array() || g[i].empty()) throw ScenarioError(gp, "expected a non-empty array of component ids");
          std::vector<std::uint32_t> members;
          for (std::size_t k = 0; k < g[i].size(); ++k) {
            std::string mp = gp + "/" + std::to_string(k);
            if (!g[i][k].is_string()) throw ScenarioError(mp, "expected a component id");
            std::string id = g[i][k].get<std::string>();
            auto it = std::find(ids_.begin(), ids_.end(), id);
            if (it == ids_.end()) throw ScenarioError(mp, "unknown component \"" + id + "\"" + did_you_mean(id, ids_));
            std::uint32_t idx = static_cast<std::uint32_t>(it - ids_.begin());
            if (used[idx]) throw ScenarioError(mp, "\"" + id + "\" is in more than one group");
            used[idx] = 1;
            members.push_back(idx);
          }
          f.groups.push_back(std::move(members));
        }
        break;
      }
      case Fault::Latency:
      case Fault::ErrorRate: {
        std::string t = p.string("target");
        auto arrow = t.find("->");
        if (arrow != std::string::npos) {
          std::string a = t.substr(0, arrow), b = t.substr(arrow + 2);
          f.link_from = component_index(p, "target", a);
          f.target = component_index(p, "target", b);
        } else {
          f.target = component_index(p, "target", t);
        }
        f.label += " " + t;
        if (f.kind == Fault::Latency) {
          f.add = p.distribution("add");
          f.fraction = p.number("percent", 100.0, 0.0, 100.0) / 100.0;
        } else {
          f.fraction = p.require_number("rate", 0.0, 1.0);
        }
        break;
      }
      case Fault::Slowdown:
        need_target();
        f.factor = p.require_number("factor", 1e-3, 1e6);
        break;
      case Fault::MemoryLeak:
        need_target();
        f.per_request_mb = p.number("per_request_mb", 0.0, 0.0, 1e9);
        f.per_second_mb = p.number("per_second_mb", 0.0, 0.0, 1e9);
        if (f.per_request_mb <= 0 && f.per_second_mb <= 0)
          p.fail_here("a memory_leak needs \"per_request_mb\" or \"per_second_mb\" (positive)");
        break;
      case Fault::DiskFull:
        need_target();
        break;
    }
    return f;
  }

  const Capabilities& target_caps(const Fault& f) const { return caps_[static_cast<std::size_t>(f.target)]; }

  // The fault acts on its target through a capability, which `has` says the target offers.
  void need(Fault& f, bool has) const {
    if (!has)
      throw ScenarioError(f.pointer + "/target", "\"" + ids_[static_cast<std::size_t>(f.target)] + "\" is a " +
                                                     types_[static_cast<std::size_t>(f.target)] + "; this fault needs a service");
    f.direct = true;
  }

  void resolve(Fault& f) {
    switch (f.kind) {
      case Fault::Crash:
        need(f, target_caps(f).crashable);
        break;
      case Fault::Slowdown:
      case Fault::DiskFull:
        need(f, target_caps(f).degradable);
        break;
      case Fault::MemoryLeak:
        need(f, target_caps(f).degradable);
        if (!target_caps(f).degradable->oom_killable())
          throw ScenarioError(f.pointer + "/target", "\"" + ids_[static_cast<std::size_t>(f.target)] +
                                                         "\" has no memory.limit_mb: a leak could never get it OOMKilled");
        break;
      case Fault::ZoneOutage: {
        bool found = false;
        std::vector<std::string> known;
        for (std::uint32_t c = 0; c < ids_.size(); ++c) {
          ZoneAware* s = caps_[c].zone_aware;
          const std::vector<std::string>* zs = s ? &s->zones() : nullptr;
          bool in_zone = false;
          if (zs) {
            for (const auto& z : *zs) {
              if (!z.empty()) known.push_back(z);
              in_zone = in_zone || z == f.zone;
            }
          } else {
            if (!zones_[c].empty()) known.push_back(zones_[c]);
            in_zone = zones_[c] == f.zone;
          }
          if (!in_zone) continue;
          found = true;
          if (s) {
            f.zone_members.push_back(c);
          } else {
            for (std::uint32_t l = 0; l < links_.size(); ++l)
              if (links_[l].first == c || links_[l].second == c) f.links.push_back(l);
          }
        }
        if (!found) {
          std::sort(known.begin(), known.end());
          known.erase(std::unique(known.begin(), known.end()), known.end());
          throw ScenarioError(f.pointer + "/zone", "no component is in zone \"" + f.zone + "\"" + did_you_mean(f.zone, known));
        }
        break;
      }
      case Fault::Partition: {
        std::vector<int> group(ids_.size(), -1);
        for (std::size_t g = 0; g < f.groups.size(); ++g)
          for (std::uint32_t c : f.groups[g]) group[c] = static_cast<int>(g);
        for (std::uint32_t l = 0; l < links_.size(); ++l) {
          int a = group[links_[l].first], b = group[links_[l].second];
          if (a >= 0 && b >= 0 && a != b) f.links.push_back(l);
        }
        break;
      }
      case Fault::Latency:
      case Fault::ErrorRate: {
        auto to = static_cast<std::uint32_t>(f.target);
        if (f.kind == Fault::ErrorRate && f.link_from < 0 && caps_[to].degradable) {
          f.direct = true;  // the service answers 5xx itself
          break;
        }
        for (std::uint32_t l = 0; l < links_.size(); ++l)
          if (links_[l].second == to && (f.link_from < 0 || links_[l].first == static_cast<std::uint32_t>(f.link_from)))
            f.links.push_back(l);
        if (f.links.empty())
          throw ScenarioError(f.pointer + "/target", f.link_from >= 0 ? "no link from \"" + ids_[static_cast<std::size_t>(f.link_from)] +
                                                                             "\" to \"" + ids_[to] + "\" (the first does not call the second)"
                                                                       : "nothing calls \"" + ids_[to] + "\"");
        break;
      }
    }
  }

  // ---- playing ----

  void begin(Context& ctx, Fault& f) {
    switch (f.kind) {
      case Fault::Crash: target_caps(f).crashable->crash(ctx, f.instances); break;
      case Fault::ZoneOutage:
        for (std::uint32_t m : f.zone_members) caps_[m].zone_aware->fail_zone(ctx, f.zone);
        apply_links(ctx, f, true);
        break;
      case Fault::Slowdown: target_caps(f).degradable->set_slowdown(f.factor); break;
      case Fault::MemoryLeak: target_caps(f).degradable->set_memory_leak(ctx, f.per_request_mb, f.per_second_mb); break;
      case Fault::DiskFull: target_caps(f).degradable->set_disk_full(true); break;
      case Fault::ErrorRate:
        if (f.direct) {
          target_caps(f).degradable->set_error_rate(f.fraction);
          break;
        }
        apply_links(ctx, f, true);
        break;
      case Fault::Partition:
      case Fault::Latency: apply_links(ctx, f, true); break;
    }
  }

  void end(Context& ctx, Fault& f) {
    switch (f.kind) {
      case Fault::Crash: break;
      case Fault::ZoneOutage:
        for (std::uint32_t m : f.zone_members) caps_[m].zone_aware->restore_zone(ctx, f.zone);
        apply_links(ctx, f, false);
        break;
      case Fault::Slowdown: target_caps(f).degradable->set_slowdown(1.0); break;
      case Fault::MemoryLeak: target_caps(f).degradable->set_memory_leak(ctx, 0, 0); break;
      case Fault::DiskFull: target_caps(f).degradable->set_disk_full(false); break;
      case Fault::ErrorRate:
        if (f.direct) {
          target_caps(f).degradable->set_error_rate(0);
          break;
        }
        apply_links(ctx, f, false);
        break;
      case Fault::Partition:
      case Fault::Latency: apply_links(ctx, f, false); break;
    }
  }

  // Link faults compose: lost if any active fault loses, aborts combine as independent
  // chances, the latest delay wins.
  void apply_links(Context& ctx, const Fault& f, bool on) {
    const auto id = static_cast<std::uint32_t>(&f - faults_.data());
    for (std::uint32_t l : f.links) {
      auto& active = link_faults_[l];
      if (on) active.push_back(id);
      else active.erase(std::remove(active.begin(), active.end(), id), active.end());
      push_link(ctx, l);
    }
  }

  void push_link(Context& ctx, std::uint32_t l) {
    LinkFault lf;
    double pass = 1;
    for (std::uint32_t id : link_faults_[l]) {
      const Fault& f = faults_[id];
      if (f.kind == Fault::Partition || f.kind == Fault::ZoneOutage) lf.lose = true;
      if (f.kind == Fault::ErrorRate) pass *= 1 - f.fraction;
      if (f.kind == Fault::Latency) {
        lf.delay_fraction = f.fraction;
        lf.delay = f.add;
      }
    }
    lf.lose = lf.lose || lost_links_count(l) > 0;
    lf.abort = 1 - pass;
    ctx.set_link_fault(l, lf);
  }

  std::uint32_t lost_links_count(std::uint32_t l) const {
    std::uint32_t n = 0;
    for (const Process& p : procs_)
      if (p.whole && p.down_since > 0) {
        const FailureSpec& s = specs_[p.spec];
        if (!s.crashable && std::find(s.links.begin(), s.links.end(), l) != s.links.end()) ++n;
      }
    return n;
  }

  // Takes the process's instance (or every instance, or the component's links) down or up.
  void set_down(Context& ctx, FailureSpec& s, const Process& p, bool down) {
    if (!s.crashable) {
      for (std::uint32_t l : s.links) push_link(ctx, l);
      return;
    }
    Crashable& c = *s.crashable;
    auto apply = [&](std::uint32_t k) { down ? void(c.fail_instance(ctx, k)) : c.repair_instance(ctx, k); };
    if (!p.whole) return apply(p.slot);
    for (std::uint32_t k = 0; k < c.instance_slots(); ++k) apply(k);
  }

  void fail(Context& ctx, Process& p, std::uint64_t index) {
    FailureSpec& s = specs_[p.spec];
    p.down_since = std::max<Time>(ctx.now(), 1);  // 0 means "up"
    if (ctx.now() >= ctx.warmup()) ++s.failures;
    set_down(ctx, s, p, true);
    ctx.schedule(s.mttr.sample_time(s.rng), kRepair, index);
  }

  void repair(Context& ctx, Process& p, std::uint64_t index) {
    FailureSpec& s = specs_[p.spec];
    Time from = std::max(p.down_since, ctx.warmup());
    if (ctx.now() > from) s.down_seconds += to_seconds(ctx.now() - from);
    p.down_since = 0;
    set_down(ctx, s, p, false);
    ctx.schedule(s.mtbf.sample_time(s.rng), kFail, index);
  }

  Rng rng_;
  Time run_end_ = 0;
  std::vector<std::string> ids_, types_, zones_;
  std::vector<Capabilities> caps_;  // per component, found in connect()
  std::vector<Fault> faults_;
  std::vector<FailureSpec> specs_;
  std::vector<Process> procs_;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> links_;
  std::vector<std::vector<std::uint32_t>> link_faults_;  // per link: active scheduled faults
};

}  // namespace

std::unique_ptr<Component> make_fault_injector(Params& top, std::vector<ComponentKey>& failures, BuildContext& bc) {
  return std::make_unique<FaultInjector>(top, failures, bc);
}

}  // namespace archsim
