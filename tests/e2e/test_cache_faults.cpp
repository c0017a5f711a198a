// A memory leak on a cache node end to end (models/cache/memory.cpp): the OOM kill's time
// against the hand computation (the leak fills the room the limit leaves above the data set
// and the baseline), the hit ratio and the backend's load after a cold restart (uniform reads
// hit with probability keys held / key space; every miss of a read-through cache is one read
// of its backend), and the warm restart from the node's disk.
#include <doctest/doctest.h>

#include <string>
#include <utility>
#include <vector>

#include "tests/e2e/run_archsim.h"

using archsim::e2e::at;
using archsim::e2e::num;
using archsim::e2e::scratch_dir;
using archsim::e2e::series_rows;
using nlohmann::json;

namespace {

std::string scenario() { return archsim::e2e::source_path("scenarios/caching/redis-oom-restart.json"); }

// The scenario: 100,000 keys of 1,000 + 90 bytes preloaded (the data set, in MiB), 8 MiB
// of baseline, a limit of 512 MiB, a leak of 8 MB/s from 30 s, restart_time 10 s.
constexpr double kDataMb = 100000.0 * 1090.0 / (1024.0 * 1024.0);
constexpr double kLeakAt = 30, kRate = 8, kBase = 8, kRestart = 10;

struct Run {
  json s;
  std::vector<std::pair<double, double>> hit_ratio;  // (window end, ratio)
};

Run run(const std::vector<std::string>& sets) {
  const std::string out = scratch_dir("cache-oom");
  std::vector<std::string> args{"run", scenario(), "--json", "--quiet", "--no-report", "--out", out};
  for (const auto& s : sets) args.insert(args.end(), {"--set", s});
  Run r;
  r.s = archsim::e2e::parse_summary(archsim::e2e::run_archsim(args));
  for (const auto& [t, v] : series_rows(out + "/timeseries.csv", "cache", "hit_ratio")) r.hit_ratio.emplace_back(t, std::stod(v));
  return r;
}

double first_kill(const json& s) {
  const json& kills = at(s, "availability_report.oom_kills");
  REQUIRE(kills.size() >= 1);
  return kills[0]["start_s"].get<double>();
}

}  // namespace

TEST_CASE("cache memory_leak: the node is OOM-killed when data set + base_mb + leak pass memory.limit_mb") {
  // Memory is sampled every 100 ms from the leak's start: the kill is at the first sample past
  // the hand-computed instant, so within 100 ms after it.
  for (double limit : {512.0, 300.0}) {
    CAPTURE(limit);
    Run r = run({"cache.memory.limit_mb=" + std::to_string(limit)});
    const double expected = kLeakAt + (limit - kBase - kDataMb) / kRate;
    const double kill = first_kill(r.s);
    CHECK(kill >= expected);
    CHECK(kill <= expected + 0.1 + 1e-9);
    CHECK(num(r.s, "components.cache.oom_kills") >= 1);
    // The leak is RSS, not used_memory: maxmemory (200 MB here) never evicts for it.
    CHECK(num(r.s, "components.cache.evictions") == 0);
  }
  // Without the data set in the process's memory the kill would come kDataMb / kRate = 13 s
  // later; without the baseline, 1 s later: both are outside the 100 ms the check allows.
}

TEST_CASE("cache memory_leak: a cold restart after the OOM kill sends every miss to the backend") {
  Run r = run({});
  const double kill = first_kill(r.s);
  const double back = kill + kRestart;  // the first kill restarts with no back-off
  // Before the leak every key is held: every read hits.
  for (const auto& [t, v] : r.hit_ratio)
    if (t <= kLeakAt) CHECK(v == 1.0);
  // The first 5 s window after the restart (90.1 s): the node refills at most 500 keys/s of
  // 100,000, so a uniform read hits with probability below 2,500 / 100,000.
  bool seen = false;
  for (const auto& [t, v] : r.hit_ratio)
    if (t > back && t <= back + 5) {
      seen = true;
      CHECK(v < 0.03);
    }
  CHECK(seen);
  // Conservation: each miss of a read-through cache is one read of its backend, and the
  // database served them all but those in flight at the end.
  const double misses = num(r.s, "components.cache.misses"), reads = num(r.s, "components.cache.backend_reads");
  CHECK(misses > 10000);
  CHECK(misses == reads);
  const double served = num(r.s, "components.db.latency_ms.count");
  CHECK(served <= reads);
  CHECK(reads - served <= 10);
  CHECK(num(r.s, "components.cache.oom_kills") == 2);  // the leak goes on in the new process
}

TEST_CASE("cache memory_leak: with persistence the node restarts warm from its disk") {
  Run r = run({"cache.persistence={}"});
  const double back = first_kill(r.s) + kRestart;
  for (const auto& [t, v] : r.hit_ratio)
    if (t > back && t <= back + 5) CHECK(v == 1.0);
  CHECK(num(r.s, "components.cache.restored_keys") == 2 * 100000);  // both restarts load the whole data set
  CHECK(num(r.s, "components.cache.backend_reads") == 0);
  // Warm, the data set is back at once: the second kill comes as soon after the restart as
  // the first came after the leak's start.
  const json& kills = at(r.s, "availability_report.oom_kills");
  REQUIRE(kills.size() == 2);
  CHECK(kills[1]["start_s"].get<double>() - (first_kill(r.s) + kRestart) ==
        doctest::Approx(first_kill(r.s) - kLeakAt).epsilon(0.01));
}
