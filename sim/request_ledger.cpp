#include "sim/request_ledger.h"

#include "sim/errors.h"

namespace archsim {

RequestLedger::RequestLedger(Metrics& metrics, const std::vector<std::string>& cause_names) : metrics_(metrics) {
  ok_c_ = metrics_.counter("all", "ok", "throughput_rps");
  failed_c_ = metrics_.counter("all", "failed", "errors_rps");
  // Failures by cause over time ("errors_timeout_rps", ...); causes that never happen are
  // left out of the results by the ledgers.
  for (std::size_t k = 1; k < cause_names.size(); ++k)
    cause_c_[k] = metrics_.counter("all", "failed", "errors_" + cause_names[k] + "_rps");
  latency_h_ = metrics_.histogram("all", "latency", "latency");
}

std::uint32_t RequestLedger::route_index(const std::string& name) {
  for (std::size_t i = 0; i < names_.size(); ++i)
    if (names_[i] == name) return static_cast<std::uint32_t>(i);
  if (names_.size() >= 65536) throw ScenarioError("", "more than 65,536 distinct route names");
  names_.push_back(name);
  routes_.emplace_back();
  return static_cast<std::uint32_t>(names_.size() - 1);
}

void RequestLedger::end_warmup() {
  for (auto& r : routes_) r = Route{};
  in_flight_at_warmup_ = sent_total_ - ended_total_;
  sent_ = 0;
}

void RequestLedger::fill(RunResult& r) const {
  r.sent = sent_;
  r.in_flight = sent_total_ - ended_total_;
  r.in_flight_at_warmup = in_flight_at_warmup_;
  for (std::size_t i = 0; i < routes_.size(); ++i) {
    RouteResult rr;
    rr.name = names_[i];
    rr.outcomes = routes_[i].outcomes;
    rr.latency = LatencyStats::from(routes_[i].latency);
    for (int k = 0; k < kMaxCauses; ++k) r.outcomes.by_status[k] += rr.outcomes.by_status[k];
    r.routes.push_back(std::move(rr));
  }
  const Histogram& all_latency = metrics_.whole(latency_h_);
  r.latency = LatencyStats::from(all_latency);
  if (all_latency.count() > 0) {
    double total = static_cast<double>(all_latency.count()), cum = 0;
    all_latency.for_each_bucket([&](std::int64_t, std::int64_t hi, std::uint64_t count) {
      cum += static_cast<double>(count);
      r.latency_cdf.emplace_back(static_cast<double>(hi) / 1e6, cum / total);
    });
  }
  r.sent_whole_run = sent_total_;
}

}  // namespace archsim
