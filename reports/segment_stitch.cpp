// stitch_segments (reports/segment_result.h): the segments of a time-parallel run as one run.
#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "reports/segment_result.h"
#include "sim/request_ledger.h"

namespace archsim {

namespace {

// The histograms of every part under `name`, merged (empty when no part kept one).
Histogram merged(const std::vector<RunResult>& parts, const std::string& name) {
  Histogram h;
  for (const RunResult& p : parts)
    for (const auto& [n, x] : p.histograms)
      if (n == name) h.merge(x);
  return h;
}

void add_outcomes(OutcomeCounts& to, const OutcomeCounts& from) {
  for (std::size_t k = 0; k < to.by_status.size(); ++k) to.by_status[k] += from.by_status[k];
}

// Routes by name, in the order they first appear; each figure from the merged histograms.
std::vector<RouteResult> stitch_routes(const std::vector<RunResult>& parts, bool population,
                                       std::vector<std::pair<std::string, Histogram>>& kept) {
  std::vector<RouteResult> out;
  for (const RunResult& p : parts) {
    const std::vector<RouteResult>& routes = population ? p.population->by_route : p.routes;
    for (const RouteResult& r : routes) {
      auto at = std::find_if(out.begin(), out.end(), [&](const RouteResult& x) { return x.name == r.name; });
      if (at == out.end()) {
        out.push_back(RouteResult{r.name, {}, {}, {}});
        at = out.end() - 1;
      }
      add_outcomes(at->outcomes, r.outcomes);
    }
  }
  const std::string ok = population ? "population_route:" : "route:", every = population ? "population_route_all:" : "route_all:";
  for (RouteResult& r : out) {
    const Histogram a = merged(parts, ok + r.name), b = merged(parts, every + r.name);
    r.latency = LatencyStats::from(a);
    r.latency_all = LatencyStats::from(b);
    kept.emplace_back(ok + r.name, a);
    kept.emplace_back(every + r.name, b);
  }
  return out;
}

// One component's report from its parts' (each the same component).
// `own[k]`: the share of what part k simulated that is its own (after its cut; 1 for the first).
ComponentReport stitch_report(const std::vector<const ComponentReport*>& parts, const std::vector<double>& measured,
                              const std::vector<double>& own) {
  ComponentReport out;
  out.keep_histograms();
  // Figures by name, in the order they first appear (a figure shown only when above zero may
  // be missing from some parts: a count of 0 there).
  struct Acc {
    std::string name;
    Stitch how;
    double sum = 0, weight = 0, last = 0;
  };
  std::vector<Acc> figs;
  for (std::size_t k = 0; k < parts.size(); ++k) {
    const ComponentReport& r = *parts[k];
    for (std::size_t i = 0; i < r.figures().size(); ++i) {
      const std::string& name = r.figures()[i].first;  // not a structured binding: the lambda takes it
      const double v = r.figures()[i].second;
      const Stitch how = r.stitch()[i];
      auto at = std::find_if(figs.begin(), figs.end(), [&](const Acc& a) { return a.name == name; });
      if (at == figs.end()) {
        figs.push_back(Acc{name, how});
        at = figs.end() - 1;
      }
      const double w = how.weight > 0 ? how.weight : measured[k];
      if (how.kind == Stitch::Sum) at->sum += v;
      else if (how.kind == Stitch::Span) at->sum += v * own[k];
      else if (how.kind == Stitch::Max) at->sum = std::max(at->sum, v);
      else if (how.kind == Stitch::Weighted && w > 0) {
        at->sum += v * w;
        at->weight += w;
      }
      at->last = v;
    }
  }
  for (const Acc& a : figs) {
    const double v = a.how.kind == Stitch::Sum || a.how.kind == Stitch::Span || a.how.kind == Stitch::Max ? a.sum
                     : a.how.kind == Stitch::Last ? a.last
                     : a.weight > 0 ? a.sum / a.weight : a.last;
    out.add(a.name, v, Stitch{a.how.kind, a.how.kind == Stitch::Weighted ? a.weight : 0});
  }
  // Texts: the last part's (a state at the end).
  for (const auto& [name, text] : parts.back()->texts()) out.add_text(name, text);
  // Latencies by name, their histograms merged.
  std::vector<std::pair<std::string, Histogram>> lats;
  for (const ComponentReport* r : parts)
    for (std::size_t i = 0; i < r->latencies().size() && i < r->histograms().size(); ++i) {
      const std::string& name = r->latencies()[i].first;
      auto at = std::find_if(lats.begin(), lats.end(), [&](const auto& l) { return l.first == name; });
      if (at == lats.end()) lats.emplace_back(name, r->histograms()[i]);
      else at->second.merge(r->histograms()[i]);
    }
  for (const auto& [name, h] : lats) out.add_latency(name, h);
  out.page() = parts.front()->page();
  return out;
}

}  // namespace

RunResult stitch_segments(const std::vector<RunResult>& parts) {
  if (parts.empty()) throw std::invalid_argument("no segments to stitch");
  if (parts.size() == 1) return parts.front();
  const RunResult& first = parts.front();
  RunResult r;
  r.scenario = first.scenario;
  r.description = first.description;
  r.seed = first.seed;
  r.cause_names = first.cause_names;
  r.route_names = first.route_names;
  r.window_s = first.window_s;
  r.warmup = first.warmup;
  r.warmup_s = first.warmup_s;
  r.duration_s = r.simulated_s = parts.back().duration_s;
  r.in_flight_at_warmup = first.in_flight_at_warmup;
  r.in_flight = parts.back().in_flight;
  r.sent_whole_run = first.sent_whole_run;
  std::vector<double> measured, own;
  std::uint64_t fp = 0xcbf29ce484222325ULL;
  for (std::size_t k = 0; k < parts.size(); ++k) {
    const RunResult& p = parts[k];
    if (p.series.size() != first.series.size() || p.components.size() != first.components.size() ||
        p.sections.size() != first.sections.size() || p.route_names != first.route_names)
      throw std::invalid_argument("the segments are not of one scenario");
    measured.push_back(p.measured_s);
    // The share of what the part simulated that is its own: its measured part (the first
    // part's warm-up is the run's own).
    const double run_s = p.simulated_s - to_seconds(p.start);
    own.push_back(k == 0 ? 1.0 : run_s > 0 ? p.measured_s / run_s : 0.0);
    r.measured_s += p.measured_s;
    r.sent += p.sent;
    if (k > 0) r.sent_whole_run += p.sent;
    add_outcomes(r.outcomes, p.outcomes);
    r.events += p.events;
    r.wall_time_s += p.wall_time_s;
    fp = (fp ^ p.fingerprint) * 0x100000001b3ULL;
  }
  r.fingerprint = fp;
  // End to end: the merged histograms.
  const Histogram ok = merged(parts, "latency"), every = merged(parts, "latency_all");
  r.latency = LatencyStats::from(ok);
  r.latency_all = LatencyStats::from(every);
  r.latency_cdf = histogram_cdf(ok);
  if (every.count() > ok.count()) r.latency_all_cdf = histogram_cdf(every);
  std::vector<std::pair<std::string, Histogram>> kept{{"latency", ok}, {"latency_all", every}};
  // Each client's CDF, from its merged histogram, in the first segment's order.
  for (const auto& [name, h] : first.histograms)
    if (name.rfind("client:", 0) == 0) {
      const Histogram c = merged(parts, name);
      if (auto points = histogram_cdf(c); !points.empty()) r.client_cdfs.push_back({name.substr(7), std::move(points)});
      kept.emplace_back(name, c);
    }
  r.routes = stitch_routes(parts, false, kept);
  if (first.population) {
    PopulationResult& pop = r.population.emplace();
    pop.series = first.population->series;
    pop.clients = first.population->clients;
    pop.routes = first.population->routes;
    for (const RunResult& p : parts)
      if (p.population) add_outcomes(pop.outcomes, p.population->outcomes);
    const Histogram a = merged(parts, "population"), b = merged(parts, "population_all");
    pop.latency = LatencyStats::from(a);
    pop.latency_all = LatencyStats::from(b);
    pop.latency_cdf = histogram_cdf(a);
    kept.emplace_back("population", a);
    kept.emplace_back("population_all", b);
    pop.by_route = stitch_routes(parts, true, kept);
  }
  r.keep_histograms = true;
  r.histograms = std::move(kept);
  // Components: figures, latencies, episodes after each part's cut, usage for its measured part.
  for (const bool sections : {false, true}) {
    const std::size_t n = (sections ? first.sections : first.components).size();
    for (std::size_t i = 0; i < n; ++i) {
      std::vector<const ComponentReport*> reports;
      for (const RunResult& p : parts) reports.push_back(&(sections ? p.sections : p.components)[i].report);
      const ComponentResult& head = (sections ? first.sections : first.components)[i];
      ComponentResult c{head.id, head.type, stitch_report(reports, measured, own)};
      Usage& u = c.report.usage();
      double replica_seconds = 0;
      for (std::size_t k = 0; k < parts.size(); ++k) {
        const ComponentReport& pr = *reports[k];
        const Time cut = k == 0 ? 0 : parts[k].warmup;
        for (const auto& in : pr.intervals())
          if (in.start >= cut) c.report.add_interval(in.kind, in.label, in.start, in.end);
        const Usage& pu = pr.usage();
        // A later segment's instances are the first's, launched again for its warm-up: their
        // own seconds go to the instance of the same place in the list (approximate: the
        // list is in launch order), any beyond the first's list are new.
        for (std::size_t x = 0; x < pu.instances.size(); ++x) {
          const double seconds = pu.instances[x].seconds * own[k];
          if (k > 0 && x < reports[0]->usage().instances.size()) u.instances[x].seconds += seconds;
          else u.instances.push_back(Usage::Instance{pu.instances[x].type, seconds});
        }
        u.egress_gb += pu.egress_gb * own[k];
        u.edge_egress_gb += pu.edge_egress_gb * own[k];
        u.function_invocations += pu.function_invocations * own[k];
        u.function_gb_seconds += pu.function_gb_seconds * own[k];
        u.function_provisioned_gb_seconds += pu.function_provisioned_gb_seconds * own[k];
        u.has_replicas = u.has_replicas || pu.has_replicas;
        u.peak_replicas = std::max(u.peak_replicas, pu.peak_replicas);
        replica_seconds += pu.mean_replicas * parts[k].measured_s;
      }
      u.mean_replicas = r.measured_s > 0 ? replica_seconds / r.measured_s : 0;
      (sections ? r.sections : r.components).push_back(std::move(c));
    }
  }
  // Series: each part's windows from its cut to its end.
  for (const Series& s : first.series) r.series.push_back(Series{s.component, s.metric, {}});
  for (std::size_t k = 0; k < parts.size(); ++k) {
    const RunResult& p = parts[k];
    const Time cut = k == 0 ? 0 : p.warmup;
    for (std::size_t w = 0; w < p.window_ends.size(); ++w) {
      if (p.window_ends[w] <= cut) continue;
      r.window_ends.push_back(p.window_ends[w]);
      for (std::size_t s = 0; s < p.series.size(); ++s)
        r.series[s].values.push_back(w < p.series[s].values.size() ? p.series[s].values[w] : std::nan(""));
    }
  }
  // States: the first part's start, then each part's transitions from its cut on.
  for (std::size_t s = 0; s < first.states.size(); ++s) {
    StateSeries st{first.states[s].component, first.states[s].metric, first.states[s].initial, {}, 0, 0};
    for (std::size_t k = 0; k < parts.size() && s < parts[k].states.size(); ++k) {
      const Time cut = k == 0 ? 0 : parts[k].warmup;
      for (const auto& t : parts[k].states[s].transitions)
        if (t.at >= cut) st.transitions.push_back(t);
      if (parts[k].states[s].dropped > 0 && st.dropped == 0) st.dropped_from = parts[k].states[s].dropped_from;
      st.dropped += parts[k].states[s].dropped;
    }
    r.states.push_back(std::move(st));
  }
  return r;
}

}  // namespace archsim
