// Honest state charts and the SLO judged over windows, through the binary.
//
//   - A circuit breaker's transitions are recorded at their exact times (timeseries.csv rows
//     "circuit_state_transitions", the report's step chart). A client calls every 10 ms; a
//     link fault answers every call `error` from 10.005 s for 10 s. Resilience4j's state
//     machine (count window 10, failure_rate_threshold 0.5, half_open_calls 3, wait 5.005 s,
//     automatic_transition) then predicts, with calls at 10.01, 10.02 ...:
//       OPEN      at 10.050  (the 5th failure: 5 of the last 10 outcomes failed)
//       HALF_OPEN at 15.055  (5.005 s later, by the timer)
//       OPEN      at 15.080  (the 3 trial calls 15.06, 15.07, 15.08 all fail)
//       HALF_OPEN at 20.085
//       CLOSED    at 20.112  (the fault ended at 20.005: trials 20.09, 20.10, 20.11 succeed
//                             after their 2 ms of work)
//     Each is checked within 1 ms: a breaker one call early or late is 10 ms off.
//   - availability_window: the same client for 10 min after a 1 min warm-up; the link fails
//     every call for 3 s inside [300 s, 360 s): that window holds 6000 requests of which 300
//     failed (95%), the nine others none. Whole-run availability is 1 - 300/60000 = 99.5%,
//     above a 99% objective, while "every 1 min window >= 99%" fails in exactly one of ten.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/e2e/run_archsim.h"

using namespace archsim::e2e;
using nlohmann::json;

namespace {

json client_and_service(const std::string& duration, const std::string& warmup, const std::string& window) {
  return json{{"name", "state-windows"},
              {"duration", duration},
              {"warmup", warmup},
              {"window", window},
              {"components",
               {{{"id", "users"}, {"type", "client"}, {"target", "svc"},
                 {"arrivals", {{"process", "constant"}, {"rate", 100}}}},
                {{"id", "svc"}, {"type", "service"}, {"concurrency", 50}, {"service_time", "2ms"}}}}};
}

json breaker_scenario() {
  json doc = client_and_service("30s", "0s", "1s");
  doc["components"][0]["circuit_breaker"] = {{"window", {{"type", "count"}, {"size", 10}}},
                                             {"minimum_calls", 10},
                                             {"failure_rate_threshold", 0.5},
                                             {"wait_in_open", "5005ms"},
                                             {"automatic_transition", true},
                                             {"half_open_calls", 3}};
  doc["faults"] = {{{"at", "10005ms"}, {"duration", "10s"}, {"kind", "error_rate"}, {"target", "users->svc"}, {"rate", 1}}};
  return doc;
}

json objective(const json& summary, const std::string& key) {
  for (const json& o : summary["slo"]["objectives"])
    if (o["objective"] == key) return o;
  FAIL("no objective " << key);
  return {};
}

}  // namespace

TEST_CASE("circuit breaker: every transition at the time Resilience4j's state machine predicts") {
  const std::string file = write_scenario("breaker-steps", breaker_scenario());
  const std::string out = scratch_dir("breaker-steps-out");
  auto r = run_archsim({"run", file, "--quiet", "--out", out}, 120);
  INFO(describe(r));
  REQUIRE(r.exit_code == 0);

  const auto rows = archsim::e2e::series_rows(out + "/timeseries.csv", "users", "circuit_state_transitions");
  const std::vector<std::pair<double, std::string>> want = {
      {0, "0"}, {10.050, "1"}, {15.055, "2"}, {15.080, "1"}, {20.085, "2"}, {20.112, "0"}};
  REQUIRE(rows.size() == want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    CAPTURE(i);
    CHECK(std::fabs(rows[i].first - want[i].first) <= 0.001);
    CHECK(rows[i].second == want[i].second);
  }

  std::ifstream in(out + "/summary.json");
  const json s = json::parse(in);
  const json& res = s["components"]["users"]["resilience"];
  CHECK(res["circuit_opened"] == 2);
  CHECK(res["circuit_transitions"] == 5);
  // Refusing from 10.050 to 15.055 and 15.080 to 20.085: 10.01 s of the 30 s.
  CHECK(res["circuit_open_fraction"].get<double>() == doctest::Approx(10.010 / 30).epsilon(0.002));

  // The chart's data: one row per transition at its time, then the end of the run, the state
  // holding between rows (gnuplot "steps", dygraphs stepPlot).
  std::ifstream dat(out + "/charts/circuit_state.dat");
  REQUIRE(dat.good());
  std::string line;
  std::getline(dat, line);
  CHECK(line == "time_s,users");
  std::vector<std::pair<double, double>> steps;
  while (std::getline(dat, line)) {
    const auto comma = line.find(',');
    steps.emplace_back(std::stod(line.substr(0, comma)), std::stod(line.substr(comma + 1)));
  }
  REQUIRE(steps.size() == want.size() + 1);
  for (std::size_t i = 0; i < want.size(); ++i) {
    CHECK(std::fabs(steps[i].first - want[i].first) <= 0.001);
    CHECK(steps[i].second == std::stod(want[i].second));
  }
  CHECK(steps.back() == std::pair<double, double>{30, 0});
  const std::string gp = read_text(out + "/charts/circuit_state.gp");
  CHECK(gp.find("with steps") != std::string::npos);
  const std::string page = read_text(out + "/report.html");
  CHECK(page.find("Circuit breaker state") != std::string::npos);  // the chart's title, in the page's data
  CHECK(page.find("circuit_state.dat") != std::string::npos);
}

TEST_CASE("slo availability_window: one bad minute fails the windowed objective, not the whole-run one") {
  json doc = client_and_service("11m", "1m", "10s");
  doc["faults"] = {{{"at", "305005ms"}, {"duration", "3s"}, {"kind", "error_rate"}, {"target", "users->svc"}, {"rate", 1}}};
  doc["slo"] = {{"availability", 0.99}, {"availability_window", {{"window", "1m"}, {"target", 0.99}}}};
  const std::string file = write_scenario("slo-windows", doc);
  const std::string out = scratch_dir("slo-windows-out");
  auto r = run_archsim({"run", file, "--out", out, "--fail-on-slo"}, 120);
  INFO(describe(r));
  CHECK(r.exit_code == 3);
  CHECK(r.err.find("availability per 1 min window") != std::string::npos);
  CHECK(r.err.find("9 of 10 windows met") != std::string::npos);
  CHECK(r.out.find("availability per 1 min window") != std::string::npos);  // the terminal's SLO lines

  std::ifstream in(out + "/summary.json");
  const json s = json::parse(in);
  CHECK(s["requests"]["total"] == 60000);
  CHECK(s["requests"]["failed"] == 300);
  CHECK(objective(s, "availability")["met"] == true);
  const json w = objective(s, "availability_window");
  CHECK(w["met"] == false);
  CHECK(w["window_s"] == 60);
  CHECK(w["windows"] == 10);
  CHECK(w["windows_met"] == 9);
  CHECK(w["fraction_met"].get<double>() == doctest::Approx(0.9));
  CHECK(w["value"].get<double>() == doctest::Approx(0.95));
  CHECK(w["worst_window_start_s"] == 300);
  CHECK_FALSE(w.contains("last_window_s"));
  CHECK(s["slo"]["met"] == false);
  const std::string words = archsim::e2e::page_data(read_text(out + "/report.html"))["slo_words"].dump();
  CHECK(words.find("availability per 1 min window") != std::string::npos);
  CHECK(words.find("9 of 10 windows met") != std::string::npos);

  // Nine windows in ten are enough with fraction_met 0.9: met, exit 0. A 90 s window: six
  // whole windows and a last one of 60 s; the bad one is [240 s, 330 s), 9000 requests.
  doc["slo"]["availability_window"]["fraction_met"] = 0.9;
  auto ok = run_archsim({"run", write_scenario("slo-windows-90", doc), "--quiet", "--no-report", "--json", "--fail-on-slo"}, 120);
  INFO(describe(ok));
  CHECK(ok.exit_code == 0);
  CHECK(objective(parse_summary(ok), "availability_window")["met"] == true);
  doc["slo"]["availability_window"] = {{"window", "90s"}, {"target", 0.99}};
  auto odd = run_archsim({"run", write_scenario("slo-windows-odd", doc), "--quiet", "--no-report", "--json"}, 120);
  const json o = objective(parse_summary(odd), "availability_window");
  CHECK(o["windows"] == 7);
  CHECK(o["windows_met"] == 6);
  CHECK(o["worst_window_start_s"] == 240);
  CHECK(o["value"].get<double>() == doctest::Approx(1 - 300.0 / 9000));
  CHECK(o["last_window_s"] == 60);
}

TEST_CASE("slo availability_window: bad input is refused at its pointer, exit 2") {
  const std::map<std::string, std::pair<json, std::string>> cases = {
      {"not a multiple", {{{"window", "15s"}, {"target", 0.99}}, "/slo/availability_window/window"}},
      {"shorter", {{{"window", "5s"}, {"target", 0.99}}, "/slo/availability_window/window"}},
      {"no target", {{{"window", "1m"}}, "/slo/availability_window/target"}},
      {"target above 1", {{{"window", "1m"}, {"target", 1.5}}, "/slo/availability_window/target"}},
      {"fraction", {{{"window", "1m"}, {"target", 0.9}, {"fraction_met", -0.1}}, "/slo/availability_window/fraction_met"}},
      {"unknown field", {{{"window", "1m"}, {"target", 0.9}, {"windows", 3}}, "/slo/availability_window/windows"}},
  };
  for (const auto& entry : cases) {
    const auto& c = entry.second;
    CAPTURE(entry.first);
    json doc = client_and_service("5m", "1m", "10s");
    doc["slo"] = {{"availability_window", c.first}};
    auto r = run_archsim({"run", write_scenario("slo-window-bad", doc), "--quiet", "--no-report"}, 60);
    INFO(describe(r));
    CHECK(r.exit_code == 2);
    CHECK(r.err.find(c.second) != std::string::npos);
    CHECK(r.err.find("slo-window-bad.json") != std::string::npos);
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  }
  // A warm-up that is not a whole number of windows would split the first window.
  json doc = client_and_service("5m", "65s", "10s");
  doc["slo"] = {{"availability_window", {{"window", "1m"}, {"target", 0.99}}}};
  auto r = run_archsim({"run", write_scenario("slo-window-warmup", doc), "--quiet", "--no-report"}, 60);
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("/slo/availability_window/window") != std::string::npos);
  CHECK(r.err.find("warm-up") != std::string::npos);
  // Per route there is no series to count from.
  doc = client_and_service("5m", "1m", "10s");
  doc["slo"] = {{"routes", {{"default", {{"availability_window", {{"window", "1m"}, {"target", 0.99}}}}}}}};
  r = run_archsim({"run", write_scenario("slo-window-route", doc), "--quiet", "--no-report"}, 60);
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("/slo/routes/default/availability_window") != std::string::npos);
}
