// Tests of the study report (reports/html_report.h) on the hand-made sample in
// tests/data/report_sample/ (see make_sample.py there). The page must open from disk
// with no network, every chart must be a real SVG with the data drawn in it, and a
// machine without gnuplot must still get the data and a page saying how to get charts.
//
// Set ARCHSIM_TEST_REPORT_OUT=DIR to keep the rendered sample report in DIR (for
// tools/browser_check.sh); otherwise everything is written under the temp directory.
#include <doctest/doctest.h>

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "reports/chart_scripts.h"
#include "reports/html_data.h"
#include "reports/html_figures.h"
#include "reports/html_page.h"
#include "reports/html_report.h"
#include "reports/page_assets.h"

namespace fs = std::filesystem;
using namespace archsim::reports;

namespace {

fs::path source_root() {
#ifdef ARCHSIM_SOURCE_DIR
  return fs::path(ARCHSIM_SOURCE_DIR);
#else
  return fs::absolute(fs::path(__FILE__)).parent_path().parent_path().parent_path();
#endif
}
fs::path sample_dir() { return source_root() / "tests" / "data" / "report_sample"; }
fs::path chart_dir() { return source_root() / "tools" / "charts"; }

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::size_t count(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto pos = text.find(needle); pos != std::string::npos; pos = text.find(needle, pos + needle.size())) ++n;
  return n;
}

// A fresh folder holding a copy of the sample (`what` = "" for the run, "compare").
fs::path fresh_copy(const std::string& tag, const std::string& what = "") {
  static int counter = 0;
  const fs::path dir = fs::temp_directory_path() /
                       ("archsim_report_test_" + std::to_string(::getpid()) + "_" + tag + std::to_string(counter++));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const fs::path from = what.empty() ? sample_dir() : sample_dir() / what;
  for (const auto& e : fs::directory_iterator(from)) {
    if (e.is_regular_file() && e.path().extension() != ".py") fs::copy_file(e.path(), dir / e.path().filename());
    if (e.is_directory() && !what.empty()) fs::copy(e.path(), dir / e.path().filename(), fs::copy_options::recursive);
  }
  return dir;
}

// Tag balance of an XML document: every element opened is closed in order; quoted
// attribute values may hold '>'. Enough to catch truncated or mangled SVG.
bool well_formed(const std::string& x, std::string& why) {
  std::vector<std::string> stack;
  std::size_t i = 0;
  while ((i = x.find('<', i)) != std::string::npos) {
    if (x.compare(i, 4, "<!--") == 0) { i = x.find("-->", i); if (i == std::string::npos) { why = "open comment"; return false; } continue; }
    if (x.compare(i, 2, "<?") == 0 || x.compare(i, 2, "<!") == 0) { i = x.find('>', i); continue; }
    std::size_t j = i + 1;
    char quote = 0;
    for (; j < x.size(); ++j) {
      if (quote) { if (x[j] == quote) quote = 0; }
      else if (x[j] == '"' || x[j] == '\'') quote = x[j];
      else if (x[j] == '>') break;
    }
    if (j >= x.size()) { why = "unterminated tag"; return false; }
    const std::string tag = x.substr(i + 1, j - i - 1);
    if (tag.empty()) { why = "empty tag"; return false; }
    if (tag[0] == '/') {
      const std::string name = tag.substr(1, tag.find_first_of(" \t\n") - 1);
      if (stack.empty() || stack.back() != name) { why = "</" + name + "> closes " + (stack.empty() ? "nothing" : stack.back()); return false; }
      stack.pop_back();
    } else if (tag.back() != '/') {
      const std::string name = tag.substr(0, tag.find_first_of(" \t\n"));
      static const std::vector<std::string> html_void = {"meta", "br", "hr", "img", "input", "link"};
      // A script's or style's content is raw text up to its end tag ('<' there is code).
      if (name == "script" || name == "style") {
        const auto end = x.find("</" + name + ">", j);
        if (end == std::string::npos) { why = "<" + name + "> never closed"; return false; }
        i = end + name.size() + 3;
        continue;
      }
      if (std::find(html_void.begin(), html_void.end(), name) == html_void.end()) stack.push_back(name);
    }
    i = j + 1;
  }
  if (!stack.empty()) { why = "<" + stack.back() + "> never closed"; return false; }
  return true;
}

// The largest number of points in one <path d=...> or <polyline points=...>.
std::size_t most_points(const std::string& svg) {
  static const std::regex path_d(R"re(<path[^>]*\sd=['"]([^'"]*)['"])re");
  static const std::regex poly(R"re(<polyline[^>]*\spoints=['"]([^'"]*)['"])re");
  std::size_t best = 0;
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), path_d); it != std::sregex_iterator(); ++it) {
    const std::string d = (*it)[1];
    best = std::max(best, count(d, "L") + count(d, "M"));
  }
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), poly); it != std::sregex_iterator(); ++it)
    best = std::max(best, count((*it)[1], ","));
  return best;
}

std::vector<fs::path> files_with(const fs::path& dir, const std::string& ext) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().extension() == ext) out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

// No fetch from anywhere: no absolute URL, no stylesheet link, no script from a file, and
// any src= or url( only points inside the page or beside it. Inline scripts (the interactive
// charts' library, their data and drawing code) are code, not markup: they are checked to
// name no source and are then left out of the markup checks.
void check_self_contained(const std::string& full_page) {
  std::string page = full_page;
  for (auto pos = page.find("<script"); pos != std::string::npos; pos = page.find("<script", pos)) {
    const auto tag_end = page.find('>', pos);
    REQUIRE(tag_end != std::string::npos);
    CHECK(page.substr(pos, tag_end - pos).find("src") == std::string::npos);
    const auto close = page.find("</script>", tag_end);
    REQUIRE(close != std::string::npos);
    page.erase(pos, close + 9 - pos);
  }
  CHECK(page.find("http://") == std::string::npos);
  CHECK(page.find("https://") == std::string::npos);
  CHECK(page.find("<link") == std::string::npos);
  CHECK(page.find("<script") == std::string::npos);
  CHECK(page.find("@import") == std::string::npos);
  static const std::regex src(R"re(\bsrc\s*=\s*['"]?([^'" >]*))re");
  for (auto it = std::sregex_iterator(page.begin(), page.end(), src); it != std::sregex_iterator(); ++it) {
    const std::string target = (*it)[1];
    INFO("src=" << target);
    CHECK(target.find(':') == std::string::npos);
    CHECK(target.rfind("/", 0) != 0);
  }
  for (auto pos = page.find("url("); pos != std::string::npos; pos = page.find("url(", pos + 4)) CHECK(page[pos + 4] == '#');
}

bool have_gnuplot() { return find_on_path("gnuplot").has_value(); }

// The data block the page's script draws every section from.
nlohmann::json page_data(const std::string& page) {
  const std::string open = "<script type=\"application/json\" id=\"archsim-page-data\">";
  const auto at = page.find(open);
  if (at == std::string::npos) return nullptr;
  const auto from = at + open.size();
  return nlohmann::json::parse(page.substr(from, page.find("</script>", from) - from));
}

// How many of the page's charts carry their static SVG.
std::size_t static_charts(const nlohmann::json& data) {
  std::size_t n = 0;
  for (const auto& c : data["charts"]) n += c["svg"].is_string() ? 1 : 0;
  return n;
}

// Runs `body` with PATH emptied, so that no gnuplot can be found.
template <class F>
void without_path(F body) {
  struct Restore {
    std::string saved;
    ~Restore() { ::setenv("PATH", saved.c_str(), 1); }
  } restore{std::getenv("PATH") ? std::getenv("PATH") : ""};
  ::setenv("PATH", "", 1);
  body();
}

}  // namespace

TEST_CASE("html helpers escape text and keep the nines apart") {
  CHECK(html::escape("a<b & \"c\" 'd'>") == "a&lt;b &amp; &quot;c&quot; &#39;d&#39;&gt;");
  CHECK(html::number(48.2) == "48.2");
  CHECK(html::number(0.0125) == "0.0125");
  CHECK(html::number(171000, 15) == "171,000");
  CHECK(html::number(1234.5678) == "1235");
  CHECK(html::number(23018.35) == "23,018");  // not 2.302e+04
  CHECK(html::number(-1234567.0) == "-1,234,567");
  CHECK(html::number(12345.678, 7) == "12,345.68");
  CHECK(html::number(1.5e-5) == "1.5e-05");
  CHECK(html::percent(0.99) == "99%");
  CHECK(html::percent(0.9995) == "99.95%");
  CHECK(html::percent(0.99915) == "99.915%");
  CHECK(html::percent(1.0) == "100%");
  CHECK(data::split_csv(R"(1,"a,b",x)") == std::vector<std::string>{"1", "a,b", "x"});
  CHECK(data::safe_name("a,b\"c") == "a_b_c");
}

TEST_CASE("inline_svg strips the prolog and namespaces and prefixes ids") {
  const std::string svg =
      "<?xml version=\"1.0\"?>\n<!DOCTYPE svg PUBLIC \"-//W3C//DTD SVG 1.1//EN\" \"http://www.w3.org/x.dtd\">\n"
      "<svg width=\"600\" height=\"300\" viewBox=\"0 0 600 300\" xmlns=\"http://www.w3.org/2000/svg\" "
      "xmlns:xlink=\"http://www.w3.org/1999/xlink\">\n<title>Gnuplot</title><defs><path id='gpPt0' d='M0,0'/>"
      "<clipPath id=\"clip1\"><rect/></clipPath></defs><use xlink:href='#gpPt0'/><g clip-path=\"url(#clip1)\"/>"
      "<script>alert(1)</script></svg>\n";
  const auto out = html::inline_svg(svg, "c1-", "Latency <ms>");
  REQUIRE(out.has_value());
  CHECK(out->rfind("<svg", 0) == 0);
  CHECK(out->find("http") == std::string::npos);
  CHECK(out->find("width=") == std::string::npos);
  CHECK(out->find("viewBox=\"0 0 600 300\"") != std::string::npos);
  CHECK(out->find("id='c1-gpPt0'") != std::string::npos);
  CHECK(out->find("href='#c1-gpPt0'") != std::string::npos);
  CHECK(out->find("url(#c1-clip1)") != std::string::npos);
  CHECK(out->find("<script") == std::string::npos);
  CHECK(out->find("<title>Latency &lt;ms&gt;</title>") != std::string::npos);
  CHECK_FALSE(html::inline_svg("not svg", "x", "t").has_value());
}

TEST_CASE("default_chart_dir honours ARCHSIM_CHARTS") {
  ::setenv("ARCHSIM_CHARTS", chart_dir().c_str(), 1);
  CHECK(fs::equivalent(default_chart_dir(), chart_dir()));
  ::unsetenv("ARCHSIM_CHARTS");
}

TEST_CASE("run report: self-contained page, one valid SVG chart per file, all inlined") {
  const char* keep = std::getenv("ARCHSIM_TEST_REPORT_OUT");
  fs::path dir;
  if (keep != nullptr && *keep != '\0') {
    dir = keep;
    fs::create_directories(dir);
    for (const char* f : {"summary.json", "timeseries.csv", "latency_cdf.csv"})
      fs::copy_file(sample_dir() / f, dir / f, fs::copy_options::overwrite_existing);
  } else {
    dir = fresh_copy("run");
  }
  struct Cleanup {
    fs::path dir;
    ~Cleanup() { if (!dir.empty()) fs::remove_all(dir); }
  } cleanup{keep != nullptr && *keep != '\0' ? fs::path() : dir};
  const ReportResult r = write_run_report(dir, chart_dir());
  INFO(r.message);
  REQUIRE(fs::is_regular_file(dir / "report.html"));
  const std::string page = slurp(dir / "report.html");
  check_self_contained(page);

  // The title, and summary.json whole in the data block, its text safe inside the <script>
  // (the browser check, tools/test.sh, reads the header, tables and verdict drawn from it).
  CHECK(page.find("<title>web-tier-autoscale — archsim report</title>") != std::string::npos);
  CHECK(page.find("slows down at 440 s \\u0026 the breaker opens \\u003cbriefly\\u003e.") != std::string::npos);
  CHECK(page.find("<briefly>") == std::string::npos);
  const nlohmann::json data = page_data(page);
  REQUIRE(data.is_object());
  CHECK(data["page"] == "run");
  CHECK(data["summary"]["seed"] == 42);
  CHECK(data["summary"]["slo"]["met"] == false);
  CHECK(data["summary"]["requests"]["by_cause"]["timeout"].get<double>() > 0);
  for (const char* s : {"checkout", "web-hpa", "least_connections"})
    CHECK_MESSAGE(data["summary"].dump().find(s) != std::string::npos, s);

  // The data and the scripts a student re-runs are there whatever happened to gnuplot.
  for (const char* f : {"latency_1", "throughput", "utilization", "replicas", "cdf", "tier_1_1", "tier_2_1", "tier_3_1",
                        "tier_4_1", "circuit_state"}) {
    std::string gp = f;
    if (gp.rfind("latency_", 0) == 0 || gp.rfind("tier_", 0) == 0) gp = gp.substr(0, gp.rfind('_'));
    CHECK_MESSAGE(fs::is_regular_file(dir / "charts" / (gp + ".gp")), f);
    CHECK_MESSAGE(fs::is_regular_file(dir / "charts" / (std::string(f) + ".dat")), f);
  }
  CHECK(fs::is_regular_file(dir / "charts" / "style.gp"));
  // One latency panel per population, each client on its own axis (the sample's SLO judges
  // every request, and it has no "all" series: no panel is the judged one, none has the line);
  // the generic panels.gp draws them. population_charts' own test covers the judged panels.
  CHECK(slurp(dir / "charts" / "latency_1.dat").rfind("time_s,users p50,users p95,users p99,users failed (%)", 0) == 0);
  CHECK(slurp(dir / "charts" / "latency_2.dat").rfind("time_s,mobile p50", 0) == 0);
  CHECK(fs::is_regular_file(dir / "charts" / "panels.gp"));
  CHECK(slurp(dir / "charts" / "latency.gp").find("p1_slo = 0\n") != std::string::npos);
  // What components declared of themselves (components.<id>.page), drawn by panels.gp too,
  // in the order of the time series: the balancer's requests (its page names the section it
  // goes in), the cache's hit ratio, the database's replication lag, the queue's consumer lag
  // (matched by its /pattern/), each in its component's box of the page.
  CHECK(slurp(dir / "charts" / "tier_1_1.dat").rfind("time_s,throughput_rps\n", 0) == 0);
  CHECK(slurp(dir / "charts" / "tier_2_1.dat").rfind("time_s,hit_ratio\n", 0) == 0);
  CHECK(slurp(dir / "charts" / "tier_3_1.dat").rfind("time_s,replication_lag_ms\n", 0) == 0);
  CHECK(slurp(dir / "charts" / "tier_4_1.dat").rfind("time_s,consumer_lag\n", 0) == 0);
  CHECK(slurp(dir / "charts" / "tier_2.gp").find("p1_percent = 1\n") != std::string::npos);
  CHECK(data["summary"]["components"]["lb"]["page"]["section"]["title"] == "Load balancing");
  for (const auto& c : data["charts"]) {
    if (c["name"] == "tier_1") CHECK(c["component"] == "lb");
    if (c["name"] == "tier_2") {
      CHECK(c["component"] == "cache");
      CHECK(c["panels"].empty());  // drawn interactively by the cache's own box
    }
  }
  for (const auto& c : data["charts"])
    if (c["name"] == "latency") {
      REQUIRE(c["panels"].size() >= 2);
      CHECK(c["panels"][0]["subtitle"] == "users");
      CHECK(c["panels"][1]["subtitle"] == "mobile");
      CHECK(c["panels"][1]["slo"] == false);
    }

  if (!have_gnuplot()) {
    MESSAGE("gnuplot not on PATH: chart drawing not checked");
    return;
  }
  CHECK(r.charts_drawn);
  const auto svgs = files_with(dir / "charts", ".svg");
  CHECK(svgs.size() == 10);  // six of the run, four of what components declared (tier_1 to tier_4)
  CHECK(files_with(dir / "charts", ".png").size() == 10);
  for (const auto& f : svgs) {
    INFO(f.filename().string());
    const std::string svg = slurp(f);
    std::string why;
    CHECK_MESSAGE(well_formed(svg, why), why);
    CHECK(svg.find("<svg") != std::string::npos);
    CHECK(svg.find("</svg>") != std::string::npos);
    // 60 windows (40 CDF points) per series in the sample; the breaker's steps are two
    // points per row of its 6 transitions and the end of the run.
    CHECK(most_points(svg) >= (f.filename() == "circuit_state.svg" ? 12 : 20));
  }
  CHECK(static_charts(data) == svgs.size());
  std::string why;
  CHECK_MESSAGE(well_formed(page.substr(page.find("<html")), why), why);
  CHECK(data["static_notice"]["kind"] == "");
}

TEST_CASE("run report without gnuplot: data and page still written, page says how to get charts") {
  const fs::path dir = fresh_copy("nognuplot");
  ReportResult r;
  without_path([&] { r = write_run_report(dir, chart_dir()); });
  CHECK_FALSE(r.charts_drawn);
  CHECK(r.message.find("gnuplot") != std::string::npos);
  const std::string page = slurp(dir / "report.html");
  check_self_contained(page);
  const nlohmann::json data = page_data(page);
  CHECK(data["static_notice"]["kind"] == "no_gnuplot");
  CHECK(data["static_notice"]["redo"] == "archsim report " + dir.string());
  CHECK(static_charts(data) == 0);
  CHECK(files_with(dir / "charts", ".svg").empty());
  CHECK(fs::is_regular_file(dir / "charts" / "latency_1.dat"));
  CHECK(fs::is_regular_file(dir / "charts" / "latency.gp"));
  fs::remove_all(dir);
}

TEST_CASE("report redraws from what is in DIR: stale charts go, edited scripts stay") {
  if (!have_gnuplot()) return;
  const fs::path dir = fresh_copy("redraw");
  REQUIRE(write_run_report(dir, chart_dir()).charts_drawn);

  // A student's edit of a copied script is used on the next `archsim report`.
  std::string gp = slurp(dir / "charts" / "latency.gp");
  const auto at = gp.find("chart_title = \"");
  REQUIRE(at != std::string::npos);
  gp.insert(at + 15, "EDITED ");
  std::ofstream(dir / "charts" / "latency.gp") << gp;
  // Without a time series only the latency distribution remains.
  fs::remove(dir / "timeseries.csv");
  REQUIRE(write_run_report(dir, chart_dir()).charts_drawn);
  CHECK(files_with(dir / "charts", ".svg") == std::vector<fs::path>{dir / "charts" / "cdf.svg"});
  CHECK(static_charts(page_data(slurp(dir / "report.html"))) == 1);

  fs::create_directories(dir / "again");
  for (const char* f : {"summary.json", "latency_cdf.csv"}) fs::copy_file(dir / f, dir / "again" / f);
  fs::copy_file(sample_dir() / "timeseries.csv", dir / "again" / "timeseries.csv");
  fs::create_directories(dir / "again" / "charts");
  fs::copy_file(dir / "charts" / "latency.gp", dir / "again" / "charts" / "latency.gp");
  const ReportResult r = write_run_report(dir / "again", chart_dir());
  CHECK(r.charts_drawn);
  CHECK(r.message.find("kept edited latency.gp") != std::string::npos);
  CHECK(page_data(slurp(dir / "again" / "report.html"))["static_notice"]["kept_edits"] == nlohmann::json::array({"latency.gp"}));
  CHECK(slurp(dir / "again" / "charts" / "latency.svg").find("EDITED Latency over time") != std::string::npos);
  fs::remove_all(dir);
}

TEST_CASE("a missing summary.json is an error that names the file") {
  const fs::path dir = fresh_copy("missing");
  fs::remove(dir / "summary.json");
  CHECK_THROWS_WITH_AS(write_run_report(dir, chart_dir()), doctest::Contains("summary.json"), std::runtime_error);
  fs::remove_all(dir);
}

TEST_CASE("compare report: bars with CIs, overlaid CDFs, cost only when it differs, all inlined") {
  const fs::path dir = fresh_copy("compare", "compare");
  const ReportResult r = write_compare_report(dir, chart_dir());
  INFO(r.message);
  const std::string page = slurp(dir / "report.html");
  check_self_contained(page);
  for (const char* label : {"lb.algorithm=round_robin", "lb.algorithm=least_connections", "lb.algorithm=power_of_two"})
    CHECK_MESSAGE(page.find(label) != std::string::npos, label);
  const nlohmann::json data = page_data(page);
  REQUIRE(data.is_object());
  CHECK(data["page"] == "compare");
  // round_robin's p99 212 ms with its interval, which the page's table shows beside it.
  CHECK(data["compare"]["variants"][0]["summary"]["ci95"]["latency_ms.p99"]["lo"] == 199.28);
  const std::string dat = slurp(dir / "charts" / "compare.dat");
  CHECK(dat.find("lb.algorithm=least_connections,168,157.92,179.76,99.81,") != std::string::npos);
  CHECK(count(slurp(dir / "charts" / "compare_cdf.dat"), "latency_ms,") == 6);  // 3 variants x 2 clients

  if (!have_gnuplot()) return;
  CHECK(r.charts_drawn);
  const auto svgs = files_with(dir / "charts", ".svg");
  CHECK(svgs.size() == 3);  // cost is $0.1283 in every variant: no cost chart, a notice instead
  CHECK(!fs::exists(dir / "charts" / "compare_cost.svg"));
  CHECK(data["same"].dump().find("\"what\":\"cost\"") != std::string::npos);
  for (const auto& f : svgs) {
    INFO(f.filename().string());
    const std::string svg = slurp(f);
    std::string why;
    CHECK_MESSAGE(well_formed(svg, why), why);
    if (f.filename() == "compare_cdf.svg") {
      CHECK(most_points(svg) >= 20);
    } else {  // bar charts: every variant is labelled on the x axis
      CHECK(svg.find("least_connections") != std::string::npos);
      CHECK(svg.find("power_of_two") != std::string::npos);
    }
  }
  CHECK(static_charts(data) == svgs.size());

  ReportResult bare;
  without_path([&] { bare = write_compare_report(dir, chart_dir()); });
  CHECK_FALSE(bare.charts_drawn);
  CHECK(page_data(slurp(dir / "report.html"))["static_notice"]["kind"] == "no_gnuplot");
  fs::remove_all(dir);
}

TEST_CASE("the page's files are all embedded, and every script module runs in a stated order") {
  std::vector<std::string> js;
  for (const auto& a : page::embedded()) {
    CHECK(!a.text.empty());
    if (a.name.size() > 3 && a.name.substr(a.name.size() - 3) == ".js") js.emplace_back(a.name);
  }
  std::vector<std::string> listed(page::script_modules().begin(), page::script_modules().end());
  std::sort(js.begin(), js.end());
  std::sort(listed.begin(), listed.end());
  CHECK(js == listed);  // a module left out of script_modules() would never run
  CHECK(page::asset("skeleton.html").find("@DATA@") != std::string::npos);
  CHECK(page::asset("page.css").find(".ichart") != std::string::npos);
  CHECK(html::stylesheet() == page::asset("page.css"));
  CHECK_THROWS_WITH_AS(page::asset("nothing.js"), doctest::Contains("nothing.js"), std::runtime_error);
}

// A long run's gnuplot charts hold every point: past the budget, a chart the page also draws
// interactively links its static SVG instead of carrying it (the 24-hour microservices day's
// page went from 5.5 MB to under 4). Without the charting library every static chart stays inline.
TEST_CASE("figures::describe inlines static charts up to its budget, then links the interactive ones") {
  const fs::path dir = fs::temp_directory_path() / ("archsim_svg_budget_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string body(400'000, ' ');
  std::vector<figures::Chart> list;
  for (const char* name : {"a", "b", "c"}) {
    std::ofstream(dir / (std::string(name) + ".svg")) << "<svg width=\"10\"><g>" << body << "</g></svg>";
    figures::Chart c;
    c.name = name;
    c.title = name;
    c.panels = nlohmann::json::array({{{"labels", {"t", "x"}}, {"rows", nlohmann::json::array()}}});
    list.push_back(c);
  }
  list[2].panels = nlohmann::json::array();  // no interactive panels: its static chart is the only one
  const nlohmann::json live = figures::describe(dir, list, true, 1.0, 1'000'000);
  CHECK(live[0]["svg"].is_string());
  CHECK(live[1]["svg"].is_string());  // 800 KB so far
  CHECK(live[2]["svg"].is_string());  // over the budget, but nothing else draws it
  const nlohmann::json small = figures::describe(dir, list, true, 1.0, 500'000);
  CHECK(small[0]["svg"].is_string());
  CHECK(small[1]["svg"].is_null());
  CHECK(small[1]["svg_linked"] == true);
  CHECK(small[2]["svg"].is_string());
  const nlohmann::json flat = figures::describe(dir, list, false, 1.0, 500'000);
  for (const auto& c : flat) CHECK(c["svg"].is_string());
  fs::remove_all(dir);
}
