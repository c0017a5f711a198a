#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "reports/ledgers/ledgers.h"
#include "reports/slo_gate.h"
#include "reports/summary.h"
#include "scenario/errors.h"
#include "scenario/json_text.h"
#include "scenario/scenario_file.h"
#include "sim/simulation.h"
#include "sim/text_list.h"
#include "tools/cli/commands.h"
#include "tools/cli/executor.h"
#include "tools/cli/interrupt.h"
#include "tools/cli/job_store.h"
#include "tools/cli/mpi_executor.h"
#include "tools/cli/output_dir.h"
#include "tools/cli/report_command.h"

namespace archsim::cli {

namespace fs = std::filesystem;
using nlohmann::ordered_json;

static std::string cell(const ordered_json& s, const std::string& path, double scale = 1, int prec = 2) {
  const ordered_json* v = &s;
  std::size_t start = 0;
  for (;;) {
    std::size_t dot = path.find('.', start);
    std::string key = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (!v->contains(key)) return "-";
    v = &(*v)[key];
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  if (!v->is_number()) return "-";  // null: e.g. the availability of a variant with no requests
  char buf[96];
  std::snprintf(buf, sizeof buf, "%.*f", prec, v->get<double>() * scale);
  std::string out = buf;
  if (s.contains("ci95") && s["ci95"].contains(path)) {
    std::snprintf(buf, sizeof buf, "±%.*f", prec, s["ci95"][path]["half_width"].get<double>() * scale);
    out += buf;
  }
  return out;
}

int compare_command(const CompareOptions& o, const Registry& registry) {
  install_interrupt_handlers();
  std::string load_error;  // a worker rank's, printed only when rank 0 could read the file
  auto base = load_with_sets(o.scenario, o.sets, mpi_rank() == 0 ? nullptr : &load_error);
  // Under MPI the ranks other than 0 serve jobs inside and return here (mpi_executor.h).
  int worker_exit = 0;
  auto exec = make_sweep_executor(base, load_error, o.scenario, registry, o.threads, o.quiet, &worker_exit);
  if (mpi_rank() != 0) return worker_exit;
  if (!base || !exec) return 2;
  // The grid of variants: the cartesian product of every --vary.
  const auto grid = vary_grid(o.varies);
  if (!grid) return 2;
  const std::vector<Variant>& variants = *grid;
  std::uint64_t seed = 0;
  std::string name;
  double sim_total_s = 0;  // every job's simulated time, for the progress bar's clock
  // Every variant is built (validated) before the first job runs.
  for (const Variant& v : variants) {
    nlohmann::json doc = *base;
    try {
      for (const auto& s : v.sets) apply_set(doc, s);
      if (o.fail_on_slo && !scenario_has_slo(doc)) {
        std::cerr << o.scenario << ": /slo: --fail-on-slo needs an \"slo\" with at least one objective to gate on"
                  << " (variant " << v.label << ")\n";
        return 2;
      }
      Simulation probe(doc, registry, o.seed);
      seed = probe.settings().seed;
      name = probe.settings().name;
      sim_total_s += to_seconds(probe.settings().duration) * o.replications;
    } catch (const ScenarioError& e) {
      std::cerr << e.format(o.scenario) << " (variant " << v.label << ")\n";
      return 2;
    } catch (const std::bad_alloc&) {
      return out_of_memory(o.scenario);
    }
  }
  const bool explicit_out = !o.out.empty();
  auto dir = OutputDir::open(explicit_out ? fs::path(o.out) : fs::path("out") / (slugify(name) + "-compare"), explicit_out);
  if (!dir) return 1;
  const fs::path& out = dir->staging();
  // The job plan: every (variant, replication); every variant runs with the same seeds
  // (common random numbers), and replication 0 of each also returns its time series.
  const int reps = o.replications;
  std::vector<JobSpec> jobs;
  for (const Variant& v : variants)
    for (int k = 0; k < reps; ++k) {
      jobs.push_back(JobSpec{v.sets, seed + static_cast<std::uint64_t>(k), k == 0});
      if (k == 0) jobs.back().trace = o.trace;  // traced requests are replication 1's, as its charts are
    }
  JobStore store(dir->dest() / "jobs", scenario_hash(*base));
  if (o.resume && !store.same_build()) return 2;
  Progress bar(!o.quiet, sim_total_s);
  SweepOutcome sweep = run_sweep(*exec, store, o.resume, jobs, [&](double f) { bar(f); });
  bar.done();
  if (int code = sweep_interrupted(sweep, jobs.size(), dir->dest() / "jobs")) return code;
  if (int code = sweep_failures(sweep, jobs, o.scenario, [&](std::size_t j) { return "variant " + variants[j / reps].label; },
                                dir->dest() / "jobs"))
    return code;
  ordered_json result{{"scenario", name},         {"seed", seed}, {"replications", o.replications},
                      {"overrides", o.sets},       // the --set common to every variant, as written
                      {"variants", ordered_json::array()}};
  for (std::size_t i = 0; i < variants.size(); ++i) {
    std::vector<ordered_json> sums;
    for (int k = 0; k < reps; ++k) sums.push_back(parse_ordered_json(sweep.outputs[i * reps + k].summary));
    const JobOutput& first = sweep.outputs[i * reps];
    ordered_json merged = merge_replications(sums);
    // What this variant changed: the common --set, then its own --vary values, in order.
    std::vector<std::string> overrides = o.sets;
    overrides.insert(overrides.end(), variants[i].sets.begin(), variants[i].sets.end());
    merged["run"]["overrides"] = overrides;
    fs::path vdir = out / ("variant-" + std::to_string(i + 1));
    std::error_code ec;
    fs::create_directory(vdir, ec);
    if (ec || !write_checked(vdir / "summary.json", merged.dump(2) + "\n") ||
        !write_checked(vdir / "timeseries.csv", first.timeseries_csv) ||
        !write_checked(vdir / "latency_cdf.csv", first.latency_cdf_csv) ||
        (!first.trace_json.empty() && !write_checked(vdir / "trace.json", first.trace_json)))
      return 1;
    result["variants"].push_back(
        ordered_json{{"label", variants[i].label}, {"dir", vdir.filename().string()}, {"set", sets_object(variants[i].sets)},
                     {"overrides", overrides}, {"summary", merged}});
  }
  // Outside the results, as every "run" block: what ran the jobs ("2 threads", "4 MPI ranks
  // (3 workers)"); the files are the same whatever it was.
  result["run"] = ordered_json{{"executor", exec->describe()}};
  if (!write_checked(out / "compare.json", result.dump(2) + "\n")) return 1;
  // --fail-on-slo: every variant is judged (each named on stderr); the code says whether any missed.
  auto gate = [&] {
    int code = 0;
    if (o.fail_on_slo)
      for (const auto& v : result["variants"])
        code = std::max(code, slo_gate_exit(v["summary"], "variant " + v["label"].get<std::string>()));
    return code;
  };
  // A signal once every job had ended: the jobs are kept (DIR/jobs); the writing stops and
  // the previous folder's files stay as they were (run_command.cpp says why).
  auto stop_writing = [&] {
    if (interrupt_signal() == 0) return false;
    std::cerr << "archsim: interrupted while writing: all " << jobs.size() << " jobs finished and are kept in "
              << (dir->dest() / "jobs").string()
              << "; nothing else written: run the same command with --resume to write the output without running them again\n";
    return true;
  };
  std::string report_said;
  if (!o.no_report && !stop_writing()) {
    bool stopped = false;  // by a signal: stop_writing() below says so
    const auto said = write_report(out, dir->dest(), &stopped);
    if (!said && !stopped) return 1;  // said why; the staging folder goes, the jobs stay for --resume
    report_said = said.value_or("");
  }
  if (stop_writing()) return interrupted_exit_code();
  // Last before the commit: until then the jobs stay in the old folder's jobs/, for --resume.
  if (!store.move_into(jobs, out / "jobs") || !dir->commit()) return 1;
  if (o.json) {
    std::cout << result.dump(2) << "\n";
    std::cerr << report_said;
    return gate();
  }
  // Balancer columns (share of requests per backend, load imbalance) come from the first
  // balancer of the scenario, when there is one.
  std::string lb_id;
  std::vector<std::string> backends;
  if (!result["variants"].empty()) {
    const ordered_json& comps = result["variants"][0]["summary"]["components"];
    for (auto it = comps.begin(); it != comps.end(); ++it)
      if (it->value("type", "") == "balancer" && it->contains("share") && (*it)["share"].is_object()) {
        lb_id = it.key();
        for (auto b = (*it)["share"].begin(); b != (*it)["share"].end(); ++b) backends.push_back(b.key());
        break;
      }
  }
  // Dual-write columns come from the first queue that sees its producers' business writes.
  std::string dw_id;
  if (!result["variants"].empty()) {
    const ordered_json& comps = result["variants"][0]["summary"]["components"];
    for (auto it = comps.begin(); it != comps.end() && dw_id.empty(); ++it)
      if (it->contains("writes_without_event")) dw_id = it.key();
  }
  auto share_cell = [&](const ordered_json& s) {
    std::string text;
    const ordered_json* v = nullptr;
    if (s.contains("components") && s["components"].contains(lb_id) && s["components"][lb_id].contains("share"))
      v = &s["components"][lb_id]["share"];
    for (const std::string& b : backends) {
      char buf[32];
      if (v && v->contains(b)) std::snprintf(buf, sizeof buf, "%.0f", (*v)[b].get<double>() * 100);
      else std::snprintf(buf, sizeof buf, "-");
      append_item(text, "/", buf);
    }
    return text;
  };
  std::size_t share_w = 9;
  for (const auto& v : result["variants"])
    if (!lb_id.empty()) share_w = std::max(share_w, share_cell(v["summary"]).size());
  const int sw = static_cast<int>(share_w);
  // "all p99 ms": the p99 of every request that ended (latency_all_ms), failed ones at their
  // failure, beside the successful requests' p99: a variant whose requests fail fast or time
  // out must not read as the faster one.
  std::printf("%-36s %12s %12s %14s %14s %12s %10s %12s %10s", "variant", "p50 ms", "p95 ms", "p99 ms", "all p99 ms", "max ms",
              "avail %", "req/s", "cost $");
  if (!lb_id.empty()) std::printf(" %*s %12s", sw, "share %", "imbalance");
  if (!dw_id.empty()) std::printf(" %10s %10s", "no event", "no write");
  std::printf("\n");
  for (const auto& v : result["variants"]) {
    const ordered_json& s = v["summary"];
    std::printf("%-36s %12s %12s %14s %14s %12s %10s %12s %10s", v["label"].get<std::string>().c_str(),
                cell(s, "latency_ms.p50").c_str(), cell(s, "latency_ms.p95").c_str(), cell(s, "latency_ms.p99").c_str(),
                cell(s, "latency_all_ms.p99").c_str(), cell(s, "latency_ms.max").c_str(), cell(s, "availability", 100, 3).c_str(),
                cell(s, "throughput_rps", 1, 1).c_str(), cell(s, "cost.total_usd", 1, 4).c_str());
    if (!lb_id.empty())
      std::printf(" %*s %12s", sw, share_cell(s).c_str(), cell(s, "components." + lb_id + ".imbalance_cv", 1, 3).c_str());
    if (!dw_id.empty())
      std::printf(" %10s %10s", cell(s, "components." + dw_id + ".writes_without_event", 1, 0).c_str(),
                  cell(s, "components." + dw_id + ".events_without_write", 1, 0).c_str());
    std::printf("\n");
  }
  if (!lb_id.empty()) {
    const std::string names = join_items(backends, "/");
    std::printf("(share %%: requests %s sent to %s; imbalance: coefficient of variation of the time-average\n"
                " requests in flight per backend and unit of weight, 0 = load follows the weights)\n",
                lb_id.c_str(), names.c_str());
  }
  if (!dw_id.empty())
    std::printf("(queue %s: no event = business writes committed without their event; no write = events\n"
                " published for a business write that then failed)\n", dw_id.c_str());
  if (o.replications > 1) std::printf("(± is the half-width of a 95%% confidence interval over %d replications)\n", o.replications);
  std::printf("\nwrote %s\n", (dir->dest() / "compare.json").string().c_str());
  std::cout << report_said << std::flush;
  return gate();
}

}  // namespace archsim::cli
