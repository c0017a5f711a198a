// archsim metastability --bisect: the boundary searched instead of drawn on a fixed grid.
// For every row of the --vary grid (each load, under each mitigation) the trigger size
// PATH is bisected between LO and HI: both ends run first (either may be the one that stays
// failed: more keys dropped, or less CPU left), then the geometric middle of the bracket
// (the sizes that matter span decades: 316 keys to a million), until the bracket is
// narrower than 5 % (or two whole numbers apart) or the steps run out. A size "tips" when
// most replications of it stay failed (the map's verdict, metastability_verdict.h); a row
// already failed before its trigger at LO is "over" and stops there.
//
// The rounds run one after another, each on the job plan (threads, MPI ranks), every row's
// next size in one round.
#pragma once
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tools/cli/metastability_map.h"

namespace archsim::cli::metastability {

struct BisectSpec {
  std::string path;  // a --set path (the trigger's size: "drop.keys")
  double lo = 0, hi = 0;
  bool whole = false;  // LO and HI are whole numbers: so is every size tried
  int steps = 8;       // rounds after the two ends
};

// "PATH=LO..HI" (0 < LO < HI); prints one line naming the flag and returns nothing when
// malformed.
std::optional<BisectSpec> parse_bisect(const std::string& text, int steps);

// A row's cell at one size: `plan` builds its CellPlan from the row's and the size's --set
// (false: bad input, already said), `run` runs the jobs (reps per cell, in order) and
// returns their outputs (nothing: the sweep failed or was interrupted, already said).
using PlanCell = std::function<bool(const CellPlan& row, const std::string& size_set, CellPlan& out)>;
using RunCells = std::function<std::optional<std::vector<JobOutput>>(const std::vector<CellPlan>& cells)>;

// Bisects every row; nothing when planning or running failed. The result is
// metastability.json's "boundary": {"path", "lo", "hi", "rows": [{"label", "mitigation",
// "set", "recovers_at", "stays_failed_at", "over", "tried": [{"value", "verdict",
// "recovery_s"}]}]}.
std::optional<nlohmann::ordered_json> bisect(const BisectSpec& spec, const std::vector<CellPlan>& rows,
                                             const std::vector<Mitigation>& mitigations, int reps, const Rule& rule,
                                             const PlanCell& plan, const RunCells& run);

// The boundary as text: a line per row.
void print_boundary(const nlohmann::ordered_json& boundary, std::ostream& os);

}  // namespace archsim::cli::metastability
