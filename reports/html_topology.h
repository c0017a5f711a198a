// html_topology.h -- the architecture diagram of a run report: DIR/topology.dot (graphviz
// DOT, written by `archsim run` from the built scenario) drawn by graphviz's `dot` as
// DIR/topology.svg and set inline in the page. The report reads the DOT file only; what it
// shows (routes, timeouts, policies, link latencies, replicas, zones) is the writer's
// business (tools/cli/topology_dot.h).
#pragma once

#include <filesystem>

#include <nlohmann/json.hpp>

namespace archsim::reports::topology {

// The "Architecture" section's data: null when DIR/topology.dot does not exist, else
// {"svg": the drawing inline, "max_width_px"} or {"error": "no_dot" | "failed"} when `dot`
// is not on PATH or fails (its messages go to DIR/topology.log).
nlohmann::json for_page(const std::filesystem::path& dir);

}  // namespace archsim::reports::topology
