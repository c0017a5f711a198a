// Service: a replicated, thread-per-request server such as a Tomcat/Gunicorn/Node pool
// behind a Kubernetes Service (Deployment + ReplicaSet).
//
// `replicas` instances, each with `concurrency` workers and a FIFO accept queue of
// `queue_capacity` (null = unbounded); a request that finds its instance's queue full is
// answered 503 (Status::Rejected), as an overflowing upstream is reported by NGINX/Envoy;
// with no ready instance at all the answer is Status::Unavailable ("no healthy upstream").
// A worker is held for the whole request, including the downstream calls it waits on, as a
// blocking thread pool is: a slow dependency exhausts its callers' workers.
// Per-route behaviour is a sequence of steps: CPU work (divided by `speed`), a synchronous
// call with its own timeout, or parallel calls that wait for all or k of n.
//
// Instance lifecycle follows a Kubernetes pod: Starting (for `startup_time`, not ready,
// gets no traffic) -> Ready -> Draining on scale-in (no new work; in-flight requests may
// finish within `termination_grace`, the rest are dropped and counted) -> gone. A crashed
// instance drops what it held, and comes back after `restart_time` + `startup_time`.
// Scale-in picks victims as the ReplicaSet controller ranks pods: not-ready before ready,
// then the most recently started.
// The instance is chosen by the built-in picker (models/balancer/picker.h; default
// round_robin, as kube-proxy spreads connections evenly).
// Simplifications: each worker is a core (no CPU contention inside an instance); no
// connection costs; a failed downstream call fails the request (5xx).
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "sim/build.h"

namespace archsim {

std::unique_ptr<Component> make_service(Params& p, BuildContext& bc);

// What an autoscaler or a fault injector sees of one instance (cumulative figures: take
// differences between two readings).
struct InstanceStat {
  std::uint64_t serial = 0;     // stable identity of the instance
  bool ready = false;           // serving traffic
  bool starting = false;        // launched, not ready yet
  Time launched = 0, ready_since = 0;
  double busy_area = 0;         // integral of held workers over time (worker-ns)
  double cpu_area = 0;          // integral of workers doing CPU work (worker-ns)
  std::uint64_t completed = 0;  // requests answered
  std::uint32_t busy = 0, queued = 0;
  double memory_mb = 0;
  std::uint32_t zone = 0;       // index into zones()
};

// The control surface other models use (autoscalers, fault injection, balancers' health).
class ServiceControl : public Component {
 public:
  virtual std::uint32_t replicas() const = 0;        // desired instances (starting + ready + restarting)
  virtual std::uint32_t ready_replicas() const = 0;
  virtual std::uint32_t concurrency() const = 0;
  virtual void scale_to(Context& ctx, std::uint32_t replicas) = 0;
  virtual void instance_stats(Time now, std::vector<InstanceStat>& out) const = 0;
  virtual const std::vector<std::string>& zones() const = 0;
  // Crashes up to `count` serving instances (all when count >= replicas); they restart.
  virtual std::uint32_t crash(Context& ctx, std::uint32_t count) = 0;
  // Crashes every instance in `zone` and keeps them down until restore_zone().
  virtual void fail_zone(Context& ctx, const std::string& zone) = 0;
  virtual void restore_zone(Context& ctx, const std::string& zone) = 0;
  // Service times multiply by `factor` (slow query, GC pause); 1 = normal.
  virtual void set_slowdown(double factor) = 0;
  // A fraction of requests answer 5xx at once (Istio fault abort).
  virtual void set_error_rate(double rate) = 0;
};

}  // namespace archsim
