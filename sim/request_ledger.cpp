#include "sim/request_ledger.h"

#include <algorithm>
#include <stdexcept>


namespace archsim {

RequestLedger::RequestLedger(Metrics& metrics, const std::vector<std::string>& cause_names) : metrics_(metrics) {
  ok_c_ = metrics_.counter("all", "ok", "throughput_rps");
  failed_c_ = metrics_.counter("all", "failed", "errors_rps");
  // Failures by cause over time ("errors_timeout_rps", ...); causes that never happen are
  // left out of the results by the ledgers.
  for (std::size_t k = 1; k < cause_names.size(); ++k)
    cause_c_[k] = metrics_.counter("all", "failed", "errors_" + cause_names[k] + "_rps");
  latency_h_ = metrics_.histogram("all", "latency", "latency");
  latency_all_h_ = metrics_.histogram("all", "latency_all", "latency_all");
}

RequestLedger::~RequestLedger() = default;

void RequestLedger::latency_source(std::uint32_t client, HistogramId ok, HistogramId other) {
  sources_.emplace_back(client, ok);
  metrics_.sum_into(ok, latency_h_);
  metrics_.sum_into(ok, latency_all_h_);
  metrics_.sum_into(other, latency_all_h_);
}

std::uint32_t RequestLedger::route_index(const std::string& name) {
  for (std::size_t i = 0; i < names_.size(); ++i)
    if (names_[i] == name) return static_cast<std::uint32_t>(i);
  if (names_.size() >= 65536) throw std::length_error("more than 65,536 distinct route names");
  if (population_) throw std::logic_error("RequestLedger: a route interned after the population was set");
  names_.push_back(name);
  routes_.emplace_back();
  return static_cast<std::uint32_t>(names_.size() - 1);
}

void RequestLedger::client_deadline(std::uint32_t client, Time timeout) {
  if (timeout <= 0) return;
  if (deadline_.size() <= client) deadline_.resize(client + 1, kTimeMax);
  deadline_[client] = timeout;
  count_in_time();
}

void RequestLedger::slo_deadline(Time latency) {
  if (latency <= 0) return;
  slo_deadline_ = latency;
  count_in_time();
}

void RequestLedger::count_in_time() {
  if (!in_time_on_) in_time_c_ = metrics_.counter("all", "in_time", "goodput_in_deadline_rps");
  in_time_on_ = true;
}

void RequestLedger::set_population(PopulationMembers members) {
  if (population_) throw std::logic_error("RequestLedger: one population at most");
  if (members.routes.size() != names_.size()) throw std::logic_error("RequestLedger: a population of other routes");
  auto p = std::make_unique<Population>();
  p->series = std::move(members.series);
  p->clients_named = members.clients_named;
  p->routes_named = members.routes_named;
  p->clients = std::move(members.clients);
  p->routes = std::move(members.routes);
  p->by_route.resize(names_.size());
  p->ok_c = metrics_.counter(p->series, "ok", "throughput_rps");
  p->failed_c = metrics_.counter(p->series, "failed", "errors_rps");
  p->latency_h = metrics_.histogram(p->series, "latency", "latency");
  p->other_h = metrics_.windowed_histogram(p->series, "other");
  p->latency_all_h = metrics_.histogram(p->series, "latency_all", "latency_all");
  metrics_.sum_into(p->latency_h, p->latency_all_h);
  metrics_.sum_into(p->other_h, p->latency_all_h);
  population_ = std::move(p);
}

// A member request of the population ended: its counts, its latencies, its route's.
void RequestLedger::Population::ended(Metrics& m, const RequestInfo& req, Status status, Time now) {
  Route& route = by_route[req.route];
  const int k = static_cast<int>(status);
  ++outcomes.by_status[k];
  ++route.outcomes.by_status[k];
  m.add(served(status) ? ok_c : failed_c);
  const Time latency = now - req.start;
  if (status == Status::Ok) {
    m.record(latency_h, latency);
    route.latency.record(latency);
  } else {
    m.record(other_h, latency);
    route.other.record(latency);
  }
}

void RequestLedger::end_warmup() {
  for (auto& r : routes_) r = Route{};
  if (population_) {
    population_->outcomes = OutcomeCounts{};
    for (auto& r : population_->by_route) r = Route{};
  }
  in_flight_at_warmup_ = sent_total_ - ended_total_;
  sent_ = 0;
}

std::vector<std::pair<double, double>> histogram_cdf(const Histogram& h) {
  std::vector<std::pair<double, double>> out;
  if (h.count() == 0) return out;
  const double total = static_cast<double>(h.count());
  double cum = 0;
  h.for_each_bucket([&](std::int64_t, std::int64_t hi, std::uint64_t count) {
    cum += static_cast<double>(count);
    out.emplace_back(static_cast<double>(hi) / 1e6, cum / total);
  });
  return out;
}

namespace {
// Both histograms as one: every request that ended.
Histogram all_of(const Histogram& ok, const Histogram& other) {
  Histogram all;
  all.merge(ok);
  all.merge(other);
  return all;
}
}  // namespace

void RequestLedger::fill(RunResult& r, const std::vector<std::string>& component_ids) const {
  // A segment's result keeps each histogram under the figure's name (RunResult::histograms).
  auto stats = [&r](const std::string& key, const Histogram& h) {
    if (r.keep_histograms) r.histograms.emplace_back(key, h);
    return LatencyStats::from(h);
  };
  r.sent = sent_;
  r.in_flight = sent_total_ - ended_total_;
  r.in_flight_at_warmup = in_flight_at_warmup_;
  for (std::size_t i = 0; i < routes_.size(); ++i) {
    RouteResult rr;
    rr.name = names_[i];
    rr.outcomes = routes_[i].outcomes;
    rr.latency = stats("route:" + rr.name, routes_[i].latency);
    rr.latency_all = stats("route_all:" + rr.name, all_of(routes_[i].latency, routes_[i].other));
    for (int k = 0; k < kMaxCauses; ++k) r.outcomes.by_status[k] += rr.outcomes.by_status[k];
    r.routes.push_back(std::move(rr));
  }
  const Histogram& all_latency = metrics_.whole(latency_h_);
  r.latency = stats("latency", all_latency);
  const Histogram& every = metrics_.whole(latency_all_h_);
  r.latency_all = stats("latency_all", every);
  r.latency_cdf = histogram_cdf(all_latency);
  if (every.count() > all_latency.count()) r.latency_all_cdf = histogram_cdf(every);
  // Each client's own, when the "all" one mixes several (a client that answered nothing has none).
  if (sources_.size() >= 2)
    for (const auto& [client, ok] : sources_)
      if (client < component_ids.size()) {
        if (r.keep_histograms) r.histograms.emplace_back("client:" + component_ids[client], metrics_.whole(ok));
        if (auto points = histogram_cdf(metrics_.whole(ok)); !points.empty())
          r.client_cdfs.push_back({component_ids[client], std::move(points)});
      }
  r.sent_whole_run = sent_total_;
  if (!population_) return;
  const Population& p = *population_;
  PopulationResult& out = r.population.emplace();
  out.series = p.series;
  for (std::size_t c = 0; p.clients_named && c < p.clients.size() && c < component_ids.size(); ++c)
    if (p.clients[c]) out.clients.push_back(component_ids[c]);
  out.outcomes = p.outcomes;
  out.latency = stats("population", metrics_.whole(p.latency_h));
  out.latency_all = stats("population_all", metrics_.whole(p.latency_all_h));
  out.latency_cdf = histogram_cdf(metrics_.whole(p.latency_h));
  for (std::size_t i = 0; i < names_.size(); ++i) {
    if (!p.routes[i]) continue;
    if (p.routes_named) out.routes.push_back(names_[i]);
    const Route& route = p.by_route[i];
    if (route.outcomes.total() == 0) continue;
    RouteResult rr;
    rr.name = names_[i];
    rr.outcomes = route.outcomes;
    rr.latency = stats("population_route:" + rr.name, route.latency);
    rr.latency_all = stats("population_route_all:" + rr.name, all_of(route.latency, route.other));
    out.by_route.push_back(std::move(rr));
  }
}

}  // namespace archsim
