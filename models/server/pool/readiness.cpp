// Server pool: the kubelet's readiness and startup probes (models/server/pool/server_pool.h;
// the liveness probe is probes.cpp).
//
// Follows pkg/kubelet/prober/worker.go (doProbe) and the Probe API:
//  - each probe runs on its own ticker from the container's start; a result changes the
//    probe's state only after `failure_threshold` failures or `success_threshold` successes in
//    a row (the worker's resultRun), and the state holds until then;
//  - readiness starts as Failure: a started instance stays out of the endpoints (Unready)
//    until `success_threshold` probes in a row pass; `failure_threshold` failures in a row take
//    a ready instance out of the endpoints WITHOUT restarting it: it keeps working off what it
//    holds and returns when its probes pass again (the EndpointSlice controller follows the
//    pod's Ready condition; with a discovery lag, callers see it later, discovery.cpp);
//  - while a startup probe has not succeeded, liveness and readiness are held (the worker
//    skips them: here readiness ticks before it pass nothing, liveness starts after it);
//    `failure_threshold` failures kill the container, which restarts after restart_time and
//    start-up, like a liveness kill. Without a startup probe the container counts as started
//    when its start-up ends.
// The readiness probe is served like a request, as the liveness probe is (probes.cpp): behind
// the queued requests, failed when it does not reach a worker within `timeout`; an instance
// whose thread pool is full fails it and leaves the endpoints, and comes back once its queue
// is worked off. The startup probe succeeds at its first tick after start-up ended (the
// application answers at once: it holds no request yet) and fails before.
// Probe times: the first tick `initial_delay` + `period` after the container starts (the
// liveness probe's convention), then every `period`; so a container that never comes up is
// killed initial_delay + failure_threshold x period after it started.
// Simplifications: no random spread of the first tick; the probes' own handling takes no time.
#include "models/server/pool/server_pool.h"

#include <optional>

#include "sim/results.h"

namespace archsim {

// A container starts (launched or restarted): its readiness and startup tickers begin.
void ServerPool::arm_container_probes(Context& ctx, std::uint32_t i) {
  Instance& in = instances_[i];
  in.app_up = false;
  in.start_failures = in.ready_failures = in.ready_successes = 0;
  const std::uint64_t data = timer_data(i, in.timer_gen);
  if (readiness_.period) ctx.schedule(readiness_.delay + readiness_.period, kReadinessProbe, data);
  if (startup_probe_.period) ctx.schedule(startup_probe_.delay + startup_probe_.period, kStartupProbe, data);
}

// Start-up ended and the startup probe (if any) passed: ready, or with a readiness probe
// running but out of the endpoints until it passes.
void ServerPool::container_started(Context& ctx, std::uint32_t i) {
  set_state(ctx, i, readiness_.period ? Instance::Unready : Instance::Ready);
}

void ServerPool::readiness_probe(Context& ctx, std::uint32_t i) {
  Instance& in = instances_[i];
  ctx.schedule(readiness_.period, kReadinessProbe, timer_data(i, in.timer_gen));  // the next tick
  if (in.state == Instance::Starting) {  // not started: refused (or held by the startup probe)
    in.ready_successes = 0;
    return;
  }
  if (probe_sent(in, ctx.now(), readiness_.timeout, in.ready_need, in.ready_mark)) readiness_result(ctx, i, true);
  else ctx.schedule(readiness_.timeout, kReadinessCheck, timer_data(i, in.timer_gen));
}

// One readiness result; the instance's state changes after enough of one kind in a row.
void ServerPool::readiness_result(Context& ctx, std::uint32_t i, bool ok) {
  Instance& in = instances_[i];
  if (ok) {
    in.ready_failures = 0;
    if (in.ready_successes < 255) ++in.ready_successes;
    if (in.state != Instance::Unready || in.ready_successes < readiness_.success_threshold) return;
    ++ready_returns_;
    if (first_returned_ < 0 && first_removed_ >= 0) first_returned_ = ctx.now();
    set_state(ctx, i, Instance::Ready);
    return;
  }
  ++ready_failed_;
  in.ready_successes = 0;
  if (in.ready_failures < 255) ++in.ready_failures;
  if (in.state != Instance::Ready || in.ready_failures < readiness_.failure_threshold) return;
  ++ready_removals_;
  if (first_removed_ < 0) first_removed_ = ctx.now();
  set_state(ctx, i, Instance::Unready);  // out of the endpoints; not restarted
}

void ServerPool::startup_probe(Context& ctx, std::uint32_t i) {
  Instance& in = instances_[i];
  if (in.app_up) {
    container_started(ctx, i);
    return;
  }
  ++start_failed_;
  if (++in.start_failures < startup_probe_.failure_threshold) {
    ctx.schedule(startup_probe_.period, kStartupProbe, timer_data(i, in.timer_gen));
    return;
  }
  ++start_kills_;
  if (first_start_kill_ < 0) first_start_kill_ = ctx.now();
  go_down(ctx, i);  // the kubelet kills the container; it restarts after restart_time
  update_counts(ctx);
}

void ServerPool::declare_probes(Figures& f) const {
  // A first removal, return or kill: only once one happened.
  auto when = [](const Time& t) {
    return [&t](Context&) { return t >= 0 ? std::optional<double>(to_seconds(t)) : std::nullopt; };
  };
  if (readiness_.period) {
    f.held("readiness.failed_probes", ready_failed_);
    f.held("readiness.removals", ready_removals_);
    f.held("readiness.returns", ready_returns_);
    f.maybe("readiness.first_removed_s", when(first_removed_));
    f.maybe("readiness.first_returned_s", when(first_returned_));
  }
  if (startup_probe_.period) {
    f.held("startup.failed_probes", start_failed_);
    f.held("startup.kills", start_kills_);
    f.maybe("startup.first_kill_s", when(first_start_kill_));
  }
}

}  // namespace archsim
