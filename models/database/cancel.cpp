// A query whose caller cancels it at its deadline ("on_timeout": "cancel" on the caller's
// call, models/server/call_policy/on_timeout.h), and the work nobody waits for.
//
// Follows PostgreSQL's query cancel: pgjdbc's Statement.setQueryTimeout sends a
// CancelRequest when it expires; the backend's StatementCancelHandler
// (src/backend/tcop/postgres.c) sets QueryCancelPending, and the next
// CHECK_FOR_INTERRUPTS (in the executor's loops, in a lock wait: ProcSleep) raises "canceling
// statement due to user request", which aborts the transaction: its row locks are released
// and none of its writes is committed. MySQL's KILL QUERY ends the statement likewise.
// Here the cancel acts at the deadline itself, wherever the query is:
//   waiting for a row lock, the stock row's lock or a lease   it leaves the wait;
//   waiting for a core                                        it leaves the node's queue,
//                                                             never started;
//   in work                                                   its statement stops now, its core
//                                                             goes to the next waiter;
// then it rolls back: the rows it holds go to their waiters, its write is never committed
// (no binlog event, no replication, no change data capture), and its caller is answered
// Status::Timeout (dropped: the caller has given up). A query already committed (waiting
// for its replicas' acknowledgements) or answered (its answer crossing zones) is past
// cancelling, as a cancel that reaches PostgreSQL after the commit does nothing.
// A scatter query's parts are cancelled each on its shard; its answer is the first failure.
// wasted_cpu_s counts what a service's counts: the core time of a cancelled query up to its
// cancel, and of a query answered after its caller gave up (its answer dropped).
// Simplifications: the cancel costs nothing and crosses no network; rollback is free.
#include "models/database/database_impl.h"

namespace archsim::database {

// A query whose caller will cancel it is armed to be stopped at its deadline.
void Database::arm_cancel(Context& ctx, std::uint32_t j) {
  const Job& job = jobs_[j];
  if (!job.req.cancel_at_deadline || job.req.deadline == kTimeMax) return;
  arm(ctx, std::max<Time>(0, job.req.deadline - ctx.now()), kCancel, token(j));
}

void Database::cancel_query(Context& ctx, std::uint32_t j) {
  bool had_core = false;
  {
    Job& job = jobs_[j];
    switch (job.state) {
      case JobState::Free:
      case JobState::WaitAck:    // committed
      case JobState::WaitReply:  // answered
        return;
      case JobState::WaitLock:
        if (job.wait_lock != kNoLock) leave_wait(j);
        else if (job.wait_lease != kNoLock) leave_lease_wait(j);
        else lock_.cancel(j);  // the stock row's lock (stock.cpp)
        ctx.trace_span(job.call, TraceSpan::Lock, job.lock_since, ctx.now());
        break;
      case JobState::WaitCore:
        if (job.in_pool) pool_.withdraw(ctx, job.node, j);
        job.in_pool = false;
        break;
      case JobState::Working:
        job.cpu -= job.work_end - ctx.now();  // the statement's part not done
        job.in_pool = false;
        had_core = true;
        break;
    }
    // Its work up to now was for nobody, whatever becomes of its answer.
    count_wasted(ctx, job.cpu);
    job.cpu = 0;
    ctx.metrics().add(cancelled_c_);
  }
  const std::uint32_t node = jobs_[j].node;
  // Rollback: its rows and the stock row's lock go to their next waiters.
  release_rows(ctx, j);
  if (jobs_[j].lock_held) {
    jobs_[j].lock_held = false;
    release_lock(ctx);
  }
  end_job(ctx, j, Status::Timeout);
  if (had_core) release_core(ctx, node);
}

void Database::count_wasted(Context& ctx, Time cpu) {
  if (cpu > 0) ctx.metrics().add(wasted_c_, static_cast<std::uint64_t>(cpu));
}

}  // namespace archsim::database
