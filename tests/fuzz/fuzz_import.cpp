// Fuzz targets of `archsim import`, one source built five times (CMakeLists.txt sets
// ARCHSIM_FUZZ_IMPORT to the input it reads):
//   fuzz_import_compose, fuzz_import_k8s  bytes -> a YAML file -> the whole import (Compose
//       merge and interpolation, Kubernetes kinds, the scenario writer); seeds: Compose files
//       or Kubernetes manifests;
//   fuzz_import_jaeger, fuzz_import_zipkin, fuzz_import_otlp  bytes -> JSON -> the trace
//       reader (it recognises the format from the content) -> calibration -> the scenario
//       writer; seeds: that format's files.
// A refusal (ImportError: exit 2 on the command line; a JSON syntax error; out of memory) is a
// correct outcome. Anything else escaping (a JSON type error, a std::out_of_range, a crash,
// a sanitizer report) is a finding; so is a scenario that cannot be written as JSON.
#include <cstdint>
#include <new>
#include <string>

#include <nlohmann/json.hpp>

#include "tools/import/calibrate.h"
#include "tools/import/guesses.h"
#include "tools/import/import.h"
#include "tools/import/import_error.h"
#include "tools/import/inventory.h"
#include "tools/import/scenario_writer.h"
#include "tools/import/traces.h"

#ifndef ARCHSIM_FUZZ_IMPORT
#error "ARCHSIM_FUZZ_IMPORT: 1 for YAML (Compose or Kubernetes), 2 for traces"
#endif

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace archsim::import;
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
#if ARCHSIM_FUZZ_IMPORT == 1
    ImportRequest req;
    req.texts = {{"fuzz.yaml", text}};
    req.environment = false;  // what the shell holds must not change what the input does
    req.name = "fuzz";
    req.guesses_file = "fuzz.guesses.txt";
    const ImportResult r = run_import(req);
    (void)r.scenario.dump();
#else
    nlohmann::json doc;
    try {
      doc = nlohmann::json::parse(text);
    } catch (const nlohmann::json::parse_error&) {
      return 0;
    } catch (const nlohmann::json::out_of_range&) {  // a number past a double (read_trace_file refuses it)
      return 0;
    }
    const TraceFile t = read_trace_json(doc, "fuzz.json");
    const Calibration cal = calibrate({t}, 0);
    Inventory inv;
    Guesses g;
    WriterOptions opt;
    opt.name = "fuzz";
    opt.guesses_file = "fuzz.guesses.txt";
    (void)write_scenario(inv, cal, opt, g).dump();
#endif
  } catch (const ImportError&) {
  } catch (const std::bad_alloc&) {
  }
  return 0;
}
