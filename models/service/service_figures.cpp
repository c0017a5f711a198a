// Service: its end-of-run figures (summary.json's components.<id>), the pool's and each
// mechanism's in turn.
#include <algorithm>
#include <string>

#include "models/service/service_impl.h"

namespace archsim::service_internal {

void Service::finish(Context& ctx, ComponentReport& r) {
  Metrics& m = ctx.metrics();
  Time now = ctx.end_time();
  double measured = to_seconds(now - ctx.warmup());
  r.add("throughput_rps", static_cast<double>(m.total(ok_c_)) / measured);
  pool_.report_load(ctx, r);
  pool_.report_rollouts(ctx, r);
  pool_.report_disruptions(ctx, r);
  pool_.report_discovery(r);
  pool_.report_memory(ctx, r);
  event_figures(r);
  sidecar_figures(ctx, r);
  connection_figures(ctx, r);
  r.add("ok", static_cast<double>(m.total(ok_c_)));
  r.add("errors", static_cast<double>(m.total(err_c_)));
  r.add("rejected", static_cast<double>(m.total(rejected_c_)));
  r.add("dropped", static_cast<double>(m.total(dropped_c_)));
  if (const auto n = m.total(tls_c_)) {  // only where a caller opens TLS connections to it
    r.add("tls_handshakes", static_cast<double>(n));
    r.add("tls_cpu_s", static_cast<double>(m.total(tls_cpu_c_)) / 1e9);
  }
  if (crypto_.has_jwt) {
    r.add("jwt_verifications", static_cast<double>(m.total(jwt_c_)));
    r.add("jwt_cpu_s", static_cast<double>(m.total(jwt_cpu_c_)) / 1e9);
  }
  deadline_figures(ctx, r);
  resilience_figures(ctx, r);
  saga_figures(ctx, r);
  two_phase_figures(ctx, r);
  r.add_latency("latency_ms", m.whole(latency_h_));
  // The accept-queue part of the latency (Kingman's Wq), and how many had any: P(wait > 0)
  // is Erlang C's figure for an M/M/c service.
  r.add_latency("queue_wait_ms", m.whole(queue_wait_h_));
  const auto served_n = m.total(ok_c_);
  r.add("waited_fraction", served_n ? static_cast<double>(m.total(waited_c_)) / static_cast<double>(served_n) : 0.0);
  // P(wait > t) for each threshold asked, as "wait_over": {"10ms": 0.12, ...} (a duration
  // such as "1.5ms" would split a dotted name: its dot becomes "_").
  for (std::size_t i = 0; i < wait_thresholds_.size(); ++i) {
    std::string name = format_duration(wait_thresholds_[i]);
    std::replace(name.begin(), name.end(), '.', '_');
    r.add("wait_over." + name,
          served_n ? static_cast<double>(m.total(waited_over_c_[i])) / static_cast<double>(served_n) : 0.0);
  }
  pool_.report_billing(ctx, r);
}

}  // namespace archsim::service_internal
