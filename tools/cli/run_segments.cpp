// `archsim run --segments N` (tools/cli/segments.h): the plan from the flags, the segments
// as jobs, their stitching into one run's files, and --check-segments' comparison.
#include "tools/cli/run_segments.h"

#include <cmath>
#include <cstdio>
#include <iostream>

#include "reports/ledgers/ledgers.h"
#include "reports/segment_result.h"
#include "reports/summary.h"
#include "scenario/json_text.h"
#include "sim/simulation.h"
#include "tools/cli/segments.h"

namespace archsim::cli {

using nlohmann::ordered_json;

std::optional<SegmentPlan> plan_run(const RunOptions& o, const Simulation& probe, bool* bad) {
  *bad = true;
  const ScenarioSettings& s = probe.settings();
  if (o.segments < 1) {
    std::cerr << "archsim: --segments " << o.segments << ": must be at least 1\n";
    return std::nullopt;
  }
  if (o.segments == 1) {
    if (o.check_segments || !o.segment_warmup.empty())
      std::cerr << "archsim: --check-segments and --segment-warmup need --segments N with N of 2 or more\n";
    else *bad = false;
    return std::nullopt;
  }
  if ((o.replications > 1 && !o.check_segments) || o.trace > 0) {
    std::cerr << "archsim: --segments runs one replication without --trace (the segments are the jobs; "
                 "--replications goes with --check-segments, for the sequential runs)\n";
    return std::nullopt;
  }
  const std::int64_t windows = s.duration / s.window;
  if (o.segments > windows) {
    std::cerr << "archsim: --segments " << o.segments << ": more segments than the run has windows (" << windows
              << " of " << format_duration(s.window) << ")\n";
    return std::nullopt;
  }
  Time warmup = default_segment_warmup(probe, s.window);
  if (!o.segment_warmup.empty()) {
    std::string err;
    const auto w = parse_duration(o.segment_warmup, &err);
    if (!w) {
      std::cerr << "archsim: --segment-warmup " << o.segment_warmup << ": " << err << "\n";
      return std::nullopt;
    }
    warmup = (*w + s.window - 1) / s.window * s.window;  // whole windows: segments start on the grid
  }
  const Time segment = s.duration / o.segments;
  if (warmup >= segment) {
    std::cerr << "archsim: --segments " << o.segments << ": each segment (about " << format_duration(segment)
              << ") would be no longer than its warm-up of " << format_duration(warmup)
              << (o.segment_warmup.empty() ? " (the slowest state the scenario declares)" : "")
              << "; use fewer segments or a shorter --segment-warmup\n";
    return std::nullopt;
  }
  *bad = false;
  if (probe.ends_when_tests_end()) {
    std::cerr << "note: --segments: the run ends when its test is done, so its length is not known before it runs: "
                 "running it sequentially\n";
    return std::nullopt;
  }
  std::string why;
  auto plan = plan_segments(total_load(probe), s.duration, s.window, o.segments, warmup, &why);
  if (plan && plan->cuts[1] <= s.warmup) {
    plan.reset();
    why = "the scenario's warm-up (" + format_duration(s.warmup) + ") outlasts the first segment";
  }
  if (!plan) std::cerr << "note: --segments: " << why << ": running it sequentially\n";
  return plan;
}

std::vector<JobSpec> segment_jobs(const SegmentPlan& plan, std::uint64_t seed, Time scenario_warmup, Time window) {
  std::vector<JobSpec> jobs;
  for (std::size_t k = 0; k + 1 < plan.cuts.size(); ++k) {
    JobSpec j;
    // Segment 0 is the sequential run's beginning, seed and all; the others draw afresh.
    j.seed = seed + k;
    j.segment = {plan.start(k), k == 0 ? scenario_warmup : plan.cuts[k], plan.cuts[k + 1], window};
    jobs.push_back(std::move(j));
  }
  return jobs;
}

std::optional<JobOutput> stitch_outputs(const nlohmann::json& doc, const SegmentPlan& plan,
                                        const std::vector<JobOutput>& outs, std::string* error) {
  std::vector<RunResult> parts;
  for (const JobOutput& out : outs) {
    if (!out.error.empty()) {
      *error = out.error;
      return std::nullopt;
    }
    auto r = decode_segment(out.summary);
    if (!r) {
      *error = "a segment's result could not be read";
      return std::nullopt;
    }
    parts.push_back(std::move(*r));
  }
  RunResult r;
  try {
    r = stitch_segments(parts);
  } catch (const std::invalid_argument& e) {
    *error = e.what();
    return std::nullopt;
  }
  const ledgers::Ledgers ledgers(doc);
  const LedgerResults l = ledgers.apply(r);
  ordered_json summary = summary_json(r, l);
  ordered_json seg = {{"count", parts.size()}, {"warmup_s", to_seconds(plan.warmup)}};
  ordered_json cuts = ordered_json::array(), cpu = ordered_json::array();
  for (std::size_t k = 1; k + 1 < plan.cuts.size(); ++k) cuts.push_back(to_seconds(plan.cuts[k]));
  for (const RunResult& p : parts) cpu.push_back(round_sig(p.wall_time_s));
  seg["cuts_s"] = cuts;
  seg["wall_time_s"] = cpu;  // each segment's: the run's wall time on as many cores
  summary["run"]["segments"] = seg;
  JobOutput out;
  out.summary = summary.dump();
  out.timeseries_csv = timeseries_csv(r);
  out.latency_cdf_csv = latency_cdf_csv(r);
  return out;
}

namespace {
// The figures --check-segments compares: every number of summary.json outside "run", "ci95"
// and the lists, by dotted path, in the file's order.
void numbers(const ordered_json& j, const std::string& prefix, std::vector<std::pair<std::string, double>>& out) {
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string p = prefix.empty() ? it.key() : prefix + "." + it.key();
    if (prefix.empty() && (it.key() == "run" || it.key() == "ci95" || it.key() == "seed" || it.key() == "seeds"))
      continue;
    if (it->is_object()) numbers(*it, p, out);
    else if (it->is_number()) out.emplace_back(p, it->get<double>());
  }
}

}  // namespace

int print_segment_check(const ordered_json& segmented, const ordered_json& sequential, std::ostream& os) {
  std::vector<std::pair<std::string, double>> figures;
  numbers(segmented, "", figures);
  const bool ci = sequential.contains("ci95");
  os << "--check-segments: each figure of the segmented run against the sequential run"
     << (ci ? " (and its replications' 95% interval)" : "") << "\n";
  char line[512];
  std::snprintf(line, sizeof line, "%-58s %14s %14s %9s%s\n", "figure", "sequential", "segmented", "diff",
                ci ? "  in 95% interval" : "");
  os << line;
  int outside = 0;
  for (const auto& [path, v] : figures) {
    const ordered_json* s = at_dotted(sequential, path);
    if (!s || !s->is_number()) continue;
    const double q = s->get<double>();
    const double diff = q != 0 ? (v - q) / std::fabs(q) * 100 : (v == 0 ? 0.0 : INFINITY);
    std::string verdict;
    if (const ordered_json* c = ci ? at_dotted(sequential, "ci95") : nullptr) {
      const auto it = c->find(path);
      if (it != c->end()) {
        const bool in = v >= (*it)["lo"].get<double>() && v <= (*it)["hi"].get<double>();
        verdict = in ? "  yes" : "  no";
        outside += !in;
      }
    }
    std::snprintf(line, sizeof line, "%-58s %14.6g %14.6g %8.2f%%%s\n", path.c_str(), q, v, diff, verdict.c_str());
    os << line;
  }
  if (ci) os << outside << " figure(s) outside the sequential replications' 95% interval\n";
  return outside;
}

}  // namespace archsim::cli
