// The service model: building it, requests through the steps of their route, replies.
#include "models/service/service_impl.h"

#include <algorithm>

namespace archsim::service_internal {

Service::Service(Params& p, BuildContext& bc)
    : PoolDriven(*this, bc.rng(3)), stream_(bc.stream_seed()) {
  id_ = bc.id();
  pool_.read(p, bc);
  bc.runs_instances(pool_.initial_replicas(), p.path("replicas"));  // each holds its own connection pools
  io_async_ = p.choice("io", "blocking", {"blocking", "async"}) == "async";
  bool has_default = p.has("service_time");
  Distribution def = p.distribution("service_time", Distribution::constant(0));
  // A service-level "pool": one pool per instance shared by all routes' calls to its "for"
  // components (an application's datasource), read before the routes that use it.
  if (p.has("pool")) {
    const auto index = static_cast<std::uint32_t>(policies_.size());
    const SubOwner sub = bc.sub_owner(p);  // policies_[k] is sub-owner k (is_policy_token)
    assert(sub.index == index);
    policy_labels_.push_back("pool");
    policies_.push_back(std::make_unique<CallPolicy>(p, bc, CallPolicy::Site::ServicePool, id_ + "->pool", "pool", sub,
                                                     *this, 0));
    shared_pool_ = index + 1;
    shared_pool_pointer_ = p.path("pool") + "/size";
  } else {
    p.known("pool");
    if (p.has("connect"))
      p.fail("connect", "a service's \"connect\" is the cost of its \"pool\"'s connections: give it a pool, or "
                        "put \"connect\" on the call step");
  }
  crypto_ = security::ServerCrypto::read(p);
  read_sidecar(p, bc);
  read_routes(p, bc, has_default, def);
  if (shared_pool_) {
    const auto& targets = policies_[shared_pool_ - 1]->pool_for();
    for (std::size_t i = 0; i < targets.size(); ++i)
      if (std::find(pooled_targets_.begin(), pooled_targets_.end(), targets[i]) == pooled_targets_.end())
        throw ScenarioError(p.path("pool") + "/for/" + std::to_string(i),
                            "no call step of this service calls \"" + targets[i] + "\" without a policy of its own");
  }

  // Registration order is the order of the series in timeseries.csv.
  Metrics& m = bc.metrics();
  pool_.register_metrics(m);
  ok_c_ = m.counter(id_, "ok", "throughput_rps");
  err_c_ = m.counter(id_, "errors", "errors_rps");
  rejected_c_ = m.counter(id_, "rejected");
  dropped_c_ = m.counter(id_, "dropped");
  latency_h_ = m.histogram(id_, "latency", "latency");
  queue_wait_h_ = m.histogram(id_, "queue_wait", "queue_wait");
  waited_c_ = m.counter(id_, "waited");
  tls_c_ = m.counter(id_, "tls_handshakes");
  tls_cpu_c_ = m.counter(id_, "tls_cpu_ns");
  if (crypto_.has_jwt) {
    jwt_c_ = m.counter(id_, "jwt_verifications");
    jwt_cpu_c_ = m.counter(id_, "jwt_cpu_ns");
  }
  if (p.has("wait_thresholds")) {
    const auto v = p.value("wait_thresholds");
    for (const auto& item : v.items()) {
      const Time t = item.duration();
      if (t <= 0) item.fail("expected a positive duration, such as \"50ms\"");
      if (!wait_thresholds_.empty() && t <= wait_thresholds_.back())
        item.fail("expected thresholds in ascending order, each once");
      wait_thresholds_.push_back(t);
    }
    if (wait_thresholds_.empty()) v.fail("expected an array of one or more durations, such as [\"10ms\", \"100ms\"]");
    if (wait_thresholds_.size() > kMaxWaitThresholds)
      v.fail("at most " + std::to_string(kMaxWaitThresholds) + " thresholds");
    for (Time t : wait_thresholds_) waited_over_c_.push_back(m.counter(id_, "waited_over_" + format_duration(t)));
  }
  read_resilience(p, m);
  read_queue_rules(p, m);
  read_event_sourcing(p);
  register_sidecar(m);
  if (exec_timeout_) {  // registered last of all causes (register_service_late_causes): found by name
    const std::vector<std::string>& names = bc.cause_names();
    for (std::size_t k = 0; k < names.size(); ++k)
      if (names[k] == "terminated") terminated_ = static_cast<Status>(k);
  }
  pool_.register_memory_metrics(m);
  pool_.register_gc_metrics(m);
  read_connections(p, bc);
  declare_figures(m);
}

void Service::start(Context& ctx) {
  pool_.start(ctx);
  for (auto& policy : policies_) policy->begin(ctx);
}

void Service::on_request(Context& ctx, CallId call) {
  const RequestInfo& req = ctx.request(call);
  if (sidecar_) [[unlikely]]
    through_sidecar(ctx);
  if (faulted(req.write, pool_rng_)) {  // disk_full: writes fail, reads work; error_rate
    ctx.metrics().add(err_c_);
    ctx.reply(call, Status::Error);
    return;
  }
  int pick = on_connection(req) ? held_instance(ctx, req) : pool_.pick(req);  // a message: where its connection is
  if (pick < 0) {
    ctx.metrics().add(err_c_);
    ctx.reply(call, Status::Unavailable);
    return;
  }
  std::uint32_t inst = static_cast<std::uint32_t>(pick);
  if (pool_.stale_endpoint(ctx, inst)) {  // discovery lag: the caller still lists a gone instance
    ctx.metrics().add(err_c_);
    ctx.reply(call, pool_.stale_cause());
    return;
  }
  if (pool_.full(inst)) {
    ctx.metrics().add(rejected_c_);
    ctx.metrics().add(err_c_);
    ctx.reply(call, Status::Rejected);
    return;
  }
  const double version_errors = pool_.instance(inst).error_rate;  // a bad version's (rollouts)
  if (version_errors > 0 && pool_rng_.uniform() < version_errors) {
    ctx.metrics().add(err_c_);
    pool_.observe(ctx, inst, false, 0);
    ctx.reply(call, Status::Error);
    return;
  }
  if (shed_or_deduplicate(ctx, call, req, inst)) return;  // load shedding, idempotent writes
  if (opens_connection(req) && !admit_connection(ctx, call, inst)) [[unlikely]]
    return;
  std::uint32_t j = new_job();
  Job& job = jobs_[j];
  job.call = call;
  job.req = req;
  job.arrived = ctx.now();
  job.instance = inst;
  job.program = req.route < route_program_.size() ? route_program_[req.route] : default_program_;
  if (pool_.admit(ctx, inst, j)) {
    job.holds_worker = true;
    advance(ctx, j);
  } else {
    queued(ctx, j);
  }
  pool_.check_memory(ctx, inst);
}

void Service::on_timer(Context& ctx, std::uint16_t tag, std::uint64_t data) {
  if (is_policy_timer(tag)) {
    policies_[policy_of_timer(tag)]->on_timer(ctx, data);
    return;
  }
  if (pool_timer(ctx, tag, data)) return;
  if (conns_.on && tag == conns_.close_tag) [[unlikely]] {
    close_connection(ctx, data);
    return;
  }
  // kWorkDone: jobs_.payload(job); kPsDone: slot_payload(instance, sharing generation).
  const std::uint32_t idx = slot_of(data);
  const auto gen = static_cast<std::uint32_t>(data);
  switch (tag) {
    case kWorkDone: {
      if (jobs_.find(data) == kNoSlot) return;
      Job& job = jobs_[idx];
      if (job.tpc_wait || job.gc_held) [[unlikely]] {  // 2PC: its coordinator is back, or phase 2 is
        job.tpc_wait = job.gc_held = false;            // resent; or its instance's pause is over
        advance(ctx, idx);
        break;
      }
      if (pool_.gc_pauses()) [[unlikely]] {  // a pause froze its work: it ends that much later
        if (const Time later = gc_delay(pool_.instance(job.instance), ctx.now(), job.gc_mark)) {
          ctx.schedule(later, kWorkDone, data);
          break;
        }
      }
      job.in_work = false;
      pool_.add_cpu(ctx, job.instance, -1);
      work_ended(job);
      advance(ctx, idx);
      break;
    }
    case kPsDone:
      ps_done(ctx, idx, gen);
      break;
  }
}

void Service::on_reply(Context& ctx, CallId call, Status status, std::uint64_t token) {
  if (is_policy_token(token)) {
    policies_[policy_of_token(token)]->on_reply(ctx, call, status, token);
    return;
  }
  // Not through call_ended: a step's end needs no copy of the request its call carried.
  step_ended(ctx, token, status, ctx.result(call));
}

std::uint32_t Service::new_job() {
  const std::uint32_t j = jobs_.alloc();
  Job& job = jobs_[j];
  job.queued_at = job.waited = job.cpu = 0;
  job.queue_limit = job.exec_limit = kTimeMax;
  job.pc = job.pending = job.oks = job.fails = job.needed = job.passes = 0;
  job.last = Result{};
  job.status = Status::Ok;
  job.in_work = job.queued = job.holds_worker = job.in_crypto = job.inconsistent = job.gc_held = false;
  job.crypto_paid = false;
  return j;
}

// The request a call or publish step sends: the job's, on the step's route; a later pass
// of a repeat is another visit downstream, which must draw its own work there.
RequestInfo Service::downstream(const Job& job, const Step& st) {
  RequestInfo down = job.req;
  if (!st.keep_route) down.route = static_cast<std::uint16_t>(st.route);
  down.topic = st.topic;
  down.send_only = st.kind == Step::Publish && !st.ack;
  down.cancel_at_deadline = st.cancel;  // each call says it for itself: the flag is not inherited
  if (job.passes) down.visit = static_cast<std::uint16_t>(down.visit * 0x9e37u + job.passes);
  return down;
}

void Service::issue_call(Context& ctx, std::uint32_t j, const Step& st) {
  Job& job = jobs_[j];
  if (sidecar_) [[unlikely]]
    through_sidecar(ctx);
  RequestInfo down = downstream(job, st);
  std::uint64_t token = ContinuationSpace::kOwnTokens.make(jobs_.payload(j));
  const std::uint32_t from = from_instance(job.instance);
  // "cancel" propagates the call's deadline with it (gRPC's grpc-timeout); a policy sets each
  // attempt's own.
  if (st.cancel && !st.policy) down.deadline = std::min(down.deadline, after(ctx.now(), st.timeout));
  const Time timeout = exec_timeout_ ? capped_timeout(job, st.timeout, ctx.now()) : st.timeout;
  if (st.policy) policies_[st.policy - 1]->start(ctx, st.ref, down, token, job.instance, timeout, from);
  else ctx.call(st.ref, down, token, timeout, from);
}

// The salt of a job's keyed draws (work, choices): per attempt, and per pass of a repeat
// (0 on the first, so routes without repeats draw as they always did).
// The loop part is hashed, not multiplied: the keyed generator adds the salt to
// id x 0x9e3779b97f4a7c15, so a linear salt such as passes x that constant would make pass 1
// of request n draw what pass 0 of request n + 1 draws (correlated feedback, longer queues).
static std::uint64_t pass_salt(const Job& job) {
  const std::uint64_t loop = job.req.visit || job.passes ? mix64(job.req.visit, job.passes) : 0;
  return (static_cast<std::uint64_t>(job.req.attempt) << 20) + loop;
}

// Runs the job's steps from its pc until one has to wait.
void Service::advance(Context& ctx, std::uint32_t j) {
  Job& job = jobs_[j];
  job.queued = false;
  const Program& prog = programs_[job.program];
  if (!prog.defined) {
    job.status = Status::Error;  // this service has no behaviour for the route
    complete(ctx, j);
    return;
  }
  // Its instance is in a stop-the-world pause: nothing of it runs until the pause ends.
  if (pool_.gc_pauses()) [[unlikely]] {  // without a "gc" block no instance is read here
    if (const Time frozen = gc_frozen(pool_.instance(job.instance), ctx.now())) {
      job.gc_held = true;
      ctx.schedule(frozen, kWorkDone, jobs_.payload(j));
      return;
    }
  }
  // Its caller asked it to stop by now. Checked once: the steps the loop runs through without
  // waiting (choices, jumps, one-way publishes) take no time.
  if (past_deadline(job, ctx.now())) [[unlikely]] {
    cancel(ctx, j);
    return;
  }
  if (exec_timeout_ && past_execution_limit(ctx, job)) [[unlikely]] {
    complete(ctx, j);  // terminated (finish_job says so)
    return;
  }
  if (!job.crypto_paid && pay_crypto(ctx, j)) [[unlikely]]
    return;
  for (;;) {
    if (job.pc >= prog.steps.size()) {
      complete(ctx, j);
      return;
    }
    const Step& st = prog.steps[job.pc];
    switch (st.kind) {
      case Step::Work: {
        if (!job.holds_worker && !take_worker(ctx, j)) return;  // io async: queued for a worker
        run_work(ctx, j, st.work.sample_time_keyed(Context::keyed_seed(stream_, job.req.id, pass_salt(job) + job.pc)));
        return;
      }
      case Step::Publish:
        // One way: nothing to wait for, unless the queue is full and makes producers wait (as
        // Kafka's send() blocks while its buffer is full): then the publish waits as a call,
        // answered once the message is in (or failed after the queue's max_block).
        if (!st.ack && !(st.backpressure && st.backpressure->full(st.topic))) {
          ctx.send(st.ref, downstream(job, st), from_instance(job.instance));
          ++job.pc;
          continue;
        }
        [[fallthrough]];  // the broker's ack, or room, is a reply: wait for it as for a call
      case Step::Call:
        if (st.token_cache && token_cached(ctx, job, st)) [[unlikely]] {  // a verified token: no call
          job.last = Result{};
          ++job.pc;
          continue;
        }
        if (io_async_) release_worker(ctx, j);
        job.pending = 1;
        job.needed = 1;
        job.oks = job.fails = 0;
        issue_call(ctx, j, st);
        return;
      case Step::Parallel:
        if (io_async_) release_worker(ctx, j);
        job.pending = st.children;
        job.needed = st.wait_for;
        job.oks = job.fails = 0;
        for (std::uint32_t k = 0; k < st.children; ++k) issue_call(ctx, j, prog.calls[st.first_child + k]);
        return;
      case Step::Choice: {
        // Keyed by (request, attempt, pc): every variant of a comparison takes the same arms.
        const std::uint64_t seed = Context::keyed_seed(stream_, job.req.id, pass_salt(job) + job.pc + 0xc401ce);
        const ChoiceArm* arms = &prog.arms[st.first_child];
        const double x = Rng::first_uniform(seed) * arms[st.children - 1].cumulative;
        std::uint32_t k = 0;
        while (k + 1 < st.children && x >= arms[k].cumulative) ++k;
        job.pc = arms[k].pc;
        continue;
      }
      case Step::Jump:
        job.pc = st.target;
        continue;
      case Step::Branch:
        job.pc = (job.last.flags & st.mask) ? job.pc + 1 : st.target;
        continue;
      case Step::Saga:
        if (!saga_step(ctx, j, st)) return;  // aborted: answered
        continue;
      case Step::TwoPhase:
        if (!two_phase_step(ctx, j, st)) return;  // in doubt (a timer resumes it), or answered
        continue;
      case Step::Repeat: {
        // One draw per pass: the number of passes is geometric (a station re-entered with
        // probability p, as in a Jackson network's feedback loop).
        if (Rng::first_uniform(Context::keyed_seed(stream_, job.req.id, pass_salt(job) + job.pc + 0x4e9e47)) <
            st.probability) {
          ++job.passes;
          job.pc = st.target;
        } else {
          ++job.pc;
        }
        continue;
      }
    }
  }
}

void Service::run_work(Context& ctx, std::uint32_t j, Time d) {
  Job& job = jobs_[j];
  double scale = slowdown_ * pool_.gc_factor(job.instance, ctx.now()) / pool_.instance(job.instance).speed;
  if (scale != 1.0) d = static_cast<Time>(static_cast<double>(d) * scale);
  job.in_work = true;
  if (pool_.shared_cores()) {  // processor sharing: its end is not known yet (no work span)
    job.cpu += d;
    ps_start(ctx, job.instance, j, d);
    return;
  }
  // A cancel stops the work at the deadline (PostgreSQL checks for its cancel inside
  // the executor's loops; a gRPC handler sees its context done), not at the step's end.
  if (job.req.cancel_at_deadline) d = std::min(d, job.req.deadline - ctx.now());
  if (job.exec_limit != kTimeMax) d = std::max<Time>(std::min(d, job.exec_limit - ctx.now()), 0);
  job.cpu += d;
  if (pool_.gc_pauses()) [[unlikely]]
    job.gc_mark = gc_clock(pool_.instance(job.instance), ctx.now());
  pool_.add_cpu(ctx, job.instance, +1);
  ctx.trace_span(job.call, TraceSpan::Work, ctx.now(), after(ctx.now(), d));
  ctx.schedule(d, kWorkDone, jobs_.payload(j));
}

// Once per job, when it first runs (it holds a worker: it was admitted or handed one).
bool Service::pay_crypto(Context& ctx, std::uint32_t j) {
  Job& job = jobs_[j];
  job.crypto_paid = true;
  const Time handshake = crypto_.handshake_cpu(job.req.hop);
  const Time d = handshake + crypto_.jwt;
  if (d <= 0 && !crypto_.has_jwt && !security::ServerCrypto::is_tls(job.req.hop)) return false;
  Metrics& m = ctx.metrics();
  if (security::ServerCrypto::is_tls(job.req.hop)) {
    m.add(tls_c_);
    m.add(tls_cpu_c_, static_cast<std::uint64_t>(handshake));
  }
  if (crypto_.has_jwt) {
    m.add(jwt_c_);
    m.add(jwt_cpu_c_, static_cast<std::uint64_t>(crypto_.jwt));
  }
  if (d <= 0) return false;
  job.in_crypto = true;
  run_work(ctx, j, d);
  return true;
}

// io async: a job coming back from its calls needs a worker again; false when it had to
// queue for one (it resumes when a worker is handed on).
bool Service::take_worker(Context& ctx, std::uint32_t j) {
  Job& job = jobs_[j];
  if (pool_.reacquire_worker(ctx, job.instance, j)) {
    job.holds_worker = true;
    return true;
  }
  queued(ctx, j);
  return false;
}

// io async: the job waits on a call without holding its worker (an event loop's callback).
void Service::release_worker(Context& ctx, std::uint32_t j) {
  Job& job = jobs_[j];
  if (!job.holds_worker) return;
  job.holds_worker = false;
  resume(ctx, pool_.release_worker(ctx, job.instance));
}

// A worker was handed to queued job `next` (kNone: none waited, the worker went idle).
// With queue rules a job dropped there hands the worker on to the next one, in a loop (a
// long queue of expired jobs is emptied without recursion).
void Service::resume(Context& ctx, std::uint32_t next) {
  while (next != ServerPool::kNone) {
    jobs_[next].holds_worker = true;
    jobs_[next].waited += ctx.now() - jobs_[next].queued_at;
    ctx.trace_span(jobs_[next].call, TraceSpan::Queue, jobs_[next].queued_at, ctx.now());
    const std::uint32_t inst = jobs_[next].instance;
    if (!queue_rules_ || !dropped_from_queue(ctx, next)) [[likely]] {
      advance(ctx, next);
      return;
    }
    next = pool_.worker_done(ctx, inst);
  }
}

// Answers the job's caller and forgets the job (its worker is handled by the caller).
void Service::finish_job(Context& ctx, std::uint32_t j) {
  Job& job = jobs_[j];
  Metrics& m = ctx.metrics();
  if (exec_timeout_) [[unlikely]]
    check_terminated(ctx, job);
  if (job.req.write && served(job.status)) record_write(ctx, job.req);
  if (served(job.status)) {
    m.add(ok_c_);
    m.record(latency_h_, ctx.now() - job.arrived);
    if (job.waited > 0) {
      m.record(queue_wait_h_, job.waited);
      m.add(waited_c_);
      for (std::size_t i = 0; i < wait_thresholds_.size() && job.waited > wait_thresholds_[i]; ++i) m.add(waited_over_c_[i]);
    } else {
      m.record_zero(queue_wait_h_);
    }
  } else {
    m.add(err_c_);
  }
  pool_.observe(ctx, job.instance, served(job.status), ctx.now() - job.arrived);
  if (opens_connection(job.req) && hold_connection(ctx, job)) [[unlikely]] {
    pool_.job_done(ctx, job.instance);  // its set-up is over; the connection holds no worker
    jobs_.free(j);
    return;
  }
  // An answer nobody waits for any more: the CPU it cost was wasted.
  if (ctx.reply(job.call, job.status) && job.cpu > 0) [[unlikely]]
    m.add(wasted_c_, static_cast<std::uint64_t>(job.cpu));
  pool_.job_done(ctx, job.instance);
  jobs_.free(j);
}

// Replies, then hands the worker (if the job held one) to the next queued job of the instance.
void Service::complete(Context& ctx, std::uint32_t j) {
  const std::uint32_t inst = jobs_[j].instance;
  const bool held = jobs_[j].holds_worker;
  finish_job(ctx, j);
  if (held) resume(ctx, pool_.worker_done(ctx, inst));
  else pool_.detached_done(ctx, inst);  // io async: it ended waiting on a call, without a worker
}

}  // namespace archsim::service_internal

namespace archsim {

std::unique_ptr<Component> make_service(Params& p, BuildContext& bc) {
  return std::make_unique<service_internal::Service>(p, bc);
}

void register_service_late_causes(Registry& r) {
  r.add_cause("saga_compensated");
  r.add_cause("saga_inconsistent");
  r.add_cause("terminated");  // execution_timeout (service_deadline.cpp)
  r.add_cause("2pc_aborted");   // two-phase commit (service_two_phase.cpp)
  r.add_cause("2pc_in_doubt");
}

}  // namespace archsim
