#include "models/function/function.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <vector>

#include "models/contracts/causes.h"
#include "models/function/async_invoke.h"
#include "scenario/describe.h"
#include "sim/distribution.h"
#include "sim/figures.h"
#include "sim/results.h"

namespace archsim {
namespace {

enum Tag : std::uint16_t { kDone = 1, kReclaim = 2, kRetry = 3 };

constexpr std::uint32_t kNoEvent = ~0u;  // the request in hand is a synchronous call

// Lambda's published CPU rule: one vCPU at 1,769 MB, a proportional share below.
constexpr double kOneVcpuMb = 1769;

enum class EnvState : std::uint8_t { None, Busy, Idle };

// The first two moments of min(X, cap) for X of `d` (in ns): exact for the constant, uniform,
// exponential and empirical laws; the other laws' own moments (cap ignored), an
// overstatement when their tail passes the cap.
struct Moments {
  double mean, second;
};
Moments capped_moments(const Distribution& d, double cap) {
  using K = Distribution::Kind;
  switch (d.kind) {
    case K::Constant: {
      const double v = std::min(d.p1, cap);
      return {v, v * v};
    }
    case K::Empirical: {
      double m1 = 0, m2 = 0;
      for (double x : d.values) {
        const double v = std::min(x, cap);
        m1 += v;
        m2 += v * v;
      }
      const auto n = static_cast<double>(d.values.size());
      return {m1 / n, m2 / n};
    }
    case K::Uniform: {
      const double a = d.p1, b = d.p2;
      if (b <= a || cap <= a) return capped_moments(Distribution::constant(std::min(a, cap)), cap);
      const double c = std::min(cap, b);  // density 1 / (b - a) on [a, c), the rest at c
      return {((c * c - a * a) / 2 + c * (b - c)) / (b - a), ((c * c * c - a * a * a) / 3 + c * c * (b - c)) / (b - a)};
    }
    case K::Exponential: {
      const double mu = d.p1;
      if (mu <= 0) return {0, 0};
      const double e = std::exp(-cap / mu);  // E[min] = mu (1 - e), E[min^2] = 2 mu^2 (1 - e (1 + cap / mu))
      return {mu * (1 - e), 2 * mu * mu * (1 - e * (1 + cap / mu))};
    }
    default: {
      const double m = d.mean();
      return {m, m * m * (1 + d.scv())};
    }
  }
}

struct Env {
  EnvState state = EnvState::None;
  bool provisioned = false;
  bool cold = false;          // the request in hand waited for this environment's INIT
  bool timed_out = false;     // the request in hand runs into the timeout and is stopped there
  bool reset = false;         // a timeout reset it: its next request runs INIT again
  std::uint32_t event = kNoEvent;  // asynchronous: the event in hand
  std::uint32_t generation = 0;  // bumped each time it goes idle: a reclaim timer names one idle spell
  CallId call{};
  Time busy_for = 0;          // INIT (if cold) + handler time of the request in hand
};

// An asynchronous event in Lambda's queue, from its arrival to its success or discard.
struct Event {
  Time first = 0;          // when it arrived
  Time throttle_wait = 0;  // the last wait after a throttled attempt (0: none since it ran)
  std::uint32_t retries = 0;  // retries after function errors so far
};

class Function final : public Component {
 public:
  Function(Params& p, BuildContext& bc) : rng_(bc.rng(0)) {
    memory_mb_ = p.integer("memory_mb", 128, 128, 10240);  // Lambda's range and default
    duration_ = p.distribution("duration");
    init_ = p.distribution("init_duration", Distribution::constant(0.25 * kSecond));
    idle_timeout_ = p.duration("idle_timeout", 10 * kMinute, 0, kDay);
    timeout_ = p.duration("timeout", 3 * kSecond, kSecond, 900 * kSecond);  // Lambda's default and range
    async_ = AsyncInvoke::read(p, async_on_);
    concurrency_ = static_cast<std::uint32_t>(p.integer("concurrency", 1000, 1, 100'000));
    provisioned_ = static_cast<std::uint32_t>(p.integer("provisioned", 0, 0, 100'000));
    if (provisioned_ > concurrency_) p.fail("provisioned", "is more than the concurrency limit (provisioned environments count within it)");
    cpu_stretch_ = std::max(1.0, kOneVcpuMb / static_cast<double>(memory_mb_));
    // Lambda's concurrency scaling rate: a bucket of `scaling_rate` new environments, refilled
    // continuously over 10 s and never above that (unused rate does not accrue).
    scale_cap_ = static_cast<double>(p.integer("scaling_rate", 1000, 1, 1'000'000));
    scale_tokens_ = scale_cap_;

    envs_.resize(concurrency_);
    free_.reserve(concurrency_);
    for (std::uint32_t e = concurrency_; e > provisioned_; --e) free_.push_back(e - 1);
    for (std::uint32_t e = 0; e < provisioned_; ++e) {
      envs_[e].provisioned = true;
      envs_[e].state = EnvState::Idle;
      warm_provisioned_.push_back(e);
    }
    ring_.resize(concurrency_);
    live_ = provisioned_;
    peak_live_ = live_;

    const std::string& id = bc.id();
    Metrics& m = bc.metrics();
    invocations_c_ = m.counter(id, "invocations", "invocations_rps");
    cold_c_ = m.counter(id, "cold_starts", "cold_starts_rps");
    throttled_c_ = m.counter(id, "throttled", "throttled_rps");
    // What Lambda's console charts beside invocations and throttles: the environments alive
    // and the concurrent executions (environments busy with a request, its INIT included).
    environments_g_ = m.gauge(id, "environments", "environments");
    concurrent_g_ = m.gauge(id, "concurrent", "concurrent_executions");
    m.set(environments_g_, static_cast<double>(live_), 0);
    declare_figures(m, id);
  }

  void on_request(Context& ctx, CallId call) override {
    if (!async_on_) return invoke(ctx, call, kNoEvent);
    ctx.reply(call, Status::Ok);  // queued: 202 Accepted
    ++async_events_;
    std::uint32_t ev;
    if (free_events_.empty()) {  // grows to the most events queued at once, then reuses them
      ev = static_cast<std::uint32_t>(events_.size());
      events_.emplace_back();
      free_events_.reserve(events_.capacity());  // so that freeing one never allocates
    } else {
      ev = free_events_.back();
      free_events_.pop_back();
    }
    events_[ev] = Event{ctx.now(), 0, 0};
    invoke(ctx, CallId{}, ev);
  }

  // One invocation: a synchronous call's (`ev` kNoEvent), or an attempt of event `ev`.
  void invoke(Context& ctx, CallId call, std::uint32_t ev) {
    std::uint32_t e;
    bool cold = false;
    if (!warm_provisioned_.empty()) {
      e = warm_provisioned_.back();
      warm_provisioned_.pop_back();
    } else if (ring_size_ > 0) {
      e = ring_pop_back();  // the most recently used idle environment
    } else if (!free_.empty() && take_scaling_token(ctx.now())) {
      e = free_.back();
      free_.pop_back();
      cold = true;
      ++live_;
      peak_live_ = std::max(peak_live_, live_);
      ctx.metrics().set(environments_g_, static_cast<double>(live_), ctx.now());
    } else {
      if (!free_.empty()) ++throttled_scaling_;  // below the limit, but scaling too fast
      ++throttled_;
      ctx.metrics().add(throttled_c_);
      if (ev == kNoEvent) ctx.reply(call, causes::RateLimited);
      else throttled_event(ctx, ev);
      return;
    }
    Env& env = envs_[e];
    env.state = EnvState::Busy;
    if (env.reset) {  // reset by a timeout: INIT again, as a cold start (unless reclaimed since)
      if (!cold) ++reinits_;
      cold = true;
      env.reset = false;
    }
    env.cold = cold;
    env.call = call;
    env.event = ev;
    if (ev != kNoEvent) events_[ev].throttle_wait = 0;
    const double handler_ns = static_cast<double>(duration_.sample_time(rng_)) * cpu_stretch_;
    Time handler = static_cast<Time>(std::llround(handler_ns));
    env.timed_out = handler > timeout_;  // stopped at the timeout, and billed up to it
    if (env.timed_out) handler = timeout_;
    env.busy_for = (cold ? init_.sample_time(rng_) : 0) + handler;
    // Billed when it starts, its duration being known: a request the run's end cuts short is
    // billed whole, as the invocation it is. Rounded up to the next whole millisecond, times
    // the memory in GB.
    const auto billed_ms = static_cast<double>((env.busy_for + kMillisecond - 1) / kMillisecond);
    const double gb_s = billed_ms / 1000.0 * static_cast<double>(memory_mb_) / 1024.0;
    billed_gb_s_ += gb_s;
    if (env.timed_out) {  // its handler's part: the timeout, in whole ms, x GB
      ++timeouts_;
      timed_out_gb_s_ += static_cast<double>((timeout_ + kMillisecond - 1) / kMillisecond) / 1000.0 * static_cast<double>(memory_mb_) / 1024.0;
    }
    ++invocations_;
    ctx.metrics().add(invocations_c_);
    ctx.metrics().add(concurrent_g_, 1, ctx.now());
    if (cold) {
      ++cold_starts_;
      ctx.metrics().add(cold_c_);
    }
    ctx.schedule(env.busy_for, kDone, e);
  }

  void on_timer(Context& ctx, std::uint16_t tag, std::uint64_t data) override {
    if (tag == kDone) return done(ctx, static_cast<std::uint32_t>(data));
    if (tag == kReclaim) return reclaim(ctx, static_cast<std::uint32_t>(data), static_cast<std::uint32_t>(data >> 32));
    if (tag == kRetry) return invoke(ctx, CallId{}, static_cast<std::uint32_t>(data));
  }

  // For `archsim analyze`: a loss system of `concurrency` servers and no queue (an arrival
  // finding every environment busy is throttled), which is Erlang B's model; its blocking
  // does not depend on the holding time's distribution. The holding time is the handler's,
  // stretched for memory; cold starts' INIT is left out (rare in steady load).
  void describe(Description& d) const override {
    d.kind = Description::Kind::Server;
    d.replicas = 1;
    d.concurrency = concurrency_;
    d.queue_capacity = 0;
    Description::Program prog;
    prog.any_route = true;
    // The holding time is the handler's stopped at the timeout: min(X x stretch, timeout).
    const Moments m = capped_moments(duration_, static_cast<double>(timeout_) / cpu_stretch_);
    prog.work_s = m.mean / 1e9 * cpu_stretch_;
    prog.work_scv = m.mean > 0 ? m.second / (m.mean * m.mean) - 1 : 0;
    d.programs.push_back(std::move(prog));
  }

  void finish(Context& ctx, ComponentReport& r) override {
    figures_.report(ctx, r);
    function::declare_page(r.page());
    const double gb = static_cast<double>(memory_mb_) / 1024.0;
    Usage& u = r.usage();
    u.function_invocations += static_cast<double>(invocations_);
    u.function_gb_seconds += billed_gb_s_;
    u.function_provisioned_gb_seconds += static_cast<double>(provisioned_) * gb * to_seconds(ctx.end_time());
  }

 private:
  // The figures in summary.json, in order; finish() reports them.
  void declare_figures(Metrics& m, const std::string& id) {
    figures_ = Figures(m, id);
    Figures& f = figures_;
    // Rates over the measured span, as every component's: served invocations per second, and
    // the concurrency limit's mean share in use (the table's util column; near 1, arrivals
    // are being throttled).
    f.per_second("throughput_rps", invocations_c_);
    f.mean("concurrent_executions", concurrent_g_);
    f.derived("utilization", [this](Context& ctx) {
      return ctx.metrics().average(concurrent_g_, ctx.end_time()) / static_cast<double>(concurrency_);
    });
    // Whole-run figures: a cold start at t = 0 is the point of the model, warm-up or not.
    f.held("invocations", invocations_);
    f.held("cold_starts", cold_starts_);
    f.value("cold_start_share", [this] {
      return invocations_ ? static_cast<double>(cold_starts_) / static_cast<double>(invocations_) : 0.0;
    });
    f.held("throttled", throttled_);
    f.held("throttled_scaling", throttled_scaling_);
    f.value("environments_created", [this] { return static_cast<double>(cold_starts_ - reinits_ + provisioned_); });
    f.held("environments_reclaimed", reclaimed_);
    f.held("peak_environments", peak_live_);
    f.held("billed_gb_seconds", billed_gb_s_);
    // Handler timeouts: invocations stopped at `timeout`, the GB-s billed for their handlers
    // (timeout x GB each; a cold one's INIT is in billed_gb_seconds beside it), and the
    // environments they reset.
    f.held("timeouts", timeouts_);
    f.held("timed_out_gb_seconds", timed_out_gb_s_, Figures::Show::IfAny);
    f.held("environments_reset", reinits_, Figures::Show::IfAny);
    if (!async_on_) return;
    f.held("async.events", async_events_);
    f.held("async.succeeded", async_succeeded_);
    f.held("async.retries", async_retries_);
    f.held("async.throttle_retries", async_throttle_retries_);
    f.held("async.dead_lettered", async_dead_);
    f.value("async.queued", [this] { return static_cast<double>(events_.size() - free_events_.size()); });
  }

  // An attempt of event `ev` ended; failed: it timed out (a function error).
  void event_done(Context& ctx, std::uint32_t ev, bool failed) {
    Event& x = events_[ev];
    if (!failed) {
      ++async_succeeded_;
      return free_event(ev);
    }
    const Time wait = AsyncInvoke::error_retry_delay(x.retries + 1);
    if (x.retries >= async_.max_retries || !async_.fresh(x.first, ctx.now() + wait)) return dead_letter(ev);
    ++x.retries;
    ++async_retries_;
    ctx.schedule(wait, kRetry, ev);
  }

  // A throttled attempt: back to the queue, tried again after a growing wait while it is fresh.
  void throttled_event(Context& ctx, std::uint32_t ev) {
    Event& x = events_[ev];
    x.throttle_wait = AsyncInvoke::throttle_delay(x.throttle_wait);
    if (!async_.fresh(x.first, ctx.now() + x.throttle_wait)) return dead_letter(ev);
    ++async_throttle_retries_;
    ctx.schedule(x.throttle_wait, kRetry, ev);
  }

  // To the dead-letter queue or on-failure destination: counted.
  void dead_letter(std::uint32_t ev) {
    ++async_dead_;
    free_event(ev);
  }
  void free_event(std::uint32_t ev) { free_events_.push_back(ev); }

  void done(Context& ctx, std::uint32_t e) {
    Env& env = envs_[e];
    // A timeout is a function error (Lambda's "Task timed out"): a 5xx to a synchronous caller.
    if (env.event == kNoEvent) ctx.reply(env.call, env.timed_out ? Status::Error : Status::Ok);
    else event_done(ctx, env.event, env.timed_out);
    ctx.metrics().add(concurrent_g_, -1, ctx.now());
    env.state = EnvState::Idle;
    env.reset = env.timed_out;  // Lambda resets an environment whose invocation timed out
    env.call = CallId{};
    env.event = kNoEvent;
    if (env.provisioned) {
      warm_provisioned_.push_back(e);
      return;
    }
    ++env.generation;
    ring_push_back(e);
    ctx.schedule(idle_timeout_, kReclaim, (static_cast<std::uint64_t>(env.generation) << 32) | e);
  }

  // An environment idle for idle_timeout since it last finished. The idle timeout is one
  // constant and reuse takes the newest, so the oldest idle one is at the ring's front.
  void reclaim(Context& ctx, std::uint32_t e, std::uint32_t generation) {
    Env& env = envs_[e];
    if (env.state != EnvState::Idle || env.generation != generation) return;  // reused since
    // It is the front; the loop guards the invariant rather than trusting it.
    for (std::uint32_t k = 0; k < ring_size_; ++k) {
      const std::uint32_t slot = (ring_head_ + k) % concurrency_;
      if (ring_[slot] != e) continue;
      for (std::uint32_t j = k; j > 0; --j) ring_[(ring_head_ + j) % concurrency_] = ring_[(ring_head_ + j - 1) % concurrency_];
      ring_head_ = (ring_head_ + 1) % concurrency_;
      --ring_size_;
      break;
    }
    env.state = EnvState::None;
    env.reset = false;
    free_.push_back(e);
    --live_;
    ++reclaimed_;
    ctx.metrics().set(environments_g_, static_cast<double>(live_), ctx.now());
  }

  // One new environment from the scaling-rate bucket, if it holds one (refilled first).
  bool take_scaling_token(Time now) {
    scale_tokens_ = std::min(scale_cap_, scale_tokens_ + to_seconds(now - scale_refilled_) * scale_cap_ / 10.0);
    scale_refilled_ = now;
    if (scale_tokens_ < 1) return false;
    scale_tokens_ -= 1;
    return true;
  }

  void ring_push_back(std::uint32_t e) {
    ring_[(ring_head_ + ring_size_) % concurrency_] = e;
    ++ring_size_;
  }
  std::uint32_t ring_pop_back() {
    --ring_size_;
    return ring_[(ring_head_ + ring_size_) % concurrency_];
  }

  std::int64_t memory_mb_ = 128;
  Distribution duration_, init_;
  Time idle_timeout_ = 0, timeout_ = 3 * kSecond;
  AsyncInvoke async_;
  bool async_on_ = false;
  std::vector<Event> events_;                  // asynchronous events in the queue or running
  std::vector<std::uint32_t> free_events_;     // their free slots
  std::uint64_t timeouts_ = 0, reinits_ = 0;
  double timed_out_gb_s_ = 0;
  std::uint64_t async_events_ = 0, async_succeeded_ = 0, async_retries_ = 0, async_throttle_retries_ = 0, async_dead_ = 0;
  std::uint32_t concurrency_ = 1000, provisioned_ = 0;
  double cpu_stretch_ = 1;
  std::vector<Env> envs_;
  std::vector<std::uint32_t> free_;              // slots with no environment
  std::vector<std::uint32_t> warm_provisioned_;  // idle provisioned environments
  std::vector<std::uint32_t> ring_;              // idle on-demand environments, oldest first
  std::uint32_t ring_head_ = 0, ring_size_ = 0;
  std::uint32_t live_ = 0, peak_live_ = 0;
  std::uint64_t invocations_ = 0, cold_starts_ = 0, throttled_ = 0, reclaimed_ = 0;
  std::uint64_t throttled_scaling_ = 0;  // of throttled_: refused by the scaling rate
  double scale_cap_ = 1000, scale_tokens_ = 1000;
  Time scale_refilled_ = 0;
  double billed_gb_s_ = 0;
  Rng rng_;
  GaugeId environments_g_, concurrent_g_;
  CounterId invocations_c_, cold_c_, throttled_c_;
  Figures figures_;  // every figure, reported by finish() in the order declared
};

}  // namespace

std::unique_ptr<Component> make_function(Params& p, BuildContext& bc) { return std::make_unique<Function>(p, bc); }

}  // namespace archsim
