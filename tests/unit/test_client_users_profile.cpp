// A closed loop whose user count follows a profile: users above a falling target leave at
// the end of their cycle, and a rising target wakes idle users again, whichever users they
// are (the tick scans from the first user that may be idle, not from user 0). Checked
// against the interactive response-time law, X = N / (Z + R): after the population fell
// to a tenth and rose back, all N users send again.
#include <cmath>
#include <string>

#include "tests/unit/harness.h"

using archsim::test::fig;
using archsim::test::run;

TEST_CASE("client users profile: users who left come back when the target rises again") {
  // 1,000 users, 100 from 1m10s, 1,000 again from 3m10s; measured from 4m to 6m.
  const std::string s = R"({"name": "a", "duration": "6m", "warmup": "4m", "seed": 3, "components": [
    {"id": "users", "type": "client", "target": "web",
     "users": [["0s", 1000], ["1m", 1000], ["1m10s", 100], ["3m", 100], ["3m10s", 1000], ["6m", 1000]],
     "think_time": {"dist": "exponential", "mean": "1s"}, "timeout": "10s"},
    {"id": "web", "type": "service", "replicas": 4, "concurrency": 1000,
     "service_time": {"dist": "constant", "value": "1ms"}}]})";
  const auto r = run(s);
  // N = 1,000 users, Z = 1 s of think time, R = 1 ms of work (no queueing: 4,000 workers),
  // over 120 s: 119,880 requests. Each user's count is a renewal count with exponential
  // gaps, so the total's standard deviation is about sqrt(119,880) = 346; 2% is 7 of them.
  // Users not woken after the drop would leave 100 senders: 12,000.
  const double expected = 1000.0 * 120.0 / 1.001;
  CHECK(fig(r, "users", "sent") == doctest::Approx(expected).epsilon(0.02));
  CHECK(fig(r, "users", "ok") == doctest::Approx(expected).epsilon(0.02));
}

TEST_CASE("client users profile: with exponential think times the population's one wake clock follows a falling and rising count") {
  // Exponential think times share one wake clock (client.cpp, draw_wake) that wakes each
  // thinking user at rate 1 / mean. 1,000 users, none from 1m10s (every user
  // leaves at the end of its cycle and the clock runs down to no users), 200 from 2m, 1,000
  // from 4m; each request takes 500 ms, so a third of the users wait at any time. Measured
  // from 3m to 4m and, in a second run, from 5m to 6m: X = N / (Z + R), R = 0.5 s. A clock
  // that kept the old users' rate after they left, did not start again when the count rose,
  // or woke users that were waiting, sends the wrong number in one window.
  const std::string profile = R"([["0s", 1000], ["1m", 1000], ["1m10s", 0], ["2m", 0], ["2m1s", 200], ["4m", 200], ["4m1s", 1000], ["6m", 1000]])";
  auto scenario = [&](const char* duration, const char* warmup) {
    return std::string(R"({"name": "a", "duration": ")") + duration + R"(", "warmup": ")" + warmup +
           R"(", "seed": 5, "components": [
    {"id": "users", "type": "client", "target": "web", "users": )" + profile + R"(,
     "think_time": {"dist": "exponential", "mean": "1s"}, "timeout": "10s"},
    {"id": "web", "type": "service", "replicas": 4, "concurrency": 1000,
     "service_time": {"dist": "constant", "value": "500ms"}}]})";
  };
  // 60 s at 200 / 1.5 per second: 8,000 requests, standard deviation under 90 (3% is 240).
  const auto low = run(scenario("4m", "3m"));
  CHECK(fig(low, "users", "sent") == doctest::Approx(200.0 * 60.0 / 1.5).epsilon(0.03));
  // 60 s at 1,000 / 1.5 per second: 40,000, standard deviation under 200 (2% is 800).
  const auto high = run(scenario("6m", "5m"));
  CHECK(fig(high, "users", "sent") == doctest::Approx(1000.0 * 60.0 / 1.5).epsilon(0.02));
  CHECK(fig(high, "users", "ok") == doctest::Approx(1000.0 * 60.0 / 1.5).epsilon(0.02));
}

TEST_CASE("client users: the wake clock costs a tick per request, not per waiting user") {
  // 1,000 users who think 10 ms on average and wait 500 ms for each reply: 98% of them wait
  // at any time. X = N / (Z + R) = 1,000 / 0.51 s. A clock that ticked for every present user
  // would spend 50 ticks on waiting users for each one it wakes: about 55 events a request
  // instead of 5 (the tick, the call's delivery, the work's end, the reply, and a few ticks
  // the clock's margin lets pass).
  const std::string s = R"({"name": "a", "duration": "40s", "warmup": "10s", "seed": 9, "components": [
    {"id": "users", "type": "client", "target": "web", "users": 1000,
     "think_time": {"dist": "exponential", "mean": "10ms"}, "timeout": "10s"},
    {"id": "web", "type": "service", "replicas": 4, "concurrency": 1000,
     "service_time": {"dist": "constant", "value": "500ms"}}]})";
  const auto r = run(s);
  // 30 s at 1,960.8 per second: 58,824 requests; each user's cycle varies by 10 ms in 510,
  // so the count's standard deviation is under 50 (1% is 588).
  CHECK(fig(r, "users", "sent") == doctest::Approx(1000.0 * 30.0 / 0.51).epsilon(0.01));
  CHECK(static_cast<double>(r.events) / static_cast<double>(r.sent_whole_run) < 6.0);
}

TEST_CASE("client users: a few users wake at the rate of their own think times") {
  // 4 users, Z = 1 s, R = 1 ms: X = 4 / 1.001 s. The wake clock ticks for a margin of 4 more
  // users than think (client.cpp, draw_wake), so a tick that always woke someone would wake
  // them twice as often. 20 minutes: 4,795 requests, standard deviation about 70 (4% is 190).
  const std::string s = R"({"name": "a", "duration": "20m", "warmup": "0s", "seed": 2, "components": [
    {"id": "users", "type": "client", "target": "web", "users": 4,
     "think_time": {"dist": "exponential", "mean": "1s"}},
    {"id": "web", "type": "service", "replicas": 1, "concurrency": 4,
     "service_time": {"dist": "constant", "value": "1ms"}}]})";
  CHECK(fig(run(s), "users", "sent") == doctest::Approx(4.0 * 1200.0 / 1.001).epsilon(0.04));
}

TEST_CASE("client users: the wake clock wakes every user equally often") {
  // The throughput checks above see only the sum of the users' rates, which a clock that
  // favoured some users would keep. Here each user's requests go to one of 8 services, as
  // an L4 balancer hashing the client connection sends them (one per user). With a timer per
  // user (constant think times) each user sends the same number, so each service's share is
  // its share of the users; the clock must give the same shares. 200 users, Z = 1 s, R = 1
  // ms, 10 minutes: about 120,000 requests, each share's noise about 0.3 points. A clock that
  // took the first thinking user instead of a uniform one sends nearly all to one service.
  auto scenario = [](const char* think) {
    std::string s = R"({"name": "a", "duration": "10m", "warmup": "0s", "seed": 4, "components": [
    {"id": "users", "type": "client", "target": "lb", "users": 200, "think_time": )" +
                    std::string(think) + R"(},
    {"id": "lb", "type": "balancer", "mode": "l4", "algorithm": "maglev", "hash_on": "client",
     "targets": ["s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7"]})";
    for (int i = 0; i < 8; ++i)
      s += R"(, {"id": "s)" + std::to_string(i) +
           R"(", "type": "service", "replicas": 1, "concurrency": 200, "service_time": {"dist": "constant", "value": "1ms"}})";
    return s + "]}";
  };
  const auto timers = run(scenario(R"({"dist": "constant", "value": "1s"})"));
  const auto clock = run(scenario(R"({"dist": "exponential", "mean": "1s"})"));
  const double total_timers = fig(timers, "users", "ok"), total_clock = fig(clock, "users", "ok");
  for (int i = 0; i < 8; ++i) {
    const std::string id = "s" + std::to_string(i);
    INFO("service ", id);
    CHECK(std::abs(fig(clock, id, "ok") / total_clock - fig(timers, id, "ok") / total_timers) < 0.01);
  }
}
