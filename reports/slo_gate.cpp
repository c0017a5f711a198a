#include "reports/slo_gate.h"

#include "reports/number_text.h"

#include <cmath>

namespace archsim {

using nlohmann::ordered_json;

namespace {

// Four significant digits: a percentile's histogram bucket is about 0.8% wide, so more would
// be noise (summary.json keeps six). Large values in full and grouped ("23,018 ms", never
// "2.302e+04 ms").
std::string num_text(double v) { return readable_number(v, 4); }

std::string percent_text(double v) { return num_text(v * 100) + "%"; }

bool is_latency(const ordered_json& o) { return o.contains("target_ms"); }
bool is_windowed(const ordered_json& o) { return o.value("objective", "") == "availability_window"; }

// "5 min", "1 h", "30 s": a window's length as people say it.
std::string window_text(double s) {
  if (s >= 3600 && std::fmod(s, 3600) == 0) return num_text(s / 3600) + " h";
  if (s >= 60 && std::fmod(s, 60) == 0) return num_text(s / 60) + " min";
  return num_text(s) + " s";
}

// "p99.9" for "latency_p999", "p50" for "latency_p50".
std::string percentile_name(const std::string& key) {
  if (key == "latency_p999") return "p99.9";
  const std::size_t u = key.find('_');
  return u == std::string::npos ? key : key.substr(u + 1);
}

// The figures an objective is judged on: the SLO's scoped population (slo.population, its
// by_route for a route's objective) or the run's own.
const ordered_json* figures_of(const ordered_json& s, const ordered_json& o) {
  const ordered_json* whole = &s;
  const char* routes = "routes";
  if (s.contains("slo") && s["slo"].contains("population") && s["slo"]["population"].value("scoped", false)) {
    whole = &s["slo"]["population"];
    routes = "by_route";
  }
  if (!o.contains("route")) return whole;
  const std::string r = o["route"].get<std::string>();
  if (!whole->contains(routes) || !(*whole)[routes].contains(r)) return nullptr;
  return &(*whole)[routes][r];
}

}  // namespace

std::string slo_objective_label(const ordered_json& o) {
  const std::string key = o.value("objective", "");
  std::string label;
  if (o.contains("route")) label.append("route ").append(o["route"].get<std::string>()).append(": ");
  if (is_windowed(o)) label.append("availability per ").append(window_text(o.value("window_s", 0.0))).append(" window");
  else if (key == "error_rate" || key == "availability") label.append(key == "error_rate" ? "error rate" : "availability");
  else label.append(percentile_name(key)).append(" latency");
  return label;
}

std::string slo_objective_target(const ordered_json& o) {
  if (is_latency(o)) return "≤ " + num_text(o["target_ms"].get<double>()) + " ms";
  const double t = o.value("target", 0.0);
  if (is_windowed(o)) {
    const double f = o.value("required_fraction_met", 1.0);
    return "≥ " + percent_text(t) + (f < 1 ? " in " + percent_text(f) + " of windows" : " in every window");
  }
  return (o.value("objective", "") == "availability" ? "≥ " : "≤ ") + percent_text(t);
}

std::string slo_objective_detail(const ordered_json& o) {
  if (!is_windowed(o) || !o.contains("windows")) return "";
  std::string d = num_text(o.value("windows_met", 0.0)) + " of " + num_text(o.value("windows", 0.0)) + " windows met";
  if (o.contains("worst_window_start_s") && o["worst_window_start_s"].is_number()) {
    const double start = o["worst_window_start_s"].get<double>();
    d += ", the worst from " + num_text(start) + " s";
  }
  if (o.contains("last_window_s")) d += "; the last is " + window_text(o["last_window_s"].get<double>()) + " long";
  return d;
}

std::string slo_objective_value(const ordered_json& o) {
  const char* key = is_latency(o) ? "value_ms" : "value";
  if (!o.contains(key) || !o[key].is_number()) return "n/a";
  const double v = o[key].get<double>();
  if (is_windowed(o)) return "worst " + percent_text(v);
  return is_latency(o) ? num_text(v) + " ms" : percent_text(v);
}

std::string slo_objective_caveat(const ordered_json& o) {
  if (!is_latency(o) || o.value("certain", true) || !o.contains("bucket_ms")) return "";
  const ordered_json& b = o["bucket_ms"];
  return "the target lies within the histogram bucket of the percentile (" + num_text(b[0].get<double>()) + "-" +
         num_text(b[1].get<double>()) + " ms): the verdict is the estimate's";
}

SloVerdict slo_verdict(const ordered_json& s) {
  SloVerdict v;
  if (!s.contains("slo") || !s["slo"].is_object()) return v;
  const ordered_json& slo = s["slo"];
  if (!slo.contains("objectives") || !slo["objectives"].is_array()) return v;
  for (const ordered_json& o : slo["objectives"]) {
    v.has_objective = true;
    if (o.value("met", false)) continue;
    const std::string value = slo_objective_value(o);
    std::string phrase = slo_objective_label(o);
    if (value == "n/a") {
      phrase += is_latency(o) ? ": no request was served" : ": no requests were made";
    } else if (is_windowed(o)) {
      phrase += ": " + slo_objective_detail(o) + " (target " + slo_objective_target(o).substr(4) + ", " + value + ")";
    } else {
      const bool at_least = o.value("objective", "") == "availability";
      std::string target = slo_objective_target(o);
      target = target.substr(target.find(' ') + 1);  // without "≤ " / "≥ "
      phrase += " " + value + (at_least ? " < " : " > ") + target;
    }
    if (o.contains("judged_on")) phrase += " (" + o["judged_on"].get<std::string>() + ")";
    else if (const std::string c = slo_objective_caveat(o); !c.empty()) phrase += " (" + c + ")";
    v.missed.push_back(phrase);
  }
  v.met = v.missed.empty();
  return v;
}

void judge_slo_on_means(ordered_json& s) {
  if (!s.contains("slo") || !s["slo"].is_object() || !s["slo"].contains("objectives")) return;
  ordered_json& slo = s["slo"];
  const std::string on = "mean of the replications";
  bool all = true;
  for (ordered_json& o : slo["objectives"]) {
    const ordered_json* f = figures_of(s, o);
    const std::string key = o.value("objective", "");
    if (is_windowed(o)) {
      // The windows' figures averaged over the replications (slo.availability_window): met when
      // the mean fraction of windows met reaches the required one (with 1, when every window
      // of every replication met the target).
      const ordered_json& w = slo.value("availability_window", ordered_json::object());
      const double fraction = w.contains("fraction_met") && w["fraction_met"].is_number() ? w["fraction_met"].get<double>() : NAN;
      const bool met = !std::isnan(fraction) && w.contains("worst") && w["worst"].is_number() &&
                       fraction >= o.value("required_fraction_met", 1.0);
      for (const char* k : {"windows", "windows_met", "fraction_met"})
        if (w.contains(k)) o[k] = w[k];
      o["value"] = w.contains("worst") ? w["worst"] : ordered_json();
      o.erase("worst_window_start_s");
      o["met"] = met;
      o["judged_on"] = on;
      all = all && met;
      continue;
    }
    double value = NAN;
    if (f && is_latency(o)) {
      const std::string p = key.substr(key.find('_') + 1);
      if (f->contains("latency_ms") && (*f)["latency_ms"].contains(p) && (*f)["latency_ms"][p].is_number() &&
          (*f)["latency_ms"].value("count", 0.0) > 0)
        value = (*f)["latency_ms"][p].get<double>();
    } else if (f && f->contains("availability") && (*f)["availability"].is_number()) {
      const double a = (*f)["availability"].get<double>();
      value = key == "availability" ? a : 1 - a;
    }
    const bool has = !std::isnan(value);
    const double target = is_latency(o) ? o["target_ms"].get<double>() : o.value("target", 0.0);
    const bool met = has && (key == "availability" ? value >= target : value <= target);
    o[is_latency(o) ? "value_ms" : "value"] = has ? ordered_json(value) : ordered_json();
    o.erase("bucket_ms");
    o.erase("certain");
    o["met"] = met;
    o["judged_on"] = on;
    all = all && met;
    if (!o.contains("route") && key == "latency_p99" && slo.contains("latency_met")) slo["latency_met"] = met;
    if (!o.contains("route") && key == "availability" && slo.contains("availability_met")) slo["availability_met"] = met;
  }
  slo["met"] = all;
}

bool scenario_has_slo(const nlohmann::json& doc) {
  if (!doc.is_object() || !doc.contains("slo") || !doc["slo"].is_object()) return false;
  for (const auto& [k, v] : doc["slo"].items())
    if (k != "routes" || (v.is_object() && !v.empty())) return true;
  return false;
}

}  // namespace archsim
