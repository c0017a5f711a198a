// Row locks of keyed writes and multi-row transactions, InnoDB's deadlock detection and its
// victim, lock wait timeouts (models/database/locks.h states the model).
#include "models/database/locks.h"

#include "models/database/database_impl.h"

namespace archsim::database {

LockParams read_lock_params(Params& p, DatabaseParams& d) {
  LockParams l;
  l.row_locks = p.boolean("row_locks", false);
  l.deadlock_detect = p.boolean("deadlock_detect", true);
  if (l.row_locks) {
    for (auto& [name, q] : d.queries)
      if (q.kind == Kind::Write) q.rows = 1;
  }
  if (auto t = p.object_opt("transactions")) {
    if (d.shards > 1 || d.has_reshard)
      p.fail("transactions", "runs on an unsharded database: transactions across shards are not modelled");
    for (const std::string& name : t->keys()) {
      if (d.queries.count(name))
        t->fail(name, "is already a query of this database (\"" + name + "\"): give the transaction another name");
      Params x = t->object(name);
      Query q;
      q.write = true;
      q.kind = Kind::Write;
      q.rows = static_cast<std::uint8_t>(x.integer("rows", 2, 1, 64));
      q.descending = x.choice("order", "ascending", {"ascending", "descending"}) == "descending";
      q.cost = x.distribution("row_cost", d.queries.at("write").cost);
      d.queries[name] = q;
    }
    l.any = true;
  }
  if (auto le = p.object_opt("leases")) {
    l.leases = true;
    l.lease_ttl = le->duration("ttl", 10 * kSecond, 1);
    l.fencing = le->boolean("fencing", false);
    for (const char* name : {"lease_acquire", "lease_write"})
      if (d.queries.count(name)) p.fail("leases", std::string("adds the query \"") + name + "\", already a query of this database");
    Query acquire{d.queries.at("read").cost, false, Kind::LeaseAcquire};
    Query write{d.queries.at("write").cost, true, Kind::LeaseWrite};
    d.queries["lease_acquire"] = acquire;
    d.queries["lease_write"] = write;
  }
  if (p.has("max_prepared_transactions")) {
    l.max_prepared = static_cast<std::uint32_t>(p.require_integer("max_prepared_transactions", 1, 1000000));
    if (d.shards > 1 || d.has_reshard)
      p.fail("max_prepared_transactions", "runs on an unsharded database: a prepared transaction on a shard is not modelled");
    for (const char* name : {"prepare", "commit_prepared", "rollback_prepared"})
      if (d.queries.count(name))
        p.fail("max_prepared_transactions", std::string("adds the query \"") + name + "\", already a query of this database");
    const Distribution& wc = d.queries.at("write").cost;
    d.queries["prepare"] = Query{wc, true, Kind::Prepare, 1, false};
    d.queries["commit_prepared"] = Query{wc, true, Kind::CommitPrepared};
    d.queries["rollback_prepared"] = Query{wc, true, Kind::RollbackPrepared};
    l.any = true;
  }
  l.any = l.any || l.row_locks;
  if (!l.any && p.has("deadlock_detect"))
    p.fail("deadlock_detect", "needs row locks: \"row_locks\": true or \"transactions\"");
  return l;
}

// The i-th row job j locks: its key + i, or + rows - 1 - i in descending order.
std::uint64_t Database::row_key(const Job& job, std::uint32_t i) const {
  const std::uint32_t idx = queries_[job.query].descending ? job.rows - 1 - i : i;
  return job.req.key + idx;
}

// A keyed write starts: it locks its first row. True when it may go to a core now.
bool Database::begin_row_locks(Context& ctx, std::uint32_t j) {
  Job& job = jobs_[j];
  const Query& q = queries_[job.query];
  job.rows = job.req.has_key ? q.rows : 0;
  job.locked = 0;
  job.wait_lock = kNoLock;
  if (job.rows == 0) return true;
  return lock_row(ctx, j);
}

// Job j asks for its next row's lock: granted (true) or queued behind its holder, with a
// lock_wait_timeout and, when deadlock_detect is on, a look for the cycle it may close.
bool Database::lock_row(Context& ctx, std::uint32_t j) {
  Job& job = jobs_[j];
  const std::uint64_t key = row_key(job, job.locked);
  std::uint32_t l = lock_map_.find(key);
  if (l == cache::KeyMap::kNone) {
    if (free_locks_ != kNoLock) {
      l = free_locks_;
      free_locks_ = row_locks_[l].next_free;
    } else {
      l = static_cast<std::uint32_t>(row_locks_.size());
      row_locks_.emplace_back();
    }
    row_locks_[l] = RowLock{key, j, WaitList{}, kNoLock};
    lock_map_.put(key, l);
    ++job.locked;
    ctx.metrics().record(row_wait_h_, 0);
    return true;
  }
  RowLock& rl = row_locks_[l];
  job.wait_lock = l;
  rl.waiters.push(j, waiter_link());
  job.state = JobState::WaitLock;
  job.lock_since = ctx.now();
  ctx.metrics().add(row_waits_c_);
  // A victim's rollback may grant j the row at once (it is on its way to a core then).
  if (locks_p_.deadlock_detect && detect_deadlock(ctx, j)) return false;
  if (jobs_[j].wait_lock != kNoLock && p_.lock_wait_timeout > 0) arm(ctx, p_.lock_wait_timeout, kLockTimeout, token(j));
  return false;
}

// Job j's statement on its current row is done: it locks the next row (false: it goes on
// when granted), or, after the last, commits and releases every row (true: the commit goes on).
bool Database::rows_done(Context& ctx, std::uint32_t j) {
  Job& job = jobs_[j];
  if (job.locked < job.rows) {
    if (lock_row(ctx, j)) to_cores(ctx, j);
    return false;
  }
  release_rows(ctx, j);
  return true;
}

// The lock `l` is free: its oldest waiter takes it (and its next statement waits for a
// core), or the row is unlocked.
void Database::grant(Context& ctx, std::uint32_t l) {
  RowLock& rl = row_locks_[l];
  const std::uint32_t w = rl.waiters.pop(waiter_link());
  if (w == kNoJob) {
    lock_map_.erase(rl.key);
    rl.holder = kNoJob;
    rl.next_free = free_locks_;
    free_locks_ = l;
    return;
  }
  Job& job = jobs_[w];
  rl.holder = w;
  job.wait_lock = kNoLock;
  ++job.locked;
  ctx.metrics().record(row_wait_h_, ctx.now() - job.lock_since);
  ctx.trace_span(job.call, TraceSpan::Lock, job.lock_since, ctx.now());
  if (!nodes_[job.node].up) {  // granted while its node is going down (drop_jobs)
    drop_rows(ctx, w);
    drop_job(ctx, w);
    return;
  }
  to_cores(ctx, w);
}

// Job j commits or rolls back: each row it holds goes to that row's next waiter.
void Database::release_rows(Context& ctx, std::uint32_t j) {
  Job& job = jobs_[j];
  const std::uint32_t held = job.locked;
  job.locked = 0;
  for (std::uint32_t i = 0; i < held; ++i) {
    const std::uint32_t l = lock_map_.find(row_key(job, i));
    if (l != cache::KeyMap::kNone && row_locks_[l].holder == j) grant(ctx, l);
  }
}

// Job j stops waiting for its row lock (a victim, a timeout, its node's loss).
void Database::leave_wait(std::uint32_t j) {
  Job& job = jobs_[j];
  if (job.wait_lock == kNoLock) return;
  RowLock& rl = row_locks_[job.wait_lock];
  rl.waiters.remove(j, waiter_link());
  job.wait_lock = kNoLock;
}

// Job j has just begun to wait. Following the holders' waits from the lock it wants either
// ends (no deadlock) or comes back to j: a cycle, and a victim is rolled back. Its order is
// lock0wait.cc's: from the one after the latest waiter (j) round to j; the lighter is kept, a
// tie going to the later. True when j itself is the victim (it is answered already).
bool Database::detect_deadlock(Context& ctx, std::uint32_t j) {
  cycle_.clear();
  std::uint32_t h = row_locks_[jobs_[j].wait_lock].holder;
  while (h != j) {
    // A prepared transaction waits for nothing but its coordinator: no cycle through it.
    if (h == kNoJob || (h & kPreparedHolder) || cycle_.size() > jobs_.size()) return false;
    cycle_.push_back(h);
    const std::uint32_t l = jobs_[h].wait_lock;
    if (l == kNoLock) return false;  // the chain ends at a transaction that runs
    h = row_locks_[l].holder;
  }
  cycle_.push_back(j);
  std::uint32_t victim = cycle_.front();
  for (std::size_t i = 1; i < cycle_.size(); ++i)
    if (jobs_[victim].locked >= jobs_[cycle_[i]].locked) victim = cycle_[i];
  ctx.metrics().add(deadlocks_c_);
  abort_transaction(ctx, victim, causes_.deadlock);
  return victim == j;
}

// ER_LOCK_DEADLOCK or ER_LOCK_WAIT_TIMEOUT: the transaction rolls back, its rows go to their
// waiters and its caller is answered with `cause`.
void Database::abort_transaction(Context& ctx, std::uint32_t j, Status cause) {
  ctx.trace_span(jobs_[j].call, TraceSpan::Lock, jobs_[j].lock_since, ctx.now());
  leave_wait(j);
  release_rows(ctx, j);
  end_job(ctx, j, cause);
}

// A row lock's wait reached lock_wait_timeout. An earlier wait's timer (of a row this job
// has since been granted) is not this wait's: it is let go.
void Database::row_wait_timed_out(Context& ctx, std::uint32_t j) {
  if (ctx.now() - jobs_[j].lock_since < p_.lock_wait_timeout) return;
  ctx.metrics().add(lock_timeouts_c_);
  abort_transaction(ctx, j, causes_.lock_timeout);
}

// Job j dies with its node: its wait and its rows end (drop_job answers it).
void Database::drop_rows(Context& ctx, std::uint32_t j) {
  leave_wait(j);
  release_rows(ctx, j);
}

}  // namespace archsim::database
