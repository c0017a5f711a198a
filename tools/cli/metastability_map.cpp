#include "tools/cli/metastability_map.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "scenario/json_text.h"

namespace archsim::cli::metastability {

using nlohmann::ordered_json;

Layout layout_of(const std::vector<std::string>& varies, const std::string& trigger) {
  Layout l;
  std::vector<int> others;
  int duration = -1;
  for (std::size_t i = 0; i < varies.size(); ++i) {
    const auto eq = varies[i].find('=');
    l.paths.push_back(varies[i].substr(0, eq));
    l.values.push_back(split_values(varies[i].substr(eq + 1)));
    if (l.paths.back() == trigger + ".duration") duration = static_cast<int>(i);
    else others.push_back(static_cast<int>(i));
  }
  if (others.size() >= 2) {
    l.y = others[0];
    l.x = others[1];
    others.erase(others.begin(), others.begin() + 2);
  } else if (others.size() == 1) {
    l.x = others[0];
    others.clear();
  }
  if (duration >= 0) l.map_keys.push_back(duration);
  l.map_keys.insert(l.map_keys.end(), others.begin(), others.end());
  return l;
}

namespace {

// Rounded for the file: 4 significant digits are more than a map needs, and the same
// everywhere (the inputs are the same bytes whatever ran the jobs).
double r4(double v) {
  if (!std::isfinite(v) || v == 0) return std::isfinite(v) ? v : 0;
  const double scale = std::pow(10.0, 3 - static_cast<int>(std::floor(std::log10(std::fabs(v)))));
  return std::round(v * scale) / scale;
}

double num(const ordered_json& j, const char* key) { return j.contains(key) && j[key].is_number() ? j[key].get<double>() : 0; }

// Requests and attempts of one run, for the conservation check: every request sent after
// the warm-up ended ok, failed, or was still in flight at the end; every attempt is a first
// call or a retry.
ordered_json counts(const ordered_json& s) {
  const ordered_json& r = s.contains("requests") ? s["requests"] : ordered_json::object();
  double calls = 0, attempts = 0, retries = 0;
  if (s.contains("components"))
    for (const auto& c : s["components"])
      if (c.value("type", "") == "client" && c.contains("resilience")) {
        calls += num(c["resilience"], "calls");
        attempts += num(c["resilience"], "attempts");
        retries += num(c["resilience"], "retries");
      }
  return {{"requests", {{"sent", num(r, "sent")}, {"ok", num(r, "ok")}, {"failed", num(r, "failed")},
                        {"in_flight", num(r, "in_flight")}, {"in_flight_at_warmup", num(r, "in_flight_at_warmup")}}},
          {"attempts", {{"calls", calls}, {"retries", retries}, {"attempts", attempts}}}};
}

ordered_json effect_json(const Effect& e) { return {{"name", e.name}, {"before", r4(e.before)}, {"after", r4(e.after)}}; }

ordered_json share_json(const int* count, int reps) {
  ordered_json o = ordered_json::object();
  for (int v = 0; v < kVerdicts; ++v) o[verdict_name(static_cast<Verdict>(v))] = r4(count[v] / double(reps));
  return o;
}

}  // namespace

ordered_json map_json(const Layout& layout, const std::vector<Mitigation>& mitigations, const std::vector<CellPlan>& cells,
                      const std::vector<JobOutput>& outputs, int reps, const Rule& rule) {
  ordered_json out;
  out["verdict_rule"] = {
      {"fraction", rule.fraction},
      {"text", "goodput is goodput in deadline (answers within the SLO's latency where one is declared, else the client's "
               "timeout; with neither, the answers of windows whose latency percentiles stay within twice the slowest p99 "
               "before the trigger). A cell recovers at the first window after the trigger's end whose goodput, and whose "
               "mean goodput from it to the end of the span followed, are both at least fraction x its mean before the "
               "trigger, however long that takes; otherwise it recovers slowly when, over the last half of the span, "
               "goodput rises or a state that moved (a queue, a cache's hit ratio, memory, attempts per request) moves back "
               "by more than 3 standard errors of its trend (the time is then projected), and stays failed when nothing "
               "moves back; failed_before when goodput before the trigger was below fraction x the offered load"}};
  auto axis = [&](int i) {
    return i < 0 ? ordered_json(nullptr) : ordered_json{{"path", layout.paths[i]}, {"values", layout.values[i]}};
  };
  out["axes"] = {{"x", axis(layout.x)}, {"y", axis(layout.y)}};
  out["mitigations"] = ordered_json::array();
  for (const auto& m : mitigations) out["mitigations"].push_back({{"name", m.name}, {"set", sets_object(m.sets)}});

  // Grid position of each cell: the first --vary outermost.
  const std::size_t per_mitigation = cells.size() / std::max<std::size_t>(mitigations.size(), 1);
  auto value_index = [&](std::size_t cell, int vary) {
    std::size_t stride = 1;
    for (std::size_t k = static_cast<std::size_t>(vary) + 1; k < layout.values.size(); ++k) stride *= layout.values[k].size();
    return (cell % per_mitigation) / stride % layout.values[static_cast<std::size_t>(vary)].size();
  };

  ordered_json jcells = ordered_json::array();
  std::vector<Verdict> verdicts;
  for (std::size_t i = 0; i < cells.size(); ++i) {
    const CellPlan& c = cells[i];
    const Rule cell_rule{rule.fraction, c.verdict_s};
    ordered_json jreps = ordered_json::array();
    int count[kVerdicts] = {0, 0, 0, 0};
    int timed = 0;
    double rec_sum = 0, rec_max = 0;
    const Judgement* shown = nullptr;
    std::vector<Judgement> js;
    std::vector<RunSeries> series;
    for (int k = 0; k < reps; ++k) {
      const JobOutput& o = outputs[i * static_cast<std::size_t>(reps) + static_cast<std::size_t>(k)];
      series.push_back(parse_series(o.timeseries_csv));
      js.push_back(judge(series.back(), c.warmup_s, c.start_s, c.end_s, cell_rule));
    }
    for (int k = 0; k < reps; ++k) {
      const Judgement& j = js[static_cast<std::size_t>(k)];
      ++count[static_cast<int>(j.verdict)];
      if (j.recovery_s >= 0) {
        ++timed;
        rec_sum += j.recovery_s;
        rec_max = std::max(rec_max, j.recovery_s);
      }
      if (!shown || (j.verdict == Verdict::StaysFailed && shown->verdict != Verdict::StaysFailed)) shown = &j;
      ordered_json eff = ordered_json::array();
      for (const Effect& e : j.effects) eff.push_back(effect_json(e));
      ordered_json jr{{"seed", nullptr},
                      {"verdict", verdict_name(j.verdict)},
                      {"recovery_s", j.recovery_s >= 0 ? ordered_json(r4(j.recovery_s)) : ordered_json(nullptr)},
                      {"recovery_projected", j.verdict == Verdict::RecoversSlowly},
                      {"baseline_goodput_rps", r4(j.baseline_goodput)},
                      {"baseline_offered_rps", r4(j.baseline_offered)},
                      {"late_goodput_rps", r4(j.late_goodput)},
                      {"late_after_ms", j.late_ms > 0 ? ordered_json(r4(j.late_ms)) : ordered_json(nullptr)},
                      {"trend", {{"from_s", r4(j.horizon_from_s)}, {"to_s", r4(j.horizon_to_s)},
                                 {"moving", j.moving.empty() ? ordered_json(nullptr) : ordered_json(j.moving)},
                                 {"slope_per_s", r4(j.slope)}, {"t", r4(std::clamp(j.slope_t, -1e9, 1e9))}}},
                      {"effects", eff}};
      const ordered_json s = parse_ordered_json(outputs[i * static_cast<std::size_t>(reps) + static_cast<std::size_t>(k)].summary);
      jr["seed"] = s.value("seed", 0);
      jr.update(counts(s));
      jreps.push_back(std::move(jr));
    }
    // The cell's verdict: the one most replications reached; a tie goes to the worse.
    Verdict v = Verdict::StaysFailed;
    for (Verdict w : {Verdict::FailedBefore, Verdict::RecoversSlowly, Verdict::Recovers})
      if (count[static_cast<int>(w)] > count[static_cast<int>(v)]) v = w;
    verdicts.push_back(v);
    ordered_json values = ordered_json::array();
    for (std::size_t k = 0; k < layout.values.size(); ++k) values.push_back(layout.values[k][value_index(i, static_cast<int>(k))]);
    ordered_json jc{{"label", c.label},
                    {"mitigation", mitigations[c.mitigation].name},
                    {"set", sets_object(c.vary_sets)},
                    {"values", values},
                    {"trigger", {{"start_s", c.start_s}, {"end_s", c.end_s}}},
                    {"window", {{"start_s", c.end_s}, {"end_s", c.end_s + c.verdict_s}}},
                    {"verdict", verdict_name(v)},
                    {"share", share_json(count, reps)},
                    {"recovery_s", timed ? ordered_json{{"mean", r4(rec_sum / timed)}, {"max", r4(rec_max)}}
                                         : ordered_json(nullptr)},
                    {"sustaining", v == Verdict::StaysFailed && shown && shown->sustained ? effect_json(shown->effects[0])
                                                                                          : ordered_json(nullptr)},
                    {"replications", std::move(jreps)}};
    jcells.push_back(std::move(jc));
  }

  // The maps: one per mitigation and combination of the map keys' values.
  ordered_json maps = ordered_json::array();
  const std::size_t ny = layout.y < 0 ? 1 : layout.values[static_cast<std::size_t>(layout.y)].size();
  const std::size_t nx = layout.x < 0 ? 1 : layout.values[static_cast<std::size_t>(layout.x)].size();
  std::vector<bool> chosen(cells.size(), false);
  for (std::size_t m = 0; m < mitigations.size(); ++m) {
    std::vector<std::pair<std::string, ordered_json>> keyed;  // label -> map, in first-seen order
    for (std::size_t i = m * per_mitigation; i < (m + 1) * per_mitigation; ++i) {
      std::string label;
      ordered_json fixed = ordered_json::object();
      for (int k : layout.map_keys) {
        const std::string& val = layout.values[static_cast<std::size_t>(k)][value_index(i, k)];
        label += (label.empty() ? "" : " ") + layout.paths[static_cast<std::size_t>(k)] + "=" + val;
        fixed[layout.paths[static_cast<std::size_t>(k)]] = val;
      }
      auto it = std::find_if(keyed.begin(), keyed.end(), [&](const auto& p) { return p.first == label; });
      if (it == keyed.end()) {
        ordered_json grid = ordered_json::array();
        for (std::size_t y = 0; y < ny; ++y) grid.push_back(ordered_json(std::vector<int>(nx, -1)));
        keyed.push_back({label, {{"mitigation", mitigations[m].name}, {"label", label}, {"fixed", fixed}, {"grid", grid}}});
        it = keyed.end() - 1;
      }
      const std::size_t y = layout.y < 0 ? 0 : value_index(i, layout.y), x = layout.x < 0 ? 0 : value_index(i, layout.x);
      it->second["grid"][y][x] = static_cast<int>(i);
    }
    for (auto& [label, map] : keyed) {
      // The cells shown over time: a neighbouring pair across the boundary, in the row of
      // the highest load that has one; else the cell of the highest load and largest trigger.
      ordered_json pick = ordered_json::array();
      for (std::size_t y = ny; y-- > 0 && pick.empty();)
        for (std::size_t x = 0; x + 1 < nx && pick.empty(); ++x) {
          const int a = map["grid"][y][x].get<int>(), b = map["grid"][y][x + 1].get<int>();
          if (a >= 0 && b >= 0 && verdicts[a] != verdicts[b] && verdicts[a] != Verdict::FailedBefore &&
              verdicts[b] != Verdict::FailedBefore)
            pick = {a, b};
        }
      if (pick.empty() && map["grid"][ny - 1][nx - 1].get<int>() >= 0) pick.push_back(map["grid"][ny - 1][nx - 1]);
      for (const auto& p : pick) chosen[p.get<std::size_t>()] = true;
      map["chosen"] = pick;
      maps.push_back(std::move(map));
    }
  }
  // Goodput and offered work over time (replication 1) of the chosen cells, with the
  // sustaining effect's series where the cell stays failed.
  for (std::size_t i = 0; i < cells.size(); ++i) {
    if (!chosen[i]) continue;
    const CellPlan& c = cells[i];
    const RunSeries s = parse_series(outputs[i * static_cast<std::size_t>(reps)].timeseries_csv);
    const Judgement j = judge(s, c.warmup_s, c.start_s, c.end_s, Rule{rule.fraction, c.verdict_s});
    const ordered_json& sus = jcells[i]["sustaining"];
    const std::vector<double>* effect = nullptr;
    std::vector<double> per_request;
    if (!sus.is_null()) {
      const std::string name = sus["name"];
      if (name == "attempts per request") {
        per_request.assign(s.t.size(), NAN);
        for (std::size_t w = 0; w < s.t.size(); ++w)
          if (s.offered[w] > 0) per_request[w] = s.attempts[w] / s.offered[w];
        effect = &per_request;
      } else if (auto it = s.effects.find(name); it != s.effects.end()) {
        effect = &it->second;
      }
    }
    ordered_json t = ordered_json::array(), g = t, in = t, off = t, att = t, eff = t;
    for (std::size_t w = 0; w < s.t.size(); ++w) {
      t.push_back(s.t[w]);
      g.push_back(r4(s.goodput[w]));
      in.push_back(r4(j.goodput[w]));
      off.push_back(r4(s.offered[w]));
      att.push_back(r4(s.attempts[w]));
      if (effect) eff.push_back(std::isnan((*effect)[w]) ? ordered_json(nullptr) : ordered_json(r4((*effect)[w])));
    }
    jcells[i]["series"] = {{"time_s", t}, {"goodput_rps", g}, {"goodput_in_deadline_rps", in}, {"offered_rps", off},
                           {"attempts_rps", att}};
    if (effect) jcells[i]["series"]["effect"] = {{"name", sus["name"]}, {"values", eff}};
  }
  out["cells"] = std::move(jcells);
  out["maps"] = std::move(maps);
  return out;
}

void print_maps(const ordered_json& result, std::ostream& os) {
  const auto& cells = result["cells"];
  const ordered_json& ax = result["axes"]["x"];
  const ordered_json& ay = result["axes"]["y"];
  const int reps = result.value("replications", 1);
  for (const auto& map : result["maps"]) {
    os << "\nmap: " << (map["mitigation"] == "none" ? std::string("no mitigation") : "mitigation " + map["mitigation"].get<std::string>())
       << (map["label"].get<std::string>().empty() ? "" : " · " + map["label"].get<std::string>()) << "\n";
    char buf[96];
    if (ax.is_null()) {  // no axis: the one cell
      const auto& c = cells[map["grid"][0][0].get<std::size_t>()];
      os << "  " << c["verdict"].get<std::string>();
      if (c["verdict"] == "recovers") os << " in " << c["recovery_s"]["mean"].get<double>() << " s";
      if (c["verdict"] == "recovers_slowly") os << ", projected in " << c["recovery_s"]["mean"].get<double>() << " s";
      os << "\n";
      continue;
    }
    std::snprintf(buf, sizeof buf, "%-22s", ay.is_null() ? "" : (ay["path"].get<std::string>() + " \\").c_str());
    os << buf;
    for (std::size_t x = 0; x < map["grid"][0].size(); ++x) {
      std::snprintf(buf, sizeof buf, " %14s", ax.is_null() ? "" : ax["values"][x].get<std::string>().c_str());
      os << buf;
    }
    os << (ax.is_null() ? "" : "   <- " + ax["path"].get<std::string>()) << "\n";
    for (std::size_t y = 0; y < map["grid"].size(); ++y) {
      std::snprintf(buf, sizeof buf, "%-22s", ay.is_null() ? "" : ay["values"][y].get<std::string>().c_str());
      os << buf;
      for (const auto& idx : map["grid"][y]) {
        const auto& c = cells[idx.get<std::size_t>()];
        const std::string v = c["verdict"];
        std::string text = v == "recovers" ? "ok" : v == "recovers_slowly" ? "slow" : v == "stays_failed" ? "FAILED" : "over";
        if (v == "recovers" || v == "recovers_slowly") {
          std::snprintf(buf, sizeof buf, v == "recovers" ? " %gs" : " ~%gs", c["recovery_s"]["mean"].get<double>());
          text += buf;
        }
        const double share = c["share"][v].get<double>();
        if (reps > 1 && share < 1) {
          std::snprintf(buf, sizeof buf, " %d/%d", static_cast<int>(std::lround(share * reps)), reps);
          text += buf;
        }
        std::snprintf(buf, sizeof buf, " %14s", text.c_str());
        os << buf;
      }
      os << "\n";
    }
  }
  os << "\n(ok Ns: recovers N s after the trigger ends; slow ~Ns: still coming back at the end of the span followed,\n"
        " projected back N s after the trigger ends; FAILED: stays failed, nothing moving back; over: failed before the\n"
        " trigger; k/n: the share of replications that agree, when they do not all)\n";
}

}  // namespace archsim::cli::metastability
