// What the page shows of a leaderless store (sim/page_section.h): reads and writes with the
// stale and unavailable ones, the latency each level costs, the nodes up and the repairs,
// with the figures a learner checks first.
#include "models/kv_store/store.h"

namespace archsim::kv_store {

void declare_page(PageSection& page) {
  page.panel("Stale reads and refusals", "per second", {"stale_rps", "unavailable_read_rps", "unavailable_write_rps"},
             "Stale: a read that returned an older version than a write already acknowledged (never with R + W > N). "
             "Refused: fewer live replicas than the consistency level needs (Cassandra's UnavailableException).")
      .panel("Latency at the consistency levels", "ms",
             {"read_latency_p50_ms", "read_latency_p99_ms", "write_latency_p50_ms", "write_latency_p99_ms"},
             "A read waits for the slowest of the R replicas it asked; a write for the W-th fastest of the live replicas.")
      .panel("Nodes up", "nodes", {"nodes_up"}, "Means over each window.")
      .varies()
      .panel("Read repairs", "per second", {"read_repair_rps"},
             "Reads whose replicas disagreed, which wrote the newest version back to those behind before answering.")
      .panel("Hints", "per second", {"hints_rps", "replayed_rps", "missed_rps", "sloppy_rps"},
             "Mutations kept for a node that was down, replayed when it returns; missed: past the hint window, or "
             "hinted handoff off (the node serves the older version until the key is written again or repaired). "
             "Sloppy: writes a stand-in node took for a down replica (sloppy quorum).");
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
