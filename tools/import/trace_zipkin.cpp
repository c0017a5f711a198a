// Zipkin v2 JSON (zipkin2 api, zipkin2-api.yaml "Span"): an array of spans, or an array of
// traces (each an array of spans) as /api/v2/traces returns them. Times in microseconds;
// localEndpoint.serviceName is the service, remoteEndpoint.serviceName the peer; a tag
// "error" marks a failure. A SERVER span that shares its CLIENT's id (B3 single-host spans,
// "shared": true) is given an id of its own, child of that CLIENT span.
#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>

#include "tools/import/import_error.h"
#include "tools/import/traces.h"

namespace archsim::import {

namespace {

using nlohmann::json;

std::string endpoint_name(const json& span, const char* key) {
  if (!span.contains(key) || !span[key].is_object()) return "";
  return span[key].value("serviceName", "");
}

}  // namespace

void read_zipkin(const json& doc, TraceFile& out) {
  const std::string& file = out.file;
  std::vector<std::pair<const json*, std::string>> all;
  for (std::size_t i = 0; i < doc.size(); ++i) {
    if (doc[i].is_array()) {
      for (std::size_t k = 0; k < doc[i].size(); ++k) all.emplace_back(&doc[i][k], "/" + std::to_string(i) + "/" + std::to_string(k));
    } else {
      all.emplace_back(&doc[i], "/" + std::to_string(i));
    }
  }
  const std::size_t first = out.spans.size();
  for (const auto& [jp, where] : all) {
    const json& j = *jp;
    Span s;
    s.where = where;
    if (!j.is_object()) throw ImportError(file, where, "expected a span object (traceId, id, ...)");
    s.trace = j.value("traceId", "");
    s.id = j.value("id", "");
    s.parent = j.value("parentId", "");
    s.name = j.value("name", "");
    s.service = endpoint_name(j, "localEndpoint");
    s.peer = endpoint_name(j, "remoteEndpoint");
    const std::string kind = j.value("kind", "");
    s.kind = kind == "SERVER" ? Span::Server : kind == "CLIENT" ? Span::Client : kind == "PRODUCER" ? Span::Producer
             : kind == "CONSUMER" ? Span::Consumer : Span::Internal;
    if (!j.contains("timestamp") || !j["timestamp"].is_number() || !j.contains("duration") || !j["duration"].is_number())
      throw ImportError(file, where, "a span needs timestamp and duration (microseconds): an unfinished span cannot be timed");
    s.start_ns = j["timestamp"].get<std::int64_t>() * 1000;
    s.end_ns = s.start_ns + j["duration"].get<std::int64_t>() * 1000;
    const json tags = j.value("tags", json::object());
    auto get = [&](const char* k) { return tags.contains(k) && tags[k].is_string() ? tags[k].get<std::string>() : std::string(); };
    s.error = tags.contains("error");
    s.status = get("error");
    read_common_attributes(s, get);
    s.component_type = get("archsim.component.type");
    out.spans.push_back(std::move(s));
  }
  // Shared spans: the server half of an id a client half also has.
  std::map<std::pair<std::string, std::string>, std::size_t> clients;
  for (std::size_t i = first; i < out.spans.size(); ++i)
    if (out.spans[i].kind == Span::Client) clients[{out.spans[i].trace, out.spans[i].id}] = i;
  for (std::size_t i = first; i < out.spans.size(); ++i) {
    Span& s = out.spans[i];
    if (s.kind != Span::Server || !clients.count({s.trace, s.id})) continue;
    s.parent = s.id;
    s.id += "+server";
  }
  // Children of a shared server span named its id: they hang under the server half.
  std::map<std::pair<std::string, std::string>, std::string> renamed;
  for (std::size_t i = first; i < out.spans.size(); ++i)
    if (out.spans[i].kind == Span::Server && out.spans[i].id.size() > 7 &&
        out.spans[i].id.compare(out.spans[i].id.size() - 7, 7, "+server") == 0)
      renamed[{out.spans[i].trace, out.spans[i].parent}] = out.spans[i].id;
  for (std::size_t i = first; i < out.spans.size(); ++i) {
    Span& s = out.spans[i];
    if (s.kind == Span::Server) continue;
    auto it = renamed.find({s.trace, s.parent});
    if (it != renamed.end() && s.kind != Span::Server) {
      // A child of the shared id on the server's side (its service) belongs to the server half.
      const Span& server = *std::find_if(out.spans.begin() + static_cast<long>(first), out.spans.end(),
                                         [&](const Span& x) { return x.trace == s.trace && x.id == it->second; });
      if (server.service == s.service) s.parent = it->second;
    }
  }
}

}  // namespace archsim::import
