#include "sim/figures.h"

#include <cassert>

#include "sim/context.h"
#include "sim/results.h"

namespace archsim {

Metrics& Figures::metrics() const {
  assert(m_ != nullptr && "Figures declared before it was bound to a recorder");
  return *m_;
}

CounterId Figures::count(const std::string& name, const std::string& rate_series, Show show) {
  const CounterId c = metrics().counter(component_, name, rate_series);
  if (show != Show::Never) decls_.push_back(Decl{Kind::Total, show, name, c.i, 0});
  return c;
}

CounterId Figures::per_second(const std::string& figure, const std::string& name, const std::string& rate_series) {
  const CounterId c = metrics().counter(component_, name, rate_series);
  decls_.push_back(Decl{Kind::PerSecond, Show::Always, figure, c.i, 0});
  return c;
}

GaugeId Figures::level(const std::string& name, const std::string& series, Show show) {
  const GaugeId g = metrics().gauge(component_, name, series);
  if (show != Show::Never) decls_.push_back(Decl{Kind::Last, show, name, g.i, 0});
  return g;
}

GaugeId Figures::mean_level(const std::string& figure, const std::string& name, const std::string& series) {
  const GaugeId g = metrics().gauge(component_, name, series);
  mean(figure, g);
  return g;
}

HistogramId Figures::latency(const std::string& figure, const std::string& name, const std::string& series_prefix,
                             Show show) {
  const HistogramId h = metrics().histogram(component_, name, series_prefix);
  if (show != Show::Never) decls_.push_back(Decl{Kind::Latency, show, figure, h.i, 0});
  return h;
}

void Figures::mean(const std::string& figure, GaugeId g) {
  decls_.push_back(Decl{Kind::Mean, Show::Always, figure, g.i, 0});
}

void Figures::ratio(const std::string& figure, const CounterId* num, const CounterId* den) {
  Decl d{Kind::CounterRatio, Show::Always, figure};
  d.num = num;
  d.den = den;
  decls_.push_back(std::move(d));
}

void Figures::ratio(const std::string& figure, GaugeId num, GaugeId den) {
  decls_.push_back(Decl{Kind::GaugeRatio, Show::Always, figure, num.i, den.i});
}

void Figures::value(const std::string& figure, std::function<double()> get, Show show) {
  Decl d{Kind::Value, show, figure};
  d.get = std::move(get);
  decls_.push_back(std::move(d));
}

void Figures::custom(std::function<void(Context&, ComponentReport&)> step) {
  Decl d{Kind::Custom, Show::Always, ""};
  d.step = std::move(step);
  decls_.push_back(std::move(d));
}

void Figures::report(Context& ctx, ComponentReport& r) const {
  const Metrics& m = ctx.metrics();
  const Time end = ctx.end_time();
  const double measured = to_seconds(end - ctx.warmup());
  auto put = [&](const Decl& d, double v, Stitch how = {}) {
    if (d.show == Show::Always || v != 0) r.add(d.figure, v, how);
  };
  for (const Decl& d : decls_) {
    switch (d.kind) {
      case Kind::Total: put(d, static_cast<double>(m.total(CounterId{d.a})), {Stitch::Sum}); break;
      case Kind::PerSecond:
        put(d, measured > 0 ? static_cast<double>(m.total(CounterId{d.a})) / measured : 0.0);
        break;
      case Kind::Last: put(d, m.value(GaugeId{d.a}), {Stitch::Last}); break;
      case Kind::Mean: put(d, m.average(GaugeId{d.a}, end)); break;
      case Kind::Latency: {
        const Histogram& h = m.whole(HistogramId{d.a});
        if (d.show == Show::Always || h.count() > 0) r.add_latency(d.figure, h);
        break;
      }
      case Kind::CounterRatio: {
        const double den = static_cast<double>(m.total(*d.den));
        put(d, den > 0 ? static_cast<double>(m.total(*d.num)) / den : 0.0, {Stitch::Weighted, den});
        break;
      }
      case Kind::GaugeRatio: put(d, m.ratio(GaugeId{d.a}, GaugeId{d.b}, end)); break;
      case Kind::Value: put(d, d.get()); break;
      case Kind::Custom: d.step(ctx, r); break;
    }
  }
}

void Figures::total(const std::string& figure, CounterId c, Show show) {
  if (show != Show::Never) decls_.push_back(Decl{Kind::Total, show, figure, c.i, 0});
}

void Figures::rate(const std::string& figure, CounterId c) {
  custom([figure, c](Context& ctx, ComponentReport& r) {
    r.add(figure, static_cast<double>(ctx.metrics().total(c)) / to_seconds(ctx.end_time() - ctx.warmup()));
  });
}

void Figures::per_second(const std::string& figure, CounterId c) {
  decls_.push_back(Decl{Kind::PerSecond, Show::Always, figure, c.i, 0});
}

void Figures::last(const std::string& figure, GaugeId g, Show show) {
  if (show != Show::Never) decls_.push_back(Decl{Kind::Last, show, figure, g.i, 0});
}

void Figures::summary(const std::string& figure, HistogramId h, Show show) {
  if (show != Show::Never) decls_.push_back(Decl{Kind::Latency, show, figure, h.i, 0});
}

void Figures::derived(const std::string& figure, std::function<double(Context&)> get, Show show) {
  if (show == Show::Never) return;
  custom([figure, get = std::move(get), show](Context& ctx, ComponentReport& r) {
    const double v = get(ctx);
    if (show == Show::Always || v != 0) r.add(figure, v);
  });
}

void Figures::maybe(const std::string& figure, std::function<std::optional<double>(Context&)> get) {
  custom([figure, get = std::move(get)](Context& ctx, ComponentReport& r) {
    if (const std::optional<double> v = get(ctx)) r.add(figure, *v);
  });
}

}  // namespace archsim
