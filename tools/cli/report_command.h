// The report, graph and analyze subcommands and the report step that run
// and compare end with. Each command returns the process exit code: 0 success, 1 a run
// or a drawing that failed, 2 bad input.
#pragma once
#include <filesystem>
#include <string>
#include <vector>

#include "sim/build.h"

namespace archsim::cli {

// Writes DIR/report.html (+ DIR/charts/) from the data files in DIR: the plan report when
// DIR/plan.json exists, the compare report when DIR/compare.json does, else the run report. Prints where the page is (to stderr
// when `to_stderr`, so that --json keeps stdout clean). A report that cannot be written is
// a warning, never a failed run: returns false and says why. `shown` is the folder named in
// what is printed when it differs from `dir` (run and compare write into a staging folder).
bool write_report(const std::filesystem::path& dir, bool to_stderr, const std::filesystem::path& shown = {});

// archsim report DIR
int report_command(const std::string& dir);

// archsim graph SCENARIO [-o FILE.svg|FILE.png|FILE.dot]
struct GraphOptions {
  std::string scenario;
  std::vector<std::string> sets;
  std::string output;  // empty: DOT to stdout
};
int graph_command(const GraphOptions& o, const Registry& registry);

// archsim analyze SCENARIO [--json]
struct AnalyzeOptions {
  std::string scenario;
  std::vector<std::string> sets;
  bool json = false;
};
int analyze_command(const AnalyzeOptions& o, const Registry& registry);

}  // namespace archsim::cli
