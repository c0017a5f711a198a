// The run page's per-population charts (reports/html_population_charts.h): which panels the
// latency chart gets, which one carries the SLO's line, and the per-client distributions.
#include <doctest/doctest.h>

#include <filesystem>
#include <cmath>
#include <fstream>
#include <map>
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

namespace {
// A client's whole-run histogram as latency_cdf.csv holds it: `n` buckets from `lo` ms, each
// 1.2x the last, each with the same share of the requests.
data::Cdf histogram_curve(const std::string& who, double lo, int n) {
  data::Cdf c{who, {}};
  double ms = lo;
  for (int k = 1; k <= n; ++k, ms *= 1.2) c.points.emplace_back(ms, static_cast<double>(k) / n);
  return c;
}

// The latency at which `c` first reaches `share`.
double reaches(const data::Cdf& c, double share) {
  for (const auto& [ms, f] : c.points)
    if (f >= share - 1e-12) return ms;
  return -1;
}
}  // namespace

TEST_CASE("per-client distributions: each client's own histogram, the whole run's curves first") {
  const json s = {{"components",
                   {{"users", {{"type", "client"}, {"latency_ms", {{"p50", 20}, {"p99", 47}, {"max", 80}}}}},
                    {"players", {{"type", "client"}, {"latency_ms", {{"p50", 3000}, {"p99", 15000}, {"max", 29000}}}}}}}};
  // As latency_cdf.csv has them: the mixed curve of both clients (72 % of the requests are the
  // users': a plateau at 0.72 from 80 ms to 2 s), then each client's own.
  const data::Cdf all{"all", {{10, 0.36}, {80, 0.72}, {2000, 0.73}, {29000, 1.0}}};
  const data::Cdf users = histogram_curve("users", 5, 40), players = histogram_curve("players", 600, 40);
  const auto d = population_charts::distributions(s, {"users", "players"}, {all, users, players});
  REQUIRE(d.curves.size() == 3);
  CHECK(d.populations == 2);
  CHECK(d.from_percentiles == 0);
  CHECK(d.curves[0].name == "all");
  CHECK(d.curves[0].points == all.points);
  // Each client's curve is its histogram's cumulative shares, every point of it.
  CHECK(d.curves[1].name == "users");
  CHECK(d.curves[1].points == users.points);
  CHECK(d.curves[2].name == "players");
  CHECK(d.curves[2].points == players.points);
  // Each reaches 0.5 at its own median, and neither holds the other's plateau: every step of
  // its cumulative share is its own 1/40th.
  CHECK(reaches(d.curves[1], 0.5) == doctest::Approx(5 * std::pow(1.2, 19)));
  CHECK(reaches(d.curves[2], 0.5) == doctest::Approx(600 * std::pow(1.2, 19)));
  CHECK(reaches(d.curves[1], 0.5) * 100 < reaches(d.curves[2], 0.5));
  for (const auto* c : {&d.curves[1], &d.curves[2]})
    for (std::size_t k = 1; k < c->points.size(); ++k) CHECK(c->points[k].second - c->points[k - 1].second == doctest::Approx(1.0 / 40));

  // Written for the chart as they are: cdf.dat holds each curve's every point.
  const fs::path dir = scratch("cdf");
  fs::create_directories(dir);
  REQUIRE(data::write_cdf_blocks(dir / "cdf.dat", d.curves));
  std::ifstream in(dir / "cdf.dat");
  std::string line, block;
  std::map<std::string, int> rows;
  while (std::getline(in, line))
    if (line.rfind("latency_ms,", 0) == 0) block = line.substr(11);
    else if (!line.empty()) ++rows[block];
  CHECK(rows["users"] == 40);
  CHECK(rows["players"] == 40);
  fs::remove_all(dir);
}

TEST_CASE("per-client distributions: the SLO scope's own curve; one client's is the run's") {
  const json scoped = {{"components", {{"users", {{"type", "client"}, {"latency_ms", {{"p50", 20}, {"p99", 47}}}}}}},
                       {"slo", {{"population", {{"scoped", true}, {"clients", {"users"}}, {"routes", {"course"}}, {"latency_ms", {{"p50", 9}, {"p99", 96}}}}}}}};
  const data::Cdf all = histogram_curve("all", 5, 30), slo = histogram_curve("slo", 3, 25);
  SUBCASE("a scope of some routes: its curve from the file, after the whole run's; the one client not again") {
    const auto d = population_charts::distributions(scoped, {"users"}, {all, slo});
    REQUIRE(d.curves.size() == 2);
    CHECK(d.curves[0].name == "all");
    CHECK(d.curves[1].name == "the SLO's requests");
    CHECK(d.curves[1].points == slo.points);
    CHECK(d.populations == 1);
  }
  SUBCASE("one client and no scope: the whole run's curve alone") {
    const json s = {{"components", scoped["components"]}};
    const auto d = population_charts::distributions(s, {"users"}, {all});
    REQUIRE(d.curves.size() == 1);
    CHECK(d.populations == 0);
  }
}

TEST_CASE("per-client distributions: through the percentiles where the file has no curve of its own") {
  // A folder written before latency_cdf.csv had each client's curve, or by hand.
  const json s = {{"components",
                   {{"users", {{"type", "client"}, {"latency_ms", {{"p50", 20}, {"p90", 30}, {"p95", 35}, {"p99", 47}, {"p999", 60}, {"max", 80}}}}},
                    {"players", {{"type", "client"}, {"latency_ms", {{"p50", 3000}, {"p99", 15000}, {"max", 29000}}}}}}}};
  const data::Cdf all = histogram_curve("all", 5, 30), players = histogram_curve("players", 600, 40);
  const auto d = population_charts::distributions(s, {"users", "players"}, {all, players});
  REQUIRE(d.curves.size() == 3);
  CHECK(d.populations == 2);
  CHECK(d.from_percentiles == 1);
  CHECK(d.curves[1].name == "users (percentiles)");
  REQUIRE(d.curves[1].points.size() == 6);
  CHECK(d.curves[1].points[3] == std::pair<double, double>{47, 0.99});
  CHECK(d.curves[2].name == "players");
  CHECK(d.curves[2].points == players.points);
}

TEST_CASE("compare: each variant's whole-run curves only") {
  const data::Cdf all{"all", {{1, 1}}}, every{"every request", {{2, 1}}}, users{"users", {{3, 1}}};
  const auto kept = data::whole_run_cdfs({all, users, every});
  REQUIRE(kept.size() == 2);
  CHECK(kept[0].name == "all");
  CHECK(kept[1].name == "every request");
  CHECK(data::whole_run_cdfs({users}).size() == 1);  // a file of clients' curves only: drawn whole
}
