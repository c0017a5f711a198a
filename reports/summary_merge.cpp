// merge_replications (reports/summary.h): several replications' summaries as one, every
// figure the mean with its 95% confidence interval.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "reports/slo_gate.h"
#include "reports/summary.h"
#include "sim/histogram.h"

namespace archsim {

using nlohmann::ordered_json;

// Student t quantile for a two-sided 95% interval with `df` degrees of freedom.
static double t95(std::size_t df) {
  static const double table[] = {0,     12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
                                 2.201, 2.179,  2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
                                 2.080, 2.074,  2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042};
  if (df == 0) return 0;
  if (df <= 30) return table[df];
  return 1.96 + 2.4 / static_cast<double>(df);  // close to the table beyond 30
}

static void collect(const ordered_json& j, const std::string& prefix, std::vector<std::string>& paths) {
  for (auto it = j.begin(); it != j.end(); ++it) {
    std::string p = prefix.empty() ? it.key() : prefix + "." + it.key();
    if (it->is_object()) collect(*it, p, paths);
    else if (it->is_number() && !it->is_boolean()) paths.push_back(p);
  }
}

const ordered_json* at_dotted(const ordered_json& j, const std::string& path) {
  const ordered_json* cur = &j;
  std::size_t start = 0;
  for (;;) {
    std::size_t dot = path.find('.', start);
    std::string key = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (!cur->is_object() || !cur->contains(key)) return nullptr;
    cur = &(*cur)[key];
    if (dot == std::string::npos) return cur;
    start = dot + 1;
  }
}

static ordered_json* at_path_mut(ordered_json& j, const std::string& path) {
  return const_cast<ordered_json*>(at_dotted(j, path));
}

// A latency percentile ("latency_ms.p99", "components.web.queue_wait_ms.p95"): a key p<digits>
// under an object whose name ends in "_ms". Read from the histogram, it is its bucket's
// midpoint, within 1/256 of the true value (sim/histogram.h).
static bool histogram_percentile(const std::string& path) {
  const auto dot = path.rfind('.');
  if (dot == std::string::npos || dot < 3 || path.compare(dot - 3, 3, "_ms") != 0) return false;
  const std::string key = path.substr(dot + 1);
  return key.size() >= 2 && key[0] == 'p' && key.find_first_not_of("0123456789", 1) == std::string::npos;
}

// How often each alert rule fired over the replications: a rule that fires in one seed of
// five is not the rule the first replication's list alone suggests.
static ordered_json alert_replications(const std::vector<ordered_json>& runs) {
  struct Tally {
    std::string name;
    std::size_t runs_fired = 0, firings = 0;
    double first_sum = 0, first_min = 0, first_max = 0;
  };
  std::vector<Tally> tallies;
  for (const auto& r : runs) {
    const auto a = r.find("availability_report");
    if (a == r.end() || !a->contains("alerts")) continue;
    std::vector<std::pair<std::size_t, double>> first;  // tally index, earliest firing in this run
    for (const auto& al : (*a)["alerts"]) {
      const std::string name = al.value("alert", "");
      const double fired = al.value("fired_s", 0.0);
      std::size_t i = 0;
      while (i < tallies.size() && tallies[i].name != name) ++i;
      if (i == tallies.size()) tallies.push_back(Tally{name});
      ++tallies[i].firings;
      auto f = std::find_if(first.begin(), first.end(), [&](const auto& x) { return x.first == i; });
      if (f == first.end()) first.emplace_back(i, fired);
      else f->second = std::min(f->second, fired);
    }
    for (const auto& [i, t] : first) {
      Tally& x = tallies[i];
      x.first_min = x.runs_fired ? std::min(x.first_min, t) : t;
      x.first_max = x.runs_fired ? std::max(x.first_max, t) : t;
      x.first_sum += t;
      ++x.runs_fired;
    }
  }
  ordered_json out = ordered_json::array();
  for (const Tally& x : tallies)
    out.push_back(ordered_json{
        {"alert", x.name},
        {"replications_fired", x.runs_fired},
        {"replications", runs.size()},
        {"firings_per_replication", round_sig(static_cast<double>(x.firings) / static_cast<double>(runs.size()))},
        {"first_fired_s", ordered_json{{"mean", round_sig(x.first_sum / static_cast<double>(x.runs_fired))},
                                       {"min", round_sig(x.first_min)},
                                       {"max", round_sig(x.first_max)}}}});
  return out;
}

ordered_json merge_replications(const std::vector<ordered_json>& runs) {
  if (runs.size() == 1) return runs.front();
  ordered_json out = runs.front();
  // Paths of every run: a figure may exist only in the runs where it was defined (an MTTR
  // needs an outage); it is averaged over those runs and its interval says how many.
  std::vector<std::string> paths;
  for (const auto& r : runs) {
    std::vector<std::string> mine;
    collect(r, "", mine);
    for (auto& p : mine)
      if (std::find(paths.begin(), paths.end(), p) == paths.end()) paths.push_back(std::move(p));
  }
  ordered_json ci = ordered_json::object();
  const std::size_t n = runs.size();
  for (const std::string& p : paths) {
    if (p == "seed" || p.rfind("run.", 0) == 0) continue;
    std::vector<double> xs;
    for (const auto& r : runs)
      if (const ordered_json* v = at_dotted(r, p); v && v->is_number()) xs.push_back(v->get<double>());
    const std::size_t m = xs.size();
    if (m == 0) continue;
    double mean = 0;
    for (double x : xs) mean += x;
    mean /= static_cast<double>(m);
    double var = 0;
    for (double x : xs) var += (x - mean) * (x - mean);
    double half = m > 1 ? t95(m - 1) * std::sqrt(var / static_cast<double>(m - 1) / static_cast<double>(m)) : 0.0;
    // Replications whose percentiles fall in one bucket agree to the bucket, not exactly: the
    // interval is never narrower than what the histogram can tell apart.
    if (m > 1 && histogram_percentile(p))
      half = std::max(half, std::fabs(mean) / static_cast<double>(Histogram::kLinearLimit));
    ordered_json* target = at_path_mut(out, p);
    if (!target) {
      put_dotted(out, p, 0);
      target = at_path_mut(out, p);
    }
    bool integral = target->is_number_integer() || target->is_number_unsigned();
    *target = round_sig(mean);
    if (integral && std::floor(mean) == mean) *target = static_cast<std::int64_t>(mean);
    ci[p] = ordered_json{{"mean", round_sig(mean)},
                         {"lo", round_sig(mean - half)},
                         {"hi", round_sig(mean + half)},
                         {"half_width", round_sig(half)}};
    if (m != n) ci[p]["runs"] = m;
  }
  if (out.contains("availability_report")) out["availability_report"]["alert_replications"] = alert_replications(runs);
  out["replications"] = n;
  ordered_json seeds = ordered_json::array();
  for (const auto& r : runs) seeds.push_back(r["seed"]);
  out["seeds"] = seeds;
  out["ci95"] = ci;
  // run: totals over the replications.
  // The fingerprint of a set of replications hashes theirs in seed order.
  double wall = 0, events = 0;
  std::uint64_t fp = 0xcbf29ce484222325ULL;
  for (const auto& r : runs) {
    wall += r["run"]["wall_time_s"].get<double>();
    events += r["run"]["events"].get<double>();
    const auto& f = r["run"].find("fingerprint");
    if (f != r["run"].end()) fp = (fp ^ std::stoull(f->get<std::string>(), nullptr, 16)) * 0x100000001b3ULL;
  }
  out["run"] = ordered_json{{"wall_time_s", wall},
                            {"events", events},
                            {"events_per_s", wall > 0 ? events / wall : 0.0},
                            {"fingerprint", fingerprint_hex(fp)}};
  // Keep "run" last, where a reader looks for it.
  ordered_json run = out["run"];
  out.erase("run");
  out["run"] = run;
  judge_slo_on_means(out);
  return out;
}

}  // namespace archsim
