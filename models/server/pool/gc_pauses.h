// Server pool: stop-the-world garbage-collection pauses (a service's "gc" block), after four
// real collectors as their own documentation describes them:
//  - G1 (HotSpot's default; Oracle's "HotSpot Virtual Machine Garbage Collection Tuning Guide",
//    the Garbage-First chapters): a young collection when the young generation (eden) is
//    full; the pause copies the young generation's survivors, so it costs in proportion to
//    the bytes that survive. G1 sizes the young generation after each pause to meet the pause
//    goal -XX:MaxGCPauseMillis (200 ms by default) between -XX:G1NewSizePercent (5%) and
//    -XX:G1MaxNewSizePercent (60%) of the heap; a fixed young size (-Xmn) turns that off.
//  - Parallel GC (-XX:+UseParallelGC, the same guide): young collections as G1's, with no
//    pause goal: the young generation is a third of the heap (-XX:NewRatio=2). Survivors fill
//    the old generation, and a full collection (mark-compact of the whole heap, its pause in
//    proportion to the live set) empties it when the next young collection's survivors would
//    not fit: the long pauses the guide warns of.
//  - ZGC (the OpenJDK ZGC wiki; JEP 377): concurrent marking and relocation, sub-millisecond
//    pauses whatever the heap or live set; the concurrent phases take CPU from the application.
//  - Go's collector ("A Guide to the Go Garbage Collector", go.dev/doc/gc-guide): a cycle when
//    the heap has grown GOGC% (100 by default) over the live heap of the last cycle; two short
//    stop-the-world phases, and concurrent marking that takes 25% of the CPU, with mark
//    assists making allocating goroutines do marking work when they outrun it.
//
// The model, per instance: each request answered allocates `alloc_per_request_mb`; once the
// instance has allocated a cycle's budget (G1 / Parallel: the young generation; ZGC: heap -
// live; Go: live x GOGC / 100) a collection starts and the instance stops for its pause:
// no request of the instance progresses (work in progress resumes after it, as a frozen
// thread does; replies, calls and new starts wait for its end), and probes sent meanwhile
// are answered after it. After a concurrent collector's pause, work steps that start during
// its concurrent phase (live / rate long) take 1 / (1 - concurrent_cpu) times as long.
//
// Simplifications: one pause per cycle (ZGC's three and Go's two are merged); young pauses cost
// survival x young / rate, with a constant survival share (G1's prediction from past pauses
// is exact here, so it meets its goal whenever the heap allows); survivors are promoted at
// their first collection (no tenuring); G1 reclaims its old generation in its concurrent
// cycle and mixed pauses within the goal, so it never runs a full collection here; the
// allocation is counted when a request is answered; a work step's trace span keeps its
// unpaused end; an instance that crashes during a pause restarts still paused until its end.
#pragma once
#include <algorithm>
#include <cstdint>
#include <string>

#include "models/server/pool/pool_instance.h"
#include "sim/time.h"

namespace archsim {

class Params;

struct GcSpec {
  enum Collector : std::uint8_t { G1, Parallel, Zgc, Go } collector = G1;
  double heap_mb = 0, young_mb = 0, live_mb = 0, alloc_mb = 0;
  double survival = 0.05;     // G1 / Parallel: share of the young generation a pause copies
  double rate_mb_s = 1024;    // MiB a pause copies (G1 / Parallel) or marks (ZGC / Go) per second
  Time max_pause = 200 * kMillisecond;  // G1's MaxGCPauseMillis
  Time pause = 500 * kMicrosecond;      // ZGC / Go: the stop-the-world part of a cycle
  double gogc = 100;                    // Go
  double concurrent_cpu = 0.25;         // ZGC / Go: CPU share of the concurrent phase

  // Reads the component's "gc" block (absent: nullopt-like, the caller checks has("gc")).
  // `limit_mb` (memory.limit_mb, 0 without one) is the heap's default.
  static GcSpec read(Params& gc, double limit_mb);

  bool concurrent() const { return collector == Zgc || collector == Go; }
  // The young generation (G1: the largest whose pause meets max_pause, within 5% and 60% of
  // the heap, unless young_mb fixes it; Parallel: young_mb, or a third of the heap), and at
  // most heap - live (the old generation holds the live set).
  double young() const;
  // MiB allocated between two collections.
  double cycle_mb() const;
  // Requests answered between two collections (cycle_mb / alloc_per_request_mb).
  double requests_per_cycle() const { return cycle_mb() / alloc_mb; }
  // The stop-the-world pause of one collection.
  Time pause_length() const;
  // Parallel: a full collection's pause (young and old: the young survivors and the live set
  // marked and compacted), and the young collections between two (the old generation's room
  // over each one's survivors, rounded down).
  Time full_pause_length() const;
  double young_per_full() const;
  // ZGC / Go: the concurrent phase after the pause (0 for G1 and Parallel).
  Time concurrent_length() const;
  // ZGC / Go: the factor on a work step starting in the concurrent phase.
  double concurrent_factor() const { return 1.0 / (1.0 - concurrent_cpu); }
};

// What is left of the instance's pause at `now` (0: not paused; always 0 without a "gc" block).
inline Time gc_frozen(const PoolInstance& in, Time now) { return std::max<Time>(0, in.gc_until - now); }
// Its paused time so far, a pause under way counted up to `now`: a clock that runs only in pauses.
inline Time gc_clock(const PoolInstance& in, Time now) { return in.gc_paused - gc_frozen(in, now); }
// A work step that began when gc_clock was `mark` and would end now ends this much later for
// the pauses since (0: none): after the pause under way, the time the pauses took from it.
// `mark` moves past them. Ask again at the later end: a pause may come meanwhile.
inline Time gc_delay(const PoolInstance& in, Time now, Time& mark) {
  const Time owed = gc_clock(in, now) - mark;
  if (owed <= 0) return 0;
  mark = in.gc_paused;  // the clock at the end of the pause under way
  return gc_frozen(in, now) + owed;
}
// A probe sent during a pause (ServerPool::probe_sent): nothing answers before the pause
// ends, so it fails when the pause outlasts its `timeout` (`need` that no count of answers
// reaches); else it is answered then, at once with a free worker, or behind the queue.
inline bool gc_probe_held(const PoolInstance& in, Time now, Time timeout, bool free_worker, std::uint32_t& need,
                          std::uint64_t& mark) {
  mark = in.completed;
  need = in.gc_until - now >= timeout ? ~0u : free_worker ? 0 : static_cast<std::uint32_t>(in.queue.size()) + 1;
  return false;
}

}  // namespace archsim
