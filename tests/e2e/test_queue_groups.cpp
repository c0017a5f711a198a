// Kafka's consumer groups end to end: publish-subscribe fan-out (every group reads every
// message, each at its own pace with its own lag and ledger), a group subscribed to several
// topics assigned as Kafka's assignors document it (RangeAssignor / RoundRobinAssignor
// javadoc: two consumers, topics t0 and t1 of three partitions each), and order per key
// (none lost with one consumer per partition, lost with competing consumers).
#include <doctest/doctest.h>

#include <string>

#include "tests/e2e/queue_checks.h"
#include "tests/e2e/run_archsim.h"

using archsim::e2e::num;
using archsim::e2e::run_summary;
using archsim::e2e::write_scenario;
using nlohmann::json;


TEST_CASE("queue groups: every group reads every message, at its own pace") {
  // 100 events/s to 4 partitions read by shipping (fast) and by an audit group whose one
  // consumer takes 12 ms a message (83/s): both process every message; the audit group's lag
  // grows by about 100 - 83 = 17/s while shipping's stays near zero, and the slow group does
  // not hold the fast one back (each group has its own offsets).
  json doc = json::parse(R"({"name": "fanout", "duration": "60s", "warmup": "0s",
    "components": [
      {"id": "users", "type": "client", "target": "q", "arrivals": {"process": "constant", "rate": 100},
       "routes": [{"name": "e", "keys": {"count": 1000}}]},
      {"id": "q", "type": "queue", "partitions": 4, "replication_factor": 1,
       "consumers": {"service": "shipping", "commit_interval": "0s"},
       "groups": [{"name": "audit", "service": "auditor", "commit_interval": "0s"}]},
      {"id": "shipping", "type": "service", "replicas": 4, "concurrency": 1, "balancer": "least_connections", "service_time": "2ms"},
      {"id": "auditor", "type": "service", "replicas": 1, "concurrency": 1, "service_time": "12ms"}]})");
  json s = run_summary(write_scenario("fanout", doc), {});
  const json& q = s["components"]["q"];
  INFO(q.dump());
  archsim::e2e::check_queue_ledger(q);
  archsim::e2e::check_queue_ledger(q["groups"]["audit"]);
  CHECK(num(s, "components.q.produced") == doctest::Approx(6000).epsilon(0.001));
  CHECK(num(s, "components.q.groups.audit.produced") == num(s, "components.q.produced"));
  // shipping keeps up; audit processes 1000 / 12 = 83.3 a second and lags by the rest.
  CHECK(num(s, "components.q.consumed") > 5990);
  CHECK(num(s, "components.q.groups.audit.consumed") == doctest::Approx(60 * 1000 / 12.0).epsilon(0.01));
  CHECK(num(s, "components.q.groups.audit.consumer_lag") == doctest::Approx(6000 - 60 * 1000 / 12.0).epsilon(0.02));
  CHECK(num(s, "components.q.consumer_lag") < 5);
  CHECK(num(s, "components.q.groups.audit.members") == 1);
  CHECK(num(s, "components.q.groups.audit.key_order_violations") == 0);
}

TEST_CASE("queue groups: a group over two topics is assigned as Kafka's assignors document") {
  // RoundRobinAssignor's javadoc: C0 [t0p0, t0p2, t1p1], C1 [t0p1, t1p0, t1p2];
  // RangeAssignor's: C0 [t0p0, t0p1, t1p0, t1p1], C1 [t0p2, t1p2].
  json doc = json::parse(R"({"name": "multi", "duration": "20s", "warmup": "0s",
    "components": [
      {"id": "users", "type": "client", "target": "api", "arrivals": {"rate": 50}},
      {"id": "api", "type": "service", "replicas": 1, "concurrency": 8,
       "routes": {"*": [{"publish": "q", "topic": "t1"}, {"publish": "q", "topic": "t0"}]}},
      {"id": "q", "type": "queue", "replication_factor": 1,
       "topics": [{"name": "t1", "partitions": 3, "keyless": "round_robin"}, {"name": "t0", "partitions": 3, "keyless": "round_robin"}],
       "groups": [{"name": "both", "service": "worker", "topics": ["t1", "t0"], "assignor": "round_robin", "commit_interval": "0s"}]},
      {"id": "worker", "type": "service", "replicas": 2, "concurrency": 1, "balancer": "least_connections",
       "service_time": "1ms"}]})");
  json rr = run_summary(write_scenario("multi-rr", doc), {});
  INFO(rr["components"]["q"].dump());
  CHECK(rr["components"]["q"]["groups"]["both"]["assignment"] == "t0-0 t0-2 t1-1 | t0-1 t1-0 t1-2");
  archsim::e2e::check_queue_ledger(rr["components"]["q"]["groups"]["both"]);
  // Every message of both topics, read by the one group.
  CHECK(num(rr, "components.q.groups.both.produced") == num(rr, "components.q.topics.t0.produced") +
                                                           num(rr, "components.q.topics.t1.produced"));
  json range = run_summary(write_scenario("multi-range", doc), {"--set", "q.groups.0.assignor=range"});
  CHECK(range["components"]["q"]["groups"]["both"]["assignment"] == "t0-0 t0-1 t1-0 t1-1 | t0-2 t1-2");
}

TEST_CASE("queue groups: order per key holds with a consumer per partition, not with competing consumers") {
  // Keyed events: the partitioner sends a key to one partition and one member reads it one
  // message at a time, so no key is ever processed out of order. A work queue with four
  // competing consumers (exponential work) lets messages of one key overtake each other.
  json doc = json::parse(R"({"name": "keys", "duration": "60s", "warmup": "0s",
    "components": [
      {"id": "users", "type": "client", "target": "q", "arrivals": {"rate": 200},
       "routes": [{"name": "e", "keys": {"count": 20}}]},
      {"id": "q", "type": "queue", "partitions": 4, "replication_factor": 1,
       "consumers": {"service": "worker", "commit_interval": "0s"}},
      {"id": "worker", "type": "service", "replicas": 4, "concurrency": 1, "balancer": "least_connections",
       "service_time": {"dist": "exponential", "mean": "10ms"}}]})");
  json log = run_summary(write_scenario("keys-log", doc), {});
  CHECK(num(log, "components.q.key_order_violations") == 0);
  CHECK(num(log, "components.q.consumed") > 11000);
  json work = run_summary(write_scenario("keys-work", doc), {"--set", "q.mode=work_queue", "--set", "q.partitions=1"});
  INFO(work["components"]["q"].dump());
  CHECK(num(work, "components.q.key_order_violations") > 100);
  // One competing consumer with a prefetch of 1 is a FIFO again.
  json one = run_summary(write_scenario("keys-one", doc), {"--set", "q.mode=work_queue", "--set", "q.partitions=1",
                                                          "--set", "worker.replicas=1", "--set", "users.arrivals.rate=50"});
  CHECK(num(one, "components.q.key_order_violations") == 0);
}

TEST_CASE("queue groups: bad input is exit 2 at the JSON location") {
  const std::string topics = archsim::e2e::source_path("scenarios/queues/topics.json");
  const std::string one = archsim::e2e::source_path("scenarios/queues/consumer-lag.json");
  struct Case {
    std::string file, set, pointer, word;
  };
  const Case cases[] = {
      {one, R"(jobs.groups=[{"service": "worker"}])", "/components/2/groups/0/name", "required"},
      {one, R"(jobs.groups=[{"name": "a", "service": "worker"}, {"name": "a", "service": "worker"}])",
       "/components/2/groups/1/name", "duplicate"},
      {one, R"(jobs.groups=[{"name": "a.b", "service": "worker"}])", "/components/2/groups/0/name", "'.'"},
      {one, R"(jobs.groups=[{"name": "a"}])", "/components/2/groups/0/service", "required"},
      {one, R"(jobs.groups=[{"name": "a", "service": "worker", "topics": ["x"]}])", "/components/2/groups/0/topics", "one topic"},
      {one, R"(jobs.groups=[])", "/components/2/groups", "non-empty"},
      {one, R"(jobs.groups=[{"name": "a", "service": "worker", "sevice": 1}])", "/components/2/groups/0/sevice", "unknown field"},
      {one, R"(jobs.groups=[{"name": "a", "service": "nobody"}])", "/components/2/groups/0/service", "nobody"},
      {topics, R"(events.groups=[{"name": "a", "service": "shipping"}])", "/components/2/groups/0/topics", "required"},
      {topics, R"(events.groups=[{"name": "a", "service": "shipping", "topics": ["order"]}])",
       "/components/2/groups/0/topics/0", "orders"},
      {topics, R"(events.groups=[{"name": "a", "service": "shipping", "topics": ["orders", "orders"]}])",
       "/components/2/groups/0/topics/1", "twice"},
      {topics, R"(events.groups=[{"name": "a", "service": "shipping", "topics": []}])", "/components/2/groups/0/topics",
       "non-empty"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.set);
    archsim::e2e::check_refused(c.file, {c.set}, c.pointer, c.word);
  }
}
