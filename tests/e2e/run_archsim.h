// Runs the archsim binary as a user would and hands back what it printed. The e2e tests
// use nothing else to reach the engine: they see exit codes, stderr lines and summary.json.
//
// The binary is ARCHSIM_BIN (set by CMake for the e2e_tests target), unless the environment
// variable ARCHSIM_BIN names another one (e.g. a release build, to time the suite).
// Arguments go to posix_spawn as an argv vector, never through a shell.
#pragma once
#include <nlohmann/json.hpp>
#include <sys/types.h>

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace archsim::e2e {

struct RunResult {
  int exit_code = -1;  // the process's exit status, or -1 when it died of a signal
  int signal = 0;      // the signal that ended it (0 if it exited)
  bool timed_out = false;
  std::string out;      // everything written to stdout
  std::string err;      // everything written to stderr
  std::string command;  // the command line, quoted for messages
  double wall_s = 0;
};

// The binary under test.
std::string archsim_bin();
// ARCHSIM_SOURCE_DIR + "/" + rel.
std::string source_path(std::string_view rel);
// source_path("scenarios/basics/" + file).
std::string basic_scenario(std::string_view file);
// A fresh directory for --out, under the system temp dir, removed when the process exits.
std::string scratch_dir(std::string_view name);
// Writes `doc` as <fresh scratch dir>/<name>.json and returns its path (a scenario a test built).
std::string write_scenario(const std::string& name, const nlohmann::json& doc);

// Runs archsim with `args` (argv[1..]), kills it (SIGKILL) after `timeout_s` seconds. A
// nonzero `address_space_bytes` caps the child's virtual memory (RLIMIT_AS), so that an
// allocation too large fails with std::bad_alloc instead of swapping the machine.
RunResult run_archsim(const std::vector<std::string>& args, double timeout_s = 120, std::size_t address_space_bytes = 0);
// The same, run from the folder `cwd` (for what archsim writes relative to where it runs).
RunResult run_archsim_in(const std::string& cwd, const std::vector<std::string>& args, double timeout_s = 120);

// The same with every file archsim and its children (gnuplot, dot) write capped at
// `file_size_bytes` (RLIMIT_FSIZE, with SIGXFSZ ignored): a write past it fails with EFBIG as
// one on a full disk fails with ENOSPC, without a mount or root.
RunResult run_archsim_file_limit(const std::vector<std::string>& args, std::size_t file_size_bytes, double timeout_s = 120);

// The same, calling `watch(pid)` about every 20 ms while archsim runs: a test can act on the
// running process from outside (e.g. kill it when a file appears), as a crash would.
RunResult run_archsim_watched(const std::vector<std::string>& args, double timeout_s, const std::function<void(pid_t)>& watch);

// The whole content of the file at `path` ("" when it cannot be read).
std::string read_text(const std::string& path);

// The data block of a report.html (the JSON its script draws every section from), parsed;
// null when the page has none (a plan page).
nlohmann::json page_data(const std::string& page);

// The header line of each data file of the static chart of what component `id` declared of
// itself (reports/html_declared_charts.h: tier_<n>_<k>.dat in DIR/charts), in panel order,
// read from the run's folder `dir` with its page's data `data`; empty when none was drawn.
std::vector<std::string> declared_headers(const nlohmann::json& data, const std::string& dir, const std::string& id);

// A short description of a result for test messages: command, exit status, stderr.
std::string describe(const RunResult& r);

// stdout parsed as JSON; throws std::runtime_error (with describe(r)) when the run failed
// or printed something that is not JSON.
nlohmann::json parse_summary(const RunResult& r);

// Runs `archsim run <scenario> --json --quiet --out <scratch> <extra...>` and parses stdout.
nlohmann::json run_summary(const std::string& scenario, const std::vector<std::string>& extra, double timeout_s = 120);
// `archsim analyze SCENARIO --json`, each of `sets` after a --set, parsed; throws
// std::runtime_error (with describe(r)) when it fails.
nlohmann::json run_analyze(const std::string& scenario, const std::vector<std::string>& sets = {});

// The value at a dotted path ("components.web.latency_ms.mean"); throws std::runtime_error
// naming the path when a segment is missing or the value is not a number.
double num(const nlohmann::json& j, std::string_view dotted);
// Same walk, returning the sub-object; throws when missing.
const nlohmann::json& at(const nlohmann::json& j, std::string_view dotted);
bool has(const nlohmann::json& j, std::string_view dotted);

// A copy without the "run" block (wall time, events/s): what must be identical between runs.
nlohmann::json without_run(nlohmann::json j);

// Splits stderr into lines (without the trailing newline; a final empty line is dropped).
std::vector<std::string> lines(std::string_view text);

// The (time_s, value as written) rows of (component, metric) in a timeseries.csv, in file
// order (a window's end, or a state's transition). Fails the test when the file is unreadable.
std::vector<std::pair<double, std::string>> series_rows(const std::string& csv, std::string_view component,
                                                        std::string_view metric);

}  // namespace archsim::e2e
