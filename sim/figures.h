// Figures: a component's end-of-run figures, declared once with the metric handles that
// record them. OMNeT++ declares a statistic beside its signal (@statistic[name](record=...))
// and its result recorders write it at finish(); here a component declares each metric at
// build time through its Figures, saying how the figure reads it (a counter's total, its
// total per measured second, a gauge's last value or time-weighted mean, a ratio of two, a
// latency summary), and finish() calls report(), which writes them all in the order they
// were declared. The handles returned are the recorder's own (CounterId, GaugeId,
// HistogramId): recording costs what it did before, and nothing here runs during the run.
//
// A figure the recorder does not hold (a count kept in a member, a figure of a shared part
// such as a server pool) is declared as a value or a custom step at its place in the order.
// Metrics registered through a Figures get their series in the order declared, as
// Metrics::counter / gauge / histogram give them.
//
// Cost: declaration allocates (build time); report() walks the declarations once.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "sim/metrics.h"

namespace archsim {

class ComponentReport;
class Context;

class Figures {
 public:
  // Whether a figure is written: always, only when it has something to say (a count above
  // zero, a latency with samples), or never (a metric kept for its series alone).
  enum class Show : std::uint8_t { Always, IfAny, Never };

  Figures() = default;
  // Metrics of `component`, registered with `m` as they are declared.
  Figures(Metrics& m, std::string component) : m_(&m), component_(std::move(component)) {}

  // A counter `name`; its figure, also `name`, is its whole-run total.
  CounterId count(const std::string& name, const std::string& rate_series = "", Show show = Show::Always);
  // A counter `name` whose figure `figure` is its total per measured second (0 when nothing
  // was measured), e.g. ("throughput_rps", "completed").
  CounterId per_second(const std::string& figure, const std::string& name, const std::string& rate_series = "");
  // A gauge `name`; its figure, also `name`, is its value at the end.
  GaugeId level(const std::string& name, const std::string& series = "", Show show = Show::Always);
  // A gauge `name` whose figure `figure` is its time-weighted mean since the warm-up.
  GaugeId mean_level(const std::string& figure, const std::string& name, const std::string& series = "");
  // A histogram `name`; its figure `figure` is its latency summary (count, mean, percentiles).
  HistogramId latency(const std::string& figure, const std::string& name, const std::string& series_prefix = "",
                      Show show = Show::Always);

  // Figures of metrics declared before (or registered elsewhere), at this place in the order:
  // a gauge's time-weighted mean since the warm-up,
  void mean(const std::string& figure, GaugeId g);
  // the ratio of two counters' totals (0 when the denominator is 0); the handles are read at
  // report(), so they may be declared after this (a hit ratio ahead of its hits and lookups),
  void ratio(const std::string& figure, const CounterId* num, const CounterId* den);
  // integral(num) / integral(den) since the warm-up (a utilization: busy over capacity),
  void ratio(const std::string& figure, GaugeId num, GaugeId den);
  // a value the component computes at the end,
  void value(const std::string& figure, std::function<double()> get, Show show = Show::Always);
  // or any figures a step writes itself (a shared part's, or a variable number of them).
  void custom(std::function<void(Context&, ComponentReport&)> step);

  // Writes every figure declared, in order.
  void report(Context& ctx, ComponentReport& r) const;

  // Figures of metrics registered with Metrics directly (a component whose series keep the
  // order it registers them in, apart from the order of its figures), at this place in the
  // order: a counter's whole-run total,
  void total(const std::string& figure, CounterId c, Show show = Show::Always);
  // its total over the measured seconds (as the run's own throughput_rps),
  void rate(const std::string& figure, CounterId c);
  // its total per measured second, 0 when nothing was measured (as per_second above),
  void per_second(const std::string& figure, CounterId c);
  // a gauge's value at the end,
  void last(const std::string& figure, GaugeId g, Show show = Show::Always);
  // a histogram's latency summary;
  void summary(const std::string& figure, HistogramId h, Show show = Show::Always);
  // a figure derived at the end from several (a share of a sum, a per-weight spread), read
  // through the run's context,
  void derived(const std::string& figure, std::function<double(Context&)> get, Show show = Show::Always);
  // and a figure written only when the run produced it (a first ejection's time: none, no
  // figure), read through the run's context.
  void maybe(const std::string& figure, std::function<std::optional<double>(Context&)> get);
  // A number the component holds itself (a count it keeps in a member), read at the end;
  // `n` must outlive the report (a member of the component).
  template <class N>
  void held(const std::string& figure, const N& n, Show show = Show::Always) {
    value(figure, [&n] { return static_cast<double>(n); }, show);
  }

 private:
  enum class Kind : std::uint8_t { Total, PerSecond, Last, Mean, Latency, CounterRatio, GaugeRatio, Value, Custom };
  struct Decl {
    Decl(Kind k, Show s, std::string f, std::uint32_t x = 0, std::uint32_t y = 0)
        : kind(k), show(s), figure(std::move(f)), a(x), b(y) {}
    Kind kind;
    Show show = Show::Always;
    std::string figure;
    std::uint32_t a = 0, b = 0;  // the metric's handle index (and the denominator's)
    const CounterId *num = nullptr, *den = nullptr;  // CounterRatio
    std::function<double()> get;
    std::function<void(Context&, ComponentReport&)> step;
  };
  Metrics& metrics() const;

  Metrics* m_ = nullptr;
  std::string component_;
  std::vector<Decl> decls_;
};

}  // namespace archsim
