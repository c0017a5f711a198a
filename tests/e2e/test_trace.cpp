// run --trace N: trace.json holds N sampled requests as Chrome trace events that Perfetto
// loads (a JSON object with traceEvents; every X event has ts, dur >= 0, pid, tid; metadata
// names a process per request and a thread per component), spans nest on each track, the
// hops add up (a web-tier browse request is served by web, which calls db and works), the
// sample is deterministic and spread over the run, and a run without --trace writes none.
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

nlohmann::json traced(const std::string& scenario, const std::string& out, const std::vector<std::string>& extra = {}) {
  std::vector<std::string> args = {"run", scenario, "--quiet", "--no-report", "--out", out, "--trace", "20"};
  args.insert(args.end(), extra.begin(), extra.end());
  auto r = run_archsim(args, 180);
  INFO(describe(r));
  REQUIRE(r.exit_code == 0);
  const std::string text = read_text(out + "/trace.json");
  REQUIRE(!text.empty());
  return nlohmann::json::parse(text);
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
  for (auto& entry : slices) {
    // Not a structured binding: INFO captures `key` in a lambda, which clang refuses for one.
    const auto& key = entry.first;
    auto& list = entry.second;
    std::sort(list.begin(), list.end(), [](const Slice& a, const Slice& b) {
      return a.ts != b.ts ? a.ts < b.ts : a.end > b.end;
    });
    std::vector<double> open;
    for (const Slice& s : list) {
      while (!open.empty() && open.back() <= s.ts + 1e-3) open.pop_back();
      INFO(thread[key] << " " << s.name << " at " << s.ts);
      CHECK((open.empty() || s.end <= open.back() + 1e-3));
      open.push_back(s.end);
    }
  }
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
