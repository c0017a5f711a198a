// The cells of archsim metastability gathered into maps: metastability.json (its layout is
// documented in docs/learn/metastability.md) and the maps as text on the terminal.
//
// A map is load against trigger size: its y axis is the first --vary that is not the
// trigger's duration, its x axis the second (a one-row map when there is only one), and
// there is one map per value of every other --vary (the trigger's duration first among
// them) and per mitigation ("none", then each --mitigation, so that the page can set them
// side by side).
#pragma once
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tools/cli/metastability_verdict.h"
#include "tools/cli/sweep.h"

namespace archsim::cli::metastability {

struct Mitigation {
  std::string name;               // "none" for the scenario as it is
  std::vector<std::string> sets;  // its --set overrides
};

// One cell: a mitigation and one configuration of the grid, with the times its verdict reads.
struct CellPlan {
  std::size_t mitigation = 0;
  std::vector<std::string> sets;       // the mitigation's, then the grid's
  std::vector<std::string> vary_sets;  // the grid's alone, in --vary order
  std::string label;
  double warmup_s = 0, run_end_s = 0, window_len_s = 0;
  double start_s = 0, end_s = 0;  // the trigger
  double verdict_s = 0;           // the verdict window's length, from end_s
};

struct Layout {
  int x = -1, y = -1;         // indexes into the --vary list (-1: none)
  std::vector<int> map_keys;  // the others: one map per combination of their values
  std::vector<std::string> paths;
  std::vector<std::vector<std::string>> values;  // per --vary, as written
};
Layout layout_of(const std::vector<std::string>& varies, const std::string& trigger);

// metastability.json without its "scenario", "seed", "overrides" and "run": the verdict
// rule, the axes, the mitigations, every cell (its verdict with the share of replications
// per verdict, recovery times, the sustaining effect, each replication's figures and the
// conservation counts of its requests and attempts) and the maps, each with the cells of
// its grid and, for the cells chosen at its boundary, goodput and offered work over time
// (and the sustaining effect's series where the cell stays failed).
// `outputs`: the jobs in cell order, `reps` per cell.
nlohmann::ordered_json map_json(const Layout& layout, const std::vector<Mitigation>& mitigations,
                                const std::vector<CellPlan>& cells, const std::vector<JobOutput>& outputs, int reps,
                                const Rule& rule);

// The maps as text: a grid per map, each cell "ok 2s" (recovers in 2 s), "slow ~300s"
// (recovers slowly, projected), "FAILED" or "over" (failed before the trigger), with the share
// of replications when they disagree.
void print_maps(const nlohmann::ordered_json& result, std::ostream& os);

}  // namespace archsim::cli::metastability
