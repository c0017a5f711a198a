#include "tools/cli/metastability_verdict.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <sstream>

namespace archsim::cli::metastability {

const char* verdict_name(Verdict v) {
  switch (v) {
    case Verdict::Recovers: return "recovers";
    case Verdict::RecoversSlowly: return "recovers_slowly";
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
  s.p50.assign(n, NAN);
  s.p95.assign(n, NAN);
  s.p99.assign(n, NAN);
  for (const Row& r : rows) {
    const std::size_t i = row_of[r.t];
    if (r.comp == "all") {
      if (r.metric == "throughput_rps") s.goodput[i] = r.v;
      else if (r.metric == "goodput_in_deadline_rps") {
        if (s.in_time.empty()) s.in_time.assign(n, 0);
        s.in_time[i] = r.v;
      } else if (r.metric == "latency_p50_ms") s.p50[i] = r.v;
      else if (r.metric == "latency_p95_ms") s.p95[i] = r.v;
      else if (r.metric == "latency_p99_ms") s.p99[i] = r.v;
    } else if (r.metric == "offered_rps") s.offered[i] += r.v;
    else if (r.metric == "attempts_rps") s.attempts[i] += r.v;
    else if (r.metric == "queue_length" || r.metric == "hit_ratio" || r.metric == "memory_mb") {
      auto& v = s.effects[r.metric + " " + r.comp];
      if (v.empty()) v.assign(n, NAN);
      v[i] = r.v;
    }
  }
  return s;
}

namespace {

constexpr double kEps = 1e-9;

// Mean of `v` over the windows i with lo <= start and end <= hi (NaN values skipped).
double mean_over(const RunSeries& s, const std::vector<double>& v, double lo, double hi) {
  double sum = 0;
  int n = 0;
  for (std::size_t i = 0; i < s.t.size(); ++i)
    if (s.t[i] - s.window_s >= lo - kEps && s.t[i] <= hi + kEps && !std::isnan(v[i])) {
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
// The direction in which an effect gets better: a hit ratio rises, the others fall.
double better_sign(const std::string& name) { return name.rfind("hit_ratio", 0) == 0 ? 1 : -1; }

// A least-squares line through (t, v) over the windows ending in (lo, hi] (NaN skipped).
struct Line {
  double a = 0, b = 0, se = INFINITY;  // v = a + b t; the slope's standard error
  int n = 0;
  double at(double t) const { return a + b * t; }
  double t_stat() const { return se > 0 ? b / se : (b > 0 ? INFINITY : b < 0 ? -INFINITY : 0); }
};
Line fit(const RunSeries& s, const std::vector<double>& v, double lo, double hi) {
  double st = 0, sv = 0;
  int n = 0;
  for (std::size_t i = 0; i < s.t.size(); ++i)
    if (s.t[i] - s.window_s >= lo - kEps && s.t[i] <= hi + kEps && !std::isnan(v[i])) {
      st += s.t[i];
      sv += v[i];
      ++n;
    }
  Line l;
  l.n = n;
  if (n < 3) return l;
  const double mt = st / n, mv = sv / n;
  double stt = 0, stv = 0;
  for (std::size_t i = 0; i < s.t.size(); ++i)
    if (s.t[i] - s.window_s >= lo - kEps && s.t[i] <= hi + kEps && !std::isnan(v[i])) {
      stt += (s.t[i] - mt) * (s.t[i] - mt);
      stv += (s.t[i] - mt) * (v[i] - mv);
    }
  if (stt <= 0) return l;
  l.b = stv / stt;
  l.a = mv - l.b * mt;
  double rss = 0;
  for (std::size_t i = 0; i < s.t.size(); ++i)
    if (s.t[i] - s.window_s >= lo - kEps && s.t[i] <= hi + kEps && !std::isnan(v[i])) {
      const double r = v[i] - l.at(s.t[i]);
      rss += r * r;
    }
  l.se = std::sqrt(rss / (n - 2) / stt);
  return l;
}

// Goodput in deadline per window: the engine's series, or, where no request had a deadline,
// the answers of windows whose latency percentiles are within twice the baseline's slowest p99.
std::vector<double> in_time(const RunSeries& s, double warmup_s, double trigger_start_s, double& late_ms) {
  if (!s.in_time.empty()) return s.in_time;
  double slowest = 0;
  for (std::size_t i = 0; i < s.t.size(); ++i)
    if (s.t[i] - s.window_s >= warmup_s - kEps && s.t[i] <= trigger_start_s + kEps && !std::isnan(s.p99[i]))
      slowest = std::max(slowest, s.p99[i]);
  late_ms = 2 * slowest;
  std::vector<double> g(s.t.size());
  for (std::size_t i = 0; i < s.t.size(); ++i) {
    const double share = s.p99[i] <= late_ms ? 0.99 : s.p95[i] <= late_ms ? 0.95 : s.p50[i] <= late_ms ? 0.5 : 0;
    g[i] = s.goodput[i] * share;  // NaN percentiles compare false: a window with no answer has none in time
  }
  return g;
}

}  // namespace

Judgement judge(const RunSeries& s, double warmup_s, double trigger_start_s, double trigger_end_s, const Rule& rule) {
  Judgement j;
  j.goodput = in_time(s, warmup_s, trigger_start_s, j.late_ms);
  const std::vector<double>& g = j.goodput;
  j.baseline_goodput = mean_over(s, g, warmup_s, trigger_start_s);
  j.baseline_offered = mean_over(s, s.offered, warmup_s, trigger_start_s);
  const double t1 = trigger_end_s, e = trigger_end_s + rule.window_s;
  const double horizon = std::max(rule.window_s / 2, 5 * s.window_s);
  j.horizon_from_s = std::max(t1, e - horizon);
  j.horizon_to_s = e;
  j.late_goodput = mean_over(s, g, j.horizon_from_s, e);
  const double bar = rule.fraction * j.baseline_goodput;

  // The effects, before the trigger and over the horizon.
  std::vector<double> per_request(s.t.size(), NAN);
  for (std::size_t i = 0; i < s.t.size(); ++i)
    if (s.offered[i] > 0) per_request[i] = s.attempts[i] / s.offered[i];
  std::vector<const std::vector<double>*> values;  // parallel to j.effects until sorted
  auto add = [&](const std::string& name, const std::vector<double>& v) {
    const double b = mean_over(s, v, warmup_s, trigger_start_s), a = mean_over(s, v, j.horizon_from_s, e);
    if (!std::isnan(b) && !std::isnan(a)) {
      j.effects.push_back({name, b, a});
      values.push_back(&v);
    }
  };
  if (std::any_of(s.attempts.begin(), s.attempts.end(), [](double a) { return a > 0; })) add("attempts per request", per_request);
  for (const auto& [name, v] : s.effects) add(name, v);

  if (!(j.baseline_goodput >= rule.fraction * j.baseline_offered)) {
    j.verdict = Verdict::FailedBefore;
  } else {
    // Recovery: a window back at the bar whose mean to the bound is too, with a hold after it.
    const double hold = std::max(5 * s.window_s, rule.window_s / 10);
    std::vector<std::size_t> in;
    for (std::size_t i = 0; i < s.t.size(); ++i)
      if (s.t[i] - s.window_s >= t1 - kEps && s.t[i] <= e + kEps) in.push_back(i);
    std::vector<double> suffix(in.size());
    double sum = 0;
    for (std::size_t k = in.size(); k-- > 0;) {
      sum += g[in[k]];
      suffix[k] = sum / static_cast<double>(in.size() - k);
    }
    j.verdict = Verdict::StaysFailed;
    for (std::size_t k = 0; k < in.size(); ++k) {
      const double start = s.t[in[k]] - s.window_s;
      if (start > e - hold + kEps) break;
      if (g[in[k]] >= bar && suffix[k] >= bar) {
        j.verdict = Verdict::Recovers;
        j.recovery_s = std::max(0.0, start - t1);
        break;
      }
    }
    if (j.verdict != Verdict::Recovers) {
      // The trend test: goodput rising, or a harmful effect moving back, beyond 3 standard errors.
      constexpr double kT = 3;
      const Line lg = fit(s, g, j.horizon_from_s, e);
      j.moving.clear();
      j.slope = lg.b;
      j.slope_t = lg.t_stat();
      if (lg.n >= 3 && lg.t_stat() > kT) {
        j.verdict = Verdict::RecoversSlowly;
        j.moving = "goodput";
        j.recovery_s = (e - t1) + std::max(0.0, (bar - lg.at(e)) / lg.b);
      } else {
        for (std::size_t k = 0; k < j.effects.size(); ++k) {
          const Effect& ef = j.effects[k];
          if (harm(ef) < 1.5) continue;
          const Line l = fit(s, *values[k], j.horizon_from_s, e);
          const double sign = better_sign(ef.name);
          if (l.n < 3 || sign * l.t_stat() <= kT) continue;
          const double when = (e - t1) + std::max(0.0, (ef.before - l.at(e)) / l.b);
          if (j.moving.empty() || when > j.recovery_s) {  // the slowest state to turn over decides
            j.verdict = Verdict::RecoversSlowly;
            j.moving = ef.name;
            j.recovery_s = when;
            j.slope = l.b;
            j.slope_t = l.t_stat();
          }
        }
      }
    }
  }
  // The sustaining effect: among the effects that moved (by half again or more), the
  // mechanism before its symptoms: resends first, then a cold cache, then memory, then a
  // queue (which every overload grows); among equals, the one that moved most.
  auto tier = [](const Effect& ef) {
    if (harm(ef) < 1.5) return 4;
    return ef.name.rfind("attempts", 0) == 0 ? 0 : ef.name.rfind("hit_ratio", 0) == 0 ? 1 : ef.name.rfind("memory", 0) == 0 ? 2 : 3;
  };
  std::stable_sort(j.effects.begin(), j.effects.end(), [&](const Effect& a, const Effect& b) {
    return tier(a) != tier(b) ? tier(a) < tier(b) : harm(a) > harm(b);
  });
  j.sustained = j.verdict == Verdict::StaysFailed && !j.effects.empty() && tier(j.effects[0]) < 4;
  return j;
}

}  // namespace archsim::cli::metastability
