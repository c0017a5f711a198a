// Queue: reading the brokers' fields (models/queue/brokers.h).
#include "models/queue/brokers.h"

#include <string>

namespace archsim::queue {

BrokerSpec read_broker_spec(Params& p) {
  BrokerSpec s;
  s.brokers = static_cast<std::uint32_t>(p.integer("replication_factor", 1, 1, 32));
  const Params::Value a = p.value("acks");
  std::string acks = a.shape() == Params::Shape::absent ? "1"
                     : a.as_integer()                   ? std::to_string(*a.as_integer())
                                                        : a.as_string().value_or("?");
  if (acks == "0") s.acks = Acks::None;
  else if (acks == "1") s.acks = Acks::Leader;
  else if (acks == "all" || acks == "-1") s.acks = Acks::All;
  else p.fail("acks", "expected \"0\", \"1\" or \"all\" (Kafka's producer acks)");
  s.replication = p.distribution("replication_latency", Distribution::constant(from_seconds(0.001)));
  s.election = p.duration("leader_election", from_seconds(5));
  s.restart = p.duration("restart_time", from_seconds(60));
  // The ISR (Kafka's replica.lag.time.max.ms, min.insync.replicas, unclean.leader.election.enable).
  s.min_isr = static_cast<std::uint32_t>(p.integer("min_insync_replicas", 1, 1, 32));
  if (s.min_isr > s.brokers)
    p.fail("min_insync_replicas", "cannot exceed replication_factor (" + std::to_string(s.brokers) + ")");
  s.lag_max = p.duration("replica_lag_time_max", from_seconds(30), 1);
  s.unclean = p.boolean("unclean_leader_election", false);
  // The leader's write of a produce request before it answers acks=1 (and before followers
  // fetch it): 0 by default, an append costing no time.
  s.append = p.distribution("append_time", Distribution::constant(0));
  // A broker's memory (its JVM heap and buffers): with a limit, a memory_leak fault can get a
  // broker OOM-killed (it restarts as after a crash, with the kubelet's back-off).
  if (auto m = p.object_opt("memory")) {
    s.memory_limit_mb = m->require_number("limit_mb", 0.0, 1e9);
    s.memory_base_mb = m->number("base_mb", 0.0, 0.0, 1e9);
    if (!(s.memory_limit_mb > 0)) m->fail("limit_mb", "must be positive: the heap a broker is OOM-killed above");
    if (s.memory_base_mb >= s.memory_limit_mb) m->fail("base_mb", "must be below limit_mb (a broker would be killed at start)");
  }
  return s;
}

}  // namespace archsim::queue
