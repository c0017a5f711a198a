#include "reports/html_traces.h"

#include <exception>
#include <system_error>

#include "reports/html_json.h"

namespace archsim::reports::traces {
namespace fs = std::filesystem;

nlohmann::json for_page(const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_regular_file(dir / "trace.json", ec)) return nullptr;
  js::json doc;
  try {
    doc = js::read_json(dir / "trace.json");
  } catch (const std::exception& e) {
    return {{"error", e.what()}};
  }
  const js::json other = doc.value("otherData", js::json::object());
  const js::json requests = other.value("requests", js::json::array());
  js::json slowest = js::json::array();
  for (const auto& r : requests) {
    if (slowest.size() == 10) break;
    slowest.push_back({{"pid", r.value("pid", js::json())}, {"id", r.value("id", js::json())},
                       {"route", r.value("route", js::json())}, {"latency_ms", r.value("latency_ms", js::json())},
                       {"status", r.value("status", js::json())}});
  }
  return {{"requests", requests.size()}, {"every", other.value("every_nth_request", js::json())},
          {"slowest", std::move(slowest)}};
}

}  // namespace archsim::reports::traces
