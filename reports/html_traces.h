// html_traces.h -- the "Request traces" section of a run report: when DIR/trace.json exists
// (archsim run --trace N, reports/trace_json.h), a link to it, how to open it, and the
// slowest traced requests as a table (from its otherData.requests). Reads only that file.
#pragma once

#include <filesystem>
#include <string>

namespace archsim::reports::traces {

// "" when DIR/trace.json does not exist; a notice when it cannot be read.
std::string section(const std::filesystem::path& dir);

}  // namespace archsim::reports::traces
