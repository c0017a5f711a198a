// trace.json: the request traces of a run (sim/trace.h) in the Chrome trace-event format
// (the "JSON Object Format" of the Trace Event Format document), which Perfetto
// (ui.perfetto.dev) and chrome://tracing open.
//
// Layout, so that a student can follow one request through the system: each traced request
// is a process ("request 4711 · get · 231.4 ms · ok"), the slowest first; inside it each
// component the request touched is a thread (its track), named by the component's id.
// Spans ("X" events, times in microseconds of simulated time):
//   on a client's track:  the request (created to ended) and each attempt it sent;
//   on a caller's track:  "call <callee> <route>" from sent to answered (or timed out);
//   on a callee's track:  "<route> from <caller>" from delivered to answered, and inside it
//                         "queue" and "work" where the model marks them (services);
// a one-way send is an instant; a flow arrow joins each call to where it was served. A
// component whose spans of one request overlap without nesting (parallel calls) gets more
// tracks of the same name ("db #2"). args carry the status, attempt, network time, and
// whether a reply came after its caller had given up. otherData.requests lists the traced
// requests (id, route, latency, status), slowest first, for the report's table.
#pragma once
#include <string>

#include "sim/results.h"

namespace archsim {

// Empty when the run recorded no trace.
std::string trace_json(const RunResult& r);

// A model's mark inside a served span (or on its own track), named by what it waited for or
// did ("queue", "work", ...); both trace formats name marks so.
const char* trace_mark_name(TraceSpan::Kind k);

}  // namespace archsim
