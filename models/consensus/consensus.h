// Consensus group: a Raft-replicated group of members (type "consensus").
//
// Follows: the Raft paper (Ongaro & Ousterhout, "In Search of an Understandable Consensus
// Algorithm", USENIX ATC 2014, sections 5.1-5.4 and 9.3) and etcd's raft package
// (raft/raft.go: tickElection, tickHeartbeat, campaign, checkQuorum, preVote) with etcd's
// defaults (heartbeat 100 ms, election timeout 1,000 ms).
//   - One leader per term takes the writes. A client's write reaches a member (the client
//     spreads its requests over the live members, as etcd's client balancer does); a follower
//     that knows a reachable leader forwards it (one network hop each way), one that does not
//     refuses at once (Status::Unavailable, counted as `not_leader`).
//   - With `quorum` (the default) a write commits when a majority has appended it: the
//     leader's own fsync, and floor(members / 2) followers' acknowledgements, each a network
//     hop out, that follower's fsync, and a hop back. A leader that cannot reach a majority
//     steps down after an election timeout without one (etcd's CheckQuorum) and its waiting
//     writes fail.
//   - Followers hear the leader's heartbeat every `heartbeat`. One that hears nothing for its
//     randomised election timeout, drawn uniformly in [election_timeout, 2 x election_timeout)
//     each time it is reset (etcd's randomizedElectionTimeout), becomes a candidate for the
//     next term, votes for itself and asks the others; a member grants one vote per term (and
//     resets its own timer when it does); a candidate with a majority of votes leads. A split
//     vote leaves every candidate to time out again with a new draw.
//   - Pre-vote (etcd's --pre-vote, on by default in current releases): a member that cannot
//     reach a majority does not raise its term, so a healed minority does not depose the
//     leader.
//   - A member hearing a higher term steps down. After a partition heals the old leader hears
//     the new leader's term and steps down.
//   - `"quorum": false` is an asynchronously replicated primary: the leader acknowledges a
//     write after its own fsync, and never checks its quorum. In a partition the side without
//     the leader still elects one (promotion), so both sides accept writes; when the
//     partition heals, the lower term's writes acknowledged during the partition are
//     discarded: counted as `writes_lost` (they were acknowledged to the client as ok).
//   Conservation: writes = writes_committed + writes_failed + writes_lost.
//   Faults of its own: `crash` (the leader at `at`, back after `duration`) and `partition`
//   (from `at` for `duration`, the listed member indices cut off from the others).
//   The group starts with member 0 leading term 1 (a group already running).
//
// Simplifications: only writes (no linearizable reads through ReadIndex); the log is not
// kept, so no up-to-date check on votes (with quorum the minority cannot win a vote anyway)
// and no catch-up traffic after a heal; acknowledgements are drawn when the leader accepts a
// write (a follower crashing meanwhile still counts); pre-vote is modelled by its effect (a
// member cut from a majority does not campaign); a crashed asynchronous primary loses no
// writes here (only a partition's conflicting writes are counted as lost); the members'
// faults are the group's fields, not the scenario's "faults" (no crash of a follower).
#pragma once
#include <memory>

#include "scenario/build.h"

namespace archsim {

std::unique_ptr<Component> make_consensus(Params& p, BuildContext& bc);

}  // namespace archsim
