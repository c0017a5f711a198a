// What the page shows of a service (sim/page_section.h), declared only where it has a
// mechanism of its own to show, so a plain service's page stays as it was:
//  - held connections (WebSocket, server-sent events): those open, on the busiest instance
//    and on each of its first instances, and the set-ups per second, in the page's "Long-lived
//    connections" section;
//  - else, work wasted on requests nobody waited for any more (answers dropped, work cut at a
//    deadline), in its "Resilience" section beside the callers' retries.
#include "models/service/service_impl.h"

namespace archsim::service_internal {

namespace {
constexpr const char* kWastedCaption =
    "CPU-seconds spent in each window on requests whose caller had already given up: answers nobody read, work cut at a "
    "deadline. Work that stays high after a trigger has gone is what keeps a metastable failure going (a retry storm).";
}  // namespace

void Service::declare_page(Context& ctx, PageSection& page) const {
  const bool wasted = ctx.metrics().total(wasted_c_) > 0;
  if (conns_.on) {
    page.in_section("connections", "Long-lived connections",
                    "WebSocket or server-sent-events connections each service held, and how they were opened and lost. A "
                    "crash drops an instance's share at once; reconnecting at once puts them all in one window, a jittered "
                    "backoff spreads them. A restarted instance comes back empty: held connections do not move.")
        .panel("Connections open", "connections", {"connections", "connections_busiest", "/^connections_instance[0-9]+$/"},
               "Means over each window: all of them, the instance holding most, and each of the first instances.")
        .panel("Connections opened, refused and dropped", "per second",
               {"connections_opened_per_s", "connections_refused_per_s", "connections_dropped_per_s"},
               "Refused: at an instance's limit. Dropped: with an instance that crashed or was drained.");
    page.headline("connections_peak", "peak open")
        .headline("connections_peak_per_instance", "peak on one instance", "", true)
        .headline("connections_refused", "refused", "", true)
        .headline("connections_dropped", "dropped");
  } else if (wasted) {
    page.in_section("resilience", "Resilience",
                    "What the services spent on requests nobody waited for, and (below) what the callers' retries added.");
  } else {
    return;
  }
  if (wasted) page.panel("Wasted work", "CPU-seconds per window", {"wasted_cpu_s"}, kWastedCaption);
  page.headline("wasted_cpu_s", "wasted CPU-seconds");
}

}  // namespace archsim::service_internal
