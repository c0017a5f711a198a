#include "reports/html_marks.h"

#include <cmath>
#include <cstdio>
#include <fstream>
#include <vector>

#include "reports/html_json.h"

namespace archsim::reports::marks {

using nlohmann::json;
using js::num_at;

namespace {

// A gnuplot single-quoted string: only a quote needs escaping (by doubling it).
std::string quoted(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += "''";
    else if (c != '\n' && c != '\r') out += c;
  }
  return out + "'";
}

std::string g(double v) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.10g", v);
  return buf;
}

}  // namespace

TimeUnit time_unit(double d) {
  if (std::isnan(d) || d <= 20 * 60) return {1, "s"};
  if (d <= 10 * 3600) return {60, "min"};
  if (d <= 4 * 86400) return {3600, "h"};
  return {86400, "days"};
}

std::string write_annotations(const std::filesystem::path& file, const json& summary, const data::TimeSeries& ts) {
  const double duration = num_at(summary, "duration_s"), warmup = num_at(summary, "warmup_s");
  const TimeUnit u = time_unit(duration);
  auto x = [&](double s) { return g(s / u.div); };
  std::string gp =
      "# annotations.gp -- written by archsim from ../summary.json and ../timeseries.csv; every time chart\n"
      "# loads it (style.gp: load_marks). Edit it to move or drop a mark; `archsim report` rewrites it.\n";
  gp += "time_div = " + g(u.div) + "\ntime_unit = " + quoted(u.name) + "\n";
  if (!std::isnan(duration) && duration > 0) gp += "set xrange [0:" + x(duration) + "]\n";
  std::vector<std::string> said;

  if (!std::isnan(warmup) && warmup > 0) {
    gp += "set object rect from 0, graph 0 to " + x(warmup) +
          ", graph 1 behind fillcolor rgb '#ececec' fillstyle solid 1.0 noborder\n";
    if (!std::isnan(duration) && warmup / duration > 0.06)
      gp += "set label 'warm-up' at graph 0.005, graph 0.04 left font ',9' textcolor rgb '#777777' front\n";
    said.push_back("grey: the warm-up (left out of the figures)");
  }
  const double slo_p99 = num_at(summary, "slo.latency_p99_ms");
  if (!std::isnan(slo_p99) && slo_p99 > 0) gp += "slo_p99_ms = " + g(slo_p99) + "\n";

  const json& a = summary.contains("availability_report") ? summary["availability_report"] : json::object();
  int faults = 0;
  if (a.contains("faults") && a["faults"].is_array()) {
    for (const json& f : a["faults"]) {
      const double st = num_at(f, "start_s"), en = num_at(f, "end_s");
      if (std::isnan(st)) continue;
      const std::string label = js::str_at(f, "fault");
      // An instantaneous fault (a crash) gets a sliver one 500th of the run wide.
      const double end = std::isnan(en) || en <= st ? st + (std::isnan(duration) ? 1 : duration / 500) : en;
      gp += "set object rect from " + x(st) + ", graph 0 to " + x(end) +
            ", graph 1 behind fillcolor rgb '#fbd9c4' fillstyle solid 1.0 noborder\n";
      if (faults < 12)
        gp += "set label " + quoted(label) + " at " + x(st) + ", graph " + g(0.96 - 0.07 * (faults % 3)) +
              " left offset char 0.3,0 font ',9' textcolor rgb '#A0410D' front\n";
      ++faults;
    }
    if (faults > 0) said.push_back("orange bands: the fault windows (" + std::to_string(faults) + ")");
  }
  // Episodes of components (a rollout, a rollback): blue bands; instantaneous ones (a rollout's
  // steps) blue ticks at the top with their label.
  int bands = 0, steps = 0;
  if (a.contains("episodes") && a["episodes"].is_array()) {
    for (const json& e : a["episodes"]) {
      const double st = num_at(e, "start_s"), en = num_at(e, "end_s");
      if (std::isnan(st)) continue;
      const std::string label = js::str_at(e, "label");
      if (std::isnan(en) || en <= st) {
        if (steps >= kMaxTicks) continue;
        gp += "set arrow from " + x(st) + ", graph 1 to " + x(st) + ", graph 0.94 nohead front linecolor rgb '#1F5F99' linewidth 2\n";
        if (steps < 24)
          gp += "set label " + quoted(label) + " at " + x(st) + ", graph " + (steps % 2 ? "0.905" : "0.925") +
                " center font ',7' textcolor rgb '#1F5F99' front\n";
        ++steps;
        continue;
      }
      gp += "set object rect from " + x(st) + ", graph 0 to " + x(en) +
            ", graph 1 behind fillcolor rgb '#d6e6f5' fillstyle solid 1.0 noborder\n";
      if (bands < 12)
        gp += "set label " + quoted(label) + " at " + x(st) + ", graph " + g(0.86 - 0.07 * (bands % 3)) +
              " left offset char 0.3,0 font ',9' textcolor rgb '#1F5F99' front\n";
      ++bands;
    }
    if (bands > 0) said.push_back("blue bands: rollouts and rollbacks (" + std::to_string(bands) + ")");
    if (steps > 0) said.push_back("blue ticks at the top: their steps, new-version instances ready / desired (" + std::to_string(steps) + ")");
  }
  int alerts = 0;
  if (a.contains("alerts") && a["alerts"].is_array()) {
    for (const json& al : a["alerts"]) {
      const double fired = num_at(al, "fired_s"), resolved = num_at(al, "resolved_s");
      if (std::isnan(fired)) continue;
      gp += "set arrow from " + x(fired) + ", graph 0 to " + x(fired) +
            ", graph 1 nohead front linecolor rgb '#C00000' linewidth 1.2 dashtype 2\n";
      if (alerts < 12)
        gp += "set label " + quoted(js::str_at(al, "alert")) + " at " + x(fired) + ", graph " +
              g(0.80 - 0.07 * (alerts % 3)) + " left offset char 0.3,0 font ',9' textcolor rgb '#C00000' front\n";
      if (!std::isnan(resolved))
        gp += "set arrow from " + x(resolved) + ", graph 0 to " + x(resolved) +
              ", graph 1 nohead front linecolor rgb '#2E7D32' linewidth 1.2 dashtype 3\n";
      ++alerts;
    }
    if (alerts > 0) said.push_back("red dashed lines: an alert fired; green dotted: it resolved (" + std::to_string(alerts) + " alerts)");
  }
  // A scale event: a run of windows in which the desired replicas change (the series is a
  // per-window mean, so a change shows in one or two windows); its tick sits at the first and
  // its label is the net change once the value settles.
  int ticks = 0;
  auto tick = [&](double t, double delta) {
    if (ticks >= kMaxTicks) return;
    gp += "set arrow from " + x(t) + ", graph 0 to " + x(t) + ", graph 0.06 nohead front linecolor rgb '#7B3294' linewidth 2\n";
    const long d = std::lround(delta);
    if (ticks < 24 && d != 0)
      gp += "set label '" + std::string(d > 0 ? "+" : "") + std::to_string(d) + "' at " + x(t) + ", graph " +
            (ticks % 2 ? "0.12" : "0.08") + " center font ',8' textcolor rgb '#7B3294' front\n";
    ++ticks;
  };
  for (const auto& c : ts.components_with("desired_replicas")) {
    const data::Points* p = ts.find(c, "desired_replicas");
    double prev = std::nan(""), from = std::nan(""), at = 0;
    bool moving = false;
    for (const auto& [t, v] : *p) {
      if (!std::isnan(prev) && v != prev && !moving) {
        moving = true;
        from = prev;
        at = t;
      } else if (moving && v == prev) {
        moving = false;
        tick(at, prev - from);
      }
      prev = v;
    }
    if (moving) tick(at, prev - from);
  }
  if (ticks > 0) said.push_back("purple ticks at the bottom: scale events (" + std::to_string(ticks) + ", change in desired replicas)");

  std::ofstream(file, std::ios::trunc) << gp;
  if (said.empty()) return {};
  std::string out = "Marks: ";
  for (std::size_t i = 0; i < said.size(); ++i) out += (i ? "; " : "") + said[i];
  return out + ". Time in " + u.name + ".";
}

}  // namespace archsim::reports::marks
