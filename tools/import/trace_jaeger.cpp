// Jaeger JSON as the query service's /api/traces and the UI's "Download JSON" write it
// (jaeger model/json/model.go): data[] of traces, each with spans (traceID, spanID,
// operationName, references CHILD_OF / FOLLOWS_FROM, startTime and duration in microseconds,
// tags, processID) and processes (serviceName, tags). What real exports do that the model
// does not say: OpenTracing-era clients (jaeger-client-cpp, -go, -java) write no span.kind on
// most spans; the sampler's tags (sampler.type / sampler.param) are on the ROOT span, the
// process tags holding only the client's version, hostname and ip; a span may carry its parent
// both as `parentSpanID` and in references, or only in one; tag values are typed (bool, int64,
// float64, string, binary as base64 text). What real files also do, all read:
// - the traces without the query API's wrapper: one trace object {traceID, spans, processes}
//   (jaeger's own converter fixtures, the UI's test traces), or a bare array of them;
// - a span's process embedded in it ("process": {serviceName, tags}) instead of a processID
//   (jaeger model/json FromDomainEmbedProcess), or both;
// - a process per instance, several of them naming one service (each its own host);
// - the host as OpenTelemetry's host.name when the trace came in over OTLP (Jaeger v2);
// - references to a span of another trace (read past: the parent is this trace's).
#include <map>
#include <nlohmann/json.hpp>

#include "tools/import/import_error.h"
#include "tools/import/trace_json.h"
#include "tools/import/traces.h"

namespace archsim::import {

namespace {

// A Jaeger tag's value as text (every type Jaeger writes: string, bool, int64, float64, binary).
std::string tag_value(const JsonAt& tag) { return tag["value"].scalar_text(); }

TagMap tags(const JsonAt& list) { return read_key_values(list, "tags", "a tag {key, type, value}", tag_value); }

Span::Kind kind_of(const std::string& kind) {
  return kind == "server" ? Span::Server : kind == "client" ? Span::Client : kind == "producer" ? Span::Producer
         : kind == "consumer" ? Span::Consumer : kind == "internal" ? Span::Internal : Span::Unspecified;
}

struct Process {
  std::string service, host;
  double sampling = 0;
};

Process process_of(const JsonAt& pj) {
  pj.expect_object("a process {serviceName, tags}");
  const TagMap pt = tags(pj["tags"]);
  Process proc;
  proc.service = printable(pj["serviceName"].text("the process's serviceName"));
  for (const char* k : {"hostname", "host.name", "ip"})
    if (proc.host.empty()) proc.host = printable(pt(k));
  proc.sampling = sampler_probability(pt("sampler.type"), pt("sampler.param"));
  return proc;
}

void read_trace(const JsonAt& trace, TraceFile& out) {
  trace.expect_object("a trace {traceID, spans, processes}");
  std::map<std::string, Process> processes;
  const JsonAt procs = trace["processes"];
  if (!procs.json().is_null()) {
    procs.expect_object("the trace's processes");
    for (const auto& [id, p] : procs.json().items()) processes[id] = process_of(procs[id.c_str()]);
  }
  const JsonAt spans = trace["spans"];
  spans.expect_array("the trace's spans");
  for (std::size_t i = 0; i < spans.size(); ++i) {
    const JsonAt j = spans[i];
    j.expect_object("a span object");
    Span s;
    read_span_ids(j, {"traceID", "spanID", "operationName"}, s);
    // Its process: by processID in the trace's processes, else embedded in the span.
    Process embedded;
    const Process* proc = nullptr;
    if (j.has("processID") || !j.has("process")) {
      const std::string pid = j["processID"].text("the span's processID");
      auto it = processes.find(pid);
      if (it == processes.end()) j["processID"].fail("process \"" + printable(pid) + "\" is not in the trace's processes");
      proc = &it->second;
    } else {
      embedded = process_of(j["process"]);
      proc = &embedded;
    }
    s.service = proc->service;
    s.host = proc->host;
    s.start_ns = j["startTime"].micros_as_nanos("startTime in microseconds");
    s.end_ns = s.start_ns + j["duration"].micros_as_nanos("duration in microseconds");
    // The parent: the first CHILD_OF reference in this trace, else a FOLLOWS_FROM one
    // (jaeger model Span.ParentSpanID), else the older parentSpanID field.
    const JsonAt refs = j["references"];
    if (!refs.json().is_null()) {
      refs.expect_array("the span's references");
      for (const char* type : {"CHILD_OF", "FOLLOWS_FROM"}) {
        for (std::size_t r = 0; r < refs.size() && s.parent.empty(); ++r) {
          const JsonAt ref = refs[r];
          ref.expect_object("a reference {refType, traceID, spanID}");
          if (ref["refType"].text("the reference's refType") != type) continue;
          if (ref.text_or("traceID", "the reference's traceID", s.trace) != s.trace) continue;
          s.parent = ref["spanID"].text("the reference's spanID");
          s.follows = std::string(type) == "FOLLOWS_FROM";
        }
        if (!s.parent.empty()) break;
      }
    }
    if (s.parent.empty()) s.parent = j.text_or("parentSpanID", "the span's parentSpanID");
    if (s.parent.find_first_not_of('0') == std::string::npos) s.parent.clear();  // "0": no parent
    const TagMap g = tags(j["tags"]);
    s.kind = kind_of(g("span.kind"));
    s.error = g("error") == "true" || g("otel.status_code") == "ERROR";
    s.status = printable(g("otel.status_description"));
    read_common_attributes(s, g);
    s.component_type = g("archsim.component.type");
    if (s.parent.empty() && s.sampling == 0) s.sampling = proc->sampling;
    out.spans.push_back(std::move(s));
  }
}

}  // namespace

bool jaeger_shaped(const nlohmann::json& doc) {
  auto trace = [](const nlohmann::json& t) { return t.is_object() && t.contains("spans") && !t.contains("resourceSpans"); };
  return (doc.is_object() && (doc.contains("data") || trace(doc))) || (doc.is_array() && !doc.empty() && trace(doc[0]));
}

void read_jaeger(const JsonAt& doc, TraceFile& out) {
  if (doc.is_object() && !doc.has("data") && doc.has("spans")) {
    read_trace(doc, out);  // one trace, as the query service's model writes it
  } else {
    const JsonAt data = doc.is_array() ? doc : doc["data"];
    data.expect_array("the traces");
    for (std::size_t t = 0; t < data.size(); ++t) read_trace(data[t], out);
  }
  std::map<double, std::size_t> samplings;  // the file's: the commonest of its roots'
  for (const Span& s : out.spans)
    if (s.parent.empty() && s.sampling > 0) ++samplings[s.sampling];
  set_commonest_sampling(samplings, out);
}

}  // namespace archsim::import
