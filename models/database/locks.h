// Row locks of a database's keyed writes and its multi-row transactions, with InnoDB's
// deadlock detection (models/database/database.h states the rest of the model).
//
// Follows the MySQL reference manual's InnoDB chapters "InnoDB Locking" (exclusive record
// locks), "Deadlocks in InnoDB" / "Deadlock Detection" (innodb_deadlock_detect; "InnoDB tries
// to select small transactions to roll back, where the size of a transaction is determined by
// the number of rows inserted, updated, or deleted") and innodb_lock_wait_timeout
// (ER_LOCK_WAIT_TIMEOUT), and storage/innobase/lock/lock0wait.cc (MySQL 8.0.18 and later):
// lock_wait_choose_victim walks the cycle starting after its latest waiter and keeps the
// lighter transaction, a tie going to the later one, trx_weight_ge comparing rows modified
// plus locks held.
//   row_locks     every keyed write (a query that writes, on a request with a key) takes the
//                 exclusive lock of its row before its statement and holds it to its commit;
//                 another write to the row waits, FIFO, up to lock_wait_timeout.
//   transactions  named queries, each a transaction of `rows` UPDATE statements on the rows
//                 key, key + 1, ..., key + rows - 1, locked one by one in ascending or
//                 descending order (each after the previous row's statement, on a core, at
//                 `row_cost`), all held until the commit after the last: two-phase locking.
//                 Two transactions that lock the same rows in opposite orders can wait on
//                 each other: a deadlock.
//   deadlock_detect  true (InnoDB's default): the wait that closes a cycle is found at once
//                 and the victim chosen as above is rolled back (cause "deadlock", its locks
//                 released). false: the cycle lasts until a waiter's lock_wait_timeout.
// Simplifications: the detection runs when a wait begins (InnoDB 8.0 runs it in a background
// thread, woken by each new wait); a transaction's weight is its rows locked (each row locked
// is a row updated); a lock wait timeout fails the whole transaction and releases its locks (as
// the application's ROLLBACK after ER_LOCK_WAIT_TIMEOUT does; InnoDB alone rolls back only the
// statement); rollback costs nothing; locks are exclusive and on rows only (no gap,
// next-key or shared locks); locks are released at the commit, before replicas acknowledge
// it; transactions run on an unsharded database (refused with shards or a reshard).
// Leases (the distributed lock with a time to live, fencing tokens): leases.cpp states them.
// Prepared transactions (two-phase commit's participant), whose row lock outlives the query
// that took it: two_phase.cpp states them.
// Cost: a lock or a release is O(1) (a KeyMap of held rows, WaitLists of waiters, linked
// through the jobs (lib/wait_queue.h));
// a detection walks the chain of waits once; no allocation per query in steady state.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "lib/wait_queue.h"
#include "models/database/params.h"
#include "scenario/params.h"

namespace archsim::database {

struct LockParams {
  bool row_locks = false;
  bool deadlock_detect = true;
  bool any = false;  // row_locks or a transaction: the lock table is in use
  // Leases (leases.cpp): a distributed lock per key with a time to live, fencing tokens or not.
  bool leases = false;
  Time lease_ttl = 10 * kSecond;
  bool fencing = false;
  // Two-phase commit's participant (two_phase.cpp): PostgreSQL's max_prepared_transactions
  // (0: off; on, it adds the queries prepare, commit_prepared and rollback_prepared).
  std::uint32_t max_prepared = 0;
};

// Reads row_locks, deadlock_detect, "transactions" (each added to `d.queries` as a write
// query with its rows and order), "leases" (adding the queries lease_acquire and
// lease_write) and max_prepared_transactions (adding prepare, commit_prepared and
// rollback_prepared). Throws ScenarioError on a bad field.
LockParams read_lock_params(Params& p, DatabaseParams& d);

inline constexpr std::uint32_t kNoLock = 0xffffffffu;
inline constexpr std::uint32_t kNoJob = 0xffffffffu;
// A row lock's holder with this bit is no job but a prepared transaction (two_phase.cpp): its
// index in the table of prepared transactions is the rest.
inline constexpr std::uint32_t kPreparedHolder = 1u << 31;

// One row's exclusive lock: its holder (a job) and the jobs waiting for it, oldest first.
struct RowLock {
  std::uint64_t key = 0;
  std::uint32_t holder = kNoJob;
  WaitList waiters;  // linked through the jobs' next_waiter
  std::uint32_t next_free = kNoLock;
};

// A lease on one key (leases.cpp): the request holding it, its fencing token and expiry, the
// jobs waiting to acquire it (oldest first), and the highest token a write carried (what the
// storage compares a fenced write with).
struct Lease {
  std::uint64_t key = 0;
  std::uint64_t holder = 0;  // request id; 0: free
  std::uint64_t token = 0;
  std::uint64_t fence = 0;
  WaitList waiters;  // linked through the jobs' next_waiter
};

}  // namespace archsim::database
