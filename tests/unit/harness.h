// Running a scenario written inline in a test: the registry of built-in models and a
// run-to-the-end helper, shared by every unit test that goes through the whole engine.
#pragma once
#include <string>

#include <nlohmann/json.hpp>

#include "models/register_builtin.h"
#include "sim/simulation.h"

namespace archsim::test {

inline const Registry& registry() {
  static const Registry r = [] {
    Registry x;
    register_builtin_models(x);
    return x;
  }();
  return r;
}

// Builds `text` (a scenario in JSON), runs it to the end and returns its figures.
inline RunResult run(const std::string& text) {
  Simulation sim(nlohmann::json::parse(text), registry());
  sim.run();
  return sim.result();
}

}  // namespace archsim::test
