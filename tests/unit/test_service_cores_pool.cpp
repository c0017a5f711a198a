// Threads vs cores and the service-level connection pool, against queueing theory:
// processor sharing is insensitive (M/D/1-PS waits E[S]/(1-rho), where FIFO M/D/1 waits far
// less), cores shared by many threads behave as M/M/c, and one pool shared by two routes
// is one M/M/c queue for its connections (Erlang C), not two.
#include <doctest/doctest.h>

#include "tests/unit/harness.h"

using namespace archsim;

TEST_CASE("cores: 100 threads on one core are processor sharing (M/D/1-PS: 50 ms at rho 0.8, FIFO would give 30)") {
  RunResult ps = test::run(R"({"duration": "40m", "warmup": "1m", "components": [
    {"id": "c", "type": "client", "target": "s", "arrivals": {"rate": 80}},
    {"id": "s", "type": "service", "concurrency": 100, "cores": 1, "service_time": "10ms"}]})");
  // PS mean sojourn E[S]/(1 - rho) for any service distribution; the 40-minute run's
  // relative error is a few percent at this load.
  CHECK(ps.latency.mean == doctest::Approx(50.0).epsilon(0.06));
  CHECK(test::fig(ps, "s", "cpu_utilization") == doctest::Approx(0.8).epsilon(0.02));
  CHECK(test::fig(ps, "s", "utilization") < 0.1);  // threads are mostly idle, the core is not
}

TEST_CASE("cores: 4 cores shared by 200 threads with exponential work are an M/M/4 (Erlang C)") {
  RunResult r = test::run(R"({"duration": "40m", "warmup": "1m", "components": [
    {"id": "c", "type": "client", "target": "s", "arrivals": {"rate": 320}},
    {"id": "s", "type": "service", "concurrency": 200, "cores": 4, "service_time": {"dist": "exponential", "mean": "10ms"}}]})");
  // lambda 320, mu 100, c 4: a = 3.2, rho 0.8; Erlang C = 0.5964, W = 10 + 0.5964 / (400 - 320) s = 17.46 ms.
  CHECK(r.latency.mean == doctest::Approx(17.46).epsilon(0.04));
}

TEST_CASE("pool: one service-level pool serves every route's calls to its components (one M/M/2, Erlang C)") {
  // Two routes at 100/s and 50/s call the database through one pool of 2 connections per
  // instance; a connection is held for the 10 ms exponential query: M/M/2 with lambda 150,
  // mu 100: Erlang C(2, 1.5) = 9/14, W = 10 ms + (9/14) / 50 s = 22.86 ms. Two pools of 2
  // (one per route) would give 11.9 and 10.4 ms.
  RunResult r = test::run(R"({"duration": "40m", "warmup": "1m", "components": [
    {"id": "c", "type": "client", "target": "api", "arrivals": {"rate": 150},
     "routes": [{"name": "a", "weight": 2}, {"name": "b", "weight": 1}]},
    {"id": "api", "type": "service", "concurrency": 500, "pool": {"size": 2, "acquire_timeout": "60s", "for": ["db"]},
     "routes": {"a": [{"call": "db", "route": "q"}], "b": [{"call": "db", "route": "q", "timeout": "30s"}]}},
    {"id": "db", "type": "service", "concurrency": 100, "service_time": {"dist": "exponential", "mean": "10ms"}}]})");
  CHECK(r.outcomes.failed() == 0);
  CHECK(r.latency.mean == doctest::Approx(10.0 + 9.0 / 14.0 / 50.0 * 1000.0).epsilon(0.05));
  CHECK(test::fig(r, "api", "pool.pool_in_use") == doctest::Approx(1.5).epsilon(0.03));  // Little: 150/s x 10 ms
}

TEST_CASE("pool: bad service-level pool input is refused at its JSON location") {
  auto err = [](const std::string& svc) {
    return test::build_error(R"({"components": [
      {"id": "c", "type": "client", "target": "api", "arrivals": {"rate": 1}},
      {"id": "api", "type": "service", )" + svc + R"(, "routes": {"default": [{"call": "db"}]}},
      {"id": "db", "type": "service", "service_time": "1ms"}]})");
  };
  CHECK(err(R"("pool": {"size": 2})").pointer() == "/components/1/pool/for");
  CHECK(err(R"("pool": {"size": 2, "for": ["dbb"]})").pointer() == "/components/1/pool/for/0");
  CHECK(err(R"("pool": {"size": 2, "for": ["db"]}, "retry": {"max_attempts": 2})").pointer() == "/components/1/retry");
  CHECK(err(R"("cores": 2, "concurrency": 1)").pointer() == "/components/1/cores");
  CHECK(err(R"("io": "nonblocking")").pointer() == "/components/1/io");
  CHECK(std::string(err(R"("io": "nonblocking")").what()).find("async") != std::string::npos);
  CHECK(test::build_error(R"({"components": [
      {"id": "c", "type": "client", "target": "api", "arrivals": {"rate": 1}},
      {"id": "api", "type": "service", "routes": {"default": [{"call": "db", "pool": {"size": 1, "for": ["db"]}}]}},
      {"id": "db", "type": "service", "service_time": "1ms"}]})").pointer() == "/components/1/routes/default/0/pool/for");
}

TEST_CASE("memory: requests held count against the limit at all times; passing it OOM-kills the instance") {
  // 50 MB base + 10 MB per request held, 100 MB limit: the sixth request held kills it. At
  // 60 req/s on one 10 ms worker queues form (rho 0.6), so some instant holds six; at
  // 5 MB per request the eleventh would be needed, and the queue is almost never that long.
  auto scenario = [](const char* per_request) {
    return std::string(R"({"duration": "10m", "components": [
      {"id": "c", "type": "client", "target": "s", "arrivals": {"rate": 60}},
      {"id": "s", "type": "service", "concurrency": 1, "restart_time": "1s",
       "memory": {"limit_mb": 100, "base_mb": 50, "per_request_mb": )") + per_request + R"(},
       "service_time": {"dist": "exponential", "mean": "10ms"}}]})";
  };
  RunResult heavy = test::run(scenario("10"));
  CHECK(test::fig(heavy, "s", "dropped") > 0);
  CHECK(heavy.outcomes.by_status[static_cast<int>(Status::Dropped)] > 0);
  RunResult light = test::run(scenario("0.5"));
  CHECK(light.outcomes.failed() == 0);
}
