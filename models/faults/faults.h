// Fault injection: the scenario's top-level "faults" (scheduled) and every component's
// "failures" (random, from MTBF/MTTR distributions), played by one hidden component the
// engine builds from the "faults" section (scenario/build.h Registry::add_section).
// What each kind of scheduled fault does is an entry of a FaultKindRegistry
// (models/contracts/fault_kinds.h); register_fault_kinds() adds the built-in ones.
#pragma once
#include "models/contracts/fault_kinds.h"
#include "scenario/build.h"

namespace archsim {

// The built-in kinds (crash, zone_outage, partition, latency, error_rate, slowdown,
// memory_leak, disk_full, drain, cpu_throttle, load_spike, cache_flush), in that order; models/faults/fault_kinds.cpp says what each follows.
void register_fault_kinds(FaultKindRegistry& kinds);

// The factory of the fault injector playing the kinds in `kinds` (for Registry::add_section).
SectionFactory fault_injector(FaultKindRegistry kinds);

}  // namespace archsim
