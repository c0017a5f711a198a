// What the page shows of a serverless function (sim/page_section.h), as Lambda's console
// charts it: invocations, cold starts and throttles per second, and the execution
// environments alive beside those busy, in the page's "Functions" section.
#include "models/function/function.h"

namespace archsim::function {

void declare_page(PageSection& page) {
  page.in_section("functions", "Functions",
                  "Each serverless function's invocations and execution environments over time. A cold start is an arrival "
                  "that found no idle environment; at the concurrency limit the arrivals beyond it are throttled.")
      .panel("Invocations, cold starts and throttled requests", "per second",
             {"invocations_rps", "cold_starts_rps", "throttled_rps"},
             "Throttled: answered at once with a 429, at the concurrency limit or the scaling rate.")
      .panel("Execution environments: alive and busy", "environments", {"environments", "concurrent_executions"},
             "Means over each window. Busy: serving a request or running its INIT (concurrent executions). Environments "
             "idle for the idle timeout are reclaimed, so the next burst starts cold again.");
  page.headline("invocations", "invocations")
      .headline("cold_starts", "cold starts")
      .headline("cold_start_share", "cold start share", "pct", true)
      .headline("throttled", "throttled", "", true)
      .headline("peak_environments", "peak environments")
      .headline("timeouts", "timeouts");
}

}  // namespace archsim::function
