// The cost ledger: dollars for a finished run, from the usage the models handed over
// (sim/results.h Usage) and the prices of the scenario ("cost", and the price_per_hour of
// the "instance_types" catalogue). Over the whole run, warm-up included: the instances ran
// and were paid for.
//
// Instances: each from launch to termination at its type's price per hour, per second, at
// least cost.minimum_billing (EC2's per-second billing has a 60 s minimum); a type with no
// price pays prices_per_hour.default. Requests: per_million_requests for every request
// sent. Egress: per_gb_egress for the egress the models report (clients: response_kb per
// successful reply; a CDN: the bytes it fetched from its origin), per_gb_edge_egress for the
// bytes a CDN's edge delivered (a CDN prices them apart, lower at volume). The edge figures
// appear only when a model reported edge egress or the price is set. Serverless functions
// (models/function): per_million_invocations for each invocation billed (a throttled request
// is not), per_gb_second for the billed GB-seconds, per_gb_second_provisioned for provisioned
// environments kept initialised; shown when a function ran.
#pragma once
#include <map>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "scenario/params.h"
#include "reports/ledgers/ledger_results.h"
#include "sim/results.h"

namespace archsim::ledgers {

struct CostSettings {
  std::map<std::string, double> prices_per_hour;  // instance type -> USD
  double default_price = 0.10, per_million_requests = 0, per_gb_egress = 0, per_gb_edge_egress = 0;
  double per_million_invocations = 0, per_gb_second = 0, per_gb_second_provisioned = 0;
  Time minimum_billing = 0;  // each instance is billed at least this long
  double price_of(const std::string& type) const;
};

// Reads (and checks) the scenario's "cost". Throws ScenarioError.
CostSettings read_cost(Params& top);
// Adds the catalogue's prices (they win over cost.prices_per_hour) from `doc`, a scenario a
// Simulation has validated (models/server/instance_types.h checks them).
void add_catalogue_prices(CostSettings& s, const nlohmann::json& doc);

CostResult cost_ledger(const CostSettings& s, const RunResult& r);

}  // namespace archsim::ledgers
