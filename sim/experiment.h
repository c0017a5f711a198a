// Replications: the same scenario run with seeds seed, seed+1, ..., spread over threads.
// Each replication owns its Simulation (no shared state), and results come back in
// replication order, so the merged figures do not depend on the thread count.
#pragma once
#include <cstdint>
#include <functional>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "sim/build.h"
#include "sim/results.h"

namespace archsim {

// Runs `n` replications of `doc`; replication k uses seed base_seed + k.
// `progress(fraction)` is called from the calling thread only.
std::vector<RunResult> run_replications(const nlohmann::json& doc, const Registry& registry,
                                        std::uint64_t base_seed, int n, int threads,
                                        const std::function<void(double)>& progress = {});

}  // namespace archsim
