// html_sections.h -- the run report's sections about what a failure, resilience, balancing or
// autoscaling run is about, as tables a person reads. Each reads summary.json as written by
// reports/summary.cpp (the availability report) or by the models under "components" (figures
// found by their names: "resilience", "calls", "backends", "scale_events"), and returns an
// empty string when the run recorded nothing for it.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace archsim::reports::sections {

// "340 s", "5.7 min", "2.5 h", "3 days": a time from the start of the run, or a duration,
// in the unit that fits it.
std::string duration_text(double seconds);

// "Availability": of requests and of time (SLO windows), nines, the error budget; per
// component uptime, outages, MTBF and MTTR; each fault's window with its time to detect and
// to recover; alerts fired and resolved. Shown when the run had faults, alerts, outages or an SLO.
std::string availability(const nlohmann::json& summary);

// "Retries and amplification": per client and per protected call, calls, attempts, retries,
// attempts per call, timeouts, breaker and bulkhead refusals.
std::string resilience(const nlohmann::json& summary);

// "Load balancing": per balancer, each backend's weight, share of requests, errors, mean
// requests in flight, ejections and time ejected.
std::string balancing(const nlohmann::json& summary);

// "Autoscaling": per autoscaler, the replicas it asked for and its scale events.
std::string autoscaling(const nlohmann::json& summary);

// "Analysis beside the simulation": per component of analysis.json (what `archsim analyze`
// estimates without simulating, written by `archsim run`), its arrivals, utilization and
// response time next to the simulated ones, with the formula each estimate came from, as
// JMT shows its analytic solution beside its simulation. Empty without an analysis.
std::string analysis(const nlohmann::json& summary, const nlohmann::json& analysis);

}  // namespace archsim::reports::sections
