// Jaeger JSON as the query service's /api/traces and the UI's "Download JSON" write it
// (jaeger model/json/model.go): data[] of traces, each with spans (traceID, spanID,
// operationName, references CHILD_OF / FOLLOWS_FROM, startTime and duration in microseconds,
// tags, processID) and processes (serviceName, tags; the client's sampler.type/sampler.param).
#include <cstdlib>
#include <map>
#include <nlohmann/json.hpp>

#include "tools/import/import_error.h"
#include "tools/import/traces.h"

namespace archsim::import {

namespace {

using nlohmann::json;

std::string tag_text(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  return v.dump();
}

std::map<std::string, std::string> tags(const json& list) {
  std::map<std::string, std::string> out;
  if (!list.is_array()) return out;
  for (const auto& t : list)
    if (t.is_object() && t.contains("key") && t["key"].is_string()) out[t["key"].get<std::string>()] = tag_text(t.value("value", json()));
  return out;
}

std::int64_t micros(const json& v, const std::string& file, const std::string& where) {
  if (!v.is_number() || v.get<double>() < 0) throw ImportError(file, where, "expected microseconds (a number >= 0)");
  return v.get<std::int64_t>() * 1000;
}

}  // namespace

void read_jaeger(const json& doc, TraceFile& out) {
  const std::string& file = out.file;
  if (!doc["data"].is_array()) throw ImportError(file, "/data", "expected an array of traces");
  std::map<double, std::size_t> samplings;
  for (std::size_t t = 0; t < doc["data"].size(); ++t) {
    const std::string tp = "/data/" + std::to_string(t);
    const json& trace = doc["data"][t];
    if (!trace.is_object() || !trace.contains("spans") || !trace["spans"].is_array())
      throw ImportError(file, tp + "/spans", "expected the trace's array of spans");
    std::map<std::string, std::pair<std::string, double>> processes;  // id -> (service, sampling)
    if (trace.contains("processes") && trace["processes"].is_object())
      for (const auto& [id, p] : trace["processes"].items()) {
        const auto pt = tags(p.value("tags", json::array()));
        double sampling = 0;
        if (pt.count("sampler.type") && pt.at("sampler.type") == "probabilistic" && pt.count("sampler.param"))
          sampling = std::atof(pt.at("sampler.param").c_str());
        processes[id] = {p.value("serviceName", ""), sampling};
      }
    const json& spans = trace["spans"];
    for (std::size_t i = 0; i < spans.size(); ++i) {
      const json& j = spans[i];
      Span s;
      s.where = tp + "/spans/" + std::to_string(i);
      if (!j.is_object()) throw ImportError(file, s.where, "expected a span object");
      s.trace = j.value("traceID", "");
      s.id = j.value("spanID", "");
      s.name = j.value("operationName", "");
      const std::string pid = j.value("processID", "");
      auto proc = processes.find(pid);
      if (proc == processes.end())
        throw ImportError(file, s.where + "/processID", "process \"" + pid + "\" is not in the trace's processes");
      s.service = proc->second.first;
      if (proc->second.second > 0 && j.value("references", json::array()).empty()) ++samplings[proc->second.second];
      if (!j.contains("startTime") || !j.contains("duration"))
        throw ImportError(file, s.where, "a span needs startTime and duration (microseconds)");
      s.start_ns = micros(j["startTime"], file, s.where + "/startTime");
      s.end_ns = s.start_ns + micros(j["duration"], file, s.where + "/duration");
      // The parent: the first CHILD_OF reference, else a FOLLOWS_FROM one.
      if (j.contains("references") && j["references"].is_array())
        for (const char* type : {"CHILD_OF", "FOLLOWS_FROM"}) {
          for (const auto& ref : j["references"])
            if (ref.value("refType", "") == type && ref.value("traceID", s.trace) == s.trace) {
              s.parent = ref.value("spanID", "");
              break;
            }
          if (!s.parent.empty()) break;
        }
      const auto tg = tags(j.value("tags", json::array()));
      auto get = [&](const char* k) { return tg.count(k) ? tg.at(k) : std::string(); };
      const std::string kind = get("span.kind");
      s.kind = kind == "server" ? Span::Server : kind == "client" ? Span::Client : kind == "producer" ? Span::Producer
               : kind == "consumer" ? Span::Consumer : kind == "internal" ? Span::Internal : Span::Unspecified;
      s.error = get("error") == "true" || get("otel.status_code") == "ERROR";
      s.status = get("otel.status_description");
      read_common_attributes(s, get);
      s.component_type = get("archsim.component.type");
      out.spans.push_back(std::move(s));
    }
  }
  std::size_t best = 0;
  for (const auto& [p, n] : samplings)
    if (n > best) best = n, out.sampling = p;
}

}  // namespace archsim::import
