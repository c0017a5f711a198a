// OTLP JSON (opentelemetry-proto docs/specification.md, "JSON Protobuf Encoding"; the
// messages of opentelemetry/proto/trace/v1/trace.proto): hex trace and span ids, times in
// nanoseconds as decimal strings (numbers accepted), enums as integers (their names too).
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>

#include "tools/import/import_error.h"
#include "tools/import/traces.h"

namespace archsim::import {

namespace {

using nlohmann::json;

std::string attr_text(const json& value) {
  if (!value.is_object()) return "";
  if (value.contains("stringValue") && value["stringValue"].is_string()) return value["stringValue"].get<std::string>();
  if (value.contains("intValue")) return value["intValue"].is_string() ? value["intValue"].get<std::string>() : value["intValue"].dump();
  if (value.contains("boolValue")) return value["boolValue"].get<bool>() ? "true" : "false";
  if (value.contains("doubleValue")) return value["doubleValue"].dump();
  return "";
}

std::map<std::string, std::string> attributes(const json& list) {
  std::map<std::string, std::string> out;
  if (!list.is_array()) return out;
  for (const auto& a : list)
    if (a.is_object() && a.contains("key") && a["key"].is_string()) out[a["key"].get<std::string>()] = attr_text(a.value("value", json()));
  return out;
}

std::int64_t nanos(const json& v, const std::string& file, const std::string& where) {
  if (v.is_number_integer()) return v.get<std::int64_t>();
  if (v.is_string()) {
    const std::string s = v.get<std::string>();
    if (!s.empty() && s.find_first_not_of("0123456789") == std::string::npos && s.size() < 20) return std::stoll(s);
  }
  throw ImportError(file, where, "expected nanoseconds since the epoch (a decimal string)");
}

Span::Kind kind_of(const json& k) {
  static const std::map<std::string, Span::Kind> kNames = {
      {"SPAN_KIND_INTERNAL", Span::Internal}, {"SPAN_KIND_SERVER", Span::Server}, {"SPAN_KIND_CLIENT", Span::Client},
      {"SPAN_KIND_PRODUCER", Span::Producer}, {"SPAN_KIND_CONSUMER", Span::Consumer}};
  if (k.is_number_integer() && k >= 0 && k <= 5) return static_cast<Span::Kind>(k.get<int>());
  if (k.is_string() && kNames.count(k.get<std::string>())) return kNames.at(k.get<std::string>());
  return Span::Unspecified;
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

void read_otlp(const json& doc, const std::string& base, TraceFile& out) {
  const std::string& file = out.file;
  if (!doc.is_object() || !doc.contains("resourceSpans") || !doc["resourceSpans"].is_array())
    throw ImportError(file, base + "/resourceSpans", "expected an array of resource spans");
  const json& rs = doc["resourceSpans"];
  std::map<double, std::size_t> samplings;
  for (std::size_t r = 0; r < rs.size(); ++r) {
    const std::string rp = base + "/resourceSpans/" + std::to_string(r);
    const json& res = rs[r];
    const auto rattrs = attributes(res.value("resource", json::object()).value("attributes", json::array()));
    const std::string service = rattrs.count("service.name") ? rattrs.at("service.name") : "";
    const std::string type = rattrs.count("archsim.component.type") ? rattrs.at("archsim.component.type") : "";
    const char* scopes_key = res.contains("scopeSpans") ? "scopeSpans" : "instrumentationLibrarySpans";
    if (!res.contains(scopes_key)) continue;
    const json& scopes = res[scopes_key];
    if (!scopes.is_array()) throw ImportError(file, rp + "/" + scopes_key, "expected an array");
    for (std::size_t sc = 0; sc < scopes.size(); ++sc) {
      const std::string sp = rp + "/" + scopes_key + "/" + std::to_string(sc) + "/spans";
      if (!scopes[sc].contains("spans")) continue;
      const json& spans = scopes[sc]["spans"];
      if (!spans.is_array()) throw ImportError(file, sp, "expected an array of spans");
      for (std::size_t i = 0; i < spans.size(); ++i) {
        const json& j = spans[i];
        Span s;
        s.where = sp + "/" + std::to_string(i);
        if (!j.is_object()) throw ImportError(file, s.where, "expected a span object");
        s.trace = j.value("traceId", "");
        s.id = j.value("spanId", "");
        s.parent = j.value("parentSpanId", "");
        s.service = service;
        s.component_type = type;
        s.name = j.value("name", "");
        s.kind = kind_of(j.value("kind", json(0)));
        if (!j.contains("startTimeUnixNano") || !j.contains("endTimeUnixNano"))
          throw ImportError(file, s.where, "a span needs startTimeUnixNano and endTimeUnixNano");
        s.start_ns = nanos(j["startTimeUnixNano"], file, s.where + "/startTimeUnixNano");
        s.end_ns = nanos(j["endTimeUnixNano"], file, s.where + "/endTimeUnixNano");
        const json status = j.value("status", json::object());
        const json code = status.value("code", json(0));
        s.error = code == 2 || code == "STATUS_CODE_ERROR";
        s.status = status.value("message", "");
        const auto a = attributes(j.value("attributes", json::array()));
        auto get = [&](const char* k) { return a.count(k) ? a.at(k) : std::string(); };
        read_common_attributes(s, get);
        s.unfinished = get("archsim.unfinished") == "true";
        if (j.contains("traceState") && j["traceState"].is_string())
          if (double p = sampling_of(j["traceState"].get<std::string>()); p > 0) ++samplings[p];
        out.spans.push_back(std::move(s));
      }
    }
  }
  std::size_t best = 0;
  for (const auto& [p, n] : samplings)
    if (n > best) best = n, out.sampling = p;
}

}  // namespace archsim::import
