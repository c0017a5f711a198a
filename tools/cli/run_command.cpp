#include <cstdio>
#include <filesystem>
#include <iostream>

#include "reports/ledgers/ledgers.h"
#include "reports/slo_gate.h"
#include "reports/summary.h"
#include "reports/table.h"
#include "sim/errors.h"
#include "sim/experiment.h"
#include "sim/simulation.h"
#include "tools/cli/analysis.h"
#include "tools/cli/commands.h"
#include "tools/cli/output_dir.h"
#include "tools/cli/report_command.h"

namespace archsim::cli {

namespace fs = std::filesystem;

int run_command(const RunOptions& o, const Registry& registry) {
  auto doc = load_with_sets(o.scenario, o.sets);
  if (!doc) return 2;
  if (o.fail_on_slo && !scenario_has_slo(*doc)) {
    std::cerr << o.scenario << ": /slo: --fail-on-slo needs an \"slo\" with latency_p99 or availability to gate on\n";
    return 2;
  }
  std::uint64_t seed;
  std::string name;
  nlohmann::ordered_json analysis;  // the analytic estimate, for the report to set beside the run
  try {
    Simulation probe(*doc, registry, o.seed);  // validates everything before t = 0
    seed = probe.settings().seed;
    name = probe.settings().name;
    analysis = analyze_topology(Topology::from(probe, *doc)).json;
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
  Progress bar(!o.quiet);
  std::vector<RunResult> results;
  try {
    results = run_replications(*doc, registry, seed, o.replications, o.threads, [&](double f) { bar(f); });
  } catch (const std::exception& e) {
    bar.done();
    std::cerr << "archsim: " << o.scenario << ": the run failed: " << e.what() << "\n";
    return 1;
  }
  bar.done();
  const ledgers::Ledgers ledgers(*doc);
  std::vector<nlohmann::ordered_json> summaries;
  for (auto& r : results) summaries.push_back(summary_json(r, ledgers.apply(r)));
  nlohmann::ordered_json summary = merge_replications(summaries);

  const bool explicit_out = !o.out.empty();
  auto dir = OutputDir::open(explicit_out ? fs::path(o.out) : fs::path("out") / slugify(name), explicit_out);
  if (!dir) return 1;
  const fs::path& stage = dir->staging();
  if (!write_checked(stage / "summary.json", summary.dump(2) + "\n")) return 1;
  if (!write_checked(stage / "analysis.json", analysis.dump(2) + "\n")) return 1;
  if (!write_timeseries_csv(results.front(), stage / "timeseries.csv") ||
      !write_latency_cdf_csv(results.front(), stage / "latency_cdf.csv")) {
    std::cerr << "archsim: cannot write the CSV files in " << stage.string() << "\n";
    return 1;
  }
  if (o.json) std::cout << summary.dump(2) << "\n";
  else {
    std::cout << terminal_table(summary);
    std::cout << "\nwrote " << (dir->dest() / "summary.json").string() << ", analysis.json, timeseries.csv, latency_cdf.csv\n";
  }
  if (!o.no_report) write_report(stage, /*to_stderr=*/o.json, dir->dest());
  if (!dir->commit()) return 1;
  return o.fail_on_slo ? slo_gate_exit(summary, "") : 0;
}

int validate_command(const std::vector<std::string>& files, const Registry& registry) {
  int code = 0;
  for (const auto& f : files) {
    auto doc = load_with_sets(f, {});
    if (!doc) {
      code = 2;
      continue;
    }
    try {
      Simulation sim(*doc, registry);
      std::cout << f << ": ok (" << sim.components().size() << " components)\n";
    } catch (const ScenarioError& e) {
      std::cerr << e.format(f) << "\n";
      code = 2;
    } catch (const std::bad_alloc&) {
      code = out_of_memory(f);
    }
  }
  return code;
}

}  // namespace archsim::cli
