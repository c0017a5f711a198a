// Inputs of the second hardening round that reached a crash, an allocation or the terminal
// unchecked: JSON nested 100,000 deep (every command and every path that reads JSON), the
// memory a scenario holds (a cache's entries, each component's histograms, a local cache's
// copy per instance, the requests in flight), availability's significant digits and control
// characters in names. Each is answered with one line and the right exit code.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "tests/e2e/hardening.h"
#include "tests/e2e/run_archsim.h"

namespace fs = std::filesystem;
using archsim::e2e::describe;
using archsim::e2e::expect_one_line;
using archsim::e2e::lines;
using archsim::e2e::num;
using archsim::e2e::read_text;
using archsim::e2e::run_archsim;
using archsim::e2e::RunResult;
using archsim::e2e::scratch_dir;
using archsim::e2e::write_scenario;
using archsim::e2e::write_text;
using nlohmann::json;

// Whether this test program runs under AddressSanitizer: GCC says so with
// __SANITIZE_ADDRESS__, Clang (the sanitizer build's compiler) with __has_feature.
#if defined(__SANITIZE_ADDRESS__)
#define ARCHSIM_E2E_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ARCHSIM_E2E_ASAN 1
#endif
#endif
#ifndef ARCHSIM_E2E_ASAN
#define ARCHSIM_E2E_ASAN 0
#endif

namespace {

constexpr double kTimeout = 60;

json base(const std::string& name) { return archsim::e2e::minimal_scenario(name); }

// {"a":{"a":...1...}} `levels` deep: objects, whose copies recurse deepest.
std::string nested(int levels) {
  std::string s;
  s.reserve(static_cast<std::size_t>(levels) * 6 + 1);
  for (int i = 0; i < levels; ++i) s += "{\"a\":";
  s += "1";
  s.append(static_cast<std::size_t>(levels), '}');
  return s;
}

}  // namespace

// ------------------------------------------------------------------ one guarded parse

TEST_CASE("hardening: JSON nested 100,000 deep is refused by every command, never a stack overflow") {
  // compare and plan copied the document (nlohmann copies recurse once per level) and died of
  // a stack overflow (SIGSEGV) where validate and run had refused the file.
  std::string text = base("deep").dump();
  text.insert(text.size() - 1, ", \"x\": " + nested(100000));
  const std::string path = write_text("deep", text);
  const std::string out = scratch_dir("deep-out");
  const std::vector<std::vector<std::string>> commands = {
      {"validate", path},
      {"run", path, "--quiet", "--out", out},
      {"compare", path, "--vary", "seed=1,2", "--quiet", "--out", out},
      {"plan", path, "--slo", "p99=1s", "--search", "web.replicas=1..2", "--quiet", "--out", out},
      {"analyze", path},
      {"graph", path},
  };
  for (const auto& args : commands) {
    CAPTURE(args[0]);
    expect_one_line(run_archsim(args, kTimeout), {path + ": /x/a/a/a", "nested deeper than 128 levels"});
  }
  // The same limit for --set: a value nested 60,000 deep and a path of 60,000 segments (an
  // argument holds at most 128 kB).
  const std::string ok = write_scenario("deep-set", base("deep-set"));
  std::string long_path = "web", deep_array(60000, '[');
  for (int i = 0; i < 60000; ++i) long_path += ".a";
  deep_array.append(60000, ']');
  for (const std::string& set : {"web.extra=" + deep_array, long_path + "=1"}) {
    for (const char* cmd : {"run", "compare"}) {
      CAPTURE(cmd);
      std::vector<std::string> args = {cmd, ok, "--set", set, "--quiet", "--out", out};
      if (std::string(cmd) == "compare") args.insert(args.end(), {"--vary", "seed=1,2"});
      expect_one_line(run_archsim(args, kTimeout), {"--set", "deeper than 128 levels"});
    }
  }
}

TEST_CASE("hardening: a report folder or a job store holding deep JSON is answered, not crashed on") {
  const std::string path = write_scenario("deep-files", base("deep-files"));
  const fs::path out = scratch_dir("deep-files-out");
  auto r = run_archsim({"compare", path, "--vary", "web.service_time=1ms,2ms", "--quiet", "--no-report", "--out", out.string()}, kTimeout);
  REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
  // Every kept job's summary replaced by a deep one: --resume runs those jobs again.
  std::size_t jobs = 0;
  for (const auto& e : fs::directory_iterator(out / "jobs")) {
    if (e.path().extension() != ".job") continue;
    const std::string deep = nested(100000);
    std::string job = "archsim-job-output 1\n" + std::to_string(deep.size()) + "\n" + deep;
    for (int i = 0; i < 3; ++i) job += "0\n";
    std::ofstream(e.path(), std::ios::binary | std::ios::trunc) << job;
    ++jobs;
  }
  REQUIRE(jobs == 2);
  r = run_archsim({"compare", path, "--vary", "web.service_time=1ms,2ms", "--quiet", "--no-report", "--resume", "--out", out.string()},
                  kTimeout);
  INFO(describe(r));
  CHECK(r.exit_code == 0);
  CHECK(r.err.find("reused") == std::string::npos);  // none was: both ran again
  // `archsim report DIR` on a summary.json nested 100,000 deep: a failed report, one line.
  const fs::path dir = scratch_dir("deep-report");
  std::ofstream(dir / "summary.json") << nested(100000);
  r = run_archsim({"report", dir.string()}, kTimeout);
  expect_one_line(r, {"summary.json", "nested deeper than 128 levels"}, 1);
}

// ------------------------------------------------------------------ memory

namespace {

// A shared cache of `capacity` entries over `nodes` nodes, called by nobody but built.
json cache_doc(const std::string& name, long long capacity, int nodes) {
  json doc = base(name);
  doc["components"].push_back({{"id", "cache"}, {"type", "cache"}, {"capacity", capacity}, {"nodes", nodes}});
  return doc;
}

}  // namespace

TEST_CASE("hardening: a cache's capacity is charged before t = 0, and validate allocates none of it") {
  // 1e8 entries: validate alone took 10.8 GB. An entry is 64 bytes, 8 of lists and 16 to 32
  // of its key map's buckets: 11.5 GB, refused at the cache.
  std::string path = write_scenario("cache-huge", cache_doc("cache-huge", 100000000, 1));
  auto r = run_archsim({"validate", path}, kTimeout);
  expect_one_line(r, {path + ": /components/2: ", "\"cache\" alone takes 11.5 GB", "budget is 8.0 GB"});
  CHECK(r.wall_s < 10);
#if !ARCHSIM_E2E_ASAN  // ASan reserves terabytes of address space: RLIMIT_AS cannot apply
  // 4e7 entries (5.0 GB) are within the budget and are reserved at the first insert, not by
  // validate: it passes in 1 GB of address space.
  path = write_scenario("cache-big", cache_doc("cache-big", 40000000, 1));
  r = run_archsim({"validate", path}, kTimeout, std::size_t{1} << 30);
  INFO(describe(r));
  CHECK(r.exit_code == 0);
#endif
}

TEST_CASE("hardening: every component's histograms are charged, and a local cache's copy per instance") {
  // Five nodes of 14.35 million entries: 7.85 GB, within the budget with ten services; four
  // thousand services' latency histograms (two each, a whole run's and a window's, charged
  // Metrics::kEstimatedChunks of buckets apiece: about 50 kB a service) add 0.2 GB and pass it.
  json doc = cache_doc("histograms", 5 * 14350000LL, 5);
  for (int i = 0; i < 10; ++i) doc["components"].push_back({{"id", "s" + std::to_string(i)}, {"type", "service"}, {"service_time", "1ms"}});
  auto r = run_archsim({"validate", write_scenario("histograms", doc)}, kTimeout);
  CHECK_MESSAGE(r.exit_code == 0, describe(r));
  for (int i = 10; i < 4000; ++i) doc["components"].push_back({{"id", "s" + std::to_string(i)}, {"type", "service"}, {"service_time", "1ms"}});
  r = run_archsim({"validate", write_scenario("histograms", doc)}, kTimeout);
  expect_one_line(r, {"this run would hold about 8.1 GB", "\"cache\" alone takes 7.9 GB"});

  // A local cache keeps a copy in each instance of its caller: 1 million entries (105 MB)
  // in up to 100 instances (the autoscaler's maximum) is 10.6 GB.
  doc = json::parse(R"({"name": "local", "duration": "10s", "components": [
    {"id": "users", "type": "client", "target": "api", "arrivals": {"rate": 10}, "routes": [{"name": "get", "weight": 1}]},
    {"id": "api", "type": "service", "replicas": 2, "routes": {"get": [{"call": "near", "route": "get"}]}},
    {"id": "near", "type": "cache", "local": true, "capacity": 1000000},
    {"id": "hpa", "type": "autoscaler", "target": "api", "max_replicas": 100, "metric": "cpu", "target_utilization": 0.5}]})");
  r = run_archsim({"validate", write_scenario("local", doc)}, kTimeout);
  expect_one_line(r, {"/components/2: ", "\"near\" alone takes 10.6 GB"});
  doc["components"][3]["max_replicas"] = 50;  // 5.3 GB
  r = run_archsim({"validate", write_scenario("local", doc)}, kTimeout);
  CHECK_MESSAGE(r.exit_code == 0, describe(r));
}

TEST_CASE("hardening: requests in flight are watched during the run, not guessed from the timeout") {
  // big-8x scaled ten times (80 servers at 80 %, 6,400 requests a second) with a one-hour
  // client timeout: about 300 requests are in flight, but arrivals x timeout x 400 bytes
  // (9.2 GB) was charged and the scenario refused.
  json doc = json::parse(R"({"name": "big-80x", "duration": "20s", "components": [
    {"id": "users", "type": "client", "target": "web", "arrivals": {"rate": 6400}, "timeout": "1h"},
    {"id": "web", "type": "service", "replicas": 80, "concurrency": 1, "balancer": "round_robin",
     "service_time": {"dist": "exponential", "mean": "10ms"}}]})");
  const std::string ok = write_scenario("big-80x", doc);
  auto r = run_archsim({"validate", ok}, kTimeout);
  CHECK_MESSAGE(r.exit_code == 0, describe(r));
  const json s = archsim::e2e::run_summary(ok, {});
  CHECK(num(s, "availability") == 1);

  // An overload with no timeout: the calls in flight grow by 19,000 a second. With a cache
  // of 7.94 GB charged (reserved only at its first insert, so never here) about 170,000 of
  // them pass the budget: the run stops, a run that failed (exit 1), saying when and why.
  doc = cache_doc("overload", 5 * 14600000LL, 5);
  doc["duration"] = "60s";
  doc["components"][0]["arrivals"]["rate"] = 20000;
  doc["components"][1]["service_time"] = "1ms";
  r = run_archsim({"run", write_scenario("overload", doc), "--quiet", "--no-report", "--out", scratch_dir("overload-out")}, kTimeout);
  expect_one_line(r, {"the run failed: out of memory budget at t=", "calls in flight", "give the clients a timeout"}, 1);
}

// ------------------------------------------------------------------ figures and names

TEST_CASE("hardening: availability keeps 6 significant digits when it is low") {
  // One worker of 100 ms, no queue, 1,000 requests a second: about 1 % are served. Rounding
  // 1 - a to 6 significant digits kept 6 decimal places of a: 0.00998 where a is 0.0099834...
  json doc = base("low-availability");
  doc["components"][0]["arrivals"]["rate"] = 1000;
  doc["components"][1]["service_time"] = "100ms";
  doc["components"][1]["queue_capacity"] = 0;
  const json s = archsim::e2e::run_summary(write_scenario("low-availability", doc), {});
  const double ok = num(s, "requests.ok"), total = num(s, "requests.total");
  REQUIRE(ok > 0);
  REQUIRE(ok / total < 0.05);
  for (const char* path : {"availability", "routes.default.availability"}) {
    CAPTURE(path);
    const double a = num(s, path);
    CHECK(std::fabs(a - ok / total) <= 5e-6 * (ok / total));  // 6 significant digits
  }
}

TEST_CASE("hardening: control characters in names are refused at load; the page and the terminal escape them") {
  struct Case {
    const char* what;
    std::string pointer;  // as printed: control characters shown as \n or \xHH
    std::function<void(json&)> spoil;
  };
  const std::vector<Case> cases = {
      {"NUL in an id", "/components/1/id", [](json& d) { d["components"][1]["id"] = std::string("web\0x", 5); }},
      {"ESC in a route name", "/components/0/routes/0/name",
       [](json& d) { d["components"][0]["routes"] = json::array({{{"name", "get\x1b[31m"}, {"weight", 1}}}); }},
      {"C1 CSI in a zone", "/components/1/zone", [](json& d) { d["components"][1]["zone"] = "a\xc2\x9b" "2J"; }},
      {"newline in a key", "/components/1/routes/a\\nb", [](json& d) { d["components"][1]["routes"] = {{"a\nb", json::array()}}; }},
  };
  for (const auto& c : cases) {
    CAPTURE(c.what);
    json doc = base("control");
    c.spoil(doc);
    const std::string path = write_scenario("control", doc);
    const auto r = run_archsim({"validate", path}, kTimeout);
    expect_one_line(r, {path + ": " + c.pointer + ": ", "control character"});
  }
  // A description may hold line breaks and tabs.
  json doc = base("control-description");
  doc["description"] = "line one\n\tline two";
  auto r = run_archsim({"validate", write_scenario("control-description", doc)}, kTimeout);
  CHECK_MESSAGE(r.exit_code == 0, describe(r));
  // --set values are held to the same rule.
  r = run_archsim({"run", write_scenario("control-set", base("control-set")), "--set", "web.zone=a\x1b" "b", "--quiet", "--out",
                   scratch_dir("control-set-out")},
                  kTimeout);
  expect_one_line(r, {"--set web.zone", "control character U+001B"});

  // A summary.json edited by hand (archsim report redraws any folder): a NUL or an ESC in a
  // component's name reaches the page's data as a JSON escape, never raw; the page's script
  // shows it as \x00 (A.esc, tests/page/test_page_script.js).
  const std::string run_out = scratch_dir("control-report");
  r = run_archsim({"run", write_scenario("control-report", base("control-report")), "--quiet", "--no-report", "--out", run_out}, kTimeout);
  REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
  std::string summary = read_text(run_out + "/summary.json");
  for (std::size_t at; (at = summary.find("\"web\"")) != std::string::npos;) summary.replace(at, 5, "\"w\\u0000\\u001b[2Jeb\"");
  std::ofstream(run_out + "/summary.json", std::ios::trunc) << summary;
  r = run_archsim({"report", run_out}, kTimeout);
  REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
  const std::string page = read_text(run_out + "/report.html");
  CHECK(page.find('\0') == std::string::npos);
  CHECK(page.find('\x1b') == std::string::npos);
  CHECK(page.find("w\\u0000\\u001b[2Jeb") != std::string::npos);
}
