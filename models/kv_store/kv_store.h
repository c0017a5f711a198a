// Leaderless replicated key-value store (type "kv_store"): Dynamo's and Cassandra's way of
// replicating without a leader, with a consistency level per read and per write.
//
// Follows: the Dynamo paper (DeCandia et al., "Dynamo: Amazon's Highly Available Key-value
// Store", SOSP 2007, sections 4.2-4.6: the ring, the preference list, R and W, hinted
// handoff) and Apache Cassandra 4.x as its sources do it: locator/SimpleStrategy.java
// (calculateNaturalReplicas), db/ConsistencyLevel.java (blockFor, assureSufficientLiveReplicas:
// UnavailableException), service/StorageProxy.java (mutate, shouldHint, read),
// service/reads/AbstractReadExecutor.java, service/reads/repair/BlockingReadRepair.java,
// hints/HintsService.java, with cassandra.yaml's defaults (num_tokens 16, hinted_handoff_enabled,
// max_hint_window 3h).
//   - `nodes` nodes on a token ring of `vnodes` tokens each; a key's `replication_factor`
//     (N) replicas are the owner of its range and the next distinct nodes clockwise
//     (ring.h). Any live node coordinates (a token-unaware driver's round robin; the
//     coordinator's own work is not modelled).
//   - Data centres (`datacenters`, locator/NetworkTopologyStrategy.java without racks): each
//     a region of network.regions with its own nodes and replicas of every key, found by
//     walking the ring for that centre's nodes. A caller's region picks the centre that
//     coordinates its requests (DCAwareRoundRobinPolicy's local centre; else the first); a
//     replica in another centre is the regions' one-way latency further each way.
//     LOCAL_ONE and LOCAL_QUORUM count the coordinator's centre alone (reads ask only it,
//     writes still reach every centre); the others count all replicas, reads asking the
//     local ones first.
//   - Levels: `read_consistency` and `write_consistency` for every request, as a driver's
//     default; `consistency` names a level per route (an application's per-statement level),
//     and then the figures are given per level too.
//   - A write goes to every live replica of the key at once. Replica i applies it after
//     `network` + its `write_time` draw (the replication delay) and acknowledges after one
//     more `network`; the coordinator answers the client when `write_consistency` (W)
//     replicas have acknowledged: the W-th order statistic of the live replicas' round trips.
//     The other replicas apply it later, asynchronously (the stale window). Versions are the
//     coordinator's timestamps: the last write wins, a replica keeps the newest it was sent.
//   - A read goes to `read_consistency` (R) live replicas picked at random (Cassandra's
//     dynamic snitch picks the fastest; with replicas alike, that is any), each answering
//     with the version it holds `network` + `read_time` after the read left, one `network`
//     later at the coordinator; the client's answer waits for all R: the largest of R
//     round trips. The newest version among them is returned.
//   - Unavailable: with fewer live replicas than the level needs, the coordinator refuses at
//     once (Status::Unavailable: Cassandra's UnavailableException), counted per operation.
//     With every node down there is no coordinator either.
//   - A read is stale when it returns a version older than the newest write acknowledged
//     before it reached the coordinator. With R + W > N every read set meets every
//     acknowledged write set in at least one replica, so none is (Dynamo 4.5).
//   - Read repair (`read_repair`, on by default as Cassandra 4's blocking read repair): a
//     read at R >= 2 whose replicas disagree writes the newest version back to the
//     contacted replicas that were behind, and answers once they acknowledge. ONE compares
//     nothing, so repairs nothing.
//   - Hinted handoff (`hinted_handoff`, on by default): a write's mutation for a replica
//     that is down when the write is sent is kept by the coordinator as a hint, unless the replica has been down longer than `max_hint_window` or the write was
//     refused as unavailable (no hint then, as Cassandra); when the node is back, its hints
//     are replayed (each applied `network` + `write_time` after the return).
//   - Sloppy quorum (`sloppy_quorum`, off by default as in Cassandra; Dynamo section 4.6):
//     reads and writes go to the first replication_factor healthy nodes of the key's
//     preference list (the ring walked on past its replicas), so a node that is not a replica
//     stands in for one that is down: it takes the write (counted in `sloppy_writes`) and
//     counts toward W, while the down replica's hint waits for its return. A level is refused
//     only when too few nodes of the whole ring are up; R + W > N no longer guarantees a
//     fresh read (the stand-ins do not hold what was written before they stood in).
//   - Node failures are the scenario's own faults: "crash" (the first `instances` live
//     nodes in index order, each back after `restart_time`) and "failures" with
//     "scope": "instance" (each node its own MTBF/MTTR process). A node keeps its data while
//     down (Cassandra's commit log); mutations that reached it before are not lost.
// Conservation: reads = reads_ok + reads_unavailable + reads in flight (writes alike).
//
// Simplifications: the replicas do not queue (every operation is served at once: no
// thread pools, no compaction); acknowledgements and the time a read is answered are drawn
// when the request reaches the coordinator (a replica crashing meanwhile still answers);
// no speculative retry, no read or write timeouts (a level met at the start is met); no
// racks, no EACH_QUORUM and no remote failover of a driver whose local centre is down; no
// sloppy quorum across data centres; no ANY level; a stand-in of a sloppy quorum keeps its
// copy after the handoff (no read reaches it once the replica is back); hints are replayed
// at once rather than at hinted_handoff_throttle; no anti-entropy repair (nodetool repair,
// Merkle trees); no partition inside the store (its nodes have no links of their own: the
// scenario's "partition" fault cuts the store off from its callers, not nodes from nodes;
// a "region_outage" does not reach the nodes of a data centre: a crash of its nodes does).
#pragma once
#include <memory>

#include "scenario/build.h"

namespace archsim {

std::unique_ptr<Component> make_kv_store(Params& p, BuildContext& bc);

}  // namespace archsim
