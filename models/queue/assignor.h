// Partition assignment of a consumer group, as Kafka's client-side assignors compute it
// (read: clients/src/main/java/org/apache/kafka/clients/consumer/RangeAssignor.java and
// RoundRobinAssignor.java, and their javadoc examples).
//
//  range        per topic: partitions in numeric order, members in sorted order; each member
//               gets partitions/members consecutive partitions, the first partitions%members
//               members one more.
//  round_robin  every topic-partition of every topic, topics sorted then partitions in order,
//               dealt to the sorted members in a circle.
// Members are given already sorted (the queue names them by instance serial, which sorts as
// Kafka's member ids sort: by join order). Every member subscribes to every topic (the
// queue's group reads one topic; the tests use several to match the javadoc examples).
// A member with nothing assigned is idle: at most one member reads a partition.
//
// Cost: O(members + partitions) per assignment; `out` is reused (cleared, not freed).
#pragma once
#include <cstdint>
#include <vector>

namespace archsim::queue {

enum class Assignor : std::uint8_t { Range, RoundRobin };

struct TopicPartition {
  std::uint32_t topic = 0, partition = 0;
  bool operator==(const TopicPartition&) const = default;
};

// `partitions_per_topic[t]` partitions in topic t; `members` consumers. out[m] receives the
// topic-partitions of member m, in the order the assignor lists them.
void assign(Assignor a, const std::vector<std::uint32_t>& partitions_per_topic, std::uint32_t members,
            std::vector<std::vector<TopicPartition>>& out);

}  // namespace archsim::queue
