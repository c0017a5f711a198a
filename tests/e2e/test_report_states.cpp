// An autoscaler's metric is charted against its target: what the HPA read at its syncs (per
// ready replica) and the line it steers to.
#include <doctest/doctest.h>

#include <cmath>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/e2e/run_archsim.h"

using archsim::e2e::describe;
using archsim::e2e::read_text;
using archsim::e2e::run_archsim;
using archsim::e2e::scratch_dir;
using archsim::e2e::source_path;

namespace {

std::vector<std::vector<std::string>> rows_of(const std::string& csv) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream in(csv);
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> f;
    std::istringstream ls(line);
    std::string cell;
    while (std::getline(ls, cell, ',')) f.push_back(cell);
    rows.push_back(f);
  }
  return rows;
}

}  // namespace

TEST_CASE("report states: the autoscaler's metric against its target") {
  const std::string out = scratch_dir("states-hpa");
  auto r = run_archsim({"run", source_path("scenarios/autoscaling/step-load.json"), "--set", "duration=\"10m\"",
                        "--quiet", "--out", out}, 180);
  INFO(describe(r));
  REQUIRE(r.exit_code == 0);
  const auto ts = rows_of(read_text(out + "/timeseries.csv"));
  double peak = 0, target = -1;
  for (const auto& row : ts) {
    if (row.size() != 4 || row[1] != "api-hpa") continue;
    if (row[2] == "metric_cpu") peak = std::max(peak, std::stod(row[3]));
    if (row[2] == "target_cpu") target = std::stod(row[3]);
  }
  CHECK(target == doctest::Approx(0.7));
  // The 10x step at 5 m saturates the two pods: the CPU the HPA reads goes well above 70%.
  CHECK(peak > 0.9);
  CHECK(peak <= 1.0 + 1e-9);
  // The autoscaler family's declared panel (models/autoscaler/page.cpp): the metric against
  // its target, in the page's Autoscaling section and in the static export.
  const nlohmann::json data = archsim::e2e::page_data(read_text(out + "/report.html"));
  const nlohmann::json& page = data["summary"]["components"]["api-hpa"]["page"];
  CHECK(page["section"]["id"] == "autoscaling");
  CHECK(page["panels"][0]["title"] == "Metric against its target");
  const auto headers = archsim::e2e::declared_headers(data, out, "api-hpa");
  REQUIRE(!headers.empty());
  CHECK(headers[0] == "time_s,metric_cpu,target_cpu");
}
