// archsim plan SCENARIO --slo p99=200ms,availability=0.999 --search web.replicas=1..40,...
// The cheapest configuration of the searched parameters that meets the SLO with confidence
// across replications (tools/cli/plan_search.h says how the grid is walked), the Pareto
// front of cost against the first latency objective (p99 when none is given) over every
// configuration run, and plan.json. Cost is the cost ledger's total (summary.json
// cost.total_usd, mean over replications); ties go to the configuration with the smaller
// parameter values.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>

#include "reports/slo_gate.h"
#include "reports/summary.h"
#include "scenario/errors.h"
#include "scenario/json_text.h"
#include "scenario/scenario_file.h"
#include "sim/simulation.h"
#include "sim/text_list.h"
#include "tools/cli/commands.h"
#include "tools/cli/executor.h"
#include "tools/cli/job_store.h"
#include "tools/cli/mpi_executor.h"
#include "tools/cli/output_dir.h"
#include "tools/cli/plan_search.h"
#include "tools/cli/report_command.h"

namespace archsim::cli {

namespace fs = std::filesystem;
using nlohmann::ordered_json;

namespace {

struct Evaluation {
  std::vector<std::string> sets;
  ordered_json set;
  double cost = 0, latency = 0, latency_hi = 0, availability = 0, availability_lo = 0;
  bool meets = false;
  std::vector<std::string> missed;
};

double figure(const ordered_json& s, const std::string& dotted, double fallback) {
  const ordered_json* v = &s;
  std::size_t start = 0;
  for (;;) {
    const auto dot = dotted.find('.', start);
    const std::string key = dotted.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (!v->is_object() || !v->contains(key)) return fallback;
    v = &(*v)[key];
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return v->is_number() ? v->get<double>() : fallback;
}

// The 95% interval's end of a merged figure ("hi" or "lo"), the figure itself without one.
double bound(const ordered_json& s, const std::string& dotted, const char* end, double fallback) {
  if (s.contains("ci95") && s["ci95"].contains(dotted)) return s["ci95"][dotted][end].get<double>();
  return figure(s, dotted, fallback);
}

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

Evaluation judge(const ordered_json& merged, const SloTargets& slo, const std::string& axis) {
  Evaluation e;
  e.cost = figure(merged, "cost.total_usd", 0);
  e.latency = figure(merged, "latency_ms." + axis, 0);
  e.latency_hi = bound(merged, "latency_ms." + axis, "hi", e.latency);
  e.availability = figure(merged, "availability", 0);
  e.availability_lo = bound(merged, "availability", "lo", e.availability);
  e.meets = true;
  const double ok = figure(merged, "requests.ok", 0);
  for (const auto& [key, target] : slo.latency_ms) {
    const double hi = bound(merged, "latency_ms." + key, "hi", 1e300);
    if (ok <= 0 || hi > target) {
      e.meets = false;
      e.missed.push_back(key + " " + (ok <= 0 ? std::string("none succeeded") : fmt("%.4g", hi) + " ms") + " > " +
                         fmt("%.4g", target) + " ms");
    }
  }
  if (slo.availability && e.availability_lo < *slo.availability) {
    e.meets = false;
    e.missed.push_back("availability " + fmt("%.6g", e.availability_lo) + " < " + fmt("%.6g", *slo.availability));
  }
  return e;
}

ordered_json entry(const Evaluation& e, const std::string& axis) {
  return ordered_json{{"set", e.set},
                      {"cost_usd", round_sig(e.cost)},
                      {axis + "_ms", round_sig(e.latency)},
                      {axis + "_ms_hi", round_sig(e.latency_hi)},
                      {"availability", round_availability(e.availability)},
                      {"availability_lo", round_availability(e.availability_lo)},
                      {"meets_slo", e.meets}};
}

std::string label(const Evaluation& e) { return join_items(e.sets, " "); }

}  // namespace

int plan_command(const PlanOptions& o, const Registry& registry) {
  // Every MPI rank reads the flags the same way; only rank 0 says what is wrong with them.
  if (mpi_rank() != 0) std::cerr.setstate(std::ios::badbit);
  const auto slo = parse_slo(o.slo);
  const auto params = slo ? parse_search(o.searches) : std::nullopt;
  std::cerr.clear();
  if (!slo || !params) return 2;
  std::string load_error;  // a worker rank's, printed only when rank 0 could read the file
  auto base = load_with_sets(o.scenario, o.sets, mpi_rank() == 0 ? nullptr : &load_error);
  // Under MPI the ranks other than 0 serve jobs inside and return here (mpi_executor.h).
  int worker_exit = 0;
  auto exec = make_sweep_executor(base, load_error, o.scenario, registry, o.threads, o.quiet, &worker_exit);
  if (mpi_rank() != 0) return worker_exit;
  if (!base || !exec) return 2;
  const std::string axis = slo->latency_ms.empty() ? "p99" : slo->latency_ms.front().first;
  auto sets_of = [&](const StaircaseSearch::Point& p) {
    std::vector<std::string> sets;
    for (std::size_t d = 0; d < p.size(); ++d) sets.push_back((*params)[d].path + "=" + std::to_string((*params)[d].values[p[d]]));
    return sets;
  };
  // The smallest and the largest configuration are built before anything runs: a path that
  // is not in the scenario, or a value it refuses, is bad input.
  std::uint64_t seed = 0;
  std::string name;
  for (bool largest : {false, true}) {
    StaircaseSearch::Point p;
    for (const auto& prm : *params) p.push_back(largest ? prm.values.size() - 1 : 0);
    nlohmann::json doc = *base;
    try {
      for (const auto& s : sets_of(p)) apply_set(doc, s);
      Simulation probe(doc, registry, o.seed);
      seed = probe.settings().seed;
      name = probe.settings().name;
    } catch (const ScenarioError& e) {
      std::cerr << e.format(o.scenario) << " (--search configuration " << join_items(sets_of(p), " ") << ")\n";
      return 2;
    } catch (const std::bad_alloc&) {
      return out_of_memory(o.scenario);
    }
  }
  std::vector<std::size_t> sizes;
  for (const auto& prm : *params) sizes.push_back(prm.values.size());
  std::size_t outer = 1;
  for (std::size_t d = 0; d + 1 < sizes.size(); ++d) outer *= sizes[d];
  if (outer > 4096) {
    std::cerr << "archsim: --search: " << outer << " combinations of the parameters before the last (at most 4096): "
              << "narrow the ranges, or give the parameter with the most values last\n";
    return 2;
  }
  const bool explicit_out = !o.out.empty();
  auto dir = OutputDir::open(explicit_out ? fs::path(o.out) : fs::path("out") / (slugify(name) + "-plan"), explicit_out);
  if (!dir) return 1;
  JobStore store(dir->dest() / "jobs", scenario_hash(*base));
  if (o.resume && !store.same_build()) return 2;
  std::vector<JobSpec> all_jobs;  // of every round, for the folder's jobs/
  std::map<StaircaseSearch::Point, Evaluation> evaluated;
  StaircaseSearch search(sizes);
  // Runs the points (each with every replication) as one batch of jobs.
  auto evaluate = [&](const std::vector<StaircaseSearch::Point>& points, int round) -> int {
    std::vector<JobSpec> jobs;
    for (const auto& p : points)
      for (int k = 0; k < o.replications; ++k) jobs.push_back(JobSpec{sets_of(p), seed + static_cast<std::uint64_t>(k), false});
    all_jobs.insert(all_jobs.end(), jobs.begin(), jobs.end());
    if (!o.quiet)
      std::cerr << "archsim plan: round " << round << ": " << points.size() << " configuration" << (points.size() == 1 ? "" : "s")
                << ", " << jobs.size() << " jobs on " << exec->describe() << "\n";
    Progress bar(!o.quiet);
    SweepOutcome sweep = run_sweep(*exec, store, o.resume, jobs, [&](double f) { bar(f); });
    bar.done();
    const std::size_t reps = static_cast<std::size_t>(o.replications);
    if (int code = sweep_failures(sweep, jobs, o.scenario, [&](std::size_t j) { return "configuration " + join_items(sets_of(points[j / reps]), " "); },
                                  dir->dest() / "jobs"))
      return code;
    for (std::size_t i = 0; i < points.size(); ++i) {
      std::vector<ordered_json> sums;
      for (std::size_t k = 0; k < reps; ++k) sums.push_back(parse_ordered_json(sweep.outputs[i * reps + k].summary));
      Evaluation e = judge(merge_replications(sums), *slo, axis);
      e.sets = sets_of(points[i]);
      e.set = sets_object(e.sets);
      evaluated[points[i]] = e;
    }
    return 0;
  };
  int round = 0;
  for (auto points = search.next_round(); !points.empty(); points = search.next_round()) {
    std::vector<StaircaseSearch::Point> todo;
    for (const auto& p : points)
      if (!evaluated.count(p)) todo.push_back(p);
    if (int code = evaluate(todo, ++round)) return code;
    for (const auto& p : points) search.record(p, evaluated[p].meets);
  }
  // The answers that monotonicity inferred without running them are run now.
  std::vector<StaircaseSearch::Point> answers = search.answers(), todo;
  for (const auto& p : answers)
    if (!evaluated.count(p)) todo.push_back(p);
  if (!todo.empty())
    if (int code = evaluate(todo, ++round)) return code;
  const Evaluation* cheapest = nullptr;
  auto smaller = [&](const StaircaseSearch::Point& a, const StaircaseSearch::Point& b) {
    long long sa = 0, sb = 0;
    for (std::size_t d = 0; d < a.size(); ++d) {
      sa += (*params)[d].values[a[d]];
      sb += (*params)[d].values[b[d]];
    }
    return sa != sb ? sa < sb : a < b;
  };
  StaircaseSearch::Point cheapest_point;
  for (const auto& p : answers) {
    const Evaluation& e = evaluated[p];
    if (!e.meets) continue;
    if (!cheapest || e.cost < cheapest->cost || (e.cost == cheapest->cost && smaller(p, cheapest_point))) {
      cheapest = &e;
      cheapest_point = p;
    }
  }
  // The Pareto front of cost against latency over every configuration run.
  std::vector<const Evaluation*> front;
  // (Of configurations equal in both, the first in grid order stands for them.)
  for (const auto& [p, e] : evaluated) {
    bool dominated = false;
    for (const auto& [q, f] : evaluated)
      if (&f != &e && f.cost <= e.cost && f.latency <= e.latency &&
          (f.cost < e.cost || f.latency < e.latency || q < p))
        dominated = true;
    if (!dominated) front.push_back(&e);
  }
  std::stable_sort(front.begin(), front.end(), [](const Evaluation* a, const Evaluation* b) { return a->cost < b->cost; });
  // The best found when nothing passes: the lowest latency bound, then the highest availability.
  const Evaluation* best = nullptr;
  for (const auto& [p, e] : evaluated)
    if (!best || e.availability_lo > best->availability_lo ||
        (e.availability_lo == best->availability_lo && e.latency_hi < best->latency_hi))
      best = &e;

  ordered_json slo_json = ordered_json::object();
  for (const auto& [k, v] : slo->latency_ms) slo_json[k + "_ms"] = round_sig(v);
  if (slo->availability) slo_json["availability"] = *slo->availability;
  ordered_json search_json = ordered_json::object();
  for (const auto& prm : *params) search_json[prm.path] = prm.values;
  ordered_json result{{"scenario", name},       {"seed", seed},         {"replications", o.replications},
                      {"overrides", o.sets},    // the --set common to every configuration, as written
                      {"slo", slo_json},        {"search", search_json}, {"configurations_run", evaluated.size()},
                      {"grid_size", 0},         {"cheapest", nullptr},  {"pareto", ordered_json::array()},
                      {"evaluated", ordered_json::array()}};
  std::size_t grid = 1;
  for (std::size_t s : sizes) grid *= s;
  result["grid_size"] = grid;
  if (cheapest) result["cheapest"] = entry(*cheapest, axis);
  else result["best_found"] = entry(*best, axis);
  for (const Evaluation* e : front) result["pareto"].push_back(entry(*e, axis));
  for (const auto& [p, e] : evaluated) result["evaluated"].push_back(entry(e, axis));
  // The configurations not run, with the verdict monotonicity gives them (null: none, the
  // search did not need one): for the report page. The first kPrunedListed in grid order.
  constexpr std::size_t kPrunedListed = 1000;
  result["axis"] = axis;
  result["pruned"] = ordered_json::array();
  std::size_t unlisted = 0;
  StaircaseSearch::Point p(sizes.size(), 0);
  for (std::size_t i = 0; i < grid; ++i) {
    for (std::size_t d = sizes.size(), carry = i; d-- > 0; carry /= sizes[d]) p[d] = carry % sizes[d];
    if (evaluated.count(p)) continue;
    if (result["pruned"].size() == kPrunedListed) {
      ++unlisted;
      continue;
    }
    ordered_json verdict;  // null
    for (const auto& [q, e] : evaluated) {
      bool below = true, above = true;  // q <= p, q >= p, componentwise
      for (std::size_t d = 0; d < p.size(); ++d) {
        below = below && q[d] <= p[d];
        above = above && q[d] >= p[d];
      }
      if (e.meets && below) verdict = true;
      if (!e.meets && above && verdict.is_null()) verdict = false;
    }
    result["pruned"].push_back(ordered_json{{"set", sets_object(sets_of(p))}, {"meets_slo", verdict}});
  }
  if (unlisted) result["pruned_unlisted"] = unlisted;
  const fs::path& out = dir->staging();
  if (!write_checked(out / "plan.json", result.dump(2) + "\n")) return 1;
  std::string report_said;
  if (!o.no_report) {
    const auto said = write_report(out, dir->dest());
    if (!said) return 1;  // said why; the staging folder goes, the jobs stay for --resume
    report_said = *said;
  }
  // Last before the commit: until then the jobs stay in the old folder's jobs/, for --resume.
  if (!store.move_into(all_jobs, out / "jobs") || !dir->commit()) return 1;

  if (o.json) {
    std::cout << result.dump(2) << "\n";
  } else {
    std::printf("%zu of %zu configurations run, %d replication%s each (SLO judged on the 95%% interval's worse end)\n\n",
                evaluated.size(), grid, o.replications, o.replications == 1 ? "" : "s");
    std::printf("Pareto front, cost vs %s:\n%-40s %12s %14s %14s %10s\n", axis.c_str(), "configuration", "cost $",
                (axis + " ms").c_str(), (axis + " hi ms").c_str(), "avail %");
    for (const Evaluation* e : front)
      std::printf("%-40s %12.4f %14.2f %14.2f %10.3f%s\n", label(*e).c_str(), e->cost, e->latency, e->latency_hi,
                  e->availability * 100, e->meets ? "  meets SLO" : "");
    if (cheapest)
      std::printf("\ncheapest configuration meeting the SLO: %s ($%.4f, %s %.2f ms, upper bound %.2f ms)\n",
                  label(*cheapest).c_str(), cheapest->cost, axis.c_str(), cheapest->latency, cheapest->latency_hi);
    std::printf("\nwrote %s\n", (dir->dest() / "plan.json").string().c_str());
    std::fflush(stdout);
  }
  (o.json ? std::cerr : std::cout) << report_said << std::flush;
  if (!cheapest) {
    const std::string why = join_items(best->missed, "; ");
    std::cerr << "archsim: no configuration of the search meets the SLO; the best found, " << label(*best) << ": " << why
              << "\n";
    // Exit 2, as for a question the command cannot answer: no configuration of the
    // search is an answer (the files written above still show the best found).
    return 2;
  }
  return 0;
}

}  // namespace archsim::cli
