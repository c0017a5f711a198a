// Queue: what a topic's log holds (models/queue/queue.h states the model): messages,
// partitions, consumer-group members, and a topic's ledger at the end. Plain data, shared by
// the topic's files (topic.h) and the queue component (queue.cpp).
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

struct Msg {
  RequestInfo req;
  Time published = 0, replicated = 0;
  Time waiting_since = 0;       // visible to consumers since (appended, or back from a failed processing): traces
  CallId producer = kNoHandle;  // acks=all: the call answered once replicated
  std::uint64_t seq = 0;        // append order over the whole queue
  std::uint64_t offset = 0;
  std::uint64_t member = 0;     // serial of the member processing it
  std::uint32_t partition = 0;
  std::uint16_t attempts = 0;   // failed processings
  std::uint16_t topic = 0;      // index of its topic in the queue
  bool counted = false;         // in `produced`
  bool settled = false;         // consumed, dead-lettered or lost (once)
  bool truncated = false;       // cut from the log by a leader's crash
  bool in_log = false, inflight = false;
  std::uint32_t inflight_at = 0;  // index in Topic::inflight_ while inflight
  // A record of the business write in flight for `producer` (never in a log): before the
  // event is published (write first, outbox) or after its ack (publish first).
  enum class Write : std::uint8_t { None, Before, After } write = Write::None;
};

struct Partition {
  Ring<Handle> log;                // messages from offset `committed` on
  std::uint64_t committed = 0;     // the group's committed offset = offset of log.front()
  std::uint64_t position = 0;      // next offset to deliver
  std::uint64_t done = 0;          // offsets below were processed (or skipped), in order
  std::uint64_t last_seq = 0;      // seq of the last message processed first-time (order check)
  Time last_replicated = 0;        // replication is in order: the high watermark only grows
  Time blocked_until = 0;          // retry back-off
  Time elected_at = 0;             // a leader election in progress ends then
  Time offline_since = 0;          // when it last lost its leader (while !available)
  std::uint32_t leader = 0, last_leader = 0;
  std::uint32_t isr = 0;           // in-sync replicas, a bit per broker (the leader's included)
  std::int32_t owner = -1;         // member index
  bool available = true, busy = false;
  std::uint64_t end() const { return committed + log.size(); }
};

struct Member {
  std::uint64_t serial = 0;
  std::vector<std::uint32_t> parts;
  std::uint32_t rr = 0;
  std::uint32_t inflight = 0;
};

// A topic's ledger at the end, for the queue's totals.
struct TopicLedger {
  std::uint64_t produced = 0, consumed = 0, dead_lettered = 0, lost = 0, retained = 0, duplicates = 0, order_violations = 0;
  double lag = 0, consumed_total = 0;
};

}  // namespace archsim::queue
