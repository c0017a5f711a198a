#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "tools/import/import_error.h"
#include "tools/import/traces.h"

namespace archsim::import {

namespace {

constexpr std::size_t kMaxBytes = 1u << 30;  // 1 GB of JSON: far more spans than a calibration needs

// Every parent is a span of the trace, ids are unique, and following parents ends at a root.
void check(TraceFile& t) {
  std::map<std::pair<std::string, std::string>, std::size_t> by_id;
  for (std::size_t i = 0; i < t.spans.size(); ++i) {
    const Span& s = t.spans[i];
    if (s.trace.empty()) throw ImportError(t.file, s.where, "a span without a trace id");
    if (s.id.empty()) throw ImportError(t.file, s.where, "a span without a span id");
    if (s.service.empty())
      throw ImportError(t.file, s.where, "span " + s.id + " names no service (service.name / serviceName)");
    if (s.end_ns < s.start_ns) throw ImportError(t.file, s.where, "span " + s.id + " ends before it starts");
    if (!by_id.emplace(std::make_pair(s.trace, s.id), i).second)
      throw ImportError(t.file, s.where, "span id " + s.id + " appears twice in trace " + s.trace);
  }
  for (const Span& s : t.spans) {
    if (s.parent.empty()) continue;
    if (!by_id.count({s.trace, s.parent}))
      throw ImportError(t.file, s.where,
                        "orphan span " + s.id + " (" + s.service + " " + s.name + "): its parent " + s.parent +
                            " is not in trace " + s.trace + " (a lost or unsampled span; its request cannot be followed)");
  }
  for (const Span& s : t.spans) {
    const Span* p = &s;
    for (std::size_t steps = 0; !p->parent.empty(); ++steps) {
      if (steps > t.spans.size()) throw ImportError(t.file, s.where, "span " + s.id + "'s parents form a cycle");
      p = &t.spans[by_id[{p->trace, p->parent}]];
    }
  }
}

}  // namespace

TraceFile read_trace_json(const nlohmann::json& doc, const std::string& name) {
  TraceFile t;
  t.file = name;
  if (doc.is_object() && doc.contains("resourceSpans")) {
    t.format = "OTLP JSON";
    read_otlp(doc, "", t);
  } else if (doc.is_array() && !doc.empty() && doc[0].is_object() && doc[0].contains("resourceSpans")) {
    t.format = "OTLP JSON";  // one export request per line, gathered by read_trace_file
    for (std::size_t i = 0; i < doc.size(); ++i) read_otlp(doc[i], "/" + std::to_string(i), t);
  } else if (doc.is_object() && doc.contains("data")) {
    t.format = "Jaeger JSON";
    read_jaeger(doc, t);
  } else if (doc.is_array()) {
    t.format = "Zipkin v2 JSON";
    read_zipkin(doc, t);
  } else {
    throw ImportError(name, "", "not a trace file: expected OTLP JSON (resourceSpans), Jaeger JSON (data[].spans) "
                                "or Zipkin v2 JSON (an array of spans)");
  }
  if (t.spans.empty()) throw ImportError(name, "", "no spans in this " + t.format + " file");
  check(t);
  return t;
}

TraceFile read_trace_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ImportError(path, "", "cannot read the file");
  std::ostringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  if (text.size() > kMaxBytes) throw ImportError(path, "", "larger than 1 GB");
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& first) {
    // The collector's file exporter writes one OTLP object per line.
    std::istringstream lines(text);
    std::string line;
    nlohmann::json all = nlohmann::json::array();
    int n = 0;
    bool lines_ok = true;
    while (std::getline(lines, line)) {
      ++n;
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      try {
        all.push_back(nlohmann::json::parse(line));
      } catch (const nlohmann::json::parse_error&) {
        lines_ok = false;
        break;
      }
    }
    if (!lines_ok || all.empty() || !all[0].is_object() || !all[0].contains("resourceSpans")) {
      // Line and column of the first error, as a scenario's syntax error is reported.
      int line_no = 1, col = 1;
      for (std::size_t i = 0; i + 1 < first.byte && i < text.size(); ++i) {
        if (text[i] == '\n') ++line_no, col = 1;
        else ++col;
      }
      std::string what = first.what();
      const auto column = what.find("column ");
      const auto colon = column == std::string::npos ? std::string::npos : what.find(": ", column);
      if (colon != std::string::npos) what = what.substr(colon + 2);
      throw ImportError(path, "", "JSON syntax error: " + what, line_no, col);
    }
    doc = std::move(all);
  }
  return read_trace_json(doc, path);
}

}  // namespace archsim::import
