// What the page shows of a CDN (sim/page_section.h): requests, edge hits and origin requests,
// origin failures and stale serves over time.
#include "models/cdn/cdn.h"

namespace archsim::cdn {

void declare_page(PageSection& page) {
  page.panel("Requests, edge hits and origin requests", "per second", {"throughput_rps", "hits_rps", "origin_rps"},
             "What the edge did not serve from its cache went to the origin.")
      .panel("Origin failures and stale serves", "per second", {"origin_failures_rps", "stale_serves_rps"});
  page.headline("hit_ratio", "hit ratio", "pct", true)
      .headline("offload", "offload", "pct")
      .headline("origin_fetches", "origin fetches", "", true)
      .headline("origin_failures", "origin failures")
      .headline("stale_serves", "stale serves")
      .headline("evictions", "evictions");
}

}  // namespace archsim::cdn
