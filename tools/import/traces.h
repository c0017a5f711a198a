// Request traces as `archsim import --traces` reads them, whatever their format: the spans
// of Jaeger JSON (the query API's and the UI's "Download JSON": data[].spans with CHILD_OF /
// FOLLOWS_FROM references and data[].processes), Zipkin v2 JSON (an array of spans, or an
// array of traces, with parentId, kind, localEndpoint.serviceName, timestamp and duration in
// microseconds, B3 shared client/server spans) and OTLP JSON (resourceSpans / scopeSpans /
// spans, hex ids, nanosecond times as strings; one object, or one per line as the
// collector's file exporter writes them). Readers are in trace_<format>.cpp.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace archsim::import {

struct Span {
  enum Kind : std::uint8_t { Unspecified, Internal, Server, Client, Producer, Consumer };
  std::string trace, id, parent;  // parent "" for a root
  std::string service, name;
  Kind kind = Unspecified;
  std::int64_t start_ns = 0, end_ns = 0;
  bool error = false;
  std::string status;  // the error's message (archsim writes the cause: "timeout", "rejected", ...)
  // Attributes that say who was called when the callee left no span of its own (OpenTelemetry
  // semantic conventions: peer.service, db.system, db.operation, messaging.system).
  std::string peer, db_system, db_operation, messaging_system;
  std::string mark;            // archsim.mark: queue / work / lock / replication (archsim's export)
  std::string component_type;  // archsim.component.type of its resource (archsim's export)
  bool unfinished = false;     // archsim.unfinished: still open when the run ended
  std::string where;           // its JSON pointer in the file, for messages
  bool follows = false;        // its parent reference is FOLLOWS_FROM (an asynchronous link, Jaeger)
  std::string host;            // the process's host (Jaeger's hostname / ip tag), "" when unknown:
                               // clock skew is corrected between hosts, never within one
  // The probability that this span's trace was sampled, as the span's own tags say (Jaeger
  // clients tag the root span: sampler.type / sampler.param); 0 when they do not say.
  double sampling = 0;
};

// A Jaeger client's sampler tags as a probability: `probabilistic` and `lowerbound` carry it in
// sampler.param, `const` (sampled) is 1; `ratelimiting` (traces per second) and anything else
// give 0 (unknown). jaeger-client-go sampler.go and jaeger-client-cpp samplers write these.
double sampler_probability(const std::string& type, const std::string& param);

// A name from a trace (service, operation) made safe to print and to use: control characters
// (C0, DEL and the C1 range, which terminals take as escape sequences) become visible \xNN /
// \u00NN text. The JSON parser has already refused bytes that are not UTF-8.
std::string printable(const std::string& name);

// The attributes every format carries alike (OpenTelemetry's semantic conventions, and
// archsim's own mark), read through `get(name)` -> the value or "": who was called when the
// callee left no span (a peer already known is kept), the newer `*.name` forms of db.* too.
template <class Get>
void read_common_attributes(Span& s, Get get) {
  if (s.peer.empty()) s.peer = printable(get("peer.service"));
  s.db_system = printable(get("db.system"));
  if (s.db_system.empty()) s.db_system = printable(get("db.system.name"));
  s.db_operation = printable(get("db.operation"));
  if (s.db_operation.empty()) s.db_operation = printable(get("db.operation.name"));
  s.messaging_system = printable(get("messaging.system"));
  s.mark = get("archsim.mark");
  if (double p = sampler_probability(get("sampler.type"), get("sampler.param")); p > 0) s.sampling = p;
}

struct TraceFile {
  std::string file, format;  // format: "OTLP JSON", "Jaeger JSON", "Zipkin v2 JSON"
  std::vector<Span> spans;
  // The probability that a request was traced, when the file says (OpenTelemetry's
  // tracestate ot=th, Jaeger's sampler.type probabilistic / sampler.param); 0 when it does not.
  double sampling = 0;
  // Messy data, repaired and counted (said in the guesses list): spans whose parent is not in
  // their trace (lost or unsampled) with the spans below them, spans of a parent cycle, spans
  // whose id was seen before in their trace; spans moved to correct clock skew.
  std::size_t orphans = 0, below_orphans = 0, cycles = 0, duplicates = 0, skewed = 0;
  // Traces whose only top span's parent is not in the file (its caller passed a context but
  // exported nothing): that span taken as the root.
  std::size_t remote_roots = 0;
  // 1 ms when every span starts on a whole millisecond and some duration is finer (a millisecond
  // wall clock for starts, a finer one for durations: Jaeger's Java client before 1.0); else 0.
  std::int64_t start_resolution_ns = 0;
};

// Reads and checks a trace file. Every span must have a trace id, an id, a service and times
// with end >= start, each field of its type: anything else is an ImportError naming the file
// and the field's JSON pointer. Then, as Jaeger's query service does before showing a trace:
// spans not reachable from a root (an orphan whose parent was lost, and its subtree; a parent
// cycle) and repeated ids are dropped and counted (a trace with no root but one span whose
// parent is elsewhere has that span as its root: remote_roots); clock skew is corrected (a child on another
// host that does not fit in its parent is moved into it, its subtree on the same host with it:
// jaeger model/adjuster/clockskew.go).
TraceFile read_trace_file(const std::string& path);
// The same for a parsed document (tests).
TraceFile read_trace_json(const nlohmann::json& doc, const std::string& name);

// The format readers (trace_otlp.cpp, trace_jaeger.cpp, trace_zipkin.cpp): spans as found,
// names made printable (trace_json.h).
class JsonAt;
// A Jaeger document: {data: [traces]}, one trace {traceID, spans, processes}, or an array of them.
bool jaeger_shaped(const nlohmann::json& doc);
void read_otlp(const JsonAt& doc, TraceFile& out);
void read_jaeger(const JsonAt& doc, TraceFile& out);
void read_zipkin(const JsonAt& doc, TraceFile& out);

}  // namespace archsim::import
