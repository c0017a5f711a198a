// Work nobody waits for, end to end (models/service/service_deadline.cpp): a callee that
// runs a timed-out request to its end wastes exactly its CPU; one told to cancel stops at the
// deadline; a deadline-aware queue drops what its callers gave up on; adaptive LIFO keeps the
// latency of served requests bounded in an overload where FIFO's grows without bound.
//
// Every case is a D/D/1 queue (constant arrivals, one worker, constant service time S, a
// client timeout T, no network latency), whose every wait is known by hand: the k-th arrival
// (k = 0, 1, ...) of an overload with interarrival a < S waits k (S - a) under FIFO.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "tests/e2e/checks.h"
#include "tests/e2e/run_archsim.h"

using namespace archsim::e2e;

namespace {

// One client at `rate`/s with `timeout` and "on_timeout" `on_timeout` on service "web"
// (one worker, constant `service`). `queue` is web's "queue" object (null: none).
nlohmann::json dd1(double rate, const std::string& timeout, const std::string& on_timeout, const std::string& service,
                   const nlohmann::json& queue = nullptr) {
  nlohmann::json web = {{"id", "web"}, {"type", "service"}, {"replicas", 1}, {"concurrency", 1},
                        {"queue_capacity", nullptr}, {"service_time", service}};
  if (!queue.is_null()) web["queue"] = queue;
  return {{"name", "dd1"},
          {"seed", 1},
          {"duration", "100s"},
          {"network", {{"latency", "0ms"}}},
          {"components",
           {{{"id", "users"}, {"type", "client"}, {"target", "web"},
             {"arrivals", {{"process", "constant"}, {"rate", rate}}},
             {"routes", {{{"name", "get"}, {"weight", 1}}}},
             {"timeout", timeout}, {"on_timeout", on_timeout}},
            web}}};
}

nlohmann::json run(const std::string& name, const nlohmann::json& doc, std::vector<std::string> extra = {}) {
  std::vector<std::string> args = {"--quiet", "--no-report"};
  args.insert(args.end(), extra.begin(), extra.end());
  return run_summary(write_scenario(name, doc), args);
}

// Every request the service received ended one way (served, failed, cancelled at its
// deadline, dropped from the queue as expired) or is among the at most `held` still there.
void check_service_conservation(const nlohmann::json& s, double held) {
  const auto figure = [&](const std::string& k) { return has(s, "components.web." + k) ? num(s, "components.web." + k) : 0.0; };
  const double ended = figure("ok") + figure("errors") + figure("cancelled") + figure("expired");
  INFO("sent ", num(s, "requests.sent"), ", ended at web ", ended);
  CHECK(ended <= num(s, "requests.sent"));
  CHECK(ended >= num(s, "requests.sent") - held);
}

}  // namespace

TEST_CASE("on_timeout continue: the CPU of every answer nobody waits for is counted as wasted") {
  // S = 100 ms > T = 50 ms: each request's caller gives up before it ends, so all the work
  // the service does is wasted: served x S exactly, and the service is busy 5 x 0.1 = 50%.
  const auto s = run("continue", dd1(5, "50ms", "continue", "100ms"));
  const double served = num(s, "components.web.ok");
  CHECK(served >= 495);
  CHECK(num(s, "requests.ok") == 0);
  CHECK(num(s, "components.web.wasted_cpu_s") == doctest::Approx(served * 0.1).epsilon(1e-9));
  CHECK(num(s, "components.web.utilization") == doctest::Approx(0.5).epsilon(0.01));
  CHECK_FALSE(has(s, "components.web.cancelled"));

  // S = 100 ms < T = 150 ms without overload: nobody gives up, nothing is wasted.
  const auto calm = run("calm", dd1(5, "150ms", "continue", "100ms"));
  CHECK(num(calm, "components.web.wasted_cpu_s") == 0);
  CHECK(num(calm, "requests.ok") == num(calm, "requests.sent"));
}

TEST_CASE("wasted work per window: wasted_cpu_s in timeseries.csv sums to the summary's, at the rate the load sets") {
  // The same D/D/1 (5/s, S = 100 ms, T = 50 ms) in 1 s windows: 5 requests end in each, each
  // wasting 0.1 CPU-second (an arrival at k x 0.2 s ends at k x 0.2 + 0.1 s, never on a
  // window's edge), so every window reads 0.5 (the first 0.4: the first arrival is at 0.2 s)
  // and the windows add up to the whole run's.
  nlohmann::json doc = dd1(5, "50ms", "continue", "100ms");
  doc["window"] = "1s";
  const std::string out = scratch_dir("wasted-series");
  const auto r = run_archsim({"run", write_scenario("wasted-series", doc), "--json", "--quiet", "--no-report", "--out", out});
  REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
  const auto s = nlohmann::json::parse(r.out);
  const auto rows = series_rows(out + "/timeseries.csv", "web", "wasted_cpu_s");
  REQUIRE(rows.size() == 100);
  double sum = 0;
  for (const auto& row : rows) {
    CAPTURE(row.first);
    CHECK(std::stod(row.second) == doctest::Approx(row.first == 1 ? 0.4 : 0.5).epsilon(1e-9));
    sum += std::stod(row.second);
  }
  CHECK(sum == doctest::Approx(num(s, "components.web.wasted_cpu_s")).epsilon(1e-9));
}

TEST_CASE("on_timeout cancel: the callee stops at the deadline, its utilization and queue drop accordingly") {
  // 15/s of 100 ms work is 150% of one worker: run to their ends, the queue grows without
  // bound. Cancelled at T = 50 ms each costs 50 ms: 75% busy, and no request ever waits.
  const auto cont = run("overload-continue", dd1(15, "50ms", "continue", "100ms"));
  const auto canc = run("overload-cancel", dd1(15, "50ms", "cancel", "100ms"));
  CHECK(num(cont, "components.web.utilization") > 0.99);
  CHECK(num(cont, "components.web.queue_length") > 200);  // about 250: it grows 5/s for 100 s

  const double sent = num(canc, "requests.sent");
  CHECK(num(canc, "components.web.utilization") == doctest::Approx(15 * 0.05).epsilon(0.01));
  CHECK(num(canc, "components.web.queue_length") == 0);
  // Conservation: every attempt was completed, failed or cancelled; here all were cancelled.
  CHECK(num(canc, "components.web.cancelled") == sent);
  CHECK(num(canc, "components.web.ok") + num(canc, "components.web.errors") == 0);
  // What was done before the cancel is wasted too: 50 ms each.
  CHECK(num(canc, "components.web.wasted_cpu_s") == doctest::Approx(sent * 0.05).epsilon(1e-9));
  CHECK(num(canc, "requests.failed") == sent);
  check_service_conservation(canc, 0);
}

TEST_CASE("on_timeout cancel on a service's call step: the deadline travels with the call") {
  // api calls db with a 50 ms timeout; db's work is 100 ms. With "cancel" db stops at 50 ms:
  // its utilization halves (5/s x 50 ms = 25% instead of 50%).
  auto doc = [](const std::string& on_timeout) {
    nlohmann::json d = nlohmann::json::parse(R"({
      "name": "step", "seed": 1, "duration": "100s", "network": {"latency": "0ms"},
      "components": [
        {"id": "users", "type": "client", "target": "api", "timeout": "1s",
         "arrivals": {"process": "constant", "rate": 5}},
        {"id": "api", "type": "service", "concurrency": 10,
         "routes": {"default": [{"call": "db", "timeout": "50ms"}]}},
        {"id": "db", "type": "service", "concurrency": 1, "service_time": "100ms"}]})");
    d["components"][1]["routes"]["default"][0]["on_timeout"] = on_timeout;
    return d;
  };
  const auto cont = run("step-continue", doc("continue"));
  const auto canc = run("step-cancel", doc("cancel"));
  CHECK(num(cont, "components.db.utilization") == doctest::Approx(0.5).epsilon(0.01));
  CHECK(num(canc, "components.db.utilization") == doctest::Approx(0.25).epsilon(0.01));
  CHECK(num(canc, "components.db.cancelled") == doctest::Approx(num(canc, "requests.sent")).epsilon(0.005));
  CHECK(num(cont, "components.db.wasted_cpu_s") == doctest::Approx(2 * num(canc, "components.db.wasted_cpu_s")).epsilon(0.005));
}

TEST_CASE("drop_expired: a FIFO queue in overload serves only dead requests; adaptive LIFO serves live ones") {
  // 12/s on S = 100 ms (a = 83.3 ms), T = 240 ms. FIFO: the k-th arrival waits k x 16.7 ms
  // and is answered in time while k x 16.7 + 100 < 240, i.e. for k = 0..8: 9 requests. From
  // then on the queue is trimmed to what waited less than T, so each request that starts has
  // waited more than T - S and every served request is wasted: the useful share is 9 of all
  // served, with drop_expired as without (drop_expired bounds the queue, not the waste).
  const auto fifo = run("fifo", dd1(12, "240ms", "continue", "100ms"));
  const auto drop = run("fifo-drop", dd1(12, "240ms", "continue", "100ms", {{"drop_expired", true}}));
  for (const auto* s : {&fifo, &drop}) {
    const double served = num(*s, "components.web.ok");
    CHECK(served >= 995);  // the worker is always busy: 10/s for 100 s
    CHECK(num(*s, "requests.ok") == 9);
    CHECK(num(*s, "components.web.wasted_cpu_s") == doctest::Approx((served - 9) * 0.1).epsilon(1e-9));
  }
  CHECK(num(fifo, "components.web.queue_length") > 90);  // grows 2/s: about 100 on average
  // With drop_expired the queue holds at most the requests of the last T: 240 / 83.3 < 3.
  CHECK(num(drop, "components.web.queue_length") < 3);
  check_service_conservation(drop, 4);  // at the end: one in work, at most 3 queued

  // Adaptive LIFO: once the queue stands, the newest request is served, after at most one
  // service time of waiting (< T - S): every served request is useful, none is wasted.
  const auto lifo = run("lifo-drop", dd1(12, "240ms", "continue", "100ms", {{"drop_expired", true}, {"order", "adaptive_lifo"}}));
  CHECK(num(lifo, "components.web.ok") >= 995);
  CHECK(num(lifo, "requests.ok") == num(lifo, "components.web.ok"));
  CHECK(num(lifo, "components.web.wasted_cpu_s") == 0);
}

TEST_CASE("adaptive LIFO keeps the latency of served requests bounded where FIFO's grows without bound") {
  // No useful timeout (600 s): FIFO's last served request (the n-th) waited (n - 1)(S - a),
  // so its latency grows with the run: 100 ms + 1198 x 16.7 ms = 20.07 s after 120 s. LIFO
  // serves a request that arrived during the last service: at most 2 S = 200 ms.
  for (const char* d : {"60s", "120s"}) {
    CAPTURE(d);
    const auto fifo = run("lat-fifo", dd1(12, "600s", "continue", "100ms"), {"--set", std::string("duration=") + d});
    const auto lifo = run("lat-lifo", dd1(12, "600s", "continue", "100ms", {{"order", "adaptive_lifo"}}),
                          {"--set", std::string("duration=") + d});
    const double n = num(fifo, "components.web.ok");
    CHECK(num(fifo, "latency_ms.max") == doctest::Approx(100 + (n - 1) * (100 - 1000.0 / 12)).epsilon(0.01));
    CHECK(num(lifo, "latency_ms.max") <= 200 * 1.01);
    CHECK(num(lifo, "components.web.ok") == n);  // the same work done, in another order
  }
}

TEST_CASE("on_timeout cancel on a cache: operations still queued past their deadline never run, as a closed connection's unread commands") {
  // One worker of a constant 10 ms, 150/s constant arrivals (the k-th at k/150 s), T = 50 ms,
  // 10 s, no network latency. The worker is busy from the first arrival on: 999 operations
  // end by 10 s and one is in service. With cancel, the operations queued at the end are the
  // live ones, those of the last 50 ms (k = 1493..1499: 7), and every other one was dropped as
  // the worker reached it: 1499 - 999 - 1 - 7 = 492, never looked up. Without it every one
  // waits its turn: the queue grows by 50/s (a mean near 250) and none is dropped.
  nlohmann::json doc = dd1(150, "50ms", "cancel", "10ms");
  doc["duration"] = "10s";
  doc["components"][0]["target"] = "c";
  doc["components"][0]["routes"][0]["keys"] = {{"count", 100}};
  doc["components"][1] = {{"id", "c"}, {"type", "cache"}, {"capacity", 1000}, {"latency", "10ms"}, {"concurrency", 1}};
  const auto canc = run("cache-cancel", doc);
  CHECK(num(canc, "components.users.sent") == 1499);
  CHECK(num(canc, "components.c.lookups") == 999);
  CHECK(num(canc, "components.c.cancelled") == 492);
  CHECK(num(canc, "components.c.queue_length") < 8);
  doc["components"][0]["on_timeout"] = "continue";
  const auto cont = run("cache-continue", doc);
  CHECK(num(cont, "components.c.lookups") == 999);
  CHECK_FALSE(cont["components"]["c"].contains("cancelled"));
  CHECK(num(cont, "components.c.queue_length") > 200);
}

TEST_CASE("execution_timeout: a request is ended that long after a worker took it, queue time aside (PHP-FPM's request_terminate_timeout)") {
  // D/D/1 at 1/s with S = 2 s and a limit of 500 ms: every request is cut at 500 ms of its
  // work and fails as "terminated", so the worker is busy 0.5 s of each second.
  nlohmann::json cut = dd1(1, "30s", "continue", "2s");
  cut["components"][1]["execution_timeout"] = "500ms";
  const auto s = run("exec-cut", cut);
  const double sent = num(s, "requests.sent");
  CHECK(num(s, "components.web.terminated") == sent);
  CHECK(num(s, "requests.by_cause.terminated") == sent);
  CHECK(num(s, "requests.ok") == 0);
  CHECK(num(s, "components.users.latency_all_ms.max") == doctest::Approx(500));
  CHECK(num(s, "components.web.utilization") == doctest::Approx(0.5).epsilon(0.01));
  check_service_conservation(s, 1);

  // The clock starts at the worker, not at arrival: 20/s for 2 s, then 1/s, with S = 80 ms
  // (12.5/s): in the burst requests wait in the queue far longer than the limit of 100 ms,
  // and none is terminated, each having run 80 ms.
  nlohmann::json queued = dd1(10, "30s", "continue", "80ms");
  queued["components"][0]["arrivals"]["rate"] =
      nlohmann::json::array({nlohmann::json::array({"0s", 20}), nlohmann::json::array({"2s", 20}),
                             nlohmann::json::array({"2010ms", 1})});
  queued["components"][1]["execution_timeout"] = "100ms";
  const auto q = run("exec-queued", queued);
  CHECK(num(q, "components.web.terminated") == 0);
  CHECK(num(q, "requests.ok") == num(q, "requests.sent"));
  // 40 arrivals in 2 s of 80 ms each: the last of the burst waits about 3.2 - 2 = 1.2 s.
  CHECK(num(q, "components.users.latency_ms.max") > 1000);
}

TEST_CASE("execution_timeout: a call is waited for only until the limit, and the callee's work goes on") {
  // php: 100 ms of work, a call to a 10 s query, 50 ms of work; 1/s; a limit of 1 s. Each
  // request frees its worker at exactly 1 s (terminated), while the database runs every
  // query to its end: busy 10 s per second, as without the limit. Without it each php
  // worker is held 10.15 s: two workers serve at most 0.2/s, and the queue grows.
  nlohmann::json d = {{"seed", 1}, {"duration", "100s"}, {"network", {{"latency", "0ms"}}},
                      {"components",
                       {{{"id", "users"}, {"type", "client"}, {"target", "php"}, {"timeout", "60s"},
                         {"arrivals", {{"process", "constant"}, {"rate", 1}}}},
                        {{"id", "php"}, {"type", "service"}, {"replicas", 1}, {"concurrency", 2},
                         {"execution_timeout", "1s"},
                         {"routes", {{"default", {{{"work", "100ms"}}, {{"call", "db"}}, {{"work", "50ms"}}}}}}},
                        {{"id", "db"}, {"type", "service"}, {"replicas", 1}, {"concurrency", 100}, {"service_time", "10s"}}}}};
  const auto s = run("exec-call", d);
  const double sent = num(s, "requests.sent");
  // The last arrival (99 s) would end at the run's end instant: still in flight.
  CHECK(num(s, "components.php.terminated") == sent - 1);
  CHECK(num(s, "requests.failed") == sent - 1);
  CHECK(num(s, "components.users.latency_all_ms.max") == doctest::Approx(1000));
  CHECK(num(s, "components.php.busy_workers") == doctest::Approx(sent * 1.0 / 100).epsilon(0.01));
  CHECK(num(s, "components.php.cpu_utilization") * 2 == doctest::Approx(sent * 0.1 / 100).epsilon(0.01));
  CHECK(num(s, "components.db.busy_workers") > 9);  // every query runs its 10 s

  d["components"][1].erase("execution_timeout");
  const auto held = run("exec-call-held", d);
  CHECK(num(held, "components.php.busy_workers") > 1.9);
  CHECK(num(held, "requests.ok") < 0.25 * sent);
}
