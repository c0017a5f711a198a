// Fuzz target: bytes as --set assignments (one per line) applied to a shipped scenario
// (scenarios/basics/web-tier.json, which has a client, a balancer-free service chain and
// a database), then built and validated as `archsim run --set ...` would before running.
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "scenario/scenario_file.h"
#include "sim/simulation.h"
#include "tests/fuzz/fuzz_common.h"

namespace {
const nlohmann::json& base() {
  static const nlohmann::json doc = archsim::load_scenario_file(ARCHSIM_SOURCE_DIR "/scenarios/basics/web-tier.json");
  return doc;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace archsim;
  const std::string text(reinterpret_cast<const char*>(data), size);
  fuzz::accept_refusals([&] {
    nlohmann::json doc = base();
    std::istringstream lines(text);
    std::string assignment;
    while (std::getline(lines, assignment)) apply_set(doc, assignment);
    Simulation sim(doc, fuzz::registry());
  });
  return 0;
}
