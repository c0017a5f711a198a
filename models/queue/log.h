// Queue: what a queue's logs hold (models/queue/queue.h states the model): messages, the
// partitions as the brokers hold them, a consumer group's cursor on each partition it reads,
// the group's members, and a group's ledger at the end. Plain data, shared by the topics
// (topic.h), the consumer groups (group.h) and the queue component (queue.cpp).
#pragma once
#include <cstdint>
#include <vector>

#include "sim/component.h"
#include "sim/pool.h"
#include "sim/request.h"
#include "sim/ring.h"
#include "sim/time.h"

namespace archsim::queue {

enum class Acks : std::uint8_t { None, Leader, All };
enum class Delivery : std::uint8_t { AtMostOnce, AtLeastOnce, EffectivelyOnce };
constexpr std::uint32_t kNoBroker = UINT32_MAX;

// One message as one consumer group sees it. The first group subscribed to its topic holds
// the message itself; every other one holds a copy (`origin` names the message), so that
// each group keeps its own delivery state (settled, attempts, member) as a Kafka consumer
// group keeps its own offsets on a log they share. The message outlives its copies: it is
// freed once its own group and every copy are done with it (`copies`, `released`).
struct Msg {
  RequestInfo req;
  Time published = 0, replicated = 0;
  Time waiting_since = 0;       // visible to consumers since (appended, or back from a failed processing): traces
  CallId producer = kNoHandle;  // the call answered once the message is acknowledged (acks=all, or a slow append)
  std::uint64_t seq = 0;        // append order over the whole queue
  std::uint64_t offset = 0;
  std::uint64_t member = 0;     // serial of the member processing it
  Handle origin = kNoHandle;    // a copy: the message it copies
  std::uint32_t copies = 0;     // the message: copies of it still held by other groups
  std::uint32_t partition = 0;
  std::uint16_t attempts = 0;   // failed processings
  std::uint16_t topic = 0;      // index of its topic in the queue
  std::uint16_t group = 0;      // index of the group holding it in the queue
  bool counted = false;         // in `produced` (the message's; a copy reads its origin's: counted())
  bool settled = false;         // consumed, dead-lettered or lost (once)
  // Whether its group will not deliver it (try_deliver passes over it): kCut, cut from the
  // broker's log by a leader's crash; kSkipped, passed over by this group only (deleted by
  // retention before the group read it, or a reset moved the group past it). One byte, so
  // that delivery tests both at the cost it tested one.
  enum Gone : std::uint8_t { kCut = 1, kSkipped = 2 };
  std::uint8_t gone = 0;
  bool in_log = false, inflight = false;
  bool released = false;        // the message: its own group is done, copies are not
  std::uint32_t inflight_at = 0;  // index in Group::inflight_ while inflight
  // A record of the business write in flight for `producer` (never in a log): before the
  // event is published (write first, outbox) or after its ack (publish first).
  enum class Write : std::uint8_t { None, Before, After } write = Write::None;
};

// Whether `m` counts in its topic's `produced` (a copy follows the message it copies, which
// outlives it).
inline bool counted(const Pool<Msg>& msgs, const Msg& m) {
  return m.origin == kNoHandle ? m.counted : msgs[m.origin].counted;
}

// A partition as the brokers hold it: its leader, its in-sync replicas, the high watermark.
struct PartitionState {
  Time last_replicated = 0;        // replication is in order: the high watermark only grows
  Time elected_at = 0;             // a leader election in progress ends then
  Time offline_since = 0;          // when it last lost its leader (while !available)
  std::uint32_t leader = 0, last_leader = 0;
  std::uint32_t isr = 0;           // in-sync replicas, a bit per broker (the leader's included)
  bool available = true;
};

// A consumer group's cursor on one partition: the group's view of the log from its committed
// offset on, where it reads, and who reads it. A topic without any group keeps its messages in
// a group without consumers (nobody reads them).
struct Cursor {
  Ring<Handle> log;                // messages from offset `committed` on
  std::uint64_t committed = 0;     // the group's committed offset = offset of log.front()
  std::uint64_t position = 0;      // next offset to deliver
  std::uint64_t done = 0;          // offsets below were processed (or skipped), in order
  std::uint64_t last_seq = 0;      // seq of the last message processed first-time (order check)
  Time blocked_until = 0;          // retry back-off
  std::int32_t owner = -1;         // member index
  bool busy = false;
  std::uint16_t topic = 0;         // the partition's topic (queue index) ...
  std::uint32_t partition = 0;     // ... and number
  const PartitionState* state = nullptr;  // the brokers' side of it (the topic's, stable)
  std::uint64_t end() const { return committed + log.size(); }
};

struct Member {
  std::uint64_t serial = 0;
  std::vector<std::uint32_t> parts;  // cursor indices
  std::uint32_t rr = 0;
  std::uint32_t inflight = 0;
};

// A group's ledger at the end, for the queue's totals.
struct GroupLedger {
  std::uint64_t produced = 0, consumed = 0, dead_lettered = 0, lost = 0, retained = 0, duplicates = 0, order_violations = 0;
  std::uint64_t key_order_violations = 0;
  double lag = 0, consumed_total = 0;
};

}  // namespace archsim::queue
