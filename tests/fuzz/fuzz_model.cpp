// The model fuzzer: any bytes as a scenario, cut to two simulated seconds without warm-up
// (with what it schedules moved into them, and mutated as JSON half of the time:
// tests/fuzz/scenario_mutator.h), built and run; then the laws every run keeps are checked,
// from two sides that count separately (the clients' own counters against the engine's
// end-to-end ledger):
//   - what the clients sent is what the ledger saw sent;
//   - what the clients saw end (ok + failed) is what the ledger counted by cause, and the
//     routes add up to it;
//   - what is still in flight is no more than what was sent;
//   - every figure a component reports is a finite number.
// A run the watchdog stops (no simulated time passing) or the memory watch stops (calls in
// flight past the budget) is archsim's answer, not a crash.
#include <cmath>
#include <cstring>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "scenario/scenario_file.h"
#include "sim/simulation.h"
#include "tests/fuzz/fuzz_common.h"
#include "tests/fuzz/scenario_mutator.h"

namespace {

using archsim::fuzz::broken;

// About ten seconds of one input under the sanitizers.
constexpr double kMaxRequests = 1e6;

void check_laws(const archsim::RunResult& r) {
  double sent = 0, ended = 0;
  for (const auto& c : r.components) {
    for (const auto& [name, value] : c.report.figures())
      if (!std::isfinite(value)) broken(c.id + "." + name + " is not a finite number");
    if (c.type != "client") continue;
    for (const auto& [name, value] : c.report.figures()) {
      if (name == "sent") sent += value;
      if (name == "ok" || name == "failed") ended += value;
    }
  }
  if (sent != static_cast<double>(r.sent))
    broken("clients sent " + std::to_string(sent) + ", the ledger saw " + std::to_string(r.sent));
  if (ended != static_cast<double>(r.outcomes.total()))
    broken("clients saw " + std::to_string(ended) + " end, the ledger " + std::to_string(r.outcomes.total()));
  std::uint64_t by_route = 0;
  for (const auto& route : r.routes) by_route += route.outcomes.total();
  if (by_route != r.outcomes.total()) broken("routes add up to " + std::to_string(by_route));
  if (r.in_flight > r.sent_whole_run) broken("more in flight than sent");
}

}  // namespace

extern "C" std::size_t LLVMFuzzerMutate(std::uint8_t* data, std::size_t size, std::size_t max_size);

extern "C" std::size_t LLVMFuzzerCustomMutator(std::uint8_t* data, std::size_t size, std::size_t max_size, unsigned seed) {
  if (seed % 2 == 0)
    if (const std::size_t n = archsim::fuzz::mutate_structure(data, size, max_size, seed / 2)) return n;
  return LLVMFuzzerMutate(data, size, max_size);
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace archsim;
  const std::string text(reinterpret_cast<const char*>(data), size);
  fuzz::accept_refusals([&] {
    nlohmann::json doc = parse_scenario_text(text);
    if (!doc.is_object()) return;
    fuzz::compress_schedule(doc, 2 * kSecond);
    Simulation sim(doc, fuzz::registry());
    // Built and validated, but not run when it asks for more requests than an input may take
    // (a load profile's peak of 1e9/s moved into the run is hundreds of millions: minutes,
    // hours under the sanitizers, and a run archsim would announce, not a hang).
    if (sim.estimated_requests() > kMaxRequests) return;
    try {
      sim.run();
    } catch (const std::runtime_error& e) {
      // The watchdog's and the memory watch's answers (exit 1 on the command line).
      if (std::strncmp(e.what(), "no simulated time passed", 24) == 0) return;
      if (std::strncmp(e.what(), "out of memory budget", 20) == 0) return;
      throw;
    }
    check_laws(sim.result());
  });
  return 0;
}
