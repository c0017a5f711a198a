// Access logs: the sampled requests of a run (sim/request_log.h) as text a learner can grep,
// cut or load, one file per logging client, lines in the order the requests ended.
//
// "combined": NGINX's predefined combined format (ngx_http_log_module.c)
//   $remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent
//   "$http_referer" "$http_user_agent"
// followed by fields many sites append to it (log_format ... rt=$request_time):
//   rt=<seconds, 3 decimals> attempts=<tries> id=<request id> t=<simulated end, seconds>
// $time_local is the simulated end time on a clock that starts at 01/Jan/1970:00:00:00 +0000;
// $remote_addr is made up from the client's session (10.x.y.z); the request line is
// "GET /<route> HTTP/1.1" ("POST" for a route that writes); $body_bytes_sent is 0 and the
// user agent is "archsim/<client id>".
// "json": one JSON object per line (JSON Lines): t (end, s), start (s), client, route,
// method, status, cause, latency_ms, attempts, id, session.
// Status: the outcome as the HTTP status a front end would log: ok and degraded (a fallback's
// answer) 200, rate_limited 429, error 500, dropped 502, rejected, unavailable, shed,
// circuit_open, bulkhead_full and pool_timeout 503, timeout 504, any other cause 500.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "sim/results.h"

namespace archsim {

struct AccessLogFile {
  std::string name;  // access-<client>.log or access-<client>.jsonl
  std::string text;
};

// One file per logging client (empty when none logs).
std::vector<AccessLogFile> access_logs(const RunResult& r);
// The file a client's log goes to (its id made safe for a file name).
std::string access_log_name(const std::string& component, const std::string& format);
// The HTTP status logged for cause `name`.
int access_log_status(const std::string& cause);

}  // namespace archsim
