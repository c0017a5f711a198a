#include "reports/ledgers/slo.h"

#include <algorithm>

#include "sim/errors.h"

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

}  // namespace

SloSettings read_slo(Params& top, const std::vector<std::string>* routes) {
  SloSettings s;
  if (auto slo = top.object_opt("slo")) {
    s.latency_p99 = slo->duration_opt("latency_p99");
    if (slo->has("availability")) s.availability = slo->number("availability", 0.0, 0.0, 1.0);
    read_objectives(*slo, "", s.objectives);
    if (auto per_route = slo->object_opt("routes")) {
      for (const std::string& name : per_route->keys()) {
        if (routes && std::find(routes->begin(), routes->end(), name) == routes->end()) {
          std::string known;
          for (const std::string& r : *routes) known += (known.empty() ? "" : ", ") + r;
          per_route->fail(name, "no route is named \"" + name + "\"" + did_you_mean(name, *routes) +
                                    (known.empty() ? " (the scenario names no route)" : " (routes: " + known + ")"));
        }
        Params one = per_route->object(name);
        read_objectives(one, name, s.objectives);
      }
    }
  }
  return s;
}

SloResult slo_ledger(const SloSettings& s, const RunResult& r) {
  SloResult out;
  for (const SloObjective& o : s.objectives) {
    SloObjectiveResult x;
    x.kind = o.kind;
    x.key = key_of(o);
    x.route = o.route;
    x.target = o.target;
    const OutcomeCounts* outcomes = &r.outcomes;
    const LatencyStats* latency = &r.latency;
    if (!o.route.empty()) {
      auto it = std::find_if(r.routes.begin(), r.routes.end(), [&](const RouteResult& rr) { return rr.name == o.route; });
      static const RouteResult kNone;  // a route no request took: no data, the objective is missed
      const RouteResult& rr = it == r.routes.end() ? kNone : *it;
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
    out.latency_met = r.latency.count > 0 && r.latency.p99 <= out.latency_p99_ms;
  }
  if (s.availability) {
    out.has_availability = true;
    out.availability = *s.availability;
    std::uint64_t total = r.outcomes.total();
    // As the latency objective: a run with no request does not meet it (nothing was served).
    out.availability_met = total > 0 && static_cast<double>(r.outcomes.ok()) / static_cast<double>(total) >= out.availability;
  }
  return out;
}

}  // namespace archsim::ledgers
