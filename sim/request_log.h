// Request logs: one line per sampled client request, as a web server's access log keeps them
// (NGINX's ngx_http_log_module writes a line when a request ends; `log_format` names the
// fields). A component that ends client requests asks for one at build time
// (BuildContext::log_requests); the engine samples at Context::request_ended and keeps each
// sampled request's facts (times, route, status, attempts, session); reports/access_log turns
// them into text. The engine knows no log format: the format is an opaque label the owner
// hands over and reports/ reads.
//
// Sampling is by request id, not by a stream: a request is kept when a hash of (run seed, the
// component, the request id) falls below `sample`, so the same seed keeps the same requests
// whatever else draws random numbers, and no model's stream is touched (fingerprints do not
// move). The count kept is binomial (n ended, p = sample).
//
// Bounded: at most `max_lines` entries per component are kept (40 bytes each while the run
// lasts); the sampled requests past the bound are counted (unwritten), not stored.
// Cost: with no log, one null-pointer test per request ended; with one, a hash and a compare
// per request ended by a logging component, a push_back (amortised) per sampled one.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "sim/request.h"
#include "sim/time.h"

namespace archsim {

struct RequestLogEntry {
  Time start = 0, end = 0;
  std::uint64_t id = 0, session = 0;
  std::uint32_t source = 0;   // index into RequestLogData::sources
  std::uint16_t route = 0;    // RunResult::route_names index
  std::uint16_t attempts = 1; // tries the request took (1 + retries)
  std::uint8_t status = 0;    // Status value (RunResult::cause_names index)
  bool write = false;         // the route writes (RequestInfo::write)
};

// What a run hands to reports/ (RunResult::request_log).
struct RequestLogData {
  struct Source {
    std::string component;  // the id of the component that logs
    std::string format;     // the owner's label, read by reports/ only
    double sample = 0;
    std::uint64_t max_lines = 0;
    std::uint64_t ended = 0;      // requests it ended over the whole run (warm-up included)
    std::uint64_t sampled = 0;    // of those, sampled (kept + unwritten)
    std::uint64_t unwritten = 0;  // sampled past max_lines: counted, not kept
  };
  std::vector<Source> sources;
  std::vector<RequestLogEntry> entries;  // every source's, in the order the requests ended
};

class RequestLog {
 public:
  explicit RequestLog(std::uint64_t run_seed) : seed_(run_seed) {}
  // Component `component` (id `id`) logs a `sample` fraction (0 < sample <= 1) of the requests
  // it ends, at most `max_lines` of them.
  void add_source(std::uint32_t component, std::string id, double sample, std::uint64_t max_lines, std::string format);
  // A request ended at `component` (any component: those that do not log are skipped).
  void ended(const RequestInfo& req, std::uint32_t component, Time now, Status status, std::uint16_t attempts) {
    if (component >= by_component_.size() || by_component_[component] == 0) return;
    record(req, by_component_[component] - 1, now, status, attempts);
  }
  RequestLogData take() { return std::move(data_); }

 private:
  void record(const RequestInfo& req, std::uint32_t source, Time now, Status status, std::uint16_t attempts);
  std::uint64_t seed_;
  std::vector<std::uint32_t> by_component_;  // source index + 1, 0 when the component does not log
  std::vector<std::uint64_t> kept_;          // entries kept per source
  RequestLogData data_;
};

}  // namespace archsim
