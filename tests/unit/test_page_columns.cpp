// A long run on the page: more windows than twice data::kPageColumns are drawn per column of
// time as that column's lowest and highest values (reports/html_data.cpp write_wide, and the
// page's own series, reports/html_series.cpp), so that a day of 5 s windows makes a page of a
// few MB while a one-window spike still shows; timeseries.csv keeps every window.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "reports/html_data.h"
#include "reports/html_series.h"

using namespace archsim::reports;
namespace fs = std::filesystem;

namespace {

std::vector<std::vector<double>> rows_of(const fs::path& file) {
  std::ifstream in(file);
  std::string line;
  std::getline(in, line);  // header
  std::vector<std::vector<double>> rows;
  while (std::getline(in, line)) {
    std::vector<double> row;
    for (const std::string& cell : data::split_csv(line)) row.push_back(cell == "NaN" ? NAN : std::stod(cell));
    rows.push_back(row);
  }
  return rows;
}

}  // namespace

TEST_CASE("write_wide: a long run is drawn per column as its lowest and highest values, a spike and a gap kept") {
  const fs::path dir = fs::temp_directory_path() / "archsim_test_page_columns";
  fs::create_directories(dir);
  // A day of 5 s windows (17,280): a flat 100 with one window at 900 (a spike), and no value
  // from 40,000 s to 40,500 s (an outage: a gap of 100 windows).
  data::Points p;
  for (int w = 1; w <= 17280; ++w) {
    const double t = 5.0 * w;
    if (t > 40000 && t <= 40500) continue;
    p[t] = w == 9000 ? 900 : 100 + (w % 7);
  }
  REQUIRE(data::write_wide(dir / "long.dat", "time_s", {{"x", &p}}));
  const auto rows = rows_of(dir / "long.dat");
  CHECK(rows.size() <= 2 * data::kPageColumns + 4);
  CHECK(rows.size() >= 2 * data::kPageColumns - 10);  // the outage's three-odd columns have no row
  double top = 0, bottom = 1e9;
  int gaps = 0;
  for (const auto& r : rows) {
    if (std::isnan(r[1])) {
      ++gaps;
      CHECK(r[0] > 40000);  // the gap row stands inside the outage
      CHECK(r[0] <= 40500);
      continue;
    }
    top = std::max(top, r[1]);
    bottom = std::min(bottom, r[1]);
  }
  CHECK(top == 900);     // the one-window spike
  CHECK(bottom == 100);  // and the lowest window
  CHECK(gaps == 1);
  // x ascends, and every x is a window's own time.
  for (std::size_t i = 1; i < rows.size(); ++i) CHECK(rows[i][0] >= rows[i - 1][0]);

  // A short run is written window by window, as before.
  data::Points s;
  for (int w = 1; w <= 100; ++w) s[w] = w;
  REQUIRE(data::write_wide(dir / "short.dat", "time_s", {{"x", &s}}));
  CHECK(rows_of(dir / "short.dat").size() == 100);
  fs::remove_all(dir);
}

TEST_CASE("the page's series of a long run: the same columns, lowest then highest") {
  const fs::path dir = fs::temp_directory_path() / "archsim_test_page_series";
  fs::create_directories(dir);
  std::ostringstream csv;
  csv << "time_s,component,metric,value\n";
  for (int w = 1; w <= 6000; ++w) csv << w << ",web,memory_mb," << (w == 3001 ? 512 : 100) << "\n";
  std::ofstream(dir / "timeseries.csv") << csv.str();
  const auto ts = data::TimeSeries::load(dir / "timeseries.csv");
  const nlohmann::json page = series::for_page(ts, nlohmann::json::object(), 1.0);
  const auto& t = page["t"];
  const auto& v = page["by"]["web"]["memory_mb"];
  CHECK(t.size() == 2 * data::kPageColumns);
  CHECK(v.size() == t.size());
  CHECK(*std::max_element(v.begin(), v.end()) == 512);
  CHECK(*std::min_element(v.begin(), v.end()) == 100);
  fs::remove_all(dir);
}
