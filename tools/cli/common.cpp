#include <unistd.h>

#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <iostream>

#include "reports/progress_line.h"
#include "reports/slo_gate.h"
#include "scenario/errors.h"
#include "scenario/scenario_file.h"
#include "sim/text_list.h"
#include "tools/cli/commands.h"

namespace archsim::cli {

std::optional<nlohmann::json> load_with_sets(const std::string& file, const std::vector<std::string>& sets,
                                             std::string* error) {
  try {
    nlohmann::json doc = load_scenario_file(file);
    for (const auto& s : sets) apply_set(doc, s);
    return doc;
  } catch (const ScenarioError& e) {
    if (error) *error = e.format(file);
    else std::cerr << e.format(file) << "\n";
    return std::nullopt;
  }
}

int slo_gate_exit(const nlohmann::ordered_json& summary, const std::string& who) {
  const SloVerdict v = slo_verdict(summary);
  if (v.met) return 0;
  const std::string why = join_items(v.missed, "; ");
  std::cerr << "archsim: SLO missed" << (who.empty() ? "" : " by " + who) << " (--fail-on-slo): " << why << "\n";
  return kExitSloMissed;
}

std::optional<std::uint64_t> parse_seed(const std::string& text) {
  std::uint64_t v = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, v);
  if (text.empty() || text[0] == '-' || text[0] == '+' || ec != std::errc() || ptr != end ||
      v > static_cast<std::uint64_t>(INT64_MAX)) {
    std::cerr << "archsim: --seed " << text << ": expected a whole number from 0 to " << INT64_MAX << "\n";
    return std::nullopt;
  }
  return v;
}

int out_of_memory(const std::string& file) {
  std::cerr << "archsim: " << file
            << ": out of memory while building the simulation (the scenario asks for more than this machine has: "
               "fewer users, sessions, components or windows)\n";
  return 2;
}

Progress::Progress(bool on, double sim_total) : enabled(on && isatty(STDERR_FILENO)), sim_total_s(sim_total) {}

void Progress::operator()(double f) {
  if (!enabled) return;
  const auto now = std::chrono::steady_clock::now();
  const int pct = static_cast<int>(f * 100);
  // A new percent, or half a second since the last line: the clock and ETA move between percents.
  if (pct == last && now - shown < std::chrono::milliseconds(500)) return;
  last = pct;
  shown = now;
  const std::string line = progress_line(f, sim_total_s, std::chrono::duration<double>(now - start).count());
  std::fprintf(stderr, "\r%-90s", line.c_str());
  std::fflush(stderr);
}

void Progress::done() {
  if (enabled && last >= 0) std::fprintf(stderr, "\r%90s\r", "");
}

}  // namespace archsim::cli
