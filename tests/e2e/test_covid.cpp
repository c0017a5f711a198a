// The March 2020 study (scenarios/covid-2020, docs/studies/covid-2020.md): what the story's
// numbers must come out of, checked through the binary as a user runs it.
#include <doctest/doctest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "tests/e2e/run_archsim.h"

using namespace archsim::e2e;

namespace {
const std::string kMonolith = "scenarios/covid-2020/monolith.json";
const std::string kMorning = "scenarios/covid-2020/monday-morning.json";
const std::string kMicro = "scenarios/covid-2020/microservices.json";

// The peak alone: users and players ramp from 0 to `n` in the first two minutes (closed
// loop, no session arrivals; the ramp lets the caches fill as on the real morning, where a
// cold cache under the full peak at once is a stampede), then three minutes at `n`; the
// ramp is the warm-up, dropped from the figures (alerts still watch it).
std::vector<std::string> peak(const std::string& n) {
  const std::string ramp = "[[\"0s\", 0], [\"2m\", " + n + "]]";
  return {"--set", "users.sessions=null", "--set", "users.users=" + ramp, "--set", "players.sessions=null",
          "--set", "players.users=" + ramp, "--set", "duration=5m", "--set", "warmup=2m"};
}

std::set<std::string> alerts_fired(const nlohmann::json& s) {
  std::set<std::string> names;
  for (const auto& a : at(s, "availability_report.alerts")) names.insert(a.at("alert").get<std::string>());
  return names;
}
}  // namespace

TEST_CASE("covid: the monolith's Monday morning raises the story's four alarms, in the story's order") {
  // monday-morning.json is monolith.json with 10-min sessions instead of 40 (the same users
  // online from 4x the arrivals, the ramp in ~15 min): 32 minutes reach the fourth alarm.
  // The alarms are the scenario's alert rules, evaluated by archsim on the series; none of
  // them is typed in: each is a threshold on a mechanism's series (pool waiters, timeouts,
  // the video server's ready instances, the largest instance's memory).
  auto s = run_summary(source_path(kMorning), {"--set", "duration=32m"}, 240);
  auto fired = alerts_fired(s);
  CHECK(fired.count("Database connection pool exhausted") == 1);
  CHECK(fired.count("API response time 30,000 ms (timeout)") == 1);
  CHECK(fired.count("Video streaming server crashed") == 1);
  CHECK(fired.count("Memory usage 98% (out of memory)") == 1);
  // First firing times: pool before timeouts before the video crash before memory, as the
  // mechanisms chain (the database saturates, threads wait on the pool, requests queue to
  // 30 s, streams pile up in the video server, the queues fill the monolith's memory).
  auto first = [&](const std::string& name) {
    double t = 1e18;
    for (const auto& a : at(s, "availability_report.alerts"))
      if (a.at("alert") == name) t = std::min(t, a.at("fired_s").get<double>());
    return t;
  };
  CHECK(first("Database connection pool exhausted") < first("API response time 30,000 ms (timeout)"));
  CHECK(first("API response time 30,000 ms (timeout)") < first("Video streaming server crashed"));
  CHECK(first("Video streaming server crashed") < first("Memory usage 98% (out of memory)"));
  // Before classes start (5,000 users, the first 5 minutes) nothing fires.
  CHECK(first("Database connection pool exhausted") > 300);
  CHECK(num(s, "availability") < 0.9);
}

TEST_CASE("covid: what-ifs of the study: a bigger database leaves the video crash; a CPU autoscaler never scales the monolith") {
  // docs/studies/covid-2020.md, "A bigger database instead of a split": twice the cores end
  // the pool waits, so the threads, the accept queues and memory never pile up; the video
  // server's streams do not touch the database and still exceed its memory.
  auto s = run_summary(source_path(kMorning), {"--set", "duration=30m", "--set", "db.cores=32"}, 240);
  CHECK(alerts_fired(s) == std::set<std::string>{"Video streaming server crashed"});
  // "An HPA instead of fixed counts": on CPU (target 70%) it sees the CPUs idle while the
  // threads wait for the pool, and never adds an instance; the run is the baseline's.
  auto h = run_summary(source_path(kMorning), {"--set", "duration=30m", "--set", "monolith-hpa.behavior={}"}, 240);
  CHECK(num(h, "components.monolith-hpa.scale_ups") == 0);
  CHECK(num(h, "components.monolith.cpu_utilization") < 0.3);
  CHECK(alerts_fired(h).count("Database connection pool exhausted") == 1);
}

TEST_CASE("covid: the microservices hold the peak: API p99 < 50 ms, availability >= 99.9%, no alarm, at 80k and 100k users") {
  for (const std::string n : {"80000", "100000"}) {
    CAPTURE(n);
    auto s = run_summary(source_path(kMicro), peak(n), 240);
    // The story's claim is about the API: the users client (the players' 10 MB segment
    // downloads from object storage are another client).
    CHECK(num(s, "components.users.latency_ms.p99") < 50.0);
    CHECK(num(s, "availability") >= 0.999);
    CHECK(at(s, "availability_report.alerts").empty());
    // The load is the one asked for: N users at one request per ~30 s.
    const double rps = num(s, "components.users.throughput_rps");
    CHECK(rps > 0.95 * std::stod(n) / 30.0);
    CHECK(rps < 1.05 * std::stod(n) / 30.0);
    // Message conservation on the analytics queue (the queue's ledger).
    const double produced = num(s, "components.events.produced");
    CHECK(produced > 0);
    CHECK(produced == num(s, "components.events.consumed") + num(s, "components.events.dead_lettered") +
                          num(s, "components.events.lost") + num(s, "components.events.retained"));
    // Progress events are 8% of the API requests; each one published once.
    CHECK(num(s, "components.events.throughput_rps") == doctest::Approx(0.08 * rps).epsilon(0.1));
  }
}

TEST_CASE("covid: daily active users follow from session arrivals and lengths, within the story's order of magnitude") {
  // The whole Monday's session arrivals with users who send almost nothing (one request an
  // hour), so the day costs little: the DAU is the number of sessions the profile starts,
  // an output of the arrival process, not a number typed in. The story says 1,200,000 on a
  // March weekday (24x February's 50,000); the profile integrates to about 1.3 million.
  auto s = run_summary(source_path(kMonolith), {"--set", "users.think_time=1h", "--set", "users.timeout=5s", "--set", "alerts=[]"}, 240);
  const double dau = num(s, "components.users.daily_active_users");
  CHECK(dau > 600000);
  CHECK(dau < 2400000);
  // Little on the day: the peak of concurrent users is about the story's 80,000.
  const double peak = num(s, "components.users.active_users_peak");
  CHECK(peak > 60000);
  CHECK(peak < 100000);
}

TEST_CASE("covid: a bad session field is refused with its JSON location, exit 2") {
  auto r = run_archsim({"run", source_path(kMonolith), "--set", "users.sessions.lenght=10m", "--quiet"}, 60);
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("sessions/lenght") != std::string::npos);
  r = run_archsim({"run", source_path(kMonolith), "--set", "users.sessions.length=0s", "--quiet"}, 60);
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("positive mean") != std::string::npos);
}
