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
// Other models control it through its capabilities (models/common/capabilities.h): Scalable
// and Resizable (autoscalers), Crashable, ZoneAware and Degradable (fault injection).
#pragma once
#include <memory>

#include "sim/build.h"

namespace archsim {

std::unique_ptr<Component> make_service(Params& p, BuildContext& bc);

}  // namespace archsim
