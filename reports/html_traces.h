// html_traces.h -- the data of the "Request traces" section of a run page: when DIR/trace.json exists
// (archsim run --trace N, reports/trace_json.h), a link to it, how to open it, and the
// slowest traced requests as a table (from its otherData.requests). Reads only that file.
#pragma once

#include <filesystem>

#include <nlohmann/json.hpp>

namespace archsim::reports::traces {

// null when DIR/trace.json does not exist; {"error": why} when it cannot be read; else
// {"requests": how many it follows, "every": every how many-th request, "slowest": its first
// ten requests (pid, id, route, latency_ms, status)}.
nlohmann::json for_page(const std::filesystem::path& dir);

}  // namespace archsim::reports::traces
