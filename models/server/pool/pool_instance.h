// Server pool: the state of one instance (models/server/pool/server_pool.h). Kept
// apart from the pool so that what an instance carries is read in one place: its lifecycle
// state, workers and accept queue, load areas, memory, version, and each probe's progress.
#pragma once
#include <cstdint>

#include "sim/ring.h"
#include "sim/time.h"

namespace archsim {

// One instance of the pool, in a slot that a later instance may reuse once it is Gone.
struct PoolInstance {
  // Unready: running (it finishes what it holds) but out of the endpoints, because its
  // readiness probe fails or has not passed yet (readiness.cpp); only with a readiness probe.
  enum State : std::uint8_t { Starting, Ready, Draining, Down, Gone, Unready } state = Starting;
  std::uint32_t busy = 0, cpu = 0;  // workers held; workers in CPU work
  std::uint32_t detached = 0;       // requests held without a worker (waiting on calls, io async)
  Ring<std::uint32_t> queue;        // the accept queue: the owner's job numbers, FIFO
  Time queue_since = 0;             // the queue has not been empty since then (when it holds any)
  std::uint64_t serial = 0;         // identity over the run (slots are reused)
  std::uint32_t timer_gen = 0;      // invalidates this instance's pending lifecycle timers
  std::uint32_t zone = 0;           // index into zones()
  bool zone_down = false;
  double leaked_mb = 0;             // memory_leak fault: grows until OOMKilled
  double data_mb = 0;               // the owner's data held in memory (PoolJobs::data_mb), at the last memory tick
  std::uint64_t leak_mark = 0;      // `completed` at the last memory tick
  // CrashLoopBackOff (restart_backoff.h): restarts after kills in a row, when the container
  // last started, and since when it waits in back-off (-1: it does not).
  std::uint32_t crash_loops = 0;
  Time started = 0, backoff_since = -1;
  // Garbage-collection pauses (gc_pauses.cpp): MiB allocated towards the next collection, the
  // end of the last pause, the pauses' total length (a pause counted whole at its start), and
  // the end of a concurrent collector's phase after it; Parallel: young collections since
  // the last full one.
  double gc_allocated_mb = 0;
  std::uint32_t gc_young = 0;
  Time gc_until = 0, gc_paused = 0, gc_marking_until = 0;
  // Records it is down for, closed when it is ready again (faults.cpp instance_back): its
  // last OOM kill's (index into the pool's kept kills) and a crash fault's; ~0u for none.
  std::uint32_t oom_record = ~0u, crash_record = ~0u;
  Time launched = 0, ready_since = 0, area_last = 0;
  Time readiness_changed = 0;       // last time `state == Ready` flipped (or the launch)
  double busy_area = 0, cpu_area = 0;
  std::uint64_t completed = 0;      // requests answered
  double speed = 1;                 // of its instance type (and version), fixed for its life
  double cores = 1;                 // its CPU (the pool's CPU request at its launch), fixed for its life
  std::uint32_t type = 0;           // index into the pool's instance types
  std::uint16_t version = 0;        // index into the deployment's versions (rollout.h)
  double error_rate = 0;            // of its version: requests answered 5xx at once
  bool evicting = false;            // on a node being drained, not evicted yet (disruption.cpp)
  bool parked = false;              // ready but out of the endpoints: a blue-green set without traffic (bluegreen.cpp)
  std::uint8_t probe_failures = 0;  // consecutive failed liveness probes (probes.cpp)
  std::uint32_t probe_need = 0;     // completions the probe in flight waits for (FIFO position + 1)
  std::uint64_t probe_mark = 0;     // `completed` when it was sent
  std::uint16_t endpoint_updates = 0;  // readiness changes not yet seen by callers (discovery.cpp)
  // Readiness and startup probes (readiness.cpp): results in a row, the readiness probe in
  // flight (as probe_need / probe_mark), and whether start-up ended before the startup probe saw it.
  std::uint8_t ready_failures = 0, ready_successes = 0, start_failures = 0;
  bool app_up = false;
  std::uint32_t ready_need = 0;
  std::uint64_t ready_mark = 0;
};

}  // namespace archsim
