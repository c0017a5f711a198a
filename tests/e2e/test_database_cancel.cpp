// A database query whose caller cancels it at its deadline ("on_timeout": "cancel";
// models/database/cancel.cpp), end to end, against hand computations of deterministic cases
// (constant arrivals and query costs, no network latency unless a link says so): a running
// query stops at the deadline and frees its core, a queued one leaves the queue without
// starting, a cancelled write or transaction rolls back (its row locks go to the next
// waiter, nothing is committed: no binlog event for the replica, no change-data-capture
// event), a write already committed is past cancelling, and wasted_cpu_s counts what it
// counts for a service: the work done for nobody.
#include <doctest/doctest.h>

#include <string>
#include <utility>
#include <vector>

#include "tests/e2e/run_archsim.h"

using archsim::e2e::num;
using archsim::e2e::run_summary;
using archsim::e2e::write_scenario;
using nlohmann::json;

namespace {

json run(const std::string& name, const json& doc) { return run_summary(write_scenario(name, doc), {"--quiet", "--no-report"}); }

json client(const std::string& id, double rate, const std::string& route, const std::string& timeout,
            const std::string& on_timeout) {
  json c = {{"id", id}, {"type", "client"}, {"target", "db"},
            {"arrivals", {{"process", "constant"}, {"rate", rate}}}, {"routes", {{{"name", route}}}}};
  if (!timeout.empty()) c["timeout"] = timeout, c["on_timeout"] = on_timeout;
  return c;
}

json scenario(const std::string& name, std::vector<json> components) {
  return {{"name", name}, {"seed", 1}, {"duration", "100s"}, {"network", {{"latency", "0ms"}}}, {"components", components}};
}

// A client whose every request is on key 0 (one row).
json one_row(json c) {
  c["routes"][0]["keys"] = {{"count", 1}};
  return c;
}

// The run of doc("continue") and of doc("cancel").
template <class F>
std::pair<json, json> both(const std::string& name, F doc) {
  return {run(name + "-continue", doc("continue")), run(name + "-cancel", doc("cancel"))};
}

}  // namespace

TEST_CASE("database cancel: a running query stops at its deadline and frees its core") {
  // One core, reads of S = 100 ms at 15/s (a = 66.7 ms), a client timeout T = 50 ms. Run to
  // their ends the core is saturated (10/s served, every answer dropped: wasted = served x S).
  // Cancelled, each read stops T after it started, before the next arrives: the core is busy
  // 15 x 50 ms = 75% of the time, nothing queues, and exactly T per query is wasted.
  const auto [cont, canc] = both("db-run", [](const std::string& on_timeout) {
    return scenario("db-cancel-run", {client("users", 15, "read", "50ms", on_timeout),
                                      {{"id", "db"}, {"type", "database"}, {"cores", 1}, {"max_connections", 1000},
                                       {"queries", {{"read", "100ms"}, {"write", "100ms"}}}}});
  });
  const double served = num(cont, "components.db.throughput_rps") * 100;
  CHECK(served == doctest::Approx(999).epsilon(0.002));
  CHECK(num(cont, "components.db.wasted_cpu_s") == doctest::Approx(served * 0.1).epsilon(1e-9));
  CHECK(num(cont, "components.db.utilization") > 0.99);
  CHECK(num(cont, "components.db.connections_in_use") > 200);  // the queue grows 5/s for 100 s

  const double sent = num(canc, "requests.sent");
  CHECK(sent == 1499);
  CHECK(num(canc, "components.db.cancelled") == sent);  // conservation: every query was cancelled
  CHECK(num(canc, "components.db.throughput_rps") == 0);
  CHECK(num(canc, "requests.by_cause.timeout") == sent);
  CHECK(num(canc, "components.db.wasted_cpu_s") == doctest::Approx(sent * 0.05).epsilon(1e-9));
  CHECK(num(canc, "components.db.utilization") == doctest::Approx(sent * 0.05 / 100).epsilon(1e-6));
  // Little's law: 15/s each holding its connection for 50 ms.
  CHECK(num(canc, "components.db.connections_in_use") == doctest::Approx(0.75).epsilon(0.001));
}

TEST_CASE("database cancel: a query still queued for a core leaves without starting") {
  // One core. A report of 430 ms arrives each second at k + 20 ms (k = 1..99; its link's
  // latency), holding the core over [k + 0.02, k + 0.45]. Reads of 5 ms arrive every 100 ms
  // with T = 60 ms: those at k + 0.1, 0.2 and 0.3 find the core busy until past their
  // deadlines (k + 0.16 .. 0.36) and are cancelled in the queue with no work done; the one at
  // k + 0.4 (deadline k + 0.46) starts at k + 0.45 and is answered at k + 0.455. So 3 x 99
  // cancels, none wasting anything, and the core is busy 99 x 0.43 + (999 - 297) x 0.005 s.
  // Run to their ends instead, the reads at k + 0.1 .. 0.4 are all served after their
  // deadlines: 4 x 99 x 5 ms wasted, and the core busy 99 x 0.43 + 999 x 0.005 s.
  const auto [cont, canc] = both("db-queued", [](const std::string& on_timeout) {
    json d = scenario("db-cancel-queued", {client("reports", 1, "report", "", ""), client("users", 10, "read", "60ms", on_timeout),
                                           {{"id", "db"}, {"type", "database"}, {"cores", 1},
                                            {"queries", {{"read", "5ms"}, {"write", "5ms"}, {"report", "430ms"}}}}});
    d["links"] = json::array({{{"from", "reports"}, {"to", "db"}, {"latency", "20ms"}}});
    return d;
  });
  CHECK(num(canc, "requests.sent") == 999 + 99);
  CHECK(num(canc, "components.db.cancelled") == 297);
  CHECK(num(canc, "components.db.wasted_cpu_s") == 0);
  CHECK(num(canc, "requests.ok") == 999 - 297 + 99);
  CHECK(num(canc, "components.db.utilization") == doctest::Approx((99 * 0.43 + 702 * 0.005) / 100).epsilon(1e-6));

  CHECK_FALSE(archsim::e2e::has(cont, "components.db.cancelled"));
  CHECK(num(cont, "components.db.wasted_cpu_s") == doctest::Approx(4 * 99 * 0.005).epsilon(1e-9));
  CHECK(num(cont, "requests.ok") == 999 - 4 * 99 + 99);
  CHECK(num(cont, "components.db.utilization") == doctest::Approx((99 * 0.43 + 999 * 0.005) / 100).epsilon(1e-6));
}

TEST_CASE("database cancel: a cancelled write is rolled back: its row lock freed, nothing committed or replicated") {
  // Keyed writes of 100 ms to one row at 15/s under row locks, with a replica and change data
  // capture, T = 50 ms. Run to their ends they queue on the row lock (one commit per 100 ms:
  // the 999 that end by t = 100 s, each a binlog event and a CDC event). Cancelled at 50 ms,
  // each rolls back and frees the row before the next arrives: no lock waits, no commit, no
  // event for the replica or the connector.
  const auto [cont, canc] = both("db-write", [](const std::string& on_timeout) {
    return scenario("db-cancel-write",
                    {one_row(client("users", 15, "write", "50ms", on_timeout)),
                     {{"id", "db"}, {"type", "database"}, {"cores", 8}, {"row_locks", true}, {"replicas", 1},
                      {"queries", {{"read", "5ms"}, {"write", "100ms"}}}, {"cdc", {{"queue", "changes"}, {"poll_interval", "500ms"}}}},
                     {{"id", "changes"}, {"type", "queue"}}});
  });
  CHECK(num(cont, "components.db.cdc_events") + num(cont, "components.db.cdc_pending") == 999);
  CHECK(num(cont, "components.db.row_lock_waits") > 990);
  CHECK(num(cont, "components.db.replication_lag_ms.count") > 990);

  const double sent = num(canc, "requests.sent");
  CHECK(num(canc, "components.db.cancelled") == sent);
  CHECK(num(canc, "components.db.cdc_events") + num(canc, "components.db.cdc_pending") == 0);
  CHECK(num(canc, "components.db.replication_lag_ms.count") == 0);
  CHECK(num(canc, "components.db.row_lock_waits") == 0);
  CHECK(num(canc, "components.db.wasted_cpu_s") == doctest::Approx(sent * 0.05).epsilon(1e-9));
}

TEST_CASE("database cancel: a transaction cancelled part way releases the rows it holds") {
  // Transactions of 2 rows (key, key + 1), 100 ms per row, at 6/s (a = 166.7 ms) on one key.
  // Run to their ends (200 ms each > a) they wait for each other's rows; cancelled at
  // T = 150 ms (the second statement half done, holding both rows), each rolls back before
  // the next arrives: had its rows not been released, the next would wait for them (and time
  // out after lock_wait_timeout).
  const auto [cont, canc] = both("db-txn", [](const std::string& on_timeout) {
    return scenario("db-cancel-txn",
                    {one_row(client("users", 6, "transfer", "150ms", on_timeout)),
                     {{"id", "db"}, {"type", "database"}, {"cores", 8}, {"lock_wait_timeout", "1s"},
                      {"transactions", {{"transfer", {{"rows", 2}, {"row_cost", "100ms"}}}}},
                      {"queries", {{"read", "5ms"}, {"write", "100ms"}}}}});
  });
  CHECK(num(cont, "components.db.row_lock_waits") > 500);

  const double sent = num(canc, "requests.sent");
  CHECK(sent == 599);
  CHECK(num(canc, "components.db.cancelled") == sent);
  CHECK(num(canc, "components.db.row_lock_waits") == 0);
  CHECK(num(canc, "components.db.lock_timeouts") == 0);
  CHECK(num(canc, "components.db.wasted_cpu_s") == doctest::Approx(sent * 0.15).epsilon(1e-9));
}

TEST_CASE("database cancel: buys under the stock's row lock: every request sold or cancelled, none both") {
  // Poisson buys of exponential cost on 4 cores behind the atomic row lock, T = 50 ms: the
  // lock's queue makes many wait past their deadline. A cancelled buy never decrements (its
  // statement is rolled back), so the units sold are exactly the buys answered ok.
  json users = client("users", 30, "buy", "50ms", "cancel");
  users["arrivals"]["process"] = "poisson";
  const auto s = run("db-cancel-buy",
                     scenario("db-cancel-buy", {users,
                                                {{"id", "db"}, {"type", "database"}, {"cores", 4}, {"stock", {{"initial", 1000000}}},
                                                 {"stock_update", "atomic"},
                                                 {"queries", {{"read", "5ms"}, {"write", "5ms"},
                                                              {"buy", {{"dist", "exponential"}, {"mean", "40ms"}}}}}}}));
  const double sold = num(s, "components.db.sold"), cancelled = num(s, "components.db.cancelled");
  CHECK(cancelled > 1000);
  CHECK(sold == num(s, "requests.ok"));
  CHECK(num(s, "components.db.stock_left") == 1000000 - sold);
  CHECK(sold + cancelled + num(s, "requests.in_flight") == num(s, "requests.sent"));
}

TEST_CASE("database cancel: a write already committed, waiting for its semi-sync acknowledgement, is past cancelling") {
  // Writes of 10 ms at 10/s, semi_sync with a replication lag of 100 ms, T = 50 ms: each
  // commits at 10 ms and waits for its replica's receipt until 110 ms. The cancel at 50 ms
  // finds it committed (PostgreSQL ignores a cancel after the commit): it is replicated and
  // answered late, its 10 ms of work counted as wasted, none cancelled. The last (sent at
  // 99.9 s) is not acknowledged yet when the run ends.
  json users = client("users", 10, "write", "50ms", "cancel");
  users["routes"][0]["write"] = true;
  const auto s = run("db-cancel-semisync",
                     scenario("db-cancel-semisync",
                              {users,
                               {{"id", "db"}, {"type", "database"}, {"cores", 8}, {"replicas", 1}, {"replication", "semi_sync"},
                                {"replication_lag", "100ms"}, {"queries", {{"read", "5ms"}, {"write", "10ms"}}}}}));
  const double sent = num(s, "requests.sent");
  CHECK(sent == 999);
  CHECK_FALSE(archsim::e2e::has(s, "components.db.cancelled"));
  CHECK(num(s, "requests.ok") == 0);
  CHECK(num(s, "components.db.replication_lag_ms.count") == sent - 1);
  CHECK(num(s, "components.db.replication_lag_ms.max") == doctest::Approx(110).epsilon(0.01));
  CHECK(num(s, "components.db.wasted_cpu_s") == doctest::Approx((sent - 1) * 0.01).epsilon(1e-9));
}
