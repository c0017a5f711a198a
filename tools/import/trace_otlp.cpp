// OTLP JSON (opentelemetry-proto docs/specification.md, "JSON Protobuf Encoding"; the
// messages of opentelemetry/proto/trace/v1/trace.proto): hex trace and span ids, times in
// nanoseconds as decimal strings (numbers accepted), enums as integers (their names too).
// Older exporters write instrumentationLibrarySpans for scopeSpans; an empty parentSpanId
// ("") is a root.
#include <cctype>
#include <map>
#include <nlohmann/json.hpp>

#include "tools/import/import_error.h"
#include "tools/import/trace_json.h"
#include "tools/import/traces.h"

namespace archsim::import {

namespace {

// An AnyValue's scalar as text (intValue is a decimal string in OTLP/JSON).
std::string attr_text(const JsonAt& attribute) {
  const JsonAt value = attribute["value"];
  if (!value.is_object()) return "";
  for (const char* k : {"stringValue", "intValue", "boolValue", "doubleValue"})
    if (value.has(k)) return value[k].scalar_text();
  return "";
}

TagMap attributes(const JsonAt& list) { return read_key_values(list, "attributes", "an attribute {key, value}", attr_text); }

Span::Kind kind_of(const JsonAt& k) {
  static const std::map<std::string, Span::Kind> kNames = {
      {"SPAN_KIND_INTERNAL", Span::Internal}, {"SPAN_KIND_SERVER", Span::Server}, {"SPAN_KIND_CLIENT", Span::Client},
      {"SPAN_KIND_PRODUCER", Span::Producer}, {"SPAN_KIND_CONSUMER", Span::Consumer}};
  const nlohmann::json& v = k.json();
  if (v.is_null()) return Span::Unspecified;
  if (v.is_number_integer() && v.get<std::int64_t>() >= 0 && v.get<std::int64_t>() <= 5)
    return static_cast<Span::Kind>(v.get<int>());
  if (v.is_string() && kNames.count(v.get<std::string>())) return kNames.at(v.get<std::string>());
  k.fail("expected the span's kind (0 to 5, or SPAN_KIND_SERVER, ...)");
}

// OpenTelemetry's consistent-probability threshold: tracestate "ot=...th:<hex>...", a
// rejection threshold of 56 bits (the hex digits padded with zeros on the right).
double sampling_of(const std::string& state) {
  const auto ot = state.find("ot=");
  if (ot == std::string::npos) return 0;
  const auto th = state.find("th:", ot);
  if (th == std::string::npos) return 0;
  std::string hex;
  for (std::size_t i = th + 3; i < state.size() && std::isxdigit(static_cast<unsigned char>(state[i])) && hex.size() < 14; ++i)
    hex += state[i];
  if (hex.empty()) return 0;
  hex.resize(14, '0');
  const double threshold = static_cast<double>(std::stoull(hex, nullptr, 16));
  return 1.0 - threshold / 72057594037927936.0;
}

}  // namespace

void read_otlp(const JsonAt& doc, TraceFile& out) {
  doc.expect_object("an export request {resourceSpans}");
  const JsonAt rs = doc["resourceSpans"];
  rs.expect_array("the resource spans");
  std::map<double, std::size_t> samplings;
  for (std::size_t r = 0; r < rs.size(); ++r) {
    const JsonAt res = rs[r];
    res.expect_object("a resource's spans {resource, scopeSpans}");
    TagMap rattrs;
    if (res.has("resource")) {
      res["resource"].expect_object("the resource {attributes}");
      rattrs = attributes(res["resource"]["attributes"]);
    }
    const std::string service = printable(rattrs("service.name"));
    const std::string type = rattrs("archsim.component.type");
    const std::string host = rattrs("host.name");
    const JsonAt scopes = res[res.has("scopeSpans") ? "scopeSpans" : "instrumentationLibrarySpans"];
    if (scopes.json().is_null()) continue;
    scopes.expect_array("the scope spans");
    for (std::size_t sc = 0; sc < scopes.size(); ++sc) {
      const JsonAt scope = scopes[sc];
      scope.expect_object("a scope's spans {scope, spans}");
      const JsonAt spans = scope["spans"];
      if (spans.json().is_null()) continue;
      spans.expect_array("the spans");
      for (std::size_t i = 0; i < spans.size(); ++i) {
        const JsonAt j = spans[i];
        j.expect_object("a span object");
        Span s;
        read_span_ids(j, {"traceId", "spanId", "name"}, s);
        s.parent = j.text_or("parentSpanId", "the span's parentSpanId");
        s.service = service;
        s.host = host;
        s.component_type = type;
        s.kind = kind_of(j["kind"]);
        s.start_ns = j["startTimeUnixNano"].integer("startTimeUnixNano (nanoseconds since the epoch)");
        s.end_ns = j["endTimeUnixNano"].integer("endTimeUnixNano (nanoseconds since the epoch)");
        if (j.has("status")) {
          const JsonAt status = j["status"];
          status.expect_object("the span's status {code, message}");
          const nlohmann::json& code = status["code"].json();
          s.error = code == 2 || code == "STATUS_CODE_ERROR";
          s.status = printable(status.text_or("message", "the status message"));
        }
        const TagMap g = attributes(j["attributes"]);
        read_common_attributes(s, g);
        s.unfinished = g("archsim.unfinished") == "true";
        // A span link of an asynchronous consumer is its parent when it has none (messaging
        // semantic conventions: a batch receive links the messages' producers).
        if (s.parent.empty() && j.has("links")) {
          const JsonAt links = j["links"];
          links.expect_array("the span's links");
          if (links.size() > 0) {
            links[std::size_t{0}].expect_object("a link {traceId, spanId}");
            if (links[std::size_t{0}]["traceId"].text("the link's traceId") == s.trace) {
              s.parent = links[std::size_t{0}]["spanId"].text("the link's spanId");
              s.follows = true;
            }
          }
        }
        const std::string state = j.text_or("traceState", "the span's traceState");
        if (double p = sampling_of(state); p > 0) {
          ++samplings[p];
          if (s.sampling == 0) s.sampling = p;
        }
        out.spans.push_back(std::move(s));
      }
    }
  }
  set_commonest_sampling(samplings, out);
}

}  // namespace archsim::import
