// Two-phase commit end to end (models/service/service_two_phase.cpp, the coordinator;
// models/database/two_phase.cpp, the participants' prepared transactions), against the
// protocol's own arithmetic (Gray 1978; presumed abort, Mohan et al., TODS 1986): on constant
// delays a committed transaction takes two round trips to its participants plus the slowest
// prepare and the slowest commit; a participant that voted yes holds its row until the
// decision reaches it, so an in-doubt transaction's rows are held for exactly the coordinator's
// down time longer than a committed one's; and atomicity: every transaction commits at every
// participant or at none (each participant's commits equal the coordinator's).
#include <doctest/doctest.h>

#include <string>

#include "tests/e2e/run_archsim.h"

using archsim::e2e::num;
using archsim::e2e::run_summary;
using archsim::e2e::write_scenario;
using nlohmann::json;

namespace {

// Transfers at a constant 10/s over a million accounts (no two in flight share a row), one
// coordinator and two ledgers: a's statements take 2 ms, b's 5 ms; every hop 1 ms.
json constant_scenario(double crash_p, const std::string& recovery) {
  json d = json::parse(R"({"seed": 5, "duration": "20s", "warmup": "0s", "window": "5s",
    "network": {"latency": {"dist": "constant", "value": "1ms"}},
    "components": [
      {"id": "users", "type": "client", "target": "coord", "timeout": "60s",
       "arrivals": {"process": "constant", "rate": 10}, "routes": [{"name": "transfer", "keys": {"count": 1000000}}]},
      {"id": "coord", "type": "service", "replicas": 1, "concurrency": 1000,
       "routes": {"transfer": [{"two_phase_commit": {"participants": [{"call": "a"}, {"call": "b"}]}}]}},
      {"id": "a", "type": "database", "cores": 64, "max_prepared_transactions": 1000,
       "queries": {"write": {"dist": "constant", "value": "2ms"}}},
      {"id": "b", "type": "database", "cores": 64, "max_prepared_transactions": 1000,
       "queries": {"write": {"dist": "constant", "value": "5ms"}}}]})");
  if (crash_p > 0)
    d["components"][1]["routes"]["transfer"][0]["two_phase_commit"]["coordinator_crash"] = {{"probability", crash_p},
                                                                                              {"recovery", recovery}};
  return d;
}

}  // namespace

TEST_CASE("two-phase commit: a transaction takes two round trips plus the slowest prepare and commit") {
  // Phase 1: 1 ms there, b's 5 ms prepare (a's 2 ms is waited past), 1 ms back; phase 2 the
  // same with the commits: 2 x (1 + 5 + 1) = 14 ms at the coordinator, every transaction.
  json s = run_summary(write_scenario("tpc-latency", constant_scenario(0, "")), {});
  const double n = num(s, "components.coord.transactions");
  CHECK(n >= 190);
  CHECK(num(s, "components.coord.transactions_committed") == n);
  CHECK(num(s, "components.coord.latency_ms.mean") == doctest::Approx(14.0).epsilon(1e-9));
  CHECK(num(s, "components.coord.latency_ms.max") == doctest::Approx(14.0).epsilon(1e-9));
  CHECK(num(s, "availability") == 1.0);
  // The rows are held from each prepare to its commit: a prepared 3 ms before b, then
  // 1 + 1 ms of messages and its own 2 ms commit; b 1 + 1 + 5 ms. 7 ms each.
  CHECK(num(s, "components.a.prepared_lock_held_ms.max") == doctest::Approx(7.0).epsilon(1e-9));
  CHECK(num(s, "components.b.prepared_lock_held_ms.mean") == doctest::Approx(7.0).epsilon(1e-9));
}

TEST_CASE("two-phase commit: an in-doubt transaction's rows are held for the coordinator's down time") {
  // Every coordinator crashes between the phases and is down 3 s: the ledgers that voted yes
  // hold the row 3 s longer than a committed transaction's 7 ms, then the recovered
  // coordinator rolls back (presumed abort) and the request fails as 2pc_in_doubt.
  json s = run_summary(write_scenario("tpc-in-doubt", constant_scenario(1.0, "3s")), {});
  const double in_doubt = num(s, "components.coord.transactions_in_doubt");
  CHECK(in_doubt == num(s, "components.coord.transactions"));
  CHECK(num(s, "components.coord.transactions_committed") == 0);
  CHECK(num(s, "components.a.commit_prepared") == 0);
  // Those resolved within the run: their rows held 3 s + 7 ms each, exactly.
  const double resolved = num(s, "requests.by_cause.2pc_in_doubt");
  CHECK(resolved >= 160);
  CHECK(num(s, "components.b.rollback_prepared") == resolved);
  for (const char* db : {"a", "b"}) {
    const std::string p = std::string("components.") + db + ".";
    CHECK(num(s, p + "prepared_lock_held_ms.mean") == doctest::Approx(3007.0).epsilon(1e-9));
    CHECK(num(s, p + "prepared_lock_held_ms.max") == doctest::Approx(3007.0).epsilon(1e-9));
    CHECK(num(s, p + "prepared_lock_held_s") == doctest::Approx(resolved * 3.007).epsilon(1e-9));
    // Still in doubt at the end: those begun in the last 3 s.
    CHECK(num(s, p + "prepared_in_place") == in_doubt - resolved);
  }
}

TEST_CASE("two-phase commit: atomicity under no votes, lock timeouts, failed commits and coordinator crashes") {
  // Three ledgers, 50 hot accounts at 100 transfers/s: prepares wait for rows held in doubt
  // and time out (a no vote), b fails 5% of its queries (no votes, and failed commits that
  // the coordinator resends), 5% of coordinators crash for 1 s. New transfers stop at 40 s
  // (the coordinator fails them at once) so that all have ended by 60 s.
  json d = json::parse(R"({"seed": 3, "duration": "60s", "warmup": "0s", "window": "5s",
    "network": {"latency": {"dist": "exponential", "mean": "1ms"}},
    "components": [
      {"id": "users", "type": "client", "target": "coord", "timeout": "60s",
       "arrivals": {"process": "poisson", "rate": 100}, "routes": [{"name": "transfer", "keys": {"count": 50}}]},
      {"id": "coord", "type": "service", "replicas": 1, "concurrency": 1000,
       "routes": {"transfer": [{"two_phase_commit": {
         "participants": [{"call": "a", "timeout": "300ms"}, {"call": "b", "timeout": "300ms"}, {"call": "c", "timeout": "300ms"}],
         "coordinator_crash": {"probability": 0.05, "recovery": "1s"}, "retry_interval": "200ms"}}]}},
      {"id": "a", "type": "database", "max_prepared_transactions": 1000, "lock_wait_timeout": "500ms",
       "queries": {"write": {"dist": "exponential", "mean": "2ms"}}},
      {"id": "b", "type": "database", "max_prepared_transactions": 1000, "lock_wait_timeout": "500ms",
       "queries": {"write": {"dist": "exponential", "mean": "5ms"}}},
      {"id": "c", "type": "database", "max_prepared_transactions": 1000,
       "queries": {"write": {"dist": "exponential", "mean": "1ms"}}}],
    "faults": [{"at": "0s", "kind": "error_rate", "target": "b", "rate": 0.05},
               {"at": "40s", "kind": "error_rate", "target": "coord", "rate": 1.0}]})");
  json s = run_summary(write_scenario("tpc-atomic", d), {});
  const double n = num(s, "components.coord.transactions");
  const double committed = num(s, "components.coord.transactions_committed");
  const double aborted = num(s, "components.coord.transactions_aborted");
  const double in_doubt = num(s, "components.coord.transactions_in_doubt");
  // Every branch of the protocol ran.
  CHECK(aborted > 100);
  CHECK(in_doubt > 100);
  CHECK(num(s, "components.coord.phase2_retries") > 0);
  CHECK(num(s, "components.a.lock_timeouts") > 0);
  CHECK(n == committed + aborted + in_doubt);
  CHECK(num(s, "requests.ok") == committed);
  for (const char* db : {"a", "b", "c"}) {
    const std::string p = std::string("components.") + db + ".";
    INFO(db);
    CHECK(num(s, p + "commit_prepared") == committed);  // at every participant or at none
    CHECK(num(s, p + "prepared_in_place") == 0);       // none left holding its row
    CHECK(num(s, p + "prepared_transactions") == num(s, p + "commit_prepared") + num(s, p + "rollback_prepared"));
  }
}
