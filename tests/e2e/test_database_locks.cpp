// Row locks, multi-row transactions and deadlocks end to end (models/database/locks.h): the
// waits on one hot row against M/D/1 (Poisson writes, a constant statement, one lock: the
// probability of waiting is rho and the mean wait rho D / (2 (1 - rho))), a constructed
// two-transaction deadlock that finds exactly one victim by InnoDB's rule (the lighter, the
// later waiter on a tie), the same pair without detection resolved by lock_wait_timeout, and
// the lock-ordering fix; a lease that expires while its holder pauses, whose write is counted
// unsafe without fencing tokens and refused with them.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "tests/e2e/run_archsim.h"

using archsim::e2e::num;
using archsim::e2e::run_summary;
using archsim::e2e::write_scenario;
using nlohmann::json;

namespace {

std::string scenario(const std::string& f) { return archsim::e2e::source_path("scenarios/databases/" + f); }

// Two clients that each send one transaction at t = 4 s (constant arrivals at 0.25/s, a run
// of 7 s), both on key 0: "transfer" locks rows 0, 1, ..., "refund" the same rows descending.
// Each row's statement takes 10 ms.
json pair_doc(int transfer_rows, int refund_rows, bool detect) {
  auto txn = [](int rows, const char* order) {
    return json{{"rows", rows}, {"order", order}, {"row_cost", {{"dist", "constant"}, {"value", "10ms"}}}};
  };
  auto client = [](const char* id, const char* route) {
    return json{{"id", id}, {"type", "client"}, {"target", "db"},
                {"arrivals", {{"process", "constant"}, {"rate", 0.25}}},
                {"routes", {{{"name", route}, {"keys", {{"count", 1}}}}}}, {"timeout", "30s"}};
  };
  return json{{"name", "deadlock-pair"}, {"duration", "7s"}, {"seed", 1},
              {"components",
               {client("a", "transfer"), client("b", "refund"),
                {{"id", "db"}, {"type", "database"}, {"cores", 8}, {"lock_wait_timeout", "2s"},
                 {"deadlock_detect", detect},
                 {"transactions", {{"transfer", txn(transfer_rows, "ascending")}, {"refund", txn(refund_rows, "descending")}}}}}}};
}

json run_doc(const std::string& name, const json& doc, const std::vector<std::string>& sets = {}) {
  std::vector<std::string> extra;
  for (const auto& s : sets) extra.insert(extra.end(), {"--set", s});
  return run_summary(write_scenario(name, doc), extra);
}

}  // namespace

TEST_CASE("row locks: one hot row is an M/D/1 queue (probability of waiting rho, mean wait rho D / 2(1 - rho))") {
  // 10 ms statements; Poisson writes at 50/s (rho 0.5: 5 ms) and 80/s (rho 0.8: 20 ms). The
  // 8 cores are never the bottleneck: the lock lets one write through at a time. A model that
  // ignored the lock would show no wait; one that held it for the core wait too, or released
  // it early, would miss these by more than the 8% (0.5) and 15% (0.8) allowed for the
  // sampling error of a 10-minute run.
  struct Case {
    double rate, rho, tolerance;
  };
  for (const Case c : {Case{50, 0.5, 0.08}, Case{80, 0.8, 0.15}}) {
    CAPTURE(c.rate);
    json s = run_summary(scenario("hot-row.json"), {"--set", "users.arrivals.rate=" + std::to_string(c.rate)});
    const double d = 10;  // ms
    const double wq = c.rho * d / (2 * (1 - c.rho));
    CHECK(num(s, "components.db.row_lock_wait_ms.mean") == doctest::Approx(wq).epsilon(c.tolerance));
    const double waited = num(s, "components.db.row_lock_waits") / num(s, "components.db.row_lock_wait_ms.count");
    CHECK(waited == doctest::Approx(c.rho).epsilon(0.05));
    CHECK(num(s, "components.db.deadlocks") == 0);
  }
  // Without row locks the writes run side by side on the cores: no lock, no wait.
  json off = run_summary(scenario("hot-row.json"), {"--set", "db.row_locks=false"});
  CHECK(num(off, "latency_ms.mean") == doctest::Approx(10).epsilon(0.01));
}

TEST_CASE("deadlock: a constructed two-transaction deadlock finds exactly one victim by InnoDB's rule") {
  SUBCASE("equal weights: the later waiter is rolled back") {
    // t = 4 s: transfer locks row 0, refund row 1 (10 ms each); at 4.01 s transfer waits for
    // row 1, then refund asks for row 0 and closes the cycle. Both modified one row: the tie
    // goes to the later waiter, refund. transfer then gets row 1 and commits.
    json s = run_doc("deadlock-tie", pair_doc(2, 2, true));
    CHECK(num(s, "components.db.deadlocks") == 1);
    CHECK(num(s, "requests.by_cause.deadlock") == 1);
    CHECK(num(s, "requests.ok") == 1);
    CHECK(num(s, "routes.refund.availability") == 0);
    CHECK(num(s, "routes.transfer.availability") == 1);
    // transfer: 10 ms (row 0) + 10 ms (row 1, granted when refund rolled back at 4.01 s).
    CHECK(num(s, "routes.transfer.latency_ms.max") == doctest::Approx(20).epsilon(0.01));
  }
  SUBCASE("the lighter is rolled back even when the heavier closes the cycle") {
    // Three rows each: transfer locks 0 then 1 (two rows modified), refund locks 2 and waits
    // for 1; transfer then asks for 2 and closes the cycle. Refund modified one row: it is
    // the victim, not the transaction that asked last.
    json s = run_doc("deadlock-weight", pair_doc(3, 3, true));
    CHECK(num(s, "components.db.deadlocks") == 1);
    CHECK(num(s, "routes.refund.availability") == 0);
    CHECK(num(s, "routes.transfer.availability") == 1);
    CHECK(num(s, "routes.transfer.latency_ms.max") == doctest::Approx(30).epsilon(0.01));
  }
  SUBCASE("without detection the deadlock lasts until the first waiter's lock_wait_timeout") {
    // transfer began to wait at 4.01 s, first: it times out at 6.01 s and rolls back; refund
    // then gets row 0 and commits at 6.02 s (2.02 s after it began).
    json s = run_doc("deadlock-undetected", pair_doc(2, 2, false));
    CHECK(num(s, "components.db.deadlocks") == 0);
    CHECK(num(s, "components.db.lock_timeouts") == 1);
    CHECK(num(s, "requests.by_cause.lock_timeout") == 1);
    CHECK(num(s, "routes.transfer.availability") == 0);
    CHECK(num(s, "routes.refund.latency_ms.max") == doctest::Approx(2020).epsilon(0.01));
  }
  SUBCASE("locking in one order has no deadlock: the second waits for the first") {
    json s = run_doc("deadlock-ordered", pair_doc(2, 2, true), {"db.transactions.refund.order=ascending"});
    CHECK(num(s, "components.db.deadlocks") == 0);
    CHECK(num(s, "requests.ok") == 2);
    CHECK(num(s, "latency_ms.max") == doctest::Approx(40).epsilon(0.01));  // waits 20 ms for both rows
  }
}

TEST_CASE("deadlock: the shipped scenario deadlocks in opposite orders and not in one order") {
  json s = run_summary(scenario("deadlock.json"), {"--set", "duration=1m"});
  const double deadlocks = num(s, "components.db.deadlocks");
  CHECK(deadlocks > 0);
  CHECK(num(s, "requests.by_cause.deadlock") == deadlocks);  // each rolls back exactly one transaction
  json fixed = run_summary(scenario("deadlock.json"), {"--set", "duration=1m", "--set", "db.transactions.refund.order=ascending"});
  CHECK(num(fixed, "components.db.deadlocks") == 0);
  CHECK(num(fixed, "requests.failed") == 0);
}

TEST_CASE("leases: a holder paused past its lease writes unsafely without fencing; its write is refused with it") {
  // One job a second takes the key's lease (1.5 s), works 100 ms and writes. The job that
  // begins its work at 11.001 s is stalled x50 (5 s): its lease expires at 12.501 s, the job
  // of 12 s (waiting since 12.001 s) gets it, writes at 12.602 s and releases it; the paused
  // job writes at 16.002 s. Exactly one write by a holder whose lease had expired.
  json s = run_summary(scenario("lease-pause.json"), {});
  CHECK(num(s, "components.db.lease_expiries") == 1);
  CHECK(num(s, "components.db.unsafe_writes") == 1);
  CHECK(num(s, "components.db.fenced_writes") == 0);
  CHECK(num(s, "requests.failed") == 0);
  // Fencing: the paused write's token is below the one the next holder wrote with: refused.
  json fenced = run_summary(scenario("lease-pause.json"), {"--set", "db.leases.fencing=true"});
  CHECK(num(fenced, "components.db.fenced_writes") == 1);
  CHECK(num(fenced, "components.db.unsafe_writes") == 0);
  CHECK(num(fenced, "requests.failed") == 1);
  // A lease longer than the pause: nobody else acquires it, nothing is unsafe; the next job
  // waits for the paused one's write instead (it gets the lease at 16.002 s).
  json longer = run_summary(scenario("lease-pause.json"), {"--set", "db.leases.ttl=10s"});
  CHECK(num(longer, "components.db.lease_expiries") == 0);
  CHECK(num(longer, "components.db.unsafe_writes") == 0);
  CHECK(num(longer, "routes.update.latency_ms.max") > 4000);
}
