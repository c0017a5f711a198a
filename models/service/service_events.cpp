// Service: event sourcing. The service's state is not stored but rebuilt from its event log,
// as an event-sourced aggregate is (Axon Framework's EventSourcingRepository; EventStoreDB's
// projections): each applied write (a `write` route served; an idempotent service's repeats
// aside) appends one event, and every instance that starts (scaled out, restarted after a
// crash or an OOM kill, repaired) must load the latest snapshot and apply each event after
// it before it is ready:
//     start-up += snapshot_load (when a snapshot exists) + events since it x apply.
// Snapshots are taken after every `snapshot_every` events (Axon's
// EventCountSnapshotTriggerDefinition), so the replay is bounded by it; without snapshots it
// is the whole log, and grows for as long as the service takes writes.
// Simplified: one log for the service, which every instance replays whole (no per-aggregate
// loading on demand, no sharding of the log); a snapshot is there the instant its event is
// appended (taking it costs nothing); apply and snapshot_load are constants.
#include <string>

#include "models/service/service_impl.h"

namespace archsim::service_internal {

void Service::read_event_sourcing(Params& p) {
  auto e = p.object_opt("event_sourcing");
  if (!e) return;
  es_.on = true;
  es_.apply = e->duration("apply");
  if (es_.apply <= 0) e->fail("apply", "must be positive: the time to apply one event (such as \"20us\")");
  es_.history = static_cast<std::uint64_t>(e->integer("events", 0, 0, 1'000'000'000'000LL));
  if (e->has("snapshot_every"))  // absent: no snapshots
    es_.snapshot_every = static_cast<std::uint64_t>(e->require_integer("snapshot_every", 1, 1'000'000'000'000LL));
  es_.snapshot_load = e->duration("snapshot_load", 0, 0, kDay);
  if (e->has("snapshot_load") && !e->has("snapshot_every"))
    e->fail("snapshot_load", "needs snapshot_every: without snapshots there is none to load");
  e->finish();
}

Time Service::startup_work(Context&, std::uint32_t) {
  if (!es_.on) return 0;
  const std::uint64_t log = es_.history + es_.appended;
  const std::uint64_t since = es_.snapshot_every ? log % es_.snapshot_every : log;
  const bool snapshot = es_.snapshot_every && log >= es_.snapshot_every;
  // In double first: a long log at a slow apply may pass the clock's range (then: never ready).
  const double replay = static_cast<double>(since) * static_cast<double>(es_.apply);
  const Time d = after(snapshot ? es_.snapshot_load : 0, replay >= static_cast<double>(kTimeMax) ? kTimeMax : static_cast<Time>(replay));
  ++es_.replays;
  es_.replayed += since;
  es_.replay_sum += d;
  es_.replay_max = std::max(es_.replay_max, d);
  return d;
}

void Service::declare_event_figures(Figures& f) const {
  if (!es_.on) return;
  f.value("events", [this] { return static_cast<double>(es_.history + es_.appended); });
  f.held("replays", es_.replays);
  f.held("events_replayed", es_.replayed);
  f.value("replay_time_max_s", [this] { return to_seconds(es_.replay_max); });
  f.value("replay_time_mean_s",
          [this] { return es_.replays ? to_seconds(es_.replay_sum) / static_cast<double>(es_.replays) : 0.0; });
}

}  // namespace archsim::service_internal
