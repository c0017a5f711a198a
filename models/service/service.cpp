#include "models/service/service.h"

#include <string>
#include <vector>

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
  bool live = false;
};

struct Instance {
  std::uint32_t busy = 0;
  Ring<std::uint32_t> queue;
  bool ready = true;
};

enum Tag : std::uint16_t { kWorkDone = 1 };

class Service final : public Component {
 public:
  Service(Params& p, BuildContext& bc) : stream_(bc.stream_seed()) {
    replicas_ = static_cast<std::uint32_t>(p.integer("replicas", 1, 1, 100000));
    concurrency_ = static_cast<std::uint32_t>(p.integer("concurrency", 1, 1, 1000000));
    if (auto cap = p.integer_or_null("queue_capacity", 0, 1'000'000'000)) queue_capacity_ = static_cast<std::uint64_t>(*cap);
    speed_ = p.number("speed", 1.0, 1e-6, 1e6);  // work time divides by it
    instance_type_ = p.string("instance_type", "");
    std::string algo = p.choice("balancer", "round_robin", {"round_robin"});
    (void)algo;
    bool has_default = p.has("service_time");
    Distribution def = p.distribution("service_time", Distribution::constant(0));
    routes_json(p, bc, has_default, def);
    instances_.resize(replicas_);

    std::string id = bc.id();
    Metrics& m = bc.metrics();
    busy_g_ = m.gauge(id, "busy", "busy_workers");
    capacity_g_ = m.gauge(id, "capacity");
    queued_g_ = m.gauge(id, "queued", "queue_length");
    in_system_g_ = m.gauge(id, "in_system");
    replicas_g_ = m.gauge(id, "replicas", "replicas");
    m.ratio_series(id, "utilization", busy_g_, capacity_g_);
    ok_c_ = m.counter(id, "ok", "throughput_rps");
    err_c_ = m.counter(id, "errors", "errors_rps");
    rejected_c_ = m.counter(id, "rejected");
    latency_h_ = m.histogram(id, "latency", "latency");
  }

  void start(Context& ctx) override {
    ctx.metrics().set(capacity_g_, static_cast<double>(replicas_) * concurrency_, 0);
    ctx.metrics().set(replicas_g_, replicas_, 0);
  }

  void on_request(Context& ctx, CallId call) override {
    const RequestInfo& req = ctx.request(call);
    std::uint32_t inst = pick_instance();
    Instance& in = instances_[inst];
    if (in.busy >= concurrency_ && in.queue.size() >= queue_capacity_) {
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
    ctx.metrics().add(in_system_g_, 1, ctx.now());
    if (in.busy < concurrency_) {
      ++in.busy;
      ctx.metrics().add(busy_g_, 1, ctx.now());
      advance(ctx, j);
    } else {
      in.queue.push(j);
      ctx.metrics().add(queued_g_, 1, ctx.now());
    }
  }

  void on_timer(Context& ctx, std::uint16_t tag, std::uint64_t data) override {
    if (tag != kWorkDone) return;
    std::uint32_t j = static_cast<std::uint32_t>(data >> 32);
    Job& job = jobs_[j];
    if (!job.live || job.serial != static_cast<std::uint32_t>(data)) return;
    ++job.pc;
    advance(ctx, j);
  }

  void on_reply(Context& ctx, CallId, Status status, std::uint64_t token) override {
    std::uint32_t j = static_cast<std::uint32_t>(token >> 32);
    if (j >= jobs_.size()) return;
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
    r.add("busy_workers", m.average(busy_g_, now));
    r.add("queue_length", m.average(queued_g_, now));
    r.add("in_system", m.average(in_system_g_, now));
    r.add("replicas", replicas_);
    r.add("concurrency", concurrency_);
    r.add("ok", static_cast<double>(m.total(ok_c_)));
    r.add("errors", static_cast<double>(m.total(err_c_)));
    r.add("rejected", static_cast<double>(m.total(rejected_c_)));
    r.add_latency("latency_ms", m.whole(latency_h_));
    r.add("instance_seconds", static_cast<double>(replicas_) * to_seconds(ctx.end_time()));
    if (!instance_type_.empty()) r.add_text("instance_type", instance_type_);
  }

 private:
  void routes_json(Params& p, BuildContext& bc, bool has_default, const Distribution& def) {
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
      p.fail("service_time", "is required when the service has no \"routes\"");
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

  std::uint32_t pick_instance() {
    std::uint32_t i = next_instance_;
    next_instance_ = next_instance_ + 1 == replicas_ ? 0 : next_instance_ + 1;
    return i;
  }

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
    const Program& prog = programs_[jobs_[j].program];
    if (!prog.defined) {
      jobs_[j].status = Status::Error;  // no behaviour for this route
      complete(ctx, j);
      return;
    }
    Job& job = jobs_[j];
    if (job.pc >= prog.steps.size()) {
      complete(ctx, j);
      return;
    }
    const Step& st = prog.steps[job.pc];
    switch (st.kind) {
      case Step::Work: {
        Rng r = Context::keyed_rng(stream_, job.req.id, (static_cast<std::uint64_t>(job.req.attempt) << 20) + job.pc);
        Time d = st.work.sample_time(r);
        if (speed_ != 1.0) d = static_cast<Time>(static_cast<double>(d) / speed_);
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

  // Replies, frees the worker and starts the next queued job of the instance.
  void complete(Context& ctx, std::uint32_t j) {
    Job& job = jobs_[j];
    Metrics& m = ctx.metrics();
    Time now = ctx.now();
    if (job.status == Status::Ok) {
      m.add(ok_c_);
      m.record(latency_h_, now - job.arrived);
    } else {
      m.add(err_c_);
    }
    ctx.reply(job.call, job.status);
    std::uint32_t inst = job.instance;
    job.live = false;
    free_jobs_.push_back(j);
    m.add(in_system_g_, -1, now);
    Instance& in = instances_[inst];
    if (!in.queue.empty()) {
      std::uint32_t next = in.queue.pop();
      m.add(queued_g_, -1, now);
      advance(ctx, next);
    } else {
      --in.busy;
      m.add(busy_g_, -1, now);
    }
  }

  static constexpr std::uint32_t kNoProgram = ~0u;
  std::uint64_t stream_;
  std::uint32_t replicas_ = 1, concurrency_ = 1;
  std::uint64_t queue_capacity_ = UINT64_MAX;
  double speed_ = 1;
  std::string instance_type_;
  std::vector<Program> programs_;
  std::vector<std::uint32_t> route_program_;
  std::uint32_t default_program_ = 0;
  std::vector<Instance> instances_;
  std::vector<Job> jobs_;
  std::vector<std::uint32_t> free_jobs_;
  std::uint32_t next_instance_ = 0;
  GaugeId busy_g_, capacity_g_, queued_g_, in_system_g_, replicas_g_;
  CounterId ok_c_, err_c_, rejected_c_;
  HistogramId latency_h_;
};

}  // namespace

std::unique_ptr<Component> make_service(Params& p, BuildContext& bc) { return std::make_unique<Service>(p, bc); }

}  // namespace archsim
