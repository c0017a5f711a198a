// Kafka's partition assignors on the examples of their own javadoc
// (clients/src/main/java/org/apache/kafka/clients/consumer/RangeAssignor.java and
// RoundRobinAssignor.java), and the rule that extra members stay idle.
#include <doctest/doctest.h>

#include <vector>

#include "models/queue/assignor.h"

using archsim::queue::assign;
using archsim::queue::Assignor;
using archsim::queue::TopicPartition;
using Assignment = std::vector<std::vector<TopicPartition>>;

TEST_CASE("queue assignor: RangeAssignor javadoc example (C0, C1; t0 and t1 with 3 partitions)") {
  Assignment out;
  assign(Assignor::Range, {3, 3}, 2, out);
  // C0: [t0p0, t0p1, t1p0, t1p1], C1: [t0p2, t1p2]
  CHECK(out[0] == std::vector<TopicPartition>{{0, 0}, {0, 1}, {1, 0}, {1, 1}});
  CHECK(out[1] == std::vector<TopicPartition>{{0, 2}, {1, 2}});
}

TEST_CASE("queue assignor: RoundRobinAssignor javadoc example (C0, C1; t0 and t1 with 3 partitions)") {
  Assignment out;
  assign(Assignor::RoundRobin, {3, 3}, 2, out);
  // C0: [t0p0, t0p2, t1p1], C1: [t0p1, t1p0, t1p2]
  CHECK(out[0] == std::vector<TopicPartition>{{0, 0}, {0, 2}, {1, 1}});
  CHECK(out[1] == std::vector<TopicPartition>{{0, 1}, {1, 0}, {1, 2}});
}

TEST_CASE("queue assignor: range gives the first partitions%members members one more") {
  Assignment out;
  assign(Assignor::Range, {7}, 3, out);  // 7 = 3 + 2 + 2
  CHECK(out[0] == std::vector<TopicPartition>{{0, 0}, {0, 1}, {0, 2}});
  CHECK(out[1] == std::vector<TopicPartition>{{0, 3}, {0, 4}});
  CHECK(out[2] == std::vector<TopicPartition>{{0, 5}, {0, 6}});
}

TEST_CASE("queue assignor: N members > partitions leave N - partitions idle, each partition read once") {
  for (Assignor a : {Assignor::Range, Assignor::RoundRobin}) {
    Assignment out;
    assign(a, {4}, 7, out);
    int idle = 0;
    std::vector<int> readers(4, 0);
    for (const auto& m : out) {
      if (m.empty()) ++idle;
      CHECK(m.size() <= 1);
      for (const auto& tp : m) ++readers[tp.partition];
    }
    CHECK(idle == 3);
    for (int r : readers) CHECK(r == 1);
  }
}
