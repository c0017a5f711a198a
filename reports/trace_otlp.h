// trace.otlp.json: the request traces of a run (sim/trace.h) as OpenTelemetry spans in the
// OTLP/JSON encoding (opentelemetry-proto, docs/specification.md "JSON Protobuf Encoding":
// an ExportTraceServiceRequest, lowerCamelCase fields, trace and span ids as hex strings,
// 64-bit times as decimal strings, enums as integers). What a collector's OTLP receiver
// accepts and `archsim import --traces` reads back.
//
// Mapping (docs/traces.md, "OpenTelemetry export"):
//   resourceSpans    one per component, service.name = its id, archsim.component.type = its type
//   a traced request one trace: traceId = hash(scenario, seed) . request id
//   Request          the client's span, INTERNAL, the root, named by the route
//   Call / Send      CLIENT / PRODUCER on the caller, named by the callee's route, peer.service = callee;
//                    child of the caller's SERVER span that encloses it (the client's: the root)
//   Serve            SERVER (CONSUMER for a one-way send) on the callee, child of its Call
//   queue/work/lock/replication marks   INTERNAL children of their SERVER span, named so
// Times are simulated time counted from the Unix epoch. A span's status is OK, or ERROR with
// the cause as its message. Each span's traceState carries the sampling probability as
// OpenTelemetry's consistent-probability threshold (`ot=th:<hex>`, "TraceState: Probability
// Sampling"): one request in `every_nth_request` was traced, so an importer can count the
// arrival rate. Requests still in flight when the run ended are left out (no root to hang
// their spans on); spans still open at the end end there, marked archsim.unfinished.
#pragma once
#include <cstdint>
#include <string>

#include "sim/results.h"

namespace archsim {

// Empty when the run recorded no trace.
std::string trace_otlp_json(const RunResult& r);

// The `ot=th:` value for sampling one request in `stride` (1: "0", everything kept): the
// rejection threshold (1 - 1/stride) x 2^56 in 14 hex digits, trailing zeros dropped.
std::string otel_sampling_threshold(std::uint64_t stride);

}  // namespace archsim
