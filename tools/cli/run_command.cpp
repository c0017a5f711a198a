#include <filesystem>
#include <fstream>
#include <iostream>

#include "reports/slo_gate.h"
#include "reports/summary.h"
#include "reports/table.h"
#include "sim/errors.h"
#include "sim/experiment.h"
#include "sim/simulation.h"
#include "tools/cli/commands.h"
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
  try {
    Simulation probe(*doc, registry, o.seed);  // validates everything before t = 0
    seed = probe.settings().seed;
    name = probe.settings().name;
  } catch (const ScenarioError& e) {
    std::cerr << e.format(o.scenario) << "\n";
    return 2;
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
  std::vector<nlohmann::ordered_json> summaries;
  for (const auto& r : results) summaries.push_back(summary_json(r));
  nlohmann::ordered_json summary = merge_replications(summaries);

  fs::path out = o.out.empty() ? fs::path("out") / name : fs::path(o.out);
  std::error_code ec;
  fs::create_directories(out, ec);
  if (ec) {
    std::cerr << "archsim: cannot create output directory " << out << ": " << ec.message() << "\n";
    return 1;
  }
  std::ofstream(out / "summary.json") << summary.dump(2) << "\n";
  write_timeseries_csv(results.front(), out / "timeseries.csv");
  write_latency_cdf_csv(results.front(), out / "latency_cdf.csv");

  if (o.json) std::cout << summary.dump(2) << "\n";
  else {
    std::cout << terminal_table(summary);
    std::cout << "\nwrote " << (out / "summary.json").string() << ", timeseries.csv, latency_cdf.csv\n";
  }
  if (!o.no_report) write_report(out, /*to_stderr=*/o.json);
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
    }
  }
  return code;
}

}  // namespace archsim::cli
