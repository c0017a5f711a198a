// Every request counted, end to end: latency over every request that ended (latency_all_ms,
// a failed one at its time of failure) against a hand count, the survivor bias it exposes,
// OOM kills counted however they come, and a crash that lasts until its instance is back.
#include <doctest/doctest.h>

#include <cmath>
#include <sstream>
#include <string>
#include <vector>

#include "tests/e2e/run_archsim.h"

using namespace archsim::e2e;
using nlohmann::json;

namespace {

// One server, one worker, 300 ms of work per request (constant); a request every 200 ms from
// 0.2 s on; the client gives up after 950 ms. The server is busy from the first arrival on,
// so request k (k = 0, 1, ...) arrives at 0.2 (k + 1) s and its answer is ready at
// 0.2 + 0.3 (k + 1) s: a latency of 0.3 + 0.1 k s. Requests 0..6 are answered in 300, 400,
// ..., 900 ms; from k = 7 on (1,000 ms and more) every one times out at exactly 950 ms (the
// server still does their work: a late answer is dropped, not cancelled).
json hand_count_scenario() {
  return json::parse(R"({
    "name": "hand-count", "seed": 1, "duration": "20s", "window": "1s",
    "components": [
      {"id": "users", "type": "client", "target": "web", "arrivals": {"process": "constant", "rate": 5},
       "timeout": "950ms"},
      {"id": "web", "type": "service", "replicas": 1, "concurrency": 1, "service_time": "300ms"}
    ]
  })");
}

// The values of (component, metric) in timeseries.csv by window end (time_s).
std::vector<std::pair<double, double>> values(const std::string& dir, const std::string& component, const std::string& metric) {
  std::vector<std::pair<double, double>> out;
  for (const auto& [t, v] : series_rows(dir + "/timeseries.csv", component, metric)) out.emplace_back(t, std::stod(v));
  return out;
}

}  // namespace

TEST_CASE("every request: latency_all counts failed requests at their time of failure, against a hand count") {
  const std::string out = scratch_dir("hand-count");
  const json s = parse_summary(run_archsim({"run", write_scenario("hand-count", hand_count_scenario()), "--json", "--quiet",
                                            "--no-report", "--out", out}));
  const double total = num(s, "requests.total"), failed = num(s, "requests.failed");
  // Served: the seven of the hand count, 300 to 900 ms, mean 600 ms (count, mean, min and max
  // of a histogram are exact).
  CHECK(num(s, "requests.ok") == 7);
  CHECK(num(s, "latency_ms.count") == 7);
  CHECK(num(s, "latency_ms.mean") == doctest::Approx(600));
  CHECK(num(s, "latency_ms.max") == doctest::Approx(900));
  // Every other request timed out at exactly 950 ms; each ended request is counted once.
  CHECK(failed == num(s, "requests.by_cause.timeout"));
  CHECK(failed > 50);  // arrivals to 19 s, minus the seven
  CHECK(num(s, "latency_all_ms.count") == total);
  CHECK(num(s, "latency_all_ms.max") == doctest::Approx(950));
  CHECK(num(s, "latency_all_ms.mean") == doctest::Approx((7 * 600 + 950 * failed) / total));
  // Most ended requests are timeouts: the median of all is the timeout (within the
  // histogram's bucket), while the median of the served is 600 ms.
  CHECK(num(s, "latency_all_ms.p50") == doctest::Approx(950).epsilon(0.004));
  CHECK(num(s, "latency_ms.p50") == doctest::Approx(600).epsilon(0.004));
  // The same per route and per client (one of each here).
  CHECK(num(s, "routes.default.latency_all_ms.count") == total);
  CHECK(num(s, "routes.default.latency_all_ms.max") == doctest::Approx(950));
  CHECK(num(s, "components.users.latency_all_ms.count") == total);
  CHECK(num(s, "components.users.latency_all_ms.mean") == doctest::Approx(num(s, "latency_all_ms.mean")));
  CHECK(num(s, "components.users.latency_ms.count") == 7);

  // Per window: from 3 s on nothing is served and every ended request is a 950 ms timeout.
  const auto all_p99 = values(out, "all", "latency_all_p99_ms");
  const auto client_all_p99 = values(out, "users", "latency_all_p99_ms");
  const auto failed_share = values(out, "all", "failed_fraction");
  REQUIRE(all_p99.size() >= 19);
  REQUIRE(client_all_p99.size() == all_p99.size());
  for (const auto& [t, v] : all_p99)
    if (t >= 4) CHECK(v == doctest::Approx(950).epsilon(0.004));
  for (const auto& [t, v] : failed_share)
    if (t >= 4) CHECK(v == 1.0);
  // The success-only p99 has no value in those windows at all (no row): it cannot say what
  // happened there. It has rows for the first three seconds only.
  for (const auto& [t, v] : values(out, "all", "latency_p99_ms")) CHECK(t <= 3);
  CHECK(series_rows(out + "/timeseries.csv", "users", "latency_all_p50_ms").size() == all_p99.size());

  // latency_cdf.csv: "all" (the served) ends at 900 ms; "every request" holds the seven
  // below 950 ms (7 / total) and reaches 1 at the timeout's bucket.
  std::istringstream cdf(read_text(out + "/latency_cdf.csv"));
  std::string line;
  double served_last = 0, every_below = 0, every_at = 0, every_last = 0;
  while (std::getline(cdf, line)) {
    const auto c1 = line.find(','), c2 = line.find(',', c1 + 1);
    if (c2 == std::string::npos || line[0] == 'c') continue;  // the header
    const std::string who = line.substr(0, c1);
    const double ms = std::stod(line.substr(c1 + 1, c2 - c1 - 1)), f = std::stod(line.substr(c2 + 1));
    if (who == "all") served_last = ms;
    if (who != "every request") continue;
    if (ms < 940) every_below = f;
    if (every_at == 0 && f > 0.99) every_at = ms;
    every_last = f;
  }
  CHECK(served_last == doctest::Approx(900).epsilon(0.01));
  CHECK(every_below == doctest::Approx(7 / total));
  CHECK(every_at == doctest::Approx(950).epsilon(0.01));
  CHECK(every_last == doctest::Approx(1.0));
}

TEST_CASE("every request: the compare table has every request's p99 beside the successful ones") {
  // The hand count with one server (the timeouts at 950 ms) and with two (300 + 200 ms
  // arrivals: every request is answered in 300 ms).
  const std::string out = scratch_dir("hand-count-compare");
  const auto r = run_archsim({"compare", write_scenario("hand-count", hand_count_scenario()), "--vary", "web.replicas=1,2",
                              "--quiet", "--no-report", "--out", out});
  INFO(describe(r));
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("all p99 ms") != std::string::npos);
  // variant, p50, p95, p99 (successful), all p99 (every request): read from each variant's row.
  auto row = [&](const std::string& label) {
    const auto at = r.out.find("\n" + label + " ");
    REQUIRE(at != std::string::npos);
    std::istringstream line(r.out.substr(at + 1, r.out.find('\n', at + 1) - at - 1));
    std::string name;
    double p50 = 0, p95 = 0, p99 = 0, all99 = 0;
    line >> name >> p50 >> p95 >> p99 >> all99;
    return std::pair{p99, all99};
  };
  const auto [ok1, all1] = row("web.replicas=1");
  CHECK(ok1 == doctest::Approx(900).epsilon(0.01));
  CHECK(all1 == doctest::Approx(950).epsilon(0.01));
  const auto [ok2, all2] = row("web.replicas=2");
  CHECK(ok2 == doctest::Approx(300).epsilon(0.01));
  CHECK(all2 == ok2);
}

TEST_CASE("every request: in a retry storm the all-request p99 rises where requests fail, the served p99 does not") {
  // scenarios/failures/retry-storm.json: from 2 min a burst drives the API into a metastable
  // overload; the clients' attempts time out at 1 s and are retried up to 4 times. Served
  // requests are the lucky ones that found a short queue: their p99 stays near what it was,
  // while the p99 over every request shows the timeouts.
  const std::string out = scratch_dir("retry-storm");
  const json s = parse_summary(run_archsim({"run", source_path("scenarios/failures/retry-storm.json"), "--json", "--quiet",
                                            "--no-report", "--out", out},
                                           300));
  const auto ok_p99 = values(out, "all", "latency_p99_ms");
  const auto all_p99 = values(out, "all", "latency_all_p99_ms");
  const auto failed = values(out, "all", "failed_fraction");
  auto at = [](const std::vector<std::pair<double, double>>& v, double t) {
    for (const auto& [x, y] : v)
      if (x == t) return y;
    return std::nan("");
  };
  // Before the burst: nothing fails, both p99 agree.
  const double calm_ok = at(ok_p99, 100), calm_all = at(all_p99, 100);
  CHECK(at(failed, 100) == 0);
  CHECK(calm_all == doctest::Approx(calm_ok).epsilon(0.01));
  int storm_windows = 0;
  for (const auto& [t, share] : failed) {
    if (t < 240 || share < 0.5) continue;  // the storm, well after the burst ended
    ++storm_windows;
    CAPTURE(t);
    // Every request failing ends after its attempts' timeouts: seconds, not milliseconds.
    CHECK(at(all_p99, t) > 1000);
    // The few served were answered within their last attempt's 1 s.
    const double ok = at(ok_p99, t);
    if (!std::isnan(ok)) CHECK(ok < 1000);
  }
  CHECK(storm_windows > 20);
  // Over the run: the served median is the calm one (the issue's "p50 81 ms while 85% fail"),
  // the median of every request is past the 1 s timeout.
  CHECK(num(s, "requests.failed") > 0.8 * num(s, "requests.total"));
  CHECK(num(s, "latency_ms.p50") < 100);
  CHECK(num(s, "latency_all_ms.p50") > 1000);
  CHECK(num(s, "latency_all_ms.p99") > 3 * num(s, "latency_ms.p99"));
}

TEST_CASE("every request: a cause that never happens keeps its series when an alert rule watches it") {
  // The hand count fails by timeouts only. Unwatched, the causes that never happen are left
  // out of timeseries.csv; the one an alert rule names stays, at zero in every window, so the
  // page can draw the rule's series against its threshold.
  json doc = hand_count_scenario();
  doc["alerts"] = json::parse(R"([{"name": "unavailable", "metric": "all.errors_unavailable_rps", "op": ">",
                                   "threshold": 1, "for": "0s"}])");
  const std::string out = scratch_dir("alert-series");
  const auto r = run_archsim({"run", write_scenario("alert-series", doc), "--quiet", "--out", out});
  INFO(describe(r));
  REQUIRE(r.exit_code == 0);
  const auto watched = values(out, "all", "errors_unavailable_rps");
  CHECK(watched.size() == values(out, "all", "errors_timeout_rps").size());
  for (const auto& [t, v] : watched) CHECK(v == 0);
  CHECK(values(out, "all", "errors_dropped_rps").empty());
  CHECK(at(page_data(read_text(out + "/report.html")), "series.by.all").contains("errors_unavailable_rps"));
}

TEST_CASE("every request: OOM kills are counted whatever causes them, per window and per kill") {
  // Load-driven: 200 MB at rest, 4 MB per request held, a 512 MB limit: an instance holding
  // 79 requests is killed. 2 instances of 8 workers at 15 ms (1,067 requests/s) get 1,200
  // requests/s: the queues grow until the kills, and a killed instance drops what it held.
  json doc = json::parse(R"({
    "name": "oom-load", "seed": 2, "duration": "2m", "window": "5s",
    "components": [
      {"id": "users", "type": "client", "target": "web", "arrivals": {"rate": 1200}, "timeout": "5s"},
      {"id": "web", "type": "service", "replicas": 2, "concurrency": 8, "restart_time": "5s",
       "service_time": {"dist": "exponential", "mean": "15ms"},
       "memory": {"limit_mb": 512, "base_mb": 200, "per_request_mb": 4}}
    ]
  })");
  const std::string out = scratch_dir("oom-load");
  const auto r = run_archsim({"run", write_scenario("oom-load", doc), "--quiet", "--no-report", "--out", out});
  REQUIRE(r.exit_code == 0);
  const json s = json::parse(read_text(out + "/summary.json"));
  const double kills = num(s, "components.web.oom_kills");
  CHECK(kills > 0);
  // The series counts the kills of each window (not a rate): they add up to the figure (no
  // warm-up here).
  double sum = 0;
  for (const auto& [t, v] : values(out, "web", "oom_kills")) sum += v;
  CHECK(sum == kills);
  // Each kill is listed, from the kill to the instance's return (restart_time 5 s at least).
  const json& list = at(s, "availability_report.oom_kills");
  CHECK(list.size() == std::min<double>(kills, 500));
  for (const json& k : list) {
    CHECK(k.at("component") == "web");
    CHECK(k.at("end_s").get<double>() >= std::min(k.at("start_s").get<double>() + 4.999, 120.0));  // 6 digits
  }
  // The terminal table has the column.
  CHECK(r.out.find("oom kills") != std::string::npos);
  // A service without a memory limit has no such figure; one with a limit that was never hit says 0.
  doc["components"][1]["memory"]["limit_mb"] = 100000;
  const json calm = run_summary(write_scenario("oom-calm", doc), {"--set", "users.arrivals.rate=100"});
  CHECK(num(calm, "components.web.oom_kills") == 0);
  CHECK(!has(calm, "availability_report.oom_kills"));
  // Fault-driven: the leak of scenarios/failures/oom-restart-loop.json is counted the same way.
  const json leak = run_summary(source_path("scenarios/failures/oom-restart-loop.json"), {"--set", "duration=6m"});
  CHECK(num(leak, "components.web.oom_kills") > 0);
  CHECK(at(leak, "availability_report.oom_kills").size() > 0);
}

TEST_CASE("every request: a crash lasts until its instances are ready again") {
  // Two instances crash at 100 s and come back after restart_time 60 s and startup_time 30 s:
  // the crash's window in the availability report is [100, 190], not an instant.
  const json doc = json::parse(R"({
    "name": "crash-length", "seed": 3, "duration": "300s", "window": "10s",
    "components": [
      {"id": "users", "type": "client", "target": "web", "arrivals": {"rate": 50}, "timeout": "1s"},
      {"id": "web", "type": "service", "replicas": 2, "concurrency": 4, "restart_time": "60s", "startup_time": "30s",
       "service_time": {"dist": "exponential", "mean": "20ms"}}
    ],
    "faults": [{"at": "100s", "kind": "crash", "target": "web", "instances": "all"},
               {"at": "250s", "kind": "crash", "target": "web"}]
  })");
  const json s = run_summary(write_scenario("crash-length", doc), {});
  const json& faults = at(s, "availability_report.faults");
  REQUIRE(faults.size() == 2);
  CHECK(faults[0].at("start_s").get<double>() == 100);
  CHECK(faults[0].at("end_s").get<double>() == 190);
  // One instance of two at 250 s, back at 340 s: past the end of the run, so the crash lasts to it.
  CHECK(faults[1].at("end_s").get<double>() == 300);
}
