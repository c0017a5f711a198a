#include "reports/html_json.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <stdexcept>

#include "reports/html_page.h"
#include "scenario/json_text.h"
#include "sim/text_list.h"

namespace archsim::reports::js {

json read_json(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw std::runtime_error(file.string() + ": cannot open (is this an archsim output folder?)");
  // The folder's files are archsim's own (a trace of 100,000 requests is larger than a
  // scenario), but the folder is the user's: the parser's other guards hold.
  constexpr std::size_t kMaxBytes = std::size_t{4} << 30;
  std::string text;
  char buf[1 << 16];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    text.append(buf, static_cast<std::size_t>(in.gcount()));
    if (text.size() > kMaxBytes) break;  // parse_json refuses it
  }
  try {
    return parse_json(text, nullptr, kMaxBytes);
  } catch (const ScenarioError& e) {
    throw std::runtime_error(e.format(file.string()) + " (not JSON archsim reads)");
  }
}

// A number at a '/'-free dotted path ("latency_ms.p99"), NaN when absent or not a number.
double num_at(const json& j, const std::string& dotted) {
  const json* cur = &j;
  std::size_t start = 0;
  while (start <= dotted.size()) {
    const auto end = std::min(dotted.find('.', start), dotted.size());
    const std::string key = dotted.substr(start, end - start);
    if (!cur->is_object() || !cur->contains(key)) return std::nan("");
    cur = &(*cur)[key];
    start = end + 1;
  }
  return cur->is_number() ? cur->get<double>() : std::nan("");
}

std::string str_at(const json& j, const char* key) {
  if (!j.is_object() || !j.contains(key)) return {};
  const json& v = j[key];
  return v.is_string() ? v.get<std::string>() : v.dump();
}

// Any JSON value as escaped, readable HTML (objects become "key: value" lists).
std::string value_html(const json& v) {
  if (v.is_number()) return html::number(v.get<double>());
  if (v.is_boolean()) return v.get<bool>() ? "yes" : "no";
  if (v.is_string()) return html::escape(v.get<std::string>());
  if (v.is_null()) return "–";
  std::string out;
  if (v.is_object()) {
    for (const auto& [k, x] : v.items()) append_item(out, ", ", html::escape(k) + ": " + value_html(x));
  } else {
    for (const auto& x : v) append_item(out, ", ", value_html(x));
  }
  return out;
}

// A bound ("lo" or "hi") of the 95% confidence interval of `key` ("latency_ms.p99"),
// stored flat ({"ci95": {"latency_ms.p99": {"lo","hi"}}}) or nested; NaN when absent.
double ci_bound(const json& summary, const std::string& key, const char* bound) {
  if (!summary.is_object() || !summary.contains("ci95") || !summary["ci95"].is_object()) return std::nan("");
  const json& ci = summary["ci95"];
  if (ci.contains(key)) return num_at(ci[key], bound);
  return num_at(ci, key + "." + bound);
}

}  // namespace archsim::reports::js
