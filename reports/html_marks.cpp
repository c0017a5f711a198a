#include <algorithm>
#include "reports/html_marks.h"

#include <cmath>
#include <cstdio>
#include <fstream>
#include <vector>

#include "reports/html_json.h"
#include "reports/write_file.h"

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

// A gnuplot double-quoted string of several lines (the kind in which \n breaks a line).
std::string quoted_lines(const std::vector<std::string>& lines) {
  std::string out = "\"";
  for (std::size_t k = 0; k < lines.size(); ++k) {
    if (k) out += "\\n";
    for (char c : lines[k]) {
      if (c == '"' || c == '\\') out += '\\';
      if (c != '\n' && c != '\r') out += c;
    }
  }
  return out + "\"";
}

std::string g(double v) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.10g", v);
  return buf;
}

// A scale event: a run of windows in which the desired replicas change (the series is a
// per-window mean, so a change shows in one or two windows); its tick sits at the first and
// its label is the net change once the value settles.
void scale_events(const data::TimeSeries& ts, std::vector<Mark>& out) {
  int ticks = 0;
  auto tick = [&](double t, double delta) {
    if (ticks >= kMaxTicks) return;
    const long d = std::lround(delta);
    out.push_back({Mark::Kind::scale, t, t, d == 0 ? "" : (d > 0 ? "+" : "") + std::to_string(d)});
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
}

}  // namespace

TimeUnit time_unit(double d) {
  if (std::isnan(d) || d <= 20 * 60) return {1, "s"};
  if (d <= 10 * 3600) return {60, "min"};
  if (d <= 4 * 86400) return {3600, "h"};
  return {86400, "days"};
}

Marks collect(const json& summary, const data::TimeSeries& ts) {
  Marks m;
  m.duration_s = num_at(summary, "duration_s");
  m.unit = time_unit(m.duration_s);
  m.slo_p99_ms = num_at(summary, "slo.latency_p99_ms");
  if (!(m.slo_p99_ms > 0)) m.slo_p99_ms = std::nan("");
  std::vector<std::string> said;
  auto count = [&](Mark::Kind k) {
    int n = 0;
    for (const auto& mk : m.list) n += mk.kind == k ? 1 : 0;
    return n;
  };

  // A long run's charts draw a column's lowest and highest values (data::write_wide).
  std::size_t windows = 0;
  for (const std::string& c : ts.components())
    for (const std::string& metric : ts.metrics_of(c))
      if (const data::Points* p = ts.find(c, metric)) windows = std::max(windows, p->size());
  if (windows > 2 * data::kPageColumns)
    said.push_back("lines: each of " + std::to_string(data::kPageColumns) + " columns of time drawn from its lowest to its highest window (" +
                   std::to_string(windows) + " windows; every one is in timeseries.csv)");
  const double warmup = num_at(summary, "warmup_s");
  if (!std::isnan(warmup) && warmup > 0) {
    m.list.push_back({Mark::Kind::warmup, 0, warmup, "warm-up"});
    said.push_back("grey: the warm-up (left out of the figures)");
  }
  const json& a = summary.contains("availability_report") ? summary["availability_report"] : json::object();
  if (a.contains("faults") && a["faults"].is_array()) {
    for (const json& f : a["faults"]) {
      const double st = num_at(f, "start_s"), en = num_at(f, "end_s");
      if (std::isnan(st)) continue;
      // An instantaneous fault (a crash) gets a sliver one 500th of the run wide.
      const double end = std::isnan(en) || en <= st ? st + (std::isnan(m.duration_s) ? 1 : m.duration_s / 500) : en;
      m.list.push_back({Mark::Kind::fault, st, end, js::str_at(f, "fault")});
    }
    if (const int n = count(Mark::Kind::fault); n > 0)
      said.push_back("orange bands: the fault windows (" + std::to_string(n) + ")");
  }
  // Episodes of components (a rollout, a rollback): blue bands; instantaneous ones (a rollout's
  // steps) blue ticks at the top with their label.
  if (a.contains("episodes") && a["episodes"].is_array()) {
    int steps = 0;
    for (const json& e : a["episodes"]) {
      const double st = num_at(e, "start_s"), en = num_at(e, "end_s");
      if (std::isnan(st)) continue;
      if (std::isnan(en) || en <= st) {
        if (steps++ < kMaxTicks) m.list.push_back({Mark::Kind::step, st, st, js::str_at(e, "label")});
        continue;
      }
      m.list.push_back({Mark::Kind::episode, st, en, js::str_at(e, "label")});
    }
    if (const int n = count(Mark::Kind::episode); n > 0)
      said.push_back("blue bands: rollouts and rollbacks (" + std::to_string(n) + ")");
    if (const int n = count(Mark::Kind::step); n > 0)
      said.push_back("blue ticks at the top: their steps, new-version instances ready / desired (" + std::to_string(n) + ")");
  }
  if (a.contains("alerts") && a["alerts"].is_array()) {
    for (const json& al : a["alerts"]) {
      const double fired = num_at(al, "fired_s"), resolved = num_at(al, "resolved_s");
      if (std::isnan(fired)) continue;
      m.list.push_back({Mark::Kind::alert_fired, fired, fired, js::str_at(al, "alert")});
      if (!std::isnan(resolved)) m.list.push_back({Mark::Kind::alert_resolved, resolved, resolved, ""});
    }
    if (const int n = count(Mark::Kind::alert_fired); n > 0)
      said.push_back("numbered red markers: an alert fired, the red bar along the top while it fired (" + std::to_string(n) +
                     " firings, numbered by the rule's first firing and named under the chart; the static charts draw a "
                     "red dashed line with the number where one fired, a green dotted one where it resolved, and name the "
                     "numbers in a box at the top left)");
  }
  scale_events(ts, m.list);
  if (const int n = count(Mark::Kind::scale); n > 0)
    said.push_back("purple ticks at the bottom: scale events (" + std::to_string(n) + ", change in desired replicas)");

  if (!said.empty()) {
    m.caption = "Marks: ";
    for (std::size_t i = 0; i < said.size(); ++i) m.caption += (i ? "; " : "") + said[i];
    m.caption += ". Time in " + std::string(m.unit.name) + ".";
  }
  return m;
}

void write_annotations(const std::filesystem::path& file, const Marks& m) {
  const TimeUnit u = m.unit;
  auto x = [&](double s) { return g(s / u.div); };
  std::string gp =
      "# annotations.gp -- written by archsim from ../summary.json and ../timeseries.csv; every time chart\n"
      "# loads it (style.gp: load_marks). Edit it to move or drop a mark; `archsim report` rewrites it.\n";
  gp += "time_div = " + g(u.div) + "\ntime_unit = " + quoted(u.name) + "\n";
  if (!std::isnan(m.duration_s) && m.duration_s > 0) gp += "set xrange [0:" + x(m.duration_s) + "]\n";
  if (!std::isnan(m.slo_p99_ms)) gp += "slo_p99_ms = " + g(m.slo_p99_ms) + "\n";
  // Labels are kept to the first few of a kind and stagger in height so they do not overlap.
  int faults = 0, bands = 0, steps = 0, ticks = 0;
  // Alerts are numbered as the page numbers them, by each rule's first firing (the list is in
  // firing order), and named once in a legend: names at each line overprinted one another.
  std::vector<std::string> rules;
  auto number_of = [&](const std::string& name) {
    const auto at = std::find(rules.begin(), rules.end(), name);
    if (at != rules.end()) return static_cast<int>(at - rules.begin()) + 1;
    rules.push_back(name);
    return static_cast<int>(rules.size());
  };
  double last_alert_x = -1e300;
  int alert_row = 0;
  // A shaded window with its label, the n-th of its kind (labels stagger over three heights).
  auto band = [&](const Mark& mk, const char* fill, const char* ink, double top, int n) {
    gp += "set object rect from " + x(mk.start_s) + ", graph 0 to " + x(mk.end_s) + ", graph 1 behind fillcolor rgb '" +
          fill + "' fillstyle solid 1.0 noborder\n";
    if (n < 12)
      gp += "set label " + quoted(mk.label) + " at " + x(mk.start_s) + ", graph " + g(top - 0.07 * (n % 3)) +
            " left offset char 0.3,0 font ',9' textcolor rgb '" + ink + "' front\n";
  };
  for (const Mark& mk : m.list) {
    switch (mk.kind) {
      case Mark::Kind::warmup:
        gp += "set object rect from 0, graph 0 to " + x(mk.end_s) +
              ", graph 1 behind fillcolor rgb '#ececec' fillstyle solid 1.0 noborder\n";
        if (!std::isnan(m.duration_s) && mk.end_s / m.duration_s > 0.06)
          gp += "set label 'warm-up' at graph 0.005, graph 0.04 left font ',9' textcolor rgb '#777777' front\n";
        break;
      case Mark::Kind::fault:
        band(mk, "#fbd9c4", "#A0410D", 0.96, faults++);
        break;
      case Mark::Kind::episode:
        band(mk, "#d6e6f5", "#1F5F99", 0.86, bands++);
        break;
      case Mark::Kind::step:
        gp += "set arrow from " + x(mk.start_s) + ", graph 1 to " + x(mk.start_s) +
              ", graph 0.94 nohead front linecolor rgb '#1F5F99' linewidth 2\n";
        if (steps < 24)
          gp += "set label " + quoted(mk.label) + " at " + x(mk.start_s) + ", graph " + (steps % 2 ? "0.905" : "0.925") +
                " center font ',7' textcolor rgb '#1F5F99' front\n";
        ++steps;
        break;
      case Mark::Kind::alert_fired: {
        gp += "set arrow from " + x(mk.start_s) + ", graph 0 to " + x(mk.start_s) +
              ", graph 1 nohead front linecolor rgb '#C00000' linewidth 1.2 dashtype 2\n";
        // The number just above the plot's top edge, clear of the bands' labels inside it;
        // numbers of firings closer than 2 % of the run alternate left and right of their line,
        // and a third and fourth in a row go one line higher, so that none prints over another.
        const bool close = !std::isnan(m.duration_s) && m.duration_s > 0 && mk.start_s - last_alert_x < 0.02 * m.duration_s;
        alert_row = close ? (alert_row + 1) % 4 : 0;
        last_alert_x = mk.start_s;
        const std::string up = alert_row >= 2 ? "1.6" : "0.6";
        gp += "set label '" + std::to_string(number_of(mk.label)) + "' at " + x(mk.start_s) + ", graph 1 " +
              (alert_row % 2 ? "left offset char 0.2," + up : "right offset char -0.2," + up) +
              " font ',9' textcolor rgb '#C00000' front\n";
        break;
      }
      case Mark::Kind::alert_resolved:
        gp += "set arrow from " + x(mk.start_s) + ", graph 0 to " + x(mk.start_s) +
              ", graph 1 nohead front linecolor rgb '#2E7D32' linewidth 1.2 dashtype 3\n";
        break;
      case Mark::Kind::scale:
        gp += "set arrow from " + x(mk.start_s) + ", graph 0 to " + x(mk.start_s) +
              ", graph 0.06 nohead front linecolor rgb '#7B3294' linewidth 2\n";
        if (ticks < 24 && !mk.label.empty())
          gp += "set label '" + mk.label + "' at " + x(mk.start_s) + ", graph " + (ticks % 2 ? "0.12" : "0.08") +
                " center font ',8' textcolor rgb '#7B3294' front\n";
        ++ticks;
        break;
    }
  }
  if (!rules.empty()) {
    std::vector<std::string> legend;
    for (std::size_t k = 0; k < rules.size() && k < 9; ++k) legend.push_back(std::to_string(k + 1) + "  " + rules[k]);
    if (rules.size() > 9) legend.push_back("and " + std::to_string(rules.size() - 9) + " more");
    gp += "set style textbox opaque fillcolor rgb '#ffffff' border lc rgb '#C00000'\n";
    // Tagged and kept as a command, so that a chart of stacked panels (panels.gp) names the
    // numbers once, on its first panel.
    std::string cmd = "set label 9999 " + quoted_lines(legend) + " at graph 0.015, graph 0.9 left font ',8' textcolor rgb '#C00000' boxed front";
    std::string as_string = "alert_legend = '";
    for (char c : cmd) as_string += c == '\'' ? std::string("''") : std::string(1, c);
    gp += as_string + "'\neval alert_legend\n";
  }
  write_file(file, gp);
}

}  // namespace archsim::reports::marks
