// Fault injection: the scenario's top-level "faults" (scheduled) and every component's
// "failures" (random, from MTBF/MTTR distributions), played by one hidden component the
// engine builds from the "faults" section (sim/build.h Registry::add_section).
#pragma once
#include <memory>
#include <vector>

#include "sim/build.h"

namespace archsim {

std::unique_ptr<Component> make_fault_injector(Params& top, std::vector<ComponentKey>& failures, BuildContext& bc);

}  // namespace archsim
