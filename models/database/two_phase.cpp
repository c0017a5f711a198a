// Two-phase commit's participant: prepared transactions whose row lock outlives the query
// that took it (the model is stated in models/database/locks.h and docs/families/database.md).
//
// Follows PostgreSQL's PREPARE TRANSACTION / COMMIT PREPARED / ROLLBACK PREPARED (the
// reference manual's pages of those statements and of max_prepared_transactions;
// src/backend/access/transam/twophase.c): a prepared transaction is no longer tied to its
// session; it keeps its locks until a COMMIT PREPARED or ROLLBACK PREPARED names it, however
// long that takes, and a PREPARE past max_prepared_transactions fails. The coordinator names
// a transaction by its request id (as a real one names it by its global transaction id).
//   prepare            a keyed write: takes the exclusive lock of the request's row (waiting,
//                      FIFO, up to lock_wait_timeout, as any row lock, locks.cpp), does its
//                      work and answers Ok (a yes vote) with the lock handed to the prepared
//                      transaction; refused (Error, a no vote) past max_prepared_transactions
//                      or when a rollback of the same request came first.
//   commit_prepared    ends the request's prepared transaction: its row goes to its next
//   rollback_prepared  waiter. Either answers Ok when nothing is prepared (a coordinator's
//                      repeat); a rollback that finds nothing remembers the request, so that
//                      a prepare still on its way is refused (presumed abort: a participant
//                      that has not prepared aborts).
// Simplifications: the prepare's own write is not replicated (nor are the commit's and the
// rollback's: none goes through the binlog); prepared transactions survive a node's crash and
// a failover (PostgreSQL keeps them on disk in pg_twophase; here they are the database's,
// not a node's); a prepare without a key locks nothing; unsharded databases only.
#include <algorithm>

#include "models/database/database_impl.h"

namespace archsim::database {

void Database::two_phase_done(Context& ctx, std::uint32_t j) {
  Job& job = jobs_[j];
  const Kind k = queries_[job.query].kind;
  if (k == Kind::Prepare) {
    prepare(ctx, j);
    return;
  }
  const std::uint64_t id = job.req.id;
  // Counted when they end a prepared transaction (a coordinator's repeat ends none): the
  // commits of every participant then add up to the coordinator's (atomicity).
  if (end_prepared(ctx, id)) ctx.metrics().add(k == Kind::CommitPrepared ? prepared_commits_c_ : prepared_rollbacks_c_);
  else if (k == Kind::RollbackPrepared) aborted_ids_[read_slot(id)] = id;
  end_job(ctx, j, Status::Ok);
}

// Job j's prepare has its row and has done its work: it becomes a prepared transaction (its
// row lock handed over) and votes yes, or is refused and votes no (its row released).
void Database::prepare(Context& ctx, std::uint32_t j) {
  Job& job = jobs_[j];
  const std::uint64_t id = job.req.id;
  if (aborted_ids_[read_slot(id)] == id || prepared_map_.size() >= locks_p_.max_prepared ||
      prepared_map_.find(id) != cache::KeyMap::kNone) {
    release_rows(ctx, j);
    ctx.metrics().add(prepare_refused_c_);
    end_job(ctx, j, Status::Error);
    return;
  }
  std::uint32_t p;
  if (!free_prepared_.empty()) {
    p = free_prepared_.back();
    free_prepared_.pop_back();
  } else {
    p = static_cast<std::uint32_t>(prepared_.size());
    prepared_.emplace_back();
  }
  Prepared& pr = prepared_[p];
  pr = Prepared{id, kNoLock, ctx.now()};
  if (job.locked > 0) {
    const std::uint32_t l = lock_map_.find(job.req.key);
    if (l != cache::KeyMap::kNone && row_locks_[l].holder == j) {
      row_locks_[l].holder = kPreparedHolder | p;
      pr.lock = l;
    }
    job.locked = 0;
  }
  prepared_map_.put(id, p);
  ctx.metrics().add(prepares_c_);
  ctx.metrics().add(prepared_g_, 1, ctx.now());
  end_job(ctx, j, Status::Ok);
}

// The prepared transaction of request `id` ends (committed or rolled back): its lock held
// time is counted and its row goes to the next waiter. False when there was none.
bool Database::end_prepared(Context& ctx, std::uint64_t id) {
  const std::uint32_t p = prepared_map_.find(id);
  if (p == cache::KeyMap::kNone) return false;
  const Prepared pr = prepared_[p];
  prepared_map_.erase(id);
  free_prepared_.push_back(p);
  Metrics& m = ctx.metrics();
  m.add(prepared_g_, -1, ctx.now());
  if (pr.lock != kNoLock) {
    const Time held = ctx.now() - pr.since;
    m.record(prepared_hold_h_, held);
    m.add(prepared_held_c_, static_cast<std::uint64_t>(held));
    grant(ctx, pr.lock);
  }
  return true;
}

}  // namespace archsim::database
