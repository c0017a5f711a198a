// A state's transitions on their way to the report: timeseries.csv rows at the exact times
// (reports/summary.cpp), read back and written as steps for the charts (reports/html_data.cpp):
// each value holds from its row until the next, and to the end of the run.
// The numbers in that file are printed as printf's %g would print them (the last test).
#include <doctest/doctest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "reports/html_data.h"
#include "reports/summary.h"
#include "sim/random.h"

using namespace archsim;
namespace fs = std::filesystem;

namespace {

RunResult two_windows_with_a_state() {
  RunResult r;
  r.window_ends = {10 * kSecond, 20 * kSecond};
  r.series.push_back(Series{"all", "throughput_rps", {5, 6}});
  StateSeries s{"users", "circuit_state_transitions", 0, {}, 0, 0};
  s.transitions.push_back({10 * kSecond, 2});                           // at a window's end
  s.transitions.push_back({10 * kSecond + 40 * kMillisecond + 7, 1});  // 10.040000007 s
  r.states.push_back(s);
  return r;
}

}  // namespace

TEST_CASE("timeseries.csv: state rows at their exact times, in time order with the window rows") {
  const std::string csv = timeseries_csv(two_windows_with_a_state());
  CHECK(csv ==
        "time_s,component,metric,value\n"
        "0,users,circuit_state_transitions,0\n"
        "10,users,circuit_state_transitions,2\n"
        "10,all,throughput_rps,5\n"
        "10.040000007,users,circuit_state_transitions,1\n"
        "20,all,throughput_rps,6\n");
}

TEST_CASE("timeseries.csv: a state past its kept transitions ends with a nan row") {
  RunResult r = two_windows_with_a_state();
  r.states[0].dropped = 5;
  r.states[0].dropped_from = 15 * kSecond;
  const std::string csv = timeseries_csv(r);
  CHECK(csv.find("15,users,circuit_state_transitions,nan\n20,all") != std::string::npos);
}

TEST_CASE("write_steps: each column holds its last value until the next row, to the end of the run") {
  const fs::path dir = fs::temp_directory_path() / "archsim_test_state_rows";
  fs::create_directories(dir);
  const reports::data::Points a{{0, 0}, {10.04, 1}, {15.04, 2}};
  const reports::data::Points b{{0, 3}, {12, NAN}};  // a "nan" row: not known from 12 s on
  REQUIRE(reports::data::write_steps(dir / "s.dat", "time_s", {{"a", &a}, {"b", &b}}, 30));
  std::ifstream in(dir / "s.dat");
  std::stringstream text;
  text << in.rdbuf();
  CHECK(text.str() ==
        "time_s,a,b\n"
        "0,0,3\n"
        "10.04,1,3\n"
        "12,1,NaN\n"
        "15.04,2,NaN\n"
        "30,2,NaN\n");
  CHECK_FALSE(reports::data::write_steps(dir / "none.dat", "time_s", {{"a", nullptr}}, 30));
  fs::remove_all(dir);
}

TEST_CASE("timeseries.csv and round_sig print and round numbers exactly as printf's %g does") {
  // The oracle is the C library: what the file held when it was written with snprintf.
  auto g6 = [](double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.6g", v);
    return std::string(buf);
  };
  auto round_sig_printf = [](double v, int digits) {
    if (v == 0 || !std::isfinite(v)) return v;
    if (v == std::floor(v) && std::fabs(v) <= 9007199254740992.0) return v;
    const double mag = std::floor(std::log10(std::fabs(v)));
    const double scale = std::pow(10.0, digits - 1 - mag);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*g", digits, std::round(v * scale) / scale);
    return std::strtod(buf, nullptr);
  };
  Rng rng(11);
  RunResult r;
  Series s{"svc", "latency_p99_ms", {}};
  std::string expected = "time_s,component,metric,value\n";
  for (int w = 0; w < 2000; ++w) {
    // Magnitudes from 1e-9 to 1e12, both signs, whole numbers and exact powers of ten.
    const double mag = std::pow(10.0, static_cast<double>(rng.below(22)) - 9);
    double v = (rng.uniform() - 0.25) * mag;
    if (w % 7 == 0) v = std::round(v);
    if (w % 11 == 0) v = mag;
    r.window_ends.push_back(static_cast<Time>(w + 1) * 1234567);  // ns: 1.234567 ms apart
    s.values.push_back(v);
    for (int digits : {4, 6, 15}) CHECK(round_sig(v, digits) == round_sig_printf(v, digits));
    expected += g6(to_seconds(r.window_ends.back())) + ",svc,latency_p99_ms," + g6(round_sig_printf(v, 6)) + "\n";
  }
  r.series.push_back(s);
  CHECK(timeseries_csv(r) == expected);
}
