// The topology of a built scenario as the graph and analyze commands see it: one vertex
// per component, one edge per distinct (from, to, kind) reference, plus each component's
// self-description (scenario/describe.h). Built once from a Simulation; no simulation is run.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "scenario/build.h"
#include "scenario/describe.h"
#include "sim/simulation.h"

#include <nlohmann/json_fwd.hpp>

namespace archsim::cli {

struct Topology {
  struct Node {
    std::string id, type, zone;  // zone: the component's "zone" ("" when none)
    bool hidden = false;         // an engine section ("$faults"), not a scenario component
    Description desc;
    // Zones its instances occupy: min(replicas, zones) distinct ones for a service, else
    // its own zone. Two or more means losing one zone leaves it serving.
    std::vector<std::string> occupied_zones() const;
  };
  struct Edge {
    std::uint32_t from = 0, to = 0;
    RefKind kind = RefKind::SyncCall;
    int count = 1;  // references merged into this edge
  };
  std::vector<Node> nodes;
  std::vector<Edge> edges;
  std::vector<std::uint32_t> ref_target;  // RefId -> component index
  std::vector<RefKind> ref_kind;          // RefId -> kind
  std::vector<double> ref_latency_s;      // RefId -> mean one-way link latency (s)
  std::vector<std::uint32_t> ref_from;    // RefId -> the caller's component index
  std::vector<std::string> route_names;   // route index -> its name

  // `doc` is the scenario `sim` was built from (its "links" give per-link latencies,
  // recomputed here as the engine does: explicit link, else network latency plus the
  // cross-zone penalty between components in different zones).
  static Topology from(const Simulation& sim, const nlohmann::json& doc);
  std::string scenario_name;

  // Loads SCENARIO with --set overrides and builds its topology; on bad input prints the
  // one-line error and returns nullopt (the caller exits 2).
  static std::optional<Topology> load(const std::string& scenario, const std::vector<std::string>& sets,
                                      const Registry& registry);
};

}  // namespace archsim::cli
