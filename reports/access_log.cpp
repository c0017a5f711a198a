#include "reports/access_log.h"

#include <cstdio>

namespace archsim {

std::string access_log_name(const std::string& component, const std::string& format) {
  std::string safe;
  for (char c : component)
    safe += (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ? c : '_';
  return "access-" + safe + (format == "json" ? ".jsonl" : ".log");
}

int access_log_status(const std::string& cause) {
  if (cause == "ok" || cause == "degraded") return 200;
  if (cause == "rate_limited") return 429;
  if (cause == "dropped") return 502;
  if (cause == "timeout") return 504;
  if (cause == "rejected" || cause == "unavailable" || cause == "shed" || cause == "circuit_open" ||
      cause == "bulkhead_full" || cause == "pool_timeout")
    return 503;
  return 500;
}

namespace {

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += c;
    }
  }
  return out + '"';
}

// [dd/Mon/yyyy:hh:mm:ss +0000] of simulated second `t` counted from 1970-01-01 (civil date
// from days: Howard Hinnant's algorithm).
void time_local(std::string& out, Time t) {
  static const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const long long secs = t / kSecond;
  long long z = secs / 86400 + 719468;
  const long long era = z / 146097, doe = z - era * 146097;
  const long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
  const long long d = doy - (153 * mp + 2) / 5 + 1, m = mp < 10 ? mp + 3 : mp - 9, y = yoe + era * 400 + (m <= 2);
  const long long s = secs % 86400;
  char buf[40];
  std::snprintf(buf, sizeof buf, "[%02lld/%s/%04lld:%02lld:%02lld:%02lld +0000]", d, kMonths[m - 1], y, s / 3600, s / 60 % 60, s % 60);
  out += buf;
}

}  // namespace

std::vector<AccessLogFile> access_logs(const RunResult& r) {
  const RequestLogData& log = r.request_log;
  std::vector<AccessLogFile> files;
  std::vector<int> status(r.cause_names.size());
  for (std::size_t k = 0; k < r.cause_names.size(); ++k) status[k] = access_log_status(r.cause_names[k]);
  for (const auto& s : log.sources) files.push_back({access_log_name(s.component, s.format), {}});
  char buf[160];
  for (const RequestLogEntry& e : log.entries) {
    const auto& src = log.sources[e.source];
    std::string& out = files[e.source].text;
    const std::string& route = e.route < r.route_names.size() ? r.route_names[e.route] : std::string("default");
    const std::string& cause = e.status < r.cause_names.size() ? r.cause_names[e.status] : std::string("error");
    const int code = e.status < status.size() ? status[e.status] : 500;
    const double latency_s = static_cast<double>(e.end - e.start) / 1e9;
    if (src.format == "json") {
      std::snprintf(buf, sizeof buf, "{\"t\":%.9g,\"start\":%.9g,\"client\":", static_cast<double>(e.end) / 1e9,
                    static_cast<double>(e.start) / 1e9);
      out += buf;
      out += json_string(src.component) + ",\"route\":" + json_string(route) + ",\"method\":\"" + (e.write ? "POST" : "GET") + "\"";
      std::snprintf(buf, sizeof buf, ",\"status\":%d,\"cause\":", code);
      out += buf;
      out += json_string(cause);
      std::snprintf(buf, sizeof buf, ",\"latency_ms\":%.6f,\"attempts\":%u,\"id\":%llu,\"session\":%llu}\n", latency_s * 1e3,
                    unsigned{e.attempts}, static_cast<unsigned long long>(e.id), static_cast<unsigned long long>(e.session));
      out += buf;
      continue;
    }
    std::snprintf(buf, sizeof buf, "10.%u.%u.%u - - ", static_cast<unsigned>(e.session >> 16 & 255),
                  static_cast<unsigned>(e.session >> 8 & 255), static_cast<unsigned>(e.session & 255));
    out += buf;
    time_local(out, e.end);
    out += std::string(" \"") + (e.write ? "POST" : "GET") + " /";
    for (char c : route) out += c == ' ' || c == '"' || static_cast<unsigned char>(c) < 0x20 ? '_' : c;  // one field for awk
    out += " HTTP/1.1\" ";
    std::snprintf(buf, sizeof buf, "%d 0 \"-\" ", code);
    out += buf;
    out += "\"archsim/" + src.component + "\"";
    std::snprintf(buf, sizeof buf, " rt=%.3f attempts=%u id=%llu t=%.6f\n", latency_s, unsigned{e.attempts},
                  static_cast<unsigned long long>(e.id), static_cast<double>(e.end) / 1e9);
    out += buf;
  }
  return files;
}

}  // namespace archsim
