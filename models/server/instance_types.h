// The scenario's top-level "instance_types": the catalogue of machine sizes (EC2-style) by
// name. A service naming a type takes its speed (work time divides by it) and its memory
// limit from here at build time; a vertical autoscaler checks its sizes against it. The
// catalogue's prices are the cost ledger's (reports/ledgers/cost.h): validated here, kept
// there, so no model holds a price.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "scenario/build.h"

namespace archsim {

// One entry of the catalogue.
struct InstanceTypeSpec {
  double speed = 1;      // relative to a speed-1 machine
  double memory_mb = 0;  // 0 = not given
};
using InstanceCatalogue = std::map<std::string, InstanceTypeSpec>;

// Registers the reader of "instance_types" (Registry::add_top_level, before any component).
void register_instance_types(Registry& r);

// The entry `name` of the scenario's catalogue; nullptr when it is not in it (or there is no
// catalogue). A model naming a type checks it with instance_type_names() (empty: no catalogue).
const InstanceTypeSpec* instance_type(const BuildContext& bc, const std::string& name);
std::vector<std::string> instance_type_names(const BuildContext& bc);

}  // namespace archsim
