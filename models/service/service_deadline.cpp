// Service: work nobody waits for. A request whose caller gave up is either run to its end
// (its answer is dropped: the CPU it took is counted as wasted), stopped at the deadline its
// caller sent with it ("on_timeout": "cancel" on the caller's call,
// models/server/call_policy/on_timeout.h), or, waiting in the accept queue, dropped before it
// starts by the service's queue rules:
//   "drop_expired"   a queued request whose caller has already timed out is not started
//                    (what a deadline-aware server does with a request it knows is dead);
//   "codel"          Facebook's controlled delay ("Fail at Scale", ACM Queue 2015): a request
//                    may wait `interval` (their N, 100 ms) in a queue that has been empty
//                    within the last `interval`, but only `target` (their M, 5 ms) in a queue
//                    that has not: a standing queue then sheds what it cannot serve in time;
//   "order": "adaptive_lifo"   the same article's adaptive LIFO (the pool's): once the queue
//                    stands longer than the interval the newest request is served first, so
//                    that the ones served are those whose callers still wait.
// Both checks are made when a worker is handed to the queued request (as a server dequeuing
// it would), not when its limit passes: a dropped request's failure reaches its caller then.
//
// The service's own limit, "execution_timeout", follows PHP-FPM's request_terminate_timeout
// (php-fpm.conf; sapi/fpm/fpm/fpm_request.c checks each child's request against it and the
// master kills the child) and Gunicorn's worker --timeout: a request still running that long
// after a worker took it is ended there, whatever it is doing, and its caller gets an error
// (nginx's 502 when the FPM child dies). Its clock starts when it first runs, not when it
// arrives: time in the accept queue does not count. A work step is cut at the limit; a call
// waits at most until it (the callee is not told, as MySQL is not when the PHP child dies:
// its work goes on unless the call cancels). Simplified: the killed worker is back at once
// (FPM forks a new child in about a millisecond); under processor sharing ("cores") a work
// step is not cut but the request is ended when it finishes; a call with a retry policy is
// capped per attempt, so a retry started before the limit may end after it.
#include "models/service/service_impl.h"
#include "models/contracts/causes.h"

namespace archsim::service_internal {

void Service::read_queue_rules(Params& p, Metrics& m) {
  if (p.has("execution_timeout")) {  // absent: no limit (0 is refused, not taken for none)
    exec_timeout_ = p.duration("execution_timeout", 0, 0, 365 * kDay);
    if (exec_timeout_ <= 0)
      p.fail("execution_timeout", "must be positive, such as \"30s\" (PHP-FPM's request_terminate_timeout)");
  }
  if (exec_timeout_) terminated_c_ = m.counter(id_, "terminated", "terminated_rps");
  // The series: CPU-seconds spent in each window on work nobody waited for, counted when
  // the request ends (answered late, cancelled or dropped).
  wasted_c_ = m.counter(id_, "wasted_cpu_ns", "wasted_cpu_s", Metrics::kSecondsSeries);
  cancelled_c_ = m.counter(id_, "cancelled");
  expired_c_ = m.counter(id_, "expired");
  codel_c_ = m.counter(id_, "codel_dropped");
  auto q = p.object_opt("queue");
  if (!q) return;
  drop_expired_ = q->boolean("drop_expired", false);
  Time standing = 100 * kMillisecond;  // adaptive LIFO's: CoDel's interval, or Fail at Scale's N
  if (auto c = q->object_opt("codel")) {
    codel_interval_ = c->duration("interval", 100 * kMillisecond, 1);
    codel_target_ = c->duration("target", 5 * kMillisecond, 1);
    if (codel_target_ >= codel_interval_)
      c->fail("target", "must be shorter than interval (" + format_duration(codel_interval_) +
                            "): it is the wait allowed in a queue that stands longer than that");
    standing = codel_interval_;
  }
  if (q->choice("order", "fifo", {"fifo", "adaptive_lifo"}) == "adaptive_lifo") pool_.set_adaptive_lifo(standing);
  queue_rules_ = drop_expired_ || codel_interval_ > 0;
}

void Service::queued(Context& ctx, std::uint32_t j) {
  Job& job = jobs_[j];
  job.queued = true;
  job.queued_at = ctx.now();
  // CoDel chooses the limit when the request joins the queue: short if the queue stands.
  if (codel_interval_)
    job.queue_limit = pool_.standing(job.instance, ctx.now(), codel_interval_) ? codel_target_ : codel_interval_;
}

// Answers a job nobody will be served by (its answer is dropped, or is a failure) without
// counting it as served or failed here, and forgets it; its worker is the caller's business.
void Service::end_unwanted(Context& ctx, std::uint32_t j, Status status) {
  Job& job = jobs_[j];
  if (job.cpu > 0) ctx.metrics().add(wasted_c_, static_cast<std::uint64_t>(job.cpu));
  ctx.reply(job.call, status);
  pool_.job_done(ctx, job.instance);
  jobs_.free(j);
}

void Service::cancel(Context& ctx, std::uint32_t j) {
  ctx.metrics().add(cancelled_c_);
  const std::uint32_t inst = jobs_[j].instance;
  const bool held = jobs_[j].holds_worker;
  end_unwanted(ctx, j, Status::Timeout);  // gRPC's DEADLINE_EXCEEDED
  if (held) resume(ctx, pool_.worker_done(ctx, inst));
  else pool_.detached_done(ctx, inst);
}

bool Service::dropped_from_queue(Context& ctx, std::uint32_t j) {
  const Job& job = jobs_[j];
  if (drop_expired_ && ctx.abandoned(job.call) && !ctx.one_way(job.call)) {
    ctx.metrics().add(expired_c_);
    end_unwanted(ctx, j, Status::Timeout);
    return true;
  }
  if (ctx.now() - job.queued_at > job.queue_limit) {  // CoDel: a failure its caller sees at once
    ctx.metrics().add(codel_c_);
    ctx.metrics().add(err_c_);
    end_unwanted(ctx, j, causes::Shed);
    return true;
  }
  return false;
}

void Service::check_terminated(Context& ctx, Job& job) {
  if (job.exec_limit == kTimeMax || ctx.now() < job.exec_limit) return;
  ctx.metrics().add(terminated_c_);
  job.status = terminated_;
}

void Service::declare_deadline_figures(Figures& f) {
  if (exec_timeout_) f.total("terminated", terminated_c_);
  // CPU-seconds spent on requests whose callers no longer waited (answers dropped, cancels).
  f.derived("wasted_cpu_s",
            [this](Context& ctx) { return static_cast<double>(ctx.metrics().total(wasted_c_)) / static_cast<double>(kSecond); });
  f.total("cancelled", cancelled_c_, Figures::Show::IfAny);
  if (drop_expired_) f.total("expired", expired_c_);
  if (codel_interval_) f.total("codel_dropped", codel_c_);
}

}  // namespace archsim::service_internal
