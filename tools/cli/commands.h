// The archsim subcommands. Each returns the process exit code:
// 0 success, 1 a run that failed, 2 bad input, 3 (kExitSloMissed, with --fail-on-slo)
// the scenario's SLO was missed.
#pragma once
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "scenario/build.h"

namespace archsim::cli {

// The thread count of a sweep command (run --replications, compare, plan) when --threads is
// not given: every core of the machine (std::thread::hardware_concurrency, 1 when it cannot
// tell, at most 256), as OMNeT++'s opp_runall does; the executor never starts more threads
// than there are jobs. Results do not depend on it; only memory (one simulation per thread)
// and wall time do. Under MPI each rank runs one job at a time whatever this says.
// (tools/cli/thread_executor.cpp)
int default_threads();

struct RunOptions {
  std::string scenario;
  std::optional<std::uint64_t> seed;
  std::vector<std::string> sets;
  std::string out;
  bool json = false, quiet = false, no_report = false;
  bool fail_on_slo = false;  // exit kExitSloMissed when the SLO is missed (reports/slo_gate.h)
  int replications = 1, threads = default_threads();
  std::uint32_t trace = 0;   // --trace N: trace.json of N sampled requests (replication 1)
  std::string trace_format = "chrome";  // --trace-format: trace.json, trace.otlp.json or both
  // --segments N: the run cut into N segments run side by side (tools/cli/segments.h);
  // --segment-warmup: each segment's warm-up (a duration; default from the scenario);
  // --check-segments: the sequential run beside it, each figure's difference printed.
  int segments = 1;
  std::string segment_warmup;
  bool check_segments = false;
};

struct CompareOptions {
  std::string scenario;
  std::vector<std::string> varies;
  std::vector<std::string> sets;
  std::optional<std::uint64_t> seed;
  std::string out;
  bool json = false, quiet = false, no_report = false;
  bool fail_on_slo = false;  // exit kExitSloMissed when any variant misses the SLO
  bool resume = false;       // reuse the finished jobs kept in the output folder (DIR/jobs)
  int replications = 1, threads = default_threads();
  std::uint32_t trace = 0;   // --trace N: each variant's trace.json of N sampled requests (replication 1)
};

// archsim plan (tools/cli/plan_command.cpp): exit 2 when no configuration of the search
// meets the SLO (after writing plan.json and the page, which name the best found).
struct PlanOptions {
  std::string scenario;
  std::string slo;                    // "p99=200ms,availability=0.999"
  std::vector<std::string> searches;  // "web.replicas=1..40,db.replicas=1..8"
  std::vector<std::string> sets;
  std::optional<std::uint64_t> seed;
  std::string out;
  bool json = false, quiet = false, resume = false, no_report = false;
  int replications = 3, threads = default_threads();
};

// archsim metastability (tools/cli/metastability_command.cpp): a vulnerability map.
struct MetastabilityOptions {
  std::string scenario;
  std::string trigger;                   // the name of one of the scenario's faults
  std::vector<std::string> varies, sets;
  std::vector<std::string> mitigations;  // "NAME:PATH=VALUE[,PATH=VALUE...]"
  std::optional<std::uint64_t> seed;
  std::string out;
  std::string window;                    // the verdict window (a duration); empty: to the end of the run
  double fraction = 0.9;                 // of the goodput before the trigger
  std::string bisect;                    // "PATH=LO..HI": the boundary searched per row instead of a map
  int bisect_steps = 8;
  bool json = false, quiet = false, resume = false, no_report = false;
  int replications = 1, threads = default_threads();
};

// archsim import (tools/cli/import_command.cpp, tools/import/import.h).
struct ImportOptions {
  std::vector<std::string> files, traces;
  std::vector<std::string> env_files;  // --env-file: Compose variables
  std::vector<std::string> entries;    // --entry: where requests enter
  std::string output;
  double sampled = 0;  // --sampling: the probability that a request was traced (0: as the files say)
  bool heavy_tails = false;  // --heavy-tails: lognormal and Pareto fits from under 100 samples too
  bool quiet = false;
};

int run_command(const RunOptions& o, const Registry& registry);
int import_command(const ImportOptions& o, const Registry& registry);
int compare_command(const CompareOptions& o, const Registry& registry);
int plan_command(const PlanOptions& o, const Registry& registry);
int metastability_command(const MetastabilityOptions& o, const Registry& registry);
// `sets`: --set overrides applied to every file, as run applies them. `fields`: instead of a
// line per file, print as JSON what the loader read of each (every field with its reader's
// type, range, choices and default) and its verdict.
int validate_command(const std::vector<std::string>& files, const std::vector<std::string>& sets,
                     const Registry& registry, bool fields = false);

// Shared by the commands: load + --set, printing "file: location: message" on bad input.
// Returns nullopt after printing the error, or after storing it in `*error` when given (an
// MPI worker rank, which prints it only when rank 0 says so).
std::optional<nlohmann::json> load_with_sets(const std::string& file, const std::vector<std::string>& sets,
                                             std::string* error = nullptr);
// --fail-on-slo: 0 when the summary's SLO was met, else prints "archsim: SLO missed[ by
// <who>]: ..." on stderr and returns kExitSloMissed.
int slo_gate_exit(const nlohmann::ordered_json& summary, const std::string& who);
// --seed TEXT: a whole number from 0 to 2^63 - 1 (the range a scenario's "seed" takes), read
// exactly; otherwise prints why and returns nullopt.
std::optional<std::uint64_t> parse_seed(const std::string& text);
// The one-line answer to std::bad_alloc while a scenario is built or validated (exit 2).
int out_of_memory(const std::string& file);
// A progress bar on stderr when it is a terminal (and not quiet), with the simulated clock
// and an ETA (reports/progress_line.h). `sim_total_s`: the simulated time all the work covers
// (the scenario's duration times the jobs), 0 for none.
struct Progress {
  explicit Progress(bool enabled, double sim_total_s = 0);
  void operator()(double fraction);
  void done();
  bool enabled;
  double sim_total_s;
  int last = -1;
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now(), shown{};
};

}  // namespace archsim::cli
