// Figures (sim/figures.h) of metrics registered with Metrics directly: the series keep the
// order of registration while the figures come in the order declared, each read as said
// (total, rate over the measured seconds, last value, latency summary, a figure derived at
// the end, one written only when present). A small component written here records 10 events
// at t = 0.1 s, 0.2 s, ... 1.0 s of a 2 s run, so every number is known by construction.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "sim/figures.h"
#include "sim/results.h"
#include "sim/simulation.h"
#include "tests/unit/harness.h"

using namespace archsim;

namespace {

class Registered : public Component {
 public:
  Registered(Params&, BuildContext& bc) {
    Metrics& m = bc.metrics();
    // Registered in one order (the series'),
    lat_ = m.histogram(bc.id(), "lat", "lat");
    level_ = m.gauge(bc.id(), "level", "level");
    all_ = m.counter(bc.id(), "all", "all_rps");
    zero_ = m.counter(bc.id(), "zero");
    // reported in another.
    f_ = Figures(m, bc.id());
    using Show = Figures::Show;
    f_.rate("all_per_s", all_);
    f_.per_second("all_per_s_or_0", all_);
    f_.total("all", all_);
    f_.total("zero_if_any", zero_, Show::IfAny);
    f_.total("zero", zero_);
    f_.last("level", level_);
    f_.summary("lat_ms", lat_);
    f_.summary("lat_never_ms", lat_, Show::Never);
    f_.derived("all_per_level", [this](Context& ctx) { return ctx.metrics().total(all_) / ctx.metrics().value(level_); });
    f_.derived("zero_derived", [](Context&) { return 0.0; }, Show::IfAny);
    f_.maybe("seen_five", [this](Context&) -> std::optional<double> { return seen_ >= 5 ? std::optional<double>(5) : std::nullopt; });
    f_.maybe("seen_eleven", [this](Context&) -> std::optional<double> { return seen_ >= 11 ? std::optional<double>(11) : std::nullopt; });
  }
  bool accepts_calls() const override { return false; }
  void start(Context& ctx) override {
    for (int i = 1; i <= 10; ++i) ctx.schedule(i * 100 * kMillisecond, 1, static_cast<std::uint64_t>(i));
  }
  void on_request(Context&, CallId) override {}
  void on_timer(Context& ctx, std::uint16_t, std::uint64_t i) override {
    Metrics& m = ctx.metrics();
    m.add(all_);
    m.set(level_, static_cast<double>(i), ctx.now());
    m.record(lat_, static_cast<Time>(i) * kMillisecond);
    ++seen_;
  }
  void finish(Context& ctx, ComponentReport& r) override { f_.report(ctx, r); }

 private:
  Figures f_;
  CounterId all_, zero_;
  GaugeId level_;
  HistogramId lat_;
  int seen_ = 0;
};

}  // namespace

TEST_CASE("figures of registered metrics: series in the order registered, figures in the order declared") {
  Registry reg;
  reg.add("registered", [](Params& p, BuildContext& bc) { return std::make_unique<Registered>(p, bc); });
  Simulation sim(nlohmann::json::parse(R"({"duration": "2s", "components": [{"id": "x", "type": "registered"}]})"), reg);
  sim.run();
  const RunResult& run = sim.result();
  ComponentReport rep;
  for (const ComponentResult& c : run.components)
    if (c.id == "x") rep = c.report;
  std::vector<std::string> names;
  std::vector<double> values;
  for (const auto& [k, v] : rep.figures()) {
    names.push_back(k);
    values.push_back(v);
  }
  // A zero IfAny total, a zero IfAny derived figure and a figure the run never produced are left out.
  CHECK(names == std::vector<std::string>{"all_per_s", "all_per_s_or_0", "all", "zero", "level", "all_per_level", "seen_five"});
  CHECK(values == std::vector<double>{5, 5, 10, 0, 10, 1, 5});  // 10 events over 2 measured seconds
  REQUIRE(rep.latencies().size() == 1);
  CHECK(rep.latencies()[0].first == "lat_ms");
  CHECK(rep.latencies()[0].second.count == 10);
  std::vector<std::string> series;
  for (const Series& s : run.series)
    if (s.component == "x") series.push_back(s.metric);
  // The histogram's series first, then the gauge's, then the counter's, as registered.
  CHECK(series == std::vector<std::string>{"lat_p50_ms", "lat_p95_ms", "lat_p99_ms", "level", "all_rps"});
}
