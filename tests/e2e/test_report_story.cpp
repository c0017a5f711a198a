// The whole run on the page: a failure run's report.html carries the availability report
// (error budget, SLO windows, nines, MTBF/MTTR, each fault's time to detect and recover,
// alerts and the rules they follow) in its data block, and every time chart marks the fault
// window, the alert and the warm-up, with the SLO line on the latency chart, a gap where
// nothing was served and time in the unit that fits the run. A compare over a numeric
// --vary draws curves against it. The tables the page's script draws from these are checked
// in a browser (tools/test.sh, tools/browser_check.sh).
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>

#include "tests/e2e/run_archsim.h"

namespace fs = std::filesystem;
using archsim::e2e::describe;
using archsim::e2e::run_archsim;
using archsim::e2e::scratch_dir;
using archsim::e2e::source_path;

namespace {

std::string slurp(const fs::path& p) { return archsim::e2e::read_text(p.string()); }

bool gnuplot_installed() { return std::system("command -v gnuplot >/dev/null 2>&1") == 0; }

// The data block the page's script draws from, parsed (null when absent).
nlohmann::json page_data(const std::string& page) {
  const std::string open = "<script type=\"application/json\" id=\"archsim-page-data\">";
  const auto at = page.find(open);
  if (at == std::string::npos) return nullptr;
  const auto from = at + open.size();
  return nlohmann::json::parse(page.substr(from, page.find("</script>", from) - from));
}

// The names of the charts the page draws.
std::vector<std::string> chart_names(const nlohmann::json& data) {
  std::vector<std::string> out;
  for (const auto& c : data["charts"]) out.push_back(c["name"]);
  return out;
}

bool has(const std::vector<std::string>& list, const std::string& x) {
  return std::find(list.begin(), list.end(), x) != list.end();
}

// The pieces of line of the series whose key entry reads `title`: in gnuplot's SVG its
// group (up to the next "gnuplot_plot_") holds the key text, then one path whose "M"s each
// start a piece (the first is the key's sample line).
std::size_t line_pieces(const std::string& svg, const std::string& title) {
  const auto at = svg.find("<text>" + title + "</text>");
  if (at == std::string::npos) return 0;
  const auto end = std::min(svg.find("gnuplot_plot_", at), svg.size());
  std::size_t pieces = 0;
  for (std::size_t i = at; i < end; ++i) pieces += svg[i] == 'M' ? 1 : 0;
  return pieces;
}

}  // namespace

TEST_CASE("report story: a zone outage's page has the availability report and marked time charts") {
  const std::string out = scratch_dir("story-zone");
  auto r = run_archsim({"run", source_path("scenarios/failures/zone-outage-single-zone.json"), "--out", out, "--quiet"}, 120);
  INFO(describe(r));
  REQUIRE(r.exit_code == 0);
  const std::string page = slurp(fs::path(out) / "report.html");
  const nlohmann::json data = page_data(page);
  REQUIRE(data.is_object());
  const nlohmann::json& av = data["summary"]["availability_report"];
  // The terminal's figures, for the page's tables: 30 min run, 30 s warm-up, 10 s windows = 177 windows.
  CHECK(av["windows"]["total"] == 177);
  CHECK(av["error_budget"].contains("consumed"));
  CHECK(av["nines"].contains("requests"));
  REQUIRE(av["faults"].size() == 1);
  CHECK(av["faults"][0]["fault"] == "zone_outage a");
  CHECK(av["faults"][0]["start_s"] == 300);
  CHECK(av["faults"][0]["end_s"] == 900);
  CHECK(av["faults"][0].contains("time_to_detect_s"));
  REQUIRE(!av["alerts"].empty());
  CHECK(av["alerts"][0]["alert"] == "HighErrorRate");
  CHECK(av["alert_rules"][0]["alert"] == "HighErrorRate");

  // The marks every time chart loads: warm-up and fault shaded, alert line, SLO, minutes.
  const std::string marks = slurp(fs::path(out) / "charts" / "annotations.gp");
  CHECK(marks.find("time_unit = 'min'") != std::string::npos);
  CHECK(marks.find("set xrange [0:30]") != std::string::npos);
  CHECK(marks.find("set object rect from 5, graph 0 to 15, graph 1") != std::string::npos);
  CHECK(marks.find("set object rect from 0, graph 0 to 0.5, graph 1") != std::string::npos);
  CHECK(marks.find("slo_p99_ms = 200") != std::string::npos);
  CHECK(std::regex_search(marks, std::regex("set arrow from 5\\.6+7?, graph 0")));  // HighErrorRate at 340 s
  CHECK(page.find("Marks: grey: the warm-up") != std::string::npos);
  if (!gnuplot_installed()) return;
  const std::string latency = slurp(fs::path(out) / "charts" / "latency.svg");
  CHECK(latency.find("zone_outage a") != std::string::npos);
  CHECK(latency.find("HighErrorRate") != std::string::npos);
  CHECK(latency.find("SLO: p99 &lt;= 200 ms") != std::string::npos);
  CHECK(latency.find("time (min)") != std::string::npos);
  // Nothing was served for 10 minutes: the p99 line is drawn in two pieces (plus the key's sample).
  CHECK(line_pieces(latency, "users p99") >= 3);
  // The page carries the marked static charts.
  bool marked_svg = false;
  for (const auto& c : data["charts"])
    if (c["name"] == "latency") marked_svg = c["svg"].get<std::string>().find("HighErrorRate</text>") != std::string::npos;
  CHECK(marked_svg);
}

TEST_CASE("report story: retries, balancer shares and scale events reach the page") {
  const std::string storm = scratch_dir("story-storm");
  auto r = run_archsim({"run", source_path("scenarios/failures/retry-storm.json"), "--set", "duration=10m", "--out", storm, "--quiet"}, 120);
  INFO(describe(r));
  REQUIRE(r.exit_code == 0);
  const nlohmann::json storm_data = page_data(slurp(fs::path(storm) / "report.html"));
  const nlohmann::json& res = storm_data["summary"]["components"]["users"]["resilience"];
  // Retries amplify the load: the page shows attempts per call, which is above 2 here.
  CHECK(res["attempts"].get<double>() / res["calls"].get<double>() > 2);
  // Most requests fail: the latency chart's second panel counts every request and the failed share.
  for (const auto& c : storm_data["charts"])
    if (c["name"] == "latency") CHECK(c["files"].dump().find("latency_all.dat") != std::string::npos);
  CHECK(slurp(fs::path(storm) / "charts" / "retries.dat").rfind("time_s,users attempts,users retries,users offered\n", 0) == 0);
  if (gnuplot_installed()) {
    // The static latency chart draws every request too, below the successful ones: the
    // all-request p99 goes on through the storm, where the successful p99 has no windows.
    const std::string latency = slurp(fs::path(storm) / "charts" / "latency.svg");
    CHECK(latency.find("Every request counted") != std::string::npos);
    CHECK(latency.find("users p99 of every request") != std::string::npos);
    CHECK(latency.find("failed (% of requests)") != std::string::npos);
    CHECK(line_pieces(latency, "users p99 of every request") == 2);  // the key's sample and one unbroken line
  }

  const std::string lb = scratch_dir("story-lb");
  r = run_archsim({"run", source_path("scenarios/balancing/backend-failure.json"), "--set", "duration=5m", "--out", lb, "--quiet"}, 120);
  REQUIRE(r.exit_code == 0);
  const nlohmann::json lb_data = page_data(slurp(fs::path(lb) / "report.html"));
  CHECK(lb_data["summary"]["components"]["lb"]["backends"].contains("s3"));
  CHECK(lb_data["summary"]["components"]["lb"]["backends"]["s3"].contains("ejected_fraction"));
  // The balancer's declared panels (models/balancer/page.cpp): requests per backend, and
  // the healthy backends, as the static export writes them.
  const auto lb_panels = archsim::e2e::declared_headers(lb_data, lb, "lb");
  REQUIRE(lb_panels.size() >= 3);
  CHECK(lb_panels[0].find(",rps_s3") != std::string::npos);
  CHECK(std::find(lb_panels.begin(), lb_panels.end(), "time_s,healthy_backends") != lb_panels.end());

  const std::string hpa = scratch_dir("story-hpa");
  r = run_archsim({"run", source_path("scenarios/autoscaling/step-load.json"), "--out", hpa, "--quiet"}, 120);
  REQUIRE(r.exit_code == 0);
  CHECK(page_data(slurp(fs::path(hpa) / "report.html"))["summary"]["components"]["api-hpa"]["type"] == "autoscaler");
  const std::string marks = slurp(fs::path(hpa) / "charts" / "annotations.gp");
  CHECK(marks.find("linecolor rgb '#7B3294'") != std::string::npos);  // scale-event ticks
  CHECK(marks.find("set label '+") != std::string::npos);
}

TEST_CASE("report story: a numeric --vary is an x axis with one line per other value") {
  const std::string out = scratch_dir("story-whatif");
  auto r = run_archsim({"compare", archsim::e2e::basic_scenario("mm1.json"), "--set", "duration=3m", "--vary",
                        "users.arrivals.rate=50,70,90", "--vary", "web.concurrency=1,2", "--out", out, "--quiet"}, 240);
  INFO(describe(r));
  REQUIRE(r.exit_code == 0);
  const std::string dat = slurp(fs::path(out) / "charts" / "whatif.dat");
  // Two lines (concurrency 1 and 2), each over the three rates in order.
  CHECK(dat.find("users.arrivals.rate,web.concurrency=1,") == 0);
  CHECK(dat.find("\n\n\nusers.arrivals.rate,web.concurrency=2,") != std::string::npos);
  CHECK(std::regex_search(dat, std::regex("\n50,[^\n]*\n70,[^\n]*\n90,")));
  const nlohmann::json data = page_data(slurp(fs::path(out) / "report.html"));
  const auto names = chart_names(data);
  CHECK(has(names, "whatif_p99"));
  CHECK(data["whatif_x"] == "users.arrivals.rate");
  // Every variant serves all its requests: an availability chart of flat 100% lines says nothing.
  CHECK(!has(names, "whatif_availability"));
  CHECK(data["same"][0] == nlohmann::json::parse(R"({"what": "availability", "value": 1.0})"));
  CHECK(!has(names, "compare_p99"));  // no categorical bars
  if (!gnuplot_installed()) return;
  const std::string svg = slurp(fs::path(out) / "charts" / "whatif_p99.svg");
  CHECK(svg.find("users.arrivals.rate") != std::string::npos);
  CHECK(svg.find("web.concurrency=2") != std::string::npos);

  // With replications the lines get 95% bands: p99_lo < p99 < p99_hi somewhere, and the caption says so.
  const std::string reps = scratch_dir("story-whatif-reps");
  r = run_archsim({"compare", archsim::e2e::basic_scenario("mm1.json"), "--set", "duration=3m", "--vary",
                   "users.arrivals.rate=50,70,90", "--replications", "3", "--out", reps, "--quiet"}, 240);
  REQUIRE(r.exit_code == 0);
  std::istringstream rows(slurp(fs::path(reps) / "charts" / "whatif.dat"));
  std::string row;
  bool banded = false;
  while (std::getline(rows, row)) {
    double x, p99, lo, hi;
    if (std::sscanf(row.c_str(), "%lf,%lf,%lf,%lf", &x, &p99, &lo, &hi) == 4) banded = banded || (lo < p99 && p99 < hi);
  }
  CHECK(banded);
  CHECK(slurp(fs::path(reps) / "report.html").find("the band is the 95% confidence interval") != std::string::npos);  // a caption

  // A categorical --vary keeps the bars.
  const std::string cat = scratch_dir("story-bars");
  r = run_archsim({"compare", source_path("scenarios/balancing/slow-server.json"), "--set", "duration=2m", "--vary",
                   "lb.algorithm=round_robin,least_connections", "--out", cat, "--quiet"}, 240);
  REQUIRE(r.exit_code == 0);
  const nlohmann::json bars = page_data(slurp(fs::path(cat) / "report.html"));
  CHECK(has(chart_names(bars), "compare_p99"));
  CHECK(!fs::exists(fs::path(cat) / "charts" / "whatif.dat"));
  // A balancing comparison: the page's table shows each backend's share and the imbalance
  // (tools/test.sh checks the columns in a browser): round robin splits evenly, least
  // connections starves the slow s4. Each variant links its own data.
  const auto& v = bars["compare"]["variants"];
  REQUIRE(v.size() == 2);
  for (const char* b : {"s1", "s2", "s3", "s4"})
    CHECK(v[0]["summary"]["components"]["lb"]["share"][b].get<double>() == doctest::Approx(0.25).epsilon(0.02));
  CHECK(v[1]["summary"]["components"]["lb"]["share"]["s4"].get<double>() < 0.2);
  CHECK(v[1]["summary"]["components"]["lb"].contains("imbalance_cv"));
  CHECK(bars["folders"][1]["sub"] == "variant-2");
  CHECK(bars["folders"][1]["files"][0] == "summary.json");
}
