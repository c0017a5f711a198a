// The stock row (one row of shard 0): stock_read, stock_decrement and buy by stock_update, and
// the InnoDB row lock the atomic updates hold (a Resource of 1, FIFO, innodb_lock_wait_timeout).
#include "models/database/database_impl.h"
#include "models/contracts/result_flags.h"

namespace archsim::database {

namespace rf = result_flags;

// Job j takes the row lock: true when it holds it, false when it waits (up to lock_wait_timeout).
bool Database::lock_stock(Context& ctx, std::uint32_t j) {
  Job& job = jobs_[j];
  job.lock_since = ctx.now();
  if (!lock_.acquire(j)) {
    job.state = JobState::WaitLock;
    ctx.metrics().add(lock_waits_c_);
    if (p_.lock_wait_timeout > 0) arm(ctx, p_.lock_wait_timeout, kLockTimeout, token(j));
    return false;
  }
  job.lock_held = true;
  return true;
}

// ER_LOCK_WAIT_TIMEOUT: the waiter gives up.
void Database::lock_timed_out(Context& ctx, std::uint32_t j) {
  if (jobs_[j].wait_lock != kNoLock) {  // a row lock's wait (locks.cpp)
    row_wait_timed_out(ctx, j);
    return;
  }
  if (jobs_[j].wait_lease != kNoLock) {  // a lease's (leases.cpp)
    lease_wait_timed_out(ctx, j);
    return;
  }
  lock_.cancel(j);
  ctx.metrics().add(lock_timeouts_c_);
  ctx.trace_span(jobs_[j].call, TraceSpan::Lock, jobs_[j].lock_since, ctx.now());
  end_job(ctx, j, causes_.lock_timeout);
}

void Database::complete_stock(Context& ctx, std::uint32_t j) {
  Job& job = jobs_[j];
  Result res;
  switch (queries_[job.query].kind) {
    case Kind::StockRead: {
      res.value = stock_ > 0 ? static_cast<std::uint64_t>(stock_) : 0;
      if (stock_ <= 0) res.flags |= rf::kNotFound;
      // The version this request read, for its optimistic decrement.
      ReadNote& note = reads_[read_slot(job.req.id)];
      note = ReadNote{job.req.id, stock_version_};
      end_job(ctx, j, Status::Ok, res);
      return;
    }
    case Kind::StockDecrement: {
      // The caller's second step, after its stock_read. check_then_act: UPDATE stock =
      // stock - 1 (the caller checked; below zero is oversold). atomic: ... WHERE stock > 0
      // under the row lock (0 rows: kNotFound). optimistic: ... WHERE version = the one
      // this request read (else write_conflict).
      if (job.lock_held) {
        job.lock_held = false;
        release_lock(ctx);
      }
      if (p_.stock_update == StockUpdate::Optimistic) {
        const ReadNote& note = reads_[read_slot(job.req.id)];
        if (note.id != job.req.id || note.version != stock_version_) {
          ctx.metrics().add(conflicts_c_);
          res.flags |= rf::kConflict;
          end_job(ctx, j, causes_.write_conflict, res);
          return;
        }
      }
      if (p_.stock_update != StockUpdate::Atomic || stock_ > 0) decrement(ctx);
      else res.flags |= rf::kNotFound;
      res.value = stock_ > 0 ? static_cast<std::uint64_t>(stock_) : 0;
      end_job(ctx, j, Status::Ok, res);
      return;
    }
    case Kind::Buy: {
      if (job.lock_held) {
        job.lock_held = false;
        release_lock(ctx);
      }
      if (p_.stock_update == StockUpdate::Optimistic && job.version_seen != stock_version_) {
        ctx.metrics().add(conflicts_c_);
        res.flags |= rf::kConflict;
        end_job(ctx, j, causes_.write_conflict, res);
        return;
      }
      // check_then_act acts on what it read when it started; atomic and optimistic on now.
      std::int64_t seen = p_.stock_update == StockUpdate::CheckThenAct ? job.stock_seen : stock_;
      if (seen > 0) decrement(ctx);
      else res.flags |= rf::kNotFound;
      res.value = stock_ > 0 ? static_cast<std::uint64_t>(stock_) : 0;
      end_job(ctx, j, Status::Ok, res);
      return;
    }
    case Kind::Read:
    case Kind::Write:
    case Kind::LeaseAcquire:
    case Kind::LeaseWrite:
    case Kind::Prepare:
    case Kind::CommitPrepared:
    case Kind::RollbackPrepared: break;  // not the stock's
  }
}

void Database::decrement(Context& ctx) {
  if (stock_ <= 0) ctx.metrics().add(oversold_c_);
  --stock_;
  ++stock_version_;
  ctx.metrics().add(sold_c_);
}

// The row lock goes to its next waiter, which then waits for a core.
void Database::release_lock(Context& ctx) {
  auto next = lock_.release();
  if (!next) return;
  std::uint32_t w = static_cast<std::uint32_t>(*next);
  Job& job = jobs_[w];
  job.lock_held = true;
  ctx.metrics().record(lock_wait_h_, ctx.now() - job.lock_since);
  ctx.trace_span(job.call, TraceSpan::Lock, job.lock_since, ctx.now());
  to_cores(ctx, w);
}

}  // namespace archsim::database
