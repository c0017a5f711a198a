#include "tools/import/import.h"

#include <algorithm>
#include <filesystem>

#include "tools/import/calibrate.h"
#include "tools/import/import_error.h"
#include "tools/import/readers.h"
#include "tools/import/scenario_writer.h"
#include "tools/import/traces.h"

namespace archsim::import {

namespace fs = std::filesystem;

namespace {

// Folders stand for their *.yaml and *.yml files, in name order.
std::vector<std::string> expand(const std::vector<std::string>& inputs) {
  std::vector<std::string> out;
  for (const std::string& in : inputs) {
    std::error_code ec;
    if (fs::is_directory(in, ec)) {
      std::vector<std::string> found;
      for (const auto& e : fs::directory_iterator(in, ec)) {
        const std::string ext = e.path().extension().string();
        if (e.is_regular_file() && (ext == ".yaml" || ext == ".yml")) found.push_back(e.path().string());
      }
      if (found.empty()) throw ImportError(in, "", "a folder with no .yaml or .yml file");
      std::sort(found.begin(), found.end());
      out.insert(out.end(), found.begin(), found.end());
    } else {
      out.push_back(in);
    }
  }
  return out;
}

}  // namespace

ImportResult run_import(const ImportRequest& req) {
  Inventory inv;
  std::vector<std::vector<YamlDocument>> loaded;
  const std::vector<std::string> files = expand(req.files);
  for (const std::string& f : files) loaded.push_back(load_yaml_file(f));
  std::vector<const YamlDocument*> kube;
  for (std::size_t i = 0; i < loaded.size(); ++i) {
    if (loaded[i].empty()) throw ImportError(files[i], "", "no YAML document in the file");
    for (const YamlDocument& d : loaded[i]) {
      if (is_compose(d)) read_compose(d, inv);
      else if (d.value.is_object() && (d.value.contains("kind") || d.value.contains("apiVersion"))) kube.push_back(&d);
      else d.fail("", "neither a Compose file (a map with services) nor a Kubernetes object (apiVersion, kind)");
    }
  }
  if (!kube.empty()) read_kubernetes(kube, inv);

  std::vector<TraceFile> traces;
  for (const std::string& t : req.traces) traces.push_back(read_trace_file(t));
  const Calibration cal = calibrate(traces, req.sampling);
  if (inv.workloads.empty() && cal.services.empty() && cal.clients.empty())
    throw ImportError(files.empty() ? req.traces.front() : files.front(), "", "no workload and no traced service to import");

  WriterOptions opt;
  opt.name = req.name;
  opt.guesses_file = req.guesses_file;
  opt.heavy_tails = req.heavy_tails;
  std::vector<std::string> inputs = files;
  inputs.insert(inputs.end(), cal.files.begin(), cal.files.end());
  for (const std::string& f : files) opt.inputs.push_back(fs::path(f).filename().string());
  for (const std::string& f : req.traces) opt.inputs.push_back(fs::path(f).filename().string());
  Guesses g;
  for (const std::string& n : cal.notes) g.add(Guess::Skipped, "", n);
  if (cal.skipped) g.add(Guess::Skipped, "", std::to_string(cal.skipped) + " traces left out (a span still open when the "
                                                                          "recording ended, or a root with no call)");
  ImportResult r;
  r.scenario = write_scenario(inv, cal, opt, g);
  r.guesses = g.list().size();
  r.guesses_text = g.format(req.guesses_file.empty() ? req.name : req.guesses_file, inputs);
  return r;
}

}  // namespace archsim::import
