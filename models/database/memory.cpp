// A database node's container memory limit ("memory") and the memory_leak fault on it.
//
// Follows the kubelet's container memory limit (Kubernetes, "Resource Management for Pods and
// Containers": a container above its limit is OOM-killed and restarted) and what the kill is
// to MySQL or PostgreSQL: the server process dies as in a crash (PostgreSQL's postmaster
// treats a backend killed by the OOM killer as a crash and restarts every backend with crash
// recovery; mysqld is simply gone). The kill is the server pool's
// (models/server/pool/memory.cpp: counted in oom_kills, restarted after restart_time
// with CrashLoopBackOff) and reaches the database as a crash fault's loss of that node
// does (failover.cpp: the failover per detection and promotion, the writes the promoted
// replica never received lost).
// Simplifications: a node's memory is base_mb plus the leak (the buffer pool is inside
// base_mb; no rows are sized); only primaries leak (a leak in the path the writes and the
// application's sessions take: a replica runs the replication applier alone), so a promoted
// replica starts leaking from nothing when it takes over; memory is sampled every 100 ms
// while a leak is active, so the kill comes within 100 ms after base_mb + leak pass limit_mb.
#include "models/database/database_impl.h"

namespace archsim::database {

void read_database_memory(Params& p, DatabaseParams& d) {
  std::optional<Params> m = p.object_opt("memory");
  if (!m) return;
  d.memory_limit_mb = m->require_number("limit_mb", 0.0, 1e9);
  d.memory_base_mb = m->number("base_mb", 0.0, 0.0, 1e9);
  if (!(d.memory_limit_mb > 0)) m->fail("limit_mb", "must be positive: the container memory a node is OOM-killed above");
  if (d.memory_base_mb >= d.memory_limit_mb)
    m->fail("base_mb", "must be below limit_mb (a node would be killed at start)");
}

bool Database::leaks(std::uint32_t slot) const { return nodes_[slot].up && nodes_[slot].primary; }

}  // namespace archsim::database
