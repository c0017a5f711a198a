#include "reports/html_traces.h"

#include <exception>
#include <system_error>

#include "reports/html_json.h"
#include "reports/html_page.h"

namespace archsim::reports::traces {
namespace fs = std::filesystem;

std::string section(const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_regular_file(dir / "trace.json", ec)) return {};
  std::string out = "<h2 id=\"traces\">Request traces</h2>\n";
  js::json doc;
  try {
    doc = js::read_json(dir / "trace.json");
  } catch (const std::exception& e) {
    return out + "<p class=\"notice\">" + html::escape(e.what()) + "</p>\n";
  }
  const js::json other = doc.value("otherData", js::json::object());
  const js::json requests = other.value("requests", js::json::array());
  out += "<p><a href=\"trace.json\">trace.json</a> follows " + html::number(static_cast<double>(requests.size()), 15) +
         " sampled requests (every " + html::number(js::num_at(other, "every_nth_request"), 15) +
         "th) hop by hop: open it in Perfetto (<code>ui.perfetto.dev</code>, Open trace file: the file stays on "
         "your machine) or <code>chrome://tracing</code>. Each request is a process, slowest first; each component it touched is a "
         "track with the time the request spent there: calls sent and waited for, queueing (<code>queue</code>: for a "
         "worker, a core, room, or a message in a log until a consumer took it), <code>lock</code> waits (a row lock, a "
         "cache key another request was filling), <code>replication</code> waits (a write waiting for its replicas) and "
         "<code>work</code>, retries and timeouts, and replies that came after the caller gave up.</p>\n";
  if (requests.empty()) return out;
  out += "<table class=\"num\"><caption>The slowest traced requests</caption>\n"
         "<tr><th>process</th><th>request id</th><th>route</th><th>latency (ms)</th><th>outcome</th></tr>\n";
  std::size_t shown = 0;
  for (const auto& r : requests) {
    if (++shown > 10) break;
    out += "<tr><td>" + html::number(js::num_at(r, "pid"), 15) + "</td><td>" + html::number(js::num_at(r, "id"), 20) +
           "</td><td>" + html::escape(js::str_at(r, "route")) + "</td><td>" + html::number(js::num_at(r, "latency_ms")) +
           "</td><td>" + html::escape(js::str_at(r, "status")) + "</td></tr>\n";
  }
  return out + "</table>\n";
}

}  // namespace archsim::reports::traces
