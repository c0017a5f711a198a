// Service: its figures (summary.json's components.<id>), the pool's and each mechanism's in
// turn, declared once at build time and reported by finish().
#include <algorithm>
#include <optional>
#include <string>

#include "models/service/service_impl.h"

namespace archsim::service_internal {

void Service::finish(Context& ctx, ComponentReport& r) {
  figures_.report(ctx, r);
  declare_page(ctx, r.page());
}

void Service::declare_figures(Metrics& m) {
  figures_ = Figures(m, id_);
  Figures& f = figures_;
  f.rate("throughput_rps", ok_c_);
  pool_.declare_load(f);
  // Each rollout's and drain's figures: as many as the run saw.
  f.custom([this](Context& ctx, ComponentReport& r) {
    pool_.report_rollouts(ctx, r);
    pool_.report_disruptions(ctx, r);
  });
  pool_.declare_discovery(f);
  f.custom([this](Context& ctx, ComponentReport& r) { pool_.report_memory(ctx, r); });
  pool_.declare_gc(f);
  declare_event_figures(f);
  declare_sidecar_figures(f);
  f.custom([this](Context& ctx, ComponentReport& r) { connection_figures(ctx, r); });
  f.total("ok", ok_c_);
  f.total("errors", err_c_);
  f.total("rejected", rejected_c_);
  f.total("dropped", dropped_c_);
  // Only where a caller opened TLS connections to it.
  f.maybe("tls_handshakes", [this](Context& ctx) -> std::optional<double> {
    if (const auto n = ctx.metrics().total(tls_c_)) return static_cast<double>(n);
    return std::nullopt;
  });
  f.maybe("tls_cpu_s", [this](Context& ctx) -> std::optional<double> {
    if (ctx.metrics().total(tls_c_) == 0) return std::nullopt;
    return static_cast<double>(ctx.metrics().total(tls_cpu_c_)) / 1e9;
  });
  if (crypto_.has_jwt) {
    f.total("jwt_verifications", jwt_c_);
    f.derived("jwt_cpu_s", [this](Context& ctx) { return static_cast<double>(ctx.metrics().total(jwt_cpu_c_)) / 1e9; });
  }
  declare_deadline_figures(f);
  f.custom([this](Context& ctx, ComponentReport& r) {
    resilience_figures(ctx, r);
    saga_figures(ctx, r);
    two_phase_figures(ctx, r);
  });
  f.summary("latency_ms", latency_h_);
  // The accept-queue part of the latency (Kingman's Wq), and how many had any: P(wait > 0)
  // is Erlang C's figure for an M/M/c service.
  f.summary("queue_wait_ms", queue_wait_h_);
  auto share_of_served = [this](Context& ctx, CounterId c) {
    const auto served_n = ctx.metrics().total(ok_c_);
    return served_n ? static_cast<double>(ctx.metrics().total(c)) / static_cast<double>(served_n) : 0.0;
  };
  f.derived("waited_fraction", [this, share_of_served](Context& ctx) { return share_of_served(ctx, waited_c_); });
  // P(wait > t) for each threshold asked, as "wait_over": {"10ms": 0.12, ...} (a duration
  // such as "1.5ms" would split a dotted name: its dot becomes "_").
  for (std::size_t i = 0; i < wait_thresholds_.size(); ++i) {
    std::string name = format_duration(wait_thresholds_[i]);
    std::replace(name.begin(), name.end(), '.', '_');
    f.derived("wait_over." + name, [share_of_served, c = waited_over_c_[i]](Context& ctx) { return share_of_served(ctx, c); });
  }
  // Every instance billed for the run.
  f.custom([this](Context& ctx, ComponentReport& r) { pool_.report_billing(ctx, r); });
}

}  // namespace archsim::service_internal
