#include "tools/cli/metastability_verdict.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <sstream>

namespace archsim::cli::metastability {

const char* verdict_name(Verdict v) {
  switch (v) {
    case Verdict::Recovers: return "recovers";
    case Verdict::StaysFailed: return "stays_failed";
    case Verdict::FailedBefore: return "failed_before";
  }
  return "?";
}

RunSeries parse_series(const std::string& csv) {
  RunSeries s;
  std::istringstream in(csv);
  std::string line;
  std::map<double, std::size_t> row_of;  // window end -> index
  struct Row {
    double t;
    std::string comp, metric;
    double v;
  };
  std::vector<Row> rows;
  while (std::getline(in, line)) {
    const std::size_t a = line.find(','), b = a == std::string::npos ? a : line.find(',', a + 1),
                      c = b == std::string::npos ? b : line.find(',', b + 1);
    if (c == std::string::npos) continue;
    char* end = nullptr;
    const double t = std::strtod(line.c_str(), &end);
    if (end != line.c_str() + a) continue;  // the header, or a row that does not parse
    const std::string value = line.substr(c + 1);
    const double v = std::strtod(value.c_str(), &end);
    if (end == value.c_str()) continue;
    rows.push_back({t, line.substr(a + 1, b - a - 1), line.substr(b + 1, c - b - 1), v});
    row_of.emplace(t, 0);
  }
  for (auto& [t, i] : row_of) {
    i = s.t.size();
    s.t.push_back(t);
  }
  const std::size_t n = s.t.size();
  s.window_s = n ? s.t[0] : 0;
  s.goodput.assign(n, 0);
  s.offered.assign(n, 0);
  s.attempts.assign(n, 0);
  for (const Row& r : rows) {
    const std::size_t i = row_of[r.t];
    if (r.comp == "all" && r.metric == "throughput_rps") s.goodput[i] = r.v;
    else if (r.metric == "offered_rps") s.offered[i] += r.v;
    else if (r.metric == "attempts_rps") s.attempts[i] += r.v;
    else if (r.comp != "all" && (r.metric == "queue_length" || r.metric == "hit_ratio" || r.metric == "memory_mb")) {
      auto& v = s.effects[r.metric + " " + r.comp];
      if (v.empty()) v.assign(n, NAN);
      v[i] = r.v;
    }
  }
  return s;
}

namespace {

// Mean of `v` over the windows i with lo <= start and end <= hi (NaN values skipped).
double mean_over(const RunSeries& s, const std::vector<double>& v, double lo, double hi) {
  double sum = 0;
  int n = 0;
  for (std::size_t i = 0; i < s.t.size(); ++i)
    if (s.t[i] - s.window_s >= lo - 1e-9 && s.t[i] <= hi + 1e-9 && !std::isnan(v[i])) {
      sum += v[i];
      ++n;
    }
  return n ? sum / n : NAN;
}

// How far `after` departs from `before` in the direction that hurts: more attempts, a longer
// queue, more memory, a higher miss ratio. A cache's misses are the work it sends its
// backend, so a hit ratio from 0.98 to 0.80 is ten times the load on the database, not a
// fall of a fifth. The +1 (+0.01 for a ratio) keeps an empty queue or a perfect cache finite.
double harm(const Effect& e) {
  if (e.name.rfind("hit_ratio", 0) == 0) return (1 - e.after + 0.01) / (1 - e.before + 0.01);
  if (e.name.rfind("attempts", 0) == 0) return e.after / std::max(e.before, 1e-9);
  return (e.after + 1) / (e.before + 1);
}

}  // namespace

Judgement judge(const RunSeries& s, double warmup_s, double trigger_start_s, double trigger_end_s, const Rule& rule) {
  Judgement j;
  j.baseline_goodput = mean_over(s, s.goodput, warmup_s, trigger_start_s);
  j.baseline_offered = mean_over(s, s.offered, warmup_s, trigger_start_s);
  const double w_end = trigger_end_s + rule.window_s, mid = trigger_end_s + rule.window_s / 2;
  j.late_goodput = mean_over(s, s.goodput, mid, w_end);
  const double bar = rule.fraction * j.baseline_goodput;
  if (!(j.baseline_goodput >= rule.fraction * j.baseline_offered)) {
    j.verdict = Verdict::FailedBefore;
  } else {
    // The verdict window's windows, with the mean goodput from each to the window's end
    // (a mean over at least half the window: Poisson noise of single windows cancels out).
    std::vector<std::size_t> in;
    for (std::size_t i = 0; i < s.t.size(); ++i)
      if (s.t[i] - s.window_s >= trigger_end_s - 1e-9 && s.t[i] <= w_end + 1e-9) in.push_back(i);
    std::vector<double> suffix(in.size());
    double sum = 0;
    for (std::size_t k = in.size(); k-- > 0;) {
      sum += s.goodput[in[k]];
      suffix[k] = sum / static_cast<double>(in.size() - k);
    }
    j.verdict = Verdict::StaysFailed;
    for (std::size_t k = 0; k < in.size(); ++k) {
      const double start = s.t[in[k]] - s.window_s;
      if (start > mid + 1e-9) break;
      if (s.goodput[in[k]] >= bar && suffix[k] >= bar) {
        j.verdict = Verdict::Recovers;
        j.recovery_s = std::max(0.0, start - trigger_end_s);
        break;
      }
    }
  }
  // The effects, before the trigger and over the verdict window's second half.
  std::vector<double> per_request(s.t.size(), NAN);
  for (std::size_t i = 0; i < s.t.size(); ++i)
    if (s.offered[i] > 0) per_request[i] = s.attempts[i] / s.offered[i];
  auto add = [&](const std::string& name, const std::vector<double>& v) {
    const double b = mean_over(s, v, warmup_s, trigger_start_s), a = mean_over(s, v, mid, w_end);
    if (!std::isnan(b) && !std::isnan(a)) j.effects.push_back({name, b, a});
  };
  if (std::any_of(s.attempts.begin(), s.attempts.end(), [](double a) { return a > 0; }))
    add("attempts per request", per_request);
  for (const auto& [name, v] : s.effects) add(name, v);
  // The sustaining effect: among the effects that moved (by half again or more), the
  // mechanism before its symptoms: resends first, then a cold cache, then memory, then a
  // queue (which every overload grows); among equals, the one that moved most.
  auto tier = [](const Effect& e) {
    if (harm(e) < 1.5) return 4;
    return e.name.rfind("attempts", 0) == 0 ? 0 : e.name.rfind("hit_ratio", 0) == 0 ? 1 : e.name.rfind("memory", 0) == 0 ? 2 : 3;
  };
  std::stable_sort(j.effects.begin(), j.effects.end(), [&](const Effect& a, const Effect& b) {
    return tier(a) != tier(b) ? tier(a) < tier(b) : harm(a) > harm(b);
  });
  j.sustained = !j.effects.empty() && tier(j.effects[0]) < 4;
  return j;
}

}  // namespace archsim::cli::metastability
