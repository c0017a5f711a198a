// The run page's per-population charts (reports/html_population_charts.h): which panels the
// latency chart gets, which one carries the SLO's line, and the per-client distributions.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "reports/html_population_charts.h"

namespace fs = std::filesystem;
using nlohmann::json;
using namespace archsim::reports;

namespace {

// A timeseries.csv with p50/p95/p99, throughput and errors for each of `who` over 3 windows;
// `who`'s p99 is `p99[i]` ms.
data::TimeSeries series(const fs::path& dir, const std::vector<std::pair<std::string, double>>& who) {
  fs::create_directories(dir);
  std::ofstream out(dir / "timeseries.csv");
  out << "time_s,component,metric,value\n";
  for (int t = 5; t <= 15; t += 5)
    for (const auto& [c, p99] : who) {
      out << t << ',' << c << ",latency_p50_ms," << p99 / 4 << '\n' << t << ',' << c << ",latency_p95_ms," << p99 / 2 << '\n';
      out << t << ',' << c << ",latency_p99_ms," << p99 << '\n' << t << ',' << c << ",throughput_rps,90\n";
      out << t << ',' << c << ",errors_rps," << (t == 10 ? 10 : 0) << '\n';
    }
  out.close();
  return data::TimeSeries::load(dir / "timeseries.csv");
}

fs::path scratch(const char* name) {
  const fs::path d = fs::temp_directory_path() / ("archsim-population-" + std::string(name));
  fs::remove_all(d);
  return d;
}

}  // namespace

TEST_CASE("population panels: the SLO's line only on the population it judges") {
  const fs::path dir = scratch("panels");
  const auto ts = series(dir, {{"all", 10000}, {"slo", 47}, {"users", 47}, {"players", 15000}});
  const std::vector<std::string> clients{"users", "players"};

  SUBCASE("a scope of one whole client: that client's panel, first, judged; no separate one") {
    const json s = {{"slo", {{"latency_p99_ms", 50}, {"population", {{"scoped", true}, {"clients", {"users"}}, {"label", "client users"}}}}}};
    const auto p = population_charts::populations(s, ts, clients);
    REQUIRE(p.size() == 2);
    CHECK(p[0].series == "users");
    CHECK(p[0].judged);
    CHECK(p[1].series == "players");
    CHECK_FALSE(p[1].judged);
  }
  SUBCASE("a scope of some routes: the SLO's own series first, no client judged") {
    const json s = {{"slo", {{"latency_p99_ms", 500},
                             {"population", {{"scoped", true}, {"clients", {"users"}}, {"routes", {"course"}}, {"label", "client users; routes course"}}}}}};
    const auto p = population_charts::populations(s, ts, clients);
    REQUIRE(p.size() == 3);
    CHECK(p[0].series == "slo");
    CHECK(p[0].judged);
    CHECK(p[0].label.find("routes course") != std::string::npos);
    CHECK_FALSE(p[1].judged);
    CHECK_FALSE(p[2].judged);
  }
  SUBCASE("an SLO on every request of two clients: the run's own series, judged") {
    const json s = {{"slo", {{"latency_p99_ms", 50}}}};
    const auto p = population_charts::populations(s, ts, clients);
    REQUIRE(p.size() == 3);
    CHECK(p[0].series == "all");
    CHECK(p[0].judged);
  }
  SUBCASE("an SLO on every request of one client: that client") {
    const json s = {{"slo", {{"latency_p99_ms", 50}}}};
    const auto p = population_charts::populations(s, ts, {"users"});
    REQUIRE(p.size() == 1);
    CHECK(p[0].judged);
  }
  SUBCASE("no SLO: every client, none judged") {
    const auto p = population_charts::populations(json::object(), ts, clients);
    REQUIRE(p.size() == 2);
    CHECK_FALSE(p[0].judged);
    CHECK_FALSE(p[1].judged);
  }
  fs::remove_all(dir);
}

TEST_CASE("latency chart: a file per population with its failed share; a log axis past 100x") {
  const fs::path dir = scratch("chart");
  auto ts = series(dir, {{"users", 47}, {"players", 15000}});
  const json s = {{"slo", {{"latency_p99_ms", 50}, {"population", {{"scoped", true}, {"clients", {"users"}}}}}}};
  figures::Chart chart;
  REQUIRE(population_charts::latency_chart(dir, s, ts, {"users", "players"}, false, chart));
  REQUIRE(chart.declared.size() == 2);
  CHECK(chart.declared[0].slo);
  CHECK_FALSE(chart.declared[1].slo);
  CHECK(chart.declared[0].y2_last);
  std::ifstream in(dir / "latency_1.dat");
  std::string header, row1, row2;
  std::getline(in, header);
  std::getline(in, row1);
  std::getline(in, row2);
  CHECK(header == "time_s,users p50,users p95,users p99,users failed (%)");
  CHECK(row1 == "5,11.75,23.5,47,0");
  CHECK(row2 == "10,11.75,23.5,47,10");  // 10 failed of 100
  // p50 at a quarter of p99: within 100x, a linear axis.
  CHECK_FALSE(chart.declared[0].logy);

  // A population from 30 ms to 16 s over the run gets a log axis.
  {
    std::ofstream out(dir / "timeseries.csv");
    out << "time_s,component,metric,value\n5,users,latency_p50_ms,30\n5,users,latency_p99_ms,60\n"
           "10,users,latency_p50_ms,12000\n10,users,latency_p99_ms,16000\n5,users,throughput_rps,1\n";
  }
  ts = data::TimeSeries::load(dir / "timeseries.csv");
  REQUIRE(population_charts::latency_chart(dir, s, ts, {"users"}, false, chart));
  CHECK(chart.declared[0].logy);
  fs::remove_all(dir);
}

TEST_CASE("per-client distributions from their percentiles, only when there are several") {
  const json s = {{"components",
                   {{"users", {{"type", "client"}, {"latency_ms", {{"p50", 20}, {"p90", 30}, {"p95", 35}, {"p99", 47}, {"p999", 60}, {"max", 80}}}}},
                    {"players", {{"type", "client"}, {"latency_ms", {{"p50", 3000}, {"p99", 15000}, {"max", 29000}}}}}}}};
  std::vector<data::Cdf> cdfs;
  population_charts::add_percentile_cdfs(s, {"users", "players"}, cdfs);
  REQUIRE(cdfs.size() == 2);
  CHECK(cdfs[0].name == "users (percentiles)");
  REQUIRE(cdfs[0].points.size() == 6);
  CHECK(cdfs[0].points[3] == std::pair<double, double>{47, 0.99});
  CHECK(cdfs[1].points.back() == std::pair<double, double>{29000, 1.0});
  cdfs.clear();
  population_charts::add_percentile_cdfs(s, {"users"}, cdfs);
  CHECK(cdfs.empty());  // one client's curve is the run's own
}
