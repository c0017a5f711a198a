// The server pool driving a family's jobs: the accept -> worker -> done -> next-job cycle and
// the capability glue every owner of a ServerPool (server_pool.h) used to write by hand.
//
// Follows OMNeT++'s queueing library (samples/queueinglib: Queue.cc owns the cycle --
// arrival, a free server or the queue, endService hands the server to the next job -- and
// the module supplies only what the service does). Here the pool owns the cycle and the
// family supplies its service through hooks called with the family's static type (CRTP: the
// owner derives from PoolDriven<Owner>), so the per-request path has no virtual call.
//
// A hop reads: the family's on_request -> accept() -> start_service() (the family's) -> the
// family's work -> finish_service() -> the next queued job's start_service().
//
// The owner supplies, callable by PoolDriven<Owner> (public, or befriend it):
//   void start_service(Context& ctx, std::uint32_t slot, std::uint32_t j, bool waited);
//     Job `j` now holds a worker of `slot`: at accept() (waited false) or handed on by
//     finish_service() from the queue (waited true: it waited since it was accepted).
//   bool dropped(Context& ctx, std::uint32_t slot, std::uint32_t j);
//     Queued job `j` has reached a worker of `slot`; true when the owner drops it instead of
//     serving it (its caller gave up: a cancel at its deadline, a queue rule): the owner has
//     answered and forgotten it, and the pool counts it done and hands the worker on. The
//     default keeps every job.
// and the lifecycle hooks of PoolJobs (pool_owner.h: drop_jobs on a crash, slot_down,
// slot_ready, ...), which are virtual: they run on lifecycle changes, never per request.
// io async (a job that gives its worker up while it waits on calls, models/service) still
// goes through ServerPool's release_worker / reacquire_worker / detached_done directly.
//
// The glue written here once: Degradable (slowdown, error rate, disk full, and the memory
// leak and OOM kill, which are the pool's) and the routing of the pool's timers.
#pragma once
#include <cstdint>

#include "models/contracts/capabilities.h"
#include "models/server/pool/server_pool.h"
#include "sim/component.h"
#include "sim/context.h"
#include "sim/random.h"

namespace archsim {

template <class Owner>
class PoolDriven : public Degradable, public PoolJobs {
 public:
  // What accept() did with a job.
  enum class Accepted : std::uint8_t {
    Started,   // it got a worker: start_service(waited = false) has run
    Queued,    // it waits in the instance's queue; finish_service() of another job starts it
    Rejected,  // every worker busy and the queue full: not admitted, the owner answers it
  };

  // ---- Degradable: the faults in force, which the owner reads (slowdown_, faulted()) ----
  void set_slowdown(double factor) override { slowdown_ = factor; }
  void set_error_rate(double rate) override { error_rate_ = rate; }
  bool oom_killable() const override { return pool_.oom_killable(); }
  bool set_memory_leak(Context& ctx, double per_request_mb, double per_second_mb) override {
    return pool_.set_memory_leak(ctx, per_request_mb, per_second_mb);
  }
  void set_disk_full(bool full) override { disk_full_ = full; }

  // The default hook: no job is dropped when it reaches a worker.
  bool dropped(Context&, std::uint32_t, std::uint32_t) { return false; }

 protected:
  // `self` is the owning component; the pool draws its start-up and restart times from
  // `pool_rng` (the owner's stream for them: its number is part of the run's fingerprint).
  PoolDriven(Component& self, Rng pool_rng) : pool_rng_(pool_rng), pool_(self, *this, pool_rng_) {}
  PoolDriven(const PoolDriven&) = delete;
  PoolDriven& operator=(const PoolDriven&) = delete;
  ~PoolDriven() = default;

  // Job `j` (the owner's number) asks the instance in `slot` for a worker. The queue's
  // capacity is the pool's (an unbounded one never rejects). Started calls start_service
  // before returning.
  Accepted accept(Context& ctx, std::uint32_t slot, std::uint32_t j) {
    if (pool_.full(slot)) return Accepted::Rejected;
    if (!pool_.admit(ctx, slot, j)) return Accepted::Queued;
    owner().start_service(ctx, slot, j, false);
    return Accepted::Started;
  }
  // A job of `slot` that held a worker is done (answered, or about to be: the owner chooses
  // whether its reply comes before or after): it no longer counts against the instance, and
  // its worker goes to the oldest queued job that the owner does not drop (start_service,
  // waited), or idles. The jobs dropped on the way are counted done too; a loop, so that a
  // long queue of abandoned jobs is emptied without recursion.
  // (Named apart from Component::finish, the end of the run.)
  void finish_service(Context& ctx, std::uint32_t slot) {
    pool_.job_done(ctx, slot);
    std::uint32_t next = pool_.worker_done(ctx, slot);
    while (next != ServerPool::kNone) {
      if (!owner().dropped(ctx, slot, next)) {
        owner().start_service(ctx, slot, next, true);
        return;
      }
      pool_.job_done(ctx, slot);
      next = pool_.worker_done(ctx, slot);
    }
  }
  // Routes a timer of the pool's (PoolTimers::owns_timer) to it; false when the tag is not the pool's.
  bool pool_timer(Context& ctx, std::uint16_t tag, std::uint64_t data) {
    if (!ServerPool::owns_timer(tag)) return false;
    pool_.on_timer(ctx, tag, data);
    return true;
  }
  // Degradable's refusals of a request: a write while the disk is full, or the error rate's
  // draw from `rng` (drawn only when the disk did not refuse it and a rate is in force).
  bool faulted(bool writes, Rng& rng) const {
    return (disk_full_ && writes) || (error_rate_ > 0 && rng.uniform() < error_rate_);
  }

  double slowdown_ = 1, error_rate_ = 0;
  bool disk_full_ = false;
  Rng pool_rng_;
  ServerPool pool_;

 private:
  Owner& owner() { return static_cast<Owner&>(*this); }
};

}  // namespace archsim
