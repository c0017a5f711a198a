// A memory leak on a database end to end (models/database/memory.cpp): the OOM kill's time
// against the hand computation (the leak fills the room between base_mb and limit_mb), and
// the kill against a crash fault at the same instant: the same failover, the same writes
// lost, the same failures by cause. Only a primary leaks: the promoted replica is killed in
// its turn, the rejoined node never.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "tests/e2e/run_archsim.h"

using archsim::e2e::at;
using archsim::e2e::num;
using archsim::e2e::run_summary;
using nlohmann::json;

namespace {

// scenarios/databases/failover.json: a primary and two async replicas; a failover takes
// detection 10 s + promotion 20 s; restart_time 0.
std::string scenario() { return archsim::e2e::source_path("scenarios/databases/failover.json"); }

constexpr double kLimit = 2048, kBase = 1024, kRate = 30, kLeakAt = 30;
const std::string kMemory = "db.memory={\"limit_mb\":2048,\"base_mb\":1024}";

json run(const std::string& faults) { return run_summary(scenario(), {"--set", kMemory, "--set", "faults=" + faults}); }

}  // namespace

TEST_CASE("database memory_leak: the primary is OOM-killed when base_mb + leak pass memory.limit_mb") {
  // Memory is sampled every 100 ms from the leak's start: 30 MB/s fills the 1,024 MiB of room
  // in 34.13 s, first seen at the sample of 34.2 s.
  json s = run("[{\"at\":\"30s\",\"kind\":\"memory_leak\",\"target\":\"db\",\"per_second_mb\":30}]");
  const json& kills = at(s, "availability_report.oom_kills");
  REQUIRE(kills.size() == 2);
  const double expected = kLeakAt + (kLimit - kBase) / kRate;
  const double first = kills[0]["start_s"].get<double>();
  CHECK(first >= expected);
  CHECK(first <= expected + 0.1 + 1e-9);
  CHECK(first == doctest::Approx(64.2));
  // The replica promoted detection + promotion (30 s) later leaks from nothing, as the
  // primary now; the old primary, back as a replica, leaks no more (a third kill would
  // need 34.2 s more after the second one's failover, past the run's end).
  // Promoted at first + 30 s, between two samples: the leak it is charged from then is within
  // one sample (100 ms) of the hand computation.
  const double second = kills[1]["start_s"].get<double>() - (first + 30);
  CHECK(second >= (kLimit - kBase) / kRate - 0.1 - 1e-9);
  CHECK(second <= (kLimit - kBase) / kRate + 0.1 + 1e-9);
  CHECK(num(s, "components.db.oom_kills") == 2);
  CHECK(num(s, "components.db.failovers") == 2);
}

TEST_CASE("database memory_leak: the OOM kill is a crash of the primary (the same failover as a crash fault)") {
  // The leak stops at 65 s, after the kill at 64.2 s: the run then differs from a crash
  // fault at 64.2 s by the kill alone.
  json oom = run("[{\"at\":\"30s\",\"duration\":\"35s\",\"kind\":\"memory_leak\",\"target\":\"db\",\"per_second_mb\":30}]");
  json crash = run("[{\"at\":\"64.2s\",\"kind\":\"crash\",\"target\":\"db\",\"instances\":1}]");
  CHECK(num(oom, "components.db.oom_kills") == 1);
  CHECK(num(oom, "components.db.failovers") == 1);
  for (const char* f : {"failovers", "lost_writes", "dropped", "not_primary", "throughput_rps", "latency_ms.count"}) {
    CAPTURE(f);
    CHECK(num(oom, std::string("components.db.") + f) == num(crash, std::string("components.db.") + f));
  }
  CHECK(num(oom, "components.db.lost_writes") > 0);  // async replication: the writes of the last lag interval
  CHECK(at(oom, "requests.by_cause") == at(crash, "requests.by_cause"));
}

TEST_CASE("database faults: a replica's drain takes it out of the reads first and stops it once its queries are done") {
  // One replica serving every read (1 s each, 10/s, constant, 64 cores: no waiting). Drained
  // at 20.05 s, it takes no new read (they go to the primary, as with no replica up) and
  // stops when the last of the 10 it serves ends, at 21.0 s (PostgreSQL's smart shutdown);
  // back 10 s later. The primary serves the reads arriving in [20.05 s, 31.0 s): 109, 109 s
  // of its cores. A stop at once would have failed the 10 in flight and brought it back at
  // 30.05 s (100 reads on the primary).
  const json doc = json::parse(R"({"name": "replica-drain", "duration": "60s", "warmup": "0s", "network": {"latency": "0ms"},
    "components": [
      {"id": "app", "type": "client", "target": "db", "arrivals": {"process": "constant", "rate": 10},
       "routes": [{"name": "read", "keys": {"count": 1000}}], "timeout": "10s"},
      {"id": "db", "type": "database", "cores": 64, "max_connections": 200, "queries": {"read": "1s", "write": "1ms"},
       "replicas": 1, "replication": "async", "replication_lag": "1ms", "read_from": "replicas", "restart_time": "10s"}],
    "faults": [{"at": "20.05s", "kind": "drain", "target": "db", "role": "replica"}]})");
  const json s = run_summary(archsim::e2e::write_scenario("replica-drain", doc), {});
  CHECK(num(s, "components.db.replica_drains") == 1);
  CHECK(num(s, "components.db.dropped") == 0);
  CHECK(num(s, "requests.failed") == 0);
  CHECK(num(s, "components.db.primary_utilization") * 64 * 60 == doctest::Approx(109).epsilon(1e-6));
  CHECK(!s["components"]["db"].contains("switchovers"));  // the primary is not touched (shown if any)
  CHECK(num(s, "components.db.failovers") == 0);
}
