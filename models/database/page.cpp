// What the page shows of a database (sim/page_section.h): queries and refusals, connections,
// replication lag, stale reads, nodes ready (a failover), load per shard, how busy the
// primary and replicas are, its storage engine's page reads and splits, and work wasted on
// queries nobody waited for any more, over time.
#include "models/database/database_impl.h"

namespace archsim::database {

void declare_page(PageSection& page) {
  page.panel("Queries, refusals and conflicts", "per second", {"throughput_rps", "refused_rps", "conflicts_rps"})
      .panel("Connections in use", "connections", {"connections_in_use"})
      .panel("Replication lag", "ms", {"replication_lag_p50_ms", "replication_lag_p95_ms", "replication_lag_p99_ms"},
             "How far the replicas trail the primary: a read from a replica can be this stale.")
      .panel("Stale reads", "per second", {"stale_reads_rps"})
      .panel("Nodes ready (a dip is a failover)", "nodes", {"nodes", "ready_nodes"})
      .varies()
      .panel("Load per shard", "queries / s", {"/^shard\\d+_rps$/"})
      .panel("Primary and replicas busy", "busy", {"primary_utilization", "replica_utilization"})
      .percent()
      .panel("Storage engine: pages read from disk, leaf pages split", "pages / s", {"page_reads_rps", "page_splits_rps"},
             "Buffer-pool misses and page splits, as InnoDB's status shows them: random keys (UUID v4) split leaves all "
             "over the index and, once it outgrows the pool, read most of them first; ordered keys append to the last leaf.")
      .panel("Wasted work", "CPU-seconds per window", {"wasted_cpu_s"},
             "CPU-seconds spent in each window on queries whose caller had already given up (drawn when there were any).");
  page.headline("failovers", "failovers")
      .headline("lost_writes", "lost writes")
      .headline("stale_reads", "stale reads", "", true)
      .headline("replication_lag_ms.p99", "replication lag p99", "ms", true)
      .headline("too_many_connections", "refused (too many connections)")
      .headline("connections_in_use", "connections in use (mean)")
      .headline("not_primary", "writes refused (not primary)");
}

}  // namespace archsim::database
