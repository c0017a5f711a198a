// A sweep as a list of jobs: one job is one replication (one seed) of one configuration of
// a scenario, the configuration being the base scenario plus a list of --set overrides.
// compare makes one job per (variant, replication); plan makes them round by round. An
// executor (tools/cli/executor.h) runs the jobs anywhere (threads here, MPI ranks
// elsewhere) and hands each result back as a JobOutput: the job's summary.json text and,
// for the jobs that ask, the text of its CSV files. Results are merged in job order, never
// in the order they finished, so the merged files are the same whatever ran them.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "scenario/build.h"
#include "sim/time.h"

namespace archsim::cli {

struct JobSpec {
  std::vector<std::string> sets;  // "PATH=VALUE", applied to the base scenario in order
  std::uint64_t seed = 0;
  bool want_series = false;  // also return timeseries.csv and latency_cdf.csv
  std::uint32_t trace = 0;   // also return trace.json of this many sampled requests (run --trace)
  std::string trace_format = "chrome";  // "chrome" (trace_json), "otlp" (trace_otlp) or "both"
  // A segment of a time-parallel run (tools/cli/segments.h): {start, cut, end, window} in ns.
  // The job simulates [start, end) on the whole run's window, counts from the cut, and returns
  // its RunResult in `summary` as encode_segment's bytes (reports/segment_result.h). Empty: the
  // whole run.
  std::vector<Time> segment{};
};

struct JobOutput {
  std::string summary;  // summary.json of the run, compact (outside "run" the same everywhere)
  std::string timeseries_csv, latency_cdf_csv;  // when the spec asked for them
  std::string error;    // non-empty: the job failed, and why
  std::string trace_json;  // when the spec asked for a trace (Chrome trace events)
  std::string trace_otlp;  // when the spec asked for it in OTLP/JSON (reports/trace_otlp.h)
  // Access logs (reports/access_log.h) as (file name, text), with the series (want_series).
  std::vector<std::pair<std::string, std::string>> access_logs;
  // Interrupted (tools/cli/interrupt.h): the summary covers what was simulated (run.partial),
  // or, with `error` set, the job never started. Never kept by a JobStore; not encoded.
  bool partial = false;
};

// Runs one job in this process: the base scenario with the job's sets, seeded with its
// seed. A run that fails is returned with `error` set, never thrown. After SIGINT/SIGTERM
// (interrupt_flag) the run stops where it is and returns partial; a job not yet started
// returns at once, partial with `error` "interrupted before it started".
JobOutput run_job(const nlohmann::json& base, const JobSpec& spec, const Registry& registry,
                  const std::function<void(double)>& progress = {});

// A JobOutput as bytes and back (the MPI executor's messages and the job store's files).
// decode_job returns nullopt for bytes that are not an encoded JobOutput.
std::string encode_job(const JobOutput& out);
std::optional<JobOutput> decode_job(const std::string& bytes);
// The same for a JobSpec.
std::string encode_spec(const JobSpec& spec);
std::optional<JobSpec> decode_spec(const std::string& bytes);

// FNV-1a of the base scenario (after the command's --set): two processes sweep the same
// scenario when their hashes agree.
std::uint64_t scenario_hash(const nlohmann::json& base);
// The key of a job's result: the scenario hash, the job's sets, seed and outputs.
std::uint64_t job_key(std::uint64_t scenario_hash, const JobSpec& spec);
std::string hex16(std::uint64_t v);

// Splits "a,b,[1,2],{\"x\":1}" at the commas that are not inside brackets or quotes.
std::vector<std::string> split_values(const std::string& s);

// One configuration of a grid: its label ("a=1 b=2") and its --set overrides.
struct Variant {
  std::string label;
  std::vector<std::string> sets;  // "P=V"
};
// The cartesian product of every --vary "PATH=V1,V2,...", the first --vary outermost. Prints
// one line and returns nullopt for a --vary that is not of that form.
std::optional<std::vector<Variant>> vary_grid(const std::vector<std::string>& varies);

// The configuration named by `sets` as {"path": value}: each VALUE as JSON, else as a string.
nlohmann::ordered_json sets_object(const std::vector<std::string>& sets);

}  // namespace archsim::cli
