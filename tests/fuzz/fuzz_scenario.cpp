// Fuzz target: any bytes as a scenario file, through the parser and the build that
// `archsim validate` runs. Seeds: every shipped and test scenario (tools/fuzz.sh).
#include <nlohmann/json.hpp>

#include "scenario/scenario_file.h"
#include "sim/simulation.h"
#include "tests/fuzz/fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace archsim;
  const std::string text(reinterpret_cast<const char*>(data), size);
  fuzz::accept_refusals([&] {
    nlohmann::json doc = parse_scenario_text(text);
    Simulation sim(doc, fuzz::registry());
  });
  return 0;
}
