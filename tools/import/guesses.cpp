#include "tools/import/guesses.h"

#include <algorithm>

namespace archsim::import {

const char* kind_name(Guess::Kind k) {
  switch (k) {
    case Guess::Placeholder: return "placeholder";
    case Guess::Inferred: return "guess";
    case Guess::Fitted: return "fitted";
    case Guess::Approximate: return "approximate";
    case Guess::Skipped: return "skipped";
    case Guess::Warning: return "warning";
  }
  return "";
}

std::size_t Guesses::count(Guess::Kind kind) const {
  return static_cast<std::size_t>(std::count_if(list_.begin(), list_.end(), [&](const Guess& g) { return g.kind == kind; }));
}

std::string Guesses::format(const std::string& scenario_file, const std::vector<std::string>& inputs) const {
  std::string out = "archsim import: what " + scenario_file + " did not read from its inputs\n";
  out += "inputs:\n";
  for (const auto& i : inputs) out += "  " + i + "\n";
  out += "Placeholders are values no input gave: measure them, or change them with --set PATH=VALUE.\n";
  out += "Guesses follow a rule stated on their line; fitted values come from the traces with the fit's error.\n";
  for (Guess::Kind k : {Guess::Warning, Guess::Placeholder, Guess::Inferred, Guess::Approximate, Guess::Fitted, Guess::Skipped}) {
    if (count(k) == 0) continue;
    out += "\n" + std::string(kind_name(k)) + " (" + std::to_string(count(k)) + "):\n";
    for (const Guess& g : list_)
      if (g.kind == k) out += "  " + (g.path.empty() ? std::string("(scenario)") : g.path) + ": " + g.text + "\n";
  }
  return out;
}

}  // namespace archsim::import
