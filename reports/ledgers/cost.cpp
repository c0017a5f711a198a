#include "reports/ledgers/cost.h"

#include <algorithm>

#include <nlohmann/json.hpp>

namespace archsim::ledgers {

double CostSettings::price_of(const std::string& type) const {
  auto it = prices_per_hour.find(type);
  return it != prices_per_hour.end() ? it->second : default_price;
}

CostSettings read_cost(Params& top) {
  CostSettings s;
  if (auto cost = top.object_opt("cost")) {
    if (auto prices = cost->object_opt("prices_per_hour")) {
      for (const auto& k : prices->keys()) {
        double v = prices->number(k, 0.0, 0.0, 1e6);
        if (k == "default") s.default_price = v;
        else s.prices_per_hour[k] = v;
      }
    }
    s.per_million_requests = cost->number("per_million_requests", 0.0, 0.0, 1e9);
    s.per_gb_egress = cost->number("per_gb_egress", 0.0, 0.0, 1e9);
    s.per_gb_edge_egress = cost->number("per_gb_edge_egress", 0.0, 0.0, 1e9);
    s.per_million_invocations = cost->number("per_million_invocations", 0.0, 0.0, 1e9);
    s.per_gb_second = cost->number("per_gb_second", 0.0, 0.0, 1e9);
    s.per_gb_second_provisioned = cost->number("per_gb_second_provisioned", 0.0, 0.0, 1e9);
    s.minimum_billing = cost->duration("minimum_billing", 0, 0, kDay);
  }
  return s;
}

void add_catalogue_prices(CostSettings& s, const nlohmann::json& doc) {
  auto types = doc.find("instance_types");
  if (types == doc.end() || !types->is_object()) return;
  for (const auto& [name, spec] : types->items()) {
    auto price = spec.find("price_per_hour");
    if (price != spec.end() && !price->is_null()) s.prices_per_hour[name] = price->get<double>();
  }
}

CostResult cost_ledger(const CostSettings& s, const RunResult& r) {
  CostResult out;
  const double min_bill_s = to_seconds(s.minimum_billing);
  double fn_invocations = 0, fn_gb_s = 0, fn_provisioned_gb_s = 0;
  bool has_function = false;
  double instance_usd = 0, instance_hours = 0, egress_gb = 0, edge_egress_gb = 0, peak_replicas = 0, mean_replicas = 0;
  std::size_t instances = 0;
  bool has_replicas = false;
  for (const ComponentResult& c : r.components) {
    const Usage& u = c.report.usage();
    double usd = 0;
    for (const Usage::Instance& in : u.instances) {
      double billed = std::max(in.seconds, min_bill_s);
      usd += billed / 3600.0 * s.price_of(in.type);
      instance_hours += billed / 3600.0;
      ++instances;
    }
    if (u.egress_gb > 0) egress_gb += u.egress_gb;
    if (u.edge_egress_gb > 0) edge_egress_gb += u.edge_egress_gb;
    if (u.function_invocations > 0 || u.function_provisioned_gb_seconds > 0) {
      fn_invocations += u.function_invocations;
      fn_gb_s += u.function_gb_seconds;
      fn_provisioned_gb_s += u.function_provisioned_gb_seconds;
      has_function = true;
    }
    if (u.has_replicas) {
      peak_replicas += u.peak_replicas;
      mean_replicas += u.mean_replicas;
      has_replicas = true;
    }
    if (usd > 0) out.by_component.emplace_back(c.id, usd);
    instance_usd += usd;
  }
  std::uint64_t total_requests = r.outcomes.total();
  const double requests_usd = s.per_million_requests * static_cast<double>(r.sent_whole_run) / 1e6;
  const double egress_usd = s.per_gb_egress * egress_gb;
  const double edge_egress_usd = s.per_gb_edge_egress * edge_egress_gb;
  const double function_usd = s.per_million_invocations * fn_invocations / 1e6 + s.per_gb_second * fn_gb_s +
                              s.per_gb_second_provisioned * fn_provisioned_gb_s;
  out.total_usd = instance_usd + requests_usd + egress_usd + edge_egress_usd + function_usd;
  out.per_million_requests_usd = total_requests ? out.total_usd / static_cast<double>(total_requests) * 1e6 : 0;
  out.figures = {{"instances_usd", instance_usd}, {"requests_usd", requests_usd}, {"egress_usd", egress_usd},
                 {"instance_hours", instance_hours}, {"egress_gb", egress_gb}};
  if (edge_egress_gb > 0 || s.per_gb_edge_egress > 0) {
    out.figures.emplace_back("edge_egress_usd", edge_egress_usd);
    out.figures.emplace_back("edge_egress_gb", edge_egress_gb);
  }
  if (has_function) {
    out.figures.emplace_back("function_usd", function_usd);
    out.figures.emplace_back("function_invocations", fn_invocations);
    out.figures.emplace_back("function_gb_seconds", fn_gb_s);
    out.figures.emplace_back("function_provisioned_gb_seconds", fn_provisioned_gb_s);
  }
  if (instances > 0) out.figures.emplace_back("instances_launched", static_cast<double>(instances));
  if (has_replicas) {
    // Sums over the services: the mean of a sum is the sum of the means; the peak is an
    // upper bound when several services peak at different times.
    out.figures.emplace_back("peak_replicas", peak_replicas);
    out.figures.emplace_back("mean_replicas", mean_replicas);
  }
  return out;
}

}  // namespace archsim::ledgers
