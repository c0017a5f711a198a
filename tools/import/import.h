// `archsim import`: Compose files, Kubernetes manifests and request traces in, a scenario and
// the list of what it guessed out. The one header tools/cli includes; yaml-cpp stays inside
// tools/import/yaml_json.cpp. docs/import.md is the user's page.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace archsim::import {

struct ImportRequest {
  std::vector<std::string> files;   // YAML files or folders of them (*.yaml, *.yml)
  // YAML in memory, (name, text), read before the files (the fuzz targets and the tests).
  std::vector<std::pair<std::string, std::string>> texts;
  // Compose interpolation: --env-file files, in order (else `.env` beside the first file),
  // then the process environment, which wins as in Compose. `environment` false: leave the
  // process environment out (the tests and fuzzers, which must not depend on the shell).
  std::vector<std::string> env_files;
  bool environment = true;
  std::vector<std::string> entries;  // --entry: where requests enter (workload names)
  std::vector<std::string> traces;  // Jaeger, Zipkin or OTLP JSON files
  double sampling = 0;              // --sampling: the fraction of requests the traces hold (0: the files say, else 1)
  bool heavy_tails = false;         // --heavy-tails: allow lognormal and Pareto fits from under 100 samples
  std::string name;                 // the scenario's name
  std::string guesses_file;         // named in the scenario's description
};

struct ImportResult {
  nlohmann::ordered_json scenario;
  std::string guesses_text;  // the list, as printed and written
  std::size_t guesses = 0;
  // What the user must not miss even with --quiet (printed on stderr): components that no
  // request reaches, calls that are only guessed. Also in the list, as "warning".
  std::vector<std::string> warnings;
};

// Throws ImportError (tools/import/import_error.h) on bad input.
ImportResult run_import(const ImportRequest& request);

}  // namespace archsim::import
