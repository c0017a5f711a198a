#include "reports/ledgers/slo.h"

#include <algorithm>
#include <cmath>

#include "scenario/errors.h"
#include "sim/text_list.h"

namespace archsim::ledgers {

namespace {

// The objectives of one "slo" object (the top one or a route's), in a fixed order.
void read_objectives(Params& p, const std::string& route, std::vector<SloObjective>& out) {
  int i = 0;
  for (const auto& [suffix, q] : kSloPercentiles) {
    const std::string key = std::string("latency_") + suffix;
    if (auto t = p.duration_opt(key)) out.push_back(SloObjective{SloObjectiveKind::Latency, i, to_millis(*t), route});
    ++i;
  }
  if (p.has("error_rate")) out.push_back(SloObjective{SloObjectiveKind::ErrorRate, 0, p.number("error_rate", 0, 0, 1), route});
  else p.known("error_rate");
  if (p.has("availability"))
    out.push_back(SloObjective{SloObjectiveKind::Availability, 0, p.number("availability", 0, 0, 1), route});
  else p.known("availability");
}

std::string key_of(const SloObjective& o) {
  switch (o.kind) {
    case SloObjectiveKind::Latency: return std::string("latency_") + kSloPercentiles[o.percentile].first;
    case SloObjectiveKind::ErrorRate: return "error_rate";
    case SloObjectiveKind::Availability: return "availability";
    case SloObjectiveKind::AvailabilityWindow: return "availability_window";
  }
  return "";
}

double percentile_of(const LatencyStats& l, int i, LatencyStats::Bounds& b) {
  switch (i) {
    case 0: b = l.p50_bounds; return l.p50;
    case 1: b = l.p90_bounds; return l.p90;
    case 2: b = l.p95_bounds; return l.p95;
    case 3: b = l.p99_bounds; return l.p99;
    default: b = l.p999_bounds; return l.p999;
  }
}

// "availability_window": {"window", "target", "fraction_met"}; see slo.h.
SloObjective read_window_objective(Params& w, const Metrics* series) {
  SloObjective o;
  o.kind = SloObjectiveKind::AvailabilityWindow;
  if (!w.has("window")) w.fail("window", "give the length of a window, e.g. \"5m\"");
  o.window = w.duration("window", 0, kMillisecond);
  if (!w.has("target")) w.fail("target", "give the availability each window must reach, e.g. 0.999");
  o.target = w.number("target", 0, 0, 1);
  o.required_fraction = w.number("fraction_met", 1, 0, 1);
  if (series) {
    const Time base = series->window();
    if (o.window < base || o.window % base != 0)
      w.fail("window", "must be a whole number of the run's windows (\"window\": " + format_duration(base) +
                           "): its requests are counted from them");
    if (series->warmup() % base != 0)
      w.fail("window", "windows start at the end of warm-up (" + format_duration(series->warmup()) +
                           "), which must be a whole number of the run's windows (" + format_duration(base) + ")");
  }
  return o;
}

// "scope": {"clients": [...], "routes": [...]}: lists of names, not empty when given, each
// name once; routes checked here, clients by the engine (it knows which components end
// requests).
SloScope read_scope(Params& sc, const std::vector<std::string>* routes) {
  SloScope out;
  out.pointer = sc.pointer();
  auto names = [&](const char* key, std::vector<std::pair<std::string, std::string>>& list) {
    const Params::Value v = sc.value(key);
    if (v.shape() == Params::Shape::absent) return;
    const auto items = v.items();
    if (items.empty()) v.fail(std::string("expected a non-empty array of ") + key + " (leave it out for every one)");
    for (const Params::Value& item : items) {
      const std::optional<std::string> name = item.as_string();
      if (!name || name->empty()) item.fail("expected a name");
      for (const auto& [seen, at] : list)
        if (seen == *name) item.fail("\"" + *name + "\" is listed twice");
      list.emplace_back(*name, item.pointer());
    }
  };
  names("clients", out.clients);
  names("routes", out.routes);
  sc.finish();  // a misspelt list is named as such, before "names no population"
  if (out.clients.empty() && out.routes.empty())
    sc.fail_here("names no population: give \"clients\", \"routes\" or both (leave \"scope\" out for every request)");
  if (routes)
    for (const auto& [name, at] : out.routes)
      if (std::find(routes->begin(), routes->end(), name) == routes->end())
        throw ScenarioError(at, "no route is named \"" + name + "\"" + did_you_mean(name, *routes) + " (routes: " +
                                    join_items(*routes, ", ") + ")");
  return out;
}

}  // namespace

RequestPopulation population(const SloScope& scope) {
  return RequestPopulation{kSloSeries, scope.pointer, scope.clients, scope.routes};
}

Time slo_deadline(const SloSettings& s) {
  const SloObjective* best = nullptr;
  for (const SloObjective& o : s.objectives)
    if (o.kind == SloObjectiveKind::Latency && o.route.empty() && (!best || o.percentile > best->percentile)) best = &o;
  return best ? static_cast<Time>(std::llround(best->target * 1e6)) : 0;
}

SloSettings read_slo(Params& top, const std::vector<std::string>* routes, const Metrics* series) {
  SloSettings s;
  if (auto slo = top.object_opt("slo")) {
    s.latency_p99 = slo->duration_opt("latency_p99");
    if (slo->has("availability")) s.availability = slo->number("availability", 0.0, 0.0, 1.0);
    read_objectives(*slo, "", s.objectives);
    if (auto w = slo->object_opt("availability_window")) s.objectives.push_back(read_window_objective(*w, series));
    if (auto sc = slo->object_opt("scope")) s.scope = read_scope(*sc, routes);
    if (auto per_route = slo->object_opt("routes")) {
      for (const std::string& name : per_route->keys()) {
        if (s.scope && !s.scope->routes.empty() &&
            std::none_of(s.scope->routes.begin(), s.scope->routes.end(), [&](const auto& x) { return x.first == name; }))
          per_route->fail(name, "is not a route of the SLO's scope (" + s.scope->routes.front().first +
                                    (s.scope->routes.size() > 1 ? ", ..." : "") + "): its objectives would judge requests the SLO leaves out");
        if (routes && std::find(routes->begin(), routes->end(), name) == routes->end()) {
          const std::string known = join_items(*routes, ", ");
          per_route->fail(name, "no route is named \"" + name + "\"" + did_you_mean(name, *routes) +
                                    (known.empty() ? " (the scenario names no route)" : " (routes: " + known + ")"));
        }
        Params one = per_route->object(name);
        if (one.has("availability_window"))
          one.fail("availability_window", "is judged on all requests only (no series is kept per route): give it at the top of \"slo\"");
        read_objectives(one, name, s.objectives);
      }
    }
  }
  return s;
}

namespace {

const Series* find_series(const RunResult& r, const std::string& component, const char* metric) {
  for (const Series& x : r.series)
    if (x.component == component && x.metric == metric) return &x;
  return nullptr;
}

// Windows of o.window from the warm-up's end, counted from the population's series ("all" or
// the scope's; rates x each window's length give back the whole counts the recorder counted).
void judge_windows(const SloObjective& o, const RunResult& r, const std::string& component, SloObjectiveResult& x) {
  x.window_s = to_seconds(o.window);
  x.required_fraction = o.required_fraction;
  const Series* ok = find_series(r, component, "throughput_rps");
  const Series* failed = find_series(r, component, "errors_rps");
  if (!ok || !failed) return;
  struct Count {
    std::uint64_t ok = 0, failed = 0;
    Time end = 0;
  };
  std::vector<Count> windows;
  Time prev = 0;
  for (std::size_t w = 0; w < r.window_ends.size(); ++w) {
    const Time end = r.window_ends[w];
    const double span = to_seconds(end - prev);
    prev = end;
    if (end <= r.warmup) continue;
    const std::size_t i = static_cast<std::size_t>((end - r.warmup - 1) / o.window);
    if (i >= windows.size()) windows.resize(i + 1);
    windows[i].ok += static_cast<std::uint64_t>(std::llround(ok->values[w] * span));
    windows[i].failed += static_cast<std::uint64_t>(std::llround(failed->values[w] * span));
    windows[i].end = end;
  }
  x.windows = windows.size();
  x.value = 1;
  for (std::size_t i = 0; i < windows.size(); ++i) {
    const Count& c = windows[i];
    const std::uint64_t n = c.ok + c.failed;
    const double a = n ? static_cast<double>(c.ok) / static_cast<double>(n) : 1.0;
    if (n) x.has_data = true;
    if (a >= o.target) ++x.windows_met;
    if (n && a < x.value) {
      x.value = a;
      x.worst_start_s = to_seconds(r.warmup + static_cast<Time>(i) * o.window);
    }
  }
  if (!windows.empty())
    x.last_window_s = to_seconds(windows.back().end - r.warmup - static_cast<Time>(windows.size() - 1) * o.window);
  // At least the required fraction of the windows. As the whole-run objective, a run in which
  // no request finished does not meet it.
  x.met = x.has_data &&
          static_cast<double>(x.windows_met) >= o.required_fraction * static_cast<double>(x.windows);
}

}  // namespace

SloFigures slo_figures(const SloSettings& s, const RunResult& r) {
  if (s.scope && r.population)
    return SloFigures{&r.population->outcomes, &r.population->latency, &r.population->by_route, r.population->series};
  return SloFigures{&r.outcomes, &r.latency, &r.routes, "all"};
}

std::string population_label(const RunResult& r) {
  if (!r.population) return "all requests";
  const PopulationResult& p = *r.population;
  std::string label;
  if (!p.clients.empty()) label = (p.clients.size() > 1 ? "clients " : "client ") + join_items(p.clients, ", ");
  if (!p.routes.empty()) append_item(label, "; ", (p.routes.size() > 1 ? "routes " : "route ") + join_items(p.routes, ", "));
  return label;
}

SloResult slo_ledger(const SloSettings& s, const RunResult& r) {
  SloResult out;
  const SloFigures fig = slo_figures(s, r);
  for (const SloObjective& o : s.objectives) {
    SloObjectiveResult x;
    x.kind = o.kind;
    x.key = key_of(o);
    x.route = o.route;
    x.target = o.target;
    if (o.kind == SloObjectiveKind::AvailabilityWindow) {
      judge_windows(o, r, fig.series, x);
      out.objectives.push_back(x);
      continue;
    }
    const OutcomeCounts* outcomes = fig.outcomes;
    const LatencyStats* latency = fig.latency;
    if (!o.route.empty()) {
      const std::vector<RouteResult>& routes = *fig.routes;
      auto it = std::find_if(routes.begin(), routes.end(), [&](const RouteResult& rr) { return rr.name == o.route; });
      static const RouteResult kNone;  // a route no request took: no data, the objective is missed
      const RouteResult& rr = it == routes.end() ? kNone : *it;
      outcomes = &rr.outcomes;
      latency = &rr.latency;
    }
    const std::uint64_t total = outcomes->total();
    if (o.kind == SloObjectiveKind::Latency) {
      LatencyStats::Bounds b;
      x.value = percentile_of(*latency, o.percentile, b);
      x.bucket_lo = b.lo;
      x.bucket_hi = b.hi;
      x.has_data = latency->count > 0;
      x.met = x.has_data && x.value <= x.target;
      x.certain = !x.has_data || b.hi <= x.target || b.lo > x.target;
    } else {
      x.has_data = total > 0;
      const double n = static_cast<double>(total);
      if (x.has_data)
        x.value = static_cast<double>(o.kind == SloObjectiveKind::ErrorRate ? outcomes->failed() : outcomes->ok()) / n;
      // Counted from whole numbers: exact, except for the rounding of the division.
      x.met = x.has_data && (o.kind == SloObjectiveKind::ErrorRate ? x.value <= x.target : x.value >= x.target);
    }
    out.objectives.push_back(x);
  }
  if (s.latency_p99) {
    out.has_latency = true;
    out.latency_p99_ms = to_millis(*s.latency_p99);
    out.latency_met = fig.latency->count > 0 && fig.latency->p99 <= out.latency_p99_ms;
  }
  if (s.availability) {
    out.has_availability = true;
    out.availability = *s.availability;
    std::uint64_t total = fig.outcomes->total();
    // As the latency objective: a run with no request does not meet it (nothing was served).
    out.availability_met = total > 0 && static_cast<double>(fig.outcomes->ok()) / static_cast<double>(total) >= out.availability;
  }
  return out;
}

}  // namespace archsim::ledgers
