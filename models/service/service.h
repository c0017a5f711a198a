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
// call with its own timeout, or parallel calls that wait for all or k of n, or a saga: calls
// with compensating calls run in reverse order when a later one fails (service_saga.cpp).
// A request whose caller gave up runs to its end (its CPU counted as wasted), unless its
// caller's call said "on_timeout": "cancel" (gRPC's deadline propagation, pgjdbc's query
// cancel; models/server/call_policy/on_timeout.h): then it stops at the deadline, checked
// before each step and when it reaches a worker, and a work step is cut at the deadline. The
// "queue" rules drop queued requests nobody will be served by: expired ones, CoDel's and
// adaptive LIFO's (Facebook's "Fail at Scale", ACM Queue 2015; service_deadline.cpp).
//
// Instances, their workers and accept queues, the lifecycle of a Kubernetes pod (start-up,
// ready, draining on scale-in, crashed and restarting), zones, memory and OOM kills and the
// billing of each instance are the server pool's (models/server/pool/server_pool.h,
// which says what it follows and where it simplifies); the service adds what requests do.
// The instance is chosen by the pool's picker (lib/picker/picker.h; default
// round_robin, as kube-proxy spreads connections evenly).
// Security's CPU (models/server/security/tls.h): a request that opens a TLS connection
// ("connect": {"tls": ...} at its caller) first runs the server's side of the handshake on its
// worker, and with "jwt" every request first verifies its token; a call step's "token_cache"
// skips an authentication call whose token was answered within its ttl
// (lib/cache_store/token_cache.h).
// Simplifications: each worker is a core (no CPU contention inside an instance); a new
// connection without TLS costs its caller latency only ("connect",
// models/server/call_policy/connections.h), no CPU on either side; a cancel reaches the callee at the deadline itself (no cancel message
// crossing the network), and with shared cores stops a work step only at its end; a failed downstream call fails the request with 5xx (Status::Error),
// except refusals by the call's own policy (rate_limited, circuit_open, bulkhead_full,
// pool_timeout), which keep their cause so a user sees which protection acted.
// Other models control it through its capabilities (models/contracts/capabilities.h): Scalable
// and Resizable (autoscalers), Crashable, ZoneAware (its pool's) and Degradable (its own:
// slowdown, error rate, disk full; memory leaks go to the pool) for fault injection.
#pragma once
#include <memory>

#include "scenario/build.h"

namespace archsim {

std::unique_ptr<Component> make_service(Params& p, BuildContext& bc);

// The service's own causes, registered after every other cause so that no earlier value
// moves: a saga that failed (service_saga.cpp), "saga_compensated" and "saga_inconsistent";
// a request ended at the service's execution_timeout (service_deadline.cpp), "terminated".
void register_service_late_causes(Registry& r);

}  // namespace archsim
