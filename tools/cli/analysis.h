// The analytic side of archsim (single points of failure and queueing estimates, no
// simulation), as `archsim analyze` prints it and `archsim run` writes it beside its
// results (analysis.json) for the report to set against the simulation. See the comment at
// the top of analyze_command.cpp and docs/analyze.md.
#pragma once
#include <string>

#include <nlohmann/json.hpp>

#include "tools/cli/topology.h"

namespace archsim::cli {

struct Analysis {
  nlohmann::ordered_json json;  // what `analyze --json` prints
  std::string text;             // what `analyze` prints
};

Analysis analyze_topology(const Topology& t);

}  // namespace archsim::cli
