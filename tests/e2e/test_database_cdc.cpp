// Change data capture end to end (models/database/cdc.cpp): every committed write becomes
// exactly one event (conservation), the capture delay against the poll interval (commits
// spread evenly wait half an interval on average, never more than one), and each row's
// changes kept in order: once the writes stop and the stream drains, the projection holds
// every row's latest commit (no stale read is left; one row's changes applied out of order
// would leave it older than the database for good).
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "tests/e2e/run_archsim.h"

using archsim::e2e::num;
using archsim::e2e::scratch_dir;
using archsim::e2e::series_rows;
using nlohmann::json;

namespace {

std::string scenario() { return archsim::e2e::source_path("scenarios/databases/cdc-projection.json"); }

json run(const std::string& out, const std::vector<std::string>& sets) {
  std::vector<std::string> args{"run", scenario(), "--json", "--quiet", "--no-report", "--out", out, "--set", "warmup=0s"};
  for (const auto& s : sets) args.insert(args.end(), {"--set", s});
  return archsim::e2e::parse_summary(archsim::e2e::run_archsim(args));
}

}  // namespace

TEST_CASE("cdc: events = committed writes, in order per row, captured within the poll interval") {
  const std::string out = scratch_dir("cdc");
  // Writes at 200/s for 60 s, then none: the stream drains.
  json s = run(out, {"writers.arrivals.rate=[[\"0s\",200],[\"60s\",200],[\"61s\",0],[\"2m\",0]]"});
  const double writes = num(s, "routes.write.requests");
  CHECK(num(s, "routes.write.availability") == 1);
  CHECK(num(s, "components.db.cdc_events") + num(s, "components.db.cdc_pending") == writes);
  CHECK(num(s, "components.db.cdc_pending") == 0);
  CHECK(num(s, "components.changes.produced") == writes);
  CHECK(num(s, "components.changes.consumed") == writes);
  // Poisson commits fall evenly within a poll interval (500 ms): wait 250 ms on average.
  CHECK(num(s, "components.db.cdc_capture_ms.mean") == doctest::Approx(250).epsilon(0.04));
  CHECK(num(s, "components.db.cdc_capture_ms.max") <= 500.0 * 1.01);
  // While writes go on, reads of the view are stale; from 5 s after the last write, none.
  CHECK(num(s, "components.view.stale_reads") > 0);
  int late = 0;
  for (const auto& [t, v] : series_rows(out + "/timeseries.csv", "view", "stale_reads_rps")) {
    if (t < 70) continue;
    ++late;
    CHECK(std::stod(v) == 0);
  }
  CHECK(late > 5);
  // A tenth of the poll interval: a tenth of the capture delay.
  json fast = run(scratch_dir("cdc-fast"), {"db.cdc.poll_interval=50ms"});
  CHECK(num(fast, "components.db.cdc_capture_ms.mean") == doctest::Approx(25).epsilon(0.04));
  CHECK(num(fast, "components.view.stale_reads") < num(s, "components.view.stale_reads"));
}
