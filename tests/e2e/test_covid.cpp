// The March 2020 study (scenarios/covid-2020, docs/studies/covid-2020.md): what the story's
// numbers must come out of, checked through the binary as a user runs it.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <map>
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

// The alarms by the first word of their names, as the study's whatif.jq prints them.
const std::string kPool = "Database connection pool exhausted";
const std::string kMemory = "Memory usage 98% (out of memory)";
const std::string kTimeout = "API response time 30,000 ms (timeout)";
const std::string kVideo = "Video streaming server crashed";

// `archsim compare monday-morning.json --vary <axis>=<values>`, as the study runs it (the
// whole 40-minute morning), the variants' summaries in the order given.
std::vector<nlohmann::json> morning_whatif(const std::string& vary, std::vector<std::string> extra = {}) {
  std::vector<std::string> args = {"compare", source_path(kMorning), "--vary", vary, "--json", "--quiet", "--no-report",
                                   "--out", scratch_dir("covid-whatif")};
  args.insert(args.end(), extra.begin(), extra.end());
  const nlohmann::json j = parse_summary(run_archsim(args, 900));
  std::vector<nlohmann::json> out;
  for (const auto& v : j.at("variants")) out.push_back(v.at("summary"));
  return out;
}
}  // namespace

TEST_CASE("covid: the monolith's Monday morning raises the story's four alarms, in the story's order") {
  // monday-morning.json is monolith.json with 10-min sessions instead of 40 (the same users
  // online from 4x the arrivals, the ramp in ~15 min): 32 minutes reach the fourth alarm.
  // This is the scenario's seed 1. Over ten seeds the pool and memory alarms fire in every
  // one, the timeout alarm in nine and the video crash in six (the study's "Which alarms are
  // the seed's"): a change of the random streams alone can make this test fail, and the
  // study must then say so, not the scenario be tuned back.
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
  // The SLO is the API's (slo.scope: the users' routes but video, whose requests proxy 10 MB
  // segments for seconds): it holds while the users pile in, and breaks with the pool, so
  // the windows meeting it are the first minutes', not none.
  CHECK(at(s, "slo.population.label") == "client users; routes course, auth, payment, progress");
  const double windows = num(s, "availability_report.windows.total"), met = num(s, "availability_report.windows.meeting_slo");
  CHECK(windows == 384);
  CHECK(met > 100);  // at least the 8 min before classes start
  CHECK(met < first("Database connection pool exhausted") / 5);
  CHECK(at(s, "slo.met") == false);
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
    // downloads from object storage are another client), and so is the scenario's SLO
    // (slo.scope): its p99 <= 50 ms and 99.9% are met on the users' requests alone.
    CHECK(num(s, "components.users.latency_ms.p99") < 50.0);
    CHECK(at(s, "slo.population.label") == "client users");
    CHECK(num(s, "slo.population.latency_ms.p99") == num(s, "components.users.latency_ms.p99"));
    CHECK(at(s, "slo.met") == true);
    CHECK(num(s, "latency_ms.p99") > 1000);  // over every request the downloads fill the top percent
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

TEST_CASE("covid: the data tier is billed: every database, cache, broker and the stored video at its AWS hourly price") {
  // The study's cost per day counts the databases (RDS), the Redis nodes (ElastiCache), the
  // queue's broker (MSK) and the video object storage holds (S3 Standard, 64 TB as an hourly
  // price) at the prices in the scenarios' cost.prices_per_hour. Ten
  // minutes with almost no requests: every process is billed from t = 0 to the end whatever
  // it serves, so each is price x 1/6 h.
  const std::vector<std::string> quiet = {"--set", "duration=10m", "--set", "users.think_time=1h",
                                          "--set", "players.think_time=1h"};
  auto ms = run_summary(source_path(kMicro), quiet, 120);
  for (const std::string db : {"auth-db", "course-db", "video-db", "payment-db", "analytics-db"}) {
    CAPTURE(db);
    CHECK(num(ms, "cost.by_component." + db) == doctest::Approx(1.00 / 6).epsilon(1e-4));  // db.r5.2xlarge
  }
  for (const std::string c : {"session-cache", "catalog-cache", "video-cache"}) {
    CAPTURE(c);
    CHECK(num(ms, "cost.by_component." + c) == doctest::Approx(0.216 / 6).epsilon(1e-4));  // cache.r5.large
  }
  CHECK(num(ms, "cost.by_component.events") == doctest::Approx(0.21 / 6).epsilon(1e-4));  // one kafka.m5.large
  CHECK(num(ms, "cost.by_component.object-storage") == doctest::Approx(1.997 / 6).epsilon(1e-4));  // s3.standard-64tb
  auto mono = run_summary(source_path(kMonolith), {"--set", "duration=10m", "--set", "users.think_time=1h"}, 120);
  CHECK(num(mono, "cost.by_component.db") == doctest::Approx(2.00 / 6).epsilon(1e-4));  // db.r5.4xlarge
}

TEST_CASE("covid: a bad session field is refused with its JSON location, exit 2") {
  auto r = run_archsim({"run", source_path(kMonolith), "--set", "users.sessions.lenght=10m", "--quiet"}, 60);
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("sessions/lenght") != std::string::npos);
  r = run_archsim({"run", source_path(kMonolith), "--set", "users.sessions.length=0s", "--quiet"}, 60);
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("positive mean") != std::string::npos);
}

TEST_CASE("covid: the study's what-ifs on the monolith's morning, in the direction and size it states") {
  // Each block is a section of docs/studies/covid-2020.md "What if...?", run with the same
  // --vary on the whole compressed morning; the baseline (the monolith as it was) runs once,
  // so the blocks are scopes, not doctest subcases (which would rerun it for each).
  const auto base = run_summary(source_path(kMorning), {}, 600);
  const double base_avail = num(base, "availability");
  REQUIRE(alerts_fired(base) == std::set<std::string>{kPool, kMemory, kTimeout, kVideo});
  CHECK(base_avail > 0.45);
  CHECK(base_avail < 0.65);

  {
    INFO("more monolith instances on the same database: max_connections refuses, 80 no better than 40");
    const auto v = morning_whatif("monolith.replicas=40,80");
    REQUIRE(v.size() == 2);
    for (const auto& s : v) {
      // 40 x 10 pool connections > max_connections 200: the database refuses about a
      // million queries (the study: 1.2 M), so availability rises only to ~70%.
      CHECK(num(s, "components.db.too_many_connections") > 500000);
      CHECK(num(s, "availability") > base_avail + 0.08);
      CHECK(num(s, "availability") < 0.8);
      // Fewer waiters per pool and shorter queues: no pool and no memory alarm; the video
      // server, which more instances only feed faster, still crashes.
      CHECK(alerts_fired(s) == std::set<std::string>{kVideo});
    }
    // The database is the limit: doubling again buys (almost) nothing.
    CHECK(std::abs(num(v[1], "availability") - num(v[0], "availability")) < 0.02);
  }

  {
    INFO("an HPA on threads held or on memory scales, into the same max_connections; on CPU it never scales");
    const auto v = morning_whatif(
        "monolith-hpa.metrics=[{\"type\":\"utilization\",\"target\":0.7}],[{\"type\":\"memory\",\"target\":0.7}]",
        {"--set", "monolith-hpa.behavior={}"});
    REQUIRE(v.size() == 2);
    for (const auto& s : v) {
      CHECK(num(s, "components.monolith-hpa.scale_ups") > 0);
      CHECK(num(s, "components.monolith.peak_replicas") > 20);
      CHECK(num(s, "components.db.too_many_connections") > 300000);
      CHECK(alerts_fired(s).count(kPool) == 1);  // the pool alarm still fires first
      CHECK(num(s, "availability") > base_avail + 0.05);
      CHECK(num(s, "availability") < 0.8);
    }
  }

  {
    INFO("a cache in front of the course reads clears the database's three alarms, not the video crash");
    const auto v = morning_whatif(
        "monolith.routes.course.1={\"call\":\"course-cache\",\"route\":\"get\",\"on_miss\":[{\"call\":\"db\","
        "\"route\":\"course_page\"},{\"call\":\"course-cache\",\"route\":\"set\"}]}");
    REQUIRE(v.size() == 1);
    CHECK(alerts_fired(v[0]) == std::set<std::string>{kVideo});
    CHECK(num(v[0], "availability") > base_avail + 0.05);
    CHECK(num(v[0], "availability") < 0.75);  // video is 40% of the requests and still fails
    CHECK(num(v[0], "components.course-cache.hit_ratio") > 0.5);
  }

  {
    INFO("a bulkhead on video saves the video server, refuses video and leaves the database's alarms");
    const auto v = morning_whatif("monolith.routes.video.2.bulkhead={\"max_concurrent\":1000},{\"max_concurrent\":400}");
    REQUIRE(v.size() == 2);
    double refused_before = 0;
    for (const auto& s : v) {
      const auto fired = alerts_fired(s);
      CHECK(fired.count(kVideo) == 0);
      CHECK(fired.count(kPool) == 1);
      CHECK(fired.count(kMemory) == 1);
      CHECK(num(s, "availability") < base_avail);
      const double refused = num(s, "requests.by_cause.bulkhead_full");
      CHECK(refused > 100000);
      CHECK(refused > refused_before);  // the tighter bulkhead refuses more
      refused_before = refused;
    }
  }
}

TEST_CASE("covid: isolation: a payment 20x slower hurts payment, not course, video or progress") {
  // docs/studies/covid-2020.md "Isolation": the 80k peak with and without a slowdown of the
  // payment service for the last two minutes.
  const auto plain = run_summary(source_path(kMicro), peak("80000"), 240);
  auto args = peak("80000");
  args.insert(args.end(), {"--set", "faults=[{\"at\":\"150s\",\"duration\":\"2m\",\"kind\":\"slowdown\",\"target\":\"payment\",\"factor\":20}]"});
  const auto slow = run_summary(source_path(kMicro), args, 240);
  CHECK(num(slow, "routes.payment.latency_ms.p99") > 1000.0);
  CHECK(num(slow, "routes.payment.latency_ms.p99") > 20 * num(plain, "routes.payment.latency_ms.p99"));
  for (const std::string route : {"course", "video", "progress"}) {
    CAPTURE(route);
    const double before = num(plain, "routes." + route + ".latency_ms.p99");
    CHECK(num(slow, "routes." + route + ".latency_ms.p99") == doctest::Approx(before).epsilon(0.1));
  }
  CHECK(at(slow, "availability_report.alerts").empty());
}
