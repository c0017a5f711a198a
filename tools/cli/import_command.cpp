// archsim import FILE... [--traces FILE]... -o SCENARIO.json (tools/import/import.h): the
// scenario is validated as `archsim validate` would before it is written; the list of
// guesses is printed and written beside it as <name>.guesses.txt.
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <new>

#include "scenario/errors.h"
#include "sim/simulation.h"
#include "tools/cli/commands.h"
#include "tools/cli/output_dir.h"
#include "tools/import/import.h"
#include "tools/import/import_error.h"

namespace archsim::cli {

namespace fs = std::filesystem;

// Warnings printed on stderr; the rest are in the list (a thousand services warn a thousand times).
constexpr std::size_t kWarningsShown = 40;
// What importing and validating a scenario takes per component (building every component as
// `archsim validate` does): 812 MB peak RSS for 2,000 services behind one gateway, about 400 KB each.
constexpr double kBytesPerComponent = 400 * 1024.0;

// The memory this process may still use: the machine's available memory, the address-space
// limit it runs under, and the simulator's own budget, whichever is least.
double memory_available() {
  double have = static_cast<double>(Simulation::kMemoryBudget);
  std::ifstream meminfo("/proc/meminfo");
  std::string key;
  double kb = 0;
  std::string unit;
  while (meminfo >> key >> kb >> unit)
    if (key == "MemAvailable:") have = std::min(have, kb * 1024);
  rlimit as{};
  if (getrlimit(RLIMIT_AS, &as) == 0 && as.rlim_cur != RLIM_INFINITY) have = std::min(have, static_cast<double>(as.rlim_cur));
  return have;
}

std::string gigabytes(double bytes) {
  char b[32];
  std::snprintf(b, sizeof b, "%.1f GB", bytes / 1e9);
  return b;
}

int import_command(const ImportOptions& o, const Registry& registry) {
  if (o.files.empty() && o.traces.empty()) {
    std::cerr << "archsim import: give manifests (Compose or Kubernetes YAML), --traces, or both\n";
    return 2;
  }
  const fs::path out(o.output);
  if (out.extension() != ".json") {
    std::cerr << "archsim import: -o " << o.output << ": the scenario is a .json file\n";
    return 2;
  }
  fs::path guesses = out;
  guesses.replace_extension(".guesses.txt");
  import::ImportRequest req;
  req.files = o.files;
  req.traces = o.traces;
  req.env_files = o.env_files;
  req.entries = o.entries;
  req.sampling = o.sampled;
  req.heavy_tails = o.heavy_tails;
  req.name = out.stem().string();
  req.guesses_file = guesses.filename().string();
  const std::string first = !o.files.empty() ? o.files.front() : o.traces.front();
  import::ImportResult result;
  try {
    result = import::run_import(req);
  } catch (const import::ImportError& e) {
    std::cerr << e.format() << "\n";
    return 2;
  } catch (const std::bad_alloc&) {
    std::cerr << import::shown(first, 300) << ": out of memory reading the inputs (" << gigabytes(memory_available())
              << " available)\n";
    return 2;
  }
  // Validating builds every component: estimated before it starts, refused when it would not fit.
  const std::size_t components = result.scenario["components"].size();
  const double need = static_cast<double>(components) * kBytesPerComponent;
  if (const double have = memory_available(); need > have) {
    std::cerr << import::shown(first, 300) << ": " << components << " components: building the imported scenario to "
              << "validate it would take about " << gigabytes(need) << " (about " << kBytesPerComponent / 1024
              << " KB a component), more than the " << gigabytes(have) << " this process may use: import the system in "
              << "parts (a file or folder each)\n";
    return 2;
  }
  const std::string text = result.scenario.dump(2) + "\n";
  try {
    Simulation check(nlohmann::json::parse(text), registry);
  } catch (const ScenarioError& e) {
    std::cerr << "archsim import: the scenario built from these inputs does not validate ("
              << import::shown(e.format(o.output), 400) << "): please report it with the inputs\n";
    return 1;
  } catch (const std::bad_alloc&) {
    std::cerr << import::shown(first, 300) << ": " << components << " components: out of memory building the imported "
              << "scenario to validate it (estimated " << gigabytes(need) << "): import the system in parts\n";
    return 2;
  }
  if (!write_checked(out, text) || !write_checked(guesses, result.guesses_text)) return 1;
  if (!o.quiet) std::cout << result.guesses_text << "\n";
  // The warnings, even with --quiet: what makes the scenario unlike the system (the whole of
  // each is in the list).
  for (std::size_t i = 0; i < result.warnings.size() && i < kWarningsShown; ++i)
    std::cerr << "archsim import: warning: " << import::shown(result.warnings[i], 300) << "\n";
  if (result.warnings.size() > kWarningsShown)
    std::cerr << "archsim import: warning: " << result.warnings.size() - kWarningsShown << " more in " << guesses.string()
              << "\n";
  std::cout << "wrote " << out.string() << " (" << result.scenario["components"].size() << " components; it validates) and "
            << guesses.string() << " (" << result.guesses << " entries)\n";
  return 0;
}

}  // namespace archsim::cli
