// The report, graph and analyze subcommands and the report step that run
// and compare end with. Each command returns the process exit code: 0 success, 1 a run
// or a drawing that failed, 2 bad input.
#pragma once
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "scenario/build.h"

namespace archsim::cli {

// Writes DIR/report.html (+ DIR/charts/) from the data files in DIR: the plan report when
// DIR/plan.json exists, the metastability page when DIR/metastability.json does, the compare report when DIR/compare.json does, else the run report.
// Returns the lines that say where the page is, for the caller to print once its output is
// in place (`shown` is the folder named in them when it differs from `dir`: run and compare
// write into a staging folder). A report that cannot be written whole (a write that failed:
// reports/write_file.h, or anything else that stopped it) fails the command: prints one line
// saying why and returns nullopt; the caller exits 1 and, for run and compare, keeps the
// previous output folder (its staging folder is dropped). A signal (interrupt.h) stops the
// drawing where it is: what it drew is removed (DIR holds what it held before, the data files),
// `*stopped` is set when given, nothing is printed, and it returns nullopt.
std::optional<std::string> write_report(const std::filesystem::path& dir, const std::filesystem::path& shown = {},
                                        bool* stopped = nullptr);

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
