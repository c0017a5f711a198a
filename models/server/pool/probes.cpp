// Server pool: the kubelet's liveness probe (models/server/pool/server_pool.h).
//
// Follows pkg/kubelet/prober (worker.go, prober.go) and the Probe API: every `period` a ready
// instance is probed; a probe not answered within `timeout` fails; `failure_threshold`
// failures in a row make the kubelet kill the container, which restarts after restart_time
// and start-up (dropping what it held). The probe is an HTTP request served like any other:
// it waits for a worker behind the requests already queued (Spring Boot's actuator on the
// same Tomcat pool), so a saturated instance fails it. Its answer is exact for a FIFO queue:
// sent when every worker is busy with q requests queued, it reaches a worker after q + 1 of
// the instance's requests finish, and the probe checks whether that happened within
// `timeout`. Its own handling takes no time.
// Simplifications: the first probe comes `initial_delay` + `period` after the instance is
// ready (no random spread); successThreshold is 1 (as the API requires for liveness). The
// readiness and startup probes are in readiness.cpp.
#include "models/server/pool/server_pool.h"

namespace archsim {

namespace {

// One probe's fields as the Probe API names them (periodSeconds, timeoutSeconds,
// initialDelaySeconds, failureThreshold, successThreshold). Kubernetes' validation allows a
// successThreshold other than 1 only for readiness; a startup probe has no `timeout` here (an
// instance that is up holds no request yet and answers at once).
struct ProbeFields {
  Time period, timeout, delay;
  std::uint32_t failure_threshold, success_threshold;
};

ProbeFields read_probe(Params& l, bool readiness, bool startup) {
  ProbeFields f{};
  f.period = l.duration("period", 10 * kSecond);
  if (f.period <= 0) l.fail("period", "must be positive");
  if (!startup) {
    f.timeout = l.duration("timeout", kSecond);
    if (f.timeout <= 0) l.fail("timeout", "must be positive");
    if (f.timeout > f.period) l.fail("timeout", "must not exceed the period (one probe at a time)");
  }
  f.delay = l.duration("initial_delay", 0);
  f.failure_threshold = static_cast<std::uint32_t>(l.integer("failure_threshold", 3, 1, 100));
  f.success_threshold = readiness ? static_cast<std::uint32_t>(l.integer("success_threshold", 1, 1, 100)) : 1;
  return f;
}

}  // namespace

void ServerPool::read_probes(Params& p) {
  std::optional<Params> probes = p.object_opt("probes");
  if (!probes) return;
  if (std::optional<Params> l = probes->object_opt("liveness")) {
    const ProbeFields f = read_probe(*l, false, false);
    probe_period_ = f.period;
    probe_timeout_ = f.timeout;
    probe_delay_ = f.delay;
    probe_threshold_ = f.failure_threshold;
  }
  if (std::optional<Params> r = probes->object_opt("readiness")) {
    const ProbeFields f = read_probe(*r, true, false);
    readiness_ = {f.period, f.timeout, f.delay, f.failure_threshold, f.success_threshold};
  }
  if (std::optional<Params> st = probes->object_opt("startup")) {
    const ProbeFields f = read_probe(*st, false, true);
    startup_probe_ = {f.period, 0, f.delay, f.failure_threshold, 1};
  }
}

void ServerPool::arm_probe(Context& ctx, std::uint32_t i, Time delay) {
  ctx.schedule(delay, kProbe, timer_data(i, instances_[i].timer_gen));
}

void ServerPool::probe(Context& ctx, std::uint32_t i) {
  Instance& in = instances_[i];
  if (probe_sent(in, ctx.now(), probe_timeout_, in.probe_need, in.probe_mark)) in.probe_failures = 0;  // a free worker answers it at once
  else ctx.schedule(probe_timeout_, kProbeCheck, timer_data(i, in.timer_gen));
  arm_probe(ctx, i, probe_period_);  // the next one, whatever this one answers (after its check)
}

void ServerPool::probe_check(Context& ctx, std::uint32_t i) {
  Instance& in = instances_[i];
  if (in.completed - in.probe_mark >= in.probe_need) {
    in.probe_failures = 0;
    return;
  }
  ++probe_failed_;
  if (++in.probe_failures < probe_threshold_) return;
  in.probe_failures = 0;
  ++probe_restarts_;
  ctx.metrics().add(probe_restart_c_);
  go_down(ctx, i);  // the kubelet kills the container; it restarts after restart_time
  update_counts(ctx);
}

}  // namespace archsim
