// The faults that trigger metastable failures (OSDI 2022, "Metastable Failures in the Wild"):
// cpu_throttle, load_spike, cache_flush (at once or walked over a duration) and key_shift, and
// a fault's "name" as a --set path. Ground truth: utilization = arrival rate x work time (work
// time / CPU left under a throttle), a Poisson count's mean and spread, a preloaded cache
// missing each key once after a flush, and a key's first read among Poisson reads.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "tests/e2e/run_archsim.h"

using archsim::e2e::describe;
using archsim::e2e::num;
using archsim::e2e::run_archsim;
using archsim::e2e::run_summary;
using archsim::e2e::write_scenario;
using nlohmann::json;

namespace {

// 50 requests/s of constant 5 ms work on one worker: utilization 0.25 as written.
json single_server() {
  return json::parse(R"({
    "name": "trigger", "seed": 5, "duration": "400s",
    "components": [
      {"id": "users", "type": "client", "target": "web", "arrivals": {"rate": 50}},
      {"id": "web", "type": "service", "concurrency": 1,
       "service_time": {"dist": "constant", "value": "5ms"}}
    ]})");
}

// Ten keys, all preloaded, no expiry: every miss is one the flush caused.
json preloaded_cache() {
  return json::parse(R"({
    "name": "flush", "seed": 2, "duration": "100s",
    "components": [
      {"id": "users", "type": "client", "target": "cache", "arrivals": {"rate": 100},
       "routes": [{"name": "get", "keys": {"count": 10}}]},
      {"id": "cache", "type": "cache", "capacity": 100, "preload": 10, "pattern": "read_through", "backend": "db"},
      {"id": "db", "type": "service", "concurrency": 8, "service_time": {"dist": "constant", "value": "1ms"}}
    ]})");
}

std::string first_line(const std::string& s) { return s.substr(0, s.find('\n')); }

}  // namespace

TEST_CASE("faults: cpu_throttle divides work by the CPU left, addressed by its name") {
  json doc = single_server();
  doc["faults"] = json::parse(R"([{"name": "cpu-drop", "at": "0s", "kind": "cpu_throttle", "target": "web", "factor": 0.5}])");
  const std::string path = write_scenario("cpu-throttle", doc);
  const json s = run_summary(path, {});
  // 50/s x 5 ms / 0.5 = 0.5; untouched it would be 0.25.
  CHECK(num(s, "components.web.utilization") == doctest::Approx(0.5).epsilon(0.04));
  // The name addresses the fault as an id addresses a component: factor 1 is no throttle.
  const json back = run_summary(path, {"--set", "cpu-drop.factor=1"});
  CHECK(num(back, "components.web.utilization") == doctest::Approx(0.25).epsilon(0.04));
}

TEST_CASE("faults: load_spike multiplies an open loop's arrivals while it lasts") {
  json doc = single_server();
  doc["faults"] = json::parse(R"([{"at": "100s", "duration": "100s", "kind": "load_spike", "target": "users", "factor": 3}])");
  const json s = run_summary(write_scenario("load-spike", doc), {});
  // 300 s at 50/s and 100 s at 150/s: a Poisson count of mean 30,000 (sd 173). Without the
  // spike the mean is 20,000; with the spike for the whole run, 60,000.
  const double n = num(s, "requests.total");
  CHECK(std::fabs(n - 30000) < 5 * std::sqrt(30000.0));
}

TEST_CASE("faults: cache_flush empties a preloaded cache, which then misses each key once") {
  json doc = preloaded_cache();
  const json warm = run_summary(write_scenario("flush-none", doc), {});
  CHECK(num(warm, "components.cache.misses") == 0);  // preloaded: no miss at all
  doc["faults"] = json::parse(R"([{"at": "50s", "kind": "cache_flush", "target": "cache"}])");
  const json all = run_summary(write_scenario("flush-all", doc), {});
  // Ten keys at 10/s each and a 1 ms fill: two reads of one key within a fill are rare.
  CHECK(num(all, "components.cache.misses") >= 10);
  CHECK(num(all, "components.cache.misses") <= 12);
  doc["faults"][0]["keys"] = 3;
  const json hot = run_summary(write_scenario("flush-hot", doc), {});
  CHECK(num(hot, "components.cache.misses") >= 3);
  CHECK(num(hot, "components.cache.misses") <= 4);
}

TEST_CASE("faults: cache_flush over a duration walks the keys at an even pace, once per pass") {
  // Ten preloaded keys read 10 times a second each: a key deleted is missed once, then
  // refilled long before the walk comes back to it. Over 40 s in 1 s windows.
  json doc = preloaded_cache();
  doc["window"] = "1s";
  doc["faults"] = json::parse(R"([{"at": "20s", "duration": "40s", "kind": "cache_flush", "target": "cache", "keys": 10}])");
  const std::string out = archsim::e2e::scratch_dir("flush-walk");
  auto r = run_archsim({"run", write_scenario("flush-walk", doc), "--quiet", "--no-report", "--json", "--out", out});
  REQUIRE(r.exit_code == 0);
  const json once = json::parse(r.out);
  CHECK(num(once, "components.cache.misses") >= 10);
  CHECK(num(once, "components.cache.misses") <= 12);
  // One key every 4 s (ten slices of the 40 s pass): no window refills more than two keys,
  // where a flush at once refills all ten in its window.
  double most = 0;
  std::size_t windows_with_reads = 0;
  for (const auto& [t, v] : archsim::e2e::series_rows(out + "/timeseries.csv", "cache", "backend_reads_rps")) {
    most = std::max(most, std::stod(v));
    if (std::stod(v) > 0) ++windows_with_reads;
  }
  CHECK(most <= 2);
  CHECK(windows_with_reads >= 8);
  // Four passes: every key deleted four times, each refilled between (10 s apart).
  doc["faults"][0]["passes"] = 4;
  const json four = run_summary(write_scenario("flush-passes", doc), {});
  CHECK(num(four, "components.cache.misses") >= 40);
  CHECK(num(four, "components.cache.misses") <= 44);
}

TEST_CASE("faults: key_shift moves the hot set; a cache that keeps everything misses each key at its first read") {
  // 100 reads/s over 10,000 Zipf(1) keys into a cache that never evicts, the 100 hottest
  // preloaded, a fill of 1 us. A key misses once, at its first read: with Poisson reads, the
  // expected misses are the sum over keys not preloaded of 1 - exp(-reads expected of it).
  // From 50 s on, rank r asks for key (r + 5000) mod 10000: about 3,176 misses against
  // 2,713 unshifted, a standard deviation of about 42.
  json doc = json::parse(R"({
    "name": "shift", "seed": 9, "duration": "100s",
    "components": [
      {"id": "users", "type": "client", "target": "cache", "arrivals": {"rate": 100},
       "routes": [{"name": "get", "keys": {"count": 10000, "zipf": 1.0}}]},
      {"id": "cache", "type": "cache", "capacity": 10000, "preload": 100, "pattern": "read_through", "backend": "db"},
      {"id": "db", "type": "service", "concurrency": 8, "service_time": {"dist": "constant", "value": "1us"}}
    ]})");
  const json before = run_summary(write_scenario("shift-none", doc), {});
  doc["faults"] = json::parse(R"([{"name": "shift", "at": "50s", "kind": "key_shift", "target": "users", "offset": 5000}])");
  const std::string path = write_scenario("shift", doc);
  const json after = run_summary(path, {});
  double h = 0;
  for (int k = 1; k <= 10000; ++k) h += 1.0 / k;
  auto p = [&](int rank) { return 1.0 / (rank + 1) / h; };
  double expected = 0, variance = 0, unshifted = 0;
  for (int k = 100; k < 10000; ++k) {
    const double shifted = 100 * 50 * p(k) + 100 * 50 * p((k + 10000 - 5000) % 10000);
    const double q = 1 - std::exp(-shifted);
    expected += q;
    variance += q * (1 - q);
    unshifted += 1 - std::exp(-100 * 100 * p(k));
  }
  CAPTURE(expected);
  CAPTURE(unshifted);
  CHECK(std::fabs(num(after, "components.cache.misses") - expected) < 4 * std::sqrt(variance) + 2);
  CHECK(std::fabs(num(before, "components.cache.misses") - unshifted) < 4 * std::sqrt(variance) + 2);
  // A shift by the whole key count is no shift: the same reads, the same misses.
  const json whole = run_summary(path, {"--set", "shift.offset=10000"});
  CHECK(num(whole, "components.cache.misses") == num(before, "components.cache.misses"));
}

TEST_CASE("cache: preload counts each entry's bytes and never passes capacity_bytes") {
  // Ten keys of 100 + 50 bytes: 1,500 bytes, which 1,500 holds and 1,499 does not.
  json doc = preloaded_cache();
  doc["components"][1]["value_bytes"] = 100;
  doc["components"][1]["key_overhead_bytes"] = 50;
  doc["components"][1]["capacity_bytes"] = 1500;
  const json s = run_summary(write_scenario("preload-bytes", doc), {});
  CHECK(num(s, "components.cache.misses") == 0);
  CHECK(num(s, "components.cache.evictions") == 0);
  doc["components"][1]["capacity_bytes"] = 1499;
  const std::string path = write_scenario("preload-too-big", doc);
  const auto r = run_archsim({"run", path});
  CHECK(r.exit_code == 2);
  CHECK(first_line(r.err).rfind(path + ": /components/1/preload", 0) == 0);
  CHECK(first_line(r.err).find("do not fit in capacity_bytes 1499") != std::string::npos);
}

TEST_CASE("faults: bad trigger faults and names are refused in one line") {
  struct Case {
    const char* faults;
    const char* pointer;
    const char* words;
  };
  const Case cases[] = {
      {R"([{"name": "a.b", "at": "1s", "kind": "cpu_throttle", "target": "web", "factor": 0.5}])", "/faults/0/name", "without"},
      {R"([{"name": "web", "at": "1s", "kind": "cpu_throttle", "target": "web", "factor": 0.5}])", "/faults/0/name", "component id"},
      {R"([{"name": "x", "at": "1s", "kind": "cpu_throttle", "target": "web", "factor": 0.5},
           {"name": "x", "at": "2s", "kind": "slowdown", "target": "web", "factor": 2}])", "/faults/1/name", "another fault"},
      {R"([{"at": "1s", "kind": "cpu_throttle", "target": "web", "factor": 2}])", "/faults/0/factor", ""},
      {R"([{"at": "1s", "kind": "load_spike", "target": "web", "factor": 2}])", "/faults/0/target", "open-loop client"},
      {R"([{"at": "1s", "kind": "cache_flush", "target": "web"}])", "/faults/0/target", "a cache"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.faults);
    json doc = single_server();
    doc["faults"] = json::parse(c.faults);
    const std::string path = write_scenario("bad-trigger", doc);
    const auto r = run_archsim({"run", path});
    INFO(describe(r));
    CHECK(r.exit_code == 2);
    const std::string line = first_line(r.err);
    CHECK(line.rfind(path + ": " + c.pointer, 0) == 0);
    CHECK(line.find(c.words) != std::string::npos);
  }
  json cache = preloaded_cache();
  cache["faults"] = json::parse(R"([{"at": "1s", "kind": "cache_flush", "target": "cache", "keys": 0}])");
  const std::string keys = write_scenario("bad-flush-keys", cache);
  auto r = run_archsim({"run", keys});
  CHECK(r.exit_code == 2);
  CHECK(first_line(r.err).rfind(keys + ": /faults/0/keys", 0) == 0);
  cache["faults"] = json::parse(R"([{"at": "1s", "kind": "cache_flush", "target": "cache", "passes": 3}])");
  const std::string passes = write_scenario("bad-flush-passes", cache);
  r = run_archsim({"run", passes});
  CHECK(r.exit_code == 2);
  CHECK(first_line(r.err).rfind(passes + ": /faults/0/passes", 0) == 0);
  CHECK(first_line(r.err).find("\"duration\"") != std::string::npos);
  for (const char* offset : {"0", "-5", "1.5", "\"hot\""}) {
    CAPTURE(offset);
    cache["faults"] = json::parse(std::string(R"([{"at": "1s", "kind": "key_shift", "target": "users", "offset": )") + offset + "}]");
    const std::string shift = write_scenario("bad-key-shift", cache);
    r = run_archsim({"run", shift});
    CHECK(r.exit_code == 2);
    CHECK(first_line(r.err).rfind(shift + ": /faults/0/offset", 0) == 0);
  }
  cache["faults"] = json::parse(R"([{"at": "1s", "kind": "key_shift", "target": "cache", "offset": 5}])");
  const std::string shift_target = write_scenario("bad-key-shift-target", cache);
  r = run_archsim({"run", shift_target});
  CHECK(r.exit_code == 2);
  CHECK(first_line(r.err).rfind(shift_target + ": /faults/0/target", 0) == 0);
  // A client whose routes draw no keys has no hot set to move: refused at its target.
  json keyless = single_server();
  keyless["faults"] = json::parse(R"([{"at": "1s", "kind": "key_shift", "target": "users", "offset": 5}])");
  const std::string shift_keyless = write_scenario("bad-key-shift-keyless", keyless);
  r = run_archsim({"run", shift_keyless});
  CHECK(r.exit_code == 2);
  CHECK(first_line(r.err).rfind(shift_keyless + ": /faults/0/target", 0) == 0);
  CHECK(first_line(r.err).find("draws no keys") != std::string::npos);
  cache["faults"] = json::array();
  cache["components"][1]["preload"] = 101;  // more than the capacity
  const std::string pre = write_scenario("bad-preload", cache);
  r = run_archsim({"run", pre});
  CHECK(r.exit_code == 2);
  CHECK(first_line(r.err).rfind(pre + ": /components/1/preload", 0) == 0);
  // A closed loop's load follows its replies: a load spike on it is refused, not ignored.
  json closed = single_server();
  closed["components"][0].erase("arrivals");
  closed["components"][0]["users"] = 10;
  closed["faults"] = json::parse(R"([{"at": "1s", "kind": "load_spike", "target": "users", "factor": 2}])");
  const std::string cl = write_scenario("bad-spike-closed", closed);
  r = run_archsim({"run", cl});
  CHECK(r.exit_code == 2);
  CHECK(first_line(r.err).rfind(cl + ": /faults/0/target", 0) == 0);
}

TEST_CASE("faults: the OSDI 2022 retry experiment stays failed after 10 s at -80% CPU, recovers after 9 s") {
  // The paper's figure: 10 s at -80% CPU stays failed, 9 s recovers (and so do -78% and 25%
  // less load; scenarios/metastability/README.md). Goodput in the last second says which.
  const std::string scenario = archsim::e2e::source_path("scenarios/metastability/retry-storm.json");
  auto goodput_at_end = [&](const std::string& name, const std::string& set) {
    const std::string out = archsim::e2e::scratch_dir(name);
    const auto r = run_archsim({"run", scenario, "--set", "duration=40s", "--set", set, "--json", "--quiet", "--no-report", "--out", out}, 300);
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    const auto rows = archsim::e2e::series_rows(out + "/timeseries.csv", "all", "throughput_rps");
    REQUIRE(!rows.empty());
    return std::stod(rows.back().second);
  };
  CHECK(goodput_at_end("retry-10s", "cpu-drop.duration=10s") == 0);
  CHECK(goodput_at_end("retry-9s", "cpu-drop.duration=9s") > 12000);  // 13,333/s offered
}
