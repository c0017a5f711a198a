#include "models/service/service.h"

#include <algorithm>
#include <string>
#include <vector>

#include "models/balancer/picker.h"
#include "sim/results.h"
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
  Time launched = 0, ready_since = 0, area_last = 0;
  double busy_area = 0, cpu_area = 0;
  std::uint64_t completed = 0;
};

enum Tag : std::uint16_t { kWorkDone = 1, kReady, kGraceOver, kRestart };

class Service final : public ServiceControl {
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
  }

  // ---- Component ----

  void start(Context& ctx) override {
    for (std::uint32_t i = 0; i < initial_replicas_; ++i) launch(ctx, /*already_ready=*/true);
    update_counts(ctx);
  }

  void on_request(Context& ctx, CallId call) override {
    const RequestInfo& req = ctx.request(call);
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
      case kRestart: {
        Instance& in = instances_[idx];
        if (in.timer_gen != gen || in.state != Instance::Down || in.zone_down) return;
        begin_startup(ctx, idx);
        break;
      }
    }
  }

  void on_reply(Context& ctx, CallId, Status status, std::uint64_t token) override {
    std::uint32_t j = static_cast<std::uint32_t>(token >> 32);
    Job& job = jobs_[j];
    if (!job.live || job.serial != static_cast<std::uint32_t>(token)) return;  // a late reply of an earlier step
    --job.pending;
    if (status == Status::Ok) ++job.oks;
    else ++job.fails;
    std::uint32_t issued = job.oks + job.fails + job.pending;
    if (job.oks >= job.needed) {
      ++job.serial;  // the rest of a k-of-n fan-out is no longer waited for
      ++job.pc;
      advance(ctx, j);
    } else if (issued - job.fails < job.needed) {
      ++job.serial;
      job.status = Status::Error;
      complete(ctx, j);
    }
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
    r.add_latency("latency_ms", m.whole(latency_h_));
    // Billing: every instance from launch to termination, over the whole run.
    r.add("instance_seconds", (instance_area_ + alive_ * static_cast<double>(now - alive_last_)) / 1e9);
    if (!instance_type_.empty()) r.add_text("instance_type", instance_type_);
  }

  // ---- ServiceControl ----

  std::uint32_t replicas() const override { return replicas_; }
  std::uint32_t ready_replicas() const override { return ready_; }
  std::uint32_t concurrency() const override { return concurrency_; }
  const std::vector<std::string>& zones() const override { return zones_; }
  void set_slowdown(double factor) override { slowdown_ = factor; }
  void set_error_rate(double rate) override { error_rate_ = rate; }

  void scale_to(Context& ctx, std::uint32_t target) override {
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
      out.push_back(s);
    }
  }

  std::uint32_t crash(Context& ctx, std::uint32_t count) override {
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

  void update_counts(Context& ctx) {
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
    ctx.call(st.ref, down, token, st.timeout);
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
        double scale = slowdown_ / speed_;
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
    if (job.status == Status::Ok) {
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
  std::string instance_type_;
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
  HistogramId latency_h_;
};

}  // namespace

std::unique_ptr<Component> make_service(Params& p, BuildContext& bc) { return std::make_unique<Service>(p, bc); }

}  // namespace archsim
