// A cache operation whose caller cancels it at its deadline ("on_timeout": "cancel" on the
// caller's call, models/server/call_policy/on_timeout.h).
//
// Follows memcached and Redis, neither of which can stop a command: once a worker has it, a
// command runs to its end (it is atomic and takes microseconds). What a client that gave up
// does stop is what it had queued: it closes its connection, and the server drops the
// commands still unread in that connection's buffer (memcached's conn_close, Redis's
// freeClient in networking.c) -- they never run. Here an operation still queued for a worker
// when its deadline has passed is dropped as the worker reaches it: answered
// Status::Timeout (its caller has gone), counted as `cancelled`, no lookup, no write.
// Without "cancel" it runs when its turn comes, its answer dropped.
// Simplifications: the check is made when a worker is handed on, not at the deadline itself
// (the same point a server reading its input buffer would notice); a coalesced waiter of a
// key in flight, which holds no worker, is answered when the key arrives.
#include "models/cache/cache_impl.h"

namespace archsim::cache {

bool Cache::dropped(Context& ctx, std::uint32_t, std::uint32_t j) {
  const Job& job = jobs_[j];
  if (!job.has_caller || !job.req.cancel_at_deadline || job.req.deadline > ctx.now()) return false;
  ctx.metrics().add(cancelled_c_);
  ctx.trace_span(job.call, TraceSpan::Queue, job.since, ctx.now());
  ctx.reply(job.call, Status::Timeout);
  free_job(j);
  return true;
}

}  // namespace archsim::cache
