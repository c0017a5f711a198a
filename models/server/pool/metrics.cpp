// Server pool: its gauges and its load figures (models/server/pool/server_pool.h).
#include "models/server/pool/server_pool.h"

#include "sim/context.h"
#include "sim/results.h"

namespace archsim {

void ServerPool::register_metrics(Metrics& m) {
  busy_g_ = m.gauge(id_, "busy", "busy_workers");
  capacity_g_ = m.gauge(id_, "capacity");
  cpu_g_ = m.gauge(id_, "cpu");
  queued_g_ = m.gauge(id_, "queued", "queue_length");
  in_system_g_ = m.gauge(id_, "in_system");
  // Addressed nodes are not replicas (a database's "replicas" are its replication replicas).
  replicas_g_ = addressed_ ? m.gauge(id_, "nodes", "nodes") : m.gauge(id_, "replicas", "replicas");
  ready_g_ = addressed_ ? m.gauge(id_, "ready_nodes", "ready_nodes") : m.gauge(id_, "ready_replicas", "ready_replicas");
  alive_g_ = m.gauge(id_, "instances");
  m.ratio_series(id_, "utilization", busy_g_, capacity_g_);
  if (!addressed_) m.ratio_series(id_, "cpu_utilization", cpu_g_, capacity_g_);  // addressed owners need not add_cpu
  if (deploy_) register_rollout_metrics(m);
  if (probe_period_) probe_restart_c_ = m.counter(id_, "liveness_restarts", "liveness_restarts_rps");
  if (discovery_delay_) stale_c_ = m.counter(id_, "stale_endpoint", "stale_endpoint_rps");
}

void ServerPool::register_memory_metrics(Metrics& m) {
  if (memory_limit_mb_ <= 0) return;
  memory_g_ = m.gauge(id_, "memory_mb", "memory_mb");  // the largest instance's memory
  oom_c_ = m.counter(id_, "oom_kills", "oom_kills", Metrics::kCountSeries);  // kills in each window
}

void ServerPool::report_utilization(Context& ctx, ComponentReport& r) const {
  const Metrics& m = ctx.metrics();
  r.add("utilization", m.ratio(busy_g_, capacity_g_, ctx.end_time()));
  r.add("queue_length", m.average(queued_g_, ctx.end_time()));
}

void ServerPool::declare_load(Figures& f) const {
  f.ratio("utilization", busy_g_, capacity_g_);
  f.ratio("cpu_utilization", cpu_g_, capacity_g_);
  f.mean("busy_workers", busy_g_);
  f.mean("queue_length", queued_g_);
  f.mean("in_system", in_system_g_);
  f.value("replicas", [this] { return static_cast<double>(replicas()); });
  f.value("ready_replicas", [this] { return static_cast<double>(ready_replicas()); });
  f.mean("mean_replicas", replicas_g_);
  f.held("peak_replicas", peak_replicas_);
  f.held("concurrency", concurrency_);
  if (probe_period_) {
    f.held("liveness.failed_probes", probe_failed_);
    f.held("liveness.restarts", probe_restarts_);
  }
  declare_probes(f);
  declare_backoff(f);
}

}  // namespace archsim
