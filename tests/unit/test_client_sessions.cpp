// Client session mode: users arrive as a Poisson process of sessions and stay a drawn
// length. Ground truth: the M/G/infinity system (any session-length law): the number of
// users present is Poisson with mean rate x mean length (Little's law, L = lambda W), and
// the sessions started in a time T are Poisson with mean rate x T.
#include <cmath>
#include <string>

#include "tests/unit/harness.h"

using archsim::test::build_error;
using archsim::test::fig;
using archsim::test::run;

namespace {

std::string sessions_scenario(const std::string& length, const std::string& think, const std::string& extra = "") {
  return R"({"name": "s", "duration": "3h", "warmup": "30m", "seed": 3, "components": [
    {"id": "users", "type": "client", "target": "web",
     "sessions": {"rate": 5, "length": )" + length + R"(}, "think_time": )" + think + extra + R"(, "timeout": "10s"},
    {"id": "web", "type": "service", "replicas": 1, "concurrency": 1000, "service_time": "1ms"}]})";
}

std::string full(const archsim::ScenarioError& e) { return e.pointer() + " " + e.what(); }

}  // namespace

TEST_CASE("client sessions: mean active users = session rate x mean length (Little), for two length laws") {
  // Think time 20 s against sessions of 100 s: a model that let a user finish a whole think
  // past its session's end would show about 20% more users; one that ended sessions at the
  // first request would show far fewer.
  for (const char* len : {R"({"dist": "exponential", "mean": "100s"})", R"({"dist": "uniform", "min": "50s", "max": "150s"})"}) {
    CAPTURE(len);
    auto r = run(sessions_scenario(len, R"({"dist": "exponential", "mean": "20s"})"));
    // 500 users on average; their count has an autocorrelation time of ~100 s, so 2.5 h
    // holds ~90 independent looks: standard error ~ sqrt(500 / 90) = 2.4, 3% is > 6 sigma.
    CHECK(fig(r, "users", "active_users") == doctest::Approx(500).epsilon(0.03));
    // Each user sends one request on arrival, then one per think: rate x (1 + length / think)
    // = 5 x 6 = 30 requests/s (the last think of a session is cut by its end, so slightly
    // fewer: the exact count of thinks started in a session of length L with exponential
    // thinks of mean 20 s is Poisson(L / 20)).
    CHECK(fig(r, "users", "throughput_rps") == doctest::Approx(30).epsilon(0.03));
  }
}

TEST_CASE("client sessions: sessions started count the Poisson arrivals, and daily active users are per day") {
  auto r = run(sessions_scenario(R"("60s")", R"("10s")"));
  // 5/s for 3 h = 54000 sessions, standard deviation sqrt(54000) = 232: 1.5% is > 3 sigma.
  CHECK(fig(r, "users", "sessions_started") == doctest::Approx(54000).epsilon(0.015));
  // A run shorter than a day reports its partial day.
  CHECK(fig(r, "users", "daily_active_users") == fig(r, "users", "sessions_started"));
  // Two days at a rate that doubles on the second: each day has its own count, and the
  // daily figure is their mean.
  auto two = run(R"({"name": "d", "duration": "2d", "window": "10m", "components": [
    {"id": "users", "type": "client", "target": "web",
     "sessions": {"rate": [["0s", 0.5], ["24h", 0.5], ["24.0001h", 1]], "length": "5m"}, "think_time": "1m"},
    {"id": "web", "type": "service", "replicas": 1, "concurrency": 1000, "service_time": "1ms"}]})");
  double d1 = fig(two, "users", "daily_active_users_day1"), d2 = fig(two, "users", "daily_active_users_day2");
  CHECK(d1 == doctest::Approx(43200).epsilon(0.02));  // sd 208: 2% is > 4 sigma
  CHECK(d2 == doctest::Approx(86400).epsilon(0.02));
  CHECK(fig(two, "users", "daily_active_users") == doctest::Approx((d1 + d2) / 2));
  // A constant 5-minute session with 1-minute thinks: every user is present exactly 5 min.
  CHECK(fig(two, "users", "active_users") == doctest::Approx(0.75 * 300).epsilon(0.03));
}

TEST_CASE("client sessions: a session whose last request outlasts it keeps the user until the reply") {
  // Sessions of 1 s, a request that takes 5 s: each user stays 5 s (L = 2/s x 5 s = 10).
  auto r = run(R"({"name": "slow", "duration": "2h", "warmup": "10m", "components": [
    {"id": "users", "type": "client", "target": "web",
     "sessions": {"rate": 2, "length": "1s"}, "think_time": "1s"},
    {"id": "web", "type": "service", "replicas": 1, "concurrency": 1000, "service_time": "5s"}]})");
  CHECK(fig(r, "users", "active_users") == doctest::Approx(10).epsilon(0.05));
  CHECK(fig(r, "users", "throughput_rps") == doctest::Approx(2).epsilon(0.05));
}

TEST_CASE("client sessions: sessions that end past 13 days (beyond the packed ticket) follow the same law") {
  // A user's timer and call carry its session's end and id packed (models/client/
  // session_ticket.h) while the end is below 2^50 ns (13.03 days); later ones are read from
  // the client's arrays. Measured here from 13.1 days on, where every session is of the
  // second kind: L = 0.2/s x 10 min = 120 users (autocorrelation ~10 min, so ~120 looks in
  // the 0.9 day: standard error 1 user; 4% is > 4 sigma), 0.2 x (1 + 10 / 1) = 2.2 requests/s.
  auto r = run(R"({"name": "late", "duration": "14d", "warmup": "13.1d", "window": "1h", "components": [
    {"id": "users", "type": "client", "target": "web",
     "sessions": {"rate": [["0s", 0.001], ["13.02d", 0.001], ["13.021d", 0.2]],
                  "length": {"dist": "exponential", "mean": "10m"}},
     "think_time": {"dist": "exponential", "mean": "1m"}},
    {"id": "web", "type": "service", "replicas": 1, "concurrency": 1000, "service_time": "1ms"}]})");
  CHECK(fig(r, "users", "active_users") == doctest::Approx(120).epsilon(0.04));
  CHECK(fig(r, "users", "throughput_rps") == doctest::Approx(2.2).epsilon(0.04));
}

TEST_CASE("client sessions: bad input names the field") {
  auto web = std::string(R"(, {"id": "web", "type": "service", "service_time": "1ms"}]})");
  auto head = std::string(R"({"components": [{"id": "users", "type": "client", "target": "web", )");
  auto e = build_error(head + R"("sessions": {"rate": 5}})" + web);
  CHECK(full(e).find("length") != std::string::npos);
  e = build_error(head + R"("sessions": {"rate": 5, "length": "1m", "lenght": "2m"}})" + web);
  CHECK(full(e).find("/components/0/sessions/lenght") != std::string::npos);
  e = build_error(head + R"("sessions": {"rate": -1, "length": "1m"}})" + web);
  CHECK(full(e).find("/components/0/sessions/rate") != std::string::npos);
  e = build_error(head + R"("sessions": {"rate": 0, "length": "1m"}})" + web);
  CHECK(full(e).find("positive") != std::string::npos);
  e = build_error(head + R"("sessions": {"rate": 5, "length": "0s"}})" + web);
  CHECK(full(e).find("positive mean") != std::string::npos);
  e = build_error(head + R"("users": 10, "sessions": {"rate": 5, "length": "1m"}})" + web);
  CHECK(full(e).find("not several") != std::string::npos);
  e = build_error(head + R"("users": 10, "sessions": 100})" + web);
  CHECK(full(e).find("open loop") != std::string::npos);
}
