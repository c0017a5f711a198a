// Service: a replicated, thread-per-request server such as a Tomcat/Gunicorn/Node pool
// behind a Kubernetes Service.
//
// `replicas` instances, each with `concurrency` workers and a FIFO accept queue of
// `queue_capacity` (null = unbounded); a request that finds its instance's queue full is
// answered 503 (Status::Rejected), as NGINX/Envoy report an overflowing upstream. A worker is
// held for the whole request, including the downstream calls it waits on, as a blocking
// thread pool is: this is what lets a slow dependency exhaust its callers' workers.
// Per-route behaviour is a sequence of steps: CPU work (divided by `speed`), a synchronous
// call with its own timeout, or parallel calls that wait for all or k of n.
// The instance is chosen by the service's built-in picker (round robin by default, like
// kube-proxy's iptables mode approximated as even spreading).
// Simplifications: no CPU contention between workers of one instance (each worker is a core);
// no keep-alive or connection costs; a failed downstream call fails the request (5xx).
#pragma once
#include <memory>

#include "sim/build.h"

namespace archsim {
std::unique_ptr<Component> make_service(Params& p, BuildContext& bc);
}
