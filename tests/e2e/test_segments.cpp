// run --segments (tools/cli/segments.h): a run cut at its quiet point, its segments side by
// side, stitched. Checked against the sequential run of the same scenario (the figures agree
// within the run's own noise), and for determinism across thread counts.
#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include "tests/e2e/bad_input.h"
#include "tests/e2e/run_archsim.h"

using namespace archsim::e2e;
using namespace archsim::e2e::bad_input;

namespace {
// Two busy hours with a quiet one between (a day compressed, and the night before the next):
// cache-aside in front of a database, the cache's 2-minute TTL the slowest state. 30 minutes
// busy, 30 quiet, 30 busy, at 10 s windows.
nlohmann::json day() {
  return nlohmann::json::parse(R"({
    "name": "two-days", "seed": 3, "duration": "90m", "window": "10s",
    "components": [
      {"id": "users", "type": "client", "target": "api", "timeout": "2s",
       "arrivals": {"rate": [["0s", 20], ["5m", 200], ["25m", 200], ["45m", 5], ["65m", 200], ["85m", 200], ["90m", 20]]},
       "routes": [{"name": "get", "keys": {"count": 20000, "zipf": 0.9}}]},
      {"id": "api", "type": "service", "replicas": 2, "concurrency": 16,
       "routes": {"get": [{"work": {"dist": "exponential", "mean": "2ms"}},
                          {"call": "cache", "route": "get", "timeout": "100ms", "on_failure": "continue",
                           "on_miss": [{"call": "db", "route": "read", "timeout": "1s"},
                                       {"call": "cache", "route": "set", "timeout": "100ms", "on_failure": "continue"}]}]}},
      {"id": "cache", "type": "cache", "capacity": 5000, "eviction": "lru", "ttl": "2m",
       "latency": {"dist": "constant", "value": "50us"}, "concurrency": 1},
      {"id": "db", "type": "service", "replicas": 1, "concurrency": 20,
       "service_time": {"dist": "lognormal", "median": "8ms", "p99": "40ms"}}]})");
}

std::string summary_without_run(const std::string& dir) {
  nlohmann::ordered_json s = nlohmann::ordered_json::parse(read_text(dir + "/summary.json"));
  s.erase("run");
  return s.dump(1);
}

}  // namespace

TEST_CASE("segments: two segments cut at the night agree with the sequential run and do not depend on threads") {
  const std::string path = write_scenario("two-days", day());
  const std::string seq_dir = scratch_dir("seg-seq"), one = scratch_dir("seg-1"), two = scratch_dir("seg-2");
  const auto seq = run_archsim({"run", path, "--json", "--quiet", "--no-report", "--out", seq_dir});
  const auto s1 = run_archsim({"run", path, "--segments", "2", "--threads", "1", "--json", "--quiet", "--no-report", "--out", one});
  const auto s2 = run_archsim({"run", path, "--segments", "2", "--threads", "2", "--json", "--quiet", "--no-report", "--out", two});
  const nlohmann::json a = parse_summary(seq), b = parse_summary(s1);
  parse_summary(s2);
  // Determinism: byte-identical outside "run", whatever the thread count.
  CHECK(summary_without_run(one) == summary_without_run(two));
  CHECK(read_text(one + "/timeseries.csv") == read_text(two + "/timeseries.csv"));
  // The cut is the quiet point (45 min), after a warm-up of the cache's TTL.
  CHECK(num(b, "run.segments.count") == 2);
  CHECK(at(b, "run.segments.cuts_s")[0].get<double>() == 2700);
  CHECK(num(b, "run.segments.warmup_s") == 120);
  // The same run: the measured span, the windows, and the figures within the noise of one
  // run. ~790,000 requests: their count is Poisson, sd 0.12 %; 1 % is eight sd.
  CHECK(num(b, "duration_s") == num(a, "duration_s"));
  CHECK(at(b, "requests.sent").get<double>() == doctest::Approx(num(a, "requests.sent")).epsilon(0.01));
  CHECK(num(b, "throughput_rps") == doctest::Approx(num(a, "throughput_rps")).epsilon(0.01));
  CHECK(num(b, "availability") == doctest::Approx(num(a, "availability")).epsilon(0.001));
  // Percentiles from the merged histogram: within 5 % (the cache's hit ratio sets them).
  for (const char* p : {"latency_ms.p50", "latency_ms.p99", "latency_ms.mean"}) {
    CAPTURE(p);
    CHECK(num(b, p) == doctest::Approx(num(a, p)).epsilon(0.05));
  }
  CHECK(num(b, "components.cache.hit_ratio") == doctest::Approx(num(a, "components.cache.hit_ratio")).epsilon(0.02));
  CHECK(num(b, "components.db.ok") == doctest::Approx(num(a, "components.db.ok")).epsilon(0.03));
  // Conservation: every request counted once, in its outcome.
  CHECK(num(b, "requests.sent") >= num(b, "requests.ok"));
  // The series cover the run once: as many rows per series as the sequential run's.
  CHECK(lines(read_text(one + "/timeseries.csv")).size() == doctest::Approx(lines(read_text(seq_dir + "/timeseries.csv")).size()).epsilon(0.01));
}

TEST_CASE("segments: --check-segments prints each figure against the sequential run") {
  const std::string path = write_scenario("two-days-check", day());
  const auto r = run_archsim({"run", path, "--segments", "2", "--check-segments", "--quiet", "--no-report", "--out",
                              scratch_dir("seg-check")});
  INFO(describe(r));
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("--check-segments") != std::string::npos);
  CHECK(r.out.find("latency_ms.p99") != std::string::npos);
}

TEST_CASE("segments: a load that never changes runs sequentially and says so") {
  const auto r = run_archsim({"run", basic_scenario("mm1.json"), "--set", "duration=10m", "--segments", "2", "--json",
                              "--quiet", "--no-report", "--out", scratch_dir("seg-flat")});
  INFO(describe(r));
  CHECK(r.exit_code == 0);
  CHECK(r.err.find("never changes") != std::string::npos);
  CHECK_FALSE(parse_summary(r).at("run").contains("segments"));
}

TEST_CASE("segments: bad --segments and --segment-warmup are one line, exit 2") {
  const std::string path = write_scenario("two-days-bad", day());
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--segments", "0"}, "must be at least 1"},
      {{"--segments", "1000"}, "more segments than the run has windows"},
      {{"--segments", "50"}, "no longer than its warm-up"},
      {{"--segments", "2", "--segment-warmup", "50m"}, "no longer than its warm-up"},
      {{"--segments", "2", "--segment-warmup", "ten"}, "--segment-warmup ten"},
      {{"--check-segments"}, "need --segments"},
      {{"--segments", "2", "--replications", "3"}, "one replication"},
  };
  for (const auto& c : cases) {  // not a structured binding: clang 14's CAPTURE cannot take one
    const auto& [extra, said] = c;
    CAPTURE(c.first.front());
    CAPTURE(c.second);
    const std::string line = one_error_line(run_bad(path, extra));
    CHECK(line.find(said) != std::string::npos);
  }
}
