#include "tools/import/import.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>

#include "tools/import/calibrate.h"
#include "tools/import/compose_merge.h"
#include "tools/import/import_error.h"
#include "tools/import/name_match.h"
#include "tools/import/readers.h"
#include "tools/import/scenario_writer.h"
#include "tools/import/traces.h"

extern char** environ;

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

// A Compose env file (KEY=VALUE lines; # comments; `export ` and quotes allowed).
void read_env_file(const std::string& path, std::map<std::string, std::string>& into) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ImportError(path, "", "cannot read the env file");
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const auto start = line.find_first_not_of(" \t");
    if (start == std::string::npos || line[start] == '#') continue;
    line = line.substr(start);
    if (line.rfind("export ", 0) == 0) line = line.substr(7);
    const auto eq = line.find('=');
    if (eq == std::string::npos || eq == 0) throw ImportError(path, "", "expected KEY=VALUE, not \"" + shown(line) + "\"", n, 1);
    std::string key = line.substr(0, eq), value = line.substr(eq + 1);
    while (!key.empty() && (key.back() == ' ' || key.back() == '\t')) key.pop_back();
    if (value.size() >= 2 && (value[0] == '"' || value[0] == '\'') && value.back() == value[0])
      value = value.substr(1, value.size() - 2);
    else if (const auto hash = value.find(" #"); hash != std::string::npos)
      value = value.substr(0, hash);
    if (bad_utf8(key + value) != std::string::npos) throw ImportError(path, "", "not UTF-8 text", n, 1);
    into[key] = value;
  }
}

}  // namespace

ImportResult run_import(const ImportRequest& req) {
  Inventory inv;
  const std::vector<std::string> files = expand(req.files);

  // Compose interpolation: env files (or .env beside the first file), then the environment.
  std::vector<std::string> unset;
  Variables vars;
  vars.unset = &unset;
  if (!req.env_files.empty()) {
    for (const std::string& f : req.env_files) read_env_file(f, vars.values);
  } else if (!files.empty()) {
    const fs::path dot_env = fs::path(files.front()).parent_path() / ".env";
    std::error_code ec;
    if (fs::is_regular_file(dot_env, ec)) read_env_file(dot_env.string(), vars.values);
  }
  if (req.environment)
    for (char** e = environ; e && *e; ++e) {
      const std::string kv = *e;
      const auto eq = kv.find('=');
      if (eq != std::string::npos && eq > 0) vars.values[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
  YamlOptions options;
  options.variables = &vars;

  std::vector<std::vector<YamlDocument>> loaded;
  std::vector<std::string> names;
  for (const auto& [name, text] : req.texts) loaded.push_back(parse_yaml_text(text, name, options)), names.push_back(name);
  for (const std::string& f : files) loaded.push_back(load_yaml_file(f, options)), names.push_back(f);
  std::vector<const YamlDocument*> kube, compose;
  for (std::size_t i = 0; i < loaded.size(); ++i) {
    if (loaded[i].empty()) throw ImportError(names[i], "", "no YAML document in the file");
    for (const YamlDocument& d : loaded[i]) {
      if (is_compose(d)) compose.push_back(&d);
      else if (d.value.is_object() && (d.value.contains("kind") || d.value.contains("apiVersion"))) kube.push_back(&d);
      else d.fail("", "neither a Compose file (a map with services) nor a Kubernetes object (apiVersion, kind)");
    }
  }
  if (!compose.empty()) {
    const YamlDocument merged = merge_compose(compose, options);
    read_compose(merged, inv);
    if (compose.size() > 1) {
      std::string list;
      for (const YamlDocument* d : compose) list += (list.empty() ? "" : ", ") + d->file;
      inv.notes.push_back("Compose files merged in the order given, the later overriding the earlier: " + list);
    }
  }
  if (!kube.empty()) read_kubernetes(kube, inv);
  std::set<std::string> said;
  for (const std::string& v : unset)
    if (said.insert(v).second)
      inv.notes.push_back("${" + v + "} is not set: taken as an empty string, as Compose does (set it, or give --env-file)");

  std::vector<TraceFile> traces;
  for (const std::string& t : req.traces) traces.push_back(read_trace_file(t));
  // The traces' names as the manifests spell them, before anything is measured under them.
  NameMatches names_matched;
  if (!inv.workloads.empty() && !traces.empty()) names_matched = match_names(inv, traces);
  const Calibration cal = calibrate(traces, req.sampling);
  if (inv.workloads.empty() && cal.services.empty() && cal.clients.empty())
    throw ImportError(!names.empty() ? names.front() : req.traces.front(), "", "no workload and no traced service to import");
  for (const std::string& e : req.entries)
    if (!inv.find(e) && !cal.services.count(e))
      throw ImportError(!names.empty() ? names.front() : req.traces.front(), "--entry",
                        "\"" + shown(e) + "\" is no workload of these manifests nor a traced service");

  WriterOptions opt;
  opt.name = req.name;
  opt.guesses_file = req.guesses_file;
  opt.heavy_tails = req.heavy_tails;
  opt.entries = req.entries;
  std::vector<std::string> inputs = names;
  inputs.insert(inputs.end(), cal.files.begin(), cal.files.end());
  for (const std::string& f : names) opt.inputs.push_back(fs::path(f).filename().string());
  for (const std::string& f : req.traces) opt.inputs.push_back(fs::path(f).filename().string());
  Guesses g;
  for (const auto& m : names_matched.matched)
    g.add(Guess::Inferred, m.workload, m.store ? m.how : "the traces' " + m.trace_name + " is " + m.workload + ": " + m.how);
  for (const auto& [name, why] : names_matched.unmatched_traced)
    g.add(Guess::Warning, name, "the traces' service " + name + ": " + why + ": modelled as a component of its own, "
                                "beside the manifests' workloads");
  for (const std::string& w : names_matched.unmatched_workloads)
    g.add(Guess::Inferred, w, "no traced service is " + w + ": what it does per request is not measured");
  for (const std::string& n : cal.notes) g.add(Guess::Skipped, "", n);
  if (cal.skipped) g.add(Guess::Skipped, "", std::to_string(cal.skipped) + " traces left out (a span still open when the "
                                                                          "recording ended, or a root with no call)");
  ImportResult r;
  r.scenario = write_scenario(inv, cal, opt, g);
  r.guesses = g.list().size();
  r.guesses_text = g.format(req.guesses_file.empty() ? req.name : req.guesses_file, inputs);
  for (const Guess& x : g.list())
    if (x.kind == Guess::Warning) r.warnings.push_back((x.path.empty() ? std::string("(scenario)") : x.path) + ": " + x.text);
  return r;
}

}  // namespace archsim::import
