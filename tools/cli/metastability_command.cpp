// archsim metastability: a vulnerability map. Every cell of a --vary grid (load x trigger
// size, a map per trigger duration), under each mitigation, runs on the job plan compare
// uses (tools/cli/sweep.h: threads, MPI ranks, --resume); each run is judged by the rule of
// tools/cli/metastability_verdict.h and the cells are gathered into metastability.json
// (tools/cli/metastability_map.h) and a page (reports/html_metastability.h).
#include <cmath>
#include <filesystem>
#include <iostream>

#include "scenario/errors.h"
#include "scenario/json_text.h"
#include "scenario/params.h"
#include "scenario/scenario_file.h"
#include "sim/simulation.h"
#include "tools/cli/commands.h"
#include "tools/cli/interrupt.h"
#include "tools/cli/job_store.h"
#include "tools/cli/metastability_bisect.h"
#include "tools/cli/metastability_map.h"
#include "tools/cli/mpi_executor.h"
#include "tools/cli/output_dir.h"
#include "tools/cli/report_command.h"

namespace archsim::cli {

namespace fs = std::filesystem;
using nlohmann::ordered_json;
using metastability::CellPlan;

namespace {

// "NAME:P=V,P=V" -> a mitigation; prints one line and returns false when malformed.
bool parse_mitigation(const std::string& text, std::vector<metastability::Mitigation>& out) {
  const auto colon = text.find(':');
  const std::string name = colon == std::string::npos ? "" : text.substr(0, colon);
  if (name.empty() || colon + 1 >= text.size() || name.find('=') != std::string::npos) {
    std::cerr << "archsim metastability: --mitigation " << text
              << ": expected NAME:PATH=VALUE[,PATH=VALUE...] e.g. budget:client.retry.budget=0.1\n";
    return false;
  }
  for (const auto& m : out)
    if (m.name == name) {
      std::cerr << "archsim metastability: --mitigation " << text << ": \"" << name
                << "\" is named twice (\"none\" is the map without a mitigation)\n";
      return false;
    }
  metastability::Mitigation m{name, {}};
  for (const std::string& s : split_values(text.substr(colon + 1))) {
    if (s.find('=') == std::string::npos || s[0] == '=') {
      std::cerr << "archsim metastability: --mitigation " << text << ": \"" << s << "\" is not PATH=VALUE\n";
      return false;
    }
    m.sets.push_back(s);
  }
  out.push_back(std::move(m));
  return true;
}

// The fault named `trigger` in `doc`, or nullptr.
const nlohmann::json* find_fault(const nlohmann::json& doc, const std::string& trigger) {
  if (!doc.contains("faults") || !doc["faults"].is_array()) return nullptr;
  for (const auto& f : doc["faults"])
    if (f.is_object() && f.contains("name") && f["name"].is_string() && f["name"].get<std::string>() == trigger) return &f;
  return nullptr;
}

std::string fault_names(const nlohmann::json& doc) {
  std::string names;
  if (doc.contains("faults") && doc["faults"].is_array())
    for (const auto& f : doc["faults"])
      if (f.is_object() && f.contains("name") && f["name"].is_string()) names += (names.empty() ? "" : ", ") + f["name"].get<std::string>();
  return names.empty() ? "none has a \"name\"" : "named: " + names;
}

std::string secs(double s) {
  char b[32];
  std::snprintf(b, sizeof b, "%g s", s);
  return b;
}

// Plans one cell: builds its scenario (every field checked), finds the trigger's times and
// the span followed after the trigger (--window, the run lengthened to hold it; default: the
// rest of the run). Prints one line and returns false on bad input.
bool plan_cell(const nlohmann::json& base, const MetastabilityOptions& o, const Registry& registry, std::optional<double> window_s,
               CellPlan& c, std::uint64_t& seed, std::string& name, double& sim_total_s) {
  nlohmann::json doc = base;
  const std::string where = o.scenario + " (" + c.label + ")";
  try {
    for (const auto& s : c.sets) apply_set(doc, s);
    Simulation probe(doc, registry, o.seed);
    seed = probe.settings().seed;
    name = probe.settings().name;
    const auto& st = probe.settings();
    sim_total_s += to_seconds(st.duration) * o.replications;
    const nlohmann::json* f = find_fault(doc, o.trigger);
    if (!f) {
      std::cerr << "archsim metastability: --trigger " << o.trigger << ": " << where << " has no fault of that name\n";
      return false;
    }
    c.warmup_s = to_seconds(st.warmup);
    c.run_end_s = to_seconds(st.duration);
    c.window_len_s = to_seconds(st.window);
    c.start_s = to_seconds(Params::parse_duration_value((*f)["at"], "/at"));
    const std::string kind = f->value("kind", "");
    // A permanent workload change (key_shift without "duration") is judged from its instant, as a flush is.
    const bool instant = kind == "crash" || kind == "drain" || kind == "cache_flush" || kind == "key_shift";
    if (f->contains("duration")) {
      c.end_s = c.start_s + to_seconds(Params::parse_duration_value((*f)["duration"], "/duration"));
    } else if (instant) {
      c.end_s = c.start_s;
    } else {
      std::cerr << "archsim metastability: --trigger " << o.trigger << ": " << where
                << ": the fault has no \"duration\", so it lasts to the end of the run and nothing can recover after it\n";
      return false;
    }
  } catch (const ScenarioError& e) {
    std::cerr << e.format(o.scenario) << " (" << c.label << ")\n";
    return false;
  }
  const double trig = c.end_s - c.start_s;
  if (c.start_s - c.warmup_s < c.window_len_s - 1e-9) {
    std::cerr << "archsim metastability: " << where << ": the trigger starts at " << secs(c.start_s)
              << ", less than one window (" << secs(c.window_len_s) << ") after the warm-up (" << secs(c.warmup_s)
              << "): there is no goodput before it to compare with\n";
    return false;
  }
  c.verdict_s = window_s ? *window_s : c.run_end_s - c.end_s;
  if (c.verdict_s < trig - 1e-9) {
    std::cerr << "archsim metastability: " << where << ": "
              << (window_s ? "--window " + secs(*window_s) + " is" : "the run leaves only " + secs(c.verdict_s) + " after the trigger,")
              << " shorter than the trigger (" << secs(trig)
              << "): a healthy system may need that long to drain what the trigger queued"
              << (window_s ? "" : " (lengthen \"duration\" or move the trigger earlier)") << "\n";
    return false;
  }
  if (c.verdict_s < 2 * c.window_len_s - 1e-9) {
    std::cerr << "archsim metastability: " << where << ": the verdict window (" << secs(c.verdict_s)
              << ") is shorter than two of the scenario's windows (" << secs(c.window_len_s) << " each)\n";
    return false;
  }
  if (c.end_s + c.verdict_s > c.run_end_s + 1e-9) {
    // The span followed is a bound the user chose: the run is lengthened to hold it (the
    // trigger's times do not move; the scenario checked above at its own length).
    char d[48];
    std::snprintf(d, sizeof d, "duration=%.9gs", c.end_s + c.verdict_s);
    c.sets.push_back(d);
    sim_total_s += (c.end_s + c.verdict_s - c.run_end_s) * o.replications;
    c.run_end_s = c.end_s + c.verdict_s;
  }
  return true;
}

}  // namespace

int metastability_command(const MetastabilityOptions& o, const Registry& registry) {
  install_interrupt_handlers();
  std::string load_error;
  auto base = load_with_sets(o.scenario, o.sets, mpi_rank() == 0 ? nullptr : &load_error);
  int worker_exit = 0;
  auto exec = make_sweep_executor(base, load_error, o.scenario, registry, o.threads, o.quiet, &worker_exit);
  if (mpi_rank() != 0) return worker_exit;
  if (!base || !exec) return 2;
  if (!find_fault(*base, o.trigger)) {
    std::cerr << "archsim metastability: --trigger " << o.trigger << ": " << o.scenario << " has no fault of that name ("
              << fault_names(*base) << ")\n";
    return 2;
  }
  std::optional<double> window_s;
  if (!o.window.empty()) {
    std::string err;
    const auto w = parse_duration(o.window, &err);
    if (!w || *w <= 0) {
      std::cerr << "archsim metastability: --window " << o.window << ": " << (w ? "must be positive" : err) << "\n";
      return 2;
    }
    window_s = to_seconds(*w);
  }
  std::vector<metastability::Mitigation> mitigations{{"none", {}}};
  for (const auto& m : o.mitigations)
    if (!parse_mitigation(m, mitigations)) return 2;
  std::optional<metastability::BisectSpec> bisect;
  if (!o.bisect.empty() && !(bisect = metastability::parse_bisect(o.bisect, o.bisect_steps))) return 2;
  const auto grid = vary_grid(o.varies);
  if (!grid) return 2;
  metastability::Layout layout = metastability::layout_of(o.varies, o.trigger);

  // Every cell is planned (built and checked) before the first job runs.
  std::vector<CellPlan> cells;
  std::uint64_t seed = 0;
  std::string name;
  double sim_total_s = 0;
  for (std::size_t m = 0; m < mitigations.size(); ++m)
    for (const Variant& v : *grid) {
      CellPlan c;
      c.mitigation = m;
      c.sets = mitigations[m].sets;
      c.sets.insert(c.sets.end(), v.sets.begin(), v.sets.end());
      c.vary_sets = v.sets;
      c.label = (m ? mitigations[m].name + ": " : "") + (v.label.empty() ? "the scenario" : v.label);
      try {
        if (!plan_cell(*base, o, registry, window_s, c, seed, name, sim_total_s)) return 2;
      } catch (const std::bad_alloc&) {
        return out_of_memory(o.scenario);
      }
      cells.push_back(std::move(c));
    }
  const bool explicit_out = !o.out.empty();
  auto dir = OutputDir::open(explicit_out ? fs::path(o.out) : fs::path("out") / (slugify(name) + "-metastability"), explicit_out);
  if (!dir) return 1;
  const fs::path& out = dir->staging();
  const int reps = o.replications;
  JobStore store(dir->dest() / "jobs", scenario_hash(*base));
  if (o.resume && !store.same_build()) return 2;
  metastability::Rule rule{o.fraction, 0};
  ordered_json result{{"scenario", name}, {"seed", seed}, {"trigger", o.trigger}, {"replications", reps},
                      {"overrides", o.sets}};  // the --set common to every cell, as written
  if (bisect) {
    // Each row's size tried is planned as a cell of its own (checked as the map's are), and
    // every round runs as one sweep; the jobs of all rounds are kept for --resume.
    std::vector<JobSpec> all_jobs;
    int sweep_code = 0;  // a round's sweep that failed or was interrupted: its exit code
    auto plan = [&](const CellPlan& row, const std::string& size_set, CellPlan& c) {
      c = row;
      c.sets.push_back(size_set);
      c.vary_sets.push_back(size_set);
      c.label = row.label + ", " + size_set;
      return plan_cell(*base, o, registry, window_s, c, seed, name, sim_total_s);
    };
    auto run = [&](const std::vector<CellPlan>& round) -> std::optional<std::vector<JobOutput>> {
      std::vector<JobSpec> jobs;
      double sim_s = 0;
      for (const CellPlan& c : round)
        for (int k = 0; k < reps; ++k) {
          jobs.push_back(JobSpec{c.sets, seed + static_cast<std::uint64_t>(k), true});
          sim_s += c.run_end_s;
        }
      Progress bar(!o.quiet, sim_s);
      SweepOutcome sweep = run_sweep(*exec, store, o.resume, jobs, [&](double f) { bar(f); });
      bar.done();
      if ((sweep_code = sweep_interrupted(sweep, jobs.size(), dir->dest() / "jobs")) ||
          (sweep_code = sweep_failures(sweep, jobs, o.scenario, [&](std::size_t j) { return "cell " + round[j / reps].label; },
                                       dir->dest() / "jobs")))
        return std::nullopt;
      all_jobs.insert(all_jobs.end(), jobs.begin(), jobs.end());
      return std::move(sweep.outputs);
    };
    const auto boundary = metastability::bisect(*bisect, cells, mitigations, reps, rule, plan, run);
    if (!boundary) return sweep_code ? sweep_code : 2;
    result["boundary"] = *boundary;
    result["run"] = ordered_json{{"executor", exec->describe()}};
    if (!write_checked(out / "metastability.json", result.dump(2) + "\n")) return 1;
    if (!store.move_into(all_jobs, out / "jobs") || !dir->commit()) return 1;
    if (o.json) {
      std::cout << result.dump(2) << "\n";
      return 0;
    }
    metastability::print_boundary(*boundary, std::cout);
    std::cout << "\nwrote " << (dir->dest() / "metastability.json").string()
              << " (a bisection has no map: the page is drawn for maps only)\n"
              << std::flush;
    return 0;
  }
  std::vector<JobSpec> jobs;
  for (const CellPlan& c : cells)
    for (int k = 0; k < reps; ++k) jobs.push_back(JobSpec{c.sets, seed + static_cast<std::uint64_t>(k), true});
  Progress bar(!o.quiet, sim_total_s);
  SweepOutcome sweep = run_sweep(*exec, store, o.resume, jobs, [&](double f) { bar(f); });
  bar.done();
  if (int code = sweep_interrupted(sweep, jobs.size(), dir->dest() / "jobs")) return code;
  if (int code = sweep_failures(sweep, jobs, o.scenario, [&](std::size_t j) { return "cell " + cells[j / reps].label; },
                                dir->dest() / "jobs"))
    return code;

  result.update(metastability::map_json(layout, mitigations, cells, sweep.outputs, reps, rule));
  // Outside the results, as every "run" block: what ran the jobs.
  result["run"] = ordered_json{{"executor", exec->describe()}};
  if (!write_checked(out / "metastability.json", result.dump(2) + "\n")) return 1;
  std::string report_said;
  if (!o.no_report && interrupt_signal() == 0) {
    bool stopped = false;  // by a signal: the exit below
    const auto said = write_report(out, dir->dest(), &stopped);
    if (!said && !stopped) return 1;
    report_said = said.value_or("");
  }
  if (interrupt_signal() != 0) return interrupted_exit_code();
  if (!store.move_into(jobs, out / "jobs") || !dir->commit()) return 1;
  if (o.json) {
    std::cout << result.dump(2) << "\n";
    std::cerr << report_said;
    return 0;
  }
  metastability::print_maps(result, std::cout);
  std::cout << "\nwrote " << (dir->dest() / "metastability.json").string() << "\n" << report_said << std::flush;
  return 0;
}

}  // namespace archsim::cli
