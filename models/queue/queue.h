// Queue: a Kafka-like partitioned log with a consumer group, or (mode "work_queue") a
// RabbitMQ / SQS-like queue with competing consumers.
//
// What it follows (sources read: Apache Kafka clients/.../consumer/RangeAssignor.java and
// RoundRobinAssignor.java, the producer's partitioner docs (KIP-480 sticky partitioner,
// KIP-794), the consumer configuration docs (enable.auto.commit, auto.commit.interval.ms),
// the replication design docs (high watermark, acks, leader election from the ISR); the
// RabbitMQ consumer prefetch docs and the SQS visibility-timeout docs):
//  - producers: a call (the reply is the broker's ack) or a one-way send (Context::send).
//    Keyed messages go to toPositive(murmur2(key bytes)) % partitions as Kafka's default
//    partitioner does (models/queue/partitioner.h: the key's decimal text as the bytes);
//    keyless ones go round robin or stick to one partition for `sticky_batch` messages,
//    then switch to another available one at random (KIP-480).
//  - acks: "0" the producer is answered at once and a message sent to a partition without
//    a leader is lost; "1" answered after the leader's append; "all" answered once the
//    followers have it (`replication_latency` later). Consumers read only replicated
//    messages (below the high watermark). A leader's crash truncates what its followers did
//    not have: with acks 0/1 those messages were acknowledged and are lost (counted); with
//    acks=all they were not acknowledged, so the producer is told (Unavailable) instead.
//  - brokers: `replication_factor` brokers, each holding a replica of every partition;
//    partition p is led by broker p % brokers. A crashed broker's partitions are unavailable
//    for `leader_election`, then led by the first live broker of their ISR; with none alive,
//    offline until an in-sync one returns (`restart_time` after a crash), or with
//    `unclean_leader_election` led at once by a live out-of-sync one, which loses what it
//    lacks (messages appended after its crash), acknowledged or not. The brokers are servers
//    of the shared server pool (models/server/pool, its addressed use: slot b =
//    broker b): their crashes, restarts, failures until repair, ready history and billing
//    are the pool's; each is billed for the whole run at the price of `instance_type` (an
//    Amazon MSK broker size such as kafka.m5.large, priced in the scenario's catalogue).
//  - the ISR (Kafka's replica.lag.time.max.ms and min.insync.replicas; sources read: the
//    replication design docs, the broker configuration docs, core/.../server/
//    ReplicaManager.scala and cluster/Partition.scala maybeShrinkIsr): a crashed follower
//    stays in sync for `replica_lag_time_max`, holding the high watermark (acks=all producers
//    and consumers wait), then leaves (Kafka checks every half of that period, so it leaves
//    between 1 and 1.5 times it; we take 1); only partitions with a leader shrink; a
//    returning broker rejoins at once. acks=all writes to a partition
//    whose ISR is below `min_insync_replicas` are refused with cause not_enough_replicas.
//    One appended with enough of them but replicated after the ISR shrank below it stays in
//    the log and its producer is told not_enough_replicas (Kafka's
//    NotEnoughReplicasAfterAppend, Partition.checkEnoughReplicasReachOffset).
//  - the consumer group: the consuming service's ready instances are its members, ordered by
//    instance serial (join order); partitions are assigned by Kafka's range or round-robin
//    assignor (models/queue/assignor.h); members beyond the partitions are idle. A change of
//    ready instances triggers a rebalance: consumption stops for `rebalance_pause`
//    (the eager protocol's stop-the-world); surviving and gracefully leaving members commit
//    first, a crashed member cannot, so its partitions restart from the last commit.
//  - each member processes one message at a time from its partitions (round robin among
//    them): a call to the service on `route` (default: the message's own route). Delivery:
//      at_most_once      the offset is committed before processing: a failure or a crash
//                        loses the message (counted lost);
//      at_least_once     committed after processing, every `commit_interval` (Kafka's
//                        auto-commit; 0 = after each message): a crash re-delivers what was
//                        processed since the last commit (counted duplicates);
//      effectively_once  as at_least_once, but a re-delivered message already processed is
//                        recognised by its idempotency key and skipped (counted
//                        duplicates_suppressed, never processed twice).
//    A re-delivery carries the message unchanged (same id and attempt), so the consumer's
//    keyed draws repeat: a message that fails (a poison message) fails every time.
//    A failed processing is retried in place after `retry_backoff` (the partition waits, as
//    a Kafka consumer that seeks back does) up to `max_retries`, then sent one way to the
//    `dead_letter` queue and skipped.
//  - work_queue mode: one FIFO of messages; every member may hold `prefetch` unacknowledged
//    deliveries (RabbitMQ's basic.qos); an acknowledgement removes the message; a delivery
//    not acknowledged within `visibility_timeout` becomes visible again and is re-delivered
//    (SQS), while the first delivery's work still happens: a duplicate.
//  - publish_mode "outbox" (the transactional outbox with a polling relay): the producer's
//    event is committed with its business write (answered Ok at once, counted produced) and
//    a relay moves the waiting events to their partitions every `outbox.poll_interval`,
//    keeping those whose partition has no leader. "dual_write" (the default) publishes
//    directly: a refused or lost event after the business write is counted events_missing.
//  - `business_write` (the dual-write anomaly, both orders): the queue makes the producer's
//    business write itself (a call), so it sees both halves. write_first: write, then
//    publish; an event refused or lost after the write is a write without event. publish_first:
//    publish, then write once acknowledged; a failed write leaves an event without write. The
//    outbox: the event rides the write's transaction (neither). The producer is answered
//    after both halves.
//  - capacity: at most `capacity` messages held (not yet committed by every group); when
//    full, "drop" refuses (Rejected, counted dropped) and "block" holds the producer until
//    room frees, at most `max_block` (Kafka's producer: send() blocks while buffer.memory is
//    full, up to max.block.ms, then throws a TimeoutException). A one-way publish step asks
//    first (Backpressure, models/contracts/capabilities.h) and, while the topic is full, waits
//    as a call answered once the message is in. A message's end-to-end time starts when it
//    was sent, its wait for room included (the record's timestamp is taken in send()).
//  - consumer lag: Kafka's (kafka-consumer-groups, Burrow, KEDA's Kafka scaler): log end
//    offset minus the group's committed offset, summed over partitions; fetched but
//    uncommitted messages are in it, and counted apart. A work queue's is every message not
//    acknowledged (SQS visible + not visible).
//  - topics: with "topics" the queue is a cluster hosting several topics (one Topic each:
//    partitions, its own consumer group, bound, ledger) on shared brokers; a broker's crash
//    reaches every topic's partitions. A request's `topic` (sim/request.h, set by a publish
//    step's "topic") picks one; without "topics" the queue's own object is its one topic.
//  - groups (Kafka's consumer groups, publish-subscribe): a queue's "groups" each read every
//    message of the topics they subscribe to (several topics: assigned over all of them by
//    the group's assignor, topics in the order of their names), with their own offsets,
//    deliveries and lag; each keyed message's processing order is checked per key.
//  - a drain (Disruptable) is Kafka's controlled shutdown (KafkaController.doControlledShutdown):
//    the broker up the longest moves the leadership of its partitions to another live ISR
//    replica and leaves the ISRs before it stops (no election wait, no ISR hold), then is down
//    for restart_time; the unreplicated tail is cut as after a crash (KAFKA-20554).
//  - faults on the brokers (Degradable): a slowdown stretches `append_time` (the leader's
//    write, 0 by default) and the replication; a full disk (KafkaStorageException) or an
//    error rate fails produce requests; with `memory.limit_mb` a memory leak gets brokers
//    OOM-killed by the pool, which is a crash.
//  - retention (models/queue/retention.h, a topic's "retention"): Kafka's log kept by whole
//    segments for retention.ms / retention.bytes, read or not; a group whose next offset was
//    deleted jumps as its auto_offset_reset says, losing what it jumps over; a group's
//    scheduled "resets" (kafka-consumer-groups --reset-offsets) re-read the retained log
//    (models/queue/replay.cpp). Without "retention" a committed message leaves at once.
// Ledger: produced = consumed + dead_lettered + lost + retained (retained counted at the end
// from the logs and deliveries in flight), reported as figures.
// Simplifications: no bytes or batches on the wire; an append costs a broker `append_time`
// (0 by default) and a fetch nothing (the pool's workers and queue are not used: no broker
// saturates, and its speed is unused); the bound is the broker's, not each producer's
// buffer; no consumer fetch latency beyond the
// link's; members are abstract (a message is processed on whichever instance the service's
// own picker chooses); only crashes take a follower out of sync (no
// slow followers) and catching up takes no time; a partition that stops on a failing
// message blocks only itself.
//
// Files: queue.cpp (the component: brokers on the pool, routing to topics and groups),
// brokers.{h,cpp} (broker fields, the state topics and groups share), log.h (messages,
// partitions, cursors, members), topic.h (one topic: producers and replication; its .cpp
// files by job), group.h (one consumer group: members, deliveries, commits; its .cpp files
// by job), retention.{h,cpp} (a partition's retained log), replay.cpp (a group out of range,
// its resets), assignor.{h,cpp}, partitioner.{h,cpp}.
//
// Cost: messages live in a slot pool (sim/pool.h) and partitions hold their handles in ring
// buffers (sim/ring.h): no allocation per message once the peak is reached. Per event O(1)
// except a member choosing among its partitions (O(partitions of the member)), a rebalance
// (O(instances + partitions)) and the 1 s lag sample (O(partitions)).
#pragma once
#include <memory>

#include "scenario/build.h"
#include "sim/page_section.h"

namespace archsim {
// Registers the "queue" type and its failure cause "not_enough_replicas".
void register_queue(Registry& r);
namespace queue {
// What the page shows of a queue (page.cpp), declared at its end of run.
void declare_page(PageSection& page);
}  // namespace queue
}  // namespace archsim
