// The study outputs of the CLI: report.html and its charts after a real run, `archsim
// report`, `archsim graph` and `archsim analyze`. Ground truth that is not ours: SVG must
// be well-formed XML (a browser refuses the rest), a self-contained page names no URL,
// and the analytic utilization of an open network at light load is lambda x E[hold] /
// capacity, which the simulation must reproduce within its sampling noise.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "tests/e2e/run_archsim.h"

namespace fs = std::filesystem;
using archsim::e2e::describe;
using archsim::e2e::run_archsim;

namespace {

std::string slurp(const fs::path& p) { return archsim::e2e::read_text(p.string()); }

// Well-formedness of an XML document: every element closed in order, one root, no stray
// '<'. Enough to tell a complete gnuplot SVG from a truncated or garbled one.
std::string xml_problem(const std::string& x) {
  std::vector<std::string> stack;
  std::size_t i = 0;
  int roots = 0;
  while ((i = x.find('<', i)) != std::string::npos) {
    if (x.compare(i, 4, "<!--") == 0) {
      i = x.find("-->", i);
      if (i == std::string::npos) return "unclosed comment";
      continue;
    }
    if (x.compare(i, 9, "<![CDATA[") == 0) {
      i = x.find("]]>", i);
      if (i == std::string::npos) return "unclosed CDATA";
      continue;
    }
    const std::size_t end = x.find('>', i);
    if (end == std::string::npos) return "unclosed tag at " + std::to_string(i);
    const std::string tag = x.substr(i + 1, end - i - 1);
    i = end + 1;
    if (tag.empty()) return "empty tag";
    if (tag[0] == '?' || tag[0] == '!') continue;  // declaration, DOCTYPE
    if (tag[0] == '/') {
      const std::string name = tag.substr(1, tag.find_first_of(" \t\r\n") - 1);
      if (stack.empty() || stack.back() != name) return "</" + name + "> does not close <" + (stack.empty() ? "" : stack.back()) + ">";
      stack.pop_back();
      continue;
    }
    if (stack.empty()) ++roots;
    if (tag.back() == '/') continue;  // self-closing
    stack.push_back(tag.substr(0, tag.find_first_of(" \t\r\n/")));
  }
  if (!stack.empty()) return "<" + stack.back() + "> never closed";
  if (roots != 1) return std::to_string(roots) + " root elements";
  return "";
}

// The most points any one polyline of the chart has: gnuplot draws a data series as
// <path d="M x,y L x,y ...">, so a chart with data has long paths.
std::size_t longest_path_points(const std::string& svg) {
  static const std::regex d_attr("\\sd=['\"]([^'\"]*)['\"]");
  std::size_t best = 0;
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), d_attr); it != std::sregex_iterator(); ++it) {
    const std::string d = (*it)[1];
    std::size_t pts = 0;
    for (char c : d) pts += (c == 'L' || c == 'M' || c == 'l' || c == 'm') ? 1 : 0;
    // gnuplot may write "L x y x y ..." with one command letter for many points.
    std::size_t commas = std::count(d.begin(), d.end(), ',');
    best = std::max(best, std::max(pts, commas));
  }
  return best;
}

bool gnuplot_installed() { return std::system("command -v gnuplot >/dev/null 2>&1") == 0; }

std::string scenario(const std::string& rel) { return archsim::e2e::source_path(rel); }

}  // namespace

TEST_CASE("run writes report.html whose charts are valid SVG with data and whose page is self-contained") {
  const std::string out = archsim::e2e::scratch_dir("report-run");
  auto r = run_archsim({"run", scenario("scenarios/basics/web-tier.json"), "--set", "duration=3m", "--out", out, "--quiet"}, 60);
  INFO(describe(r));
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("report: " + (fs::path(out) / "report.html").string()) != std::string::npos);
  const std::string page = slurp(fs::path(out) / "report.html");
  REQUIRE(!page.empty());
  CHECK(page.find("web-tier") != std::string::npos);
  // Self-contained: no URL anywhere in an attribute or style, no external script or sheet.
  CHECK(!std::regex_search(page, std::regex("(src|href)\\s*=\\s*[\"']?(https?:)?//", std::regex::icase)));
  CHECK(!std::regex_search(page, std::regex("url\\(\\s*[\"']?(https?:)?//", std::regex::icase)));
  CHECK(!std::regex_search(page, std::regex("@import|<script[^>]*\\ssrc=|<link[^>]*stylesheet", std::regex::icase)));

  if (!gnuplot_installed()) {
    MESSAGE("gnuplot not installed: chart files not checked");
    CHECK(page.find("gnuplot") != std::string::npos);
    return;
  }
  int charts = 0;
  for (const auto& e : fs::directory_iterator(fs::path(out) / "charts")) {
    if (e.path().extension() != ".svg") continue;
    ++charts;
    const std::string svg = slurp(e.path());
    INFO(e.path().string());
    CHECK(svg.find("<svg") != std::string::npos);
    CHECK(xml_problem(svg) == "");
    // 3 minutes of 10 s windows: each time series has 18 points (the CDF has many more).
    CHECK(longest_path_points(svg) >= 15);
  }
  // latency, throughput, utilization, cdf (replicas are constant here: no chart).
  CHECK(charts == 4);
  // The page carries them inline, for its script to set under the interactive charts.
  const nlohmann::json data = archsim::e2e::page_data(page);
  for (const auto& c : data["charts"]) CHECK(c["svg"].get<std::string>().rfind("<svg", 0) == 0);
  CHECK(!fs::exists(fs::path(out) / "charts" / "replicas.svg"));
}

TEST_CASE("charts are drawn when --out is a relative path") {
  // gnuplot runs inside DIR/charts: every path handed to it must survive the change of directory.
  if (!gnuplot_installed()) return;
  const fs::path abs = archsim::e2e::scratch_dir("report-relative");
  const fs::path rel = fs::relative(abs, fs::current_path());
  REQUIRE(rel.is_relative());
  auto r = run_archsim({"run", scenario("scenarios/basics/mm1.json"), "--set", "duration=3m", "--out", rel.string(), "--quiet"}, 60);
  INFO(describe(r));
  REQUIRE(r.exit_code == 0);
  CHECK(fs::exists(abs / "charts" / "latency.svg"));
  CHECK(r.out.find("0 charts drawn") == std::string::npos);
}

TEST_CASE("a run without gnuplot succeeds and the page says how to get the charts") {
  const std::string out = archsim::e2e::scratch_dir("report-nognuplot");
  const char* old = std::getenv("PATH");
  const std::string saved = old ? old : "";
  setenv("PATH", "/nonexistent", 1);
  auto r = run_archsim({"run", scenario("scenarios/basics/mm1.json"), "--set", "duration=3m", "--out", out, "--quiet"}, 60);
  setenv("PATH", saved.c_str(), 1);
  INFO(describe(r));
  CHECK(r.exit_code == 0);
  const std::string page = slurp(fs::path(out) / "report.html");
  CHECK(archsim::e2e::page_data(page)["static_notice"]["kind"] == "no_gnuplot");
  CHECK(fs::exists(fs::path(out) / "charts" / "latency_1.dat"));
  CHECK(!fs::exists(fs::path(out) / "charts" / "latency.svg"));
  // archsim report redraws from the data files alone (here with gnuplot, when installed).
  fs::remove(fs::path(out) / "report.html");
  auto again = run_archsim({"report", out}, 60);
  INFO(describe(again));
  CHECK(again.exit_code == 0);
  CHECK(fs::exists(fs::path(out) / "report.html"));
  if (gnuplot_installed()) CHECK(fs::exists(fs::path(out) / "charts" / "latency.svg"));
  CHECK(run_archsim({"report", out + "/nowhere"}).exit_code == 2);
}

TEST_CASE("--no-report leaves the data files only") {
  const std::string out = archsim::e2e::scratch_dir("report-none");
  auto r = run_archsim({"run", scenario("scenarios/basics/mm1.json"), "--set", "duration=3m", "--out", out, "--quiet", "--no-report"});
  CHECK(r.exit_code == 0);
  CHECK(fs::exists(fs::path(out) / "summary.json"));
  CHECK(!fs::exists(fs::path(out) / "report.html"));
}

TEST_CASE("analyze finds the single database and no SPOF once it has a replica in another zone") {
  auto single = run_archsim({"analyze", scenario("tests/e2e/analyze/single-db.json"), "--json"});
  INFO(describe(single));
  REQUIRE(single.exit_code == 0);
  const auto s = nlohmann::json::parse(single.out);
  CHECK(s["spofs"] == nlohmann::json::array({"db"}));
  CHECK(s["components"]["db"]["loss_cuts_off"] == nlohmann::json::array({"users"}));

  auto replicated = run_archsim({"analyze", scenario("tests/e2e/analyze/replicated-db.json"), "--json"});
  INFO(describe(replicated));
  REQUIRE(replicated.exit_code == 0);
  const auto p = nlohmann::json::parse(replicated.out);
  CHECK(p["spofs"].empty());
  // The scenario format's schema (scenarios/schema.json).
  for (const char* key : {"utilization", "saturation_rps", "wait_ms"}) CHECK(p["components"]["db"].contains(key));
  CHECK(p["bottleneck"].is_string());

  // The table names the SPOF too, and bad input is exit 2.
  auto table = run_archsim({"analyze", scenario("tests/e2e/analyze/single-db.json")});
  CHECK(table.out.find("db               its loss cuts off users") != std::string::npos);
  CHECK(run_archsim({"analyze", scenario("tests/e2e/bad/missing_reference.json")}).exit_code == 2);
}

TEST_CASE("analytic utilization matches the simulated one on an open network at light load") {
  // web-tier at 300 requests/s: web holds a worker for its work (2+1 or 4+2 ms) plus the
  // 1 ms round trip to db plus db's response; db is 20% busy. Expected (lambda x E[hold] /
  // capacity): web 16%, db 20%. A model that counts only CPU work gives web 6.8%.
  const std::vector<std::string> light = {"--set", "users.arrivals.rate=300", "--set", "duration=4m"};
  std::vector<std::string> an = {"analyze", scenario("scenarios/basics/web-tier.json"), "--json"};
  an.insert(an.end(), light.begin(), light.end());
  auto a = run_archsim(an);
  INFO(describe(a));
  REQUIRE(a.exit_code == 0);
  const auto est = nlohmann::json::parse(a.out);
  const auto sim = archsim::e2e::run_summary(scenario("scenarios/basics/web-tier.json"), light, 60);
  for (const char* c : {"web", "db"}) {
    const double analytic = est["components"][c]["utilization"].get<double>();
    const double simulated = archsim::e2e::num(sim, std::string("components.") + c + ".utilization");
    INFO(c << ": analytic " << analytic << " simulated " << simulated);
    CHECK(simulated == doctest::Approx(analytic).epsilon(0.04));
  }
  CHECK(est["bottleneck"] == "db");
}

TEST_CASE("graph writes the topology as DOT with shapes by type and edge styles by kind") {
  auto r = run_archsim({"graph", scenario("scenarios/basics/web-tier.json")});
  INFO(describe(r));
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.rfind("digraph", 0) == 0);
  CHECK(r.out.find("shape=ellipse") != std::string::npos);  // the client
  CHECK(r.out.find("shape=box3d") != std::string::npos);    // web, 4 replicas
  CHECK(r.out.find("service x4") != std::string::npos);
  CHECK(r.out.find("style=solid") != std::string::npos);    // synchronous calls
  if (std::system("command -v dot >/dev/null 2>&1") == 0) {
    const std::string svg = archsim::e2e::scratch_dir("graph") + "/web.svg";
    auto g = run_archsim({"graph", scenario("scenarios/basics/web-tier.json"), "-o", svg});
    INFO(describe(g));
    CHECK(g.exit_code == 0);
    CHECK(xml_problem(slurp(svg)) == "");
  }
  CHECK(run_archsim({"graph", scenario("scenarios/basics/web-tier.json"), "-o", "x.txt"}).exit_code == 2);
}
