// Faults on a queue's brokers through the fault kinds services take (models/faults, the
// queue's Degradable): a slow broker (its appends and replication stretched by the factor),
// a full disk (Kafka's KafkaStorageException: produce requests fail, the logs are still
// read), an error rate, and a broker out of memory (OOM-killed by the pool at the limit the
// leak reaches, which is a crash: partitions offline until a broker returns).
#include <doctest/doctest.h>

#include <string>

#include "tests/e2e/queue_checks.h"
#include "tests/e2e/run_archsim.h"

using archsim::e2e::describe;
using archsim::e2e::num;
using archsim::e2e::run_archsim;
using archsim::e2e::run_summary;
using archsim::e2e::write_scenario;
using nlohmann::json;

namespace {

// Producers call the queue directly (the reply is the ack); 3 brokers, 6 partitions.
json doc() {
  return json::parse(R"({"name": "broker-faults", "duration": "60s", "warmup": "0s",
    "components": [
      {"id": "users", "type": "client", "target": "q", "arrivals": {"process": "constant", "rate": 100}},
      {"id": "q", "type": "queue", "partitions": 6, "replication_factor": 3, "acks": "1",
       "append_time": "2ms", "replication_latency": "1ms", "restart_time": "30s",
       "memory": {"limit_mb": 1000, "base_mb": 500},
       "consumers": {"service": "worker", "commit_interval": "0s"}},
      {"id": "worker", "type": "service", "replicas": 6, "concurrency": 1, "balancer": "least_connections",
       "service_time": "1ms"}],
    "faults": []})");
}

}  // namespace

TEST_CASE("queue faults: a slow broker stretches its appends and its replication by the factor") {
  // acks=1 producers wait for the leader's append (2 ms); consumers see a message once
  // replicated (2 + 1 ms). With every broker 10 times slower: 20 ms and 30 ms.
  json d = doc();
  json normal = run_summary(write_scenario("slow0", d), {});
  d["faults"] = json::parse(R"([{"at": "0s", "kind": "slowdown", "target": "q", "factor": 10}])");
  json slow = run_summary(write_scenario("slow10", d), {});
  CHECK(num(normal, "latency_ms.mean") == doctest::Approx(2).epsilon(0.02));
  CHECK(num(slow, "latency_ms.mean") == doctest::Approx(20).epsilon(0.02));
  CHECK(num(normal, "components.q.end_to_end_ms.p50") == doctest::Approx(3 + 1).epsilon(0.05));
  CHECK(num(slow, "components.q.end_to_end_ms.p50") == doctest::Approx(30 + 1).epsilon(0.05));
  archsim::e2e::check_queue_ledger(slow["components"]["q"]);
}

TEST_CASE("queue faults: a full disk fails produce requests while the logs are still read") {
  // 10 s of a full disk at 100 requests/s: 1000 produce requests answered error; everything
  // appended before is consumed (nothing retained at the end, nothing lost).
  json d = doc();
  d["faults"] = json::parse(R"([{"at": "20s", "duration": "10s", "kind": "disk_full", "target": "q"}])");
  json s = run_summary(write_scenario("diskfull", d), {});
  INFO(s["components"]["q"].dump());
  CHECK(num(s, "requests.by_cause.error") == doctest::Approx(1000).epsilon(0.002));
  CHECK(num(s, "components.q.produce_errors") == num(s, "requests.by_cause.error"));
  CHECK(num(s, "components.q.lost") == 0);
  CHECK(num(s, "components.q.retained") < 5);
  archsim::e2e::check_queue_ledger(s["components"]["q"]);
  // An error rate of 0.2 fails about a fifth of them.
  d["faults"] = json::parse(R"([{"at": "0s", "kind": "error_rate", "target": "q", "rate": 0.2}])");
  json e = run_summary(write_scenario("errrate", d), {});
  CHECK(num(e, "availability") == doctest::Approx(0.8).epsilon(0.02));
}

TEST_CASE("queue faults: a broker out of memory is OOM-killed at its limit and is down as after a crash") {
  // Every broker starts at 500 MB of a 1000 MB limit and leaks 50 MB/s from 10 s: all three
  // pass the limit at 20 s (the pool samples memory every 100 ms) and are OOM-killed. With no
  // broker left every partition is offline, so producers are refused until the first returns
  // (restart_time 30 s, a first kill restarts at once): 30 s of 100 requests/s. The leak ends
  // at 25 s, so they are not killed again.
  json d = doc();
  d["faults"] = json::parse(R"([{"at": "10s", "duration": "15s", "kind": "memory_leak", "target": "q", "per_second_mb": 50}])");
  json s = run_summary(write_scenario("oom", d), {});
  INFO(s["components"]["q"].dump());
  CHECK(num(s, "availability_report.components.q.oom_kills") == 3);
  CHECK(num(s, "components.q.broker_crashes") == 3);
  CHECK(num(s, "requests.by_cause.unavailable") == doctest::Approx(30 * 100).epsilon(0.02));
  archsim::e2e::check_queue_ledger(s["components"]["q"]);
  // Without a memory limit a leak could never kill a broker: refused at the fault's target.
  d["components"][1].erase("memory");
  auto r = run_archsim({"validate", write_scenario("oom-nolimit", d)}, 30);
  INFO(describe(r));
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("/faults/0/target") != std::string::npos);
}

TEST_CASE("queue faults: bad input for the brokers' append_time and memory") {
  const std::string file = archsim::e2e::write_scenario("broker-fields", doc());
  struct Case {
    std::string set, pointer;
  };
  const Case cases[] = {
      {"q.append_time=-1ms", "/components/1/append_time"},
      {R"(q.memory={"base_mb": 10})", "/components/1/memory/limit_mb"},
      {R"(q.memory={"limit_mb": 100, "base_mb": 200})", "/components/1/memory/base_mb"},
      {R"(q.memory={"limit_mb": 100, "per_message_mb": 1})", "/components/1/memory/per_message_mb"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.set);
    archsim::e2e::check_refused(file, {c.set}, c.pointer, "");
  }
}

TEST_CASE("queue faults: a drain is Kafka's controlled shutdown: leaders move first, nothing waits, a crash does") {
  // 3 brokers, 6 partitions (broker 0 leads 0 and 3), constant 100 produce requests/s, one
  // broker stopped at 20 s and back 30 s later. A crash leaves its 2 partitions without a
  // leader for the 5 s election (10 partition-seconds offline) and holds the high watermark of
  // the 4 it followed for replica_lag_time_max (30 s: a message waits up to that long to be
  // consumed). A controlled shutdown moves the 2 leaderships first and leaves the ISRs at
  // once: Kafka's operations docs say each partition is then unavailable for "a few
  // milliseconds" (here none), and nothing waits.
  json d = doc();
  d["components"][1]["leader_election"] = "5s";
  d["faults"] = json::parse(R"([{"at": "20s", "kind": "crash", "target": "q", "instances": 1}])");
  json crash = run_summary(write_scenario("cs-crash", d), {});
  d["faults"][0]["kind"] = "drain";
  json drain = run_summary(write_scenario("cs-drain", d), {});
  const json &c = crash["components"]["q"], &g = drain["components"]["q"];
  INFO(g.dump());
  CHECK(c["broker_crashes"] == 1);
  CHECK(c["leader_elections"] == 2);
  CHECK(c["partition_offline_s"].get<double>() == doctest::Approx(10).epsilon(1e-6));
  CHECK(c["end_to_end_ms"]["max"].get<double>() > 29000);
  CHECK(g["broker_crashes"] == 0);
  CHECK(g["controlled_shutdowns"] == 1);
  CHECK(g["leader_moves"] == 2);
  CHECK(g["leader_elections"] == 0);
  CHECK(g["partition_offline_s"] == 0);
  CHECK(g["end_to_end_ms"]["max"].get<double>() < 10);  // append 2 ms + replication 1 ms + processing
  CHECK(g["isr_expands"] == 6);                          // back at 50 s, in sync again everywhere
  CHECK(drain["requests"]["by_cause"]["unavailable"] == 0);
  archsim::e2e::check_queue_ledger(c);
  archsim::e2e::check_queue_ledger(g);
  // With one broker there is nobody to hand the partitions to: it stops as a crash does, and
  // every produce request is refused for the 30 s it is away.
  d["components"][1]["replication_factor"] = 1;
  json alone = run_summary(write_scenario("cs-alone", d), {});
  CHECK(num(alone, "components.q.controlled_shutdowns") == 1);
  CHECK(num(alone, "components.q.refused") == doctest::Approx(30 * 100).epsilon(0.002));
}

TEST_CASE("queue faults: a controlled shutdown loses acks=1's unreplicated tail as a crash does (KAFKA-20554)") {
  // The new leader has only what it fetched: the events the old leader had appended but not
  // copied are cut in a planned move too, the same ones as in a crash at that instant.
  const std::string path = archsim::e2e::source_path("scenarios/queues/broker-down.json");
  json crash = run_summary(path, {"--set", "duration=100s"});
  json drain = run_summary(path, {"--set", "duration=100s", "--set", "faults.0.kind=drain"});
  CHECK(num(crash, "components.events.lost") > 0);
  CHECK(num(drain, "components.events.lost") == num(crash, "components.events.lost"));
  CHECK(num(drain, "components.events.refused") == 0);
  CHECK(num(crash, "components.events.refused") > 0);
  archsim::e2e::check_queue_ledger(crash["components"]["events"]);
  archsim::e2e::check_queue_ledger(drain["components"]["events"]);
}
