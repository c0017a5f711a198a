#include "reports/html_interactive.h"

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <utility>

#include "reports/html_data.h"
#include "reports/html_page.h"
#include "reports/page_assets.h"

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
      {"throughput.dat", "requests / s"}, {"errors.dat", "failed / s"},
      {"replicas.dat", "replicas"},       {"retries.dat", "per second"},
      {"variants_throughput.dat", "requests / s"}, {"variants_p99_all.dat", "p99 of every request (ms)"}};
  for (const auto& [name, label] : kPlain)
    if (file == name) {
      p.ylabel = label;
      return p;
    }
  if (file == "variants_p99.dat") {
    p.ylabel = "p99 latency (ms)";
    p.slo = true;
  } else if (file == "latency_all.dat") {
    p.ylabel = "latency (ms)";
    p.y2_last = true;
    p.y2label = "failed (%)";
  } else if (file == "latency.dat") {
    p.ylabel = "latency (ms)";
    p.y2_last = true;
    p.y2label = "requests / s";
    p.slo = true;
  } else if (file == "variants_failed.dat") {
    p.ylabel = "failed (% of requests)";
    p.y_top_at_least = 1;
  } else if (file == "utilization.dat") {
    p.ylabel = "busy";
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

json marks_json(const marks::Marks& m) {
  json marks_list = json::array();
  for (const auto& mk : m.list)
    marks_list.push_back({{"kind", kind_name(mk.kind)}, {"from", mk.start_s / m.unit.div},
                          {"to", mk.end_s / m.unit.div}, {"label", mk.label}});
  return {{"time", {{"unit", m.unit.name}, {"div", m.unit.div}, {"end", cell(m.duration_s > 0 ? m.duration_s / m.unit.div : std::nan(""))}}},
          {"slo_p99_ms", cell(m.slo_p99_ms)},
          {"marks", std::move(marks_list)}};
}

json read_panels(const fs::path& charts, const std::vector<Panel>& panels, double x_div) {
  json out = json::array();
  for (const Panel& p : panels) {
    json labels = json::array(), rows = json::array();
    const bool ok = p.blocks ? read_blocks(charts / p.file, labels, rows)
                             : read_wide(charts / p.file, p.time_x ? x_div : 1, labels, rows);
    if (!ok) continue;
    json panel = {{"labels", labels}, {"rows", std::move(rows)}, {"ylabel", p.ylabel}, {"time_x", p.time_x},
                  {"connect", p.blocks}, {"logx", p.logx}, {"slo", p.slo}, {"percent", p.percent}, {"step", p.step}, {"y_top", p.y_top_at_least}};
    if (p.y2_last && labels.size() >= 3) panel["y2"] = p.y2label;
    if (!p.states.empty()) panel["states"] = p.states;
    if (p.logy) panel["logy"] = true;
    if (!p.subtitle.empty()) panel["subtitle"] = p.subtitle;
    out.push_back(std::move(panel));
  }
  return out;
}

std::string render(const std::string& title, const json& data, const Library* lib) {
  // The skeleton's markers are replaced in one pass, so a marker inside the data or the
  // library's text is never read as one.
  const std::string skeleton = page::asset("skeleton.html");
  std::string script;
  for (std::string_view m : page::script_modules()) script += "\n// ---- " + std::string(m) + "\n" + page::asset(m);
  const std::pair<std::string, std::string> fill[] = {
      {"@TITLE@", html::escape(title)},
      {"@STYLE@", raw_text_safe((lib ? lib->css : std::string()) + page::asset("page.css"))},
      {"@LIBRARY@", lib ? "<script>" + lib->js + "</script>" : std::string()},
      {"@DATA@", json_in_script(data)},
      {"@SCRIPT@", raw_text_safe(script)}};
  std::string out;
  out.reserve(skeleton.size() + script.size() + (lib ? lib->js.size() : 0) + 1024);
  std::size_t at = 0;
  while (at < skeleton.size()) {
    const auto next = skeleton.find('@', at);
    if (next == std::string::npos) break;
    bool replaced = false;
    for (const auto& [marker, text] : fill)
      if (skeleton.compare(next, marker.size(), marker) == 0) {
        out.append(skeleton, at, next - at);
        out += text;
        at = next + marker.size();
        replaced = true;
        break;
      }
    if (!replaced) {
      out.append(skeleton, at, next + 1 - at);
      at = next + 1;
    }
  }
  out.append(skeleton, at, std::string::npos);
  return out;
}

}  // namespace archsim::reports::interactive
