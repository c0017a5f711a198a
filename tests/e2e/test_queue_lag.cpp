// Kafka's consumer lag and its producer's backpressure, end to end:
//  - consumer_lag is the log end offset minus the committed offset (what kafka-consumer-groups,
//    Burrow and KEDA's Kafka scaler read): with auto-commit every T at a rate r and fast
//    consumers it saws from 0 to r T, r T / 2 on average;
//  - an autoscaler on "<queue>.consumer_lag" asks, at its sync, for ceil(lag / target) as
//    KEDA's Kafka scaler does;
//  - a full queue that blocks holds the producer, one-way publishes included, as Kafka's
//    send() blocks up to max.block.ms; what gets in is what the consumers take out
//    (conservation), the rest fails after max_block;
//  - the commit interval and the visibility timeout have the real systems' minimum.
#include <doctest/doctest.h>

#include <string>

#include "tests/e2e/queue_checks.h"
#include "tests/e2e/run_archsim.h"

using archsim::e2e::num;
using archsim::e2e::run_archsim;
using archsim::e2e::run_summary;
using archsim::e2e::write_scenario;
using nlohmann::json;

TEST_CASE("queue lag: Kafka's lag counts what was processed but not yet committed") {
  // 80 messages/s evenly spaced, one partition, a consumer taking 1 ms: the lag of messages
  // not yet fetched is about 0, but with auto-commit every 5 s the committed offset trails the
  // log end by up to 400 messages, 200 on average (Kafka shows that; the old count showed 0.1).
  json doc = json::parse(R"({"name": "lag80", "duration": "200s", "warmup": "10s",
    "components": [
      {"id": "users", "type": "client", "target": "q", "arrivals": {"process": "constant", "rate": 80}},
      {"id": "q", "type": "queue", "partitions": 1, "replication_factor": 1,
       "consumers": {"service": "worker", "commit_interval": "5s"}},
      {"id": "worker", "type": "service", "replicas": 1, "concurrency": 1, "service_time": "1ms"}]})");
  json s = run_summary(write_scenario("lag80", doc), {});
  INFO(s["components"]["q"].dump());
  CHECK(num(s, "components.q.consumer_lag_mean") == doctest::Approx(80 * 5 / 2.0).epsilon(0.02));
  // Nearly all of it fetched and processed, waiting for the commit.
  CHECK(num(s, "components.q.consumer_uncommitted_mean") == doctest::Approx(200).epsilon(0.02));
  archsim::e2e::check_queue_ledger(s["components"]["q"]);
  // Committing after every message, the lag is what waits and what is in process: M/D/1 at
  // rho = 0.08 with constant arrivals holds about rho.
  json each = run_summary(write_scenario("lag80-each", doc), {"--set", "q.consumers.commit_interval=0s"});
  CHECK(num(each, "components.q.consumer_lag_mean") < 0.2);
}

TEST_CASE("queue lag: an autoscaler on consumer_lag asks for ceil(lag / target) at its sync, as KEDA does") {
  // Commits every 4 s; at the first sync (15 s) the log holds the 240 messages of (12 s, 15 s]
  // past the last commit: ceil(240 / 50) = 5 consumers. An autoscaler that read only the
  // messages not yet fetched would see about 0 and stay at 1.
  json doc = json::parse(R"({"name": "keda", "duration": "50s", "warmup": "0s",
    "components": [
      {"id": "users", "type": "client", "target": "q", "arrivals": {"process": "constant", "rate": 80}},
      {"id": "q", "type": "queue", "partitions": 12, "replication_factor": 1, "keyless": "round_robin",
       "consumers": {"service": "worker", "commit_interval": "4s"}},
      {"id": "worker", "type": "service", "replicas": 1, "concurrency": 1, "service_time": "1ms"},
      {"id": "hpa", "type": "autoscaler", "target": "worker", "min_replicas": 1, "max_replicas": 12,
       "metrics": [{"type": "q.consumer_lag", "target": 50}],
       "behavior": {"scale_up": {"policies": [{"type": "pods", "value": 100, "period": "15s"}]}}}]})");
  json s = run_summary(write_scenario("keda", doc), {});
  CHECK(num(s, "components.hpa.peak_desired_replicas") == 5);
  CHECK(num(s, "components.hpa.scale_ups") >= 1);
}

TEST_CASE("queue block: a one-way publish into a full queue waits, up to max_block, as Kafka's send() does") {
  // 200 publishes/s into a queue of 100 messages whose one consumer takes 10 ms (100/s). The
  // publishing requests wait for room in arrival order: what gets in is what the consumer
  // takes out (conservation at the bound: 100/s), so half of them give up after max_block
  // (2 s, their publish failing with timeout, their request with error) and those that get in
  // waited just under 2 s.
  // A message's end-to-end time counts from the send: about 2 s blocked + 1 s in the log.
  // A publish that never blocked would answer every request at once and show about 1 s.
  json doc = json::parse(R"({"name": "block", "duration": "80s", "warmup": "20s",
    "components": [
      {"id": "users", "type": "client", "target": "api", "arrivals": {"process": "constant", "rate": 200}},
      {"id": "api", "type": "service", "replicas": 1, "concurrency": 2000,
       "routes": {"*": [{"work": "1ms"}, {"publish": "q"}]}},
      {"id": "q", "type": "queue", "partitions": 1, "replication_factor": 1, "capacity": 100, "when_full": "block",
       "max_block": "2s", "consumers": {"service": "worker", "commit_interval": "0s"}},
      {"id": "worker", "type": "service", "replicas": 1, "concurrency": 1, "service_time": "10ms"}]})");
  json s = run_summary(write_scenario("block", doc), {});
  INFO(s["components"]["q"].dump());
  CHECK(num(s, "availability") == doctest::Approx(0.5).epsilon(0.03));
  // The publish's timeout fails the api's request, which its client sees as a 5xx.
  CHECK(num(s, "requests.by_cause.error") == num(s, "requests.failed"));
  CHECK(num(s, "components.q.expired") >= num(s, "requests.failed"));  // the queue counts from t = 0
  CHECK(num(s, "latency_ms.p50") > 1800);
  CHECK(num(s, "latency_ms.p50") < 2050);
  CHECK(num(s, "components.q.end_to_end_ms.mean") == doctest::Approx(3010).epsilon(0.06));
  CHECK(num(s, "components.q.throughput_rps") == doctest::Approx(100).epsilon(0.01));
  CHECK(num(s, "requests.total") == num(s, "requests.ok") + num(s, "requests.failed"));
  archsim::e2e::check_queue_ledger(s["components"]["q"]);
  // max_block 0: a full queue fails the publish at once (what gets in is still 100/s).
  json now = run_summary(write_scenario("block0", doc), {"--set", "q.max_block=0s"});
  CHECK(num(now, "availability") == doctest::Approx(0.5).epsilon(0.03));
  CHECK(num(now, "latency_ms.p99") < 50);
}

TEST_CASE("queue bad input: the commit interval and the visibility timeout have the real systems' minimum") {
  const std::string base = archsim::e2e::source_path("scenarios/queues/consumer-lag.json");
  const std::string work = archsim::e2e::source_path("scenarios/queues/work-queue.json");
  using archsim::e2e::check_refused;
  check_refused(base, {"jobs.consumers.commit_interval=1ns"}, "/components/2/consumers/commit_interval", "auto.commit.interval.ms");
  check_refused(base, {"jobs.consumers.commit_interval=999us"}, "/components/2/consumers/commit_interval", "1ms");
  check_refused(work, {"jobs.visibility_timeout=1ns"}, "/components/2/visibility_timeout", "1ms");
  check_refused(base, {"jobs.max_block=-1s"}, "/components/2/max_block", "max_block");
  // max_block belongs to when_full "block".
  check_refused(base, {"jobs.when_full=drop", "jobs.max_block=5s"}, "/components/2/max_block", "block");
  CHECK(run_archsim({"validate", base, "--set", "jobs.when_full=drop"}, 30).exit_code == 0);
  // Commit intervals of 0 and of 1 ms are fine.
  CHECK(run_archsim({"validate", base, "--set", "jobs.consumers.commit_interval=1ms"}, 30).exit_code == 0);
}

// The shipped scenarios of these mechanisms, held to what their descriptions promise.
TEST_CASE("queue shipped: lag-autoscaling scales at the first sync of the burst, as KEDA would") {
  // Events rise from 40/s to 160/s at 120 s; the HPA syncs every 15 s. Five workers (200/s)
  // keep up, so a lag of unfetched messages stays near zero and asks for nothing. Kafka's lag
  // holds what auto-commit (every 5 s) has not committed, up to 800 events at 160/s: at the
  // 135 s sync the autoscaler asks ceil(lag / 50), capped at 2 x 5 = 10 for one sync.
  const std::string sc = archsim::e2e::source_path("scenarios/queues/lag-autoscaling.json");
  json before = run_summary(sc, {"--set", "duration=134s"});
  json after = run_summary(sc, {"--set", "duration=137s"});
  CHECK(num(before, "components.worker-hpa.desired_replicas") == 5);
  CHECK(num(after, "components.worker-hpa.desired_replicas") == 10);
  // Committing after every message, the lag is only what waits: no scale-out at that sync.
  json each = run_summary(sc, {"--set", "duration=137s", "--set", "jobs.consumers.commit_interval=0s"});
  CHECK(num(each, "components.worker-hpa.desired_replicas") <= 5);
}

TEST_CASE("queue shipped: backpressure's blocked publishes fail after max_block, and only they do") {
  // 220 uploads/s against 160/s of workers from 60 s to 180 s: once the 2000 messages are
  // held, publishes wait; the ones that wait max_block (5 s) fail, and every failed request
  // is one of those (the queue's expired), none sent. The slowest answered requests waited
  // just under max_block.
  json s = run_summary(archsim::e2e::source_path("scenarios/queues/backpressure.json"), {});
  INFO(s["components"]["thumbnails"].dump());
  CHECK(num(s, "requests.failed") > 1000);
  CHECK(num(s, "requests.failed") == num(s, "components.thumbnails.expired"));
  CHECK(num(s, "requests.by_cause.error") == num(s, "requests.failed"));
  CHECK(num(s, "latency_ms.p99") > 4500);
  CHECK(num(s, "latency_ms.p99") < 5050);
  archsim::e2e::check_queue_ledger(s["components"]["thumbnails"]);
  // Dropping instead of blocking: nobody waits.
  json drop = run_summary(archsim::e2e::source_path("scenarios/queues/backpressure.json"),
                          {"--set", "thumbnails.when_full=drop", "--set", "thumbnails.max_block=null"});
  CHECK(num(drop, "latency_ms.p99") < 500);
  CHECK(num(drop, "requests.failed") == 0);
  CHECK(num(drop, "components.thumbnails.dropped") > 1000);
}

TEST_CASE("queue shipped: fan-out's second group falls behind in the burst without holding the first") {
  // fraud reads 200/s at most (3 x 15 ms); from 60 s to 120 s events come at 220/s, so its
  // lag grows by 20/s; shipping (6 x 4 ms) keeps up. Each group conserves its own messages
  // and, a key on one partition read by one member, processes no key out of order.
  json s = run_summary(archsim::e2e::source_path("scenarios/queues/fan-out.json"), {});
  const json& q = s["components"]["events"];
  INFO(q.dump());
  archsim::e2e::check_queue_ledger(q);
  archsim::e2e::check_queue_ledger(q["groups"]["fraud"]);
  CHECK(num(s, "components.events.groups.fraud.produced") == num(s, "components.events.produced"));
  CHECK(num(s, "components.events.end_to_end_ms.p99") < 100);
  CHECK(num(s, "components.events.groups.fraud.end_to_end_ms.p99") > 1000);
  CHECK(num(s, "components.events.key_order_violations") == 0);
  CHECK(num(s, "components.events.groups.fraud.key_order_violations") == 0);
}
