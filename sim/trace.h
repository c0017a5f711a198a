// Request traces: every hop of a few sampled requests (Dapper's sampled spans, what
// Perfetto or Jaeger draw), recorded by the engine where calls are sent, delivered,
// answered and timed out, plus the spans a model marks on a call it serves (waiting in a
// queue, for a lock or for replicas; working) and on a request it holds outside any call (a
// message waiting in a log). reports/trace_json turns them into Chrome trace-event JSON.
//
// Sampling is deterministic: request ids are handed out in order (Context::next_request_id),
// and a request is traced when its id is a multiple of a stride chosen from the run's
// estimated request count so that the N traced requests spread over the run (stride 1 when
// the scenario gives no estimate: the first N). Every call that carries a traced id is
// recorded (retries, fan-out, one-way sends, calls a cache or a balancer makes on its behalf).
//
// Cost: the engine holds a null Tracer pointer when tracing is off and tests it where a call
// is sent, delivered, answered or timed out (one predictable branch); nothing is allocated.
// When on, spans go to one vector and calls of traced requests to one hash map.
#pragma once
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "sim/pool.h"
#include "sim/request.h"
#include "sim/time.h"

namespace archsim {

using CallId = Handle;  // as sim/component.h names it

struct TraceSpan {
  // Request: the client's whole request, on the client's track. Call: a call as its caller
  // waits for it (sent to answered or timed out). Send: a one-way send (an instant). Serve:
  // the call at the callee, delivered to answered. Marked by the callee's model inside its
  // Serve span: Queue (waited for a worker, a core, room), Work, Lock (waited for a lock
  // another request held: a row lock, a cache key another request is filling) and Replicate
  // (waited for replicas to acknowledge a write). A Queue span a model marks on a request
  // outside any call (Tracer::mark: a message in a log until a consumer takes it) stands on
  // its own on the model's track.
  enum Kind : std::uint8_t { Request, Call, Send, Serve, Queue, Work, Lock, Replicate };
  Kind kind = Request;
  std::uint8_t status = 0;  // Status at the end (the caller's view for Call, the callee's for Serve)
  std::uint16_t route = 0;
  std::uint16_t attempt = 0;
  bool late = false;        // Serve: answered after its caller had given up (the reply was dropped)
  std::uint32_t request = 0;    // index of the traced request (TraceData::request_ids)
  std::uint32_t component = 0;  // the track it is drawn on
  std::uint32_t peer = 0;       // Call/Send: the callee; Serve: the caller
  std::uint32_t call = 0;       // Call/Send/Serve: the call's number in the trace (1..), linking both ends
  Time begin = kUnset, end = kUnset;  // kUnset: never reached (not delivered; still open at the end)
  static constexpr Time kUnset = -1;
};

// What a run hands to reports/ (RunResult::trace).
struct TraceData {
  std::uint32_t asked = 0;   // --trace N (0: off)
  std::uint64_t stride = 1;  // every stride-th request id was traced
  std::vector<std::uint64_t> request_ids;  // by traced-request index
  std::vector<TraceSpan> spans;
  std::vector<std::string> components;  // ids by component index (the tracks)
  Time end = 0;                         // the run's end (spans still open end here)
};

class Tracer {
 public:
  // `n` requests at most; `estimated` requests in the run (0: unknown).
  Tracer(std::uint32_t n, double estimated);

  void call(CallId h, const RequestInfo& req, std::uint32_t caller, std::uint32_t callee, Time now, bool one_way);
  void delivered(CallId h, Time now);
  void replied(CallId h, Time now, Status status, bool caller_gone);  // the callee answered
  void answered(CallId h, Time now, Status status);                    // the caller got it (or timed out)
  void span(CallId h, TraceSpan::Kind kind, Time begin, Time end);     // a model's mark on a call it serves
  // A model's mark on its own track (`component`) for request `req` outside any call; kept
  // only when the request is already traced (it never adds one to the sample).
  void mark(const RequestInfo& req, std::uint32_t component, TraceSpan::Kind kind, Time begin, Time end);
  void request_ended(const RequestInfo& req, std::uint32_t client, Time now, Status status);

  TraceData take(std::vector<std::string> components, Time end);

 private:
  // The index of the traced request `id`, or -1 when it is not sampled.
  std::int64_t index_of(std::uint64_t id);
  struct Open {
    std::uint32_t call_span, serve_span;
  };
  TraceData data_;
  std::unordered_map<std::uint64_t, std::uint32_t> requests_;  // request id -> index
  std::unordered_map<CallId, Open> calls_;                     // calls of traced requests
  std::uint32_t next_call_ = 1;
};

}  // namespace archsim
