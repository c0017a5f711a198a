// Server pool: restarts after a kill and their back-off (restart_backoff.h; server_pool.h).
#include "models/server/pool/restart_backoff.h"

#include "models/server/pool/server_pool.h"
#include "sim/results.h"

namespace archsim {

RestartBackoff RestartBackoff::read(Params& p) {
  RestartBackoff b;
  const Params::Shape shape = p.shape("restart_backoff");
  if (shape == Params::Shape::absent) return b;
  if (shape == Params::Shape::boolean) {
    b.enabled = p.boolean("restart_backoff", true);
    return b;
  }
  if (shape != Params::Shape::object)
    p.value("restart_backoff").fail("expected false, true or {\"initial\", \"max\", \"reset_after\"} (durations)");
  Params o = p.object("restart_backoff");
  b.initial = o.duration("initial", b.initial, kMillisecond, kDay);
  b.max = o.duration("max", std::max(b.max, b.initial), kMillisecond, kDay);
  if (b.max < b.initial) o.fail("max", "must be at least initial (the first back-off)");
  b.reset_after = o.duration("reset_after", b.reset_after, 0, 365 * kDay);
  return b;
}

// A killed instance will restart (its zone is up): the back-off before it, and it enters
// CrashLoopBackOff when there is one.
Time ServerPool::restart_wait(Context& ctx, std::uint32_t i) {
  Instance& in = instances_[i];
  const Time wait = restart_backoff_.next(in.crash_loops, in.started, ctx.now());
  ++backoff_.restarts;
  if (wait == 0) return 0;
  ++backoff_.delayed;
  ++backoff_.waiting;
  backoff_.longest = std::max(backoff_.longest, wait);
  in.backoff_since = ctx.now();
  return wait;
}

// The instance starts again (its restart, a repair, its zone back) or is removed: a wait in
// CrashLoopBackOff ends. Also the container's start, from which the back-off's reset counts.
void ServerPool::backoff_over(Context& ctx, std::uint32_t i) {
  Instance& in = instances_[i];
  in.started = ctx.now();
  if (in.backoff_since < 0) return;
  backoff_.waited += ctx.now() - in.backoff_since;
  --backoff_.waiting;
  in.backoff_since = -1;
}

// Whole-run figures, once an instance has been restarted after a kill.
void ServerPool::declare_backoff(Figures& f) const {
  f.custom([this](Context& ctx, ComponentReport& r) {
    if (backoff_.restarts == 0) return;
    Time waited = backoff_.waited;  // with the waits the run's end cut short
    for (const Instance& in : instances_)
      if (in.backoff_since >= 0) waited += ctx.end_time() - in.backoff_since;
    r.add("restarts", static_cast<double>(backoff_.restarts));
    r.add("crashloop.backoffs", static_cast<double>(backoff_.delayed));
    r.add("crashloop.backoff_s", to_seconds(waited));
    r.add("crashloop.longest_backoff_s", to_seconds(backoff_.longest));
    r.add("crashloop.waiting", static_cast<double>(backoff_.waiting));
  });
}

}  // namespace archsim
