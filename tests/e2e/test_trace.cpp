// run --trace N: trace.json holds N sampled requests as Chrome trace events that Perfetto
// loads (a JSON object with traceEvents; every X event has ts, dur >= 0, pid, tid; metadata
// names a process per request and a thread per component), spans nest on each track, the
// hops add up (a web-tier browse request is served by web, which calls db and works), the
// sample is deterministic and spread over the run, and a run without --trace writes none.
// The database, the cache and the queue mark their waits and work too: queue/work/lock/
// replication spans inside the served span on their track, lasting what the model charges
// (a constant query cost, a constant cache latency), and a message's time in a queue's log
// from its publish to the consumer's call.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <nlohmann/json.hpp>

#include "tests/e2e/run_archsim.h"

namespace fs = std::filesystem;
using archsim::e2e::describe;
using archsim::e2e::read_text;
using archsim::e2e::run_archsim;
using archsim::e2e::scratch_dir;

namespace {

struct Slice {
  double ts, end;
  std::string name;
};

nlohmann::json traced(const std::string& scenario, const std::string& out, const std::vector<std::string>& extra = {},
                      int n = 20) {
  std::vector<std::string> args = {"run", scenario, "--quiet", "--no-report", "--out", out, "--trace", std::to_string(n)};
  args.insert(args.end(), extra.begin(), extra.end());
  auto r = run_archsim(args, 180);
  INFO(describe(r));
  REQUIRE(r.exit_code == 0);
  const std::string text = read_text(out + "/trace.json");
  REQUIRE(!text.empty());
  return nlohmann::json::parse(text);
}

// One X span of a traced request, on the track of `component` (its lane's " #k" cut off).
struct Mark {
  double ts, end, dur;
  std::string name, cat, component;
  nlohmann::json args;
};

// Checks what every trace.json must be (valid trace events, a named track per component the
// request touched, each track's spans nested) and returns the X spans by process.
std::map<int, std::vector<Mark>> check_trace(const nlohmann::json& t, const std::set<std::string>& components) {
  REQUIRE(t.contains("traceEvents"));
  REQUIRE(t["traceEvents"].is_array());
  std::map<std::pair<int, int>, std::string> thread;
  std::map<int, std::set<std::string>> names_in;
  for (const auto& e : t["traceEvents"])
    if (e["ph"] == "M" && e["name"] == "thread_name") {
      const std::string name = e["args"]["name"];
      const int pid = e["pid"];
      thread[{pid, e["tid"].get<int>()}] = name;
      CHECK(names_in[pid].insert(name).second);  // one track of each name in a request
    }
  std::map<int, std::vector<Mark>> out;
  std::map<std::pair<int, int>, std::vector<Slice>> lanes;
  for (const auto& e : t["traceEvents"]) {
    REQUIRE(e.contains("ph"));
    if (e["ph"] != "X") continue;
    REQUIRE(e["ts"].is_number());
    REQUIRE(e["dur"].is_number());
    CHECK(e["dur"].get<double>() >= 0);
    const std::pair<int, int> key{e["pid"].get<int>(), e["tid"].get<int>()};
    REQUIRE(thread.count(key) == 1);
    std::string comp = thread[key];
    comp = comp.substr(0, comp.find(" #"));
    INFO("track " << comp);
    CHECK(components.count(comp) == 1);
    const double ts = e["ts"], end = ts + e["dur"].get<double>();
    out[key.first].push_back(Mark{ts, end, e["dur"].get<double>(), e["name"], e["cat"], comp, e["args"]});
    lanes[key].push_back(Slice{ts, end, e["name"]});
  }
  for (auto& entry : lanes) {
    auto& list = entry.second;
    std::sort(list.begin(), list.end(), [](const Slice& a, const Slice& b) {
      return a.ts != b.ts ? a.ts < b.ts : a.end > b.end;
    });
    std::vector<double> open;
    const std::string track = thread[entry.first];
    for (const Slice& sl : list) {
      while (!open.empty() && open.back() <= sl.ts + 1e-3) open.pop_back();
      INFO(track << " " << sl.name << " at " << sl.ts << " us");
      CHECK((open.empty() || sl.end <= open.back() + 1e-3));
      open.push_back(sl.end);
    }
  }
  return out;
}

bool is_mark(const Mark& m) { return m.cat == "queue" || m.cat == "work" || m.cat == "lock" || m.cat == "replication"; }

// Every queue/work/lock/replication span (or only those of `only`) on `component`'s track
// lies inside one of the request's served spans there (1 ns of rounding allowed); returns
// how many of each kind.
std::map<std::string, int> marks_inside_serve(const std::map<int, std::vector<Mark>>& by_pid, const std::string& component,
                                              const std::string& only = "") {
  std::map<std::string, int> kinds;
  for (const auto& entry : by_pid) {  // not a structured binding: INFO captures pid (clang refuses one)
    const int pid = entry.first;
    for (const Mark& m : entry.second) {
      if (m.component != component || !is_mark(m) || (!only.empty() && m.cat != only)) continue;
      ++kinds[m.cat];
      bool inside = false;
      for (const Mark& s : entry.second)
        inside = inside || (s.component == component && s.cat == "serve" && m.ts >= s.ts - 1e-3 && m.end <= s.end + 1e-3);
      INFO(component << " " << m.name << " at " << m.ts << " us in request process " << pid);
      CHECK(inside);
    }
  }
  return kinds;
}

}  // namespace

TEST_CASE("trace: web-tier's trace is valid trace-event JSON, a process per request, a track per component") {
  const std::string out = scratch_dir("trace-web");
  const nlohmann::json t = traced(archsim::e2e::basic_scenario("web-tier.json"), out);
  REQUIRE(t.contains("traceEvents"));
  REQUIRE(t["traceEvents"].is_array());
  CHECK(t["otherData"]["traced"] == 20);
  const auto& listed = t["otherData"]["requests"];
  REQUIRE(listed.size() == 20);
  // Slowest first, and spread over the 10-minute run (about 600,000 requests, every 27,000th).
  for (std::size_t i = 1; i < listed.size(); ++i) CHECK(listed[i - 1]["latency_ms"] >= listed[i]["latency_ms"]);
  CHECK(t["otherData"]["every_nth_request"].get<std::uint64_t>() > 10000);

  std::map<int, std::string> process;
  std::map<std::pair<int, int>, std::string> thread;
  std::map<std::pair<int, int>, std::vector<Slice>> slices;
  std::map<std::string, int> by_name;
  std::set<std::uint64_t> flow_starts, flow_ends;
  for (const auto& e : t["traceEvents"]) {
    REQUIRE(e.contains("ph"));
    REQUIRE(e.contains("pid"));
    const std::string ph = e["ph"];
    const int pid = e["pid"];
    if (ph == "M") {
      if (e["name"] == "process_name") process[pid] = e["args"]["name"];
      if (e["name"] == "thread_name") thread[{pid, e["tid"].get<int>()}] = e["args"]["name"];
      continue;
    }
    REQUIRE(e.contains("tid"));
    REQUIRE(e["ts"].is_number());
    if (ph == "X") {
      REQUIRE(e["dur"].is_number());
      CHECK(e["dur"].get<double>() >= 0);
      const double ts = e["ts"];
      slices[{pid, e["tid"].get<int>()}].push_back(Slice{ts, ts + e["dur"].get<double>(), e["name"]});
      const std::string name = e["name"];
      ++by_name[name.substr(0, name.find(' '))];
    } else if (ph == "s") {
      flow_starts.insert(e["id"].get<std::uint64_t>());
    } else if (ph == "f") {
      flow_ends.insert(e["id"].get<std::uint64_t>());
    }
  }
  CHECK(process.size() == 20);
  // One track per component each request touched: users, web and db, named by their ids.
  std::set<std::string> names;
  for (const auto& [key, name] : thread) names.insert(name);
  CHECK(names.count("users") == 1);
  CHECK(names.count("web") == 1);
  CHECK(names.count("db") == 1);
  for (const auto& [key, list] : slices) CHECK(thread.count(key) == 1);
  // Every request: its own span, a call to web, web's serving with queue/work inside, a call
  // to db: 20 of each at least (more with retries, none here).
  CHECK(by_name["request"] == 20);
  CHECK(by_name["call"] == 40);  // users -> web and web -> db
  CHECK(by_name["work"] >= 60);  // browse and checkout work twice on web, once on db
  CHECK(by_name["browse"] + by_name["checkout"] == 20);  // served by web
  CHECK(by_name["read"] + by_name["write"] == 20);       // served by db
  CHECK(flow_starts == flow_ends);
  CHECK(flow_starts.size() == 40);
  // Spans on one track nest or follow each other (Perfetto draws them as a stack).
  check_trace(t, {"users", "web", "db"});
  // A request's latency is its client span: network 5 ms each way at least.
  for (const auto& r : listed) CHECK(r["latency_ms"].get<double>() >= 10.0);
}

TEST_CASE("trace: the same seed traces the same requests; no --trace, no trace.json; bad N refused") {
  const std::string a = scratch_dir("trace-a"), b = scratch_dir("trace-b");
  const nlohmann::json ta = traced(archsim::e2e::basic_scenario("mm1.json"), a, {"--set", "duration=5m"});
  const nlohmann::json tb = traced(archsim::e2e::basic_scenario("mm1.json"), b, {"--set", "duration=5m"});
  CHECK(ta == tb);
  const std::string plain = scratch_dir("trace-none");
  auto r = run_archsim({"run", archsim::e2e::basic_scenario("mm1.json"), "--quiet", "--no-report", "--out", plain,
                        "--set", "duration=3m"}, 120);
  CHECK(r.exit_code == 0);
  CHECK(!fs::exists(fs::path(plain) / "trace.json"));
  auto bad = run_archsim({"run", archsim::e2e::basic_scenario("mm1.json"), "--trace", "0", "--quiet"}, 30);
  CHECK(bad.exit_code == 2);
}

TEST_CASE("trace: retries and timeouts are spans of their own, the late reply marked") {
  // The client gives up after 20 ms and retries twice; work takes 50 ms: every attempt times
  // out, and the service answers each one late.
  nlohmann::json doc = {
      {"name", "trace-retry"},
      {"duration", "30s"},
      {"components",
       {{{"id", "users"}, {"type", "client"}, {"target", "web"},
         {"arrivals", {{"process", "constant"}, {"rate", 2}}},
         {"timeout", "20ms"},
         {"retry", {{"max_attempts", 3}, {"backoff", {{"base", "10ms"}, {"jitter", "none"}}}, {"on", {"timeout"}}}}},
        {{"id", "web"}, {"type", "service"}, {"concurrency", 4}, {"service_time", "50ms"}}}}};
  const std::string file = archsim::e2e::write_scenario("trace-retry", doc);
  const std::string out = scratch_dir("trace-retry-out");
  const nlohmann::json t = traced(file, out);
  int calls = 0, late = 0, timeouts = 0;
  for (const auto& e : t["traceEvents"]) {
    if (e["ph"] != "X") continue;
    const std::string name = e["name"];
    if (name.rfind("call web", 0) == 0) {
      ++calls;
      if (e["args"]["status"] == "timeout") ++timeouts;
    }
    if (e["args"].contains("late")) ++late;
  }
  INFO(t.dump().substr(0, 2000));
  CHECK(calls == 60);
  CHECK(timeouts == 60);
  CHECK(late == 60);
}

TEST_CASE("trace: the database marks core waits, row-lock waits and its statements' work inside the query it serves") {
  // The flash sale with atomic decrements: buys queue for the stock row's lock (lock waits)
  // while the stock lasts; a decrement costs exactly 2 ms here, a read 1 ms, so each work
  // span on orders-db lasts its query's cost. Two seconds, every request traced.
  const std::string out = scratch_dir("trace-db");
  const nlohmann::json t = traced(archsim::e2e::source_path("scenarios/databases/flash-sale.json"), out,
                                  {"--set", "duration=2s", "--set", "orders-db.stock_update=atomic", "--set",
                                   "orders-db.queries.stock_decrement=2ms", "--set", "orders-db.queries.stock_read=1ms",
                                   "--set", "orders-db.cores=2"}, 5000);
  const auto by_pid = check_trace(t, {"buyers", "shop", "orders-db"});
  const auto kinds = marks_inside_serve(by_pid, "orders-db");
  INFO("queue " << kinds.count("queue") << " lock " << kinds.count("lock"));
  CHECK(kinds.at("work") > 1000);
  CHECK(kinds.count("queue") == 1);  // 2 cores for ~2000 queries a second at 1-2 ms: some wait for one
  CHECK(kinds.count("lock") == 1);   // decrements waiting for the row lock
  int decrements = 0, reads = 0;
  for (const auto& [pid, list] : by_pid)
    for (const Mark& serve : list) {
      if (serve.component != "orders-db" || serve.cat != "serve") continue;
      const bool decrement = serve.name.rfind("stock_decrement", 0) == 0;
      for (const Mark& m : list) {
        if (m.component != "orders-db" || m.cat != "work" || m.ts < serve.ts - 1e-3 || m.end > serve.end + 1e-3) continue;
        if (m.args.contains("unfinished")) continue;  // cut at the run's end
        CHECK(m.dur == doctest::Approx(decrement ? 2000.0 : 1000.0).epsilon(1e-12));  // us
        ++(decrement ? decrements : reads);
      }
      // The served span is its waits and its work end to end (the lock, a core, the statement).
      double inner = 0;
      for (const Mark& m : list)
        if (m.component == "orders-db" && is_mark(m) && m.ts >= serve.ts - 1e-3 && m.end <= serve.end + 1e-3)
          inner += m.end - m.ts;
      if (serve.args["status"] == "ok") CHECK(inner == doctest::Approx(serve.end - serve.ts).epsilon(1e-6));
    }
  CHECK(decrements > 50);
  CHECK(reads > 1000);
}

TEST_CASE("trace: a semi-sync database write waits for its replica's receipt (a replication span)") {
  // read-replicas with semi_sync replication and a constant 20 ms lag: every write's served
  // span ends with a 20 ms replication span after its work.
  const std::string out = scratch_dir("trace-db-repl");
  const nlohmann::json t = traced(archsim::e2e::source_path("scenarios/databases/read-replicas.json"), out,
                                  {"--set", "duration=20s", "--set", "db.replication=semi_sync", "--set",
                                   "db.replication_lag=20ms"}, 200);
  const auto by_pid = check_trace(t, {"app", "db"});
  const auto kinds = marks_inside_serve(by_pid, "db");
  REQUIRE(kinds.count("replication") == 1);
  for (const auto& [pid, list] : by_pid)
    for (const Mark& m : list)
      if (m.cat == "replication") CHECK(m.dur == doctest::Approx(20000.0).epsilon(1e-12));
}

TEST_CASE("trace: the cache marks an operation's queue for the node's worker, its work, and waits on a key being filled") {
  // cache-aside: every operation costs a constant 50 us on one worker per node.
  const std::string out = scratch_dir("trace-cache");
  const nlohmann::json t = traced(archsim::e2e::source_path("scenarios/caching/cache-aside.json"), out,
                                  {"--set", "duration=80s", "--set", "warmup=10s"}, 200);
  const auto by_pid = check_trace(t, {"users", "api", "cache", "db"});
  const auto kinds = marks_inside_serve(by_pid, "cache");
  CHECK(kinds.at("work") >= 200);
  for (const auto& [pid, list] : by_pid)
    for (const Mark& m : list)
      if (m.component == "cache" && m.cat == "work" && !m.args.contains("unfinished")) CHECK(m.dur == doctest::Approx(50.0).epsilon(1e-12));

  // The stampede with coalescing: reads of an expired key wait for the one read that fills it.
  const std::string out2 = scratch_dir("trace-cache-coalesce");
  const nlohmann::json t2 = traced(archsim::e2e::source_path("scenarios/caching/stampede.json"), out2,
                                   {"--set", "duration=2s", "--set", "cache.stampede=coalesce"}, 2000);
  const auto by_pid2 = check_trace(t2, {"users", "cache", "db"});
  const auto kinds2 = marks_inside_serve(by_pid2, "cache");
  CHECK(kinds2.count("lock") == 1);
  CHECK(kinds2.count("work") == 1);
}

TEST_CASE("trace: a message's time in the queue's log is a queue span from its publish to the consumer's call") {
  const std::string out = scratch_dir("trace-queue");
  const nlohmann::json t = traced(archsim::e2e::source_path("scenarios/queues/consumer-lag.json"), out,
                                  {"--set", "duration=60s"}, 50);
  const auto by_pid = check_trace(t, {"users", "api", "jobs", "worker"});
  int waits = 0;
  for (const auto& entry : by_pid) {
    const int pid = entry.first;
    const auto& list = entry.second;
    for (const Mark& m : list) {
      if (m.component != "jobs" || m.cat != "queue") continue;
      ++waits;
      // It begins where the publish reached the queue and ends where the queue calls the worker.
      bool published = false, delivered = false;
      for (const Mark& s : list) {
        published = published || (s.component == "jobs" && s.cat == "serve" && std::abs(s.ts - m.ts) < 1e-3);
        delivered = delivered || (s.component == "jobs" && s.cat == "call" && std::abs(s.ts - m.end) < 1e-3 &&
                                  s.name.rfind("call worker", 0) == 0);
      }
      INFO("queue span at " << m.ts << " us in request process " << pid);
      CHECK(published);
      CHECK(delivered);
    }
  }
  CHECK(waits >= 30);  // every traced request published one message; the lagging partitions still hold some at the end
  int deliveries = 0;
  for (const auto& [pid, list] : by_pid)
    for (const Mark& s : list) deliveries += s.component == "jobs" && s.name.rfind("call worker", 0) == 0;
  CHECK(waits == deliveries);  // each delivery after a wait (none here is taken the instant it is published)

  // acks=all: the producer's publish waits for the followers (a replication span inside it).
  const std::string out2 = scratch_dir("trace-queue-acks");
  const nlohmann::json t2 = traced(archsim::e2e::source_path("scenarios/queues/min-insync.json"), out2,
                                   {"--set", "duration=120s"}, 50);
  const auto by_pid2 = check_trace(t2, {"users", "api", "events", "analytics"});
  const auto kinds2 = marks_inside_serve(by_pid2, "events", "replication");  // its queue spans are log waits
  CHECK(kinds2.count("replication") == 1);
}

TEST_CASE("trace: a call step waiting for a connection of its pool is a queue span before its call") {
  // pool-exhaustion: 6 connections per api instance to db, 250 ms at most to get one.
  const std::string out = scratch_dir("trace-conn");
  const nlohmann::json t = traced(archsim::e2e::source_path("scenarios/databases/pool-exhaustion.json"), out,
                                  {"--set", "duration=40s"}, 400);
  const auto by_pid = check_trace(t, {"users", "api", "db"});
  marks_inside_serve(by_pid, "api");
  int waits = 0, then_called = 0;
  for (const auto& [pid, list] : by_pid)
    for (const Mark& m : list) {
      if (m.component != "api" || m.cat != "queue") continue;
      for (const Mark& c : list)
        if (c.component == "api" && c.name.rfind("call db", 0) == 0 && std::abs(c.ts - m.end) < 1e-3) {
          ++then_called;
          break;
        }
      ++waits;
      CHECK(m.end - m.ts <= 250000.0 + 1e-3);  // acquire_timeout
    }
  INFO("queue spans on api " << waits << ", followed by their call " << then_called);
  CHECK(then_called > 0);
}

TEST_CASE("trace: tracing changes nothing simulated (the same fingerprint with and without --trace)") {
  const std::vector<std::pair<std::string, std::vector<std::string>>> runs = {
      {"scenarios/databases/flash-sale.json", {"--set", "duration=3s", "--set", "orders-db.stock_update=atomic"}},
      {"scenarios/databases/read-replicas.json", {"--set", "duration=20s", "--set", "db.replication=sync"}},
      {"scenarios/databases/pool-exhaustion.json", {"--set", "duration=20s"}},
      {"scenarios/caching/stampede.json", {"--set", "duration=40s", "--set", "cache.stampede=lock"}},
      {"scenarios/caching/stampede.json", {"--set", "duration=40s", "--set", "cache.stampede=coalesce"}},
      {"scenarios/queues/consumer-lag.json", {"--set", "duration=30s"}},
      {"scenarios/queues/min-insync.json", {"--set", "duration=120s"}},
      {"scenarios/queues/work-queue.json", {"--set", "duration=30s"}}};
  for (const auto& run : runs) {
    const auto& file = run.first;
    const auto& sets = run.second;
    std::vector<std::string> plain = {"run", archsim::e2e::source_path(file), "--json", "--quiet", "--no-report",
                                      "--out", scratch_dir("trace-fp-plain")};
    plain.insert(plain.end(), sets.begin(), sets.end());
    std::vector<std::string> with = plain;
    with[6] = scratch_dir("trace-fp-traced");
    with.insert(with.end(), {"--trace", "1000"});
    const nlohmann::json a = archsim::e2e::parse_summary(run_archsim(plain, 180));
    const nlohmann::json b = archsim::e2e::parse_summary(run_archsim(with, 180));
    INFO(file << " " << sets.back());
    CHECK(a["run"]["fingerprint"] == b["run"]["fingerprint"]);
    CHECK(fs::exists(fs::path(with[6]) / "trace.json"));
  }
}
