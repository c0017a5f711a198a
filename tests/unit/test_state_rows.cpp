// A state's transitions on their way to the report: timeseries.csv rows at the exact times
// (reports/summary.cpp), read back and written as steps for the charts (reports/html_data.cpp):
// each value holds from its row until the next, and to the end of the run.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "reports/html_data.h"
#include "reports/summary.h"

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
