// Several topics on one queue (a Kafka cluster hosting topics): publish steps naming a topic,
// per-topic figures and ledgers, a broker's crash reaching every topic's partitions it led,
// the one-topic shorthand equal to one explicit topic, and bad input.
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/e2e/queue_checks.h"
#include "tests/e2e/run_archsim.h"

using archsim::e2e::describe;
using archsim::e2e::num;
using archsim::e2e::run_archsim;
using archsim::e2e::run_summary;
using archsim::e2e::write_scenario;
using nlohmann::json;

namespace {

std::string scenario(const std::string& file) { return archsim::e2e::source_path("scenarios/queues/" + file); }

using archsim::e2e::check_queue_ledger;

}  // namespace

TEST_CASE("queue topics: each topic's own figures; a broker's crash reaches every topic's partitions it led") {
  // topics.json: 3 brokers; orders has 6 partitions, clicks 3; topic t's partition i is led by
  // broker (i + t) mod 3. Broker 0 crashes at 60 s: it led orders p0 and p3 and clicks p2, so
  // orders has 2 elections and clicks 1, each partition 5 s without a leader.
  json s = run_summary(scenario("topics.json"), {});
  const json& q = s["components"]["events"];
  const json& orders = q["topics"]["orders"];
  const json& clicks = q["topics"]["clicks"];
  CHECK(num(orders, "leader_elections") == 2);
  CHECK(num(clicks, "leader_elections") == 1);
  CHECK(num(orders, "partition_offline_s") == doctest::Approx(10).epsilon(0.001));
  CHECK(num(clicks, "partition_offline_s") == doctest::Approx(5).epsilon(0.001));
  // Keyed writes to a partition without a leader are refused: orders (100/s over 6
  // partitions) 2 of them for 5 s, about 167; clicks (200/s over 3) 1 for 5 s, about 333.
  // Keys spread over partitions by murmur2, not exactly evenly: within 20%.
  CHECK(num(orders, "refused") == doctest::Approx(167).epsilon(0.2));
  CHECK(num(clicks, "refused") == doctest::Approx(333).epsilon(0.2));
  CHECK(num(q, "broker_crashes") == 1);
  // It also leaves the ISR of every partition it followed, in both topics, 9 s after its crash
  // (replica_lag_time_max): orders' other 4 partitions, clicks' other 2.
  CHECK(num(orders, "isr_shrinks") == 4);
  CHECK(num(clicks, "isr_shrinks") == 2);
  // Each topic is read by its own group: 6 shipping members, 3 analytics members.
  CHECK(num(orders, "members") == 6);
  CHECK(num(clicks, "members") == 3);
  // About 100 orders and 200 clicks per second (the api's two routes, weights 1 and 2).
  CHECK(num(orders, "produced") == doctest::Approx(18000).epsilon(0.03));
  CHECK(num(clicks, "produced") == doctest::Approx(36000).epsilon(0.03));
  check_queue_ledger(orders);
  check_queue_ledger(clicks);
  check_queue_ledger(q);
  CHECK(num(q, "produced") == num(orders, "produced") + num(clicks, "produced"));
  CHECK(num(q, "consumed") == num(orders, "consumed") + num(clicks, "consumed"));
  // Each topic's series: its lag in timeseries.csv under its own name.
  const std::string out = archsim::e2e::scratch_dir("topics-run");
  auto r = run_archsim({"run", scenario("topics.json"), "--quiet", "--no-report", "--out", out});
  REQUIRE(r.exit_code == 0);
  std::ifstream in(out + "/timeseries.csv");
  std::stringstream all;
  all << in.rdbuf();
  CHECK(all.str().find("events,topics.orders.consumer_lag,") != std::string::npos);
  CHECK(all.str().find("events,topics.clicks.consumer_lag,") != std::string::npos);
  // The terminal table gives each topic's ledger line.
  CHECK(r.out.find("events.topics.orders:") != std::string::npos);
}

TEST_CASE("queue topics: the one-topic shorthand and one explicit topic give the same run") {
  json doc = json::parse(R"({
    "name": "one", "seed": 3, "duration": "60s", "warmup": "0s",
    "components": [
      {"id": "users", "type": "client", "target": "api", "arrivals": {"rate": 150}, "routes": [{"name": "e", "keys": {"count": 1000}}]},
      {"id": "api", "type": "service", "replicas": 2, "concurrency": 8,
       "routes": {"e": [{"work": {"dist": "exponential", "mean": "2ms"}}, {"publish": "q", "ack": true}]}},
      {"id": "q", "type": "queue", "partitions": 4, "replication_factor": 2, "acks": "all",
       "consumers": {"service": "worker", "commit_interval": "2s"}},
      {"id": "worker", "type": "service", "replicas": 4, "concurrency": 1, "balancer": "least_connections",
       "service_time": {"dist": "exponential", "mean": "10ms"}}],
    "faults": [{"at": "20s", "kind": "crash", "target": "q", "instances": 1}]
  })");
  json one = run_summary(write_scenario("topics-shorthand", doc), {});
  json q = doc["components"][2];
  doc["components"][2] = json{{"id", "q"}, {"type", "queue"}, {"replication_factor", 2}, {"acks", "all"},
                              {"topics", json::array({json{{"name", "only"}, {"partitions", 4}, {"consumers", q["consumers"]}}})}};
  doc["components"][1]["routes"]["e"][1]["topic"] = "only";
  json explicit_topic = run_summary(write_scenario("topics-explicit", doc), {});
  const json& a = one["components"]["q"];
  const json& b = explicit_topic["components"]["q"]["topics"]["only"];
  for (const char* k : {"produced", "consumed", "lost", "retained", "refused", "aborted", "leader_elections", "isr_shrinks"}) {
    INFO(k);
    CHECK(num(a, k) == num(b, k));
  }
  CHECK(num(a, "end_to_end_ms.p99") == num(b, "end_to_end_ms.p99"));
  CHECK(num(a, "produced") > 8000);
  CHECK(num(a, "leader_elections") > 0);
}

TEST_CASE("queue topics: forty topics, the last one's timers past the component's first 256 tags, all fire") {
  // Each topic's timers are a block of the queue's own tags (sim/continuation.h); 40 topics
  // need 280 tags after the pool's 32 and the ISR's one, so their block comes from the high
  // region. Only the last topic has traffic: its acks (acks=all), consumer wake-ups and
  // the group's forming are all timers, and a misrouted one would leave a producer unanswered (the
  // client's requests time out), a message unconsumed, or no commit.
  json doc = json::parse(R"({
    "name": "forty", "seed": 5, "duration": "60s", "warmup": "0s",
    "components": [
      {"id": "users", "type": "client", "target": "api", "arrivals": {"rate": 150}, "timeout": "2s",
       "routes": [{"name": "e", "keys": {"count": 1000}}]},
      {"id": "api", "type": "service", "replicas": 2, "concurrency": 8,
       "routes": {"e": [{"work": {"dist": "exponential", "mean": "2ms"}}, {"publish": "q", "topic": "t39", "ack": true}]}},
      {"id": "q", "type": "queue", "replication_factor": 2, "acks": "all", "topics": []},
      {"id": "worker", "type": "service", "replicas": 4, "concurrency": 1,
       "service_time": {"dist": "exponential", "mean": "10ms"}}]
  })");
  for (int t = 0; t < 40; ++t) {
    json topic{{"name", "t" + std::to_string(t)}, {"partitions", 4}};
    if (t == 39) topic["consumers"] = json{{"service", "worker"}, {"commit_interval", "2s"}};
    doc["components"][2]["topics"].push_back(topic);
  }
  json s = run_summary(write_scenario("topics-forty", doc), {});
  const json& a = s["components"]["q"]["topics"]["t39"];
  // 150 requests/s for 60 s, each a publish: 9,000 (Poisson: within 3%), every one answered.
  CHECK(num(a, "produced") == doctest::Approx(9000).epsilon(0.03));
  CHECK(num(s["components"]["users"], "failed") == 0);
  // The group (4 workers at 10 ms, 38% busy) keeps up: all but the last moments' consumed.
  CHECK(num(a, "consumed") >= 0.99 * num(a, "produced"));
  CHECK(num(a, "members") == 4);  // the group formed (the topic's resume timer)
  check_queue_ledger(a);
  for (int t = 0; t < 39; ++t) CHECK(num(s["components"]["q"]["topics"]["t" + std::to_string(t)], "produced") == 0);
}

TEST_CASE("queue topics: bad input exits 2 at the JSON location") {
  struct Case {
    std::vector<std::string> sets;
    std::string pointer, word;
  };
  std::vector<Case> cases = {
      {{"api.routes.order.1.topic=\"ordres\""}, "/components/1/routes/order/1/topic", "did you mean"},
      {{"events.topics.1.name=\"orders\""}, "/components/2/topics/1/name", "duplicate"},
      {{"events.consumers={\"service\":\"shipping\"}"}, "/components/2/consumers", "belongs to a topic"},
      {{"events.partitions=3"}, "/components/2/partitions", "topic"},
      {{"events.topics=[]"}, "/components/2/topics", "non-empty"},
      {{"events.topics.0.consumers={\"delivery\":\"at_most_once\"}"}, "/components/2/topics/0/consumers", "service"},
      {{"events.topics.1.partitions=0"}, "/components/2/topics/1/partitions", "between 1"},
  };
  for (const Case& c : cases) {
    std::vector<std::string> args{"run", scenario("topics.json"), "--quiet", "--out", archsim::e2e::scratch_dir("topics-bad")};
    for (const auto& s : c.sets) args.insert(args.end(), {"--set", s});
    auto r = run_archsim(args);
    INFO(c.sets[0] << "\n" << r.err);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("topics.json") != std::string::npos);
    CHECK(r.err.find(c.pointer) != std::string::npos);
    CHECK(r.err.find(c.word) != std::string::npos);
  }
  // A topic named on a publish to a queue without topics.
  auto r = run_archsim({"run", archsim::e2e::source_path("scenarios/queues/order-events.json"), "--quiet", "--set",
                        "api.routes.order.1.topic=\"x\"", "--out", archsim::e2e::scratch_dir("topics-bad")});
  INFO(r.err);
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("/components/1/routes/order/1/topic") != std::string::npos);
  CHECK(r.err.find("no \"topics\"") != std::string::npos);
}
