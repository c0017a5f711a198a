// Zipkin v2 JSON (zipkin2 api, zipkin2-api.yaml "Span"): an array of spans, or an array of
// traces (each an array of spans) as /api/v2/traces returns them. Times in microseconds;
// localEndpoint.serviceName is the service, remoteEndpoint.serviceName the peer; a tag
// "error" marks a failure. A SERVER span that shares its CLIENT's id (B3 single-host spans,
// "shared": true) is given an id of its own, child of that CLIENT span. Real exports: ids
// are 16 or 32 hex digits, `kind` is often absent (a local span), tags are all strings.
#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>

#include "tools/import/import_error.h"
#include "tools/import/trace_json.h"
#include "tools/import/traces.h"

namespace archsim::import {

namespace {

std::string endpoint_name(const JsonAt& span, const char* key) {
  const JsonAt e = span[key];
  if (e.json().is_null()) return "";
  e.expect_object("an endpoint {serviceName, ipv4, port}");
  return printable(e.text_or("serviceName", "the endpoint's serviceName"));
}

void read_span(const JsonAt& j, TraceFile& out) {
  Span s;
  j.expect_object("a span object (traceId, id, ...)");
  read_span_ids(j, {"traceId", "id", "name"}, s);
  s.parent = j.text_or("parentId", "the span's parentId");
  s.service = endpoint_name(j, "localEndpoint");
  s.peer = endpoint_name(j, "remoteEndpoint");
  const std::string kind = j.text_or("kind", "the span's kind");
  s.kind = kind == "SERVER" ? Span::Server : kind == "CLIENT" ? Span::Client : kind == "PRODUCER" ? Span::Producer
           : kind == "CONSUMER" ? Span::Consumer : Span::Internal;
  if (!j.has("timestamp") || !j.has("duration"))
    j.fail("a span needs timestamp and duration (microseconds): an unfinished span cannot be timed");
  s.start_ns = j["timestamp"].micros_as_nanos("timestamp in microseconds");
  s.end_ns = s.start_ns + j["duration"].micros_as_nanos("duration in microseconds");
  const JsonAt tags = j["tags"];
  TagMap get;  // a map of strings here, not a list of {key, value}
  if (!tags.json().is_null()) {
    tags.expect_object("the span's tags (a map of strings)");
    for (const auto& [k, v] : tags.json().items()) get.values[k] = tags[k.c_str()].scalar_text();
  }
  s.error = get.has("error");
  s.status = printable(get("error"));
  read_common_attributes(s, get);
  s.component_type = get("archsim.component.type");
  out.spans.push_back(std::move(s));
}

}  // namespace

void read_zipkin(const JsonAt& doc, TraceFile& out) {
  const std::size_t first = out.spans.size();
  for (std::size_t i = 0; i < doc.size(); ++i) {
    const JsonAt item = doc[i];
    if (item.is_array()) {
      for (std::size_t k = 0; k < item.size(); ++k) read_span(item[k], out);
    } else {
      read_span(item, out);
    }
  }
  // Shared spans: the server half of an id a client half also has.
  std::map<std::pair<std::string, std::string>, std::size_t> clients;
  for (std::size_t i = first; i < out.spans.size(); ++i)
    if (out.spans[i].kind == Span::Client) clients[{out.spans[i].trace, out.spans[i].id}] = i;
  // (trace, shared id) -> the server half's service and new id.
  std::map<std::pair<std::string, std::string>, std::pair<std::string, std::string>> renamed;
  for (std::size_t i = first; i < out.spans.size(); ++i) {
    Span& s = out.spans[i];
    if (s.kind != Span::Server || !clients.count({s.trace, s.id})) continue;
    renamed[{s.trace, s.id}] = {s.service, s.id + "+server"};
    s.parent = s.id;
    s.id += "+server";
  }
  // Children of a shared id on the server's side (its service) hang under the server half.
  for (std::size_t i = first; i < out.spans.size(); ++i) {
    Span& s = out.spans[i];
    if (s.kind == Span::Server) continue;
    auto it = renamed.find({s.trace, s.parent});
    if (it != renamed.end() && it->second.first == s.service) s.parent = it->second.second;
  }
}

}  // namespace archsim::import
