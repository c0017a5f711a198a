// The metrics recorder. Models record facts into handles obtained at build time (no string
// lookups mid-run); the recorder keeps whole-run values and per-window series, and applies
// warm-up: everything recorded before `warmup` is left out of whole-run figures (reset at
// warm-up, as OMNeT++'s result recorders do), while the series keep it.
//
// Kinds, as OMNeT++'s @statistic offers them:
//   counter    count of events; its series is a rate per second over each window, or the
//              count itself in each window (Metrics::kCountSeries: rare events, such as OOM
//              kills, that a rate would make read as fractions)
//   gauge      a level held over time (busy workers, queue length); averages are
//              time-weighted: one multiply-add per change
//   ratio      a series of integral(numerator gauge) / integral(denominator gauge) per window
//              (utilization = busy workers / capacity when capacity itself changes)
//   histogram  log-linear latency histogram (sim/histogram.h, <= 1% relative error); its
//              series are the p50 / p95 / p99 in milliseconds of each window. A windowed
//              histogram records into its window as one with series does but writes none: a
//              part of a sum (sum_into) whose own percentiles nobody reads
//   state      a value that changes at discrete moments (a circuit breaker's closed / open /
//              half-open): every transition as (time, value entered), at its exact time, not
//              a per-window mean (a window that saw two states would average them into a
//              value that is no state at all). Kept in a vector reserved at registration
//              (kStateReserve) that grows to at most kStateKept transitions; the rest are
//              counted (StateSeries::dropped, from dropped_from on), never stored. So
//              recording costs one push_back, with no allocation once the vector holds
//              kStateReserve, and at most kStateKept x 16 bytes per state. Transitions are
//              kept from t = 0, warm-up included (as the series are).
// Cost on the hot path: add() two increments; set() one multiply-add; record() one bucket
// increment: a histogram with series records into its window only, and each closed window
// is merged into the whole-run histogram (merging is exact: counts, sum, min and max, so
// the whole run is what recording every value twice gave); record_zero() one increment.
// Memory: one histogram (the whole run) per histogram handle, a second (the window) for one
// that records into windows, a third for one whose window spans the warm-up (it holds the
// window's values from before the warm-up); their buckets are allocated when the run starts.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <utility>
#include <string>
#include <vector>

#include "sim/histogram.h"
#include "sim/time.h"

namespace archsim {

struct CounterId { std::uint32_t i = 0; };
struct GaugeId { std::uint32_t i = 0; };
struct HistogramId { std::uint32_t i = 0; };
struct StateId { std::uint32_t i = 0; };

// One per-window series, in long format: (component, metric) with one value per window
// (NaN where the window had nothing to say, e.g. no latency samples).
struct Series {
  std::string component;
  std::string metric;
  std::vector<double> values;
};

// The transitions of one state (kind "state" above): the value at t = 0, then every change.
struct StateSeries {
  std::string component;
  std::string metric;
  double initial = 0;
  struct Transition {
    Time at;
    double value;  // the value entered at `at`
  };
  std::vector<Transition> transitions;  // the first kStateKept, in time order
  std::uint64_t dropped = 0;            // transitions after those, counted only
  Time dropped_from = 0;                // when the first dropped one happened (dropped > 0)
};

class Metrics {
 public:
  static constexpr std::size_t kStateReserve = 64;
  static constexpr std::size_t kStateKept = 10000;

  Metrics(Time window, Time warmup) : window_(window), warmup_(warmup) {}

  // --- registration (build time) ---
  // How a counter's series reads: events per second over each window, or events in it, or,
  // for a counter of nanoseconds (CPU time spent), the seconds counted in it.
  enum CounterSeries : std::uint8_t { kRateSeries, kCountSeries, kSecondsSeries };
  CounterId counter(const std::string& component, const std::string& name,
                    const std::string& rate_series = "", CounterSeries kind = kRateSeries);
  GaugeId gauge(const std::string& component, const std::string& name,
                const std::string& series = "");
  HistogramId histogram(const std::string& component, const std::string& name,
                        const std::string& series_prefix = "");
  // A histogram that records into a window, as one with series, and writes no series (see
  // the kinds above): a source for sum_into. Its whole run is kept as any histogram's.
  HistogramId windowed_histogram(const std::string& component, const std::string& name);
  void ratio_series(const std::string& component, const std::string& series, GaugeId num, GaugeId den);
  // A state named `name` (its metric in timeseries.csv), at `initial` from t = 0.
  StateId state(const std::string& component, const std::string& name, double initial);
  // Makes `target` the sum of its sources: every value recorded into `source` counts in
  // `target` as if recorded there too, without a second record per value. The source's
  // window is merged into the target's when a window closes and at the warm-up, before
  // either moves on; merging is exact (counts, sum, min and max), so every figure and series
  // of the target is what recording each value twice gave. `source` must have series or be
  // windowed (it records into its window); nothing else may read the target's window
  // mid-run. A target may have several sources; it must not itself be a source (the merges
  // do not chain).
  void sum_into(HistogramId source, HistogramId target);

  // --- hot path ---
  void add(CounterId c, std::uint64_t n = 1) {
    counters_[c.i].window += n;
    counters_[c.i].total += n;
  }
  void set(GaugeId g, double value, Time now) {
    Gauge& s = gauges_[g.i];
    s.area += s.value * static_cast<double>(now - s.last);
    s.last = now;
    s.value = value;
  }
  void add(GaugeId g, double delta, Time now) { set(g, gauges_[g.i].value + delta, now); }
  // Always inline, as Histogram::record is: GCC kept it out of line at -O3 with IPO, a call
  // per fact (three or four a request).
  [[gnu::always_inline]] void record(HistogramId h, Time value) {
    Hist& s = hists_[h.i];
    (s.has_series ? s.window : s.whole).record(value);
  }
  // The state enters `value` at `now` (times never decrease). A transition to the value it
  // holds is recorded too: the owner says what a transition is.
  void enter(StateId s, double value, Time now) {
    StateSeries& st = states_[s.i];
    if (st.transitions.size() < kStateKept) {
      st.transitions.push_back({now, value});
    } else if (st.dropped++ == 0) {
      st.dropped_from = now;
    }
  }
  // record(h, 0), counted: the zeros join the histogram when its window closes (a queue
  // wait is zero for most requests of a service that is not saturated).
  void record_zero(HistogramId h) { ++hists_[h.i].zeros; }

  // --- queries (any time) ---
  double value(GaugeId g) const { return gauges_[g.i].value; }
  // The gauge of `component` registered as `name` or recorded as series `name` (build time
  // only: a linear search). Names are what timeseries.csv shows, e.g. ("worker", "queue_length").
  std::optional<GaugeId> find_gauge(const std::string& component, const std::string& name) const;
  // "component.name" of every gauge, for "did you mean" messages.
  std::vector<std::string> gauge_names() const;
  std::uint64_t total(CounterId c) const { return counters_[c.i].total; }
  // Time-weighted average since warm-up (or since the last window boundary).
  double average(GaugeId g, Time now) const;
  double window_average(GaugeId g, Time now) const;
  // integral(num) / integral(den) since warm-up; 0 when the denominator never rose.
  double ratio(GaugeId num, GaugeId den, Time now) const;
  // The whole run up to the last closed window (the engine closes the last one at the end
  // of the run, before any component reports).
  const Histogram& whole(HistogramId h) const { return hists_[h.i].whole; }
  std::uint64_t window_count(CounterId c) const { return counters_[c.i].window; }

  // --- engine ---
  // The run begins at `t` instead of 0 (Simulation::start_at): the gauges' areas, the first
  // window and the whole run start there, so nothing before `t` dilutes a mean.
  void start_at(Time t);
  void reset_whole_run(Time now);  // at warm-up
  void close_window(Time now);     // at each window boundary, and once at the end
  const std::vector<Series>& series() const { return series_; }
  // What the registered histograms will hold, for the memory budget before the run: each
  // keeps a whole-run and a window histogram, and a third from the warm-up when it has series
  // and the run has a warm-up (Hist::before_warmup). A histogram's chunks are allocated as
  // values fall in them (Histogram), so the estimate charges kEstimatedChunks each: the most a
  // busy histogram of the shipped scenarios holds (docs/development.md, memory); a service's
  // four are about 50 KB.
  static constexpr std::size_t kEstimatedChunks = 12;
  std::uint64_t histogram_bytes() const {
    std::uint64_t n = 0;
    for (const Hist& h : hists_) n += 1 + h.has_series + (h.has_series && warmup_ > 0);
    return n * (sizeof(Histogram) + kEstimatedChunks * Histogram::kChunkBytes);
  }
  // What they held at the last window's close (their chunks as allocated): the run's watcher
  // charges this instead of the estimate.
  std::uint64_t histogram_bytes_held() const { return held_histogram_bytes_; }
  // Room for `windows` values in every series (and their end times), taken when the run
  // starts: grown by doubling instead, the series held up to twice their values, three times
  // while one moved (a long run's series are most of its memory: Simulation::check_memory_budget).
  void reserve_windows(std::size_t windows);
  const std::vector<Time>& window_ends() const { return window_ends_; }
  const std::vector<StateSeries>& states() const { return states_; }
  Time window() const { return window_; }
  Time warmup() const { return warmup_; }

 private:
  struct Counter {
    std::uint64_t total = 0, window = 0;
    int series = -1;
    CounterSeries kind = kRateSeries;
  };
  struct Gauge {
    double value = 0, area = 0;  // area: integral of value over [0, last]
    Time last = 0;
    double area_at_warmup = 0, area_at_window = 0;
    Time warmup_time = 0, window_time = 0;
    int series = -1;
  };
  struct Hist {
    Histogram whole, window;
    std::uint64_t zeros = 0;  // record_zero() calls not yet in the histogram
    bool has_series = false;  // records into its window (with series, or windowed)
    int series = -1;  // first of three: p50, p95, p99; -1 for a windowed histogram
    // The values of the current window recorded before the warm-up: in its percentiles,
    // not in the whole run. Allocated at the warm-up, when a window spans it.
    std::unique_ptr<Histogram> before_warmup;
    Histogram& recorder() { return has_series ? window : whole; }
    void flush_zeros() {
      recorder().record_n(0, zeros);
      zeros = 0;
    }
  };
  struct Ratio { GaugeId num, den; double num_mark = 0, den_mark = 0; int series = -1; };
  static double area_now(const Gauge& g, Time now) {
    return g.area + g.value * static_cast<double>(now - g.last);
  }
  int add_series(const std::string& component, const std::string& metric);
  void merge_sums();  // each sum_into source's window into its target's

  std::vector<std::pair<std::uint32_t, std::uint32_t>> sums_;  // (source, target) of sum_into

  Time window_, warmup_;
  std::uint64_t held_histogram_bytes_ = 0;
  Time last_window_end_ = 0;
  std::vector<Counter> counters_;
  std::vector<Gauge> gauges_;
  std::vector<std::pair<std::string, std::string>> gauge_keys_;  // (component, name), kept apart: gauges_ is hot
  std::vector<Hist> hists_;
  std::vector<Ratio> ratios_;
  std::vector<Series> series_;
  std::vector<StateSeries> states_;
  std::vector<Time> window_ends_;
};

}  // namespace archsim
