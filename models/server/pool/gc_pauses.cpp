// Server pool: stop-the-world garbage-collection pauses (models/server/pool/gc_pauses.h).
#include "models/server/pool/gc_pauses.h"

#include <algorithm>
#include <cmath>

#include "models/server/pool/server_pool.h"
#include "scenario/params.h"

namespace archsim {

namespace {

constexpr const char* kCollectors[] = {"g1", "parallel", "zgc", "go"};

// A field that only some collectors read: refused for the others, so that it is never ignored.
void only_for(Params& gc, const char* key, bool applies, const std::string& collector, const char* which) {
  if (!applies && gc.has(key))
    gc.fail(key, std::string("applies to ") + which + " only, not to collector \"" + collector + "\"");
}

}  // namespace

GcSpec GcSpec::read(Params& gc, double limit_mb) {
  GcSpec s;
  const std::string name = gc.choice("collector", "g1", {kCollectors[0], kCollectors[1], kCollectors[2], kCollectors[3]});
  s.collector = name == "g1" ? G1 : name == "parallel" ? Parallel : name == "zgc" ? Zgc : Go;
  const bool young_gen = !s.concurrent();
  only_for(gc, "young_mb", young_gen, name, "g1 and parallel");
  only_for(gc, "survival", young_gen, name, "g1 and parallel");
  only_for(gc, "max_pause", s.collector == G1, name, "g1");
  only_for(gc, "pause", s.concurrent(), name, "zgc and go");
  only_for(gc, "concurrent_cpu", s.concurrent(), name, "zgc and go");
  only_for(gc, "gogc", s.collector == Go, name, "go");

  s.alloc_mb = gc.require_number("alloc_per_request_mb", 1e-6, 1e9);
  s.rate_mb_s = gc.number("trace_per_second_mb", s.rate_mb_s, 1e-3, 1e9);
  s.heap_mb = gc.number("heap_mb", limit_mb, 0.0, 1e9);
  if (s.heap_mb <= 0 && s.collector != Go) gc.missing("heap_mb");
  if (young_gen) {
    // The old generation holds the live set: the young one has the rest of the heap at most.
    s.live_mb = gc.number("live_mb", 0.0, 0.0, 1e9);
    if (s.live_mb >= s.heap_mb) gc.fail("live_mb", "must be smaller than heap_mb");
    s.survival = gc.number("survival", s.survival, 1e-6, 1.0);
    s.young_mb = gc.number("young_mb", 0.0, 0.0, 1e9);
    if (gc.has("young_mb") && s.young_mb <= 0) gc.fail("young_mb", "must be positive");
    if (s.young_mb > s.heap_mb - s.live_mb)
      gc.fail("young_mb", "must fit in heap_mb - live_mb: the old generation holds the live set");
    if (s.collector == G1) {
      s.max_pause = gc.duration("max_pause", s.max_pause, 0, kTimeMax);
      if (s.max_pause <= 0) gc.fail("max_pause", "must be positive");
      if (gc.has("max_pause") && gc.has("young_mb"))
        gc.fail("max_pause", "a fixed young_mb turns G1's pause goal off (as -Xmn does): give one of them");
    }
  } else {
    s.live_mb = gc.require_number("live_mb", 1e-6, 1e9);
    if (s.collector == Zgc && s.live_mb >= s.heap_mb)
      gc.fail("live_mb", "must be smaller than heap_mb: the free heap is what a cycle reclaims");
    s.pause = gc.duration("pause", s.pause, 0, kSecond);
    if (s.pause <= 0) gc.fail("pause", "must be positive");
    s.concurrent_cpu = gc.number("concurrent_cpu", s.concurrent_cpu, 0.0, 0.9);
    if (s.collector == Go) s.gogc = gc.number("gogc", s.gogc, 1.0, 1e4);
    // Go's heap has no fixed size: it grows to live x (1 + GOGC / 100), which must fit a heap
    // given (a container's memory, as GOMEMLIMIT would bound it).
    if (s.collector == Go && s.heap_mb > 0 && s.live_mb * (1 + s.gogc / 100) > s.heap_mb)
      gc.fail("heap_mb", "is smaller than the heap Go grows to, live_mb x (1 + gogc / 100)");
  }
  return s;
}

double GcSpec::young() const {
  if (young_mb > 0) return young_mb;
  const double room = heap_mb - live_mb;                        // beside the live old generation
  if (collector == Parallel) return std::min(heap_mb / 3, room);  // NewRatio=2: old = 2 x young
  // G1: the young generation whose pause, survival x young / rate, is the goal.
  const double goal = to_seconds(max_pause) * rate_mb_s / survival;
  return std::min(std::clamp(goal, 0.05 * heap_mb, 0.6 * heap_mb), room);
}

double GcSpec::cycle_mb() const {
  switch (collector) {
    case Zgc: return heap_mb - live_mb;
    case Go: return live_mb * gogc / 100;
    default: return young();
  }
}

Time GcSpec::pause_length() const {
  if (concurrent()) return pause;
  return std::max<Time>(1, static_cast<Time>(std::llround(survival * young() / rate_mb_s * 1e9)));
}

Time GcSpec::full_pause_length() const {
  return pause_length() + static_cast<Time>(std::llround(live_mb / rate_mb_s * 1e9));
}

double GcSpec::young_per_full() const {
  return std::floor((heap_mb - young() - live_mb) / (survival * young()) + 1e-9);  // a quotient a rounding below a whole number is it
}

Time GcSpec::concurrent_length() const {
  return concurrent() ? static_cast<Time>(std::llround(live_mb / rate_mb_s * 1e9)) : 0;
}

// ---- the pool's side ----

void ServerPool::read_gc(Params& p) {
  if (std::optional<Params> gc = p.object_opt("gc")) gc_ = std::make_unique<GcSpec>(GcSpec::read(*gc, memory_limit_mb_));
}

void ServerPool::register_gc_metrics(Metrics& m) {
  if (!gc_) return;
  gc_paused_g_ = m.gauge(id_, "gc_paused", "gc_paused");  // instances in a pause
  gc_pause_h_ = m.histogram(id_, "gc_pause");
  gc_full_c_ = m.counter(id_, "gc_full");
}

void ServerPool::declare_gc(Figures& f) const {
  if (!gc_) return;
  f.summary("gc.pause_ms", gc_pause_h_);
  if (gc_->collector == GcSpec::Parallel) f.total("gc.full_collections", gc_full_c_);
  f.derived("gc.pause_s", [this](Context& ctx) {
    const Histogram& h = ctx.metrics().whole(gc_pause_h_);
    return h.mean() * static_cast<double>(h.count()) / 1e9;
  });
  f.ratio("gc.paused_share", gc_paused_g_, alive_g_);  // instance-time frozen / instance-time alive
  f.value("gc.young_mb", [this] { return gc_->concurrent() ? 0.0 : gc_->young(); }, Figures::Show::IfAny);
  f.value("gc.requests_per_cycle", [this] { return gc_->requests_per_cycle(); });
}

// An instance starts with its young generation (or its cycle's budget) partly used, uniform
// over the cycle: replicas started together and fed round robin would otherwise all collect
// at the same request, which JVMs launched and warmed at different times do not.
void ServerPool::gc_launched(Instance& in) { in.gc_allocated_mb = rng_->uniform() * gc_->cycle_mb(); }

// A request was answered on the instance: its allocation counts towards the next collection,
// which starts once a cycle's budget is allocated (not during a pause: nothing allocates).
void ServerPool::gc_allocate(Context& ctx, std::uint32_t slot) {
  Instance& in = instances_[slot];
  in.gc_allocated_mb += gc_->alloc_mb;
  const double cycle = gc_->cycle_mb();
  if (in.gc_allocated_mb < cycle || in.gc_until > ctx.now() || !running(in)) return;
  in.gc_allocated_mb -= cycle;
  Time pause = gc_->pause_length();
  if (gc_->collector == GcSpec::Parallel && ++in.gc_young >= gc_->young_per_full() + 1) {  // the old generation is full
    in.gc_young = 0;
    pause = gc_->full_pause_length();
    ctx.metrics().add(gc_full_c_);
  }
  in.gc_until = ctx.now() + pause;
  in.gc_paused += pause;
  in.gc_marking_until = in.gc_until + gc_->concurrent_length();
  ctx.metrics().add(gc_paused_g_, 1, ctx.now());
  ctx.metrics().record(gc_pause_h_, pause);
  ctx.schedule(pause, kGcEnd, slot);
}

void ServerPool::gc_end(Context& ctx) { ctx.metrics().add(gc_paused_g_, -1, ctx.now()); }

double ServerPool::gc_work_factor(std::uint32_t slot, Time now) const {
  const Instance& in = instances_[slot];
  const double pressure = gc_cost_ > 0 ? gc_slowdown(in) : 1.0;
  return gc_ && in.gc_marking_until > now ? pressure * gc_->concurrent_factor() : pressure;
}

}  // namespace archsim
