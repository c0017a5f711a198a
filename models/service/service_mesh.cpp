// Service: a service mesh's sidecar (Istio's Envoy proxy beside each pod). Every request into
// the pod and every call out of it pass the proxy: on each link crossing into or out of the
// service, requests and replies alike, the proxy adds `latency` (the engine adds it to the
// link, BuildContext::proxies_crossings), so a call between two meshed services crosses four
// proxies in its round trip, one between a client and a meshed service two. Each request or
// call through it costs the proxy `cpu`, on cores of its own (a separate container: it takes
// no worker of the application), and every pod holds `memory_mb` more, in the proxy's own
// container: reported, and outside the application container's memory limit and metric.
// The defaults are Istio's published figures (istio.io, Performance and Scalability, for
// 1.12 to 1.16: the proxy uses 0.35 vCPU and 40 MB per 1,000 requests per second through it,
// and adds 2.65 ms to the 90th percentile of a call through a client's and a server's proxy):
// 0.35 ms of CPU per request, 40 MB, and 2.65 ms / 4 crossings = 0.6625 ms per crossing.
// Mutual TLS between sidecars is the call's "connect": {"tls": {"mutual": true}} (its
// handshakes on new connections; the per-request encryption is inside `cpu`).
// Simplified: a constant delay per crossing (Istio gives the 90th percentile only); the
// proxy's CPU is counted, not queued (its cores are never the bottleneck); its CPU and memory
// are left out of the HPA's metrics (which in Kubernetes sum the pod's containers over their
// requests); the mesh's retries are not limited by Envoy's retry budget, and skip calls that
// take a service-level pool; one route per calling service (Istio sets them per destination host).
//
// "retries": {"attempts": n, "on": [causes], "per_try_timeout": d} are the sidecar's retries
// under every call the service makes, and "timeout" its route timeout over every try
// (CallPolicy::set_mesh, after Istio's HTTPRetry and HTTPRoute.timeout): each attempt of the
// application's policy is tried up to 1 + n times at the callee, so an application that
// tries 3 times over a mesh that tries 3 sends up to 9 requests per call to a callee that
// refuses them all. A per-try timeout is retried when "timeout" is among the causes (Envoy's
// 5xx and gateway-error policies take a per-try timeout as retriable); the route's timeout and
// the application's own end the attempt, whatever tries are left. Each retry waits first,
// as Envoy's jittered exponential back-off: "backoff" (base_interval, 25 ms) and
// "backoff_max" (max_interval, 10 times it) (CallPolicy::Mesh).
#include "models/service/service_impl.h"

namespace archsim::service_internal {

void Service::read_sidecar(Params& p, BuildContext& bc) {
  auto s = p.object_opt("sidecar");
  if (!s) return;
  sidecar_ = true;
  const Time latency = s->duration("latency", 662500, 0, kMinute);
  sidecar_cpu_ = s->duration("cpu", 350 * kMicrosecond, 0, kMinute);
  sidecar_memory_mb_ = s->number("memory_mb", 40.0, 0.0, 1e6);
  if (auto r = s->object_opt("retries")) {
    // Istio's HTTPRetry: `attempts` retries after the first try, on 503s and failed
    // connections by default (retryOn "connect-failure,refused-stream,unavailable").
    mesh_.tries = static_cast<std::uint8_t>(1 + r->require_integer("attempts", 0, 10));
    mesh_.on_mask = CallPolicy::read_cause_mask(*r, "on", {"unavailable", "rejected"}, bc);
    if (r->has("per_try_timeout")) mesh_.per_try_timeout = r->duration("per_try_timeout", 0, 1, kHour);
    // Envoy's retry back-off: base_interval 25 ms, max_interval 10 times it unless given.
    mesh_.backoff = r->duration("backoff", 25 * kMillisecond, 1, kMinute);
    mesh_.backoff_max = r->has("backoff_max") ? r->duration("backoff_max", 0, mesh_.backoff, kHour) : 10 * mesh_.backoff;
    r->finish();
  }
  // HTTPRoute.timeout: over every try of an attempt (Istio's default: none).
  if (s->has("timeout")) mesh_.timeout = s->duration("timeout", 0, 1, kHour);
  s->finish();
  bc.proxies_crossings(latency);
}

void Service::register_sidecar(Metrics& m) {
  if (sidecar_) sidecar_cpu_c_ = m.counter(id_, "sidecar_cpu_ns", "sidecar_cpu_s", Metrics::kSecondsSeries);
}

void Service::declare_sidecar_figures(Figures& f) const {
  if (!sidecar_) return;
  auto cpu_s = [this](Context& ctx) { return static_cast<double>(ctx.metrics().total(sidecar_cpu_c_)) / 1e9; };
  f.derived("sidecar_cpu_s", cpu_s);
  f.derived("sidecar_cores", [cpu_s](Context& ctx) {  // all pods' proxies together
    const double measured = to_seconds(ctx.end_time() - ctx.warmup());
    return measured > 0 ? cpu_s(ctx) / measured : 0.0;
  });
  f.held("sidecar_memory_mb", sidecar_memory_mb_);  // per pod
}

}  // namespace archsim::service_internal
