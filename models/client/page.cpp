// What the page shows of a client (sim/page_section.h), where it has something of its own to
// show beyond the latency and throughput charts every client has:
//  - business counters (operational.h): each counter per second, in the page's "Business
//    counters" section, where the business sees an outage in orders lost;
//  - a connection-holding client (sessions.cpp): its sessions started, reconnects and lost
//    connections per second, in the page's "Long-lived connections" section beside the
//    services that hold them.
#include "models/client/operational.h"
#include "models/client/sessions.h"

namespace archsim {

void BusinessCounters::declare_page(PageSection& page) const {
  if (names_.empty()) return;
  page.in_section("business", "Business counters",
                  "The counters the scenario's routes define (orders placed, payments failed), per second in each window: a "
                  "request served counts in its route's on_success counters, one that failed in its on_error ones.")
      .panel("Counters per second", "per second", {"/^business_/"},
             "The business sees an outage here, in orders lost, before it reads a latency chart.");
  for (const std::string& name : names_) page.headline("counters." + name, name);
}

namespace sessions {

void declare_page(PageSection& page) {
  // The section's sentence is the services' (service_page.cpp).
  page.in_section("connections", "Long-lived connections", "")
      .panel("Sessions started, reconnects and lost connections", "per second",
             {"sessions_per_s", "reconnects_per_s", "connections_lost_per_s", "connection_failures_per_s"},
             "A reconnect storm shows as one tall window of reconnects; a jittered backoff spreads it.");
  page.headline("sessions_started", "sessions")
      .headline("reconnects", "reconnects", "", true)
      .headline("connections_lost", "lost")
      .headline("gave_up", "gave up");
}

}  // namespace sessions
}  // namespace archsim
