// The SLO box's window-by-window account (reports/html_slo_windows.h): the same verdict per
// window as the availability ledger, periods that miss, and quiet windows told apart.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "reports/html_slo_windows.h"

namespace fs = std::filesystem;
using nlohmann::json;
using namespace archsim::reports;

TEST_CASE("SLO windows: which periods miss, why, and which held too few requests") {
  const fs::path dir = fs::temp_directory_path() / "archsim-slo-windows";
  fs::create_directories(dir);
  {
    // 10 s windows over 3 minutes of the scope's series ("slo"): the first minute quiet (20
    // requests a second, one failure in a window: 99.5% < 99.9%), the second busy and fast,
    // the third busy with a p99 over the 50 ms objective in three windows.
    std::ofstream out(dir / "timeseries.csv");
    out << "time_s,component,metric,value\n";
    for (int t = 10; t <= 180; t += 10) {
      const bool quiet = t <= 60, slow = t > 120 && t <= 150;
      out << t << ",slo,throughput_rps," << (quiet ? (t == 30 ? 19.9 : 20) : 500) << '\n';
      out << t << ",slo,errors_rps," << (quiet && t == 30 ? 0.1 : 0) << '\n';
      out << t << ",slo,latency_p99_ms," << (slow ? 80 : 30) << '\n';
    }
  }
  const auto ts = data::TimeSeries::load(dir / "timeseries.csv");
  const json summary = {{"warmup_s", 0},
                        {"slo", {{"population", {{"scoped", true}}}}},
                        {"availability_report", {{"slo", {{"availability", 0.999}, {"latency_p99_ms", 50}}}}}};
  const json w = slo_windows::for_page(summary, ts);
  REQUIRE(w.is_object());
  CHECK(w["series"] == "slo");
  CHECK(w["window_s"] == 10);
  CHECK(w["windows"] == 18);
  CHECK(w["met"] == 14);  // 18 less the quiet window with a failure and the three slow ones
  CHECK(w["period_s"] == 60);
  CHECK(w["small_below"] == 1000);
  REQUIRE(w["periods"].size() == 2);
  const json& quiet = w["periods"][0];
  CHECK(quiet["from_s"] == 0);
  CHECK(quiet["missed"] == 1);
  CHECK(quiet["availability_under"] == 1);
  CHECK(quiet["small"] == 1);  // 200 requests in the window: one failure is 0.5%
  CHECK(quiet["requests_per_window"].get<double>() == doctest::Approx(200));
  const json& slow = w["periods"][1];
  CHECK(slow["from_s"] == 120);
  CHECK(slow["missed"] == 3);
  CHECK(slow["p99_over"] == 3);
  CHECK(slow["small"] == 0);

  // Without an SLO (no availability_report.slo) there is nothing to say.
  CHECK(slo_windows::for_page(json::object(), ts).is_null());
  fs::remove_all(dir);
}
