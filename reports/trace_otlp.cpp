#include "reports/trace_otlp.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <vector>

#include <nlohmann/json.hpp>

#include "reports/trace_json.h"

namespace archsim {

using nlohmann::ordered_json;

namespace {

// OTLP's Span.SpanKind and Status.StatusCode values.
enum Kind { kInternal = 1, kServer = 2, kClient = 3, kProducer = 4, kConsumer = 5 };
enum Code { kUnset = 0, kOk = 1, kError = 2 };

std::string hex16(std::uint64_t v) {
  char b[17];
  std::snprintf(b, sizeof b, "%016llx", static_cast<unsigned long long>(v));
  return b;
}

std::uint64_t fnv1a(const std::string& s, std::uint64_t h = 1469598103934665603ull) {
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

ordered_json str_attr(const char* key, const std::string& v) { return {{"key", key}, {"value", {{"stringValue", v}}}}; }
// OTLP/JSON writes 64-bit integers as decimal strings.
ordered_json int_attr(const char* key, std::uint64_t v) {
  return {{"key", key}, {"value", {{"intValue", std::to_string(v)}}}};
}
ordered_json bool_attr(const char* key, bool v) { return {{"key", key}, {"value", {{"boolValue", v}}}}; }

}  // namespace

std::string otel_sampling_threshold(std::uint64_t stride) {
  if (stride <= 1) return "0";
  constexpr double kTwo56 = 72057594037927936.0;
  const auto kept = static_cast<std::uint64_t>(kTwo56 / static_cast<double>(stride) + 0.5);
  const std::uint64_t threshold = (std::uint64_t{1} << 56) - kept;
  char b[17];
  std::snprintf(b, sizeof b, "%014llx", static_cast<unsigned long long>(threshold));
  std::string s = b;
  while (s.size() > 1 && s.back() == '0') s.pop_back();
  return s;
}

std::string trace_otlp_json(const RunResult& r) {
  const TraceData& t = r.trace;
  if (t.asked == 0) return {};
  const std::size_t n = t.request_ids.size();
  std::vector<std::vector<std::uint32_t>> by_request(n);  // span indexes
  for (std::uint32_t i = 0; i < t.spans.size(); ++i)
    if (t.spans[i].begin != TraceSpan::kUnset) by_request[t.spans[i].request].push_back(i);

  std::map<std::string, std::string> type_of;
  for (const ComponentResult& c : r.components) type_of[c.id] = c.type;
  auto comp = [&](std::uint32_t c) { return c < t.components.size() ? t.components[c] : "component " + std::to_string(c); };
  auto route = [&](std::uint16_t x) { return x < r.route_names.size() ? r.route_names[x] : "route " + std::to_string(x); };
  auto cause = [&](std::uint8_t s) { return s < r.cause_names.size() ? r.cause_names[s] : "status " + std::to_string(s); };

  const std::string trace_high = hex16(fnv1a(r.scenario + "#" + std::to_string(r.seed)) | 1);
  const std::string state = "ot=th:" + otel_sampling_threshold(t.stride);
  std::map<std::uint32_t, ordered_json> spans_of;  // by component, in request order

  for (std::size_t k = 0; k < n; ++k) {
    const auto& mine = by_request[k];
    const TraceSpan* root = nullptr;
    std::uint32_t root_index = 0;
    std::map<std::uint32_t, std::uint32_t> serve_of, call_of;  // call number -> span index
    for (std::uint32_t i : mine) {
      const TraceSpan& s = t.spans[i];
      if (s.kind == TraceSpan::Request) root = &s, root_index = i;
      if (s.kind == TraceSpan::Serve) serve_of[s.call] = i;
      if (s.kind == TraceSpan::Call || s.kind == TraceSpan::Send) call_of[s.call] = i;
    }
    if (!root) continue;  // still in flight at the end: nothing to hang its spans on
    const std::string trace_id = trace_high + hex16(t.request_ids[k]);
    auto end_of = [&](const TraceSpan& s) { return s.end == TraceSpan::kUnset || s.end > t.end ? t.end : s.end; };

    // The SERVER span a call was made from: on the caller's track, enclosing the call, the
    // latest begun (a component serving one request twice at once is ambiguous; see the
    // header). A call made after every span of its caller ended (a queue delivering a message
    // it took earlier) hangs under the caller's last span begun before it.
    auto enclosing_serve = [&](const TraceSpan& c) -> std::int64_t {
      std::int64_t best = -1, before = -1;
      for (std::uint32_t i : mine) {
        const TraceSpan& s = t.spans[i];
        if (s.kind != TraceSpan::Serve || s.component != c.component || s.begin > c.begin) continue;
        if (before < 0 || s.begin >= t.spans[before].begin) before = i;
        if (end_of(s) < end_of(c)) continue;
        if (best < 0 || s.begin >= t.spans[best].begin) best = i;
      }
      return best >= 0 ? best : before;
    };

    for (std::uint32_t i : mine) {
      const TraceSpan& s = t.spans[i];
      std::int64_t parent = -1;
      int kind = kInternal;
      std::string name;
      ordered_json attrs = ordered_json::array();
      switch (s.kind) {
        case TraceSpan::Request:
          name = route(s.route);
          attrs.push_back(int_attr("archsim.request.id", t.request_ids[k]));
          attrs.push_back(str_attr("archsim.route", name));
          attrs.push_back(int_attr("archsim.attempts", s.attempt + 1u));
          break;
        case TraceSpan::Call:
        case TraceSpan::Send:
          kind = s.kind == TraceSpan::Call ? kClient : kProducer;
          name = route(s.route);
          parent = enclosing_serve(s);
          if (parent < 0) parent = root_index;
          attrs.push_back(str_attr("peer.service", comp(s.peer)));
          attrs.push_back(str_attr("archsim.route", name));
          attrs.push_back(int_attr("archsim.attempt", s.attempt + 1u));
          break;
        case TraceSpan::Serve: {
          auto it = call_of.find(s.call);
          if (it == call_of.end()) continue;
          parent = it->second;
          kind = t.spans[it->second].kind == TraceSpan::Send ? kConsumer : kServer;
          name = route(s.route);
          attrs.push_back(str_attr("archsim.route", name));
          attrs.push_back(str_attr("archsim.caller", comp(s.peer)));
          if (s.late) attrs.push_back(bool_attr("archsim.late", true));
          break;
        }
        case TraceSpan::Queue:
        case TraceSpan::Work:
        case TraceSpan::Lock:
        case TraceSpan::Replicate: {
          name = trace_mark_name(s.kind);
          auto it = s.call ? serve_of.find(s.call) : serve_of.end();
          parent = it != serve_of.end() ? it->second : root_index;
          attrs.push_back(str_attr("archsim.mark", name));
          break;
        }
      }
      const bool open = s.end == TraceSpan::kUnset || s.end > t.end;
      if (open) attrs.push_back(bool_attr("archsim.unfinished", true));
      ordered_json span;
      span["traceId"] = trace_id;
      span["spanId"] = hex16(i + 1ull);
      if (parent >= 0) span["parentSpanId"] = hex16(static_cast<std::uint64_t>(parent) + 1);
      span["traceState"] = state;
      span["name"] = name;
      span["kind"] = kind;
      span["startTimeUnixNano"] = std::to_string(s.begin);
      span["endTimeUnixNano"] = std::to_string(end_of(s));
      span["attributes"] = std::move(attrs);
      const bool marked = s.kind == TraceSpan::Queue || s.kind == TraceSpan::Work || s.kind == TraceSpan::Lock ||
                          s.kind == TraceSpan::Replicate || s.kind == TraceSpan::Send;
      if (open || marked) span["status"] = {{"code", kUnset}};
      else if (s.status == 0) span["status"] = {{"code", kOk}};
      else span["status"] = {{"code", kError}, {"message", cause(s.status)}};
      spans_of[s.component].push_back(std::move(span));
    }
  }

  ordered_json resources = ordered_json::array();
  for (auto& [c, spans] : spans_of) {
    ordered_json attrs = ordered_json::array();
    attrs.push_back(str_attr("service.name", comp(c)));
    auto type = type_of.find(comp(c));
    if (type != type_of.end()) attrs.push_back(str_attr("archsim.component.type", type->second));
    attrs.push_back(str_attr("archsim.scenario", r.scenario));
    resources.push_back({{"resource", {{"attributes", std::move(attrs)}}},
                         {"scopeSpans", ordered_json::array({{{"scope", {{"name", "archsim"}, {"version", "0.1"}}},
                                                               {"spans", std::move(spans)}}})}});
  }
  ordered_json doc;
  doc["resourceSpans"] = std::move(resources);
  return doc.dump() + "\n";
}

}  // namespace archsim
