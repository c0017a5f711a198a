// The whole run on the page: a failure run's report.html carries the availability report
// (error budget, SLO windows, nines, MTBF/MTTR, each fault's time to detect and recover,
// alerts) as tables, and every time chart marks the fault window, the alert and the warm-up,
// with the SLO line on the latency chart, a gap where nothing was served and time in the
// unit that fits the run. A compare over a numeric --vary draws curves against it.
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

// The text of the page between an element with id `id` and the next <h2>.
std::string section(const std::string& page, const std::string& id) {
  const auto at = page.find("id=\"" + id + "\"");
  if (at == std::string::npos) return "";
  return page.substr(at, page.find("<h2", at + 1) - at);
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
  const std::string av = section(page, "availability");
  REQUIRE(!av.empty());
  // The terminal's figures, as tables: 30 min run, 30 s warm-up, 10 s windows = 177 windows.
  CHECK(av.find("error budget consumed") != std::string::npos);
  CHECK(av.find("of 177 windows") != std::string::npos);
  CHECK(av.find("nines") != std::string::npos);
  CHECK(av.find("MTBF") != std::string::npos);
  CHECK(av.find("MTTR") != std::string::npos);
  CHECK(av.find("<td>zone_outage a</td><td class=\"num\">5 min</td><td class=\"num\">15 min</td>") != std::string::npos);
  CHECK(av.find("time to detect") != std::string::npos);
  CHECK(av.find("<td>HighErrorRate</td>") != std::string::npos);

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
  // The page inlines the marked charts.
  CHECK(page.find("HighErrorRate</text>") != std::string::npos);
}

TEST_CASE("report story: retries, balancer shares and scale events reach the page") {
  const std::string storm = scratch_dir("story-storm");
  auto r = run_archsim({"run", source_path("scenarios/failures/retry-storm.json"), "--set", "duration=10m", "--out", storm, "--quiet"}, 120);
  INFO(describe(r));
  REQUIRE(r.exit_code == 0);
  const std::string retries = section(slurp(fs::path(storm) / "report.html"), "resilience");
  CHECK(retries.find("attempts per call") != std::string::npos);
  CHECK(std::regex_search(retries, std::regex("<strong>[2-9]\\.[0-9]+×</strong>")));  // retries amplify the load
  CHECK(slurp(fs::path(storm) / "charts" / "retries.dat").rfind("time_s,users attempts,users retries,users offered\n", 0) == 0);

  const std::string lb = scratch_dir("story-lb");
  r = run_archsim({"run", source_path("scenarios/balancing/backend-failure.json"), "--set", "duration=5m", "--out", lb, "--quiet"}, 120);
  REQUIRE(r.exit_code == 0);
  const std::string bal = section(slurp(fs::path(lb) / "report.html"), "balancing");
  CHECK(bal.find("<td>s3</td>") != std::string::npos);
  CHECK(bal.find("time ejected") != std::string::npos);
  CHECK(slurp(fs::path(lb) / "charts" / "balancer.dat").find(",lb → s3") != std::string::npos);
  CHECK(slurp(fs::path(lb) / "charts" / "healthy.dat").find("lb healthy") != std::string::npos);

  const std::string hpa = scratch_dir("story-hpa");
  r = run_archsim({"run", source_path("scenarios/autoscaling/step-load.json"), "--out", hpa, "--quiet"}, 120);
  REQUIRE(r.exit_code == 0);
  CHECK(section(slurp(fs::path(hpa) / "report.html"), "autoscaling").find("api-hpa") != std::string::npos);
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
  const std::string page = slurp(fs::path(out) / "report.html");
  CHECK(page.find("id=\"chart-whatif_p99\"") != std::string::npos);
  // Every variant serves all its requests: an availability chart of flat 100% lines says nothing.
  CHECK(page.find("id=\"chart-whatif_availability\"") == std::string::npos);
  CHECK(page.find("Availability is 100% in every variant") != std::string::npos);
  CHECK(page.find("id=\"chart-compare_p99\"") == std::string::npos);  // no categorical bars
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
  CHECK(slurp(fs::path(reps) / "report.html").find("the band is the 95% confidence interval") != std::string::npos);

  // A categorical --vary keeps the bars.
  const std::string cat = scratch_dir("story-bars");
  r = run_archsim({"compare", source_path("scenarios/balancing/slow-server.json"), "--set", "duration=2m", "--vary",
                   "lb.algorithm=round_robin,least_connections", "--out", cat, "--quiet"}, 240);
  REQUIRE(r.exit_code == 0);
  const std::string bars = slurp(fs::path(cat) / "report.html");
  CHECK(bars.find("id=\"chart-compare_p99\"") != std::string::npos);
  CHECK(!fs::exists(fs::path(cat) / "charts" / "whatif.dat"));
  // A balancing comparison keeps the terminal's share and imbalance columns, and each variant
  // links its own data: round robin splits evenly, least connections starves the slow s4.
  CHECK(bars.find("<th class=\"num\">share % lb → s1/s2/s3/s4</th><th class=\"num\">imbalance (CV)</th>") != std::string::npos);
  const auto even = bars.find("<td class=\"num\">25/25/25/25</td>");
  CHECK(even != std::string::npos);
  CHECK(bars.find("<td class=\"num\">25/25/25/25</td>", even + 1) == std::string::npos);
  CHECK(std::regex_search(bars, std::regex("<td class=\"num\">[0-9.]+/[0-9.]+/[0-9.]+/[0-9.]+</td>")));
  CHECK(bars.find("<a href=\"variant-2/summary.json\">summary.json</a>") != std::string::npos);
}
