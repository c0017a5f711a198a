// Merging replications: means and Student-t 95% intervals per figure, and figures that only
// some runs define (an MTTR needs an outage) averaged over those runs, saying how many.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "reports/summary.h"

using namespace archsim;
using nlohmann::ordered_json;

TEST_CASE("merge: mean and t-interval per figure; partial figures say how many runs had them") {
  std::vector<ordered_json> runs;
  const double p99[] = {10, 12, 14};
  for (int i = 0; i < 3; ++i) {
    ordered_json r;
    r["seed"] = i + 1;
    r["latency_ms"]["p99"] = p99[i];
    r["requests"]["total"] = 100;
    if (i != 1) r["components"]["web"]["mttr_s"] = i == 0 ? 60.0 : 120.0;
    r["run"] = ordered_json{{"wall_time_s", 1.0}, {"events", 10}, {"events_per_s", 10.0}};
    runs.push_back(r);
  }
  ordered_json m = merge_replications(runs);
  CHECK(m["latency_ms"]["p99"].get<double>() == doctest::Approx(12));
  // s = 2, t(0.975, 2) = 4.303: half-width 4.303 * 2 / sqrt(3) = 4.969.
  CHECK(m["ci95"]["latency_ms.p99"]["half_width"].get<double>() == doctest::Approx(4.969).epsilon(0.001));
  CHECK(m["requests"]["total"] == 100);
  CHECK(m["components"]["web"]["mttr_s"].get<double>() == doctest::Approx(90));
  CHECK(m["ci95"]["components.web.mttr_s"]["runs"] == 2);
  CHECK(m["replications"] == 3);
  CHECK(m["run"]["events"].get<double>() == 30);
}

TEST_CASE("availability keeps six significant digits of its unavailability: five nines and more survive") {
  // 6 significant digits of the fraction itself would print 0.9999995 as 1, a perfect run.
  CHECK(archsim::round_availability(0.9999995) == 0.9999995);
  CHECK(archsim::round_availability(1.0 - 1.0 / 3e6) == 0.999999666667);
  CHECK(archsim::round_availability(0.999991234) == 0.999991234);
  CHECK(archsim::round_availability(0.123456789) == 0.123457);  // 1 - 0.876543
  // Low: 6 significant digits of a itself (rounding 1 - a kept 6 decimal places: 0.000123).
  CHECK(archsim::round_availability(0.000123456789) == 0.000123457);
  CHECK(archsim::round_availability(0.0123456789) == 0.0123457);
  CHECK(archsim::round_availability(1.0) == 1.0);
  CHECK(archsim::round_availability(0.0) == 0.0);
  CHECK(archsim::round_sig(0.9999995) == 1.0);  // why the availability has its own rounding
}

TEST_CASE("merge: a percentile's interval is never narrower than the histogram's resolution") {
  // Three replications with the same p99 bucket: the t-interval alone would be 0 ("±0.00").
  std::vector<ordered_json> runs;
  for (int i = 0; i < 3; ++i) {
    ordered_json r;
    r["seed"] = i + 1;
    r["latency_ms"]["p99"] = 512.0;
    r["latency_ms"]["mean"] = 100.0;
    r["requests"]["in_flight"] = 4;
    r["run"] = ordered_json{{"wall_time_s", 1.0}, {"events", 10}, {"events_per_s", 10.0}};
    runs.push_back(r);
  }
  ordered_json m = merge_replications(runs);
  CHECK(m["ci95"]["latency_ms.p99"]["half_width"].get<double>() == doctest::Approx(2.0));  // 512 / 256
  CHECK(m["ci95"]["latency_ms.p99"]["lo"].get<double>() == doctest::Approx(510.0));
  // A mean and a count are exact: equal replications give a zero-width interval.
  CHECK(m["ci95"]["latency_ms.mean"]["half_width"].get<double>() == 0);
  CHECK(m["ci95"]["requests.in_flight"]["half_width"].get<double>() == 0);
}

TEST_CASE("merge: alerts are tallied over the replications; the list stays the first replication's") {
  // Three runs: A fires twice in run 1 (at 50 and 10 s: the earliest counts), once in run 3;
  // B only in run 2; run 2 has no A.
  const char* lists[] = {R"([{"alert":"A","fired_s":50},{"alert":"A","fired_s":10}])",
                         R"([{"alert":"B","fired_s":300}])", R"([{"alert":"A","fired_s":40}])"};
  std::vector<ordered_json> runs;
  for (int i = 0; i < 3; ++i) {
    ordered_json r;
    r["seed"] = i + 1;
    r["availability_report"]["requests"] = 0.9;
    r["availability_report"]["alerts"] = ordered_json::parse(lists[i]);
    r["run"] = ordered_json{{"wall_time_s", 1.0}, {"events", 10}, {"events_per_s", 10.0}};
    runs.push_back(r);
  }
  ordered_json m = merge_replications(runs);
  CHECK(m["availability_report"]["alerts"] == runs[0]["availability_report"]["alerts"]);
  const ordered_json& t = m["availability_report"]["alert_replications"];
  REQUIRE(t.size() == 2);
  CHECK(t[0]["alert"] == "A");
  CHECK(t[0]["replications_fired"] == 2);
  CHECK(t[0]["replications"] == 3);
  CHECK(t[0]["firings_per_replication"].get<double>() == doctest::Approx(1.0));
  CHECK(t[0]["first_fired_s"]["mean"].get<double>() == doctest::Approx(25));  // (10 + 40) / 2
  CHECK(t[0]["first_fired_s"]["min"].get<double>() == 10);
  CHECK(t[0]["first_fired_s"]["max"].get<double>() == 40);
  CHECK(t[1]["alert"] == "B");
  CHECK(t[1]["replications_fired"] == 1);
  CHECK(t[1]["first_fired_s"]["mean"].get<double>() == 300);
  // No alert anywhere: an empty tally, the same key in every merged summary.
  for (auto& r : runs) r["availability_report"]["alerts"] = ordered_json::array();
  CHECK(merge_replications(runs)["availability_report"]["alert_replications"].empty());
}
