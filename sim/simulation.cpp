// Simulation's running half: the Context the components call during the run (calls,
// replies, timers, request endings, trace spans), the event loop and its timeouts, and the
// watchdogs (a stuck instant, the calls in flight against the memory budget). The building
// half is scenario/simulation_build.cpp.
#include "sim/simulation.h"

#include <cassert>
#include <chrono>
#include <cstdio>
#include <map>
#include <set>
#include <stdexcept>

#include "sim/text_list.h"

namespace archsim {

// ---------------------------------------------------------------- Context

Time Context::end_time() const { return sim_.stopped_ || sim_.ended_early_ ? sim_.reached_ : sim_.settings_.duration; }
Time Context::warmup() const { return sim_.settings_.warmup; }
Metrics& Context::metrics() { return *sim_.metrics_; }

void Context::test_ended() {
  assert(sim_.tests_running_ > 0 && "test_ended() without ends_run_when_done(), or twice");
  // An engine event after what is already due now: the run ends once this instant is done.
  if (--sim_.tests_running_ == 0) sim_.sched_.push(Event{sim_.now_, 0, Simulation::kEndRun, 0, 0});
}

CallId Context::call(RefId ref, const RequestInfo& req, std::uint64_t token, Time timeout, std::uint32_t from_instance,
                      std::uint8_t hop) {
  Simulation& s = sim_;
  const Simulation::Reference& r = s.refs_[ref];
  CallId h = s.calls_.alloc();
  Simulation::CallRecord& c = s.calls_[h];
  c.assign(req, token, s.now_, self_, r.to, r.link, from_instance, hop);
  if (s.tracer_) [[unlikely]]
    s.tracer_->call(h, req, self_, r.to, s.now_, false);
  Simulation::Link& l = s.links_[r.link];
  if (l.faulted) [[unlikely]] {
    if (l.fault.lose || (l.fault.abort > 0 && l.fault_rng.uniform() < l.fault.abort)) {
      c.callee_done = true;  // never reaches the callee
      if (l.fault.lose) {
        c.reply_lost = true;  // only the caller's timeout ends it
      } else {
        c.status = Status::Error;  // Istio abort: answered by the caller's sidecar
        s.sched_.push(Event{s.now_, self_, Simulation::kReply, 0, h});
      }
      if (timeout > 0) s.arm_timeout(timeout, h);
      return h;
    }
    Time extra = 0;
    if (l.fault.delay_fraction > 0 && l.fault_rng.uniform() < l.fault.delay_fraction)
      extra = l.fault.delay.sample_time(l.fault_rng);
    s.sched_.push(Event{after(after(s.now_, s.link_delay(r.link)), extra), r.to, Simulation::kDeliver, 0, h});
  } else {
    s.sched_.push(Event{after(s.now_, s.link_delay(r.link)), r.to, Simulation::kDeliver, 0, h});
  }
  if (timeout > 0) s.arm_timeout(timeout, h);
  return h;
}

void Context::send(RefId ref, const RequestInfo& req, std::uint32_t from_instance) {
  Simulation& s = sim_;
  const Simulation::Reference& r = s.refs_[ref];
  CallId h = s.calls_.alloc();
  Simulation::CallRecord& c = s.calls_[h];
  c.assign(req, 0, s.now_, self_, r.to, r.link, from_instance, 0);
  c.one_way = true;
  c.caller_done = true;  // nobody waits: the callee's reply ends the record
  if (s.tracer_) [[unlikely]]
    s.tracer_->call(h, req, self_, r.to, s.now_, true);
  Simulation::Link& l = s.links_[r.link];
  Time extra = 0;
  if (l.faulted) [[unlikely]] {
    if (l.fault.lose || (l.fault.abort > 0 && l.fault_rng.uniform() < l.fault.abort)) {
      s.calls_.free_unreset(h);  // lost on the way: nobody is told
      return;
    }
    if (l.fault.delay_fraction > 0 && l.fault_rng.uniform() < l.fault.delay_fraction)
      extra = l.fault.delay.sample_time(l.fault_rng);
  }
  s.sched_.push(Event{after(after(s.now_, s.link_delay(r.link)), extra), r.to, Simulation::kDeliver, 0, h});
}

bool Context::reply(CallId h, Status status, Result result) {
  Simulation& s = sim_;
  Simulation::CallRecord& c = s.calls_[h];
  // The common case on its own, so that it keeps few registers (the rest is a tail call):
  // the caller waits, on a healthy link, and nothing traces. reply_otherwise() ends the same
  // way when it gets that far.
  if (!c.callee_done && !c.caller_done && !s.tracer_ && !s.links_[c.link].faulted) [[likely]] {
    c.callee_done = true;
    c.status = status;
    c.result = result;
    s.sched_.push(Event{after(s.now_, s.link_delay(c.link)), c.caller, Simulation::kReply, 0, h});
    return false;
  }
  return reply_otherwise(h, status, result);
}

bool Context::reply_otherwise(CallId h, Status status, Result result) {
  Simulation& s = sim_;
  Simulation::CallRecord& c = s.calls_[h];
  if (c.callee_done) throw std::logic_error("component " + s.comps_[self_]->id() + " answered a call twice at t=" + format_duration(s.now_));
  c.callee_done = true;
  c.status = status;
  c.result = result;
  if (s.tracer_) [[unlikely]]
    s.tracer_->replied(h, s.now_, status, c.caller_done);
  if (c.caller_done) {  // the caller gave up (or never waited: one way): the reply is dropped here
    const bool abandoned = !c.one_way;
    s.calls_.free_unreset(h);
    return abandoned;
  }
  if (s.links_[c.link].faulted && s.links_[c.link].fault.lose) [[unlikely]] {
    c.reply_lost = true;  // partitioned: the caller's timeout will end the call
    return false;
  }
  s.sched_.push(Event{after(s.now_, s.link_delay(c.link)), c.caller, Simulation::kReply, 0, h});
  return false;
}

RequestInfo Context::request(CallId h) const { return sim_.calls_[h].req; }
Result Context::result(CallId h) const { return sim_.calls_[h].result; }
bool Context::abandoned(CallId h) const { return sim_.calls_[h].caller_done; }
bool Context::one_way(CallId h) const { return sim_.calls_[h].one_way; }
Time Context::sent_at(CallId h) const { return sim_.calls_[h].sent; }
std::uint32_t Context::caller(CallId h) const { return sim_.calls_[h].caller; }
std::uint32_t Context::caller_instance(CallId h) const { return sim_.calls_[h].from_instance; }

void Context::schedule(Time delay, std::uint16_t tag, std::uint64_t data) {
  sim_.sched_.push(Event{after(sim_.now_, delay), self_, Simulation::kTimer, tag, data});
}

void Context::set_link_fault(std::uint32_t link, const LinkFault& fault) {
  Simulation::Link& l = sim_.links_[link];
  l.fault = fault;
  l.faulted = fault.active();
}

std::uint64_t Context::next_request_id() { return sim_.next_request_id_++; }

void Context::request_sent(const RequestInfo&) { sim_.requests_->sent(); }

void Context::request_ended(const RequestInfo& req, Status status, std::uint16_t attempts) {
  // The "all" latency is the sum of the declared histograms: an undeclared caller's answers
  // would be missing from it without a sign (asserts are on in the sanitizer build).
  assert(self_ < sim_.ends_requests_.size() && sim_.ends_requests_[self_] &&
         "a component ending requests must name its latency histogram (BuildContext::end_to_end_latency)");
  sim_.requests_->ended(req, status, sim_.now_, self_);
  if (sim_.tracer_) [[unlikely]]
    sim_.tracer_->request_ended(req, self_, sim_.now_, status);
  if (sim_.request_log_) [[unlikely]]
    sim_.request_log_->ended(req, self_, sim_.now_, status, attempts);
}

void Context::record_trace_span(CallId call, TraceSpan::Kind kind, Time begin, Time end) {
  sim_.tracer_->span(call, kind, begin, end);
}

void Context::record_trace_mark(const RequestInfo& req, TraceSpan::Kind kind, Time begin, Time end) {
  sim_.tracer_->mark(req, self_, kind, begin, end);
}

void Simulation::enable_trace(std::uint32_t n) {
  tracer_ = n ? std::make_unique<Tracer>(n, estimated_requests_) : nullptr;
  ctx_.tracing_ = tracer_ != nullptr;
}

// ---------------------------------------------------------------- running

inline void Simulation::dispatch(const Event& e) {
  switch (e.kind) {
    case kDeliver:
      fingerprint(e.target, kDeliver, 0);
      if (tracer_) [[unlikely]]
        tracer_->delivered(e.data, now_);
      ctx_.self_ = e.target;
      comps_[e.target]->on_request(ctx_, e.data);
      break;
    case kReply: {
      CallRecord& c = calls_[e.data];
      if (!c.caller_done) {
        c.caller_done = true;
        if (c.timed) timeouts_.answered();  // the entry is dead once the record is freed below
        fingerprint(c.caller, kReply, static_cast<std::uint16_t>(c.status));
        if (tracer_) [[unlikely]]
          tracer_->answered(e.data, now_, c.status);
        ctx_.self_ = c.caller;
        comps_[c.caller]->on_reply(ctx_, e.data, c.status, c.token);
      }
      calls_.free_unreset(e.data);
      break;
    }
    case kTimeouts:
      expire_timeouts();
      break;
    case kTimer:
      fingerprint(e.target, kTimer, e.tag);
      ctx_.self_ = e.target;
      comps_[e.target]->on_timer(ctx_, e.tag, e.data);
      break;
    case kWindow:
      metrics_->close_window(now_);
      if (now_ + settings_.window < settings_.duration)
        sched_.push(Event{now_ + settings_.window, 0, kWindow, 0, 0});
      break;
    case kWarmup:
      metrics_->reset_whole_run(now_);
      requests_->end_warmup();
      break;
    case kEndRun:  // every fixed-count test ended (Context::test_ended): nothing else runs
      sched_.clear();
      ended_early_ = true;
      break;
  }
}

void Simulation::arm_timeout(Time timeout, CallId h) {
  const Time deadline = after(now_, timeout);
  calls_[h].timed = true;
  timeouts_.push(deadline, timeout, h);
  // Outside expire_timeouts the armed event stands at or before the earliest deadline
  // (rearm_timeouts keeps it so, an answered call only raises the earliest), so a deadline
  // no earlier than it changes nothing: the common case of a fixed timeout skips the
  // store's front(). kTimeMax is what expire_timeouts leaves while it fires: there the full
  // check runs, as it always did.
  if (deadline < timeouts_armed_at_ || timeouts_armed_at_ == kTimeMax) rearm_timeouts();
}

// Keeps a scheduler event at the earliest pending deadline. An event whose time is no longer
// timeouts_armed_at_ (an earlier deadline came and went) is stale and ignored.
void Simulation::rearm_timeouts() {
  const auto* first = timeouts_.front();
  if (!first || first->deadline >= timeouts_armed_at_) return;
  timeouts_armed_at_ = first->deadline;
  sched_.push(Event{timeouts_armed_at_, 0, kTimeouts, 0, 0});
}

void Simulation::expire_timeouts() {
  if (now_ != timeouts_armed_at_) return;
  timeouts_armed_at_ = kTimeMax;
  // A callback may arm new timeouts; they end after now (timeouts are positive).
  for (const auto* first = timeouts_.front(); first && first->deadline <= now_; first = timeouts_.front()) {
    const CallId h = first->call;
    timeouts_.pop_front();
    fire_timeout(h);
  }
  rearm_timeouts();
}

void Simulation::fire_timeout(CallId h) {
  CallRecord& c = calls_[h];
  c.caller_done = true;
  c.status = Status::Timeout;
  c.result = Result{};
  fingerprint(c.caller, kReply, static_cast<std::uint16_t>(Status::Timeout));
  if (tracer_) [[unlikely]]
    tracer_->answered(h, now_, Status::Timeout);
  ctx_.self_ = c.caller;
  comps_[c.caller]->on_reply(ctx_, h, Status::Timeout, c.token);
  // The call record lives on until the callee answers (or its reply arrives) and frees it;
  // a call or reply lost on a faulted link has nothing more to come.
  if (calls_[h].reply_lost) calls_.free_unreset(h);
}

// Names the components acting at the stuck instant (from the next events) and stops the run.
static std::string gigabytes(double bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f GB", bytes / 1e9);
  return buf;
}

// The requests in flight: each hop of each holds a call record, the callee's job or queue
// place, its timeout and its events, about kBytesPerCall (measured: peak RSS of an open loop
// into a saturated service with no timeout, 312 bytes per request in flight with one hop and
// 974 with three). Before the run they cannot be known: a stable system holds a few (Little's
// law: big-8x holds about 30 at 640 requests/s), an overloaded one with no timeout or a long
// one holds what arrives; charging arrivals x timeout refused stable scenarios with long
// timeouts. So they are counted as the run goes (Pool::live, one compare every 65,536 events)
// and the run stops, with the count and the time, when they and the fixed part would pass
// the budget.
void Simulation::watch_in_flight() const {
  const double histograms = static_cast<double>(metrics_->histogram_bytes_held());
  const double held = fixed_bytes_ + histograms + static_cast<double>(calls_.live()) * kBytesPerCall;
  if (held <= static_cast<double>(kMemoryBudget)) return;
  if (histograms > held / 2)
    throw std::runtime_error("out of memory budget at t=" + format_duration(now_) + ": the latency histograms hold " +
                             gigabytes(histograms) + ", about " + gigabytes(held) +
                             " with the rest of the run (the budget is " +
                             gigabytes(static_cast<double>(kMemoryBudget)) +
                             "): their values spread over more powers of two than estimated; model fewer components");
  throw std::runtime_error(
      "out of memory budget at t=" + format_duration(now_) + ": " + std::to_string(calls_.live()) +
      " calls in flight, about " + gigabytes(held) + " with the rest of the run (the budget is " +
      gigabytes(static_cast<double>(kMemoryBudget)) +
      "): the load outgrows what the system answers and its callers wait without a bound (no timeout, or a long "
      "one); lower the load, add capacity, or give the clients a timeout");
}

void Simulation::stuck() {
  std::map<std::string, std::set<std::string>> acting;  // component -> what it was handed
  auto note = [&](const Event& e) {
    if (e.kind == kDeliver) acting[comps_[e.target]->id()].insert("requests");
    else if (e.kind == kTimer) acting[comps_[e.target]->id()].insert("timers");
    else if (e.kind == kReply && calls_.valid(e.data)) acting[comps_[calls_[e.data].caller]->id()].insert("replies");
  };
  for (int k = 0; k < 1000 && !sched_.empty() && sched_.next_time() == now_; ++k) {
    Event e = sched_.pop_front();
    note(e);
    now_ = e.time;
    dispatch(e);  // keep the loop turning: what it schedules at this instant is what we look at
  }
  std::string names;
  for (const auto& [id, kinds] : acting) {
    const std::string k = join_items(kinds, ", ");
    append_item(names, "; ", id + " (" + k + ")");
  }
  throw std::runtime_error("no simulated time passed for about 10 million events at t=" + format_duration(now_) + ": " +
                           names + " keep acting at the same instant (a request answered in zero time in a "
                           "closed loop, or another zero-delay cycle); give the work or the think time a duration");
}

void Simulation::start_at(Time t) {
  if (t < 0 || t % settings_.window != 0)
    throw std::invalid_argument("a run cut into segments starts each at a multiple of the window (" +
                                       format_duration(settings_.window) + "), not at " + format_duration(t));
  if (t >= settings_.duration || (t > 0 && settings_.warmup < t))
    throw std::invalid_argument("a segment starting at " + format_duration(t) +
                                       " needs its warm-up to end at or after that and before the duration");
  start_ = now_ = t;
  metrics_->start_at(t);
}

void Simulation::run(const std::function<void(double)>& progress, const std::atomic<bool>* stop) {
  auto wall_start = std::chrono::steady_clock::now();
  Time end = settings_.duration;
  // Engine events go first at their times: they were pushed before any model's.
  if (settings_.warmup > 0) sched_.push(Event{settings_.warmup, 0, kWarmup, 0, 0});
  if (start_ + settings_.window < end) sched_.push(Event{start_ + settings_.window, 0, kWindow, 0, 0});
  metrics_->reserve_windows(static_cast<std::size_t>((settings_.duration + settings_.window - 1) / settings_.window));
  for (auto& c : comps_) {
    ctx_.self_ = c->index();
    c->start(ctx_);
  }
  std::uint64_t n = 0;
  // Watchdog: a model that answers in zero time inside a closed loop (or any zero-delay
  // cycle) acts forever at one instant, and the scheduler's same-time bucket grows until
  // memory runs out. Checked once every 2^20 events, off the per-event path: when ten
  // checks in a row (about 10 million events) find the clock where it was, the run stops
  // with the components seen acting, rather than hang (a few hundred MB by then).
  Time checked_at = -1;
  int still = 0;
  // The run is [0, duration): an event at the end instant itself belongs to no window (a
  // request sent then could never be answered, and the last window would hold it).
  while (!sched_.empty() && sched_.next_time() < end) {
    Event e = sched_.pop_front();
    now_ = e.time;
    dispatch(e);
    if ((++n & 0x3ff) == 0) [[unlikely]] {
      // An interrupt (the CLI's SIGINT/SIGTERM) ends the run here, at the current time.
      // Checked every 1,024 events, a relaxed load: even at a millisecond per event (a
      // model doing much work per event) the run stops within about a second.
      if (stop && stop->load(std::memory_order_relaxed)) {
        end = now_;
        stopped_ = true;
        break;
      }
      if ((n & 0xffff) != 0) continue;
      watch_in_flight();
      if ((n & 0xfffff) == 0) {
        if (progress) progress(static_cast<double>(now_ - start_) / static_cast<double>(end - start_));
        if (now_ != checked_at) {
          checked_at = now_;
          still = 0;
        } else if (++still >= 10) {
          stuck();
        }
      }
    }
  }
  if (ended_early_) end = now_;
  now_ = end;
  reached_ = end;
  if (metrics_->window_ends().empty() || metrics_->window_ends().back() < end) metrics_->close_window(end);
  events_ = n;
  wall_time_s_ = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  if (progress) progress(1.0);
}

LatencyStats LatencyStats::from(const Histogram& h) {
  LatencyStats s;
  s.count = h.count();
  if (s.count == 0) return s;
  s.mean = h.mean() / 1e6;
  static constexpr double kQs[] = {50, 90, 95, 99, 99.9};
  double p[5];
  h.percentiles(kQs, p);
  s.p50 = p[0] / 1e6;
  s.p90 = p[1] / 1e6;
  s.p95 = p[2] / 1e6;
  s.p99 = p[3] / 1e6;
  s.p999 = p[4] / 1e6;
  s.max = static_cast<double>(h.max()) / 1e6;
  auto bounds = [&](double q) {
    const auto [lo, hi] = h.percentile_bounds(q);
    return Bounds{static_cast<double>(lo) / 1e6, static_cast<double>(hi) / 1e6};
  };
  s.p50_bounds = bounds(50);
  s.p90_bounds = bounds(90);
  s.p95_bounds = bounds(95);
  s.p99_bounds = bounds(99);
  s.p999_bounds = bounds(99.9);
  return s;
}

RunResult Simulation::result() {
  RunResult r;
  r.scenario = settings_.name;
  r.cause_names = cause_names_;
  r.description = settings_.description;
  r.seed = settings_.seed;
  r.duration_s = to_seconds(settings_.duration);
  r.warmup_s = to_seconds(settings_.warmup);
  r.measured_s = to_seconds(settings_.duration - settings_.warmup);
  if (stopped_) {
    // Before the warm-up ended the whole-run figures never restarted: they cover [0, reached).
    r.partial = true;
    r.simulated_s = to_seconds(reached_);
    r.measured_s = to_seconds(reached_ > settings_.warmup ? reached_ - settings_.warmup : reached_);
  } else if (ended_early_) {
    // Every fixed-count test ended before the duration: the figures cover [0, reached).
    r.ended_early = true;
    r.simulated_s = to_seconds(reached_);
    r.measured_s = to_seconds(reached_ > settings_.warmup ? reached_ - settings_.warmup : reached_);
  } else {
    r.simulated_s = r.duration_s;
  }
  r.keep_histograms = keep_histograms_;
  {
    std::vector<std::string> ids;  // the population's clients are named by them
    for (const auto& c : comps_) ids.push_back(c->id());
    requests_->fill(r, ids);
  }
  r.warmup = settings_.warmup;
  r.start = start_;
  for (auto& c : comps_) {
    ComponentResult cr;
    cr.id = c->id();
    cr.type = c->type();
    ctx_.self_ = c->index();
    if (keep_histograms_) cr.report.keep_histograms();
    c->finish(ctx_, cr.report);
    (c->index() >= hidden_from_ ? r.sections : r.components).push_back(std::move(cr));
  }
  r.window_s = to_seconds(settings_.window);
  r.window_ends = metrics_->window_ends();
  r.series = metrics_->series();
  r.states = metrics_->states();
  r.wall_time_s = wall_time_s_;
  r.events = events_;
  r.fingerprint = fingerprint_;
  for (std::uint32_t i = 0; i < requests_->route_count(); ++i) r.route_names.push_back(requests_->route_name(i));
  if (tracer_) {
    std::vector<std::string> ids;
    for (const auto& c : comps_) ids.push_back(c->id());
    r.trace = tracer_->take(std::move(ids), settings_.duration);
    tracer_.reset();
    ctx_.tracing_ = false;
  }
  if (request_log_) r.request_log = request_log_->take();
  return r;
}

}  // namespace archsim
