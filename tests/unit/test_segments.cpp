// Time-parallel runs (run --segments): where the run is cut (lib/segments/segment_plan.h) and
// how the segments' results are stitched (reports/segment_result.h). The ground truth of the
// stitching is conservation and the single histogram: a merged histogram's percentiles are
// those of one histogram fed every sample, counts add up to what was recorded.
#include <doctest/doctest.h>

#include <cmath>

#include "lib/segments/segment_plan.h"
#include "reports/segment_result.h"
#include "sim/exponential.h"
#include "sim/random.h"

using namespace archsim;

namespace {
// Two busy humps with a night between, the quietest instant at 60 min: 2 h in all.
const std::vector<std::pair<double, double>> kTwoDays = {{0, 20},    {900, 300},  {2700, 300}, {3600, 10},
                                                         {4500, 300}, {6300, 300}, {7200, 20}};
}  // namespace

TEST_CASE("segments: the cut is the quietest instant near the middle of the work") {
  std::string why;
  auto plan = plan_segments(kTwoDays, 2 * kHour, 10 * kSecond, 2, 2 * kMinute, &why);
  REQUIRE(plan);
  CHECK(plan->cuts == std::vector<Time>{0, kHour, 2 * kHour});
  CHECK(plan->start(0) == 0);
  CHECK(plan->start(1) == kHour - 2 * kMinute);
  // Four segments: each cut within 10 % of the whole work of k/4, at the lowest load there.
  plan = plan_segments(kTwoDays, 2 * kHour, 10 * kSecond, 4, 2 * kMinute, &why);
  REQUIRE(plan);
  REQUIRE(plan->cuts.size() == 5);
  CHECK(plan->cuts[2] == kHour);
  for (std::size_t k = 0; k + 1 < plan->cuts.size(); ++k) CHECK(plan->cuts[k + 1] - plan->cuts[k] > 2 * kMinute);
  // The quieter end of the balance band: a ramp's cut falls on its low side.
  const std::vector<std::pair<double, double>> ramp = {{0, 100}, {3600, 200}};
  plan = plan_segments(ramp, kHour, 10 * kSecond, 2, kMinute, &why);
  REQUIRE(plan);
  // Work before t: 100 t + t^2 / 72; half of 540,000 at t = 2,117 s; the band is +-54,000.
  CHECK(to_seconds(plan->cuts[1]) < 2117);
  CHECK(to_seconds(plan->cuts[1]) > 1600);
}

TEST_CASE("segments: a load that never changes has no quiet point; too many segments do not fit") {
  std::string why;
  CHECK_FALSE(plan_segments({{0, 50}}, kHour, 10 * kSecond, 2, kMinute, &why));
  CHECK(why.find("never changes") != std::string::npos);
  CHECK_FALSE(plan_segments({}, kHour, 10 * kSecond, 2, kMinute, &why));
  CHECK(why.find("no component describes") != std::string::npos);
  CHECK_FALSE(plan_segments(kTwoDays, 2 * kHour, 10 * kSecond, 40, 5 * kMinute, &why));
  CHECK(why.find("no room") != std::string::npos);
}

TEST_CASE("segments: a histogram survives its encoding exactly") {
  Histogram h;
  Rng rng(7);
  for (int i = 0; i < 10000; ++i) h.record(static_cast<std::int64_t>(standard_exponential(rng) * 1e7));
  const auto back = Histogram::decode(h.encode());
  REQUIRE(back);
  CHECK(back->count() == h.count());
  CHECK(back->min() == h.min());
  CHECK(back->max() == h.max());
  CHECK(back->mean() == h.mean());
  for (double q : {50.0, 99.0, 99.9}) CHECK(back->percentile(q) == h.percentile(q));
  CHECK_FALSE(Histogram::decode({1, 2, 3}));
  CHECK_FALSE(Histogram::decode({5, 0, 0, 0, 0, 3, 4}));  // counts that do not add up
}

namespace {
// A segment's result: `n` latencies drawn from `rng` (all Ok), one component with a count, a
// utilisation, a level and a latency, measured over `measured_s`.
RunResult segment(Rng& rng, int n, double measured_s, double utilisation, double level, Histogram& all) {
  RunResult r;
  r.keep_histograms = true;
  r.measured_s = measured_s;
  r.sent = static_cast<std::uint64_t>(n);
  r.outcomes.by_status[0] = static_cast<std::uint64_t>(n);
  Histogram h;
  for (int i = 0; i < n; ++i) {
    const auto v = static_cast<std::int64_t>(standard_exponential(rng) * 2e7);
    h.record(v);
    all.record(v);
  }
  r.histograms = {{"latency", h}, {"latency_all", h}};
  ComponentResult c{"web", "service", {}};
  c.report.keep_histograms();
  c.report.add("completed", n, {Stitch::Sum});
  c.report.add("utilization", utilisation);
  c.report.add("replicas", level, {Stitch::Last});
  c.report.add_latency("queue_wait_ms", h);
  r.components.push_back(std::move(c));
  return *decode_segment(encode_segment(r));  // as it comes back from a job
}
}  // namespace

TEST_CASE("segments: stitched percentiles are the single histogram's, counts are conserved") {
  Rng rng(42);
  Histogram all;
  std::vector<RunResult> parts;
  parts.push_back(segment(rng, 30000, 3600, 0.2, 4, all));
  parts.push_back(segment(rng, 90000, 1800, 0.8, 6, all));
  const RunResult r = stitch_segments(parts);
  const LatencyStats single = LatencyStats::from(all);
  CHECK(r.sent == 120000);
  CHECK(r.outcomes.ok() == 120000);
  CHECK(r.latency.count == all.count());
  CHECK(r.latency.p50 == single.p50);
  CHECK(r.latency.p99 == single.p99);
  CHECK(r.latency.p999 == single.p999);
  CHECK(r.latency.max == single.max);
  CHECK(r.latency.mean == doctest::Approx(single.mean).epsilon(1e-12));
  CHECK(r.measured_s == 5400);
  REQUIRE(r.components.size() == 1);
  const ComponentReport& c = r.components[0].report;
  auto figure = [&](const std::string& name) {
    for (const auto& [n, v] : c.figures())
      if (n == name) return v;
    return std::nan("");
  };
  CHECK(figure("completed") == 120000);
  // Time-weighted: (0.2 x 3600 + 0.8 x 1800) / 5400.
  CHECK(figure("utilization") == doctest::Approx(0.4));
  CHECK(figure("replicas") == 6);
  REQUIRE(c.latencies().size() == 1);
  CHECK(c.latencies()[0].second.p99 == single.p99);
  CHECK(c.latencies()[0].second.count == 120000);
}
