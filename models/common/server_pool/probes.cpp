// Server pool: the kubelet's liveness probe (models/common/server_pool/server_pool.h).
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
// Simplifications: only liveness (no readiness or startup probe: an instance is ready when
// its start-up ends); the first probe comes `initial_delay` + `period` after the instance is
// ready (no random spread); successThreshold is 1.
#include "models/common/server_pool/server_pool.h"

namespace archsim {

void ServerPool::read_probes(Params& p) {
  std::optional<Params> probes = p.object_opt("probes");
  if (!probes) return;
  std::optional<Params> l = probes->object_opt("liveness");
  if (!l) return;
  probe_period_ = l->duration("period", 10 * kSecond);
  if (probe_period_ <= 0) l->fail("period", "must be positive");
  probe_timeout_ = l->duration("timeout", kSecond);
  if (probe_timeout_ <= 0) l->fail("timeout", "must be positive");
  if (probe_timeout_ > probe_period_) l->fail("timeout", "must not exceed the period (one probe at a time)");
  probe_delay_ = l->duration("initial_delay", 0);
  probe_threshold_ = static_cast<std::uint32_t>(l->integer("failure_threshold", 3, 1, 100));
}

void ServerPool::arm_probe(Context& ctx, std::uint32_t i, Time delay) {
  ctx.schedule(delay, kProbe, timer_data(i, instances_[i].timer_gen));
}

void ServerPool::probe(Context& ctx, std::uint32_t i) {
  Instance& in = instances_[i];
  if (in.busy < concurrency_) {  // a free worker answers it at once
    in.probe_failures = 0;
  } else {
    in.probe_mark = in.completed;
    in.probe_need = static_cast<std::uint32_t>(in.queue.size()) + 1;
    ctx.schedule(probe_timeout_, kProbeCheck, timer_data(i, in.timer_gen));
  }
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
