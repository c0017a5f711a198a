#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <set>
#include <unordered_map>

#include "tools/import/import_error.h"
#include "tools/import/trace_json.h"
#include "tools/import/traces.h"

namespace archsim::import {

namespace {

constexpr std::size_t kMaxTraceBytes = 1u << 30;  // 1 GB of JSON: far more spans than a calibration needs

// A span as OpenTelemetry's console exporter prints it, one per line, for people to read (ids
// as "0x..." text, times as ISO dates): users take it for an export.
bool console_span(const nlohmann::json& j) {
  return j.is_object() && j.contains("context") && j.contains("name") && !j.contains("resourceSpans");
}
const char* const kConsole = "not a trace file: spans with a \"context\", one per line, are what OpenTelemetry's console "
                             "exporter prints; export with the OTLP file exporter (JSON lines of resourceSpans), or save "
                             "the traces from Jaeger or Zipkin";

struct PairHash {
  std::size_t operator()(const std::pair<std::string, std::string>& p) const {
    return std::hash<std::string>()(p.first) * 31 + std::hash<std::string>()(p.second);
  }
};

// Jaeger's clock-skew adjustment (model/adjuster/clockskew.go, calculateSkew): a child on
// another host that does not fit in its parent is moved so that it sits in the middle of it
// (the network taking as long each way); one that lasted longer than its parent (asynchronous,
// or the parent timed out) is only moved so that it does not start before it.
std::int64_t skew_of(const Span& child, const Span& parent) {
  const std::int64_t cd = child.end_ns - child.start_ns, pd = parent.end_ns - parent.start_ns;
  if (cd > pd) return child.start_ns < parent.start_ns ? parent.start_ns - child.start_ns : 0;
  if (child.start_ns >= parent.start_ns && child.end_ns <= parent.end_ns) return 0;
  return parent.start_ns + (pd - cd) / 2 - child.start_ns;
}

std::string host_of(const Span& s) { return s.host.empty() ? s.service : s.host; }

// Fields present, ids unique, parents found; then the clock-skew adjustment from each root.
void check(TraceFile& t) {
  constexpr std::int64_t kMs = 1000000;
  bool ms_starts = !t.spans.empty(), finer = false;
  for (const Span& s : t.spans) {
    ms_starts = ms_starts && s.start_ns % kMs == 0;
    finer = finer || (s.end_ns - s.start_ns) % kMs != 0;
  }
  if (ms_starts && finer) t.start_resolution_ns = kMs;
  for (const Span& s : t.spans) {
    if (s.trace.empty()) throw ImportError(t.file, s.where, "a span without a trace id");
    if (s.id.empty()) throw ImportError(t.file, s.where, "a span without a span id");
    if (s.service.empty())
      throw ImportError(t.file, s.where, "span " + s.id + " names no service (service.name / serviceName)");
    if (s.end_ns < s.start_ns) throw ImportError(t.file, s.where, "span " + s.id + " ends before it starts");
  }
  std::unordered_map<std::pair<std::string, std::string>, std::size_t, PairHash> by_id;
  std::vector<char> keep(t.spans.size(), 0);
  for (std::size_t i = 0; i < t.spans.size(); ++i) {
    if (by_id.emplace(std::make_pair(t.spans[i].trace, t.spans[i].id), i).second) keep[i] = 1;
    else ++t.duplicates;
  }
  std::unordered_map<std::pair<std::string, std::string>, std::vector<std::size_t>, PairHash> children;
  std::vector<std::size_t> stack;
  std::map<std::string, std::vector<std::size_t>> heads;  // per trace, spans whose parent is not in it
  std::set<std::string> rooted;
  for (std::size_t i = 0; i < t.spans.size(); ++i) {
    if (!keep[i]) continue;
    const Span& s = t.spans[i];
    if (s.parent.empty()) stack.push_back(i), rooted.insert(s.trace);
    else if (by_id.count({s.trace, s.parent})) children[{s.trace, s.parent}].push_back(i);
    else heads[s.trace].push_back(i);
  }
  // A trace with no root and one span whose parent is missing began in a caller that traced
  // nothing of its own but passed its context on (a load generator, a browser, an untraced
  // proxy: telemetrygen's exports look so): that span is the request's root, as Jaeger's UI
  // shows it. A trace with a root, or with several such heads, lost spans: those are orphans.
  for (auto& [trace, h] : heads) {
    if (!rooted.count(trace) && h.size() == 1) {
      t.spans[h[0]].parent.clear();
      stack.push_back(h[0]);
      ++t.remote_roots;
    } else {
      t.orphans += h.size();
    }
  }
  // From the roots down: reachable spans are kept, each moved by its host's skew.
  std::vector<char> reached(t.spans.size(), 0);
  std::vector<std::int64_t> delta(t.spans.size(), 0);
  while (!stack.empty()) {
    const std::size_t i = stack.back();
    stack.pop_back();
    reached[i] = 1;
    Span& s = t.spans[i];
    s.start_ns += delta[i];
    s.end_ns += delta[i];
    if (delta[i] != 0) ++t.skewed;
    auto it = children.find({s.trace, s.id});
    if (it == children.end()) continue;
    for (std::size_t c : it->second) {
      if (reached[c]) continue;
      Span& k = t.spans[c];
      // The same host keeps its parent's correction; another host's clock is compared as it
      // is against the parent, already moved. An asynchronous child (FOLLOWS_FROM, a message
      // consumed) may rightly start after its parent ended: it keeps the parent's correction.
      const bool async = k.follows || k.kind == Span::Consumer || s.kind == Span::Producer;
      delta[c] = host_of(k) == host_of(s) || async ? delta[i] : skew_of(k, s);
      stack.push_back(c);
    }
  }
  std::size_t unreached = 0;
  for (std::size_t i = 0; i < t.spans.size(); ++i)
    if (keep[i] && !reached[i]) ++unreached;
  // An orphan is a head of what is not reached; the rest lie below one, or in a cycle.
  t.below_orphans = unreached >= t.orphans ? unreached - t.orphans : 0;
  std::size_t in_cycles = 0;
  for (std::size_t i = 0; i < t.spans.size(); ++i) {
    if (!keep[i] || reached[i]) continue;
    // Follow parents: a cycle never reaches a missing parent.
    const Span* p = &t.spans[i];
    std::size_t steps = 0;
    while (!p->parent.empty() && steps <= t.spans.size()) {
      auto it = by_id.find({p->trace, p->parent});
      if (it == by_id.end()) break;
      p = &t.spans[it->second];
      ++steps;
    }
    if (steps > t.spans.size()) ++in_cycles;
  }
  t.cycles = in_cycles;
  t.below_orphans -= std::min(t.below_orphans, in_cycles);
  std::size_t w = 0;
  for (std::size_t i = 0; i < t.spans.size(); ++i)
    if (reached[i]) {
      if (w != i) t.spans[w] = std::move(t.spans[i]);
      ++w;
    }
  t.spans.resize(w);
}

}  // namespace

double sampler_probability(const std::string& type, const std::string& param) {
  if (type == "const") return 1;  // a sampled trace under an always-on sampler
  if (type != "probabilistic" && type != "lowerbound") return 0;
  char* end = nullptr;
  const double p = std::strtod(param.c_str(), &end);
  return end != param.c_str() && p > 0 && p <= 1 ? p : 0;
}

TraceFile read_trace_json(const nlohmann::json& doc, const std::string& name) {
  TraceFile t;
  t.file = name;
  const JsonAt at(doc, t.file, "");
  if (doc.is_object() && doc.contains("resourceSpans")) {
    t.format = "OTLP JSON";
    read_otlp(at, t);
  } else if (doc.is_array() && !doc.empty() && doc[0].is_object() && doc[0].contains("resourceSpans")) {
    t.format = "OTLP JSON";  // one export request per line, gathered by read_trace_file
    for (std::size_t i = 0; i < doc.size(); ++i) read_otlp(at[i], t);
  } else if (jaeger_shaped(doc)) {
    t.format = "Jaeger JSON";
    read_jaeger(at, t);
  } else if (doc.is_array()) {
    t.format = "Zipkin v2 JSON";
    read_zipkin(at, t);
  } else if (console_span(doc)) {
    throw ImportError(name, "", kConsole);
  } else {
    throw ImportError(name, "", "not a trace file: expected OTLP JSON (resourceSpans), Jaeger JSON (data[].spans, "
                                "or one trace {traceID, spans, processes}) or Zipkin v2 JSON (an array of spans)");
  }
  if (t.spans.empty()) throw ImportError(name, "", "no spans in this " + t.format + " file");
  check(t);
  if (t.spans.empty())
    throw ImportError(name, "", "no span of this " + t.format + " file is reachable from a root span (" +
                                    std::to_string(t.orphans) + " orphans: their parents are not in the file)");
  return t;
}

TraceFile read_trace_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ImportError(path, "", "cannot read the file");
  std::ostringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  ss.str({});
  if (text.size() > kMaxTraceBytes) throw ImportError(path, "", "larger than 1 GB");
  // Span logs and warnings are never read: the parser drops them instead of building them.
  const nlohmann::json::parser_callback_t skip = [](int, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
    return !(event == nlohmann::json::parse_event_t::key && parsed.is_string() &&
             (parsed.get_ref<const std::string&>() == "logs" || parsed.get_ref<const std::string&>() == "warnings" ||
              parsed.get_ref<const std::string&>() == "events"));
  };
  // A number past a double's range ("1e700") is nlohmann's out_of_range, not a parse_error:
  // refused in one line like any other syntax error.
  auto parse = [&](const std::string& s) {
    try {
      return nlohmann::json::parse(s, skip);
    } catch (const nlohmann::json::out_of_range& e) {
      throw ImportError(path, "", "JSON: a number beyond a double's range: " + printable(e.what()));
    }
  };
  nlohmann::json doc;
  try {
    doc = parse(text);
  } catch (const nlohmann::json::parse_error& first) {
    // The collector's file exporter writes one OTLP object per line.
    std::istringstream lines(text);
    std::string line;
    nlohmann::json all = nlohmann::json::array();
    bool lines_ok = true;
    while (std::getline(lines, line)) {
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      try {
        all.push_back(parse(line));
      } catch (const nlohmann::json::parse_error&) {
        lines_ok = false;
        break;
      }
    }
    if (lines_ok && !all.empty() && console_span(all[0])) throw ImportError(path, "", kConsole);
    if (!lines_ok || all.empty() || !all[0].is_object() || !all[0].contains("resourceSpans")) {
      // Line and column of the first error, as a scenario's syntax error is reported.
      int line_no = 1, col = 1;
      for (std::size_t i = 0; i + 1 < first.byte && i < text.size(); ++i) {
        if (text[i] == '\n') ++line_no, col = 1;
        else ++col;
      }
      std::string what = first.what();
      if (what.find("UTF-8") != std::string::npos) {
        throw ImportError(path, "", "not UTF-8: a string holds a byte sequence that is not UTF-8 (JSON text is UTF-8)",
                          line_no, col);
      }
      const auto column = what.find("column ");
      const auto colon = column == std::string::npos ? std::string::npos : what.find(": ", column);
      if (colon != std::string::npos) what = what.substr(colon + 2);
      throw ImportError(path, "", "JSON syntax error: " + printable(what), line_no, col);
    }
    doc = std::move(all);
  }
  std::string().swap(text);  // the spans are read from the document: the text's memory goes back
  return read_trace_json(doc, path);
}

}  // namespace archsim::import
