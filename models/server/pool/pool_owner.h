// Server pool: what its owner gives it (models/server/pool/server_pool.h): the
// callbacks for the requests it holds, which are the owner's (PoolJobs), and, in the
// addressed use, the nodes' configuration read from the owner's own fields (PoolNodes).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "sim/context.h"
#include "sim/distribution.h"

namespace archsim {

// What the pool's owner does for it: the requests are the owner's, so dropping them is too.
// Called on lifecycle changes (crash, the end of a drain, OOM kill, zone outage, scale-in of
// an instance that is not ready), never per request.
class PoolJobs {
 public:
  // Answers every request the instance in `slot` holds (working, queued, or waiting on
  // calls without a worker) with a failure, and calls ServerPool::job_done for each. The pool
  // then empties the instance's queue and frees its workers itself.
  virtual void drop_jobs(Context& ctx, std::uint32_t slot) = 0;
  // A new instance takes `slot` (a new slot, or one whose instance is gone): the owner
  // resets what it keeps per slot.
  virtual void slot_launched(std::uint32_t slot) = 0;
  // The instance in `slot` went Down (a crash, a failure waiting for repair, an OOM kill, its
  // zone's outage), after drop_jobs emptied it. For an owner whose nodes are not
  // interchangeable (addressed use, below): a database's failover starts here.
  virtual void slot_down(Context& /*ctx*/, std::uint32_t /*slot*/) {}
  // The instance in `slot` became Ready (its start-up over after a restart or a repair, or
  // back from Unready); not called for the instances start() launches ready.
  virtual void slot_ready(Context& /*ctx*/, std::uint32_t /*slot*/) {}
  // The memory (MiB) the owner's data takes in the instance in `slot`: a cache node's data
  // set. It counts towards memory.limit_mb beside base_mb and a leak; read at each memory
  // tick (every 100 ms while a leak is active), never per request.
  virtual double data_mb(std::uint32_t /*slot*/) const { return 0; }
  // Whether a memory_leak fault grows the instance in `slot` (read at each memory tick):
  // every instance of a service; a database's primaries only (its replicas run no queries'
  // write path and leak nothing).
  virtual bool leaks(std::uint32_t /*slot*/) const { return true; }
  // Start-up work of the owner's own, added to `startup_time` each time an instance in
  // `slot` starts (launched after time 0, restarted, repaired): an event-sourced service
  // replaying its log. Called once per start, never per request.
  virtual Time startup_work(Context& /*ctx*/, std::uint32_t /*slot*/) { return 0; }

 protected:
  ~PoolJobs() = default;
};

// An addressed pool's configuration, filled by the owner from its own fields.
struct PoolNodes {
  std::uint32_t nodes = 1;          // slots 0..nodes-1, launched ready by start()
  std::uint32_t workers = 1;        // per node: requests served at once
  std::uint32_t cores = 0;          // per node; 0 = one per worker
  long long queue_capacity = -1;    // waiting places per node; -1 = unbounded
  double speed = 0;                 // 0 = the instance type's (1 without one)
  const char* type_field = "instance_type";  // the owner's field naming the instance type ("" = none)
  Distribution startup = Distribution::constant(0), restart = Distribution::constant(0);
  std::vector<std::string> zones;   // zone names; empty = the component's zone
  std::vector<std::uint32_t> zone_of;  // node -> index into zones; empty = round robin
  double memory_limit_mb = 0, memory_base_mb = 0, memory_per_request_mb = 0;  // 0 = no limit
  // With a zero `startup`: a restarted or repaired node is ready in that same event, with no
  // ready timer between (an owner ported onto the pool whose nodes came back that way keeps
  // its event order: the queue's brokers).
  bool ready_at_restart = false;
};

}  // namespace archsim
