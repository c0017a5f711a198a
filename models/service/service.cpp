#include "models/service/service.h"

#include <algorithm>
#include <string>
#include <vector>

#include "models/balancer/picker.h"
#include "models/resilience/call_policy.h"
#include "models/resilience/idempotency.h"
#include "sim/results.h"
#include "sim/describe.h"
#include "sim/ring.h"

namespace archsim {
namespace {

struct Step {
  enum Kind : std::uint8_t { Work, Call, Parallel } kind = Work;
  Distribution work;
  RefId ref = 0;
  std::uint32_t route = 0;
  bool keep_route = true;
  Time timeout = 0;
  std::uint32_t policy = 0;  // Call: 1 + index into Service::policies_ (retry, breaker, ...); 0 for none
  std::uint32_t first_child = 0, children = 0, wait_for = 0;  // Parallel: calls in `calls`
};

struct Program {
  std::vector<Step> steps;
  std::vector<Step> calls;  // children of parallel steps
  bool defined = false;
};

struct Job {
  CallId call = 0;
  RequestInfo req;
  Time arrived = 0;
  std::uint32_t instance = 0, program = 0, pc = 0;
  std::uint32_t serial = 0;  // names the step in flight; stale replies and timers carry an old one
  std::uint32_t pending = 0, oks = 0, fails = 0, needed = 0;
  Status status = Status::Ok;
  bool live = false, in_work = false, queued = false;
};

struct Instance {
  enum State : std::uint8_t { Starting, Ready, Draining, Down, Gone } state = Starting;
  std::uint32_t busy = 0, cpu = 0;  // workers held; workers in a CPU step
  Ring<std::uint32_t> queue;
  std::uint64_t serial = 0;
  std::uint32_t timer_gen = 0;  // invalidates this instance's pending lifecycle timers
  std::uint32_t zone = 0;
  bool zone_down = false;
  double leaked_mb = 0;           // memory_leak fault: grows until OOMKilled
  std::uint64_t leak_mark = 0;    // `completed` at the last memory tick
  std::uint32_t oom_restarts = 0; // consecutive OOM kills, for CrashLoopBackOff
  Time launched = 0, ready_since = 0, area_last = 0;
  double busy_area = 0, cpu_area = 0;
  std::uint64_t completed = 0;
  double speed = 1;        // of its instance type, fixed for its life
  std::uint32_t type = 0;  // index into Service::types_
};

enum Tag : std::uint16_t { kWorkDone = 1, kReady, kGraceOver, kRestart, kMemoryTick };

class Service final : public ServiceControl, public CallSink {
 public:
  Service(Params& p, BuildContext& bc) : stream_(bc.stream_seed()), rng_(bc.rng(3)) {
    id_ = bc.id();
    initial_replicas_ = static_cast<std::uint32_t>(p.integer("replicas", 1, 0, 100000));
    concurrency_ = static_cast<std::uint32_t>(p.integer("concurrency", 1, 1, 1000000));
    if (static_cast<double>(initial_replicas_) * concurrency_ > 1e8)
      p.fail("concurrency", "replicas x concurrency exceeds 100 million workers");
    if (auto cap = p.integer_or_null("queue_capacity", 0, 1'000'000'000)) queue_capacity_ = static_cast<std::uint64_t>(*cap);
    speed_ = p.number("speed", 1.0, 1e-6, 1e6);  // work time divides by it
    instance_type_ = p.string("instance_type", "");
    types_.push_back(instance_type_);
    startup_ = p.distribution("startup_time", Distribution::constant(0));
    restart_ = p.distribution("restart_time", Distribution::constant(0));
    grace_ = p.duration("termination_grace", 30 * kSecond);
    if (auto mem = p.object_opt("memory")) {
      memory_limit_mb_ = mem->number("limit_mb", 0.0, 0.0, 1e9);
      memory_base_mb_ = mem->number("base_mb", 0.0, 0.0, 1e9);
      memory_per_request_mb_ = mem->number("per_request_mb", 0.0, 0.0, 1e9);
    }
    std::vector<std::string> names;
    for (auto n : algorithm_names()) names.emplace_back(n);
    std::string algo = p.choice("balancer", "round_robin", names);
    picker_ = make_picker(*parse_algorithm(algo));
    zones_ = p.strings("zones");
    if (p.has("zones") && zones_.empty()) p.fail("zones", "expected a non-empty array of zone names");
    if (zones_.empty()) zones_.push_back(bc.zone());
    bool has_default = p.has("service_time");
    Distribution def = p.distribution("service_time", Distribution::constant(0));
    read_routes(p, bc, has_default, def);

    Metrics& m = bc.metrics();
    busy_g_ = m.gauge(id_, "busy", "busy_workers");
    capacity_g_ = m.gauge(id_, "capacity");
    cpu_g_ = m.gauge(id_, "cpu");
    queued_g_ = m.gauge(id_, "queued", "queue_length");
    in_system_g_ = m.gauge(id_, "in_system");
    replicas_g_ = m.gauge(id_, "replicas", "replicas");
    ready_g_ = m.gauge(id_, "ready_replicas", "ready_replicas");
    alive_g_ = m.gauge(id_, "instances");
    m.ratio_series(id_, "utilization", busy_g_, capacity_g_);
    m.ratio_series(id_, "cpu_utilization", cpu_g_, capacity_g_);
    ok_c_ = m.counter(id_, "ok", "throughput_rps");
    err_c_ = m.counter(id_, "errors", "errors_rps");
    rejected_c_ = m.counter(id_, "rejected");
    dropped_c_ = m.counter(id_, "dropped");
    latency_h_ = m.histogram(id_, "latency", "latency");
    read_resilience(p, m);
    if (memory_limit_mb_ > 0) {
      memory_g_ = m.gauge(id_, "memory_mb", "memory_mb");  // the largest instance's memory
      oom_c_ = m.counter(id_, "oom_kills");
    }
  }

  // ---- Component ----

  void start(Context& ctx) override {
    for (std::uint32_t i = 0; i < initial_replicas_; ++i) launch(ctx, /*already_ready=*/true);
    update_counts(ctx);
  }

  void on_request(Context& ctx, CallId call) override {
    const RequestInfo& req = ctx.request(call);
    if (disk_full_ && req.write) {  // disk_full fault: writes fail, reads work
      ctx.metrics().add(err_c_);
      ctx.reply(call, Status::Error);
      return;
    }
    if (error_rate_ > 0 && rng_.uniform() < error_rate_) {
      ctx.metrics().add(err_c_);
      ctx.reply(call, Status::Error);
      return;
    }
    PickInput in;
    in.key = req.key;
    in.has_key = req.has_key;
    in.client = req.session;
    in.session = req.session;
    int pick = picker_->pick(backends_, in, rng_);
    if (pick < 0) {
      ctx.metrics().add(err_c_);
      ctx.reply(call, Status::Unavailable);
      return;
    }
    std::uint32_t inst = static_cast<std::uint32_t>(pick);
    Instance& in_ = instances_[inst];
    if (in_.busy >= concurrency_ && in_.queue.size() >= queue_capacity_) {
      ctx.metrics().add(rejected_c_);
      ctx.metrics().add(err_c_);
      ctx.reply(call, Status::Rejected);
      return;
    }
    if (shed_or_deduplicate(ctx, call, req, in_)) return;  // load shedding, idempotent writes
    std::uint32_t j = new_job();
    Job& job = jobs_[j];
    job.call = call;
    job.req = req;
    job.arrived = ctx.now();
    job.instance = inst;
    job.program = req.route < route_program_.size() ? route_program_[req.route] : default_program_;
    ++backends_[inst].active;
    ctx.metrics().add(in_system_g_, 1, ctx.now());
    if (in_.busy < concurrency_) {
      set_busy(ctx, in_, +1);
      advance(ctx, j);
    } else {
      job.queued = true;
      in_.queue.push(j);
      ctx.metrics().add(queued_g_, 1, ctx.now());
    }
  }

  void on_timer(Context& ctx, std::uint16_t tag, std::uint64_t data) override {
    if (is_policy_timer(tag)) {
      policies_[policy_of_timer(tag)]->on_timer(ctx, data);
      return;
    }
    std::uint32_t idx = static_cast<std::uint32_t>(data >> 32);
    std::uint32_t gen = static_cast<std::uint32_t>(data);
    switch (tag) {
      case kWorkDone: {
        Job& job = jobs_[idx];
        if (!job.live || job.serial != gen) return;
        job.in_work = false;
        set_cpu(ctx, instances_[job.instance], -1);
        ++job.pc;
        advance(ctx, idx);
        break;
      }
      case kReady: {
        Instance& in = instances_[idx];
        if (in.timer_gen != gen || in.state != Instance::Starting) return;
        set_state(ctx, idx, Instance::Ready);
        break;
      }
      case kGraceOver: {
        Instance& in = instances_[idx];
        if (in.timer_gen != gen || in.state != Instance::Draining) return;
        drop_jobs(ctx, idx);
        set_state(ctx, idx, Instance::Gone);
        break;
      }
      case kMemoryTick:
        memory_tick(ctx);
        break;
      case kRestart: {
        Instance& in = instances_[idx];
        if (in.timer_gen != gen || in.state != Instance::Down || in.zone_down) return;
        begin_startup(ctx, idx);
        break;
      }
    }
  }

  void on_reply(Context& ctx, CallId call, Status status, std::uint64_t token) override {
    if (is_policy_token(token)) {
      policies_[policy_of_token(token)]->on_reply(ctx, call, status, token);
      return;
    }
    call_ended(ctx, token, status, ctx.request(call));
  }

  // A call of a step ended (directly, or through its policy after retries / fallback).
  void call_ended(Context& ctx, std::uint64_t token, Status status, const RequestInfo&) override {
    std::uint32_t j = static_cast<std::uint32_t>(token >> 32);
    Job& job = jobs_[j];
    if (!job.live || job.serial != static_cast<std::uint32_t>(token)) return;  // a late reply of an earlier step
    --job.pending;
    if (served(status)) ++job.oks;
    else ++job.fails;
    if (status == Status::Degraded) job.status = Status::Degraded;  // a fallback answered: so do we
    std::uint32_t issued = job.oks + job.fails + job.pending;
    if (job.oks >= job.needed) {
      ++job.serial;  // the rest of a k-of-n fan-out is no longer waited for
      ++job.pc;
      advance(ctx, j);
    } else if (issued - job.fails < job.needed) {
      ++job.serial;
      // A caller's own policy refusals keep their cause (429 stays 429); the rest is a 5xx.
      bool keep = status == Status::RateLimited || status == Status::CircuitOpen || status == Status::BulkheadFull ||
                  status == Status::PoolTimeout;
      job.status = keep ? status : Status::Error;
      complete(ctx, j);
    }
  }

  bool call_wanted(std::uint64_t token) const override {
    const Job& job = jobs_[static_cast<std::uint32_t>(token >> 32)];
    return job.live && job.serial == static_cast<std::uint32_t>(token);
  }

  void finish(Context& ctx, ComponentReport& r) override {
    Metrics& m = ctx.metrics();
    Time now = ctx.end_time();
    double measured = to_seconds(now - ctx.warmup());
    r.add("throughput_rps", static_cast<double>(m.total(ok_c_)) / measured);
    r.add("utilization", m.ratio(busy_g_, capacity_g_, now));
    r.add("cpu_utilization", m.ratio(cpu_g_, capacity_g_, now));
    r.add("busy_workers", m.average(busy_g_, now));
    r.add("queue_length", m.average(queued_g_, now));
    r.add("in_system", m.average(in_system_g_, now));
    r.add("replicas", replicas());
    r.add("ready_replicas", ready_replicas());
    r.add("mean_replicas", m.average(replicas_g_, now));
    r.add("peak_replicas", peak_replicas_);
    r.add("concurrency", concurrency_);
    r.add("ok", static_cast<double>(m.total(ok_c_)));
    r.add("errors", static_cast<double>(m.total(err_c_)));
    r.add("rejected", static_cast<double>(m.total(rejected_c_)));
    r.add("dropped", static_cast<double>(m.total(dropped_c_)));
    resilience_figures(ctx, r);
    r.add_latency("latency_ms", m.whole(latency_h_));
    // Billing: every instance from launch to termination, over the whole run.
    r.add("instance_seconds", (instance_area_ + alive_ * static_cast<double>(now - alive_last_)) / 1e9);
    if (!instance_type_.empty()) r.add_text("instance_type", instance_type_);
    // One "@bill:<type>" figure per instance ever launched: its life in seconds. The
    // engine's billing turns them into dollars (per-type price, minimum billed time) and
    // leaves them out of summary.json.
    for (const auto& [type, seconds] : bills_) r.add("@bill:" + types_[type], seconds);
    for (const Instance& in : instances_)
      if (in.state != Instance::Gone) r.add("@bill:" + types_[in.type], to_seconds(now - in.launched));
  }

  // ---- ServiceControl ----

  std::uint32_t replicas() const override { return replicas_; }
  std::uint32_t ready_replicas() const override { return ready_; }
  std::uint32_t concurrency() const override { return concurrency_; }
  const std::vector<std::string>& zones() const override { return zones_; }
  void set_slowdown(double factor) override { slowdown_ = factor; }
  void set_error_rate(double rate) override { error_rate_ = rate; }

  // ---- fault injection ----

  std::uint32_t instance_slots() const override { return static_cast<std::uint32_t>(instances_.size()); }

  bool fail_instance(Context& ctx, std::uint32_t slot) override {
    Context::ActingAs as(ctx, index());  // timers and metrics it sets are the service's, whoever calls
    if (slot >= instances_.size()) return false;
    Instance& in = instances_[slot];
    if (in.state == Instance::Gone || in.state == Instance::Draining) return false;
    if (in.state != Instance::Down) {
      drop_jobs(ctx, slot);
      set_state(ctx, slot, Instance::Down);
    }
    ++instances_[slot].timer_gen;  // no restart until repaired
    return true;
  }

  void repair_instance(Context& ctx, std::uint32_t slot) override {
    Context::ActingAs as(ctx, index());  // timers and metrics it sets are the service's, whoever calls
    if (slot >= instances_.size()) return;
    Instance& in = instances_[slot];
    if (in.state == Instance::Down && !in.zone_down) begin_startup(ctx, slot);
  }

  bool set_memory_leak(Context& ctx, double per_request_mb, double per_second_mb) override {
    Context::ActingAs as(ctx, index());  // timers and metrics it sets are the service's, whoever calls
    if (memory_limit_mb_ <= 0) return false;
    bool was = leak_active();
    leak_request_mb_ = per_request_mb;
    leak_second_mb_ = per_second_mb;
    for (Instance& in : instances_) in.leak_mark = in.completed;
    if (!was && leak_active()) ctx.schedule(kMemoryTickPeriod, kMemoryTick);
    return true;
  }

  void set_disk_full(bool full) override { disk_full_ = full; }

  ReadyHistory ready_history(Time now, Time warmup) const override {
    ReadyHistory h;
    h.seconds_at = ready_seconds_;
    Time from = std::max(ready_last_, warmup);
    if (now > from) {
      if (h.seconds_at.size() <= ready_level_) h.seconds_at.resize(ready_level_ + 1, 0.0);
      h.seconds_at[ready_level_] += to_seconds(now - from);
    }
    h.outages = outages_;
    h.outage_seconds = outage_seconds_;
    if (ready_level_ == 0 && outage_start_ != kTimeMax && now > std::max(outage_start_, warmup))
      h.outage_seconds += to_seconds(now - std::max(outage_start_, warmup));
    h.oom_kills = oom_kills_;
    return h;
  }
  const std::string& instance_type() const override { return instance_type_; }
  double speed() const override { return speed_; }
  double memory_limit_mb() const override { return memory_limit_mb_; }

  void set_instance_type(const std::string& type, double speed) override {
    auto it = std::find(types_.begin(), types_.end(), type);
    type_ = static_cast<std::uint32_t>(it - types_.begin());
    if (it == types_.end()) types_.push_back(type);
    instance_type_ = type;
    speed_ = speed;
  }

  void surge(Context& ctx) override {
    Context::ActingAs as(ctx, index());  // timers and metrics it sets are the service's, whoever calls
    launch(ctx, false);
    update_counts(ctx);
  }

  bool retire_outdated(Context& ctx) override {
    Context::ActingAs as(ctx, index());  // timers and metrics it sets are the service's, whoever calls
    int best = -1;
    for (std::uint32_t i = 0; i < instances_.size(); ++i) {
      const Instance& in = instances_[i];
      if (in.state == Instance::Gone || in.state == Instance::Draining || in.type == type_) continue;
      if (best < 0) {
        best = static_cast<int>(i);
        continue;
      }
      const Instance& b = instances_[static_cast<std::uint32_t>(best)];
      bool in_ready = in.state == Instance::Ready, b_ready = b.state == Instance::Ready;
      if (in_ready != b_ready ? !in_ready : in.launched < b.launched) best = static_cast<int>(i);
    }
    if (best < 0) return false;
    retire(ctx, static_cast<std::uint32_t>(best));
    update_counts(ctx);
    return true;
  }

  void scale_to(Context& ctx, std::uint32_t target) override {
    Context::ActingAs as(ctx, index());  // timers and metrics it sets are the service's, whoever calls
    while (replicas_ < target) launch(ctx, false);
    while (replicas_ > target) {
      int victim = pick_victim();
      if (victim < 0) break;
      retire(ctx, static_cast<std::uint32_t>(victim));
    }
    update_counts(ctx);
  }

  void instance_stats(Time now, std::vector<InstanceStat>& out) const override {
    out.clear();
    for (std::uint32_t i = 0; i < instances_.size(); ++i) {
      const Instance& in = instances_[i];
      if (in.state == Instance::Gone || in.state == Instance::Draining) continue;
      InstanceStat s;
      s.serial = in.serial;
      s.ready = in.state == Instance::Ready;
      s.starting = in.state == Instance::Starting || in.state == Instance::Down;
      s.launched = in.launched;
      s.ready_since = in.ready_since;
      double dt = static_cast<double>(now - in.area_last);
      s.busy_area = in.busy_area + in.busy * dt;
      s.cpu_area = in.cpu_area + in.cpu * dt;
      s.completed = in.completed;
      s.busy = in.busy;
      s.queued = static_cast<std::uint32_t>(in.queue.size());
      s.memory_mb = memory_base_mb_ + memory_per_request_mb_ * (in.busy + in.queue.size());
      s.zone = in.zone;
      s.speed = in.speed;
      s.outdated = in.type != type_;
      out.push_back(s);
    }
  }

  std::uint32_t crash(Context& ctx, std::uint32_t count) override {
    Context::ActingAs as(ctx, index());  // timers and metrics it sets are the service's, whoever calls
    std::uint32_t n = 0;
    for (std::uint32_t i = 0; i < instances_.size() && n < count; ++i) {
      Instance::State st = instances_[i].state;
      if (st != Instance::Ready && st != Instance::Starting) continue;
      go_down(ctx, i);
      ++n;
    }
    update_counts(ctx);
    return n;
  }

  void fail_zone(Context& ctx, const std::string& zone) override {
    Context::ActingAs as(ctx, index());  // timers and metrics it sets are the service's, whoever calls
    for (std::uint32_t i = 0; i < instances_.size(); ++i) {
      Instance& in = instances_[i];
      if (zones_[in.zone] != zone || in.state == Instance::Gone) continue;
      in.zone_down = true;
      if (in.state == Instance::Draining) {
        drop_jobs(ctx, i);
        set_state(ctx, i, Instance::Gone);
      } else if (in.state != Instance::Down) {
        go_down(ctx, i);
      }
    }
    update_counts(ctx);
  }

  void restore_zone(Context& ctx, const std::string& zone) override {
    Context::ActingAs as(ctx, index());  // timers and metrics it sets are the service's, whoever calls
    for (std::uint32_t i = 0; i < instances_.size(); ++i) {
      Instance& in = instances_[i];
      if (zones_[in.zone] != zone || !in.zone_down) continue;
      in.zone_down = false;
      if (in.state == Instance::Down) begin_startup(ctx, i);
    }
    update_counts(ctx);
  }

 private:
  // ---- scenario ----

  void read_routes(Params& p, BuildContext& bc, bool has_default, const Distribution& def) {
    Program dflt;
    dflt.defined = has_default;
    Step w;
    w.work = def;
    dflt.steps.push_back(w);
    programs_.push_back(std::move(dflt));
    default_program_ = 0;
    if (auto routes = p.object_opt("routes")) {
      for (const std::string& name : routes->keys()) {
        std::vector<Params> steps = routes->objects(name);
        if (steps.empty()) routes->fail(name, "expected a non-empty array of steps");
        Program prog;
        prog.defined = true;
        parse_steps(steps, bc, prog, prog.steps, false);
        std::uint32_t idx = static_cast<std::uint32_t>(programs_.size());
        programs_.push_back(std::move(prog));
        if (name == "*" || name == "default") {
          default_program_ = idx;
          continue;
        }
        std::uint32_t route = bc.route_index(name);
        if (route_program_.size() <= route) route_program_.resize(route + 1, kNoProgram);
        route_program_[route] = idx;
      }
    } else if (!has_default) {
      p.missing("service_time");  // names a misspelling first; else "is required"
    }
    for (auto& rp : route_program_)
      if (rp == kNoProgram) rp = default_program_;
  }

  void parse_steps(std::vector<Params>& list, BuildContext& bc, Program& prog, std::vector<Step>& out,
                   bool in_parallel) {
    for (Params& s : list) {
      Step st;
      if (s.has("work")) {
        if (in_parallel) s.fail("work", "a parallel block holds calls only");
        st.kind = Step::Work;
        st.work = s.distribution("work");
      } else if (s.has("call")) {
        st.kind = Step::Call;
        st.ref = bc.reference(s, "call", RefKind::SyncCall);
        if (s.has("route")) {
          st.keep_route = false;
          st.route = bc.route_index(s.string("route"));
        }
        st.timeout = s.duration("timeout", 0);
        if (CallPolicy::wanted(s)) st.policy = add_policy(s, bc, st.timeout);
      } else if (s.has("parallel")) {
        if (in_parallel) s.fail("parallel", "parallel blocks do not nest");
        st.kind = Step::Parallel;
        std::vector<Params> kids = s.objects("parallel");
        if (kids.empty()) s.fail("parallel", "expected a non-empty array of call steps");
        std::vector<Step> children;
        parse_steps(kids, bc, prog, children, true);
        st.first_child = static_cast<std::uint32_t>(prog.calls.size());
        st.children = static_cast<std::uint32_t>(children.size());
        for (auto& c : children) prog.calls.push_back(c);
        st.wait_for = static_cast<std::uint32_t>(s.integer("wait_for", st.children, 1, st.children));
      } else if (s.has("publish")) {
        s.fail("publish", "publishing to a queue is not supported by this version of archsim yet");
      } else {
        s.fail_here("a step is {\"work\": ...}, {\"call\": \"<component>\"} or {\"parallel\": [...]}");
      }
      out.push_back(std::move(st));
    }
  }

  // ---- instances ----

  void launch(Context& ctx, bool already_ready) {
    std::uint32_t i = 0;
    while (i < instances_.size() && instances_[i].state != Instance::Gone) ++i;
    if (i == instances_.size()) {
      instances_.emplace_back();
      backends_.emplace_back();
    }
    Instance& in = instances_[i];
    std::uint32_t gen = in.timer_gen + 1;
    in = Instance{};
    in.timer_gen = gen;
    in.serial = next_serial_++;
    in.zone = static_cast<std::uint32_t>(in.serial % zones_.size());
    in.launched = ctx.now();
    in.area_last = ctx.now();
    in.speed = speed_;
    in.type = type_;
    backends_[i] = Backend{1.0, 0, false, backend_id(id_, in.serial)};
    membership_changed_ = true;
    set_alive(ctx, +1);
    ++replicas_;
    if (already_ready) {
      in.state = Instance::Ready;
      in.ready_since = ctx.now();
      backends_[i].eligible = true;
      ++ready_;
    } else {
      in.state = Instance::Starting;
      begin_startup(ctx, i, /*counted=*/true);
    }
  }

  void begin_startup(Context& ctx, std::uint32_t i, bool counted = true) {
    (void)counted;
    Instance& in = instances_[i];
    in.state = Instance::Starting;
    ++in.timer_gen;
    Time d = startup_.sample_time(rng_);
    ctx.schedule(d, kReady, (static_cast<std::uint64_t>(i) << 32) | in.timer_gen);
  }

  void set_state(Context& ctx, std::uint32_t i, Instance::State st) {
    Instance& in = instances_[i];
    bool was_ready = in.state == Instance::Ready;
    bool counted_before = in.state != Instance::Draining && in.state != Instance::Gone;
    in.state = st;
    bool now_ready = st == Instance::Ready;
    bool counted_after = st != Instance::Draining && st != Instance::Gone;
    if (now_ready) in.ready_since = ctx.now();
    if (was_ready != now_ready) ready_ += now_ready ? 1 : -1;
    if (counted_before != counted_after) replicas_ += counted_after ? 1 : -1;
    backends_[i].eligible = now_ready;
    if (st == Instance::Gone) {
      bills_.emplace_back(in.type, to_seconds(ctx.now() - in.launched));
      set_alive(ctx, -1);
      backends_[i] = Backend{1.0, 0, false, 0};
      membership_changed_ = true;
    }
    update_counts(ctx);
  }

  // Not-ready before ready, then the most recently started (the ReplicaSet's ranking).
  int pick_victim() const {
    int best = -1;
    for (std::uint32_t i = 0; i < instances_.size(); ++i) {
      const Instance& in = instances_[i];
      if (in.state == Instance::Gone || in.state == Instance::Draining) continue;
      if (best < 0) {
        best = static_cast<int>(i);
        continue;
      }
      const Instance& b = instances_[static_cast<std::uint32_t>(best)];
      bool in_ready = in.state == Instance::Ready, b_ready = b.state == Instance::Ready;
      if (in_ready != b_ready) {
        if (!in_ready) best = static_cast<int>(i);
        continue;
      }
      if (in.launched >= b.launched) best = static_cast<int>(i);
    }
    return best;
  }

  void retire(Context& ctx, std::uint32_t i) {
    Instance& in = instances_[i];
    if (in.state != Instance::Ready || (in.busy == 0 && in.queue.empty())) {
      drop_jobs(ctx, i);
      set_state(ctx, i, Instance::Gone);
      return;
    }
    set_state(ctx, i, Instance::Draining);
    ++in.timer_gen;
    ctx.schedule(grace_, kGraceOver, (static_cast<std::uint64_t>(i) << 32) | in.timer_gen);
  }

  void go_down(Context& ctx, std::uint32_t i) {
    drop_jobs(ctx, i);
    set_state(ctx, i, Instance::Down);
    Instance& in = instances_[i];
    ++in.timer_gen;
    if (!in.zone_down) ctx.schedule(restart_.sample_time(rng_), kRestart, (static_cast<std::uint64_t>(i) << 32) | in.timer_gen);
  }

  // Answers every request the instance holds with Status::Dropped (connection reset).
  void drop_jobs(Context& ctx, std::uint32_t i) {
    Instance& in = instances_[i];
    for (std::uint32_t j = 0; j < jobs_.size(); ++j) {
      Job& job = jobs_[j];
      if (!job.live || job.instance != i) continue;
      ctx.metrics().add(dropped_c_);
      if (job.queued) ctx.metrics().add(queued_g_, -1, ctx.now());
      job.status = Status::Dropped;
      finish_job(ctx, j);
    }
    in.queue.clear();
    if (in.busy) set_busy(ctx, in, -static_cast<int>(in.busy));
    if (in.cpu) set_cpu(ctx, in, -static_cast<int>(in.cpu));
    backends_[i].active = 0;
  }

  // Time at each ready level and outages (no ready instance), since warm-up, for the
  // availability report; update_counts runs after every change of ready_.
  void track_ready(const Context& ctx) {
    if (ready_ == ready_level_) return;
    Time now = ctx.now(), w = ctx.warmup();
    Time from = std::max(ready_last_, w);
    if (now > from) {
      if (ready_seconds_.size() <= ready_level_) ready_seconds_.resize(ready_level_ + 1, 0.0);
      ready_seconds_[ready_level_] += to_seconds(now - from);
    }
    if (ready_level_ == 0 && outage_start_ != kTimeMax && now > std::max(outage_start_, w))
      outage_seconds_ += to_seconds(now - std::max(outage_start_, w));
    outage_start_ = kTimeMax;
    if (ready_ == 0 && replicas_ > 0) {
      outage_start_ = now;
      if (now >= w) ++outages_;
    }
    ready_level_ = ready_;
    ready_last_ = now;
  }

  bool leak_active() const { return leak_request_mb_ > 0 || leak_second_mb_ > 0; }

  // Memory is sampled every 100 ms while a leak is active (the kernel would kill at the
  // allocation itself, up to 100 ms earlier).
  void memory_tick(Context& ctx) {
    if (!leak_active()) return;
    double peak = 0;
    for (std::uint32_t i = 0; i < instances_.size(); ++i) {
      Instance& in = instances_[i];
      if (in.state == Instance::Down || in.state == Instance::Gone) {
        in.leaked_mb = 0;  // the process restarts with fresh memory
        in.leak_mark = in.completed;
        continue;
      }
      in.leaked_mb += leak_second_mb_ * to_seconds(kMemoryTickPeriod) +
                      leak_request_mb_ * static_cast<double>(in.completed - in.leak_mark);
      in.leak_mark = in.completed;
      double mb = memory_base_mb_ + memory_per_request_mb_ * static_cast<double>(in.busy + in.queue.size()) + in.leaked_mb;
      if (mb > memory_limit_mb_) {
        oom_kill(ctx, i);
        continue;
      }
      peak = std::max(peak, mb);
    }
    ctx.metrics().set(memory_g_, peak, ctx.now());
    ctx.schedule(kMemoryTickPeriod, kMemoryTick);
  }

  // OOMKilled: the container restarts after restart_time plus the kubelet's back-off: at once
  // after the first kill, then 10 s doubling per consecutive kill up to 5 min, reset after
  // 10 min of running (Kubernetes pod lifecycle, "Container restart policy"; Kubernetes in
  // Action 2nd ed. 6.2.1: CrashLoopBackOff).
  void oom_kill(Context& ctx, std::uint32_t i) {
    Instance& in = instances_[i];
    if (in.oom_restarts > 0 && in.state == Instance::Ready && ctx.now() - in.ready_since >= 10 * kMinute) in.oom_restarts = 0;
    Time backoff = in.oom_restarts == 0 ? 0 : std::min<Time>((10 * kSecond) << std::min<std::uint32_t>(in.oom_restarts - 1, 5), 5 * kMinute);
    ++in.oom_restarts;
    ++oom_kills_;
    ctx.metrics().add(oom_c_);
    drop_jobs(ctx, i);
    set_state(ctx, i, Instance::Down);
    Instance& after = instances_[i];
    after.leaked_mb = 0;
    after.leak_mark = after.completed;
    ++after.timer_gen;
    if (!after.zone_down)
      ctx.schedule(restart_.sample_time(rng_) + backoff, kRestart, (static_cast<std::uint64_t>(i) << 32) | after.timer_gen);
  }

  void update_counts(Context& ctx) {
    track_ready(ctx);
    if (membership_changed_) {
      picker_->rebuild(backends_);
      membership_changed_ = false;
    } else {
      picker_->eligibility_changed(backends_);
    }
    Metrics& m = ctx.metrics();
    m.set(replicas_g_, replicas_, ctx.now());
    m.set(ready_g_, ready_, ctx.now());
    m.set(capacity_g_, static_cast<double>(ready_) * concurrency_, ctx.now());
    peak_replicas_ = std::max(peak_replicas_, replicas_);
  }

  void set_alive(Context& ctx, int delta) {
    instance_area_ += alive_ * static_cast<double>(ctx.now() - alive_last_);
    alive_last_ = ctx.now();
    alive_ += delta;
    ctx.metrics().set(alive_g_, alive_, ctx.now());
  }

  void touch(const Context& ctx, Instance& in) {
    double dt = static_cast<double>(ctx.now() - in.area_last);
    in.busy_area += in.busy * dt;
    in.cpu_area += in.cpu * dt;
    in.area_last = ctx.now();
  }
  void set_busy(Context& ctx, Instance& in, int delta) {
    touch(ctx, in);
    in.busy = static_cast<std::uint32_t>(static_cast<int>(in.busy) + delta);
    ctx.metrics().add(busy_g_, delta, ctx.now());
  }
  void set_cpu(Context& ctx, Instance& in, int delta) {
    touch(ctx, in);
    in.cpu = static_cast<std::uint32_t>(static_cast<int>(in.cpu) + delta);
    ctx.metrics().add(cpu_g_, delta, ctx.now());
  }

  // ---- requests ----

  std::uint32_t new_job() {
    std::uint32_t j;
    if (!free_jobs_.empty()) {
      j = free_jobs_.back();
      free_jobs_.pop_back();
    } else {
      j = static_cast<std::uint32_t>(jobs_.size());
      jobs_.emplace_back();
    }
    std::uint32_t serial = jobs_[j].serial + 1;
    jobs_[j] = Job{};
    jobs_[j].serial = serial;
    jobs_[j].live = true;
    return j;
  }

  void issue_call(Context& ctx, std::uint32_t j, const Step& st) {
    Job& job = jobs_[j];
    RequestInfo down = job.req;
    if (!st.keep_route) down.route = st.route;
    std::uint64_t token = (static_cast<std::uint64_t>(j) << 32) | job.serial;
    if (st.policy) policies_[st.policy - 1]->start(ctx, st.ref, down, token, job.instance);
    else ctx.call(st.ref, down, token, st.timeout);
  }

  // ---- resilience: call policies, load shedding, idempotent writes ----

  std::uint32_t add_policy(Params& s, BuildContext& bc, Time timeout) {
    std::string label = s.string("call");
    int same = 0;
    for (const std::string& l : policy_labels_)
      if (l == label || l.rfind(label + "_", 0) == 0) ++same;
    if (same) label += "_" + std::to_string(same + 1);
    policy_labels_.push_back(label);
    auto index = static_cast<std::uint32_t>(policies_.size());
    policies_.push_back(std::make_unique<CallPolicy>(s, bc, CallPolicy::Site::CallStep, id_ + "->" + label,
                                                     "calls." + label, index, *this, timeout));
    return index + 1;
  }

  void read_resilience(Params& p, Metrics& m) {
    if (auto shed = p.object_opt("shed")) {
      // Shed before the queue is full: a request that finds `queue_length` waiting is refused
      // at once with its own cause, so callers can tell overload from a broken server.
      shed_queue_ = static_cast<std::uint64_t>(shed->require_integer("queue_length", 0, 1'000'000'000));
      shed_c_ = m.counter(id_, "shed", "shed_rps");
    }
    idempotent_ = p.boolean("idempotent", false);
    Time ttl = p.duration("idempotency_ttl", 10 * kMinute, kSecond);
    writes_ = resilience::WriteLedger(ttl);
    writes_c_ = m.counter(id_, "writes");
    duplicate_c_ = m.counter(id_, "duplicate_writes");
    dedup_c_ = m.counter(id_, "deduplicated_writes");
  }

  // True when the request was answered here: shed, or a repeat of an applied idempotent write.
  bool shed_or_deduplicate(Context& ctx, CallId call, const RequestInfo& req, const Instance& in) {
    if (shed_queue_ != kNoShed && in.busy >= concurrency_ && in.queue.size() >= shed_queue_) {
      ctx.metrics().add(shed_c_);
      ctx.metrics().add(err_c_);
      ctx.reply(call, Status::Shed);
      return true;
    }
    if (idempotent_ && req.write && writes_.applied(req, ctx.now())) {
      ctx.metrics().add(dedup_c_);
      ctx.reply(call, Status::Ok);  // the saved result of the first request with this key
      return true;
    }
    return false;
  }

  // A write was answered successfully: applied once, or again (duplicate / deduplicated).
  void record_write(Context& ctx, const RequestInfo& req) {
    if (writes_.apply(req, ctx.now())) ctx.metrics().add(writes_c_);
    else ctx.metrics().add(idempotent_ ? dedup_c_ : duplicate_c_);
  }

  void resilience_figures(Context& ctx, ComponentReport& r) {
    Metrics& m = ctx.metrics();
    if (shed_queue_ != kNoShed) r.add("shed", static_cast<double>(m.total(shed_c_)));
    std::uint64_t w = m.total(writes_c_), d = m.total(duplicate_c_), dd = m.total(dedup_c_);
    if (w + d + dd > 0 || idempotent_) {
      r.add("writes", static_cast<double>(w));
      r.add("duplicate_writes", static_cast<double>(d));
      if (idempotent_) r.add("deduplicated_writes", static_cast<double>(dd));
    }
    for (const auto& pol : policies_) pol->finish(ctx, r);
  }

  // Runs the job's steps from its pc until one has to wait.
  void advance(Context& ctx, std::uint32_t j) {
    Job& job = jobs_[j];
    job.queued = false;
    const Program& prog = programs_[job.program];
    if (!prog.defined) {
      job.status = Status::Error;  // this service has no behaviour for the route
      complete(ctx, j);
      return;
    }
    if (job.pc >= prog.steps.size()) {
      complete(ctx, j);
      return;
    }
    const Step& st = prog.steps[job.pc];
    switch (st.kind) {
      case Step::Work: {
        Rng r = Context::keyed_rng(stream_, job.req.id, (static_cast<std::uint64_t>(job.req.attempt) << 20) + job.pc);
        Time d = st.work.sample_time(r);
        double scale = slowdown_ / instances_[job.instance].speed;
        if (scale != 1.0) d = static_cast<Time>(static_cast<double>(d) * scale);
        job.in_work = true;
        set_cpu(ctx, instances_[job.instance], +1);
        ctx.schedule(d, kWorkDone, (static_cast<std::uint64_t>(j) << 32) | job.serial);
        break;
      }
      case Step::Call:
        job.pending = 1;
        job.needed = 1;
        job.oks = job.fails = 0;
        issue_call(ctx, j, st);
        break;
      case Step::Parallel:
        job.pending = st.children;
        job.needed = st.wait_for;
        job.oks = job.fails = 0;
        for (std::uint32_t k = 0; k < st.children; ++k) issue_call(ctx, j, prog.calls[st.first_child + k]);
        break;
    }
  }

  // Answers the job's caller and forgets the job (its worker is handled by the caller).
  void finish_job(Context& ctx, std::uint32_t j) {
    Job& job = jobs_[j];
    Metrics& m = ctx.metrics();
    if (job.req.write && served(job.status)) record_write(ctx, job.req);
    if (served(job.status)) {
      m.add(ok_c_);
      m.record(latency_h_, ctx.now() - job.arrived);
    } else {
      m.add(err_c_);
    }
    ctx.reply(job.call, job.status);
    ++instances_[job.instance].completed;
    if (backends_[job.instance].active) --backends_[job.instance].active;
    job.live = false;
    ++job.serial;
    free_jobs_.push_back(j);
    m.add(in_system_g_, -1, ctx.now());
  }

  // Replies, then hands the worker to the next queued job of the instance.
  void complete(Context& ctx, std::uint32_t j) {
    std::uint32_t inst = jobs_[j].instance;
    finish_job(ctx, j);
    Instance& in = instances_[inst];
    if (!in.queue.empty()) {
      std::uint32_t next = in.queue.pop();
      ctx.metrics().add(queued_g_, -1, ctx.now());
      advance(ctx, next);
      return;
    }
    set_busy(ctx, in, -1);
    if (in.state == Instance::Draining && in.busy == 0) set_state(ctx, inst, Instance::Gone);
  }

  static constexpr std::uint32_t kNoProgram = ~0u;
  std::string id_;
  std::uint64_t stream_;
  Rng rng_;
  std::uint32_t initial_replicas_ = 1, concurrency_ = 1;
  std::uint64_t queue_capacity_ = UINT64_MAX;
  double speed_ = 1, slowdown_ = 1, error_rate_ = 0;
  double memory_limit_mb_ = 0, memory_base_mb_ = 0, memory_per_request_mb_ = 0;
  // Fault injection state (models/faults): leaks, disk, ready-level history.
  static constexpr Time kMemoryTickPeriod = 100 * kMillisecond;
  double leak_request_mb_ = 0, leak_second_mb_ = 0;
  bool disk_full_ = false;
  std::uint32_t oom_kills_ = 0;
  std::vector<double> ready_seconds_;
  std::uint32_t ready_level_ = 0, outages_ = 0;
  Time ready_last_ = 0, outage_start_ = kTimeMax;
  double outage_seconds_ = 0;
  GaugeId memory_g_;
  CounterId oom_c_;
  std::string instance_type_;
  std::vector<std::string> types_;  // every type this service has run; [type_] is the current one
  std::uint32_t type_ = 0;
  std::vector<std::pair<std::uint32_t, double>> bills_;  // (type, seconds) of terminated instances
  Distribution startup_, restart_;
  Time grace_ = 30 * kSecond;
  std::vector<std::string> zones_;
  std::vector<Program> programs_;
  std::vector<std::uint32_t> route_program_;
  std::uint32_t default_program_ = 0;

  std::vector<Instance> instances_;
  std::vector<Backend> backends_;  // parallel to instances_, for the picker
  std::unique_ptr<Picker> picker_;
  bool membership_changed_ = true;
  std::uint32_t replicas_ = 0, ready_ = 0, peak_replicas_ = 0;
  std::uint64_t next_serial_ = 0;
  double alive_ = 0, instance_area_ = 0;
  Time alive_last_ = 0;

  std::vector<Job> jobs_;
  std::vector<std::uint32_t> free_jobs_;
  GaugeId busy_g_, capacity_g_, cpu_g_, queued_g_, in_system_g_, replicas_g_, ready_g_, alive_g_;
  CounterId ok_c_, err_c_, rejected_c_, dropped_c_;
  // Resilience (models/resilience): call policies of the call steps, shedding, write keys.
  static constexpr std::uint64_t kNoShed = UINT64_MAX;
  std::vector<std::unique_ptr<CallPolicy>> policies_;
  std::vector<std::string> policy_labels_;
  std::uint64_t shed_queue_ = kNoShed;
  bool idempotent_ = false;
  resilience::WriteLedger writes_;
  CounterId shed_c_, writes_c_, duplicate_c_, dedup_c_;
  HistogramId latency_h_;

 public:
  // For `archsim analyze` (sim/describe.h): instances, zones, and per route the mean work
  // and the calls made, in order (a parallel block is one group).
  void describe(Description& d) const override {
    d.kind = Description::Kind::Server;
    d.replicas = initial_replicas_;
    d.concurrency = concurrency_;
    d.zones = zones_;
    auto call_of = [](const Step& s) { return Description::Call{s.ref, s.keep_route, s.route, to_seconds(s.timeout)}; };
    auto add = [&](std::uint32_t idx, bool any, std::uint32_t route) {
      const Program& prog = programs_[idx];
      if (!prog.defined) return;
      Description::Program out;
      out.any_route = any;
      out.route = route;
      double var = 0;  // steps are independent: variances add
      for (const Step& s : prog.steps) {
        if (s.kind == Step::Work) {
          const double m = s.work.mean() / 1e9 / speed_;
          out.work_s += m;
          var += s.work.scv() * m * m;
        } else if (s.kind == Step::Call) {
          out.groups.push_back({{call_of(s)}, 1});
        } else {
          Description::CallGroup g;
          g.wait_for = s.wait_for;
          for (std::uint32_t k = 0; k < s.children; ++k) g.calls.push_back(call_of(prog.calls[s.first_child + k]));
          out.groups.push_back(std::move(g));
        }
      }
      out.work_scv = out.work_s > 0 ? var / (out.work_s * out.work_s) : 1.0;
      d.programs.push_back(std::move(out));
    };
    add(default_program_, true, 0);
    for (std::uint32_t r = 0; r < route_program_.size(); ++r)
      if (route_program_[r] != default_program_) add(route_program_[r], false, r);
  }
};

}  // namespace

std::unique_ptr<Component> make_service(Params& p, BuildContext& bc) { return std::make_unique<Service>(p, bc); }

}  // namespace archsim
