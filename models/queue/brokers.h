// Queue: the brokers' settings and the broker state every topic of a queue shares
// (models/queue/queue.h states the model). The brokers themselves are servers of the shared
// server pool (queue.cpp: slot b = broker b); what a topic needs of them is here: which are
// down, when a crashed one leaves the ISRs, and the append order it had when it crashed.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "models/queue/log.h"
#include "sim/distribution.h"
#include "scenario/params.h"
#include "sim/pool.h"

namespace archsim::queue {

// The queue's broker-level fields (Kafka's cluster and producer settings), read once.
struct BrokerSpec {
  std::uint32_t brokers = 1;       // replication_factor: every broker holds a replica of every partition
  Acks acks = Acks::Leader;
  Distribution replication;        // replication_latency
  Time election = 0;               // leader_election
  Time restart = 0;                // restart_time: a crashed broker returns after it
  std::uint32_t min_isr = 1;       // min_insync_replicas
  Time lag_max = 0;                // replica_lag_time_max
  bool unclean = false;            // unclean_leader_election
  Distribution append;             // append_time: the leader's write of a produce request (0 by default)
  double memory_limit_mb = 0, memory_base_mb = 0;  // memory: a broker's heap, OOM-killed past the limit
};
// Reads them from the queue's object `p` (bad input: Params::fail at the field).
BrokerSpec read_broker_spec(Params& p);

class Topic;
class Group;
}  // namespace archsim::queue
namespace archsim {
class ServerPool;
}
namespace archsim::queue {

// What the topics and groups of one queue share: the brokers' state (every topic's partitions
// are led and followed by them, so a broker's crash reaches them all), the append order (a
// broker's crash_seq compares messages of any topic), the message pool (a reply's token names
// a message, whose `topic` and `group` say whose it is), and the topics and groups by index.
struct Brokers {
  std::uint32_t count = 1;
  std::uint32_t dead_mask = 0;            // a bit per broker not serving (crashed, failed, restarting)
  std::vector<Time> shrink_at;            // per broker: when a crashed one leaves the ISRs
  std::vector<std::uint64_t> crash_seq;   // per broker: append order it had when it crashed
  std::vector<std::uint64_t> crash_gen;   // per broker: crashes so far (stale shrink timers)
  std::uint64_t seq = 0, crashes = 0;
  std::uint64_t controlled_shutdowns = 0;  // brokers stopped by a drain (Kafka's controlled shutdown)
  std::uint32_t stopping = ~0u;            // the broker a drain is stopping, while it goes down
  Pool<Msg> msgs;
  std::vector<Topic*> topics;            // by topic index
  std::vector<std::string> topic_names;  // by topic index ("" for the one-topic shorthand)
  std::vector<Group*> groups;            // by group index
  // Faults on the brokers (the queue's Degradable): appends and replication take `slowdown`
  // times longer; with `disk_full` every produce request fails; `error_rate` of them fail.
  double slowdown = 1, error_rate = 0;
  bool disk_full = false;
  ServerPool* pool = nullptr;  // the brokers (slot b = broker b): a leader's append counts as served
  bool alive(std::uint32_t b) const { return !(dead_mask & (1u << b)); }
};

}  // namespace archsim::queue
