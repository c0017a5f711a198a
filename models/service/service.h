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
// The instance is chosen by the built-in picker (models/common/picker/picker.h; default
// round_robin, as kube-proxy spreads connections evenly).
// Simplifications: each worker is a core (no CPU contention inside an instance); no
// connection costs; a failed downstream call fails the request with 5xx (Status::Error),
// except refusals by the call's own policy (rate_limited, circuit_open, bulkhead_full,
// pool_timeout), which keep their cause so a user sees which protection acted.
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
  double speed = 1;             // work time divides by it (its instance type's speed)
  bool outdated = false;        // launched with an older instance type (a rollout replaces it)
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

  // ---- fault injection (models/faults); defaults do nothing for controls without them ----
  // Instance slots that exist (some may be gone); random failures address instances by slot.
  virtual std::uint32_t instance_slots() const { return 0; }
  // Takes the instance in `slot` down (its work is dropped) with no restart until
  // repair_instance(); false when the slot holds no live instance.
  virtual bool fail_instance(Context&, std::uint32_t /*slot*/) { return false; }
  // Restarts a failed instance (startup_time applies).
  virtual void repair_instance(Context&, std::uint32_t /*slot*/) {}
  // Every serving instance leaks `per_request_mb` per request answered and `per_second_mb` per
  // second; one whose memory passes memory.limit_mb is OOMKilled and restarts with the
  // kubelet's CrashLoopBackOff. Zero rates stop the leak. False when there is no memory limit.
  virtual bool set_memory_leak(Context&, double /*per_request_mb*/, double /*per_second_mb*/) { return false; }
  // Requests that write (RequestInfo::write) fail with Status::Error; reads still work.
  virtual void set_disk_full(bool /*full*/) {}
  // Seconds since warm-up spent with each number of ready instances (index = ready count),
  // outages (no ready instance) since warm-up and their total length, OOM kills.
  struct ReadyHistory {
    std::vector<double> seconds_at;
    std::uint32_t outages = 0, oom_kills = 0;
    double outage_seconds = 0;
  };
  virtual ReadyHistory ready_history(Time /*now*/, Time /*warmup*/) const { return {}; }

  // Sizes (the autoscaler's vertical mode). Instances launched after set_instance_type()
  // have the new type and speed; running ones keep theirs until a rollout replaces them
  // (surge one, retire one outdated, as a Deployment's RollingUpdate with maxSurge 1 and
  // maxUnavailable 0 does). Each instance is billed at the price of its own type.
  virtual const std::string& instance_type() const = 0;
  virtual double speed() const = 0;
  virtual double memory_limit_mb() const = 0;  // 0 when memory.limit_mb is not given
  virtual void set_instance_type(const std::string& type, double speed) = 0;
  // Launches one instance beyond the current count (the rollout's surge).
  virtual void surge(Context& ctx) = 0;
  // Retires one instance of an older type (not-ready first, then the oldest); false if none.
  virtual bool retire_outdated(Context& ctx) = 0;
};

}  // namespace archsim
