#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>

#include "reports/chart_scripts.h"
#include "reports/slo_gate.h"
#include "reports/summary.h"
#include "reports/table.h"
#include "scenario/errors.h"
#include "scenario/json_text.h"
#include "sim/simulation.h"
#include "tools/cli/analysis.h"
#include "tools/cli/commands.h"
#include "tools/cli/executor.h"
#include "tools/cli/interrupt.h"
#include "tools/cli/mpi_executor.h"
#include "tools/cli/output_dir.h"
#include "tools/cli/report_command.h"
#include "tools/cli/run_segments.h"
#include "tools/cli/topology_dot.h"

namespace archsim::cli {

namespace fs = std::filesystem;

int run_command(const RunOptions& o, const Registry& registry) {
  install_interrupt_handlers();
  std::string load_error;  // a worker rank's, printed only when rank 0 could read the file
  auto doc = load_with_sets(o.scenario, o.sets, mpi_rank() == 0 ? nullptr : &load_error);
  // Replications are jobs of the sweep executor: threads, or MPI ranks under mpirun, whose
  // ranks other than 0 serve jobs inside and return here (mpi_executor.h).
  int worker_exit = 0;
  auto exec = make_sweep_executor(doc, load_error, o.scenario, registry, o.threads, o.quiet, &worker_exit);
  if (mpi_rank() != 0) return worker_exit;
  if (!doc || !exec) return 2;
  if (o.fail_on_slo && !scenario_has_slo(*doc)) {
    std::cerr << o.scenario << ": /slo: --fail-on-slo needs an \"slo\" with at least one objective to gate on\n";
    return 2;
  }
  std::uint64_t seed;
  std::string name;
  double sim_total_s = 0;  // for the progress bar's simulated clock
  nlohmann::ordered_json analysis;  // the analytic estimate, for the report to set beside the run
  std::string topology;             // the architecture as DOT, for the report's diagram
  nlohmann::ordered_json warnings = nlohmann::ordered_json::array();  // said on stderr now, kept in summary.json
  std::optional<SegmentPlan> plan;  // --segments: the cuts (run_segments.h); none: the run is sequential
  Time scenario_warmup = 0, window = 0;
  try {
    Simulation probe(*doc, registry, o.seed);  // validates everything before t = 0
    seed = probe.settings().seed;
    name = probe.settings().name;
    scenario_warmup = probe.settings().warmup;
    window = probe.settings().window;
    bool bad = false;
    plan = plan_run(o, probe, &bad);
    if (bad) return 2;
    sim_total_s = to_seconds(probe.settings().duration) * o.replications;
    const Topology topo = Topology::from(probe, *doc);
    analysis = analyze_topology(topo).json;
    topology = topology_dot(topo, name);
    for (const ScenarioWarning& w : probe.warnings()) {
      std::cerr << w.format(o.scenario) << "\n";
      warnings.push_back({{"pointer", w.pointer}, {"message", w.message}});
    }
    // A long run is said before it starts (the estimate is the sources' mean load; one core
    // simulates roughly a million requests per second on simple topologies, fewer on deep ones).
    const double requests = probe.estimated_requests() * o.replications;
    if (!o.quiet && requests > 3e8)
      std::fprintf(stderr, "note: about %.2g requests to simulate: expect %.0f minutes or more of CPU\n", requests,
                   requests / 1e6 / 60);
  } catch (const ScenarioError& e) {
    std::cerr << e.format(o.scenario) << "\n";
    return 2;
  } catch (const std::bad_alloc&) {
    return out_of_memory(o.scenario);
  }
  // Replication k runs with seed + k; the first also returns its time series. A segmented
  // run's jobs are its segments, then (--check-segments) the sequential replications.
  std::vector<JobSpec> jobs;
  if (plan) jobs = segment_jobs(*plan, seed, scenario_warmup, window);
  const std::size_t segments = jobs.size();
  if (!plan || o.check_segments)
    for (int k = 0; k < o.replications; ++k) jobs.push_back(JobSpec{{}, seed + static_cast<std::uint64_t>(k), k == 0 && !plan});
  jobs.front().trace = o.trace;  // the traced requests are replication 1's, as its charts are
  jobs.front().trace_format = o.trace_format;
  std::vector<JobOutput> outputs(jobs.size());
  Progress bar(!o.quiet, sim_total_s);
  const bool complete = exec->run(jobs, [&](std::size_t k, JobOutput&& out) { outputs[k] = std::move(out); },
                                  [&](double f) { bar(f); });
  bar.done();
  if (!complete) return 1;
  std::optional<nlohmann::ordered_json> sequential;  // --check-segments: the sequential run's summary
  if (plan) {
    if (interrupt_signal() != 0) {
      std::cerr << "archsim: interrupted: a segmented run writes nothing until every segment has ended\n";
      return interrupted_exit_code();
    }
    std::string error;
    std::vector<JobOutput> parts(std::make_move_iterator(outputs.begin()),
                                 std::make_move_iterator(outputs.begin() + static_cast<std::ptrdiff_t>(segments)));
    auto stitched = stitch_outputs(*doc, *plan, parts, &error);
    if (!stitched) {
      std::cerr << "archsim: " << o.scenario << ": the run failed: " << error << "\n";
      return 1;
    }
    if (o.check_segments) {
      std::vector<nlohmann::ordered_json> seq;
      for (std::size_t k = segments; k < outputs.size(); ++k) {
        if (!outputs[k].error.empty()) {
          std::cerr << "archsim: " << o.scenario << ": the sequential run failed: " << outputs[k].error << "\n";
          return 1;
        }
        seq.push_back(parse_ordered_json(outputs[k].summary));
      }
      sequential = merge_replications(seq);
    }
    outputs.assign(1, std::move(*stitched));
  }
  std::vector<nlohmann::ordered_json> summaries;
  // Interrupted while simulating: the signal cut a job short (or kept it from starting; under
  // MPI a worker's cut job comes back as an error). A signal that came once every job had
  // ended finds a complete run: its results are written, its report left out (below).
  const bool partial = interrupt_signal() != 0 && std::any_of(outputs.begin(), outputs.end(), [](const JobOutput& out) {
                         return out.partial || !out.error.empty();
                       });
  if (partial) {
    // Replication 1 as far as it got (the one with the time series; the others would be
    // merged over unequal lengths), marked partial.
    const JobOutput& first = outputs.front();
    if (first.summary.empty()) {
      std::cerr << "archsim: " << o.scenario << ": interrupted before the simulation started: nothing written\n";
      return interrupted_exit_code();
    }
    outputs.resize(1);
  }
  for (const JobOutput& out : outputs) {
    if (!out.error.empty()) {
      std::cerr << "archsim: " << o.scenario << ": the run failed: " << out.error << "\n";
      return 1;
    }
    summaries.push_back(parse_ordered_json(out.summary));
  }
  nlohmann::ordered_json summary = merge_replications(summaries);
  // What ran the replications ("2 threads", "4 MPI ranks (3 workers)"): with one there is
  // nothing side by side to say.
  if (o.replications > 1 || plan) summary["run"]["executor"] = exec->describe();
  summary["run"]["overrides"] = o.sets;  // every --set as written, in order (the page's header says them)
  if (partial) {
    nlohmann::ordered_json& run = summary["run"];
    if (!run.contains("partial") && o.replications > 1) {  // replication 1 ended, others did not
      run["partial"] = true;
      run["simulated_s"] = summary.value("duration_s", 0.0);
    }
    if (o.replications > 1) run["replications_written"] = 1;
    std::fprintf(stderr, "archsim: interrupted: writing what was simulated (%.6g s of %.6g s), marked partial\n",
                 run.value("simulated_s", 0.0), summary.value("duration_s", 0.0));
  }
  if (!warnings.empty()) summary["warnings"] = warnings;  // absent when there are none

  const bool explicit_out = !o.out.empty();
  const fs::path dest = explicit_out ? fs::path(o.out) : fs::path("out") / slugify(name);
  // A signal once the simulation had ended (interrupt.h): the run is complete, and its results
  // are written all the same (the data files take a moment); the report is what it costs: not
  // begun, or its drawing stopped where it was (gnuplot killed, what it drew removed), as with
  // --no-report. Exit 128 + the signal.
  auto dir = OutputDir::open(dest, explicit_out);
  if (!dir) return 1;
  const fs::path& stage = dir->staging();
  const JobOutput& first = outputs.front();
  const bool traced = !first.trace_json.empty(), otlp = !first.trace_otlp.empty();
  const std::string summary_text = summary.dump(2) + "\n", analysis_text = analysis.dump(2) + "\n";
  const std::pair<const char*, const std::string*> files[] = {
      {"summary.json", &summary_text},          {"analysis.json", &analysis_text},
      {"topology.dot", &topology},              {"timeseries.csv", &first.timeseries_csv},
      {"latency_cdf.csv", &first.latency_cdf_csv}, {"trace.json", traced ? &first.trace_json : nullptr},
      {"trace.otlp.json", otlp ? &first.trace_otlp : nullptr}};
  for (const auto& [file, text] : files)
    if (text && !write_checked(stage / file, *text)) return 1;
  std::string logs_written;
  for (const auto& [file, text] : first.access_logs) {
    if (!write_checked(stage / file, text)) return 1;
    logs_written += ", " + file;
  }
  std::string report_said;
  bool report_stopped = false;
  // A partial run's report is drawn whole: its signal is the one that cut the simulation (a
  // second takes its default action, interrupt.h).
  if (partial) reports::stop_drawing_when(nullptr);
  if (!o.no_report && (partial || interrupt_signal() == 0)) {
    const auto said = write_report(stage, dir->dest(), &report_stopped);
    if (!said && !report_stopped) return 1;  // said why; the staging folder goes, the previous folder stays
    report_said = said.value_or("");
  }
  // A signal that came after the drawing ended finds the report whole: it is kept.
  const bool report_left_out = !partial && !o.no_report && (report_stopped || report_said.empty());
  if (!dir->commit()) return 1;
  // Said once the folder is in place: "wrote" is never printed for a folder that was not.
  if (o.json) {
    std::cout << summary_text;
    std::cerr << report_said;
  } else {
    std::cout << terminal_table(summary);
    std::cout << "\nwrote " << (dir->dest() / "summary.json").string() << ", analysis.json, topology.dot, timeseries.csv, latency_cdf.csv"
              << (traced ? ", trace.json (open it in ui.perfetto.dev)" : "")
              << (otlp ? ", trace.otlp.json (OpenTelemetry spans)" : "") << logs_written << "\n"
              << report_said;
  }
  if (sequential) print_segment_check(summary, *sequential, o.json ? std::cerr : std::cout);
  if (report_left_out) {
    std::cerr << "archsim: interrupted: the run is complete and its results are written to " << dir->dest().string()
              << "; the report was left out (draw it with `archsim report " << dir->dest().string() << "`)\n";
    return interrupted_exit_code();
  }
  if (partial) return interrupted_exit_code();  // 130 / 143: what was written is partial
  return o.fail_on_slo ? slo_gate_exit(summary, "") : 0;
}

// `--fields`: what the loader read of each file, for tools/check_schema.py (FieldRead).
static nlohmann::json fields_json(const std::vector<FieldRead>& reads) {
  nlohmann::json out = nlohmann::json::array();
  for (const FieldRead& r : reads) {
    nlohmann::json j = {{"object", r.object}, {"key", r.key}, {"kind", r.kind}, {"required", r.required}};
    if (!r.def.empty()) j["default"] = nlohmann::json::parse(r.def);
    if (r.lo != -Params::kInf) j["min"] = r.lo;
    if (r.hi != Params::kInf) j["max"] = r.hi;
    if (!r.choices.empty()) j["choices"] = r.choices;
    j["source"] = std::string(r.where.file_name()) + ":" + std::to_string(r.where.line());
    out.push_back(std::move(j));
  }
  return out;
}

int validate_command(const std::vector<std::string>& files, const std::vector<std::string>& sets,
                     const Registry& registry, bool fields) {
  int code = 0;
  nlohmann::json listing = nlohmann::json::array();
  for (const auto& f : files) {
    std::string load_error;
    auto doc = load_with_sets(f, sets, fields ? &load_error : nullptr);
    if (!doc) {
      code = 2;
      if (fields) listing.push_back({{"file", f}, {"ok", false}, {"error", load_error}, {"reads", nlohmann::json::array()}});
      continue;
    }
    // Only --fields lists the reads: without it nothing is logged (the log of a scenario of
    // 100,000 components would hold millions of reads).
    std::optional<FieldLog> log;
    if (fields) log.emplace();
    nlohmann::json entry = {{"file", f}, {"ok", true}};
    try {
      Simulation sim(*doc, registry);
      for (const ScenarioWarning& w : sim.warnings()) std::cerr << w.format(f) << "\n";
      if (!fields) {
        char peak[64];
        std::snprintf(peak, sizeof peak, "%.2f GB", sim.memory_estimate() / 1e9);
        std::cout << f << ": ok (" << sim.components().size() << " components; a run holds about " << peak
                  << " at its peak, besides its requests in flight)\n";
      }
    } catch (const ScenarioError& e) {
      if (fields) entry.update({{"ok", false}, {"error", e.format(f)}, {"pointer", e.pointer()}});
      else std::cerr << e.format(f) << "\n";
      code = 2;
    } catch (const std::bad_alloc&) {
      code = out_of_memory(f);
    }
    if (fields) {
      entry["reads"] = fields_json(log->reads());
      listing.push_back(std::move(entry));
    }
  }
  if (fields) std::cout << listing.dump(1) << "\n";
  return code;
}

}  // namespace archsim::cli
