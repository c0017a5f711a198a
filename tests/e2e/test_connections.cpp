// Long-lived connections end to end (models/client/sessions.h, models/service/connections.cpp),
// against ground truth that is not the model's: Little's law for the connections open at once
// (an M/G/infinity system: L = arrival rate x mean session length, whatever the length's law),
// conservation at a crash (every connection the instance held is lost and reconnects exactly
// once), the reconnect delays of AWS's "Exponential Backoff And Jitter" (at once: all within one
// round trip; full jitter: uniform over [0, base]), and refusals at a per-instance limit
// counted by hand.
#include <doctest/doctest.h>

#include <algorithm>

#include <cmath>
#include <string>
#include <vector>

#include "tests/e2e/run_archsim.h"

using archsim::e2e::num;
using archsim::e2e::run_summary;
using archsim::e2e::scratch_dir;
using archsim::e2e::series_rows;
using archsim::e2e::write_scenario;
using nlohmann::json;

namespace {

// Users arriving at `rate` sessions per second, each holding one connection to a service of
// `replicas` instances for a session of `length`; a 10 ms link each way.
json scenario(double rate, const json& length, int replicas, const std::string& duration) {
  json d = json::parse(R"({"seed": 11, "window": "1s", "network": {"latency": "10ms"},
    "components": [
      {"id": "users", "type": "client", "target": "chat",
       "connections": {"route": "ws", "reconnect": {"base": "0s", "max": "0s"}}},
      {"id": "chat", "type": "service", "concurrency": 64, "service_time": "2ms",
       "connections": {"route": "ws", "memory_kb": 64}}]})");
  d["duration"] = duration;
  d["components"][0]["connections"]["rate"] = rate;
  d["components"][0]["connections"]["length"] = length;
  d["components"][1]["replicas"] = replicas;
  return d;
}

// Runs `d` and returns its summary; `out` receives the output directory.
json run(const std::string& name, const json& d, std::string& out, const std::vector<std::string>& sets = {}) {
  out = scratch_dir(name);
  std::vector<std::string> args{"run", write_scenario(name, d), "--json", "--quiet", "--no-report", "--out", out};
  for (const auto& s : sets) args.insert(args.end(), {"--set", s});
  return archsim::e2e::parse_summary(archsim::e2e::run_archsim(args));
}

// The value of (component, metric) in the window ending at `t`.
double at_window(const std::string& out, const std::string& component, const std::string& metric, double t) {
  for (const auto& [time, v] : series_rows(out + "/timeseries.csv", component, metric))
    if (time == t) return std::stod(v);
  FAIL("no window ending at " << t << " for " << component << "," << metric);
  return 0;
}

}  // namespace

TEST_CASE("connections: open at once follow Little's law, L = rate x mean session length") {
  // 20 sessions/s of mean 60 s: L = 1,200. The count is Poisson(1,200) at any instant (sd 35)
  // and its time average over 25 min after a 5 min warm-up has a standard error of about
  // sqrt(2 x 60 s x 1,200 / 1,500 s) = 10; 36 (3%) is over 3.5 standard errors. A connection
  // not closed at its session's end, or closed twice, would be off by hundreds.
  for (const std::string law : {"exponential", "constant"}) {
    CAPTURE(law);
    json len = law == "constant" ? json("60s") : json{{"dist", "exponential"}, {"mean", "60s"}};
    json d = scenario(20, len, 3, "30m");
    d["warmup"] = "5m";
    std::string out;
    json s = run("conn-little-" + law, d, out);
    CHECK(num(s, "components.chat.connections_mean") == doctest::Approx(1200).epsilon(0.03));
    CHECK(num(s, "components.users.active_users") == doctest::Approx(1200).epsilon(0.03));
    // Memory: 64 KiB per open connection on top of the base, on the instance that holds it.
    CHECK(num(s, "components.chat.connections_dropped") == 0);
    CHECK(num(s, "components.users.reconnects") == 0);
    CHECK(num(s, "components.users.closed_early") == 0);
  }
  // A target that holds no connections answers the opening request at once: each is counted
  // (but those whose answer is still on its way when the run ends).
  json d = scenario(20, "60s", 1, "1m");
  d["components"][1].erase("connections");
  json s = run_summary(write_scenario("conn-not-held", d), {});
  CHECK(num(s, "components.users.closed_early") >= num(s, "components.users.sessions_started") - 2);
  CHECK(num(s, "components.users.closed_early") > 1000);
}

TEST_CASE("connections: a crashed instance drops every connection it held, and each reconnects once") {
  // Sessions of an hour (none ends in the run) at 10/s on two instances; one crashes at
  // 300.9 s, its k connections are reset and their users reconnect at once. Conservation:
  // k lost = k dropped = k reconnects, and at the end every user holds one connection again.
  json d = scenario(10, "1h", 2, "310s");
  d["faults"] = json::array({{{"at", "300900ms"}, {"kind", "crash"}, {"target", "chat"}, {"instances", 1}}});
  std::string out;
  json s = run("conn-crash", d, out);
  const double k = num(s, "components.chat.connections_dropped");
  // Round robin spread the ~3,000 connections made by then evenly: the crashed instance held
  // about half.
  CHECK(k == doctest::Approx(num(s, "components.users.sessions_started") * 300.9 / 310 / 2).epsilon(0.03));
  CHECK(num(s, "components.users.connections_lost") == k);
  CHECK(num(s, "components.users.reconnects") == k);
  CHECK(num(s, "components.users.connection_failures") == 0);
  CHECK(num(s, "components.chat.connections_open_at_end") == num(s, "components.users.sessions_started"));
  CHECK(num(s, "components.chat.connections_opened") == num(s, "components.users.sessions_started") + k);
  // At once: the reset takes one 10 ms hop back and the new connection one hop out, so every
  // reconnect reaches the service at 300.92 s, one round trip after the crash; their 2 ms
  // set-ups, k over 128 workers, end about 25 ms later, inside the window that ends at 301 s.
  CHECK(num(s, "components.users.reconnect_delay_ms.max") == 0);
  CHECK(at_window(out, "users", "reconnects_per_s", 301) == k);
  CHECK(at_window(out, "chat", "connections_opened_per_s", 301) >= k);
  CHECK(at_window(out, "chat", "connections_opened_per_s", 302) < 30);  // new sessions only (10/s)
  CHECK(num(s, "components.users.connection_attempts_peak_per_s") >= k);
}

TEST_CASE("connections: each attempt pays its TLS handshake at the service, a reconnect a resumed one") {
  // OpenSSL's figures (models/server/security/tls.h): a full TLS 1.3 handshake costs the server
  // an RSA-2048 signature (248.4 us) and an X25519 exchange (68.4 us); a resumed one (PSK with
  // ECDHE) the exchange only. A crash makes k reconnects: with "full" every attempt pays the
  // full price, with "resumed" the sessions' first attempts do and the k reconnects resume.
  json d = scenario(10, "1h", 2, "310s");
  d["faults"] = json::array({{{"at", "300s"}, {"kind", "crash"}, {"target", "chat"}, {"instances", 1}}});
  for (const std::string tls : {"full", "resumed"}) {
    CAPTURE(tls);
    d["components"][0]["connections"]["tls"] = tls;
    std::string out;
    json s = run("conn-tls-" + tls, d, out);
    const double sessions = num(s, "components.users.sessions_started");
    const double k = num(s, "components.users.reconnects");
    REQUIRE(k > 1000);
    CHECK(num(s, "components.chat.tls_handshakes") == sessions + k);
    const double expect = tls == "full" ? (sessions + k) * 316.8e-6 : sessions * 316.8e-6 + k * 68.4e-6;
    CHECK(num(s, "components.chat.tls_cpu_s") == doctest::Approx(expect).epsilon(1e-5));  // 6 digits printed
  }
}

TEST_CASE("connections: with full jitter the reconnects spread uniformly over [0, base]") {
  // AWS's full jitter: the first reconnect after a drop waits random_between(0, min(max, base
  // x 2^0)) = U[0, 2 s]. Its quartiles are 500, 1,000 and 1,500 ms; with about 1,500 delays
  // the sample median's sd is 2,000 x sqrt(0.25 / 1,500) = 26 ms: 80 ms is 3 sd. A delay drawn
  // from the wrong range, or not drawn, fails.
  json d = scenario(10, "1h", 2, "310s");
  d["components"][0]["connections"]["reconnect"] = {{"base", "2s"}, {"max", "2s"}, {"jitter", "full"}};
  d["faults"] = json::array({{{"at", "300s"}, {"kind", "crash"}, {"target", "chat"}, {"instances", 1}}});
  std::string out;
  json s = run("conn-jitter", d, out);
  const double k = num(s, "components.chat.connections_dropped");
  REQUIRE(k > 1000);
  CHECK(num(s, "components.users.reconnects") == k);
  CHECK(num(s, "components.users.reconnect_delay_ms.count") == k);
  CHECK(num(s, "components.users.reconnect_delay_ms.p50") == doctest::Approx(1000).epsilon(0.08));
  CHECK(num(s, "components.users.reconnect_delay_ms.p90") == doctest::Approx(1800).epsilon(0.045));
  CHECK(num(s, "components.users.reconnect_delay_ms.max") <= 2000 * 1.01);  // the histogram's 1%
  // The loss is seen at 300.01 s: about half the reconnects fall in (300, 301], half in
  // (301, 302], next to none after; at once they would all be in the first.
  const double w1 = at_window(out, "users", "reconnects_per_s", 301), w2 = at_window(out, "users", "reconnects_per_s", 302);
  CHECK(w1 == doctest::Approx(k * 0.495).epsilon(0.1));
  CHECK(w2 == doctest::Approx(k * 0.5).epsilon(0.1));
  CHECK(w1 + w2 + at_window(out, "users", "reconnects_per_s", 303) == k);
  CHECK(num(s, "components.users.connection_attempts_peak_per_s") < k * 0.6);
}

TEST_CASE("connections: past the per-instance limit new connections are refused and counted") {
  // One instance with room for 100 connections; hour-long sessions at 1/s: the first 100 are
  // held, every later one is refused (and, with a single attempt, its user gives up).
  json d = scenario(1, "1h", 1, "300s");
  d["components"][1]["connections"]["limit"] = 100;
  d["components"][0]["connections"]["reconnect"]["attempts"] = 1;
  std::string out;
  json s = run("conn-limit", d, out);
  const double sessions = num(s, "components.users.sessions_started");
  REQUIRE(sessions > 200);
  CHECK(num(s, "components.chat.connections_peak") == 100);
  CHECK(num(s, "components.chat.connections_open_at_end") == 100);
  CHECK(num(s, "components.chat.connections_refused") == sessions - 100);
  CHECK(num(s, "components.users.connection_failures") == sessions - 100);
  CHECK(num(s, "components.users.gave_up") == sessions - 100);
  // Memory per connection is the instance's: 100 x 64 KiB = 6.25 MiB over a 100 MiB base.
  json m = scenario(1, "1h", 1, "300s");
  m["components"][1]["connections"]["limit"] = 100;
  m["components"][1]["memory"] = {{"limit_mb", 1000}, {"base_mb", 100}};
  json ms = run("conn-memory", m, out);
  CHECK(at_window(out, "chat", "memory_mb", 300) == doctest::Approx(106.25).epsilon(0.001));
}

TEST_CASE("connections: messages go to the instance that holds their connection") {
  // Each of ~3,000 hour-long connections sends a message a second (Poisson) on route "msg";
  // the link takes 500 ms each way. One of two instances crashes at 300 s, holding k of them.
  // A message on a connection the instance held is lost if it reaches the service after the
  // crash and before the connection's reconnect: those sent from 500 ms before the crash (still
  // on their way) to 500 ms after it (before the reset reaches the user), one round trip of
  // the k users' Poisson messages: k x 1/s x 1 s on average, sd sqrt(k). Messages balanced per
  // request instead of sticky would all find a live instance (0 lost).
  json d = scenario(10, "1h", 2, "310s");
  d["network"]["latency"] = "500ms";
  d["components"][0]["connections"]["messages"] = {{"rate", 1}, {"route", "msg"}};
  d["faults"] = json::array({{{"at", "300s"}, {"kind", "crash"}, {"target", "chat"}, {"instances", 1}}});
  std::string out;
  json s = run("conn-messages", d, out);
  const double k = num(s, "components.chat.connections_dropped");
  REQUIRE(k > 1000);
  const double lost = num(s, "components.chat.connection_messages_undelivered");
  CHECK(lost == doctest::Approx(k).epsilon(4 / std::sqrt(k)));  // 4 sd (a few more in set-ups)
  // The client sees those fail, and the few being served at the crash (dropped with it).
  CHECK(num(s, "components.users.messages_failed") >= lost);
  CHECK(num(s, "components.users.messages_failed") <= lost + num(s, "components.chat.dropped"));
  // Every other message was served: about one per connection-second over the run.
  const double sent = num(s, "components.users.messages_sent");
  CHECK(num(s, "components.users.messages_ok") + lost <= sent);
  CHECK(num(s, "components.chat.connection_messages") + lost <= sent);
  CHECK(sent == doctest::Approx(num(s, "components.users.active_users") * 310).epsilon(0.02));

  // The same behind a load balancer (NGINX proxying the WebSocket): the balancer picks the
  // service, the service the instance that holds the connection; the balancer sits beside the
  // service (0 ms), so the round trip is the client's 1 s again, and so is the loss.
  json lb = d;
  lb["links"] = json::array({{{"from", "lb"}, {"to", "chat"}, {"latency", "0ms"}}});
  lb["components"][0]["target"] = "lb";
  lb["components"].push_back({{"id", "lb"}, {"type", "balancer"}, {"targets", {"chat"}}, {"algorithm", "round_robin"}});
  json b = run("conn-messages-lb", lb, out);
  const double kb = num(b, "components.chat.connections_dropped");
  REQUIRE(kb > 1000);
  CHECK(num(b, "components.chat.connection_messages_undelivered") == doctest::Approx(kb).epsilon(4 / std::sqrt(kb)));
}

TEST_CASE("connections: their memory counts against the instance's limit, and an OOM kill drops them") {
  // 256 MiB of base and a 300 MiB limit leave room for 44 MiB: 704 connections of 64 KiB.
  // The 705th passes the limit; the kill comes at the next 100 ms memory tick (at 10
  // arrivals/s, one more connection at most), and drops every connection the instance held.
  json d = scenario(10, "1h", 1, "80s");
  d["components"][1]["memory"] = {{"limit_mb", 300}, {"base_mb", 256}};
  d["components"][1]["restart_time"] = "1h";
  d["components"][0]["connections"]["reconnect"]["attempts"] = 1;
  std::string out;
  json s = run("conn-oom", d, out);
  CHECK(num(s, "components.chat.oom_kills") == 1);
  const double dropped = num(s, "components.chat.connections_dropped");
  CHECK(dropped >= 705);
  CHECK(dropped <= 707);
  CHECK(num(s, "components.chat.connections_peak") == dropped);
  CHECK(num(s, "components.users.connections_lost") == dropped);
}

TEST_CASE("connections: the HPA's memory metric sees them") {
  // Two pods of 256 MiB base and a 1 GiB limit, 256 KiB per connection, an HPA on memory at a
  // 50% target (10% tolerance, as Kubernetes'): it scales out once the pods' mean working set
  // passes 55% of the limit, 563 MiB, that is 1,229 connections a pod (about 250 s in at 10
  // sessions/s of an hour). Without memory per connection the pods stay at 25% and it never
  // does. Kubernetes' rule, desired = ceil(current x utilization / target), then holds the 4
  // pods where the mean is back within the tolerance: (4 x 256 + 0.25 x ~4,000) / 4,096 = 49%.
  json d = scenario(10, "1h", 2, "400s");
  d["components"][1]["connections"]["memory_kb"] = 256;
  d["components"][1]["memory"] = {{"limit_mb", 1024}, {"base_mb", 256}};
  d["components"].push_back({{"id", "hpa"}, {"type", "autoscaler"}, {"target", "chat"}, {"min_replicas", 2},
                             {"max_replicas", 20}, {"metric", "memory"}, {"target_utilization", 0.5}});
  std::string out;
  json s = run("conn-hpa", d, out);
  CHECK(num(s, "components.hpa.scale_ups") >= 1);
  CHECK(num(s, "components.chat.peak_replicas") == 4);
  d["components"][1]["connections"]["memory_kb"] = 0;
  json none = run("conn-hpa-none", d, out);
  CHECK(num(none, "components.hpa.scale_ups") == 0);
  CHECK(num(none, "components.chat.peak_replicas") == 2);
}

TEST_CASE("connections: the report charts them, and the table says what the storm did") {
  const std::string out = scratch_dir("conn-report");
  auto r = archsim::e2e::run_archsim({"run", archsim::e2e::source_path("scenarios/realtime/websocket-reconnect-storm.json"),
                                      "--out", out}, 120);
  INFO(archsim::e2e::describe(r));
  REQUIRE(r.exit_code == 0);
  // The terminal table: the service's connections and the client's storm.
  CHECK(r.out.find("chat: 29,602 connections open on average (peak ") != std::string::npos);
  CHECK(r.out.find(" reconnects, peak ") != std::string::npos);
  // The panels the service and the client declared (their families' page declarations), as
  // the static export writes them: open connections per instance and the churn per second at
  // the service, the reconnect storm at the client; the client of connections has no request
  // series, so the latency chart leaves it out.
  const json data = archsim::e2e::page_data(archsim::e2e::read_text(out + "/report.html"));
  CHECK(data["summary"]["components"]["chat"]["page"]["section"]["id"] == "connections");
  const auto chat = archsim::e2e::declared_headers(data, out, "chat");
  REQUIRE(chat.size() >= 2);  // and its wasted work when the crash left answers nobody read
  CHECK(chat[0] == "time_s,connections,connections_busiest,connections_instance1,connections_instance2,connections_instance3,"
                   "connections_instance4");
  // No instance reached its limit: the refusals stayed at zero and are left out.
  CHECK(chat[1] == "time_s,connections_opened_per_s,connections_dropped_per_s");
  const auto browsers = archsim::e2e::declared_headers(data, out, "browsers");
  CHECK(std::any_of(browsers.begin(), browsers.end(),
                    [](const std::string& h) { return h.find("reconnects_per_s") != std::string::npos; }));
  for (const auto& c : data["charts"])
    if (c["name"] == "latency") CHECK(c["panels"].dump().find("browsers") == std::string::npos);
}
