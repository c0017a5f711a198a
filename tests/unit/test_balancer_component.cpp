// The balancer component in small simulations built from JSON strings, against the real
// systems' published behaviour: NGINX's smooth weighted round robin gives weights 3:2:1
// exactly 1/2, 1/3 and 1/6 of the requests (the cycle a b a c a b); active health checks
// detect a failure after unhealthy_threshold probes, i.e. within one interval of
// unhealthy_threshold x interval (Envoy / HAProxy / NGINX Plus docs); Envoy's
// consecutive_5xx outlier detection ejects after exactly N errors for base_ejection_time x
// (times ejected) and un-ejects at interval sweeps; and bad input fails before t = 0 with the
// JSON location.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdlib>
#include <string>

#include <nlohmann/json.hpp>

#include "tests/unit/harness.h"
#include "models/balancer/passive_health.h"
#include "scenario/errors.h"
#include "sim/simulation.h"

using namespace archsim;
using namespace archsim::test;

namespace {


const ComponentReport& report(const RunResult& r, const std::string& id) {
  for (const ComponentResult& c : r.components)
    if (c.id == id) return c.report;
  FAIL("no component " << id);
  std::abort();
}


bool has_fig(const RunResult& r, const std::string& id, const std::string& name) {
  for (const auto& [k, v] : report(r, id).figures())
    if (k == name) return true;
  return false;
}


// A client -> lb -> targets scenario; `lb` is the balancer's JSON without id and type.
std::string scenario(const std::string& lb, const std::string& services, const std::string& client_extra = "",
                     const std::string& top_extra = "") {
  return R"({"name": "t", "duration": "100s", )" + top_extra + R"("components": [
    {"id": "users", "type": "client", "target": "lb", "timeout": "5s", )" +
         client_extra + R"(},
    {"id": "lb", "type": "balancer", )" +
         lb + "}, " + services + "]}";
}

std::string fast_service(const std::string& id) {
  return R"({"id": ")" + id + R"(", "type": "service", "concurrency": 8, "service_time": "1ms"})";
}

}  // namespace

TEST_CASE("balancer: weighted_round_robin 3:2:1 sends exactly 1/2, 1/3 and 1/6 of the requests (NGINX upstream example)") {
  // Smooth WRR with weights 3,2,1 repeats a b a c a b: every 6 picks, 3 to a, 2 to b, 1 to c.
  // 600 constant arrivals a second for 100 s = 60,000 picks = 10,000 whole cycles; a wrong
  // algorithm (plain round robin, random, weights off by one) misses by thousands.
  const RunResult r = run(scenario(
      R"("algorithm": "weighted_round_robin", "targets": [{"id": "a", "weight": 3}, {"id": "b", "weight": 2}, "c"])",
      fast_service("a") + "," + fast_service("b") + "," + fast_service("c"),
      R"("arrivals": {"process": "constant", "rate": 600})"));
  const double a = fig(r, "lb", "backends.a.requests"), b = fig(r, "lb", "backends.b.requests"),
               c = fig(r, "lb", "backends.c.requests");
  const double n = a + b + c;
  REQUIRE(n >= 59990);
  // Whatever point of the cycle the run ends at, each count is within one cycle's share.
  CHECK(std::fabs(a - n / 2) <= 3);
  CHECK(std::fabs(b - n / 3) <= 2);
  CHECK(std::fabs(c - n / 6) <= 1);
  CHECK(fig(r, "lb", "share.a") == doctest::Approx(0.5).epsilon(1e-4));
  CHECK(fig(r, "lb", "share.b") == doctest::Approx(1.0 / 3).epsilon(1e-4));
  CHECK(fig(r, "lb", "share.c") == doctest::Approx(1.0 / 6).epsilon(1e-4));
  CHECK(fig(r, "lb", "errors") == 0);
  // Equal servers and constant work: requests in flight per unit of weight are equal.
  CHECK(fig(r, "lb", "imbalance_cv_requests") < 1e-3);
}

TEST_CASE("balancer: round_robin ignores weights") {
  const std::string services = fast_service("a") + "," + fast_service("b");
  const RunResult rr = run(scenario(R"("algorithm": "round_robin", "targets": [{"id": "a", "weight": 3}, "b"])", services,
                                    R"("arrivals": {"process": "constant", "rate": 100})"));
  CHECK(fig(rr, "lb", "share.a") == doctest::Approx(0.5).epsilon(1e-3));
}

TEST_CASE("balancer: L7 routes send a route to its own subset of targets") {
  // "static" (half the requests) goes to s1 only; the rest is round-robined over s1 and s2:
  // s1 gets 1/2 + 1/4 = 3/4.
  const RunResult r = run(scenario(
      R"("algorithm": "round_robin", "targets": ["s1", "s2"], "routes": {"static": ["s1"]})",
      fast_service("s1") + "," + fast_service("s2"),
      R"("arrivals": {"process": "poisson", "rate": 200}, "routes": [{"name": "static"}, {"name": "api"}])"));
  CHECK(fig(r, "lb", "share.s1") == doctest::Approx(0.75).epsilon(0.02));
}

TEST_CASE("balancer: max_connections caps requests in flight and rejects the rest with 503") {
  // 100 req/s of 1 s work each would keep 100 in flight; the cap is 10.
  const RunResult r = run(scenario(
      R"("targets": ["slow"], "max_connections": 10, "latency": "0ms")",
      R"({"id": "slow", "type": "service", "concurrency": 1000, "service_time": "1s"})",
      R"("arrivals": {"process": "constant", "rate": 100})"));
  CHECK(fig(r, "lb", "in_flight") <= 10.0);
  CHECK(fig(r, "lb", "in_flight") > 9.0);
  // Throughput is capped at 10 in flight / 1 s = 10 req/s (Little's law).
  CHECK(fig(r, "lb", "throughput_rps") == doctest::Approx(10).epsilon(0.05));
  CHECK(fig(r, "lb", "rejected") > 8000);
  CHECK(r.outcomes.by_status[static_cast<int>(Status::Rejected)] > 8000);
}

TEST_CASE("balancer: max_rps refuses what exceeds the token bucket with 429") {
  const RunResult r = run(scenario(R"("targets": ["a"], "max_rps": 50)", fast_service("a"),
                                   R"("arrivals": {"process": "constant", "rate": 100})"));
  // One second of burst, then 50 a second: 50 + 50 x 100 admitted of 10,000.
  CHECK(fig(r, "lb", "ok") == doctest::Approx(5050).epsilon(0.002));
  CHECK(fig(r, "lb", "rate_limited") == doctest::Approx(4950).epsilon(0.002));
}

namespace {

// s3 is blocked from t = 20 s by a hog request of `hog_s` seconds (one worker): probes
// queue behind it and time out. Users send 50 req/s round robin over s1..s3.
std::string blocked_backend(const std::string& hc, const std::string& lb_extra = "", int hog_s = 1000) {
  return R"({"name": "hc", "duration": "200s", "components": [
    {"id": "users", "type": "client", "target": "lb", "timeout": "5s", "sessions": 300,
     "arrivals": {"process": "poisson", "rate": 50}},
    {"id": "lb", "type": "balancer", "algorithm": "round_robin", "targets": ["s1", "s2", "s3"], )" +
         lb_extra + R"("health_check": )" + hc + R"(},
    {"id": "s1", "type": "service", "concurrency": 4, "service_time": "2ms"},
    {"id": "s2", "type": "service", "concurrency": 4, "service_time": "2ms"},
    {"id": "s3", "type": "service", "concurrency": 1,
     "routes": {"*": [{"work": "2ms"}], "hog": [{"work": ")" +
         std::to_string(hog_s) + R"(s"}]}},
    {"id": "hog", "type": "client", "target": "s3", "timeout": "1h", "routes": [{"name": "hog"}],
     "arrivals": {"process": "constant", "rate": [[0, 0], [19, 0], [19.001, 1], [20, 1], [20.001, 0]]}}
  ]})";
}

}  // namespace

TEST_CASE("balancer: health checks detect a failed backend within one interval of unhealthy_threshold x interval") {
  // The failure starts at F = 20.001 s (the hog arrives). The first probe after F is sent at
  // P1 in (F, F + I]; probes P1, P1 + I, ..., P1 + (u-1) I all time out after T, so the
  // ejection comes at P1 + (u-1) I + T: a detection delay in ((u-1) I + T, u I + T], which
  // for T <= I is within I of u x I. Ejecting on the first failure or needing u + 1 would miss.
  struct Case { double interval, timeout; int unhealthy; };
  for (const Case c : {Case{1, 0.5, 3}, Case{2, 1, 2}, Case{5, 1, 3}, Case{0.5, 0.1, 5}}) {
    CAPTURE(c.interval);
    CAPTURE(c.unhealthy);
    const std::string hc = R"({"interval": ")" + std::to_string(c.interval) + R"(s", "timeout": ")" +
                           std::to_string(c.timeout) + R"(s", "unhealthy_threshold": )" + std::to_string(c.unhealthy) +
                           R"(, "healthy_threshold": 2})";
    const RunResult r = run(blocked_backend(hc));
    REQUIRE(has_fig(r, "lb", "backends.s3.first_ejection_s"));
    const double delay = fig(r, "lb", "backends.s3.first_ejection_s") - 20.001;
    CHECK(delay > (c.unhealthy - 1) * c.interval + c.timeout - 1e-6);
    CHECK(delay <= c.unhealthy * c.interval + c.timeout + 1e-6);
    CHECK(std::fabs(delay - c.unhealthy * c.interval) <= c.interval + 1e-6);
    CHECK(fig(r, "lb", "backends.s1.ejections") == 0);
    CHECK(fig(r, "lb", "backends.s2.ejections") == 0);
    CHECK(fig(r, "lb", "backends.s3.ejections") == 1);
  }
}

TEST_CASE("balancer: a failed backend keeps receiving traffic until detected, then none; it returns after healthy_threshold probes") {
  // Hog of 60 s: s3 is blocked over [20, 80]. Interval 2 s, timeout 1 s, fall 3, rise 2.
  const RunResult r = run(blocked_backend(
      R"({"interval": "2s", "timeout": "1s", "unhealthy_threshold": 3, "healthy_threshold": 2})", "", 60));
  const double ejected_at = fig(r, "lb", "backends.s3.first_ejection_s");
  const double ejected_s = fig(r, "lb", "backends.s3.ejected_fraction") * 200;
  // Back after the blockage ends (80 s) plus one to two probes: ejected for about
  // 80 - ejected_at + (1..2) x interval.
  // (A probe sent up to one timeout before the end may already succeed, hence the -1.)
  CHECK(ejected_s > 80.001 - ejected_at + 2 - 1);
  CHECK(ejected_s <= 80.001 - ejected_at + 2 * 2 + 0.5);
  CHECK(fig(r, "lb", "backends.s3.ejections") == 1);
  // Requests sent to s3 before detection queued behind the hog and timed out at the client.
  CHECK(r.outcomes.by_status[static_cast<int>(Status::Timeout)] > 50);
  CHECK(fig(r, "lb", "share.s3") < 0.30);  // about 2/3 of the run's share of 1/3
}

TEST_CASE("balancer: sticky sessions keep a session on its backend and move it when the backend is ejected") {
  const RunResult healthy = run(scenario(
      R"("algorithm": "round_robin", "sticky": {"cookie": true}, "targets": ["a", "b", "c"])",
      fast_service("a") + "," + fast_service("b") + "," + fast_service("c"),
      R"("arrivals": {"process": "poisson", "rate": 100}, "sessions": 30)"));
  CHECK(fig(healthy, "lb", "sticky.sessions") == 30);
  CHECK(fig(healthy, "lb", "sticky.moved") == 0);
  // Round robin over first requests: 10 sessions each, so shares near 1/3.
  CHECK(fig(healthy, "lb", "share.a") == doctest::Approx(1.0 / 3).epsilon(0.1));

  // When s3 is ejected its sessions (about a third of 300) are balanced anew, once each.
  const RunResult failed = run(blocked_backend(
      R"({"interval": "1s", "timeout": "0.5s", "unhealthy_threshold": 2, "healthy_threshold": 2})",
      R"("sticky": {"cookie": true}, )"));
  const double moved = fig(failed, "lb", "sticky.moved");
  CHECK(moved > 60);
  CHECK(moved <= 120);
  // They stay on their new servers: s3 gets no new sessions after it left.
  CHECK(fig(failed, "lb", "share.s3") < 0.15);
}

TEST_CASE("balancer: outlier detection ejects after consecutive_5xx errors for base_ejection_time x times ejected (Envoy)") {
  // "bad" answers every request with an error (an error_rate fault of 1 from t = 0). consecutive_5xx 5: 5 errors, ejected at once for 30 s; un-ejected at the first
  // 10 s sweep after that (t = 40 s); 5 more errors, ejected for 60 s (until after t = 100).
  // max_ejection_percent 10 of 2 hosts is less than one host, but Envoy always allows one.
  const RunResult r = run(scenario(
      R"("algorithm": "round_robin", "targets": ["good", "bad"],
         "outlier_detection": {"consecutive_5xx": 5, "base_ejection_time": "30s", "max_ejection_percent": 10})",
      fast_service("good") + ", " + fast_service("bad"), R"("arrivals": {"process": "constant", "rate": 100})",
      R"("faults": [{"at": "0s", "kind": "error_rate", "target": "bad", "rate": 1}], )"));
  CHECK(fig(r, "lb", "backends.bad.errors") == 10);
  CHECK(fig(r, "lb", "backends.bad.ejections") == 2);
  // Ejected over about [0.02, 40] and [40.1, 100]: 99.8% of the run.
  CHECK(fig(r, "lb", "backends.bad.ejected_fraction") > 0.99);
  CHECK(fig(r, "lb", "backends.good.errors") == 0);
}

TEST_CASE("balancer: bad balancer input fails before t = 0 with its JSON location") {
  const std::string svc = fast_service("a") + "," + fast_service("b");
  const std::string arr = R"("arrivals": {"rate": 10})";
  SUBCASE("unknown algorithm, with a suggestion") {
    auto e = build_error(scenario(R"("algorithm": "least_connection", "targets": ["a", "b"])", svc, arr));
    CHECK(e.pointer() == "/components/1/algorithm");
    CHECK(std::string(e.what()).find("did you mean \"least_connections\"") != std::string::npos);
  }
  SUBCASE("zero weight") {
    auto e = build_error(scenario(R"("targets": ["a", {"id": "b", "weight": 0}])", svc, arr));
    CHECK(e.pointer() == "/components/1/targets/1/weight");
  }
  SUBCASE("negative weight") {
    auto e = build_error(scenario(R"("targets": [{"id": "a", "weight": -2}, "b"])", svc, arr));
    CHECK(e.pointer() == "/components/1/targets/0/weight");
  }
  SUBCASE("no targets") {
    auto e = build_error(scenario(R"("targets": [])", svc, arr));
    CHECK(e.pointer() == "/components/1/targets");
    auto e2 = build_error(scenario(R"("algorithm": "random")", svc, arr));
    CHECK(e2.pointer() == "/components/1/targets");
  }
  SUBCASE("unknown target, with a suggestion") {
    auto e = build_error(scenario(R"("targets": ["a", "bb"])", svc, arr));
    CHECK(e.pointer() == "/components/1/targets/1");
    CHECK(std::string(e.what()).find("did you mean") != std::string::npos);
  }
  SUBCASE("consistent hashing with no key source (an L4 balancer sees no request key)") {
    for (const char* algo : {"consistent_hash", "maglev", "hash"}) {
      auto e = build_error(scenario(std::string(R"("mode": "l4", "algorithm": ")") + algo + R"(", "targets": ["a", "b"])",
                                    svc, arr));
      CHECK(e.pointer() == "/components/1/algorithm");
    }
    // Hashing the client connection is what an L4 balancer can do.
    Simulation ok(nlohmann::json::parse(scenario(R"("mode": "l4", "algorithm": "maglev", "hash_on": "client", "targets": ["a", "b"])",
                                                 svc, arr)),
                  registry());
  }
  SUBCASE("routes and cookies need L7") {
    auto e = build_error(scenario(R"("mode": "l4", "routes": {"x": ["a"]}, "targets": ["a", "b"])", svc, arr));
    CHECK(e.pointer() == "/components/1/routes");
    auto e2 = build_error(scenario(R"("mode": "l4", "sticky": {"cookie": true}, "targets": ["a", "b"])", svc, arr));
    CHECK(e2.pointer() == "/components/1/sticky/cookie");
  }
  SUBCASE("a route naming a component that is not a target") {
    auto e = build_error(scenario(R"("routes": {"x": ["a", "c"]}, "targets": ["a", "b"])", svc, arr));
    CHECK(e.pointer() == "/components/1/routes/x/1");
  }
  SUBCASE("health check timeout longer than its interval") {
    auto e = build_error(scenario(R"("health_check": {"interval": "1s", "timeout": "2s"}, "targets": ["a", "b"])", svc, arr));
    CHECK(e.pointer() == "/components/1/health_check/timeout");
  }
  SUBCASE("unknown field, with a suggestion") {
    auto e = build_error(scenario(R"("max_conections": 5, "targets": ["a", "b"])", svc, arr));
    CHECK(e.pointer() == "/components/1/max_conections");
    CHECK(std::string(e.what()).find("max_connections") != std::string::npos);
  }
}

// NGINX's max_fails / fail_timeout bookkeeping (ngx_http_upstream_round_robin.c), step by step
// on a hand-worked sequence with max_fails = 2, fail_timeout = 10 s.
TEST_CASE("passive health: NGINX's fails / accessed / checked rules") {
  PassiveHealth h(1, PassiveHealthParams{2, 10 * kSecond});
  CHECK(h.available(0, 0));
  h.on_result(0, 0, true);  // fails 1, accessed = checked = 0
  CHECK(h.available(0, 0));
  h.on_result(0, 5 * kSecond, false);  // accessed == checked: no reset
  CHECK(h.fails(0) == 1);
  CHECK_FALSE(h.on_chosen(0, 8 * kSecond));  // 8 - 0 <= 10: checked stays
  CHECK(h.on_result(0, 8 * kSecond, true));  // fails 2 >= 2: unavailable
  CHECK_FALSE(h.available(0, 8 * kSecond));
  CHECK(h.available_again(0) == 18 * kSecond + 1);
  CHECK_FALSE(h.available(0, 18 * kSecond));  // now - checked <= fail_timeout
  CHECK(h.available(0, 18 * kSecond + 1));
  CHECK(h.on_chosen(0, 20 * kSecond));  // the trial: checked = 20, the others keep away
  CHECK_FALSE(h.available(0, 20 * kSecond));
  CHECK(h.on_result(0, 20 * kSecond + kMillisecond, false));  // accessed 8 < checked 20: fails = 0
  CHECK(h.available(0, 20 * kSecond + kMillisecond));
  CHECK(h.fails(0) == 0);
  // Failures further apart than fail_timeout add up unless a chosen request succeeds between.
  h.on_result(0, 21 * kSecond, true);
  CHECK_FALSE(h.on_chosen(0, 32 * kSecond));  // checked = 32 (it stays available: fails 1)
  h.on_result(0, 32 * kSecond, false);       // accessed 21 < checked 32: reset
  CHECK(h.fails(0) == 0);
  h.on_result(0, 33 * kSecond, true);
  CHECK(h.available(0, 33 * kSecond));
  // max_fails = 0: never unavailable.
  PassiveHealth off(1, PassiveHealthParams{0, 10 * kSecond});
  for (int i = 0; i < 10; ++i) off.on_result(0, i, true);
  CHECK(off.available(0, 10));
  CHECK(off.available_again(0) == kTimeMax);
}

// "bad" answers every request with an error at once (an error_rate fault of 1 from t = 0).
const std::string kBadFails = R"("faults": [{"at": "0s", "kind": "error_rate", "target": "bad", "rate": 1}], )";

// A target that fails every request ("bad" answers 500 at once), max_fails 1, fail_timeout
// 10 s, and next_upstream passing 500s on: bad fails once, is out for 10 s, is tried by one
// request within two arrivals (20 ms) of its return, fails again, and so on. In 100 s that is
// failures at t1 < 0.03 s and then every 10.01 to 10.02 s: t1 + 9 x 10.02 < 100 <
// t1 + 10 x 10.01, so exactly 10, each passed on to "good": no request fails.
TEST_CASE("balancer: max_fails / fail_timeout keep a failing target out for fail_timeout at a time (NGINX)") {
  const std::string services =
      fast_service("good") + "," + fast_service("bad");
  const RunResult r = run(scenario(
      R"("algorithm": "round_robin", "latency": "0s", "targets": ["good", "bad"],
         "max_fails": 1, "fail_timeout": "10s", "next_upstream": ["error", "timeout", "http_500"])",
      services, R"("arrivals": {"process": "constant", "rate": 100})", kBadFails));
  CHECK(fig(r, "lb", "backends.bad.requests") == 10);
  CHECK(fig(r, "lb", "backends.bad.fail_timeouts") == 10);
  CHECK(fig(r, "lb", "next_upstream.retries") == 10);
  CHECK(fig(r, "lb", "backends.bad.ejected_fraction") > 0.99);
  CHECK(fig(r, "lb", "errors") == 0);
  CHECK(r.outcomes.failed() == 0);
  // fail_timeout 25 s: failures at t1, ~25.01, ~50.02, ~75.03: 4.
  const RunResult r25 = run(scenario(
      R"("algorithm": "round_robin", "latency": "0s", "targets": ["good", "bad"],
         "max_fails": 1, "fail_timeout": "25s", "next_upstream": ["http_500"])",
      services, R"("arrivals": {"process": "constant", "rate": 100})", kBadFails));
  CHECK(fig(r25, "lb", "backends.bad.fail_timeouts") == 4);
  // 500s are not failures for max_fails unless next_upstream names http_500 (NGINX calls
  // ngx_http_upstream_next for them only then): bad keeps half the traffic.
  const RunResult plain = run(scenario(
      R"("algorithm": "round_robin", "latency": "0s", "targets": ["good", "bad"], "max_fails": 1)", services,
      R"("arrivals": {"process": "constant", "rate": 100})"));
  CHECK(fig(plain, "lb", "backends.bad.fail_timeouts") == 0);
  CHECK(fig(plain, "lb", "share.bad") == doctest::Approx(0.5).epsilon(0.001));
}

// next_upstream with round robin over a, bad, c, d: the picks cycle a bad c d, and each pick
// of bad is followed by a retry that takes the next pick (c): every 4 picks serve 3
// requests, so a third of the requests are retried (4/3 tries per request), and none fails.
// Without it a quarter of the requests fail; next_upstream_tries 1 is the same as without.
TEST_CASE("balancer: next_upstream retries on another target; tries per request as round robin dictates") {
  const std::string services = fast_service("a") + "," + fast_service("c") + "," + fast_service("d") + "," + fast_service("bad");
  auto lb = [](const std::string& extra) {
    return R"("algorithm": "round_robin", "latency": "0s", "targets": ["a", "bad", "c", "d"])" + extra;
  };
  const std::string arrivals = R"("arrivals": {"process": "constant", "rate": 100})";
  const RunResult retried = run(scenario(lb(R"(, "next_upstream": ["error", "timeout", "http_500"])"), services, arrivals, kBadFails));
  const double n = static_cast<double>(retried.outcomes.total());
  CHECK(retried.outcomes.failed() == 0);
  CHECK(std::abs(fig(retried, "lb", "next_upstream.retries") - n / 3) <= 1);
  CHECK(fig(retried, "lb", "next_upstream.tries_per_request") == doctest::Approx(4.0 / 3).epsilon(0.001));
  // a, c and d each serve a third: c's picks are all retries of bad's, d's and a's first tries.
  for (const char* t : {"backends.a.requests", "backends.c.requests", "backends.d.requests", "backends.bad.requests"})
    CHECK(std::abs(fig(retried, "lb", t) - n / 3) <= 1);

  const RunResult bare = run(scenario(lb(""), services, arrivals, kBadFails));
  CHECK(std::abs(static_cast<double>(bare.outcomes.failed()) - n / 4) <= 1);
  const RunResult one_try = run(scenario(lb(R"(, "next_upstream": ["http_500"], "next_upstream_tries": 1)"), services, arrivals, kBadFails));
  CHECK(one_try.outcomes.failed() == bare.outcomes.failed());
  CHECK(fig(one_try, "lb", "next_upstream.retries") == 0);
  // Writes are not passed on unless non_idempotent is named (NGINX 1.9.13 and later).
  const std::string writes = R"("arrivals": {"process": "constant", "rate": 100}, "routes": [{"name": "w", "write": true}])";
  const RunResult w = run(scenario(lb(R"(, "next_upstream": ["http_500"])"), services, writes, kBadFails));
  CHECK(fig(w, "lb", "next_upstream.retries") == 0);
  const RunResult wi = run(scenario(lb(R"(, "next_upstream": ["http_500", "non_idempotent"])"), services, writes, kBadFails));
  CHECK(wi.outcomes.failed() == 0);
}

TEST_CASE("balancer: bad NGINX upstream input fails before t = 0 with its JSON location") {
  const std::string svc = fast_service("a") + "," + fast_service("b");
  const std::string arr = R"("arrivals": {"rate": 10})";
  auto e = build_error(scenario(R"("targets": ["a", "b"], "next_upstream": ["error", "http_5000"])", svc, arr));
  CHECK(e.pointer() == "/components/1/next_upstream/1");
  CHECK(std::string(e.what()).find("http_500") != std::string::npos);
  e = build_error(scenario(R"("targets": ["a", "b"], "next_upstream": ["off", "error"])", svc, arr));
  CHECK(e.pointer() == "/components/1/next_upstream/0");
  e = build_error(scenario(R"("targets": ["a", "b"], "next_upstream_tries": 2)", svc, arr));
  CHECK(e.pointer() == "/components/1/next_upstream_tries");
  e = build_error(scenario(R"("targets": ["a", "b"], "max_fails": -1)", svc, arr));
  CHECK(e.pointer() == "/components/1/max_fails");
  e = build_error(scenario(R"("targets": ["a"], "fail_timeout": "5s")", fast_service("a"), arr));
  CHECK(e.pointer() == "/components/1/fail_timeout");
}
