// The compare page as a what-if study: a numeric --vary drawn interactively as
// lines with confidence bands, cost against p99 with the Pareto front, every variant's time
// series, and a run page per variant linked from the table.
#include <doctest/doctest.h>

#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/e2e/run_archsim.h"

namespace fs = std::filesystem;
using archsim::e2e::describe;
using archsim::e2e::run_archsim;
using archsim::e2e::scratch_dir;
using archsim::e2e::source_path;

namespace {

std::string slurp(const fs::path& p) { return archsim::e2e::read_text(p.string()); }

// The data block a page's script draws from (html_interactive.h render()), parsed.
nlohmann::json payload(const std::string& page) {
  const std::string open = "<script type=\"application/json\" id=\"archsim-page-data\">";
  const auto at = page.find(open);
  if (at == std::string::npos) return nlohmann::json();
  const auto from = at + open.size();
  return nlohmann::json::parse(page.substr(from, page.find("</script>", from) - from));
}

const nlohmann::json* chart(const nlohmann::json& p, const std::string& name) {
  if (!p.contains("charts")) return nullptr;
  for (const auto& c : p["charts"])
    if (c["name"] == name) return &c;
  return nullptr;
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

}  // namespace

TEST_CASE("compare page: interactive what-if lines with bands, the Pareto front, each variant over time and its own page") {
  const std::string out = scratch_dir("compare-page");
  const auto r = run_archsim({"compare", source_path("scenarios/basics/web-tier.json"), "--set", "duration=2m", "--vary",
                              "web.replicas=1,2,3", "--replications", "2", "--out", out, "--quiet"},
                             240);
  INFO(describe(r));
  REQUIRE(r.exit_code == 0);
  const std::string page = slurp(fs::path(out) / "report.html");
  const nlohmann::json p = payload(page);
  REQUIRE(p.is_object());
  if (p["library"]["present"] == false) {  // no libjs-dygraphs on this machine: the page's script says so
    CHECK(p["charts"][0]["panels"].empty());
  } else {
    // p99 against the replicas: one line, three points, each [lo, p99, hi] with lo <= p99 <= hi
    // and a real interval somewhere (two replications differ).
    const auto* w = chart(p, "whatif_p99");
    REQUIRE(w != nullptr);
    const auto& panel = (*w)["panels"][0];
    CHECK(panel["bars"] == true);
    CHECK(panel["labels"] == nlohmann::json({"web.replicas", "all variants"}));
    REQUIRE(panel["rows"].size() == 3);
    bool wide = false;
    double last_x = 0;
    for (const auto& row : panel["rows"]) {
      CHECK(row[0].get<double>() > last_x);
      last_x = row[0].get<double>();
      const auto& c = row[1];
      REQUIRE(c.is_array());
      CHECK(c[0].get<double>() <= c[1].get<double>());
      CHECK(c[1].get<double>() <= c[2].get<double>());
      wide = wide || c[0].get<double>() < c[2].get<double>();
    }
    CHECK(wide);
    // One replica saturates (about 47% served), three serve all: availability differs, so it is charted.
    CHECK(chart(p, "whatif_availability") != nullptr);
    // Cost against p99, the variants as points, one hover label per variant in p99 order.
    const auto* pareto = chart(p, "compare_pareto");
    REQUIRE(pareto != nullptr);
    CHECK((*pareto)["panels"][0]["point_labels"].size() == 3);
    CHECK((*pareto)["panels"][0]["points"] == nlohmann::json({"variants"}));
    // Every variant over time: p99 and throughput, a column per variant.
    const auto* ts = chart(p, "compare_timeseries");
    REQUIRE(ts != nullptr);
    // p99 and throughput, every request's p99 (latency_all_p99_ms); and the failed share,
    // since one replica cannot serve all.
    REQUIRE((*ts)["panels"].size() == 4);
    CHECK((*ts)["panels"][2]["ylabel"] == "p99 of every request (ms)");
    CHECK((*ts)["panels"][3]["ylabel"] == "failed (% of requests)");
    CHECK((*ts)["panels"][0]["labels"] ==
          nlohmann::json({"time_s", "web.replicas=1", "web.replicas=2", "web.replicas=3"}));
    CHECK((*ts)["panels"][0]["rows"].size() >= 10);  // 2 minutes in 10 s windows
  }
  // The static data: the Pareto file lists the variants by p99 and then the front again.
  const auto rows = lines(slurp(fs::path(out) / "charts" / "pareto.dat"));
  REQUIRE(rows.size() >= 7);
  CHECK(rows[0] == "label,p99_ms,cost_usd,on_front");
  int on = 0;
  double last_p99 = 0;
  for (int i = 1; i <= 3; ++i) {
    double p99 = 0, cost = 0;
    int flag = 0;
    const auto comma = rows[i].find(',');
    REQUIRE(std::sscanf(rows[i].c_str() + comma + 1, "%lf,%lf,%d", &p99, &cost, &flag) == 3);
    CHECK(p99 >= last_p99);
    last_p99 = p99;
    on += flag;
  }
  // The cheapest (one replica) is on the front whatever its latency, and the front block holds exactly the flagged rows.
  CHECK(on >= 1);
  CHECK(rows.size() == 4u + 2u + 1u + static_cast<std::size_t>(on));
  CHECK(slurp(fs::path(out) / "charts" / "variants_p99.dat").find("time_s,web.replicas=1,web.replicas=2,web.replicas=3\n") == 0);
  // With replications, the per-variant time series say which replication they show.
  CHECK(page.find("These are replication 1 of each variant") != std::string::npos);
  // Each variant's own page, linked, with its interactive charts and a way back.
  CHECK(p["folders"][1]["own_page"] == true);
  CHECK(p["folders"][1]["sub"] == "variant-2");
  const nlohmann::json own = payload(slurp(fs::path(out) / "variant-2" / "report.html"));
  const std::string context = own["context_html"];
  CHECK(context.find("Variant 2 of 3 of a comparison: <strong>web.replicas=2</strong>") != std::string::npos);
  CHECK(context.find("href=\"../report.html\"") != std::string::npos);
  CHECK(!fs::exists(fs::path(out) / "variant-2" / "charts" / "latency.svg"));  // the comparison stays quick
  CHECK(fs::exists(fs::path(out) / "variant-2" / "charts" / "latency_1.dat"));
}

TEST_CASE("compare page: equal cost in every variant draws no Pareto chart") {
  const std::string out = scratch_dir("compare-page-samecost");
  const auto r = run_archsim({"compare", source_path("scenarios/basics/mm1.json"), "--set", "duration=2m", "--vary",
                              "web.concurrency=1,2", "--out", out, "--quiet"},
                             240);
  INFO(describe(r));
  REQUIRE(r.exit_code == 0);
  CHECK(!fs::exists(fs::path(out) / "charts" / "pareto.dat"));
  CHECK(slurp(fs::path(out) / "report.html").find("in every variant, so it is not charted") != std::string::npos);
}

TEST_CASE("compare --trace: each variant writes trace.json of its replication 1, linked from its row and page") {
  const std::string out = scratch_dir("compare-trace");
  const auto r = run_archsim({"compare", source_path("scenarios/basics/mm1.json"), "--set", "duration=2m", "--vary",
                              "web.concurrency=1,2", "--replications", "2", "--trace", "5", "--out", out, "--quiet"},
                             240);
  INFO(describe(r));
  REQUIRE(r.exit_code == 0);
  for (const char* v : {"variant-1", "variant-2"}) {
    CAPTURE(v);
    const nlohmann::json trace = nlohmann::json::parse(slurp(fs::path(out) / v / "trace.json"));
    REQUIRE(trace.contains("traceEvents"));
    CHECK(trace["traceEvents"].size() > 5);
    CHECK(archsim::e2e::page_data(slurp(fs::path(out) / v / "report.html"))["traces"]["requests"].get<int>() > 0);
  }
  CHECK(payload(slurp(fs::path(out) / "report.html"))["folders"][1]["files"].dump().find("trace.json") != std::string::npos);
  // Without --trace no variant has one.
  const std::string plain = scratch_dir("compare-notrace");
  REQUIRE(run_archsim({"compare", source_path("scenarios/basics/mm1.json"), "--set", "duration=2m", "--vary",
                       "web.concurrency=1,2", "--out", plain, "--quiet"},
                      240)
              .exit_code == 0);
  CHECK(!fs::exists(fs::path(plain) / "variant-1" / "trace.json"));
}
