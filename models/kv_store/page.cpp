// What the page shows of a leaderless store (sim/page_section.h): reads and writes with the
// stale and unavailable ones, the latency each level costs, the nodes up and the repairs,
// with the figures a learner checks first.
#include "models/kv_store/store.h"

namespace archsim::kv_store {

void declare_page(PageSection& page) {
  page.panel("Reads, stale reads and refusals", "per second",
             {"read_rps", "stale_rps", "unavailable_read_rps", "write_rps", "unavailable_write_rps"},
             "Stale: a read that returned an older version than a write already acknowledged (never with R + W > N). "
             "Unavailable: fewer live replicas than the consistency level needs (Cassandra's UnavailableException).")
      .panel("Latency at the consistency levels", "ms",
             {"read_latency_p50_ms", "read_latency_p99_ms", "write_latency_p50_ms", "write_latency_p99_ms"},
             "A read waits for the slowest of the R replicas it asked; a write for the W-th fastest of the live replicas.")
      .panel("Nodes up", "nodes", {"nodes_up"}, "Means over each window.")
      .varies()
      .panel("Repairs", "per second", {"read_repair_rps", "hints_rps", "replayed_rps", "missed_rps"},
             "Read repair: a read whose replicas disagreed wrote the newest version back. Hints: mutations kept for a "
             "node that was down, replayed when it returns; missed: past the hint window, or hinted handoff off.");
  page.headline("stale_read_share", "stale share", "pct", true)
      .headline("stale_reads", "stale reads")
      .headline("reads_unavailable", "reads refused")
      .headline("writes_unavailable", "writes refused")
      .headline("read_latency_ms.p99", "read p99", "ms", true)
      .headline("write_latency_ms.p99", "write p99", "ms", true)
      .headline("read_repairs", "read repairs")
      .headline("hints_replayed", "hints replayed");
}

}  // namespace archsim::kv_store
