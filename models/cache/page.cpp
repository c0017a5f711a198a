// What the page shows of a cache (sim/page_section.h): its hit ratio, what it sends to its
// backend, evictions and stale reads, memory, keys in flight and nodes ready over time.
#include "models/cache/cache_impl.h"

namespace archsim::cache {

void declare_page(PageSection& page) {
  page.panel("Hit ratio", "hits / lookups", {"hit_ratio"})
      .percent()
      .panel("Lookups, and reads and writes sent to the backend", "per second",
             {"lookups_rps", "backend_reads_rps", "backend_writes_rps"},
             "A miss reads the backend: a stampede (many misses of one key at once) is a spike of backend reads.")
      .panel("Evictions and stale or inconsistent reads", "per second",
             {"evictions_rps", "stale_reads_rps", "local_inconsistent_reads_rps", "replica_reads_rps"})
      .panel("Memory used and entries", "bytes", {"memory_bytes"})
      .capacity({"max_memory_bytes", "capacity_bytes", "memory_limit_bytes"})
      .panel("Entries", "keys", {"entries"})
      .panel("Keys being filled, writes not yet flushed", "count", {"keys_in_flight", "unflushed_writes"})
      .panel("Nodes ready", "nodes", {"nodes", "ready_nodes"})
      .varies();
  page.headline("hit_ratio", "hit ratio", "pct", true)
      .headline("lookups", "lookups")
      .headline("misses", "misses")
      .headline("backend_reads", "backend reads", "", true)
      .headline("coalesced", "coalesced misses")
      .headline("evictions", "evictions")
      .headline("stale_reads", "stale reads")
      .headline("lost_writes", "lost writes")
      .headline("unavailable", "unavailable");
}

}  // namespace archsim::cache
