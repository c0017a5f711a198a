// Figures (sim/figures.h): each declared figure reads its metric as declared, in the order
// declared, and the Show rules hold. Tested with a small component written here, whose
// numbers are known by construction: 10 events at t = 0.1 s, 0.2 s, ... 1.0 s of a 2 s run.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "sim/figures.h"
#include "sim/results.h"
#include "sim/simulation.h"
#include "tests/unit/harness.h"

using namespace archsim;

namespace {

class Recorder : public Component {
 public:
  Recorder(Params&, BuildContext& bc) : f_(bc.metrics(), bc.id()) {
    using Show = Figures::Show;
    f_.per_second("rate", "events");  // declared before the counter it reads
    f_.ratio("half", &halves_, &all_);
    all_ = f_.count("all", "all_rps");
    halves_ = f_.count("halves");
    f_.count("never_shown", "", Show::Never);
    zero_ = f_.count("zero_if_any", "", Show::IfAny);
    level_ = f_.level("level", "level");
    f_.mean("level_mean", level_);
    lat_ = f_.latency("lat_ms", "lat");
    f_.latency("empty_ms", "empty", "", Show::IfAny);
    f_.value("computed", [this] { return 7.0 * seen_; });
    f_.custom([](Context&, ComponentReport& r) { r.add("custom", 3); });
  }
  bool accepts_calls() const override { return false; }
  void start(Context& ctx) override {
    for (int i = 1; i <= 10; ++i) ctx.schedule(i * 100 * kMillisecond, 1, static_cast<std::uint64_t>(i));
  }
  void on_request(Context&, CallId) override {}
  void on_timer(Context& ctx, std::uint16_t, std::uint64_t i) override {
    Metrics& m = ctx.metrics();
    m.add(all_);
    if (i % 2 == 0) m.add(halves_);
    m.set(level_, static_cast<double>(i), ctx.now());  // i from t = i/10 s on
    m.record(lat_, static_cast<Time>(i) * kMillisecond);
    ++seen_;
  }
  void finish(Context& ctx, ComponentReport& r) override { f_.report(ctx, r); }

 private:
  Figures f_;
  CounterId all_, halves_, zero_;
  GaugeId level_;
  HistogramId lat_;
  int seen_ = 0;
};

ComponentReport report_of(const RunResult& r, const std::string& id) {
  for (const ComponentResult& c : r.components)
    if (c.id == id) return c.report;
  FAIL("no component " << id);
  return {};
}

}  // namespace

TEST_CASE("figures: each figure reads its metric as declared, in the order declared") {
  Registry reg;
  reg.add("recorder", [](Params& p, BuildContext& bc) { return std::make_unique<Recorder>(p, bc); });
  Simulation sim(nlohmann::json::parse(R"({"duration": "2s", "components": [{"id": "x", "type": "recorder"}]})"), reg);
  sim.run();
  const ComponentReport rep = report_of(sim.result(), "x");
  std::vector<std::string> names;
  for (const auto& [k, v] : rep.figures()) names.push_back(k);
  // never_shown, a zero IfAny count and an empty IfAny latency are left out.
  CHECK(names == std::vector<std::string>{"rate", "half", "all", "halves", "level", "level_mean", "computed", "custom"});
  const auto value = [&](const std::string& n) {
    for (const auto& [k, v] : rep.figures())
      if (k == n) return v;
    return -1.0;
  };
  CHECK(value("rate") == 0);        // "events" is never added to
  CHECK(value("half") == 0.5);      // 5 halves of 10
  CHECK(value("all") == 10);
  CHECK(value("level") == 10);      // the last value
  // Time-weighted mean over [0, 2 s]: sum over i of i held 0.1 s (i = 1..9), then 10 held 1 s.
  CHECK(value("level_mean") == doctest::Approx((45 * 0.1 + 10 * 1.0) / 2.0));
  CHECK(value("computed") == 70);
  CHECK(value("custom") == 3);
  REQUIRE(rep.latencies().size() == 1);
  CHECK(rep.latencies()[0].first == "lat_ms");
  CHECK(rep.latencies()[0].second.count == 10);
}
