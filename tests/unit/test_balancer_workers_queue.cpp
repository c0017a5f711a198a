// Two balancer mechanisms against the real systems' documented rules:
//  - NGINX worker processes without an upstream `zone` (ngx_http_upstream_least_conn_module.c
//    reads peer->conns from the worker's own copy of the peers): each worker balances on the
//    connections it opened itself, and the kernel hands connections to workers in runs of 16
//    (ngx_event_accept.c, ngx_reorder_accept_events) or, with reuseport, by a hash.
//  - HAProxy's `maxconn` on server lines and its backend queue (src/queue.c): never more than
//    maxconn requests in flight to a server, the rest wait in the proxy in arrival order and
//    go to the first server that frees; `timeout queue` answers 503 to those that waited that
//    long. The M/M/c comparison against Erlang C is end to end (tests/e2e/test_proxy_queue.cpp).
#include <doctest/doctest.h>

#include <string>

#include "tests/unit/harness.h"

using namespace archsim;
using namespace archsim::test;

namespace {

// The latency figures `name` (e.g. "queue.wait_ms") of component `id`.
LatencyStats lat(const RunResult& r, const std::string& id, const std::string& name) {
  for (const ComponentResult& c : r.components)
    if (c.id == id)
      for (const auto& [k, v] : c.report.latencies())
        if (k == name) return v;
  FAIL("component " << id << " has no latency " << name);
  return {};
}

std::string two_targets(const std::string& lb, const std::string& arrivals, const std::string& fast_time,
                        const std::string& slow_time, int concurrency) {
  const std::string c = std::to_string(concurrency);
  return R"({"name": "t", "duration": "200s", "warmup": "10s", "components": [
    {"id": "users", "type": "client", "target": "lb", "timeout": "60s", "arrivals": )" + arrivals + R"(},
    {"id": "lb", "type": "balancer", "latency": "0ms", "targets": ["fast", "slow"], )" + lb + R"(},
    {"id": "fast", "type": "service", "concurrency": )" + c + R"(, "service_time": )" + fast_time + R"(},
    {"id": "slow", "type": "service", "concurrency": )" + c + R"(, "service_time": )" + slow_time + R"(}]})";
}

}  // namespace

TEST_CASE("balancer workers: without a shared zone each worker counts only its own connections (NGINX least_conn)") {
  // 100 requests/s (one every 10 ms), fast answers in 2 ms, slow in 200 ms, least_conn.
  // One shared view: fast is idle at every arrival; slow, once free, gets the next tie that
  // the round robin gives it: one request per 210-220 ms, a share of about 0.046.
  // 64 workers, NGINX's exclusive accept: each worker takes 16 requests in a row, 10 s after
  // its last run, with nothing of its own in flight: its first two requests tie (one goes to
  // slow, by its own round robin) and slow's 200 ms outlast the run, so the other 15 go to
  // fast: exactly 1/16 of the requests go to slow.
  // 64 workers, reuseport: each request to a worker drawn at random, 0.64 s apart on average
  // for one worker: nearly every pick is a tie, and each worker's round robin alternates:
  // slow gets close to 1/2.
  const std::string arrivals = R"({"process": "constant", "rate": 100})";
  const Run one = run(two_targets(R"("algorithm": "least_connections")", arrivals, R"("2ms")", R"("200ms")", 1000));
  const Run shared = run(two_targets(R"("algorithm": "least_connections", "workers": 64, "shared_zone": true)", arrivals,
                                     R"("2ms")", R"("200ms")", 1000));
  const Run exclusive = run(two_targets(R"("algorithm": "least_connections", "workers": 64)", arrivals, R"("2ms")",
                                        R"("200ms")", 1000));
  const Run reuseport = run(two_targets(R"("algorithm": "least_connections", "workers": 64, "accept": "reuseport")",
                                        arrivals, R"("2ms")", R"("200ms")", 1000));
  MESSAGE("slow share: one worker " << fig(one, "lb", "share.slow") << ", 64 sharing a zone "
                                    << fig(shared, "lb", "share.slow") << ", 64 exclusive " << fig(exclusive, "lb", "share.slow")
                                    << ", 64 reuseport " << fig(reuseport, "lb", "share.slow"));
  CHECK(fig(one, "lb", "share.slow") > 0.04);
  CHECK(fig(one, "lb", "share.slow") < 0.05);
  // A shared zone is one view: the same run as one worker, request for request.
  CHECK(fig(shared, "lb", "share.slow") == fig(one, "lb", "share.slow"));
  CHECK(lat(shared, "lb", "latency_ms").p99 == lat(one, "lb", "latency_ms").p99);
  CHECK(fig(exclusive, "lb", "share.slow") == doctest::Approx(1.0 / 16).epsilon(0.01));
  CHECK(fig(reuseport, "lb", "share.slow") > 0.4);
  CHECK(fig(reuseport, "lb", "share.slow") < 0.5);
  CHECK(fig(exclusive, "lb", "workers") == 64);
}

TEST_CASE("balancer queue: max_conn caps each target, the rest wait in the proxy in order (HAProxy maxconn)") {
  // One target that could run 10 at once, maxconn 1, 100 ms of work: the proxy lets one
  // request through at a time, so throughput is 10/s whatever the offered load. Offered 5/s
  // (one every 200 ms) nobody waits; offered 20/s (constant) the queue grows by 10/s and,
  // with `timeout queue` 1 s, those that waited 1 s are answered 503: about 10/s of them.
  const std::string one_target = R"({"name": "t", "duration": "100s", "components": [
    {"id": "users", "type": "client", "target": "lb", "timeout": "60s", "arrivals": {"process": "constant", "rate": RATE}},
    {"id": "lb", "type": "balancer", "latency": "0ms", "targets": ["s"], "max_conn": 1, "queue_timeout": "1s"},
    {"id": "s", "type": "service", "concurrency": 10, "service_time": "100ms"}]})";
  auto with_rate = [&](const std::string& rate) {
    std::string s = one_target;
    s.replace(s.find("RATE"), 4, rate);
    return s;
  };
  const Run light = run(with_rate("5"));
  CHECK(fig(light, "lb", "queue.waited") == 0);
  CHECK(fig(light, "lb", "backends.s.in_flight") == doctest::Approx(0.5).epsilon(0.01));
  const Run heavy = run(with_rate("20"));
  CHECK(fig(heavy, "lb", "throughput_rps") == doctest::Approx(10).epsilon(0.01));
  CHECK(fig(heavy, "lb", "backends.s.in_flight") <= 1.0);
  CHECK(fig(heavy, "lb", "queue.timeouts") == doctest::Approx(1000).epsilon(0.02));
  CHECK(fig(heavy, "lb", "rejected") == 0);  // the 503s are the queue's, not max_connections'
  // FIFO with a 1 s limit: a request that got through waited at most 1 s, and in steady
  // state each waited almost exactly that long (the queue is always 1 s deep).
  CHECK(lat(heavy, "lb", "queue.wait_ms").max <= 1000.0 * 1.01);
  CHECK(lat(heavy, "lb", "queue.wait_ms").p50 == doctest::Approx(1000).epsilon(0.05));
}

TEST_CASE("balancer queue: the first target to free takes the head of the queue") {
  // Two targets of maxconn 1, 300 ms and 500 ms of constant work, offered 10/s: both are
  // always busy and each takes the oldest waiting request the moment it frees, so they serve
  // 1/0.3 and 1/0.5 requests a second: shares 5/8 and 3/8, 5.33 requests/s in all (the rest
  // time out in the queue). Without the queue, round robin would give each 1/2.
  const Run r = run(two_targets(R"("algorithm": "round_robin", "max_conn": 1, "queue_timeout": "2s")",
                                R"({"process": "constant", "rate": 10})", R"("300ms")", R"("500ms")", 10));
  CHECK(fig(r, "lb", "share.fast") == doctest::Approx(0.625).epsilon(0.01));
  CHECK(fig(r, "lb", "throughput_rps") == doctest::Approx(16.0 / 3).epsilon(0.01));
  CHECK(fig(r, "lb", "backends.fast.in_flight") <= 1.0);
  CHECK(fig(r, "lb", "backends.slow.in_flight") <= 1.0);
  CHECK(lat(r, "lb", "queue.wait_ms").max <= 2000.0 * 1.01);
}
