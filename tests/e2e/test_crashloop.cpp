// CrashLoopBackOff end to end (models/server/pool/restart_backoff.h), against the sequence
// Kubernetes documents for the kubelet's restart back-off: a killed container is restarted at
// once the first time, then after 10, 20, 40, 80, 160 s and 300 s from then on, and a
// container that ran more than 10 minutes starts the sequence again.
//
// The instance here hangs: its one worker holds each request 30 s, so every liveness probe
// (every 10 s, 1 s timeout) waits behind a request and fails; with failure_threshold F the
// kubelet kills it (F - 1) x 10 + 11 s after it started (probes at 10, 20, ... s, each failing
// 1 s later). Its life is that long, then it waits the back-off: the kill times follow by
// adding life and back-off in turn, and are read back from the run's time series (one-second
// windows) and its figures.
#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include "tests/e2e/bad_input.h"
#include "tests/e2e/run_archsim.h"

using namespace archsim::e2e;
using nlohmann::json;

namespace {

json hung_doc(int threshold, const std::string& duration) {
  json doc = json::parse(R"({
    "name": "hung", "seed": 1, "warmup": "0s", "window": "1s",
    "components": [
      {"id": "users", "type": "client", "target": "web", "arrivals": {"process": "constant", "rate": 1}, "timeout": "60s"},
      {"id": "web", "type": "service", "replicas": 1, "concurrency": 1, "service_time": "30s",
       "probes": {"liveness": {"period": "10s", "timeout": "1s"}}}
    ]
  })");
  doc["duration"] = duration;
  doc["components"][1]["probes"]["liveness"]["failure_threshold"] = threshold;
  return doc;
}

// Kubernetes' documented waits: none before the first restart, then 10 s doubling to 300 s.
double documented_wait(int restart) {
  if (restart == 0) return 0;
  return std::min(300.0, 10.0 * std::pow(2.0, restart - 1));
}

// The kill times before `end` of a container that lives `life` seconds after each start.
std::vector<double> kills(double life, double end, bool backoff) {
  std::vector<double> out;
  double start = 0;
  for (int k = 0;; ++k) {
    const double kill = start + life;
    if (kill > end) return out;
    out.push_back(kill);
    start = kill + (backoff ? documented_wait(k) : 0);
  }
}

// The windows (their end, in s) in which the instance was restarted by its liveness probe.
std::vector<double> kill_windows(const std::string& out) {
  std::vector<double> at;
  for (const auto& [t, v] : series_rows(out + "/timeseries.csv", "web", "liveness_restarts_rps"))
    for (int n = static_cast<int>(std::lround(std::stod(v))); n > 0; --n) at.push_back(t);
  return at;
}

// Runs `scenario` (with `extra`) writing into `out`, and parses its summary.
json run_into(const std::string& scenario, const std::string& out, const std::vector<std::string>& extra = {}) {
  std::vector<std::string> args{"run", scenario, "--json", "--quiet", "--no-report", "--out", out};
  args.insert(args.end(), extra.begin(), extra.end());
  return parse_summary(run_archsim(args));
}

}  // namespace

TEST_CASE("crashloop: a hung container is killed at the times Kubernetes' back-off gives") {
  for (int threshold : {1, 3}) {
    CAPTURE(threshold);
    const double life = (threshold - 1) * 10.0 + 11.0;
    const double end = 900;
    const std::string out = scratch_dir("crashloop");
    const json s = run_into(write_scenario("hung", hung_doc(threshold, "15m")), out);
    const std::vector<double> expected = kills(life, end, true);
    const std::vector<double> seen = kill_windows(out);
    REQUIRE(seen.size() == expected.size());
    for (std::size_t k = 0; k < expected.size(); ++k) {
      CAPTURE(k);
      CHECK(seen[k] == std::ceil(expected[k]));  // the one-second window holding the kill
    }
    CHECK(num(s, "components.web.liveness.restarts") == static_cast<double>(expected.size()));
    CHECK(num(s, "components.web.restarts") == static_cast<double>(expected.size()));
    CHECK(num(s, "components.web.crashloop.backoffs") == static_cast<double>(expected.size() - 1));
    // Time in CrashLoopBackOff: every wait begun, the last one cut at the run's end.
    double waited = 0;
    for (std::size_t k = 0; k < expected.size(); ++k) waited += std::min(documented_wait(static_cast<int>(k)), end - expected[k]);
    CHECK(num(s, "components.web.crashloop.backoff_s") == doctest::Approx(waited));
    CHECK(num(s, "components.web.crashloop.longest_backoff_s") == 300);

    // Turned off: a restart at once after every kill, as before the back-off was modelled.
    const json off = run_summary(write_scenario("hung", hung_doc(threshold, "15m")), {"--set", "web.restart_backoff=false"});
    CHECK(num(off, "components.web.liveness.restarts") == static_cast<double>(kills(life, end, false).size()));
    CHECK(num(off, "components.web.crashloop.backoffs") == 0);
  }
}

TEST_CASE("crashloop: the shipped scenario's kills are the README's") {
  const std::string file = source_path("scenarios/operations/crashloop-backoff.json");
  const std::string out = scratch_dir("crashloop-shipped");
  const json s = run_into(file, out);
  CHECK(kill_windows(out) == std::vector<double>{31, 62, 103, 154, 225, 336, 527, 858});
  CHECK(num(s, "components.web.crashloop.backoff_s") == 10 + 20 + 40 + 80 + 160 + 300 + (900 - 858));
  const json off = run_summary(file, {"--set", "web.restart_backoff=false"});
  CHECK(num(off, "components.web.liveness.restarts") == 29);  // every 31 s: 900 / 31
}

TEST_CASE("crashloop: a container that ran more than reset_after restarts at once again") {
  // A hung container with failure_threshold 3 lives 31 s. With reset_after 40 s every kill
  // comes 31 s after a start, so the sequence never resets: 31, 62, then 10 s of back-off...
  // With reset_after 30 s every kill is a first one: restarted at once, every 31 s.
  json doc = hung_doc(3, "5m");
  doc["components"][1]["restart_backoff"] = {{"reset_after", "40s"}};
  const json kept = run_summary(write_scenario("reset", doc), {});
  CHECK(num(kept, "components.web.crashloop.backoffs") == static_cast<double>(kills(31, 300, true).size() - 1));
  doc["components"][1]["restart_backoff"] = {{"reset_after", "30s"}};
  const json reset = run_summary(write_scenario("reset", doc), {});
  CHECK(num(reset, "components.web.crashloop.backoffs") == 0);
  CHECK(num(reset, "components.web.liveness.restarts") == 9);  // 31, 62, ..., 279 s
}

TEST_CASE("crashloop: bad restart_backoff settings are refused with the file and JSON pointer") {
  struct Case {
    const char* name;
    json value;
    const char* pointer;
    const char* words;
  };
  const std::vector<Case> cases = {
      {"word", "sometimes", "/components/1/restart_backoff", "expected false, true or"},
      {"number", 10, "/components/1/restart_backoff", "expected false, true or"},
      {"zero", {{"initial", "0s"}}, "/components/1/restart_backoff/initial", ""},
      {"max_below", {{"initial", "1m"}, {"max", "10s"}}, "/components/1/restart_backoff/max", "at least initial"},
      {"misspelled", {{"inital", "1s"}}, "/components/1/restart_backoff/inital", "did you mean"},
      {"negative", {{"reset_after", "-1s"}}, "/components/1/restart_backoff/reset_after", ""},
  };
  for (const Case& c : cases) {
    CAPTURE(c.name);
    json doc = hung_doc(3, "10s");
    doc["components"][1]["restart_backoff"] = c.value;
    const std::string path = write_scenario(c.name, doc);
    bad_input::check_semantic_error(bad_input::run_bad(path), path, {c.name, c.pointer, {c.words}});
  }
}
