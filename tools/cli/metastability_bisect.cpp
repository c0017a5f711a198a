#include "tools/cli/metastability_bisect.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "scenario/json_text.h"

namespace archsim::cli::metastability {

using nlohmann::ordered_json;

namespace {

std::optional<double> number(const std::string& s) {
  if (s.empty()) return std::nullopt;
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

std::string value_text(double v, bool whole) {
  char b[40];
  if (whole) std::snprintf(b, sizeof b, "%.0f", v);
  else std::snprintf(b, sizeof b, "%.6g", v);
  return b;
}

// The next size between the size seen to recover and the one seen to stay failed (either
// may be the larger: a smaller CPU share left is a bigger trigger), or nothing when the
// bracket is as narrow as it gets.
std::optional<double> middle(double a, double b, bool whole) {
  const double lo = std::min(a, b), hi = std::max(a, b);
  if (whole ? hi - lo <= 1 : hi / lo <= 1.05) return std::nullopt;
  double m = std::sqrt(lo * hi);
  if (whole) {
    m = std::round(m);
    if (m <= lo) m = lo + 1;
    if (m >= hi) m = hi - 1;
  }
  return m;
}

ordered_json size_json(double v, bool whole) {
  return whole ? ordered_json(static_cast<std::int64_t>(v)) : ordered_json(v);
}

struct Row {
  double lo = 0, hi = 0;  // the size seen to recover closest to the boundary, and the one seen to stay failed
  bool has_lo = false, has_hi = false, over = false, done = false;
  ordered_json tried = ordered_json::array();
};

// The cell's verdict as the map gives it: the one most replications reached, a tie to the
// worse; with the mean recovery time of those that recovered (-1: none).
Verdict cell_verdict(const CellPlan& c, const std::vector<JobOutput>& outputs, std::size_t first, int reps, const Rule& rule,
                     double& recovery_s) {
  int count[kVerdicts] = {0, 0, 0, 0};
  double sum = 0;
  int timed = 0;
  for (int k = 0; k < reps; ++k) {
    const Judgement j = judge(parse_series(outputs[first + static_cast<std::size_t>(k)].timeseries_csv), c.warmup_s,
                              c.start_s, c.end_s, Rule{rule.fraction, c.verdict_s});
    ++count[static_cast<int>(j.verdict)];
    if (j.recovery_s >= 0) {
      sum += j.recovery_s;
      ++timed;
    }
  }
  recovery_s = timed ? sum / timed : -1;
  Verdict v = Verdict::StaysFailed;
  for (Verdict w : {Verdict::FailedBefore, Verdict::RecoversSlowly, Verdict::Recovers})
    if (count[static_cast<int>(w)] > count[static_cast<int>(v)]) v = w;
  return v;
}

}  // namespace

std::optional<BisectSpec> parse_bisect(const std::string& text, int steps) {
  const auto eq = text.find('=');
  const auto dots = text.find("..", eq == std::string::npos ? 0 : eq);
  BisectSpec s;
  s.steps = steps;
  std::optional<double> lo, hi;
  if (eq != std::string::npos && eq > 0 && dots != std::string::npos) {
    s.path = text.substr(0, eq);
    lo = number(text.substr(eq + 1, dots - eq - 1));
    hi = number(text.substr(dots + 2));
  }
  if (!lo || !hi) {
    std::cerr << "archsim metastability: --bisect " << text << ": expected PATH=LO..HI, e.g. drop.keys=316..1000000\n";
    return std::nullopt;
  }
  if (!(*lo > 0 && *lo < *hi)) {
    std::cerr << "archsim metastability: --bisect " << text << ": expected 0 < LO < HI (the bracket is searched geometrically)\n";
    return std::nullopt;
  }
  s.lo = *lo;
  s.hi = *hi;
  s.whole = std::floor(s.lo) == s.lo && std::floor(s.hi) == s.hi;
  return s;
}

std::optional<ordered_json> bisect(const BisectSpec& spec, const std::vector<CellPlan>& rows,
                                   const std::vector<Mitigation>& mitigations, int reps, const Rule& rule, const PlanCell& plan,
                                   const RunCells& run) {
  std::vector<Row> state(rows.size());
  // Round 0 tries both ends; each later round the middle of every open bracket.
  for (int round = 0; round <= spec.steps + 1; ++round) {
    std::vector<CellPlan> cells;
    std::vector<std::pair<std::size_t, double>> which;  // row, size
    for (std::size_t r = 0; r < rows.size(); ++r) {
      Row& row = state[r];
      if (row.done) continue;
      std::vector<double> sizes;
      if (round == 0) sizes = {spec.lo, spec.hi};
      else if (row.has_lo && row.has_hi) {
        if (auto m = middle(row.lo, row.hi, spec.whole); m && round <= spec.steps) sizes = {*m};
      }
      if (sizes.empty()) {
        row.done = true;
        continue;
      }
      for (double v : sizes) {
        v = std::strtod(value_text(v, spec.whole).c_str(), nullptr);  // the size as the cell's --set gives it
        CellPlan c;
        if (!plan(rows[r], spec.path + "=" + value_text(v, spec.whole), c)) return std::nullopt;
        cells.push_back(std::move(c));
        which.emplace_back(r, v);
      }
    }
    if (cells.empty()) break;
    const auto outputs = run(cells);
    if (!outputs) return std::nullopt;
    for (std::size_t i = 0; i < cells.size(); ++i) {
      Row& row = state[which[i].first];
      const double v = which[i].second;
      double rec = -1;
      const Verdict verdict = cell_verdict(cells[i], *outputs, i * static_cast<std::size_t>(reps), reps, rule, rec);
      row.tried.push_back({{"value", size_json(v, spec.whole)}, {"verdict", verdict_name(verdict)},
                           {"recovery_s", rec >= 0 ? ordered_json(std::round(rec * 10) / 10) : ordered_json(nullptr)}});
      if (verdict == Verdict::FailedBefore) {
        row.over = true;
        row.done = true;
      } else if (verdict == Verdict::StaysFailed) {
        // Closer to the recovering size than the one kept (the first time: either end).
        if (!row.has_hi || !row.has_lo || std::fabs(std::log(v / row.lo)) < std::fabs(std::log(row.hi / row.lo))) row.hi = v;
        row.has_hi = true;
      } else {
        if (!row.has_lo || !row.has_hi || std::fabs(std::log(row.hi / v)) < std::fabs(std::log(row.hi / row.lo))) row.lo = v;
        row.has_lo = true;
      }
    }
    // Both ends on one side: nothing to bisect in that row.
    if (round == 0)
      for (Row& row : state)
        if (!(row.has_lo && row.has_hi)) row.done = true;
  }
  ordered_json jrows = ordered_json::array();
  for (std::size_t r = 0; r < rows.size(); ++r) {
    const Row& row = state[r];
    jrows.push_back({{"label", rows[r].label},
                     {"mitigation", mitigations[rows[r].mitigation].name},
                     {"set", sets_object(rows[r].vary_sets)},
                     {"recovers_at", row.has_lo && !row.over ? size_json(row.lo, spec.whole) : ordered_json(nullptr)},
                     {"stays_failed_at", row.has_hi && !row.over ? size_json(row.hi, spec.whole) : ordered_json(nullptr)},
                     {"over", row.over},
                     {"tried", row.tried}});
  }
  return ordered_json{{"path", spec.path},
                      {"lo", size_json(spec.lo, spec.whole)},
                      {"hi", size_json(spec.hi, spec.whole)},
                      {"steps", spec.steps},
                      {"rows", jrows}};
}

void print_boundary(const ordered_json& b, std::ostream& os) {
  const std::string path = b["path"].get<std::string>();
  os << "boundary of " << path << " (where the trigger turns from recovering to staying failed), bisected between "
     << b["lo"].dump() << " and " << b["hi"].dump() << ":\n";
  for (const auto& row : b["rows"]) {
    os << "  " << row["label"].get<std::string>() << ": ";
    const auto tried = row["tried"].size();
    if (row["over"].get<bool>()) os << "failed before the trigger (beyond capacity)";
    else if (row["stays_failed_at"].is_null()) os << "recovers from every size up to " << b["hi"].dump();
    else if (row["recovers_at"].is_null()) os << "stays failed from " << b["lo"].dump() << " already";
    else os << "recovers at " << row["recovers_at"].dump() << ", stays failed at " << row["stays_failed_at"].dump();
    os << " (" << tried << " size" << (tried == 1 ? "" : "s") << " tried)\n";
  }
}

}  // namespace archsim::cli::metastability
