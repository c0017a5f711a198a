// The interactive charts of report.html (reports/html_interactive.h): the charting library is
// read at report time from $ARCHSIM_DYGRAPHS_JS (else Debian's libjs-dygraphs) and inlined,
// with each chart's data and the run's marks in the page's one JSON block; without the
// library the page keeps its static charts and says so. What a browser makes of the page
// (every chart drawn with points) is checked by tools/browser_check.sh; here, what the page
// holds.
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

#include "tests/e2e/run_archsim.h"

namespace fs = std::filesystem;
using archsim::e2e::describe;
using archsim::e2e::run_archsim;
using archsim::e2e::scratch_dir;
using archsim::e2e::source_path;
using nlohmann::json;

namespace {

std::string slurp(const fs::path& p) { return archsim::e2e::read_text(p.string()); }

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + what.size())) ++n;
  return n;
}

// Sets an environment variable for the life of the object (the child archsim inherits it).
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    if (const char* old = std::getenv(name)) saved_ = old;
    setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (saved_) setenv(name_, saved_->c_str(), 1);
    else unsetenv(name_);
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  std::optional<std::string> saved_;
};

// The data block the page's script draws from, parsed.
json chart_data(const std::string& page) {
  const std::string open = "<script type=\"application/json\" id=\"archsim-page-data\">";
  const auto at = page.find(open);
  if (at == std::string::npos) return json();
  const auto start = at + open.size();
  return json::parse(page.substr(start, page.find("</script>", start) - start));
}

const json* chart(const json& data, const std::string& name) {
  for (const auto& c : data["charts"])
    if (c["name"] == name) return &c;
  return nullptr;
}

}  // namespace

TEST_CASE("interactive charts: the library and every chart's data and marks are inlined in the page") {
  // A stand-in library whose text would end the <script> early if copied as it is.
  const fs::path lib = fs::path(scratch_dir("fake-dygraphs")) / "dygraph.min.js";
  std::ofstream(lib) << "/* fake */ window.Dygraph = function () { var s = '</script><b>'; };\n"
                        "//# sourceMappingURL=dygraph.min.js.map\n";
  std::ofstream(lib.parent_path() / "dygraph.min.css") << ".dygraph-legend{position:absolute}\n";
  const ScopedEnv env("ARCHSIM_DYGRAPHS_JS", lib.string());

  const std::string out = scratch_dir("interactive-zone");
  auto r = run_archsim({"run", source_path("scenarios/failures/zone-outage-single-zone.json"), "--out", out, "--quiet"}, 120);
  INFO(describe(r));
  REQUIRE(r.exit_code == 0);
  const std::string page = slurp(fs::path(out) / "report.html");
  // Inlined, made safe: the library's "</script>" is escaped, its source map dropped.
  CHECK(page.find("window.Dygraph = function () { var s = '<\\/script><b>'; };") != std::string::npos);
  CHECK(page.find("sourceMappingURL") == std::string::npos);
  CHECK(page.find(".dygraph-legend{position:absolute}") != std::string::npos);
  CHECK(chart_data(page)["library"]["present"] == true);
  // Three scripts (library, data, the page's own) and no more: nothing ends one early.
  CHECK(count(page, "<script") == 3);
  CHECK(count(page, "</script>") == 3);

  const json data = chart_data(page);
  REQUIRE(data.is_object());
  // Time in minutes for a 30 min run, the p99 objective, the marks of the fault and the alert.
  CHECK(data["time"]["unit"] == "min");
  CHECK(data["time"]["end"].get<double>() == doctest::Approx(30));
  CHECK(data["slo_p99_ms"].get<double>() == doctest::Approx(200));
  bool fault = false, alert = false, warmup = false;
  for (const auto& m : data["marks"]) {
    if (m["kind"] == "fault" && m["label"] == "zone_outage a") {
      fault = true;
      CHECK(m["from"].get<double>() == doctest::Approx(5));
      CHECK(m["to"].get<double>() == doctest::Approx(15));
    }
    alert = alert || (m["kind"] == "alert" && m["label"] == "HighErrorRate");
    warmup = warmup || (m["kind"] == "warmup" && m["to"].get<double>() == doctest::Approx(0.5));
  }
  CHECK(fault);
  CHECK(alert);
  CHECK(warmup);

  // The latency chart: p50/p95/p99 and the load on the right axis, the SLO drawn, and a gap
  // (null) where nothing was served during the outage, none outside it.
  const json* latency = chart(data, "latency");
  REQUIRE(latency != nullptr);
  const json& p = (*latency)["panels"][0];
  CHECK(p["labels"][0] == "time_s");
  CHECK(p["labels"][3] == "users p99");
  CHECK(p["slo"] == true);
  CHECK(p.contains("y2"));
  int gaps_in_outage = 0, gaps_outside = 0, rows = 0;
  for (const auto& row : p["rows"]) {
    ++rows;
    const double t = row[0].get<double>();
    if (row[3].is_null()) ++(t > 5 && t <= 15.2 ? gaps_in_outage : gaps_outside);
  }
  CHECK(rows > 150);
  CHECK(gaps_in_outage >= 1);
  CHECK(gaps_outside == 0);
  // Every chart has panels with rows, and the CDF is on its own latency axis.
  for (const auto& c : data["charts"]) {
    INFO(c["name"]);
    CHECK(!c["panels"].empty());
    for (const auto& panel : c["panels"]) CHECK(!panel["rows"].empty());
  }
  const json* cdf = chart(data, "cdf");
  REQUIRE(cdf != nullptr);
  CHECK((*cdf)["panels"][0]["time_x"] == false);
  CHECK((*cdf)["panels"][0]["logx"] == true);
  // The alert rule is recorded with the run and its series is in the page's store, so that
  // the alerts section draws it against its threshold.
  const json& rules = data["summary"]["availability_report"]["alert_rules"];
  REQUIRE(rules.size() == 1);
  CHECK(rules[0]["alert"] == "HighErrorRate");
  CHECK(rules[0]["metric"] == "all.availability");
  CHECK(rules[0]["op"] == "<");
  CHECK(rules[0]["threshold"].get<double>() == doctest::Approx(0.99));
  CHECK(data["series"]["by"]["all"]["availability"].size() == data["series"]["t"].size());
  CHECK(data["series"]["t"].size() > 150);
}

TEST_CASE("interactive charts: without the library the page keeps its static charts and says so in one line") {
  const ScopedEnv env("ARCHSIM_DYGRAPHS_JS", "/nonexistent/dygraph.min.js");
  const std::string out = scratch_dir("interactive-missing");
  auto r = run_archsim({"run", archsim::e2e::basic_scenario("web-tier.json"), "--set", "duration=3m", "--out", out, "--quiet"}, 60);
  INFO(describe(r));
  REQUIRE(r.exit_code == 0);
  const std::string page = slurp(fs::path(out) / "report.html");
  const json data = chart_data(page);
  REQUIRE(data.is_object());
  // The page says the library is missing (its script reads "library") and where it looked.
  CHECK(data["library"]["present"] == false);
  CHECK(data["library"]["path"] == "/nonexistent/dygraph.min.js");
  CHECK(count(page, "<script") == 2);  // the data and the page's script
  for (const auto& c : data["charts"]) CHECK(c["panels"].empty());
  // latency, throughput, utilization, CDF as static charts, and the architecture diagram
  // when graphviz is there.
  const bool dot = std::system("command -v dot >/dev/null 2>&1") == 0;
  if (std::system("command -v gnuplot >/dev/null 2>&1") == 0) {
    int drawn = 0;
    for (const auto& c : data["charts"]) drawn += c["svg"].is_string() ? 1 : 0;
    CHECK(drawn == 4);
  }
  CHECK(data["topology"].is_object() == true);
  if (dot) CHECK(data["topology"]["svg"].is_string());
}

TEST_CASE("interactive charts: Debian's dygraphs is inlined whole when installed") {
  const fs::path debian = "/usr/share/javascript/dygraphs/dygraph.min.js";
  if (!fs::exists(debian)) {
    MESSAGE("libjs-dygraphs not installed: the real library is not checked (tools/setup.sh installs it)");
    return;
  }
  const ScopedEnv env("ARCHSIM_DYGRAPHS_JS", debian.string());
  const std::string out = scratch_dir("interactive-debian");
  auto r = run_archsim({"run", archsim::e2e::basic_scenario("mm1.json"), "--set", "duration=3m", "--out", out, "--quiet"}, 60);
  REQUIRE(r.exit_code == 0);
  const std::string page = slurp(fs::path(out) / "report.html");
  const std::string libtext = slurp(debian);
  // Its licence line and its body (up to the source-map comment the page leaves out).
  const std::string body = libtext.substr(0, libtext.find("//# sourceMappingURL"));
  CHECK(body.size() > 100000);
  CHECK(page.find(body) != std::string::npos);
  CHECK(count(page, "</script>") == 3);
}
