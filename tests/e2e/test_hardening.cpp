// Inputs found by fuzzing and abuse: each is answered with exit 2 and one line naming the
// file and the JSON location (or a documented warning), never a crash, a hang or a silent
// misreading; and output goes only where it should.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "tests/e2e/hardening.h"
#include "tests/e2e/run_archsim.h"

using archsim::e2e::describe;
using archsim::e2e::lines;
using archsim::e2e::run_archsim;
using archsim::e2e::RunResult;
using archsim::e2e::scratch_dir;
using archsim::e2e::source_path;
using archsim::e2e::write_scenario;
using archsim::e2e::write_text;
using nlohmann::json;

namespace {

// Validation happens before t = 0: a bad input answers fast.
constexpr double kTimeout = 30;

json base(const std::string& name) { return archsim::e2e::minimal_scenario(name); }

// Exit 2, nothing on stdout, exactly one line on stderr that starts with "<file>: <head>"
// and contains every word of `words`.
void expect_refused(const RunResult& r, const std::string& head, const std::vector<std::string>& words = {}) {
  CHECK(r.out.empty());
  archsim::e2e::expect_one_line(r, words, 2, head);
}

RunResult run(const std::string& scenario, std::vector<std::string> extra = {}, double timeout = kTimeout) {
  std::vector<std::string> args = {"run", scenario, "--json", "--quiet", "--no-report", "--out", scratch_dir("out")};
  args.insert(args.end(), extra.begin(), extra.end());
  return run_archsim(args, timeout);
}

}  // namespace

// ------------------------------------------------------------------ crashes

TEST_CASE("hardening: a number beyond a double is refused at its pointer, in the file and in --set") {
  const std::string path = write_text("overflow", R"({"name": "x", "seed": 1e400, "duration": "10s", "components": []})");
  for (const char* cmd : {"run", "validate"}) {
    CAPTURE(cmd);
    const auto r = std::string(cmd) == "run" ? run(path) : run_archsim({"validate", path}, kTimeout);
    expect_refused(r, path + ": /seed: ", {"1e400"});
  }
  const std::string ok = write_scenario("overflow-set", base("overflow-set"));
  expect_refused(run(ok, {"--set", "duration=1e400"}), ok + ": --set duration: ", {"1e400"});
  // Deep inside an array, the pointer names the element.
  const std::string deep = write_text("overflow-deep", R"({"name": "x", "components": [{"id": "a"}, {"id": "b", "users": -1e999}]})");
  expect_refused(run_archsim({"validate", deep}, kTimeout), deep + ": /components/1/users: ");
}

TEST_CASE("hardening: running out of memory while building is one line and exit 2") {
#if defined(__SANITIZE_ADDRESS__)
  return;  // AddressSanitizer reserves terabytes of address space: RLIMIT_AS cannot apply
#endif
  // A sticky table sized for 1e8 sessions needs gigabytes; with the address space capped at
  // 1 GB the allocation fails (std::bad_alloc) and must not abort.
  json doc = base("oom");
  doc["components"][0]["target"] = "lb";
  doc["components"].push_back(json{{"id", "lb"}, {"type", "balancer"}, {"targets", {"web"}},
                                   {"sticky", {{"cookie", true}, {"expected_sessions", 100000000}}}});
  const std::string path = write_scenario("oom", doc);
  for (const char* cmd : {"run", "validate"}) {
    CAPTURE(cmd);
    std::vector<std::string> args = {cmd, path};
    if (std::string(cmd) == "run") args = {"run", path, "--json", "--quiet", "--out", scratch_dir("oom-out")};
    const auto r = run_archsim(args, kTimeout, std::size_t{1} << 30);
    expect_refused(r, "archsim: " + path + ": out of memory");
  }
}

TEST_CASE("hardening: a sampled delay that saturates the clock never fires, and the run ends sanely") {
  // Pareto with shape 0.01 draws delays past 292 years now and then: now + delay overflowed
  // int64 and scheduled events in the past. Such a delivery is due after the end of the run.
  // With shape 0.1 about one draw in 20 is past 9.2e18 ns ((1e6 / 9.2e18)^0.1).
  json doc = base("saturate");
  doc["duration"] = "60s";
  doc["links"] = json::array({json{{"from", "users"}, {"to", "web"},
                                   {"latency", {{"dist", "pareto"}, {"scale", "1ms"}, {"shape", 0.1}}}}});
  const auto r = run(write_scenario("saturate", doc));
  INFO(describe(r));
  REQUIRE(r.exit_code == 0);
  const json s = json::parse(r.out);
  // Every latency recorded is a real one: none negative, none beyond the run.
  CHECK(archsim::e2e::num(s, "latency_ms.max") <= 60'000);
  CHECK(archsim::e2e::num(s, "latency_ms.p50") >= 2);  // two draws of at least 1 ms
  CHECK(archsim::e2e::num(s, "requests.ok") > 50);
}

// ------------------------------------------------------------------ hangs

TEST_CASE("hardening: a sync period or an mtbf of a nanosecond is refused, not simulated") {
  json doc = base("sync-1ns");
  doc["components"][1]["replicas"] = 2;
  doc["components"].push_back(json{{"id", "hpa"}, {"type", "autoscaler"}, {"target", "web"}, {"sync_period", "1ns"}});
  const std::string sync = write_scenario("sync-1ns", doc);
  expect_refused(run(sync), sync + ": /components/2/sync_period: ", {"at least 1s"});

  json f = base("mtbf-1ns");
  f["components"][1]["failures"] = json{{"mtbf", "1ns"}, {"mttr", "1ns"}};
  const std::string mtbf = write_scenario("mtbf-1ns", f);
  expect_refused(run(mtbf), mtbf + ": /components/1/failures/mtbf: ", {"at least 1s"});
}

TEST_CASE("hardening: a Poisson rate too small for the clock sends nothing and ends at once") {
  // 1 / 1e-16 per second is 1e25 ns: the gap overflowed the float-to-int64 conversion, so
  // the smaller the rate the more requests were sent, and the run never ended.
  json doc = base("tiny-rate");
  doc["duration"] = "1h";
  doc["components"][0]["arrivals"] = json{{"process", "poisson"}, {"rate", 1e-16}};
  const auto r = run(write_scenario("tiny-rate", doc), {}, 60);
  INFO(describe(r));
  REQUIRE(r.exit_code == 0);
  CHECK(archsim::e2e::num(json::parse(r.out), "requests.total") == 0);
}

TEST_CASE("hardening: a million-character id is answered quickly") {
  // "Did you mean" compared the misspelt reference with every id: an edit distance of
  // 1e6 x 1e6 cells.
  json doc = base("long-id");
  const std::string id(1'000'000, 'w');
  doc["components"][1]["id"] = id + "a";
  doc["components"][0]["target"] = id + "b";
  const std::string path = write_scenario("long-id", doc);
  const auto r = run_archsim({"validate", path}, kTimeout);
  expect_refused(r, path + ": /components/0/target: ");
  CHECK(r.wall_s < 10);
}

TEST_CASE("hardening: a run too large for memory is refused before t = 0, with the estimate") {
  // 40 services x 2 million one-second windows: hundreds of series of 2 million doubles
  // each, many GB, allocated window by window until bad_alloc hours into the run.
  json doc = base("many-windows");
  doc["duration"] = "2000000s";
  doc["window"] = "1s";
  for (int i = 0; i < 40; ++i)
    doc["components"].push_back(json{{"id", "s" + std::to_string(i)}, {"type", "service"}, {"service_time", "1ms"}});
  std::string path = write_scenario("many-windows", doc);
  auto r = run_archsim({"validate", path}, kTimeout);
  expect_refused(r, path + ": /window: ", {"GB", "budget is 8.0 GB", "windows of 1s", "longer window"});
  CHECK(r.wall_s < 10);
  // A hundred times fewer windows is within the budget.
  doc["window"] = "100s";
  path = write_scenario("many-windows", doc);
  r = run_archsim({"validate", path}, kTimeout);
  INFO(describe(r));
  CHECK(r.exit_code == 0);

  // The users guard was per client (50 million each) and assumed 64 bytes a user where a
  // user with a request in flight holds about 400: three clients of 8 million users are
  // 24 million, about 9.6 GB, refused for the scenario as a whole.
  doc = base("many-users");
  doc["components"][0] = json::parse(R"({"id": "a", "type": "client", "target": "web", "users": 8000000,
                                         "think_time": "1h"})");
  for (const char* id : {"b", "c"}) {
    json c = doc["components"][0];
    c["id"] = id;
    doc["components"].push_back(c);
  }
  path = write_scenario("many-users", doc);
  r = run_archsim({"validate", path}, kTimeout);
  expect_refused(r, path + ": /components/0: ", {"9.6 GB", "\"a\" alone takes 3.2 GB", "fewer users"});
  // Two of them fit (6.4 GB).
  doc["components"].erase(doc["components"].size() - 1);
  path = write_scenario("many-users", doc);
  r = run_archsim({"validate", path}, kTimeout);
  INFO(describe(r));
  CHECK(r.exit_code == 0);
}

// ------------------------------------------------------------------ output

namespace {
namespace fs = std::filesystem;

std::string slurp(const fs::path& p) { return archsim::e2e::read_text(p.string()); }
}  // namespace

TEST_CASE("hardening: the scenario name is never a path: output stays in out/<slug>") {
  const fs::path root = scratch_dir("name-path");
  const fs::path cwd = root / "a" / "b";
  fs::create_directories(cwd);
  const fs::path abs = root / "abs-target";
  for (const std::string& name : {std::string("../../escaped"), abs.string()}) {
    CAPTURE(name);
    const std::string path = write_scenario("name-path", base(name));
    const auto r = archsim::e2e::run_archsim_in(cwd.string(), {"run", path, "--quiet", "--no-report"}, kTimeout);
    INFO(describe(r));
    CHECK(r.exit_code == 0);
  }
  CHECK(!fs::exists(root / "escaped"));
  CHECK(!fs::exists(abs));
  CHECK(fs::is_regular_file(cwd / "out" / "escaped" / "summary.json"));
  // The absolute name loses its slashes: one folder right under out/.
  std::size_t folders = 0;
  for (const auto& e : fs::directory_iterator(cwd / "out")) folders += e.is_directory() && e.path().filename().string()[0] != '.';
  CHECK(folders == 2);
  // Nothing else, staging folders included, is left in out/.
  for (const auto& e : fs::directory_iterator(cwd / "out")) CHECK(e.path().filename().string()[0] != '.');
}

TEST_CASE("hardening: planted symlinks are never followed when writing") {
  const fs::path root = scratch_dir("symlink");
  const fs::path victim = root / "victim.txt";
  std::ofstream(victim) << "precious";
  const fs::path victim_dir = root / "victim-dir";
  fs::create_directories(victim_dir);
  std::ofstream(victim_dir / "keep.txt") << "precious";
  const fs::path cwd = root / "work";
  fs::create_directories(cwd / "out" / "planted");
  fs::create_symlink(victim, cwd / "out" / "planted" / "summary.json");
  fs::create_symlink(victim_dir, cwd / "out" / "linked");
  for (const char* name : {"planted", "linked"}) {
    CAPTURE(name);
    const auto r = archsim::e2e::run_archsim_in(cwd.string(), {"run", write_scenario(name, base(name)), "--quiet", "--no-report"},
                                                kTimeout);
    INFO(describe(r));
    CHECK(r.signal == 0);
  }
  CHECK(slurp(victim) == "precious");
  CHECK(slurp(victim_dir / "keep.txt") == "precious");
  CHECK(!fs::exists(victim_dir / "summary.json"));
}

TEST_CASE("hardening: a write that fails is an error, not \"wrote\"") {
  const fs::path out = scratch_dir("write-error");
  fs::create_directories(out / "summary.json");  // a folder where the file must go
  const auto r = run_archsim({"run", write_scenario("write-error", base("write-error")), "--quiet", "--out", out.string()}, kTimeout);
  INFO(describe(r));
  CHECK(r.exit_code != 0);
  CHECK(r.signal == 0);
  CHECK(r.out.find("wrote") == std::string::npos);
  CHECK(r.err.find("summary.json") != std::string::npos);
}

TEST_CASE("hardening: a folder holding files archsim did not write is not replaced") {
  const fs::path out = scratch_dir("foreign");
  std::ofstream(out / "notes.txt") << "mine";
  const std::string path = write_scenario("foreign", base("foreign"));
  auto r = run_archsim({"run", path, "--quiet", "--out", out.string()}, kTimeout);
  INFO(describe(r));
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("notes.txt") != std::string::npos);
  CHECK(slurp(out / "notes.txt") == "mine");
  // Named as "." from inside it: the same folder, the same answer.
  r = archsim::e2e::run_archsim_in(out.string(), {"run", path, "--quiet", "--out", "."}, kTimeout);
  CHECK(r.exit_code == 1);
  CHECK(slurp(out / "notes.txt") == "mine");
  // An empty folder given as "." is written.
  const fs::path empty = scratch_dir("dot-out");
  r = archsim::e2e::run_archsim_in(empty.string(), {"run", path, "--quiet", "--no-report", "--out", "."}, kTimeout);
  CHECK_MESSAGE(r.exit_code == 0, describe(r));
  CHECK(fs::is_regular_file(empty / "summary.json"));
}

TEST_CASE("hardening: a new run never mixes with the files of the previous one") {
  const fs::path out = fs::path(scratch_dir("mix")) / "dir";
  const std::string path = write_scenario("mix", base("mix"));
  // A compare, then a run into the same folder: the old compare.json must not hijack the report.
  auto r = run_archsim({"compare", path, "--vary", "web.service_time=1ms,2ms", "--quiet", "--no-report", "--out", out.string()}, 60);
  REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
  REQUIRE(fs::exists(out / "compare.json"));
  r = run_archsim({"run", path, "--quiet", "--out", out.string()}, 60);
  REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
  CHECK(!fs::exists(out / "compare.json"));
  CHECK(!fs::exists(out / "variant-1"));
  CHECK(fs::exists(out / "summary.json"));
  // --no-report after a report: no old report.html beside the new data.
  r = run_archsim({"run", path, "--quiet", "--no-report", "--out", out.string()}, 60);
  REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
  CHECK(!fs::exists(out / "report.html"));
  CHECK(!fs::exists(out / "charts"));
  // Nothing left beside the folder once the run is done (the staging folder is renamed).
  CHECK(std::distance(fs::directory_iterator(out.parent_path()), fs::directory_iterator{}) == 1);
}

// ------------------------------------------------------------------ silently accepted input

TEST_CASE("hardening: input that was silently misread is refused at its pointer") {
  struct Case {
    const char* name;
    std::string text;  // the scenario
    std::string head;  // "<pointer>: "
    std::vector<std::string> words;
  };
  const std::string comps = R"("components": [
    {"id": "users", "type": "client", "target": "web", "arrivals": {"rate": 10}},
    {"id": "web", "type": "service", "service_time": "1ms", "replicas": 2}])";
  auto with = [&](const std::string& extra) { return R"({"name": "x", "duration": "10s", )" + extra + comps + "}"; };
  const std::vector<Case> cases = {
      {"duplicate-key", R"({"name": "x", "duration": "10s", "duration": "20s", )" + comps + "}", "/duration: ", {"duplicate key"}},
      {"duplicate-nested", with("") .replace(with("").find(R"("rate": 10)"), 10, R"("rate": 10, "rate": 20)"),
       "/components/0/arrivals/rate: ", {"duplicate key"}},
      {"version-2", with(R"("version": 2, )"), "/version: ", {"version 1"}},
      {"two-links", with(R"("links": [{"from": "users", "to": "web", "latency": "1ms"}, {"from": "users", "to": "web", "latency": "2ms"}], )"),
       "/links/1/to: ", {"second link", "/links/0"}},
      {"unused-link", with(R"("links": [{"from": "web", "to": "users", "latency": "1ms"}], )"), "/links/0: ",
       {"changes nothing", "other way"}},
      {"arrow-id", R"({"name": "x", "components": [{"id": "a->b", "type": "service", "service_time": "1ms"}]})",
       "/components/0/id: ", {"->"}},
      {"route-twice", R"({"name": "x", "components": [
         {"id": "users", "type": "client", "target": "web", "arrivals": {"rate": 10},
          "routes": [{"name": "get", "weight": 1}, {"name": "get", "weight": 2}]},
         {"id": "web", "type": "service", "service_time": "1ms"}]})",
       "/components/0/routes/1/name: ", {"twice"}},
      // A route no service on its way serves: every such request failed as `error`.
      {"route-not-served", R"({"name": "x", "components": [
         {"id": "users", "type": "client", "target": "web", "arrivals": {"rate": 10},
          "routes": [{"name": "browse", "weight": 1}, {"name": "buy", "weight": 1}]},
         {"id": "web", "type": "service", "routes": {"browse": [{"work": "1ms"}], "checkout": [{"work": "1ms"}]}}]})",
       "/components/0/routes/1/name: ", {"route \"buy\" reaches \"web\"", "browse, checkout"}},
      {"route-through-balancer", R"({"name": "x", "components": [
         {"id": "users", "type": "client", "target": "lb", "arrivals": {"rate": 10},
          "routes": [{"name": "browse", "weight": 1}, {"name": "buy", "weight": 1}]},
         {"id": "lb", "type": "balancer", "mode": "l7", "targets": ["web", "shop"],
          "routes": {"buy": ["shop"], "browse": ["web"]}},
         {"id": "web", "type": "service", "routes": {"browse": [{"work": "1ms"}]}},
         {"id": "shop", "type": "service", "routes": {"checkout": [{"work": "1ms"}]}}]})",
       "/components/0/routes/1/name: ", {"\"buy\" reaches \"shop\"", "through \"lb\""}},
      {"route-renamed-by-a-call", R"({"name": "x", "components": [
         {"id": "users", "type": "client", "target": "web", "arrivals": {"rate": 10}},
         {"id": "web", "type": "service", "routes": {"default": [{"call": "db", "route": "raed"}]}},
         {"id": "db", "type": "service", "routes": {"read": [{"work": "1ms"}], "write": [{"work": "2ms"}]}}]})",
       "/components/1/routes/default/0/call: ", {"\"raed\" reaches \"db\"", "read, write"}},
      {"two-autoscalers", R"({"name": "x", "components": [
         {"id": "users", "type": "client", "target": "web", "arrivals": {"rate": 10}},
         {"id": "web", "type": "service", "service_time": "1ms", "replicas": 2},
         {"id": "hpa1", "type": "autoscaler", "target": "web", "min_replicas": 1, "max_replicas": 4},
         {"id": "hpa2", "type": "autoscaler", "target": "web", "min_replicas": 1, "max_replicas": 4}]})",
       "/components/3/target: ", {"hpa1"}},
  };
  for (const Case& c : cases) {
    CAPTURE(c.name);
    const std::string path = write_text(c.name, c.text);
    expect_refused(run_archsim({"validate", path}, kTimeout), path + ": " + c.head, c.words);
  }
  // Routes that do arrive where they are served pass: a balancer's own list for "buy", a
  // default route that takes any name, a call that keeps the request's route.
  const std::string fine = R"({"name": "x", "components": [
     {"id": "users", "type": "client", "target": "lb", "arrivals": {"rate": 10},
      "routes": [{"name": "browse", "weight": 1}, {"name": "buy", "weight": 1}, {"name": "old", "weight": 0}]},
     {"id": "lb", "type": "balancer", "mode": "l7", "targets": ["web", "shop"], "routes": {"buy": ["shop"]}},
     {"id": "web", "type": "service", "routes": {"browse": [{"call": "api"}]}},
     {"id": "shop", "type": "service", "routes": {"buy": [{"call": "api"}], "default": [{"work": "1ms"}]}},
     {"id": "api", "type": "service", "routes": {"browse": [{"work": "1ms"}], "buy": [{"work": "1ms"}]}}]})";
  const std::string path = write_text("routes-served", fine);
  const RunResult r = run_archsim({"validate", path}, kTimeout);
  INFO(describe(r));
  CHECK(r.exit_code == 0);
}

// ------------------------------------------------------------------ numbers that lie

TEST_CASE("hardening: utilization stays within 1 while a scale-in drains instances") {
  // queue-workers scales in at the end of its burst: an instance that drains still works
  // its last requests. Capacity counted only ready instances, so one window read 1.19.
  const std::string out = scratch_dir("drain-util");
  auto r = run_archsim({"run", source_path("scenarios/autoscaling/queue-workers.json"), "--out", out, "--quiet", "--no-report"}, 120);
  INFO(describe(r));
  REQUIRE(r.exit_code == 0);
  int rows = 0;
  double peak = 0;
  for (const std::string& line : lines(archsim::e2e::read_text(out + "/timeseries.csv"))) {
    const auto a = line.find(','), b = line.find(',', a + 1), c = line.find(',', b + 1);
    if (c == std::string::npos || line.substr(b + 1, c - b - 1) != "utilization") continue;
    ++rows;
    peak = std::max(peak, std::stod(line.substr(c + 1)));
  }
  CHECK(rows > 100);
  CHECK(peak > 0.9);  // the burst does fill the workers
  CHECK(peak <= 1.0 + 1e-9);
}

TEST_CASE("hardening: a run of more requests than the budget is refused before t = 0; a long one is announced") {
  // A billion arrivals per second for an hour: 3.6e12 requests, about 40 days of CPU.
  json doc = base("huge-load");
  doc["duration"] = "1h";
  doc["components"][0]["arrivals"]["rate"] = 1e9;
  std::string path = write_scenario("huge-load", doc);
  expect_refused(run_archsim({"validate", path}, kTimeout), path + ": /duration: ", {"3.6e+12 requests", "budget of 1e+11"});
  // A closed loop is bounded by its users over their think time: 1e6 users thinking 1 ms
  // for 1 day are 8.6e13.
  doc = base("huge-closed");
  doc["duration"] = "1d";
  doc["components"][0] = json::parse(R"({"id": "users", "type": "client", "target": "web", "users": 1000000, "think_time": "1ms"})");
  path = write_scenario("huge-closed", doc);
  expect_refused(run_archsim({"validate", path}, kTimeout), path + ": /duration: ", {"8.6e+13 requests"});
  // 4e8 requests fit the budget and are announced before the run (stopped at once by a
  // watchdog-free short timeout: only the note is wanted).
  doc = base("long-load");
  doc["duration"] = "4000s";
  doc["components"][0]["arrivals"]["rate"] = 100000;
  path = write_scenario("long-load", doc);
  auto r = run_archsim({"validate", path}, kTimeout);
  CHECK(r.exit_code == 0);
  doc["duration"] = "40s";  // 4e6: no note
  path = write_scenario("short-load", doc);
  r = run_archsim({"run", path, "--no-report", "--out", scratch_dir("short-load")}, 120);
  INFO(describe(r));
  CHECK(r.exit_code == 0);
  CHECK(r.err.find("note: about") == std::string::npos);
  doc["duration"] = "4000s";
  doc["components"][0]["arrivals"]["rate"] = 100000;
  r = run_archsim({"run", write_scenario("long-load", doc), "--no-report", "--out", scratch_dir("long-load")}, 3);
  CHECK(r.err.find("note: about 4e+08 requests to simulate: expect 7 minutes or more of CPU") != std::string::npos);
}

TEST_CASE("hardening: counters are exact, not rounded to 6 significant digits") {
  // Constant arrivals at 12345.67/s for 100 s: 1,234,567 requests (give or take the last
  // gap), which six significant digits would print as 1,234,570.
  json doc = base("exact-counts");
  doc["duration"] = "100s";
  doc["components"][0]["arrivals"] = json{{"process", "constant"}, {"rate", 12345.67}};
  doc["components"][1]["service_time"] = "0s";
  const auto s = archsim::e2e::run_summary(write_scenario("exact-counts", doc), {}, 120);
  const double total = archsim::e2e::num(s, "requests.total");
  CHECK(std::abs(total - 1234567) <= 1);
  // The service's own counter (a figure, once rounded) agrees to the request.
  CHECK(archsim::e2e::num(s, "components.web.ok") == total);
}

TEST_CASE("hardening: seeds are read exactly and checked") {
  json doc = base("seed-exact");
  doc["seed"] = 9007199254740993ULL;  // 2^53 + 1: a double would make it ...992
  const std::string path = write_scenario("seed-exact", doc);
  const auto s = archsim::e2e::run_summary(path, {});
  CHECK(archsim::e2e::at(s, "seed").get<std::uint64_t>() == 9007199254740993ULL);
  const auto by_flag = archsim::e2e::run_summary(path, {"--seed", "9007199254740993"});
  CHECK(archsim::e2e::at(by_flag, "seed").get<std::uint64_t>() == 9007199254740993ULL);

  for (const char* bad : {"-1", "9223372036854775808", "12x"}) {
    CAPTURE(bad);
    const auto r = run(path, {"--seed", bad});
    INFO(describe(r));
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("--seed") != std::string::npos);
    CHECK(r.err.find("9223372036854775807") != std::string::npos);
  }
  // Out of range in the file: the bound in the message is the true one (2^63 - 1).
  doc["seed"] = 9223372036854775808ULL;
  const std::string over = write_scenario("seed-over", doc);
  expect_refused(run(over), over + ": /seed: ", {"9223372036854775807", "9223372036854775808"});
}

// ------------------------------------------------------------------ smaller

TEST_CASE("hardening: control characters in messages are escaped; one line stays one line") {
  const std::string path = write_text("ctrl", "{\"name\": \"x\", \"components\": [{\"id\": \"a\\nb\\u001b[31m\", \"type\": \"nope\"}]}");
  const auto r = run_archsim({"validate", path}, kTimeout);
  expect_refused(r, path + ": /components/0/id: ", {"control character U+000A"});
  CHECK(r.err.find('\x1b') == std::string::npos);
  // An unknown field named with a newline is shown as \n, not as a line break.
  const std::string key = write_text("ctrl-key", "{\"name\": \"x\", \"du\\nration\": 1, \"components\": [{\"id\": \"a\", "
                                                 "\"type\": \"service\", \"service_time\": \"1ms\"}]}");
  expect_refused(run_archsim({"validate", key}, kTimeout), key + ": ", {"du\\nration"});
}

TEST_CASE("hardening: validate refuses a folder and an endless file") {
  const std::string dir = scratch_dir("folder");
  expect_refused(run_archsim({"validate", dir}, kTimeout), dir + ": ", {"is a directory"});
  const auto r = run_archsim({"validate", "/dev/zero"}, kTimeout);
  expect_refused(r, "/dev/zero: ", {"larger than"});
}
