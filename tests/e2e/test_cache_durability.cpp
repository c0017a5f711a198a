// A cache's durability end to end (models/cache/durability.h): Redis RDB snapshots and the
// append-only file, checked against the hand computation of what a crash loses (the write rate
// x the time since the last snapshot or fsync, at constant spacing), the hit ratio right after
// a restart against the snapshot's contents (uniform reads hit with probability keys held /
// key space), and appendfsync always's write latency (the operation's + one fsync).
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "tests/e2e/run_archsim.h"

using archsim::e2e::num;
using archsim::e2e::run_summary;
using archsim::e2e::scratch_dir;
using archsim::e2e::series_rows;
using nlohmann::json;

namespace {

std::string scenario() { return archsim::e2e::source_path("scenarios/caching/redis-persistence.json"); }

// The scenario: 200 writes/s at t = 5 ms, 10 ms, ... (each a change: on_write update), the
// node crashes at 62.5 s (the write arriving then is dropped with it) and restarts at 72.5 s.
constexpr double kWriteRate = 200;
constexpr double kCrash = 62.5;

json run(const std::vector<std::string>& sets) {
  std::vector<std::string> extra;
  for (const auto& s : sets) extra.insert(extra.end(), {"--set", s});
  return run_summary(scenario(), extra);
}

}  // namespace

TEST_CASE("cache durability: a crash loses exactly the changes since the last snapshot or fsync") {
  // RDB, save 20 100: Redis saves when more than 20 whole seconds passed since the last save
  // (t = 0 at start-up) and 100 changes were made: at 21 s and 42 s; the writes in [42 s, 62.5 s)
  // are lost. After the restart at 72.5 s (loaded: counts as saved) the next saves are at 93 s
  // and 114 s.
  json rdb = run({});
  CHECK(num(rdb, "components.cache.lost_on_restart") == kWriteRate * (kCrash - 42));
  CHECK(num(rdb, "components.cache.snapshots") == 4);
  CHECK(num(rdb, "components.cache.crashes") == 1);
  // appendfsync everysec: fsync at each whole second; lost: [62 s, 62.5 s).
  json everysec = run({"cache.persistence.appendonly=true"});
  CHECK(num(everysec, "components.cache.lost_on_restart") == kWriteRate * (kCrash - 62));
  // appendfsync no: the kernel's writeback every 30 s (30 s, 60 s); lost: [60 s, 62.5 s).
  json no = run({"cache.persistence.appendonly=true", "cache.persistence.appendfsync=no"});
  CHECK(num(no, "components.cache.lost_on_restart") == kWriteRate * (kCrash - 60));
  CHECK(num(no, "components.cache.fsyncs") == 3);  // 30 s, 60 s; after the restart 102.5 s
  // appendfsync always: every acknowledged write was on disk.
  json always = run({"cache.persistence.appendonly=true", "cache.persistence.appendfsync=always"});
  CHECK(num(always, "components.cache.lost_on_restart") == 0);
  // No snapshot rule and no AOF: the disk holds nothing; every change before the crash is lost.
  json none = run({"cache.persistence.save=[]"});
  CHECK(num(none, "components.cache.restored_keys") == 0);
  CHECK(num(none, "components.cache.lost_on_restart") == kWriteRate * kCrash - 1);  // t = 5 ms .. 62.495 s
  // Conservation: what was lost is among the writes made.
  CHECK(num(rdb, "components.cache.lost_on_restart") < num(rdb, "components.cache.writes"));
}

TEST_CASE("cache durability: right after a restart the hit ratio is the snapshot's share of the key space") {
  // The node holds 1,000 of the 2,000 uniformly read keys; the snapshot at 42 s holds 1,000
  // keys, loaded at 72.5 s. A uniform read hits with probability 1000 / 2000 from the first
  // second on. Cold (nothing on disk), only the writes refill it: 200 keys/s at most.
  auto hit_ratios = [](const std::vector<std::string>& sets) {
    const std::string out = scratch_dir("durability-hits");
    std::vector<std::string> args{"run", scenario(), "--json", "--quiet", "--no-report", "--out", out};
    for (const auto& s : sets) args.insert(args.end(), {"--set", s});
    json s = archsim::e2e::parse_summary(archsim::e2e::run_archsim(args));
    std::vector<double> r;  // the windows (73, 74] and (74, 75]: 800 reads each
    for (const auto& [t, v] : series_rows(out + "/timeseries.csv", "cache", "hit_ratio"))
      if (t == 74 || t == 75) r.push_back(std::stod(v));
    return std::make_pair(s, r);
  };
  const auto [warm, w] = hit_ratios({});
  CHECK(num(warm, "components.cache.restored_keys") == 1000);
  REQUIRE(w.size() == 2);
  // Binomial: sd sqrt(0.25 / 800) = 0.018 per window; 0.06 is over 3 sd.
  const double expected = num(warm, "components.cache.restored_keys") / 2000;
  CHECK(w[0] == doctest::Approx(expected).epsilon(0.12));
  CHECK(w[1] == doctest::Approx(expected).epsilon(0.12));
  const auto [cold, c] = hit_ratios({"cache.persistence.save=[]"});
  REQUIRE(c.size() == 2);
  // Cold: at most 200 x 1.5 s = 300 keys by 74 s (hit ratio <= 0.15), 500 by 75 s (<= 0.25).
  CHECK(c[0] < 0.15);
  CHECK(c[1] < 0.25);
}

TEST_CASE("cache durability: appendfsync always makes a write cost the operation plus one fsync") {
  // 50 us per operation and a 2 ms fsync: a write takes 2.05 ms; with everysec 0.05 ms (the
  // fsync is in the background). Writes every 5 ms never queue behind one another; the reads
  // (every 1.25 ms) that arrive during a write's fsync wait for it on Redis's one thread.
  json always = run({"cache.persistence.appendonly=true", "cache.persistence.appendfsync=always"});
  CHECK(num(always, "routes.put.latency_ms.p50") == doctest::Approx(2.05).epsilon(0.01));
  CHECK(num(always, "routes.put.latency_ms.max") == doctest::Approx(2.05).epsilon(0.01));
  json everysec = run({"cache.persistence.appendonly=true"});
  CHECK(num(everysec, "routes.put.latency_ms.p50") == doctest::Approx(0.05).epsilon(0.01));
  CHECK(num(always, "routes.get.latency_ms.p99") > 1.0);
  CHECK(num(everysec, "routes.get.latency_ms.p99") < 0.2);
}

TEST_CASE("cache durability: a drain is Redis's SHUTDOWN: the data set saved first, back whole after the restart") {
  // The same stop at 62.5 s as a drain of a node without replicas: Kubernetes' SIGTERM, which
  // Redis answers by saving (a snapshot with save points, an fsync of the AOF) before it
  // exits. Nothing is lost and the 1,000 keys held come back; the 10 s away fail as after the
  // crash (1,000 operations/s).
  json crash = run({});
  json rdb = run({"faults.0.kind=drain"});
  CHECK(num(rdb, "components.cache.lost_on_restart") == 0);
  CHECK(num(rdb, "components.cache.restored_keys") == 1000);
  CHECK(num(rdb, "components.cache.shutdowns") == 1);
  CHECK(num(rdb, "components.cache.crashes") == 0);
  CHECK(num(rdb, "components.cache.snapshots") == num(crash, "components.cache.snapshots") + 1);  // the one at shutdown
  CHECK(num(rdb, "requests.failed") == 10 * 1000);
  CHECK(num(rdb, "requests.failed") == num(crash, "requests.failed"));
  json aof = run({"faults.0.kind=drain", "cache.persistence.appendonly=true"});
  CHECK(num(aof, "components.cache.lost_on_restart") == 0);
  // Without persistence SHUTDOWN saves nothing: back empty, every change lost, as a crash.
  json none = run({"faults.0.kind=drain", "cache.persistence.save=[]"});
  CHECK(num(none, "components.cache.restored_keys") == 0);
  CHECK(num(none, "components.cache.lost_on_restart") == kWriteRate * kCrash - 1);
}
