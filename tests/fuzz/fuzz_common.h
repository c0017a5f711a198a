// What the three fuzz targets share: the registry of every built-in family, and the answer
// archsim gives to a scenario it refuses. A refusal (ScenarioError, or bad_alloc answered as
// "out of memory") is a correct outcome; anything else escaping is a crash the fuzzer keeps.
//
// The targets (tests/fuzz/README.md says how to run them):
//   fuzz_scenario  bytes -> the scenario parser -> the build and validation `archsim validate` does
//   fuzz_set       bytes -> --set assignments on a shipped scenario -> build and validation
//   fuzz_model     bytes -> a scenario cut to a short run -> run -> conservation checked
#pragma once
#include <cstdint>
#include <cstdlib>
#include <cstdio>
#include <new>
#include <string>

#include "scenario/build.h"
#include "scenario/errors.h"
#include "tests/builtin_registry.h"

namespace archsim::fuzz {

// archsim's own registry: families and the ledgers' keys (a scenario with "slo" or "cost"
// is read as the command line reads it).
inline const Registry& registry() { return test::registry(); }

// Stops the fuzzer with the broken law: abort() is what libFuzzer keeps as a crash input.
[[noreturn]] inline void broken(const std::string& what) {
  std::fprintf(stderr, "fuzz: law broken: %s\n", what.c_str());
  std::abort();
}

// Runs `f`, accepting archsim's refusals (exit 2 on the command line) and nothing else.
template <class F>
void accept_refusals(F&& f) {
  try {
    f();
  } catch (const ScenarioError&) {
  } catch (const std::bad_alloc&) {
  }
}

}  // namespace archsim::fuzz
