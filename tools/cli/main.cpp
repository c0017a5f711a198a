// archsim: the command line, wired with CLI11.
#include <CLI/CLI.hpp>
#include <iostream>
#include <new>

#include "models/register_builtin.h"
#include "reports/ledgers/ledgers.h"
#include "scenario/errors.h"
#include "sim/text_list.h"
#include "tools/cli/commands.h"
#include "tools/cli/mpi_executor.h"
#include "tools/cli/report_command.h"

namespace {

// " (did you mean --replications?)" for the first unexpected argument that is an option one
// typo away from an option of the command given (CLI11 says only that it was not expected).
std::string option_hint(const CLI::App& app, const CLI::Error& e) {
  if (!dynamic_cast<const CLI::ExtrasError*>(&e)) return "";
  const auto given = app.get_subcommands();
  const CLI::App& cmd = given.empty() ? app : *given.back();
  std::vector<std::string> names;
  for (const CLI::Option* opt : cmd.get_options())
    for (const std::string& n : opt->get_lnames()) names.push_back("--" + n);
  const std::string what = e.what();
  std::size_t at = what.find(": ");
  for (at = at == std::string::npos ? 0 : at + 2; at < what.size();) {
    std::size_t end = what.find(' ', at);
    if (end == std::string::npos) end = what.size();
    std::string word = what.substr(at, end - at);
    at = end + 1;
    if (word.size() < 3 || word[0] != '-') continue;
    if (word[1] != '-') word.insert(0, "-");  // -replications
    word = word.substr(0, word.find('='));
    std::string hint = archsim::did_you_mean(word, names);
    if (!hint.empty()) return hint;
  }
  return "";
}

}  // namespace

int main(int argc, char** argv) {
  using namespace archsim;
  // Under mpirun/srun with several ranks, MPI starts here (tools/cli/mpi_executor.h).
  cli::mpi_start(&argc, &argv);
  struct MpiGuard {
    ~MpiGuard() { cli::mpi_finish(); }
  } mpi_guard;
  CLI::App app{"archsim: a deterministic discrete-event simulator of web architectures"};
  app.footer("Exit codes: 0 success, 1 a run that failed, 2 bad input, 3 SLO missed (with --fail-on-slo), 130/143 "
             "interrupted by SIGINT/SIGTERM (run writes what it simulated, marked partial; compare keeps finished jobs "
             "for --resume). plan: 2 when no configuration of the search meets the SLO.");
  app.require_subcommand(1);
  app.set_version_flag("--version", "archsim 0.1");
  // A mistake on the command line is one line on stderr, as a bad scenario's is, naming the
  // command: "archsim run: scenario is required (see archsim run --help)". CLI11's own
  // message adds a second line of advice, and for a first word that is no command says only
  // that a subcommand is required.
  app.failure_message([argc, argv](const CLI::App* a, const CLI::Error& e) {
    const auto given = a->get_subcommands();
    std::string command = "archsim";
    for (const CLI::App* sub : given) append_item(command, " ", sub->get_name());
    std::string what = e.what();
    if (given.empty()) {
      std::string names;  // "run, compare, ... or analyze", as the parser has them
      const auto all = a->get_subcommands([](const CLI::App*) { return true; });
      for (std::size_t i = 0; i < all.size(); ++i) append_item(names, i + 1 == all.size() ? " or " : ", ", all[i]->get_name());
      if (argc < 2 || argv[1][0] == '-') what = "expected a command first: " + names;
      else what = "unknown command \"" + std::string(argv[1]) + "\": expected " + names;
    }
    return command + ": " + what + option_hint(*a, e) + " (see " + command + " --help)\n";
  });

  Registry registry;
  register_builtin_models(registry);
  // "cost", "slo" and "alerts" are the ledgers' (reports/ledgers), validated with the rest.
  ledgers::register_ledger_keys(registry);

  // A repeatable option takes one value per use (--set A=1 --set B=2, or --set=A=1), so that
  // flags go before the scenario file as well as after it: CLI11's default for a vector
  // option takes every word up to the next option, the file too ("scenario is required").
  // Sweeps use every core unless told otherwise (cli::default_threads, tools/cli/commands.h).
  const std::string cores_note = " (default: all " + std::to_string(cli::default_threads()) + " cores)";
  cli::RunOptions run;
  std::string run_seed;
  auto* run_cmd = app.add_subcommand("run", "Run a scenario and report latency, availability, cost and time series");
  run_cmd->add_option("scenario", run.scenario, "Scenario JSON file")->required();
  auto* run_seed_opt = run_cmd->add_option("--seed", run_seed, "Seed (overrides the scenario's)");
  run_cmd->add_option("--set", run.sets, "Override a field: PATH=VALUE (e.g. web.replicas=6)")->allow_extra_args(false);
  run_cmd->add_option("--out", run.out, "Output directory (default out/<scenario name>)");
  run_cmd->add_flag("--json", run.json, "Print summary.json to stdout instead of the table");
  run_cmd->add_option("--replications", run.replications, "Independent replications (seeds seed, seed+1, ...)")
      ->check(CLI::Range(1, 10000));
  run_cmd->add_option("--threads", run.threads, "Threads: replications run side by side" + cores_note)->check(CLI::Range(1, 256));
  run_cmd->add_option("--trace", run.trace,
                      "Write trace.json: every hop of N sampled requests (spread over the run) as Chrome trace events, "
                      "for ui.perfetto.dev or chrome://tracing")
      ->check(CLI::Range(1, 100000));
  run_cmd->add_option("--trace-format", run.trace_format,
                      "chrome (trace.json, the default), otlp (trace.otlp.json: OpenTelemetry spans, which archsim import "
                      "reads) or both")
      ->check(CLI::IsMember({"chrome", "otlp", "both"}));
  run_cmd->add_option("--segments", run.segments,
                      "Time-parallel: cut the run into N segments at the quietest points of its load, run them side "
                      "by side, each from a warm-up before its cut, and stitch them (docs/speed.md)");
  run_cmd->add_option("--segment-warmup", run.segment_warmup,
                      "With --segments: each segment's warm-up (a duration; default: the slowest state the scenario "
                      "declares, such as its longest session or cache TTL)");
  run_cmd->add_flag("--check-segments", run.check_segments,
                    "With --segments: also run the whole run sequentially and print each figure's difference");
  run_cmd->add_flag("--quiet", run.quiet, "No progress bar");
  run_cmd->add_flag("--no-report", run.no_report, "Do not write report.html and charts/");
  run_cmd->add_flag("--fail-on-slo", run.fail_on_slo,
                    "Exit with code 3 when the scenario's SLO is missed (a CI gate; every output is still written)");

  cli::CompareOptions cmp;
  std::string cmp_seed;
  auto* cmp_cmd = app.add_subcommand("compare", "Run variants of a scenario side by side (common random numbers)");
  cmp_cmd->add_option("scenario", cmp.scenario, "Scenario JSON file")->required();
  cmp_cmd->add_option("--vary", cmp.varies, "PATH=V1,V2,...; several --vary make a grid")->allow_extra_args(false)->required();
  cmp_cmd->add_option("--set", cmp.sets, "Override a field for every variant: PATH=VALUE")->allow_extra_args(false);
  auto* cmp_seed_opt = cmp_cmd->add_option("--seed", cmp_seed, "Seed (overrides the scenario's)");
  cmp_cmd->add_option("--replications", cmp.replications, "Replications per variant")->check(CLI::Range(1, 10000));
  cmp_cmd->add_option("--threads", cmp.threads, "Threads: jobs (variant x replication) run side by side" + cores_note)->check(CLI::Range(1, 256));
  cmp_cmd->add_option("--out", cmp.out, "Output directory (default out/<scenario name>-compare)");
  cmp_cmd->add_option("--trace", cmp.trace,
                      "Write each variant's trace.json: every hop of N sampled requests of its replication 1, as Chrome "
                      "trace events (ui.perfetto.dev)")
      ->check(CLI::Range(1, 100000));
  cmp_cmd->add_flag("--json", cmp.json, "Print {\"variants\": [...]} to stdout instead of the table");
  cmp_cmd->add_flag("--quiet", cmp.quiet, "No progress bar");
  cmp_cmd->add_flag("--no-report", cmp.no_report, "Do not write report.html and charts/");
  cmp_cmd->add_flag("--fail-on-slo", cmp.fail_on_slo, "Exit with code 3 when any variant misses the scenario's SLO");
  cmp_cmd->add_flag("--resume", cmp.resume,
                    "Reuse the finished jobs kept in the output folder (DIR/jobs) and run only the missing ones");

  cli::PlanOptions plan;
  std::string plan_seed;
  auto* plan_cmd = app.add_subcommand("plan", "Find the cheapest configuration that meets an SLO (with confidence over replications)");
  plan_cmd->add_option("scenario", plan.scenario, "Scenario JSON file")->required();
  plan_cmd->add_option("--slo", plan.slo, "Objectives: p50|p90|p95|p99|p999=DURATION, availability=FRACTION (comma-separated)")
      ->required();
  plan_cmd->add_option("--search", plan.searches, "PATH=LO..HI or PATH=V1,V2,... (integers), comma-separated or repeated")
      ->allow_extra_args(false)
      ->required();
  plan_cmd->add_option("--set", plan.sets, "Override a field for every configuration: PATH=VALUE")->allow_extra_args(false);
  auto* plan_seed_opt = plan_cmd->add_option("--seed", plan_seed, "Seed (overrides the scenario's)");
  plan_cmd->add_option("--replications", plan.replications, "Replications per configuration (default 3)")
      ->check(CLI::Range(1, 10000));
  plan_cmd->add_option("--threads", plan.threads, "Threads: jobs run side by side" + cores_note)->check(CLI::Range(1, 256));
  plan_cmd->add_option("--out", plan.out, "Output directory (default out/<scenario name>-plan)");
  plan_cmd->add_flag("--json", plan.json, "Print plan.json to stdout instead of the table");
  plan_cmd->add_flag("--quiet", plan.quiet, "No progress");
  plan_cmd->add_flag("--no-report", plan.no_report, "Do not write report.html");
  plan_cmd->add_flag("--resume", plan.resume, "Reuse the finished jobs kept in the output folder (DIR/jobs)");

  cli::MetastabilityOptions ms;
  std::string ms_seed;
  auto* ms_cmd = app.add_subcommand(
      "metastability",
      "Map where a trigger tips the system into a failure that outlasts it: each cell of the --vary grid recovers, "
      "recovers slowly or stays failed");
  ms_cmd->footer(
      "Verdict: goodput in deadline (answers within the SLO's latency, else the client's timeout; with neither, "
      "answers of windows whose latency stays within twice the slowest p99 before the trigger) is compared with its "
      "mean between the warm-up and the trigger's start. A cell recovers at the first window after the trigger's end "
      "where goodput, and its mean from there to the end of the span followed (--window), are both at least "
      "--fraction of that mean, however long it takes; else it recovers slowly when, over the span's last half, "
      "goodput rises or a state that moved (queue, hit ratio, memory, attempts per request) moves back beyond 3 "
      "standard errors of its trend, and stays failed when nothing moves back. A cell whose goodput was already below "
      "--fraction of its offered load before the trigger is 'failed before'. See docs/learn/metastability.md.");
  ms_cmd->add_option("scenario", ms.scenario, "Scenario JSON file")->required();
  ms_cmd->add_option("--trigger", ms.trigger, "The \"name\" of the fault that triggers the failure")->required();
  ms_cmd->add_option("--vary", ms.varies,
                     "PATH=V1,V2,...; several make a grid: the first that is not TRIGGER.duration is the load (rows), "
                     "the second the trigger size (columns), one map per value of the others")
      ->allow_extra_args(false)
      ->required();
  ms_cmd->add_option("--set", ms.sets, "Override a field for every cell: PATH=VALUE")->allow_extra_args(false);
  ms_cmd->add_option("--mitigation", ms.mitigations,
                     "NAME:PATH=VALUE[,PATH=VALUE...]: the same maps again with these overrides, side by side on the page")
      ->allow_extra_args(false);
  auto* ms_seed_opt = ms_cmd->add_option("--seed", ms_seed, "Seed (overrides the scenario's)");
  ms_cmd->add_option("--replications", ms.replications, "Replications per cell")->check(CLI::Range(1, 10000));
  ms_cmd->add_option("--threads", ms.threads, "Threads: jobs (cell x replication) run side by side" + cores_note)
      ->check(CLI::Range(1, 256));
  ms_cmd->add_option("--window", ms.window,
                     "The span followed after the trigger ends (a duration, at least the trigger's; the run is "
                     "lengthened to hold it; default: the rest of the run)");
  ms_cmd->add_option("--fraction", ms.fraction, "Recovered: goodput back to this fraction of its level before the trigger "
                                                "(default 0.9)")
      ->check(CLI::Range(0.01, 1.0));
  ms_cmd->add_option("--bisect", ms.bisect,
                     "PATH=LO..HI: instead of a map, search each row's boundary: the trigger size PATH between LO and HI "
                     "(geometric bisection) where the cell turns from recovering to staying failed");
  ms_cmd->add_option("--bisect-steps", ms.bisect_steps, "Bisection rounds after the two ends (default 8)")
      ->check(CLI::Range(1, 40));
  ms_cmd->add_option("--out", ms.out, "Output directory (default out/<scenario name>-metastability)");
  ms_cmd->add_flag("--json", ms.json, "Print metastability.json to stdout instead of the maps");
  ms_cmd->add_flag("--quiet", ms.quiet, "No progress bar");
  ms_cmd->add_flag("--no-report", ms.no_report, "Do not write report.html");
  ms_cmd->add_flag("--resume", ms.resume, "Reuse the finished jobs kept in the output folder (DIR/jobs)");

  std::vector<std::string> validate_files, validate_sets;
  auto* val_cmd = app.add_subcommand("validate", "Check scenarios without running them");
  val_cmd->add_option("scenarios", validate_files, "Scenario JSON files")->required();
  bool validate_fields = false;
  val_cmd->add_flag("--fields", validate_fields,
                    "Print as JSON every field the loader read (type, range, choices, default) and each file's verdict");
  val_cmd->add_option("--set", validate_sets, "Override a field of every scenario checked: PATH=VALUE");

  std::string report_dir;
  auto* rep_cmd = app.add_subcommand("report", "Redraw report.html and charts/ from the data files of a run or compare folder");
  rep_cmd->add_option("dir", report_dir, "Output folder of archsim run / compare")->required();

  cli::GraphOptions graph;
  auto* graph_cmd = app.add_subcommand("graph", "Draw the topology of a scenario (DOT, or SVG/PNG with graphviz)");
  graph_cmd->add_option("scenario", graph.scenario, "Scenario JSON file")->required();
  graph_cmd->add_option("-o,--output", graph.output, "FILE.svg, FILE.png or FILE.dot (default: DOT to stdout)");
  graph_cmd->add_option("--set", graph.sets, "Override a field: PATH=VALUE")->allow_extra_args(false);

  cli::AnalyzeOptions analyze;
  auto* an_cmd = app.add_subcommand("analyze", "Single points of failure and queueing estimates, without simulating");
  an_cmd->add_option("scenario", analyze.scenario, "Scenario JSON file")->required();
  an_cmd->add_option("--set", analyze.sets, "Override a field: PATH=VALUE")->allow_extra_args(false);
  an_cmd->add_flag("--json", analyze.json, "Print {\"spofs\", \"bottleneck\", \"components\"} as JSON");

  cli::ImportOptions imp;
  auto* imp_cmd = app.add_subcommand("import", "Build a scenario from Compose files or Kubernetes manifests and request "
                                               "traces (Jaeger, Zipkin, OTLP JSON), listing what it guessed");
  imp_cmd->add_option("files", imp.files, "Compose files, Kubernetes manifests, or folders of them (*.yaml, *.yml)");
  imp_cmd->add_option("--traces", imp.traces, "Trace files to calibrate from (Jaeger, Zipkin v2 or OTLP JSON)")
      ->allow_extra_args(false);
  imp_cmd->add_option("-o,--output", imp.output, "The scenario to write (SCENARIO.json; SCENARIO.guesses.txt beside it)")
      ->required();
  imp_cmd->add_option("--sampling,--sampled", imp.sampled,
                      "The probability that a request was traced (default: the root spans' sampler tags, else the "
                      "file's, else 1)")
      ->check(CLI::Range(1e-9, 1.0));
  imp_cmd->add_flag("--heavy-tails", imp.heavy_tails,
                    "Allow heavy-tailed fits (lognormal, Pareto) from fewer than 100 samples");
  imp_cmd->add_flag("--quiet", imp.quiet, "Do not print the list of guesses (it is still written)");
  imp_cmd->add_option("--env-file", imp.env_files, "Variables for a Compose file's ${VAR} (default: .env beside the first file)")
      ->allow_extra_args(false);
  // One value per flag, as for --set: "--entry rate app.yaml" names the entry and the file.
  imp_cmd->add_option("--entry", imp.entries, "Where requests enter, when no trace says (a workload's name; repeatable)")
      ->allow_extra_args(false);

  {
    // Under mpirun every rank parses the same command line: only rank 0 speaks of a mistake
    // in it (or prints --help), so that the user reads it once, not once per rank.
    cli::QuietUnlessRankZero quiet_workers;
    try {
      app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
      int code = app.exit(e);
      return code == 0 ? 0 : 2;
    }
    if (*run_seed_opt && !(run.seed = cli::parse_seed(run_seed))) return 2;
    if (*cmp_seed_opt && !(cmp.seed = cli::parse_seed(cmp_seed))) return 2;
    if (*plan_seed_opt && !(plan.seed = cli::parse_seed(plan_seed))) return 2;
    if (*ms_seed_opt && !(ms.seed = cli::parse_seed(ms_seed))) return 2;
  }
  // Only the commands that run jobs use MPI ranks; any other under mpirun would run N times over.
  if (cli::mpi_size() > 1 && !*run_cmd && !*cmp_cmd && !*plan_cmd && !*ms_cmd) {
    if (cli::mpi_rank() == 0)
      std::cerr << "archsim: only run, compare, plan and metastability run over MPI ranks: run this command without mpirun or srun\n";
    return 2;
  }
  try {
    if (*run_cmd) return cli::run_command(run, registry);
    if (*cmp_cmd) return cli::compare_command(cmp, registry);
    if (*plan_cmd) return cli::plan_command(plan, registry);
    if (*ms_cmd) return cli::metastability_command(ms, registry);
    if (*val_cmd) return cli::validate_command(validate_files, validate_sets, registry, validate_fields);
    if (*rep_cmd) return cli::report_command(report_dir);
    if (*graph_cmd) return cli::graph_command(graph, registry);
    if (*an_cmd) return cli::analyze_command(analyze, registry);
    if (*imp_cmd) return cli::import_command(imp, registry);
  } catch (const std::bad_alloc&) {
    // The commands catch it where they can name the file; this is the last line of defence.
    std::cerr << "archsim: out of memory\n";
    return 2;
  }
  return 2;
}
