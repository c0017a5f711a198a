// archsim import FILE... [--traces FILE]... -o SCENARIO.json (tools/import/import.h): the
// scenario is validated as `archsim validate` would before it is written; the list of
// guesses is printed and written beside it as <name>.guesses.txt.
#include <filesystem>
#include <iostream>

#include "sim/errors.h"
#include "sim/simulation.h"
#include "tools/cli/commands.h"
#include "tools/cli/output_dir.h"
#include "tools/import/import.h"
#include "tools/import/import_error.h"

namespace archsim::cli {

namespace fs = std::filesystem;

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
  req.sampling = o.sampled;
  req.heavy_tails = o.heavy_tails;
  req.name = out.stem().string();
  req.guesses_file = guesses.filename().string();
  import::ImportResult result;
  try {
    result = import::run_import(req);
  } catch (const import::ImportError& e) {
    std::cerr << e.format() << "\n";
    return 2;
  }
  const std::string text = result.scenario.dump(2) + "\n";
  try {
    Simulation check(nlohmann::json::parse(text), registry);
  } catch (const ScenarioError& e) {
    std::cerr << "archsim import: the scenario built from these inputs does not validate (" << e.format(o.output)
              << "): please report it with the inputs\n";
    return 1;
  }
  if (!write_checked(out, text) || !write_checked(guesses, result.guesses_text)) return 1;
  if (!o.quiet) std::cout << result.guesses_text << "\n";
  std::cout << "wrote " << out.string() << " (" << result.scenario["components"].size() << " components; it validates) and "
            << guesses.string() << " (" << result.guesses << " entries)\n";
  return 0;
}

}  // namespace archsim::cli
