// What the page shows of a balancer (sim/page_section.h), in the page's "Load balancing"
// section above its table of backends: the requests it sent to each backend and those in
// flight there, the backends it held healthy, and its proxy queue when it has one.
#include "models/balancer/balancer_impl.h"

namespace archsim::balancer {

void declare_page(PageSection& page) {
  page.in_section("balancing", "Load balancing",
                  "How each balancer spread its requests over its backends over time, with the same time axis and marks as "
                  "the charts above.")
      .panel("Requests per backend", "requests / s", {"/^rps_/"},
             "Requests per second sent to each backend (rps_<backend>). A backend ejected or failing its health checks "
             "drops out and the others take its share.")
      .panel("Requests in flight per backend", "requests", {"/^active_/"},
             "Means over each window: what least-connections and peak-EWMA balance on.")
      .panel("Healthy backends", "backends", {"healthy_backends"})
      .panel("Proxy queue", "requests waiting", {"queue_length"});
  page.headline("requests", "requests")
      .headline("errors", "errors")
      .headline("imbalance_cv", "imbalance (CV)", "", true)
      .headline("ejections", "ejections");
}

}  // namespace archsim::balancer
