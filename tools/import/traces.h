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
};

// The attributes every format carries alike (OpenTelemetry's semantic conventions, and
// archsim's own mark), read through `get(name)` -> the value or "": who was called when the
// callee left no span (a peer already known is kept), the newer `*.name` forms of db.* too.
template <class Get>
void read_common_attributes(Span& s, Get get) {
  if (s.peer.empty()) s.peer = get("peer.service");
  s.db_system = get("db.system");
  if (s.db_system.empty()) s.db_system = get("db.system.name");
  s.db_operation = get("db.operation");
  if (s.db_operation.empty()) s.db_operation = get("db.operation.name");
  s.messaging_system = get("messaging.system");
  s.mark = get("archsim.mark");
}

struct TraceFile {
  std::string file, format;  // format: "OTLP JSON", "Jaeger JSON", "Zipkin v2 JSON"
  std::vector<Span> spans;
  // The probability that a request was traced, when the file says (OpenTelemetry's
  // tracestate ot=th, Jaeger's sampler.type probabilistic / sampler.param); 0 when it does not.
  double sampling = 0;
};

// Reads and checks a trace file: every span has a trace, an id, a service, times with end >=
// start; every parent id names a span of the same trace (an orphan span is bad input: its
// parent was lost, so its request cannot be followed). Throws ImportError naming the file
// and the span's JSON pointer.
TraceFile read_trace_file(const std::string& path);
// The same for a parsed document (tests).
TraceFile read_trace_json(const nlohmann::json& doc, const std::string& name);

// The format readers (trace_otlp.cpp, trace_jaeger.cpp, trace_zipkin.cpp): spans as found.
void read_otlp(const nlohmann::json& doc, const std::string& base, TraceFile& out);
void read_jaeger(const nlohmann::json& doc, TraceFile& out);
void read_zipkin(const nlohmann::json& doc, TraceFile& out);

}  // namespace archsim::import
