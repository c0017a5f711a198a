#include "sim/metrics.h"

#include <cmath>
#include <limits>
#include <stdexcept>

namespace archsim {

int Metrics::add_series(const std::string& component, const std::string& metric) {
  series_.push_back(Series{component, metric, {}});
  return static_cast<int>(series_.size()) - 1;
}

CounterId Metrics::counter(const std::string& component, const std::string&, const std::string& rate_series,
                           CounterSeries kind) {
  Counter c;
  if (!rate_series.empty()) c.series = add_series(component, rate_series);
  c.kind = kind;
  counters_.push_back(c);
  return CounterId{static_cast<std::uint32_t>(counters_.size() - 1)};
}

GaugeId Metrics::gauge(const std::string& component, const std::string& name, const std::string& series) {
  Gauge g;
  gauge_keys_.emplace_back(component, name);
  if (!series.empty()) g.series = add_series(component, series);
  gauges_.push_back(g);
  return GaugeId{static_cast<std::uint32_t>(gauges_.size() - 1)};
}

HistogramId Metrics::histogram(const std::string& component, const std::string&, const std::string& prefix) {
  Hist h;
  if (!prefix.empty()) {
    h.has_series = true;
    h.series = add_series(component, prefix + "_p50_ms");
    add_series(component, prefix + "_p95_ms");
    add_series(component, prefix + "_p99_ms");
  }
  hists_.push_back(std::move(h));
  return HistogramId{static_cast<std::uint32_t>(hists_.size() - 1)};
}

HistogramId Metrics::windowed_histogram(const std::string&, const std::string&) {
  Hist h;
  h.has_series = true;  // records into its window; series stays -1: none written
  hists_.push_back(std::move(h));
  return HistogramId{static_cast<std::uint32_t>(hists_.size() - 1)};
}

void Metrics::ratio_series(const std::string& component, const std::string& series, GaugeId num, GaugeId den) {
  ratios_.push_back(Ratio{num, den, 0, 0, add_series(component, series)});
}

StateId Metrics::state(const std::string& component, const std::string& name, double initial) {
  StateSeries st{component, name, initial, {}, 0, 0};
  st.transitions.reserve(kStateReserve);
  states_.push_back(std::move(st));
  return StateId{static_cast<std::uint32_t>(states_.size() - 1)};
}

std::optional<GaugeId> Metrics::find_gauge(const std::string& component, const std::string& name) const {
  for (std::uint32_t i = 0; i < gauges_.size(); ++i) {
    const Gauge& g = gauges_[i];
    if (gauge_keys_[i].first != component) continue;
    if (gauge_keys_[i].second == name || (g.series >= 0 && series_[g.series].metric == name)) return GaugeId{i};
  }
  return std::nullopt;
}

std::vector<std::string> Metrics::gauge_names() const {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < gauges_.size(); ++i) {
    const Gauge& g = gauges_[i];
    out.push_back(gauge_keys_[i].first + "." + (g.series >= 0 ? series_[g.series].metric : gauge_keys_[i].second));
  }
  return out;
}

double Metrics::average(GaugeId id, Time now) const {
  const Gauge& g = gauges_[id.i];
  Time span = now - g.warmup_time;
  if (span <= 0) return g.value;
  return (area_now(g, now) - g.area_at_warmup) / static_cast<double>(span);
}

double Metrics::window_average(GaugeId id, Time now) const {
  const Gauge& g = gauges_[id.i];
  Time span = now - g.window_time;
  if (span <= 0) return g.value;
  return (area_now(g, now) - g.area_at_window) / static_cast<double>(span);
}

double Metrics::ratio(GaugeId num, GaugeId den, Time now) const {
  const Gauge& n = gauges_[num.i];
  const Gauge& d = gauges_[den.i];
  double dn = area_now(d, now) - d.area_at_warmup;
  if (dn <= 0) return 0;
  return (area_now(n, now) - n.area_at_warmup) / dn;
}

void Metrics::sum_into(HistogramId source, HistogramId target) {
  if (!hists_[source.i].has_series || source.i == target.i)
    throw std::logic_error("Metrics::sum_into: the source must be another histogram, with series or windowed");
  for (const auto& [s, t] : sums_)
    if (s == target.i || t == source.i) throw std::logic_error("Metrics::sum_into: sums do not chain");
  sums_.emplace_back(source.i, target.i);
}

void Metrics::merge_sums() {
  for (const auto& [source, target] : sums_) {
    Hist& s = hists_[source];
    s.flush_zeros();
    hists_[target].recorder().merge(s.window);
  }
}

void Metrics::reserve_windows(std::size_t windows) {
  for (Series& s : series_) s.values.reserve(windows);
  window_ends_.reserve(windows);
}

void Metrics::start_at(Time t) {
  for (Gauge& g : gauges_) {
    g.area = g.area_at_warmup = g.area_at_window = 0;
    g.last = g.warmup_time = g.window_time = t;
  }
  last_window_end_ = t;
}

void Metrics::reset_whole_run(Time now) {
  merge_sums();  // the sources' windows before the warm-up belong to the targets' too
  for (Counter& c : counters_) c.total = 0;
  for (Gauge& g : gauges_) {
    g.area_at_warmup = area_now(g, now);
    g.warmup_time = now;
  }
  for (Hist& h : hists_) {
    h.flush_zeros();
    h.whole.clear();
    if (h.has_series && h.series < 0) {
      h.window.clear();  // a windowed part of a sum: its target holds the window's values now
    } else if (h.has_series && h.window.count() > 0) {
      if (!h.before_warmup) h.before_warmup = std::make_unique<Histogram>();
      h.before_warmup->merge(h.window);
      h.window.clear();
    }
  }
}

void Metrics::close_window(Time now) {
  Time span = now - last_window_end_;
  if (span <= 0) return;
  const double seconds = to_seconds(span);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (Counter& c : counters_) {
    if (c.series >= 0) {
      const double n = static_cast<double>(c.window);
      series_[c.series].values.push_back(c.kind == kCountSeries     ? n
                                         : c.kind == kSecondsSeries ? n / static_cast<double>(kSecond)
                                                                    : n / seconds);
    }
    c.window = 0;
  }
  // Ratios read the gauges' window marks, so they go before the gauges move them.
  for (Ratio& r : ratios_) {
    const Gauge& n = gauges_[r.num.i];
    const Gauge& d = gauges_[r.den.i];
    double dn = area_now(d, now) - d.area_at_window;
    series_[r.series].values.push_back(dn > 0 ? (area_now(n, now) - n.area_at_window) / dn : nan);
  }
  for (Gauge& g : gauges_) {
    double a = area_now(g, now);
    if (g.series >= 0) series_[g.series].values.push_back((a - g.area_at_window) / static_cast<double>(span));
    g.area_at_window = a;
    g.window_time = now;
  }
  merge_sums();  // before any histogram closes its window
  for (Hist& h : hists_) {
    h.flush_zeros();
    if (!h.has_series) continue;
    h.whole.merge(h.window);
    if (h.series < 0) {  // windowed: no series of its own
      h.window.clear();
      continue;
    }
    const Histogram* w = &h.window;
    if (h.before_warmup && h.before_warmup->count() > 0) {
      h.before_warmup->merge(h.window);
      w = h.before_warmup.get();
    }
    const bool any = w->count() > 0;
    static constexpr double kQs[] = {50, 95, 99};
    double p[3];
    w->percentiles(kQs, p);
    for (int k = 0; k < 3; ++k) series_[h.series + k].values.push_back(any ? p[k] / 1e6 : nan);
    h.window.clear();
    if (h.before_warmup) h.before_warmup->clear();
  }
  // What they hold once the window is merged into the whole run (its chunks allocated).
  std::uint64_t held = 0;
  for (const Hist& h : hists_) held += h.whole.bytes() + h.window.bytes() + (h.before_warmup ? h.before_warmup->bytes() : 0);
  held_histogram_bytes_ = held;
  window_ends_.push_back(now);
  last_window_end_ = now;
}

}  // namespace archsim
