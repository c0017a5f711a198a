// What a component sees of the Simulation while it is built (BuildContext: its parameters'
// references, routes, connection pools, the run's settings) and connected (ConnectContext:
// its targets, routes and links, resolved). The building itself is scenario/simulation_build.cpp.
#include <algorithm>

#include "scenario/build.h"
#include "scenario/errors.h"
#include "sim/simulation.h"

namespace archsim {

// ---------------------------------------------------------------- BuildContext

const std::string& BuildContext::id() const { return sim_.pending_id_; }
std::uint64_t BuildContext::run_seed() const { return sim_.settings_.seed; }
Metrics& BuildContext::metrics() { return *sim_.metrics_; }
Time BuildContext::duration() const { return sim_.settings_.duration; }
Time BuildContext::warmup() const { return sim_.settings_.warmup; }
const std::string& BuildContext::zone() const { return sim_.zones_[index_]; }
void BuildContext::in_process() { sim_.in_process_[index_] = 1; }
void BuildContext::proxies_crossings(Time each) { sim_.proxy_[index_] = each; }
const Distribution& BuildContext::cross_zone_latency() const { return sim_.settings_.cross_zone_latency; }
std::uint32_t BuildContext::component_count() const { return static_cast<std::uint32_t>(sim_.comps_.size()); }
const std::string& BuildContext::component_id(std::uint32_t i) const { return sim_.comps_[i]->id(); }
const std::string& BuildContext::component_type(std::uint32_t i) const { return sim_.comps_[i]->type(); }
const std::string& BuildContext::component_zone(std::uint32_t i) const { return sim_.zones_[i]; }
const std::string& BuildContext::component_region(std::uint32_t i) const { return sim_.regions_[i]; }
const std::vector<std::string>& BuildContext::region_names() const { return sim_.settings_.region_names; }
const std::vector<std::string>& BuildContext::cause_names() const { return sim_.cause_names_; }
const std::any* BuildContext::top_level(std::string_view name) const {
  for (const auto& [k, v] : sim_.build_->top_level)
    if (k == name) return &v;
  return nullptr;
}

RefId BuildContext::reference_to(const std::string& target_id, const std::string& pointer, RefKind kind) {
  sim_.refs_.push_back(Simulation::Reference{index_, target_id, pointer, kind});
  return static_cast<RefId>(sim_.refs_.size() - 1);
}

RefId BuildContext::reference(Params& p, std::string_view key, RefKind kind) {
  std::string target = p.string(key);
  if (target.empty()) p.fail(key, "must name a component");
  return reference_to(target, p.path(key), kind);
}

std::uint32_t BuildContext::route_index(const std::string& name) {
  try {
    return sim_.requests_->route_index(name);
  } catch (const std::length_error& e) {
    throw ScenarioError("", e.what());
  }
}
std::uint32_t BuildContext::key_format_index(const std::string& format) {
  auto& f = sim_.key_formats_;
  const auto it = std::find(f.begin(), f.end(), format);
  if (it != f.end()) return static_cast<std::uint32_t>(it - f.begin());
  f.push_back(format);
  return static_cast<std::uint32_t>(f.size() - 1);
}
void BuildContext::ends_run_when_done() { ++sim_.tests_running_; }
void BuildContext::log_requests(double sample, std::uint64_t max_lines, std::string format) {
  if (!sim_.request_log_) sim_.request_log_ = std::make_unique<RequestLog>(sim_.settings_.seed);
  sim_.request_log_->add_source(index_, id(), sample, max_lines, std::move(format));
}
void BuildContext::end_to_end_latency(HistogramId ok, HistogramId other, Time deadline) {
  sim_.requests_->latency_source(index_, ok, other);
  sim_.requests_->client_deadline(index_, deadline);
  if (sim_.ends_requests_.size() <= index_) sim_.ends_requests_.resize(index_ + 1, 0);
  sim_.ends_requests_[index_] = 1;
}
void BuildContext::sends_route(RefId ref, std::uint32_t route, std::string pointer) {
  sim_.build_->route_flow.source(index_, ref, route, std::move(pointer));
}
void BuildContext::forwards_routes(RouteFlow::Rule rule) {
  rule.from = index_;
  if (rule.pointer.empty()) rule.pointer = sim_.refs_[rule.ref].pointer;
  sim_.build_->route_flow.rule(std::move(rule));
}
void BuildContext::serves_only(std::vector<std::uint32_t> routes) {
  sim_.build_->route_flow.serves(index_, std::move(routes));
}
void BuildContext::expects_route(std::uint32_t route, std::string pointer, std::string setting) {
  sim_.build_->route_flow.expects(index_, route, std::move(pointer), std::move(setting));
}
void BuildContext::holds_connections(RefId ref, std::uint64_t size, std::string pointer) {
  sim_.build_->connection_budget.pool(index_, ref, size, std::move(pointer));
}
void BuildContext::runs_instances(std::uint64_t count, std::string pointer) {
  sim_.build_->connection_budget.instances(index_, count, std::move(pointer));
}
void BuildContext::scales_up_to(RefId ref, std::uint64_t max, std::string pointer) {
  sim_.build_->connection_budget.scaler(ref, max, std::move(pointer));
}
void BuildContext::limits_connections(std::uint64_t max, std::string pointer, std::string what) {
  sim_.build_->connection_budget.limit(index_, max, std::move(pointer), std::move(what));
}

Component& ConnectContext::target(RefId ref) const { return *sim_.comps_[sim_.refs_[ref].to]; }
const Metrics& ConnectContext::metrics() const { return *sim_.metrics_; }
const std::string& ConnectContext::pointer(RefId ref) const { return sim_.refs_[ref].pointer; }
void ConnectContext::fail(RefId ref, const std::string& message) const {
  throw ScenarioError(sim_.refs_[ref].pointer, message);
}
std::uint32_t ConnectContext::route_count() const { return sim_.requests_->route_count(); }
const std::string& ConnectContext::route_name(std::uint32_t i) const { return sim_.requests_->route_name(i); }
std::uint32_t ConnectContext::target_index(RefId ref) const { return sim_.refs_[ref].to; }
Component& ConnectContext::component(std::uint32_t index) const { return *sim_.comps_[index]; }
std::uint32_t ConnectContext::component_count() const { return static_cast<std::uint32_t>(sim_.comps_.size()); }
const std::string& ConnectContext::region(std::uint32_t index) const { return sim_.regions_[index]; }
double ConnectContext::region_latency_s(const std::string& a, const std::string& b) const {
  return sim_.region_latency(a, b).mean() / 1e9;
}
const std::vector<std::uint32_t>& ConnectContext::callers(std::uint32_t index) const {
  auto& by_callee = sim_.callers_;
  if (by_callee.empty()) {
    by_callee.resize(sim_.comps_.size());
    for (const auto& l : sim_.links_) by_callee[l.to].push_back(l.from);  // one link per (caller, callee)
  }
  return by_callee[index];
}

std::vector<std::pair<std::uint32_t, std::uint32_t>> ConnectContext::links() const {
  std::vector<std::pair<std::uint32_t, std::uint32_t>> out;
  for (const auto& l : sim_.links_) out.emplace_back(l.from, l.to);
  return out;
}

}  // namespace archsim
