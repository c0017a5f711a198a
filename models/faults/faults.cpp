// Fault injection, as chaos-engineering tools and service meshes do it.
//
// Scheduled faults ("faults": [{"at", "duration", "kind", "target", ...}]): the injector
// reads "at", "duration" and "kind" and plays the kind's entry of the FaultKindRegistry
// (models/contracts/fault_kinds.h; the built-in kinds and what they follow are in
// fault_kinds.cpp): apply() at "at", revert() after "duration", and the kind's LinkEffect
// on the links it resolved, composed with the other faults active on each link.
// Random failures ("failures": {"mtbf", "mttr", "scope"} on a component) alternate up
// periods drawn from mtbf and down periods drawn from mttr (an alternating renewal process,
// the model behind the Markov availability formula). scope "instance": each instance slot
// of a service that exists at t = 0 fails on its own; "component": the whole component.
// Simplifications: instances added later by an autoscaler get no random failures unless
// they reuse a slot; overlapping latency faults on one link use the latest one's delay;
// a crashed or partitioned non-service component is modelled by losing its links.
#include "models/faults/faults.h"

#include <algorithm>
#include <memory>
#include <string>
#include <utility>

#include "models/contracts/capabilities.h"
#include "sim/results.h"

namespace archsim {
namespace {

enum Tag : std::uint16_t { kBegin = 1, kEnd, kFail, kRepair, kStep };

struct Fault {
  std::string name;  // "name", or empty
  const FaultKind* kind = nullptr;
  Time at = 0, end = 0;
  bool has_end = false;
  FaultPlan plan;
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
  FaultInjector(Params& top, std::vector<ComponentKey>& keys, BuildContext& bc,
                std::shared_ptr<const FaultKindRegistry> kinds)
      : kinds_(std::move(kinds)), rng_(bc.rng(0)) {
    run_end_ = bc.duration();
    for (std::uint32_t i = 0; i < bc.component_count(); ++i) {
      world_.ids.push_back(bc.component_id(i));
      world_.types.push_back(bc.component_type(i));
      world_.zones.push_back(bc.component_zone(i));
      world_.regions.push_back(bc.component_region(i));
    }
    world_.region_names = bc.region_names();
    std::vector<Params> list = top.objects("faults");
    for (Params& p : list) faults_.push_back(read_fault(p, bc));
    for (ComponentKey& k : keys) {
      FailureSpec f;
      f.component = k.component;
      f.pointer = k.params.pointer();
      f.mtbf = k.params.distribution("mtbf");
      f.mttr = k.params.distribution("mttr");
      // Up periods shorter than a second on average are noise, not failures, and would cost
      // up to a billion events per simulated second ("mtbf": "1ns").
      if (!(f.mtbf.mean() >= 1e9)) k.params.fail("mtbf", "must have a mean of at least 1s (up time between failures)");
      f.instance_scope = k.params.choice("scope", "instance", {"instance", "component"}) == "instance";
      f.rng = Rng::stream(bc.run_seed(), world_.ids[k.component], 0xfa11);
      specs_.push_back(std::move(f));
    }
  }

  bool accepts_calls() const override { return false; }

  void connect(ConnectContext& cc) override {
    world_.links = cc.links();
    const auto& links = world_.links;
    link_faults_.assign(links.size(), {});
    for (std::uint32_t c = 0; c < world_.ids.size(); ++c) world_.caps.push_back(capabilities_of(cc.component(c)));
    for (Fault& f : faults_) resolve(f);
    for (FailureSpec& s : specs_) {
      s.crashable = world_.caps[s.component].crashable;
      if (!s.crashable) {
        if (s.instance_scope)
          throw ScenarioError(s.pointer + "/scope", "\"" + world_.ids[s.component] + "\" is a " + world_.types[s.component] +
                                                        ": instance failures need a service; use \"scope\": \"component\"");
        for (std::uint32_t l = 0; l < links.size(); ++l)
          if (links[l].first == s.component || links[l].second == s.component) s.links.push_back(l);
      }
    }
  }

  void start(Context& ctx) override {
    // At scenario times. A run that starts later (Simulation::start_at) injects a fault
    // under way at its start and none that is over.
    const Time now = ctx.now();
    for (std::size_t i = 0; i < faults_.size(); ++i) {
      const Fault& f = faults_[i];
      if (f.at < now && (!f.has_end || f.end <= now)) continue;
      ctx.schedule(std::max<Time>(f.at - now, 0), kBegin, i);
      if (f.has_end && f.end < run_end_) ctx.schedule(f.end - now, kEnd, i);
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
      case kStep: step(ctx, data >> 32, static_cast<std::uint32_t>(data)); break;
    }
  }

  void finish(Context& ctx, ComponentReport& r) override {
    Time now = ctx.end_time(), warm = ctx.warmup();
    double measured = to_seconds(now - warm);
    for (const Fault& f : faults_) {
      Time end = now;  // a fault without a duration lasts to the end of the run
      if (f.has_end) end = std::min(f.end, now);
      else if (f.kind->instantaneous) end = f.kind->lasted_until && f.at < now ? f.kind->lasted_until(world_, f.plan, f.at, now) : f.at;
      r.add_interval("fault", f.plan.label, f.at, end);
    }
    // Observed MTBF / MTTR per component concerned by a fault or random failures.
    std::vector<char> seen(world_.ids.size(), 0);
    for (const Fault& f : faults_) {
      if (f.plan.target >= 0) seen[f.plan.target_index()] = 1;
      for (std::uint32_t m : f.plan.members) seen[m] = 1;
    }
    for (const FailureSpec& s : specs_) seen[s.component] = 1;
    for (std::uint32_t c = 0; c < world_.ids.size(); ++c) {
      if (!seen[c]) continue;
      const std::string base = "components." + world_.ids[c] + ".";
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
        if (f.plan.target == static_cast<std::int64_t>(c) && f.plan.direct) acted = true;
        if (std::find(f.plan.members.begin(), f.plan.members.end(), c) != f.plan.members.end()) acted = true;
      }
      const Crashable* crashable = world_.caps[c].crashable;
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
  // ---- reading and resolving ----

  Fault read_fault(Params& p, BuildContext& bc) {
    Fault f;
    f.plan.pointer = p.pointer();
    // "name": how --set, --vary and archsim metastability --trigger address the fault
    // ("cpu-drop.factor"): unique, and never a component id, which those paths try first.
    if (p.has("name")) {
      f.name = p.string("name");
      if (f.name.empty() || f.name.find('.') != std::string::npos || f.name.find('=') != std::string::npos)
        p.fail("name", "expected a name without \".\" or \"=\" (it starts a --set path: \"" + f.name + ".duration=10s\")");
      if (std::find(world_.ids.begin(), world_.ids.end(), f.name) != world_.ids.end())
        p.fail("name", "\"" + f.name + "\" is also a component id: --set " + f.name + ".… would change the component");
      for (const Fault& other : faults_)
        if (other.name == f.name) p.fail("name", "\"" + f.name + "\" names another fault too (" + other.plan.pointer + ")");
    }
    if (!p.has("kind")) p.missing("kind");
    std::string kind = p.choice("kind", "crash", kinds_->names());
    f.kind = kinds_->find(kind);
    f.at = p.duration("at");
    if (f.at >= bc.duration())
      p.fail("at", "is at or beyond the end of the run (" + format_duration(bc.duration()) + ")");
    if (f.kind->instantaneous) {
      if (p.has("duration")) p.fail("duration", f.kind->instantaneous);
    } else if (auto d = p.duration_opt("duration")) {
      if (*d <= 0) p.fail("duration", "must be positive");
      f.has_end = true;
      f.end = f.at + *d;
      f.plan.span = *d;
    }
    f.plan.label = kind;
    f.kind->read(p, world_, f.plan);
    if (!f.name.empty()) f.plan.label = f.name + ": " + f.plan.label;
    return f;
  }

  void resolve(Fault& f) {
    FaultPlan& plan = f.plan;
    if (f.kind->need != Need::None) {
      const std::uint32_t t = plan.target_index();
      if (!offers(world_.caps[t], f.kind->need))
        throw ScenarioError(plan.pointer + "/target",
                            "\"" + world_.ids[t] + "\" is a " + world_.types[t] + "; this fault needs " +
                                (f.kind->need == Need::LoadSource ? "an open-loop client"
                                 : f.kind->need == Need::KeyedStore ? "a cache"
                                 : f.kind->need == Need::Disruptable ? "a service, a database, a distributed cache or a queue"
                                                                     : "a service"));
      plan.direct = true;
    }
    if (f.kind->resolve) f.kind->resolve(world_, plan);
  }

  // ---- playing ----

  void begin(Context& ctx, Fault& f) {
    if (f.kind->apply) f.kind->apply(ctx, world_, f.plan);
    apply_links(ctx, f, true);
    if (f.kind->steps && f.kind->steps(f.plan) > 0) step(ctx, static_cast<std::uint64_t>(&f - faults_.data()), 0);
  }

  // Step i of a stepped kind, then the next one scheduled (one timer pending at a time).
  void step(Context& ctx, std::uint64_t id, std::uint32_t i) {
    const Fault& f = faults_[id];
    const std::uint32_t n = f.kind->steps(f.plan);
    f.kind->step(ctx, world_, f.plan, i, n);
    if (i + 1 < n) {
      const Time next = f.at + static_cast<Time>(static_cast<double>(f.plan.span) * (i + 1) / n);
      if (next < run_end_) ctx.schedule(next - ctx.now(), kStep, id << 32 | (i + 1));  // a delay
    }
  }

  void end(Context& ctx, Fault& f) {
    if (f.kind->revert) f.kind->revert(ctx, world_, f.plan);
    apply_links(ctx, f, false);
  }

  // Link faults compose: lost if any active fault loses, aborts combine as independent
  // chances, the latest delay wins.
  void apply_links(Context& ctx, const Fault& f, bool on) {
    const auto id = static_cast<std::uint32_t>(&f - faults_.data());
    for (std::uint32_t l : f.plan.links) {
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
      switch (f.kind->effect) {
        case LinkEffect::None: break;
        case LinkEffect::Lose: lf.lose = true; break;
        case LinkEffect::Abort: pass *= 1 - f.plan.fraction; break;
        case LinkEffect::Delay:
          lf.delay_fraction = f.plan.fraction;
          lf.delay = f.plan.add;
          break;
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

  std::shared_ptr<const FaultKindRegistry> kinds_;
  Rng rng_;
  Time run_end_ = 0;
  FaultWorld world_;  // ids, types, zones; capabilities and links from connect()
  std::vector<Fault> faults_;
  std::vector<FailureSpec> specs_;
  std::vector<Process> procs_;
  std::vector<std::vector<std::uint32_t>> link_faults_;  // per link: active scheduled faults
};

}  // namespace

SectionFactory fault_injector(FaultKindRegistry kinds) {
  auto shared = std::make_shared<const FaultKindRegistry>(std::move(kinds));
  return [shared](Params& top, std::vector<ComponentKey>& failures, BuildContext& bc) -> std::unique_ptr<Component> {
    return std::make_unique<FaultInjector>(top, failures, bc, shared);
  };
}

}  // namespace archsim
