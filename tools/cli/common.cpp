#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "reports/slo_gate.h"
#include "sim/errors.h"
#include "sim/scenario_file.h"
#include "tools/cli/commands.h"

namespace archsim::cli {

std::optional<nlohmann::json> load_with_sets(const std::string& file, const std::vector<std::string>& sets) {
  try {
    nlohmann::json doc = load_scenario_file(file);
    for (const auto& s : sets) apply_set(doc, s);
    return doc;
  } catch (const ScenarioError& e) {
    std::cerr << e.format(file) << "\n";
    return std::nullopt;
  }
}

int slo_gate_exit(const nlohmann::ordered_json& summary, const std::string& who) {
  const SloVerdict v = slo_verdict(summary);
  if (v.met) return 0;
  std::string why;
  for (const auto& m : v.missed) why += (why.empty() ? "" : "; ") + m;
  std::cerr << "archsim: SLO missed" << (who.empty() ? "" : " by " + who) << " (--fail-on-slo): " << why << "\n";
  return kExitSloMissed;
}

Progress::Progress(bool on) : enabled(on && isatty(STDERR_FILENO)) {}

void Progress::operator()(double f) {
  if (!enabled) return;
  int pct = static_cast<int>(f * 100);
  if (pct == last) return;
  last = pct;
  int filled = pct * 40 / 100;
  std::fprintf(stderr, "\r[%.*s%*s] %3d%%", filled, "########################################", 40 - filled, "", pct);
  std::fflush(stderr);
}

void Progress::done() {
  if (enabled && last >= 0) std::fprintf(stderr, "\r%60s\r", "");
}

}  // namespace archsim::cli
