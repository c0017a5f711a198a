// Database: a MySQL/InnoDB-style relational database tier: primaries and replicas, shards,
// a connection limit, cores shared by queries, row locks on a stock item.
//
// Follows (read, not copied):
//  - MySQL server: max_connections refuses a connection past the limit at once with
//    ER_CON_COUNT_ERROR "Too many connections" (cause "too_many_connections"), per server.
//  - MySQL replication (Replication Implementation / Semisynchronous Replication chapters of
//    the reference manual; sql/rpl_replica.cc's receiver and applier threads): the primary
//    commits and writes its binary log; each replica receives the events (I/O thread, the
//    `replication_lag` draw covers send + receive) and applies them in order through its own
//    resources (one applier, as replica_parallel_workers = 1), so a replica whose cores are
//    saturated by reads falls behind. async: the write is acknowledged at commit.
//    semi_sync (AFTER_SYNC): acknowledged when one replica has received it. sync (Galera /
//    group-replication-like "all applied"): acknowledged when every live replica applied it.
//  - Orchestrator / MHA style failover: the primary's death is noticed after
//    failover.detection, the replica with the most received events is promoted after
//    failover.promotion (it first applies its relay log); acknowledged writes it never
//    received are lost (counted exactly: lost_writes = acknowledged position - promoted
//    replica's received position); writes (and primary reads) during the gap fail with
//    the cause "not_primary" (as MySQL's read_only / ER_OPTION_PREVENTS_STATEMENT).
//  - InnoDB row locks: an update of the stock row holds its lock (a Resource of 1, FIFO)
//    for the statement; a waiter gives up after lock_wait_timeout (innodb_lock_wait_timeout,
//    ER_LOCK_WAIT_TIMEOUT: cause "lock_timeout"); a job that dies holding it releases it.
//    Row locks of keyed writes, multi-row transactions and deadlock detection: locks.h;
//    leases and fencing tokens: leases.cpp; change data capture (Debezium): cdc.cpp.
//  - Sharding: sharding.h (Vitess key ranges and lookup vindexes, Ketama rings). A query
//    without the shard key (a request with no key) on more than one shard is a scatter
//    query, as Vitess's vtgate routes one without a primary vindex in its WHERE (a Scatter
//    route; doc/LifeOfAQuery.md, "Scatter Query": vtgate answers once every vttablet has):
//    one part per shard, each with its own connection, core and cost draw; the answer waits
//    for the slowest part and fails if any part fails. Its latency is counted once.
//  - PostgreSQL's query cancel (pgjdbc's setQueryTimeout sends a CancelRequest; the backend
//    aborts the statement's transaction) and MySQL's KILL QUERY: a query whose caller's call
//    said "on_timeout": "cancel" is stopped at its deadline and rolled back (cancel.cpp).
//    Without it the query runs to its end and its answer is dropped; either way the work
//    done for nobody is counted (wasted_cpu_s), as a service counts it.
//  - Multi-AZ placement (RDS Multi-AZ / Aurora replicas in other availability zones):
//    `zones` places node k of every shard in zones[k % n]. Callers reach the database's
//    endpoint in its own zone (as a ProxySQL / RDS endpoint there): a node elsewhere adds a
//    cross-zone round trip (network.cross_zone_latency, twice) to each answer; a binlog event
//    to a replica in another zone than the primary's pays it once more, and a semi_sync /
//    sync acknowledgement once on its way back. After a failover to another zone, the
//    writes pay it too.
//
//  - Nodes are servers of the shared server pool (models/server/pool, its addressed
//    use: slot = node): a node's `cores` are the pool's workers and its core wait the pool's
//    FIFO (queries and the replica's applier alike); crashes, restarts after `restart_time`,
//    failures waiting for repair, zone outages (a node is placed in its zone as above) and
//    billing per node by `instance_type` (its speed scales the work) are the pool's. The pool
//    says when a node went down (its primary's failover starts: lose_node) and when it is
//    ready again (it rejoins as a replica cloned from the primary, or as the primary when
//    its shard has none; during its shard's failover it waits for the failover's end).
//
// Routes (RequestInfo::route names the query): "read", "write", every named query of
// `queries` (a query named "write" or a request with RequestInfo::write writes), and with
// `stock`: "stock_read" (value = units left, kNotFound at 0), "stock_decrement" (the
// caller's second step after its stock_read, by stock_update: check_then_act decrements
// unconditionally, below zero counts as oversold; atomic holds the row lock and decrements
// only if > 0, else kNotFound; optimistic fails with "write_conflict" if the stock changed
// since this request's stock_read, remembered by request id in a table of 16384 slots) and
// "buy" (one statement, by stock_update: check_then_act
// reads the stock when it starts and decrements at its end if what it read was > 0: it
// oversells when buys overlap; atomic holds the row lock and decrements only if > 0;
// optimistic reads a version, and at its end fails with cause "write_conflict" and flag
// kConflict if another buy changed it). Any other route fails with "unknown_query".
//
// Simplifications: a node is `cores` identical cores with one FIFO (no buffer pool, no
// disk); a connection is held for the query's whole stay (lock wait, core wait, work, ack
// wait), none for idle pooled connections; the stock row is one row of shard 0 and its
// updates are not replicated; stale reads are judged by a fixed table of 16384 slots per
// shard holding the latest acknowledged write position of the keys hashed to it (keys
// sharing a slot make a read look stale slightly more often, never less); after a
// promotion the other replicas resynchronise at once; a crashed primary comes back as a
// replica (cloned) when the failover ends, or as the primary again when it had no replica
// (a restart_time longer than the failover: when it is back);
// a reshard provisions the new shards from t = 0, copies the moved rows at
// reshard.copy_rate rows/s (a read on the source primary and a write on the destination)
// and switches routing when the copy ends (Vitess Reshard + SwitchTraffic).
//
// Cost: no allocation per query in steady state (job, gather slots and rings are reused); a
// failover or a reshard scans the job slots and the version table once; a cancel of a
// query queued for a core walks its node's queue once (at most max_connections).
//
// Files: database_impl.h (the component's class and what each of its files does),
// params.{h,cpp}, one .cpp per job (queries, cancel, stock, replication, failover, resharding,
// locks, leases, cdc);
// sharding.{h,cpp}.
#pragma once
#include <memory>

#include "scenario/build.h"

namespace archsim {

// `r` registers the database's own failure causes; the factory keeps their values.
void register_database(Registry& r);
// The database's causes added after every other family's ("deadlock"): call it last.
void register_database_late_causes(Registry& r);

}  // namespace archsim
