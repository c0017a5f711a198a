// Leases: a distributed lock per key with a time to live, and fencing tokens (the model is
// stated in models/database/locks.h and docs/families/database.md).
//
// Follows Martin Kleppmann, "How to do distributed locking" (2016): a lock service grants a
// lease with a monotonically increasing fencing token; the holder may pause (a GC pause, a
// slow host) past the lease's expiry, another client then acquires the lease, and the first
// one's write, when it finally comes, is made by a client that no longer holds the lock. With
// fencing, the storage remembers the highest token a write carried and refuses a write with a
// lower one; without it, the write is applied (unsafe_writes). The lock service and the storage
// are the one database here, as ZooKeeper's zxid or etcd's revision would serve as the token.
//   lease_acquire  grants the key's lease (answer value: its token) when it is free or
//                  expired; otherwise waits, FIFO, up to lock_wait_timeout.
//   lease_write    the holder's write, which ends its lease (the critical section): applied,
//                  or refused with cause "fenced" when fencing is on and a higher token has
//                  written. Applied by a request whose lease had expired: unsafe_writes.
// The token a request was granted is remembered by request id (16384 slots, as the stock's
// reads: a real client carries it in its write); a write whose request holds no token has
// token 0 (with fencing: refused once any token wrote).
#include <algorithm>

#include "models/database/database_impl.h"

namespace archsim::database {

// The lease of `key`, made on its first use (one per key: a growing table, no free list).
std::uint32_t Database::lease_of(std::uint64_t key) {
  std::uint32_t l = lease_map_.find(key);
  if (l != cache::KeyMap::kNone) return l;
  l = static_cast<std::uint32_t>(leases_.size());
  leases_.push_back(Lease{key, 0, 0, 0, WaitList{}});
  lease_map_.put(key, l);
  return l;
}

void Database::lease_acquire(Context& ctx, std::uint32_t j) {
  Job& job = jobs_[j];
  const std::uint32_t l = lease_of(job.req.key);
  Lease& le = leases_[l];
  if (le.holder == 0) {
    grant_lease(ctx, l, j);
    return;
  }
  job.wait_lease = l;
  le.waiters.push(j, waiter_link());
  job.state = JobState::WaitLock;
  job.lock_since = ctx.now();
  if (p_.lock_wait_timeout > 0) arm(ctx, p_.lock_wait_timeout, kLockTimeout, token(j));
}

// Job j's request now holds lease l until its write or `ttl` from now.
void Database::grant_lease(Context& ctx, std::uint32_t l, std::uint32_t j) {
  Job& job = jobs_[j];
  Lease& le = leases_[l];
  le.holder = job.req.id;
  le.token = ++next_token_;
  lease_notes_[read_slot(job.req.id)] = ReadNote{job.req.id, le.token};
  ctx.metrics().add(lease_grants_c_);
  if (job.lock_since < ctx.now() && job.wait_lease != kNoLock)
    ctx.trace_span(job.call, TraceSpan::Lock, job.lock_since, ctx.now());
  job.wait_lease = kNoLock;
  arm(ctx, locks_p_.lease_ttl, kLeaseExpire, slot_payload(l, static_cast<std::uint32_t>(le.token)));
  end_job(ctx, j, Status::Ok, Result{le.token, 0});
}

// The lease is free: its oldest waiter takes it.
void Database::next_lease_holder(Context& ctx, std::uint32_t l) {
  Lease& le = leases_[l];
  le.holder = 0;
  const std::uint32_t w = le.waiters.pop(waiter_link());
  if (w != kNoJob) grant_lease(ctx, l, w);
}

// The ttl passed: if the same grant still holds the lease, it expires (its holder, paused or
// not, is not told).
void Database::lease_expired(Context& ctx, std::uint64_t data) {
  const std::uint32_t l = slot_of(data);
  const auto tok = static_cast<std::uint32_t>(data & 0xffffffffu);
  if (l >= leases_.size()) return;
  Lease& le = leases_[l];
  if (le.holder == 0 || static_cast<std::uint32_t>(le.token) != tok) return;
  ctx.metrics().add(lease_expiries_c_);
  next_lease_holder(ctx, l);
}

// The holder's write: true when it is applied (the write's commit follows), false when the
// storage refused it (answered here).
bool Database::lease_write(Context& ctx, std::uint32_t j) {
  Job& job = jobs_[j];
  const ReadNote& note = lease_notes_[read_slot(job.req.id)];
  const std::uint64_t tok = note.id == job.req.id ? note.version : 0;
  const std::uint32_t l = lease_of(job.req.key);
  Lease& le = leases_[l];
  if (locks_p_.fencing && (tok == 0 || tok < le.fence)) {
    ctx.metrics().add(fenced_c_);
    end_job(ctx, j, causes_.fenced);
    return false;
  }
  le.fence = std::max(le.fence, tok);
  const bool holds = tok != 0 && le.holder == job.req.id && le.token == tok;
  if (!holds) {
    ctx.metrics().add(unsafe_c_);
    return true;
  }
  next_lease_holder(ctx, l);  // the write ends the critical section
  return true;
}

// Job j stops waiting for a lease (its node's loss, a timeout).
void Database::leave_lease_wait(std::uint32_t j) {
  Job& job = jobs_[j];
  if (job.wait_lease == kNoLock) return;
  Lease& le = leases_[job.wait_lease];
  le.waiters.remove(j, waiter_link());
  job.wait_lease = kNoLock;
}

void Database::lease_wait_timed_out(Context& ctx, std::uint32_t j) {
  ctx.metrics().add(lock_timeouts_c_);
  ctx.trace_span(jobs_[j].call, TraceSpan::Lock, jobs_[j].lock_since, ctx.now());
  leave_lease_wait(j);
  end_job(ctx, j, causes_.lock_timeout);
}

}  // namespace archsim::database
