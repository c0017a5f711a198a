#include "reports/html_interactive.h"

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <utility>

#include "reports/html_data.h"
#include "reports/html_page.h"

#ifndef ARCHSIM_DYGRAPHS_JS
#define ARCHSIM_DYGRAPHS_JS "/usr/share/javascript/dygraphs/dygraph.min.js"
#endif

namespace archsim::reports::interactive {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::string read_text(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return {};
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void replace_all(std::string& s, const std::string& from, const std::string& to) {
  for (auto pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size())) s.replace(pos, from.size(), to);
}

// Source maps name files the page does not carry; a browser's developer tools would ask for them.
void drop_source_map(std::string& text) {
  for (const char* marker : {"//# sourceMappingURL=", "/*# sourceMappingURL="}) {
    const auto pos = text.find(marker);
    if (pos == std::string::npos) continue;
    auto end = text.find('\n', pos);
    text.erase(pos, end == std::string::npos ? std::string::npos : end - pos);
  }
}

// Text that sits inside <script> or <style> must not close it early nor open a comment the
// HTML parser treats specially. In code both replacements keep the meaning: they can only
// occur inside strings, regular expressions or comments, where "<\/" reads as "</".
std::string raw_text_safe(std::string text) {
  for (const char* tag : {"</script", "</SCRIPT", "</Script", "</style", "</STYLE"}) {
    replace_all(text, tag, std::string("<\\/") + (tag + 2));
  }
  replace_all(text, "<!--", "<\\!--");
  return text;
}

double parse(const std::string& field) {
  char* end = nullptr;
  const double v = std::strtod(field.c_str(), &end);
  return end == field.c_str() ? std::nan("") : v;
}

json cell(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

// A wide file: header then rows, NaN for no value.
bool read_wide(const fs::path& file, double x_div, json& labels, json& rows) {
  std::ifstream in(file);
  std::string line;
  if (!in || !std::getline(in, line)) return false;
  if (!line.empty() && line.back() == '\r') line.pop_back();
  for (const auto& name : data::split_csv(line)) labels.push_back(name);
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    const auto f = data::split_csv(line);
    if (f.size() != labels.size()) continue;
    const double x = parse(f[0]);
    if (std::isnan(x)) continue;
    json row = json::array({x / x_div});
    for (std::size_t i = 1; i < f.size(); ++i) row.push_back(cell(parse(f[i])));
    rows.push_back(std::move(row));
  }
  return labels.size() >= 2 && !rows.empty();
}

// gnuplot data blocks (blank lines apart), each "x,<name>" then rows: merged into one table on
// x, a series without a point at some x gets null there (the chart connects its own points).
bool read_blocks(const fs::path& file, json& labels, json& rows) {
  std::ifstream in(file);
  std::string line, x_name;
  std::vector<std::string> names;
  std::map<double, std::map<std::size_t, double>> table;
  bool header_next = true;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) {
      header_next = true;
      continue;
    }
    const auto f = data::split_csv(line);
    if (f.size() != 2) continue;
    if (header_next) {
      x_name = f[0];
      names.push_back(f[1]);
      header_next = false;
      continue;
    }
    const double x = parse(f[0]), y = parse(f[1]);
    if (!std::isnan(x) && !names.empty()) table[x][names.size() - 1] = y;
  }
  if (names.empty() || table.empty()) return false;
  labels.push_back(x_name);
  for (const auto& n : names) labels.push_back(n);
  for (const auto& [x, ys] : table) {
    json row = json::array({x});
    for (std::size_t i = 0; i < names.size(); ++i) {
      const auto it = ys.find(i);
      row.push_back(it == ys.end() ? json(nullptr) : cell(it->second));
    }
    rows.push_back(std::move(row));
  }
  return true;
}

const char* kind_name(marks::Mark::Kind k) {
  switch (k) {
    case marks::Mark::Kind::warmup: return "warmup";
    case marks::Mark::Kind::fault: return "fault";
    case marks::Mark::Kind::episode: return "episode";
    case marks::Mark::Kind::step: return "step";
    case marks::Mark::Kind::alert_fired: return "alert";
    case marks::Mark::Kind::alert_resolved: return "resolved";
    case marks::Mark::Kind::scale: return "scale";
  }
  return "";
}

// JSON inside <script type="application/json">: '<', '>' and '&' only occur in strings,
// where their \u escapes mean the same; invalid UTF-8 in a name is replaced, not thrown on.
std::string json_in_script(const json& j) {
  const std::string text = j.dump(-1, ' ', false, json::error_handler_t::replace);
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '<') out += "\\u003c";
    else if (c == '>') out += "\\u003e";
    else if (c == '&') out += "\\u0026";
    else out += c;
  }
  return out;
}

// Draws every placeholder of the page from the payload. Kept small and plain: the
// options are dygraphs' own (https-free: the docs are in /usr/share/doc/libjs-dygraphs).
constexpr const char* kDrawScript = R"js(
(function () {
  'use strict';
  var spec = JSON.parse(document.getElementById('archsim-chart-data').textContent);
  var palette = ['#0072B2', '#E69F00', '#D55E00', '#009E73', '#CC79A7', '#56B4E9', '#8C6D00', '#444444'];
  var fills = { warmup: 'rgba(200,200,200,0.45)', fault: 'rgba(245,150,100,0.35)', episode: 'rgba(140,185,230,0.35)' };
  var strokes = { step: '#1F5F99', alert: '#C00000', resolved: '#2E7D32', scale: '#7B3294' };
  var unit = spec.time.unit;
  function num(v) {
    if (v === null || v === undefined || isNaN(v)) return '\u2013';
    var a = Math.abs(v);
    if (a !== 0 && (a >= 1e7 || a < 1e-4)) return v.toExponential(2);
    return String(+v.toPrecision(4));
  }
  function pct(v) { return v === null || isNaN(v) ? '\u2013' : String(+(v * 100).toPrecision(4)) + '%'; }
  function marksUnder(p) {
    return function (ctx, area, g) {
      ctx.save();
      ctx.beginPath();
      ctx.rect(area.x, area.y, area.w, area.h);
      ctx.clip();
      ctx.font = '11px sans-serif';
      var row = {};
      if (p.time_x) spec.marks.forEach(function (m) {
        var x0 = g.toDomXCoord(m.from), x1 = g.toDomXCoord(m.to);
        var n = row[m.kind] = (row[m.kind] || 0) + 1;
        if (fills[m.kind]) {
          ctx.fillStyle = fills[m.kind];
          ctx.fillRect(x0, area.y, Math.max(2, x1 - x0), area.h);
          if (m.label && n <= 12) {
            ctx.fillStyle = m.kind === 'fault' ? '#A0410D' : m.kind === 'episode' ? '#1F5F99' : '#777777';
            ctx.fillText(m.label, x0 + 3, area.y + (m.kind === 'warmup' ? area.h - 6 : 12 + 13 * ((n - 1) % 3)));
          }
          return;
        }
        ctx.strokeStyle = strokes[m.kind];
        ctx.lineWidth = m.kind === 'scale' || m.kind === 'step' ? 2 : 1.2;
        ctx.setLineDash(m.kind === 'alert' ? [6, 4] : m.kind === 'resolved' ? [2, 3] : []);
        ctx.beginPath();
        var top = m.kind === 'scale' ? area.y + area.h - 12 : area.y;
        var bottom = m.kind === 'step' ? area.y + 12 : area.y + area.h;
        ctx.moveTo(x0, top);
        ctx.lineTo(x0, bottom);
        ctx.stroke();
        if (m.label && n <= 24) {
          ctx.fillStyle = strokes[m.kind];
          var y = m.kind === 'scale' ? top - 3 : m.kind === 'step' ? bottom + 11 : area.y + 40 + 13 * ((n - 1) % 3);
          ctx.fillText(m.label, x0 + 3, y);
        }
      });
      if (p.slo && spec.slo_p99_ms !== null) {
        var ys = g.toDomYCoord(spec.slo_p99_ms, 0);
        ctx.strokeStyle = '#C00000';
        ctx.lineWidth = 1.5;
        ctx.setLineDash([8, 3, 2, 3]);
        ctx.beginPath();
        ctx.moveTo(area.x, ys);
        ctx.lineTo(area.x + area.w, ys);
        ctx.stroke();
        ctx.fillStyle = '#C00000';
        ctx.fillText('SLO: p99 \u2264 ' + num(spec.slo_p99_ms) + ' ms', area.x + 4, ys - 4);
      }
      if (p.slo_x !== undefined && p.slo_x !== null) {
        var xs = g.toDomXCoord(p.slo_x);
        ctx.strokeStyle = '#C00000';
        ctx.lineWidth = 1.5;
        ctx.setLineDash([8, 3, 2, 3]);
        ctx.beginPath();
        ctx.moveTo(xs, area.y);
        ctx.lineTo(xs, area.y + area.h);
        ctx.stroke();
        ctx.fillStyle = '#C00000';
        ctx.fillText(p.slo_x_label || 'SLO', xs + 4, area.y + 12);
      }
      ctx.restore();
    };
  }
  function toggles(g, labels, colors) {
    var box = document.createElement('div');
    box.className = 'ichart-toggles';
    labels.slice(1).forEach(function (name, i) {
      var l = document.createElement('label');
      var c = document.createElement('input');
      c.type = 'checkbox';
      c.checked = true;
      c.addEventListener('change', function () { g.setVisibility(i, c.checked); });
      var sw = document.createElement('span');
      sw.className = 'swatch';
      sw.style.background = colors[i % colors.length];
      l.appendChild(c);
      l.appendChild(sw);
      l.appendChild(document.createTextNode(name));
      box.appendChild(l);
    });
    return box;
  }
  var drawn = 0;
  spec.charts.forEach(function (chart) {
    var ok = 0;
    chart.panels.forEach(function (p, k) {
      var holder = document.getElementById('ichart-' + chart.name + '-' + k);
      if (!holder) return;
      try {
        var plot = document.createElement('div');
        plot.className = 'ichart-plot';
        var legend = document.createElement('div');
        legend.className = 'ichart-legend';
        holder.appendChild(plot);
        holder.appendChild(legend);
        var n = p.labels.length - 1;
        var colors = [];
        for (var i = 0; i < n; ++i) colors.push(p.colors && p.colors[i] ? p.colors[i] : palette[i % palette.length]);
        var yfmt = p.percent ? pct : num;
        var yaxis = { valueFormatter: yfmt, axisLabelFormatter: yfmt, axisLabelWidth: 62 };
        if (p.y_top > 0) {
          var top = p.y_top;
          p.rows.forEach(function (r) { for (var j = 1; j < r.length; ++j) if (r[j] !== null && r[j] * 1.05 > top) top = r[j] * 1.05; });
          yaxis.valueRange = [0, top];
        }
        if (p.states) {
          // The first three states always; a later one (an operator's) when some row holds it.
          var shown = Math.min(3, p.states.length);
          p.rows.forEach(function (r) { for (var j = 1; j < r.length; ++j) if (r[j] !== null && r[j] + 1 > shown) shown = Math.min(r[j] + 1, p.states.length); });
          yaxis.valueRange = [-0.2, shown - 0.8];
          yaxis.ticker = function () { return p.states.slice(0, shown).map(function (s, v) { return { v: v, label: s }; }); };
          yaxis.valueFormatter = function (v) { return p.states[v] !== undefined ? p.states[v] : num(v); };
        }
        var opts = {
          labels: p.labels,
          colors: colors,
          xlabel: p.time_x ? 'time (' + unit + ')' : p.xlabel || p.labels[0],
          ylabel: p.ylabel,
          labelsDiv: legend,
          legend: 'always',
          labelsSeparateLines: false,
          yLabelWidth: 16,
          connectSeparatedPoints: !!p.connect,
          customBars: !!p.bars,
          drawPoints: !!p.bars || !!p.dots,
          pointSize: 2.5,
          stepPlot: !!p.step,
          strokeWidth: 1.6,
          includeZero: !p.logx && !p.states,
          animatedZooms: false,
          underlayCallback: marksUnder(p),
          axes: {
            x: { valueFormatter: function (x) { return p.time_x ? num(x) + ' ' + unit : num(x) + (p.xunit !== undefined ? p.xunit : ' ms'); },
                 axisLabelFormatter: num, logscale: !!p.logx },
            y: yaxis
          }
        };
        if (p.time_x && spec.time.end !== null) opts.dateWindow = [0, spec.time.end];
        if (!p.time_x) opts.xRangePad = 14;  // points at the ends of an x axis of parameters stay whole
        if (p.y2) {
          opts.series = {};
          opts.series[p.labels[n]] = { axis: 'y2', strokePattern: [2, 3], color: '#888888' };
          colors[n - 1] = '#888888';
          opts.y2label = p.y2;
          opts.axes.y2 = { valueFormatter: num, axisLabelFormatter: num, includeZero: true, independentTicks: true };
        }
        if (p.points) {
          opts.series = opts.series || {};
          p.points.forEach(function (name) { opts.series[name] = { strokeWidth: 0, drawPoints: true, pointSize: 4, highlightCircleSize: 6 }; });
        }
        if (p.point_labels) {
          var yf = yaxis.valueFormatter;
          yaxis.valueFormatter = function (v, o, name, gr, row) {
            var text = yf(v);
            return row !== undefined && p.point_labels[row] ? text + ' (' + p.point_labels[row] + ')' : text;
          };
        }
        var g = new Dygraph(plot, p.rows, opts);
        holder.appendChild(toggles(g, p.labels, colors));
        holder.setAttribute('data-chart-ready', '1');
        ++ok;
        ++drawn;
      } catch (e) {
        console.error('Error: interactive chart ' + chart.name + ': ' + e);
      }
    });
    var fig = document.getElementById('chart-' + chart.name);
    var stat = fig && fig.querySelector('details.static');
    if (stat && ok === chart.panels.length) stat.open = false;
  });
  document.body.setAttribute('data-interactive-charts', String(drawn));
})();
)js";

// Page style for the interactive parts (the library's own sheet comes with it).
constexpr const char* kStyle = R"css(
.ichart { margin: 4px 0 10px; }
.ichart-plot { width: 100%; height: 300px; }
.ichart-legend { font-size: 12px; color: #333; min-height: 1.5em; margin-top: 4px; }
.ichart-legend .dygraph-legend { position: static; width: auto; background: none; }
.ichart-toggles { font-size: 12px; display: flex; flex-wrap: wrap; gap: 4px 14px; margin-top: 4px; }
.ichart-toggles label { cursor: pointer; white-space: nowrap; }
.ichart-toggles .swatch { display: inline-block; width: 14px; height: 3px; margin: 0 5px 3px 3px; vertical-align: middle; }
.ichart-hint { color: var(--muted); font-size: 12px; margin: 2px 0 6px; }
details.static > summary { color: var(--muted); font-size: 13px; cursor: pointer; }
)css";

}  // namespace

fs::path library_path() {
  if (const char* env = std::getenv("ARCHSIM_DYGRAPHS_JS"); env != nullptr) return fs::path(env);
  return fs::path(ARCHSIM_DYGRAPHS_JS);
}

std::optional<Library> load_library() {
  const fs::path path = library_path();
  std::error_code ec;
  if (path.empty() || !fs::is_regular_file(path, ec)) return std::nullopt;
  Library lib{path, read_text(path), {}};
  if (lib.js.find("Dygraph") == std::string::npos) return std::nullopt;
  fs::path css = path;
  css.replace_filename(path.stem().string().find(".min") != std::string::npos ? "dygraph.min.css" : "dygraph.css");
  lib.css = read_text(css);
  drop_source_map(lib.js);
  drop_source_map(lib.css);
  lib.js = raw_text_safe(std::move(lib.js));
  lib.css = raw_text_safe(std::move(lib.css));
  return lib;
}

std::optional<Panel> panel_for(const std::string& file) {
  Panel p;
  p.file = file;
  // Plain time series: only their axis label differs.
  static const std::pair<const char*, const char*> kPlain[] = {
      {"throughput.dat", "requests / s"}, {"balancer.dat", "requests / s"}, {"errors.dat", "failed / s"},
      {"replicas.dat", "replicas"},       {"healthy.dat", "healthy backends"}, {"retries.dat", "per second"},
      {"autoscaler.dat", "metric per replica"},
      {"replication_lag_ms.dat", "lag (ms)"}, {"consumer_lag.dat", "messages"},
      {"variants_throughput.dat", "requests / s"}};
  for (const auto& [name, label] : kPlain)
    if (file == name) {
      p.ylabel = label;
      return p;
    }
  if (file == "variants_p99.dat") {
    p.ylabel = "p99 latency (ms)";
    p.slo = true;
  } else if (file == "latency.dat") {
    p.ylabel = "latency (ms)";
    p.y2_last = true;
    p.y2label = "requests / s";
    p.slo = true;
  } else if (file == "utilization.dat" || file == "hit_ratio.dat") {
    p.ylabel = file == "hit_ratio.dat" ? "hit ratio" : "busy";
    p.percent = true;
    p.y_top_at_least = 1.05;
  } else if (file == "queue.dat") {
    p.ylabel = "requests waiting";
    p.y_top_at_least = 1;
  } else if (file == "circuit_state.dat") {
    p.ylabel = "state";
    p.step = true;
    p.states = {"closed", "open", "half-open", "disabled", "forced open", "metrics only"};  // Resilience4j's order
  } else if (file == "cdf.dat" || file == "compare_cdf.dat") {
    p.ylabel = "fraction of requests";
    p.y_top_at_least = 1.02;
    p.time_x = false;
    p.blocks = true;
    p.logx = true;
  } else {
    return std::nullopt;
  }
  return p;
}

json new_payload(const marks::Marks& m) {
  json marks_list = json::array();
  for (const auto& mk : m.list)
    marks_list.push_back({{"kind", kind_name(mk.kind)}, {"from", mk.start_s / m.unit.div},
                          {"to", mk.end_s / m.unit.div}, {"label", mk.label}});
  return {{"time", {{"unit", m.unit.name}, {"div", m.unit.div}, {"end", cell(m.duration_s > 0 ? m.duration_s / m.unit.div : std::nan(""))}}},
          {"slo_p99_ms", cell(m.slo_p99_ms)},
          {"marks", std::move(marks_list)},
          {"charts", json::array()}};
}

std::string placeholder(const fs::path& charts, const std::string& chart_name, const std::vector<Panel>& panels,
                        json& payload) {
  const double x_div = payload["time"]["div"].get<double>();
  json chart = {{"name", chart_name}, {"panels", json::array()}};
  std::string out;
  for (const Panel& p : panels) {
    json labels = json::array(), rows = json::array();
    const bool ok = p.blocks ? read_blocks(charts / p.file, labels, rows)
                             : read_wide(charts / p.file, p.time_x ? x_div : 1, labels, rows);
    if (!ok) continue;
    json panel = {{"labels", labels}, {"rows", std::move(rows)}, {"ylabel", p.ylabel}, {"time_x", p.time_x},
                  {"connect", p.blocks}, {"logx", p.logx}, {"slo", p.slo}, {"percent", p.percent}, {"step", p.step}, {"y_top", p.y_top_at_least}};
    if (p.y2_last && labels.size() >= 3) panel["y2"] = p.y2label;
    if (!p.states.empty()) panel["states"] = p.states;
    chart["panels"].push_back(std::move(panel));
  }
  return place(chart_name, std::move(chart["panels"]), payload);
}

std::string place(const std::string& chart_name, json panels, json& payload) {
  if (!panels.is_array() || panels.empty()) return {};
  std::string out;
  for (std::size_t k = 0; k < panels.size(); ++k)
    out += "<div class=\"ichart\" id=\"ichart-" + html::escape(chart_name) + "-" + std::to_string(k) + "\"></div>\n";
  payload["charts"].push_back({{"name", chart_name}, {"panels", std::move(panels)}});
  return out + "<p class=\"ichart-hint\">Drag to zoom (shift-drag pans), double-click to zoom out; the values under the "
               "mouse show below the chart; tick a series to hide or show it.</p>\n";
}

std::string scripts(const Library& lib, const json& payload) {
  std::string out = "<style>" + lib.css + kStyle + "</style>\n";
  out += "<script>" + lib.js + "</script>\n";
  out += "<script type=\"application/json\" id=\"archsim-chart-data\">" + json_in_script(payload) + "</script>\n";
  out += std::string("<script>") + kDrawScript + "</script>\n";
  return out;
}

std::string missing_notice(const fs::path& path) {
  return "<p class=\"notice\">Interactive charts are off: the dygraphs library was not found at <code>" +
         html::escape(path.string()) +
         "</code> (<code>apt-get install libjs-dygraphs</code>, then <code>archsim report DIR</code>); the static "
         "charts below are complete.</p>\n";
}

}  // namespace archsim::reports::interactive
