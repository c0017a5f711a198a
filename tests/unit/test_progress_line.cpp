// The progress bar's line (reports/progress_line.h): the simulated clock is the share done
// of the simulated time, in units that fit, and the ETA is the wall time left at the pace
// so far.
#include <doctest/doctest.h>

#include "reports/progress_line.h"

using archsim::clock_text;
using archsim::progress_line;

TEST_CASE("progress line: clock text picks the unit that fits") {
  CHECK(clock_text(8.54) == "8.5s");
  CHECK(clock_text(42) == "42s");
  CHECK(clock_text(864) == "14m24s");
  CHECK(clock_text(3600) == "1h00m");
  CHECK(clock_text(7500) == "2h05m");
  CHECK(clock_text(2 * 86400 + 3 * 3600) == "2d03h");
}

TEST_CASE("progress line: simulated clock and ETA") {
  // A quarter of a one-hour scenario done in 10 s of wall time: 15 minutes simulated, 30 s left.
  const std::string l = progress_line(0.25, 3600, 10);
  CHECK(l.find(" 25%") != std::string::npos);
  CHECK(l.find("sim 15m00s of 1h00m") != std::string::npos);
  CHECK(l.find("ETA 30s") != std::string::npos);
  CHECK(l.find("[##########                              ]") == 0);
  // No ETA before 1% (a guess from nothing) nor at the end; no clock without a duration.
  CHECK(progress_line(0.005, 3600, 1).find("ETA") == std::string::npos);
  CHECK(progress_line(1.0, 3600, 40).find("ETA") == std::string::npos);
  CHECK(progress_line(0.5, 0, 4).find("sim") == std::string::npos);
  CHECK(progress_line(0.5, 0, 4).find("ETA 4.0s") != std::string::npos);
}
