// Running a scenario written inline in a test: the registry of built-in models and a
// run-to-the-end helper, shared by every unit test that goes through the whole engine.
#pragma once
#include <string>

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "scenario/errors.h"
#include "sim/simulation.h"
#include "tests/builtin_registry.h"

namespace archsim::test {

// A run's results with what the ledgers made of them (r.cost, r.slo, r.availability).
struct Run : RunResult, LedgerResults {};

// Builds `text` (a scenario in JSON) with `reg` (a test may add its own driver components),
// runs it to the end and returns its figures, with the ledgers (cost, SLO, availability,
// alerts) applied as the CLI applies them.
inline Run run(const std::string& text, const Registry& reg) {
  const nlohmann::json doc = nlohmann::json::parse(text);
  Simulation sim(doc, reg);
  sim.run();
  Run r;
  static_cast<RunResult&>(r) = sim.result();
  static_cast<LedgerResults&>(r) = ledgers::Ledgers(doc).apply(r);
  return r;
}
inline Run run(const std::string& text) { return run(text, registry()); }

// A model's end-of-run figure `name` of component `id`; fails the test when it is missing.
inline double fig(const RunResult& r, const std::string& id, const std::string& name) {
  for (const ComponentResult& c : r.components)
    if (c.id == id)
      for (const auto& [k, v] : c.report.figures())
        if (k == name) return v;
  FAIL("component " << id << " has no figure " << name);
  return 0;
}

// The ScenarioError a document raises while it is built (fails the test when none is).
inline ScenarioError build_error(const std::string& text) {
  try {
    Simulation sim(nlohmann::json::parse(text), registry());
  } catch (const ScenarioError& e) {
    return e;
  }
  FAIL("expected a ScenarioError for " << text);
  return ScenarioError("", "");
}

}  // namespace archsim::test
