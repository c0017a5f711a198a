// From manifests and traces to a scenario (docs/import.md says what becomes what):
// - each workload is a component of the family its image names (redis, memcached -> cache;
//   postgres, mysql, mariadb, mongo -> database; kafka, redpanda -> queue; nginx, envoy,
//   haproxy, traefik -> balancer; anything else -> service), or of the type the traces say;
// - replicas, CPU (cores; a limit below one core is a speed), memory limit, probes, rolling
//   update, termination grace, PodDisruptionBudget and HPA map to the scenario's fields;
// - what each service does per request comes from the traces (calibrate.h) when they have
//   it, else from depends_on and the names its environment mentions, as marked guesses with
//   placeholder work;
// - the load comes from the traces' roots (route mix, arrival rate), else a placeholder
//   client aimed at the workloads that take outside traffic.
// Every value not read from an input is listed in the Guesses.
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tools/import/calibrate.h"
#include "tools/import/guesses.h"
#include "tools/import/inventory.h"

namespace archsim::import {

struct WriterOptions {
  std::string name;                 // the scenario's name
  std::vector<std::string> inputs;  // the input files, for the description
  std::string guesses_file;         // where the list goes, named in the description
  bool heavy_tails = false;         // --heavy-tails: lognormal and Pareto fits from under 100 samples too
  std::vector<std::string> entries; // --entry: where requests enter, when no trace says
};

nlohmann::ordered_json write_scenario(Inventory& inv, const Calibration& cal, const WriterOptions& opt, Guesses& guesses);

}  // namespace archsim::import
