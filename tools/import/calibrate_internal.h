// What calibrate.cpp (walking each trace) hands calibrate_shapes.cpp (grouping each
// operation's calls into steps across its requests): the calls of one serving span.
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "tools/import/calibrate.h"

namespace archsim::import::detail {

inline double secs(std::int64_t ns) { return static_cast<double>(ns) / 1e9; }

struct Attempt {
  const Span* client;  // the call as its caller timed it (the callee's span when the caller has none)
  const Span* server;  // the callee's span, null when the callee left none
};

// A call with its retries folded in.
struct Logical {
  std::string callee, route;
  bool one_way = false;
  std::vector<Attempt> attempts;
  std::int64_t start = 0, end = 0;
  bool failed() const { return attempts.back().client->error; }
  std::string key() const { return std::string(one_way ? "S(" : "C(") + callee + "/" + route + ")"; }
};

// A serving span as measured, before its calls are grouped: the grouping (which calls run in
// parallel, which repeat) is decided across every request of the operation (build_shapes).
struct Observation {
  ServiceModel* service;
  std::string op;
  std::int64_t start, end;
  bool error;
  std::vector<Logical> calls;  // in start order, deliveries after the span left out
  std::vector<std::pair<std::int64_t, std::int64_t>> waits;
  std::int64_t resolution = 0;  // of its file's start times: overlaps shorter than it are rounding
};

// One more logical call into a step's call: counts, failures, attempts, backoffs, timeouts.
void count_call(CallModel& m, const Logical& l);

// Every observation into its operation's shapes (ServiceModel::ops): calls overlapping in
// most requests that made both are a parallel block, a block of one call made several times a
// fan-out, and call groups repeated back to back a loop (calibrate_shapes.cpp).
void build_shapes(const std::vector<Observation>& seen);

}  // namespace archsim::import::detail
