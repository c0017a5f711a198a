#include "tools/cli/topology.h"

#include <algorithm>
#include <iostream>
#include <map>

#include <nlohmann/json.hpp>

#include "scenario/errors.h"
#include "scenario/params.h"
#include "tools/cli/commands.h"

namespace archsim::cli {

std::vector<std::string> Topology::Node::occupied_zones() const {
  std::vector<std::string> out;
  if (desc.kind == Description::Kind::Server && !desc.zones.empty()) {
    // The service places instance n in zones[n % zones] (models/service/service.cpp).
    const std::size_t n = std::min<std::size_t>(desc.replicas, desc.zones.size());
    for (std::size_t i = 0; i < n; ++i)
      if (std::find(out.begin(), out.end(), desc.zones[i]) == out.end()) out.push_back(desc.zones[i]);
    if (!out.empty()) return out;
  }
  if (desc.kind == Description::Kind::Forwarder && !desc.zones.empty()) return desc.zones;  // a multi-zone balancer
  out.push_back(zone);
  return out;
}

Topology Topology::from(const Simulation& sim, const nlohmann::json& doc) {
  Topology t;
  const auto& comps = sim.components();
  std::map<std::string, std::uint32_t> by_id;
  for (std::uint32_t i = 0; i < comps.size(); ++i) {
    Node n;
    n.id = comps[i]->id();
    n.type = comps[i]->type();
    n.zone = sim.zone_of(i);
    n.hidden = !n.id.empty() && n.id[0] == '$';
    comps[i]->describe(n.desc);
    by_id[n.id] = i;
    t.nodes.push_back(std::move(n));
  }
  // Link latencies as the engine sets them up (Simulation::resolve_references).
  const ScenarioSettings& s = sim.settings();
  std::map<std::pair<std::uint32_t, std::uint32_t>, double> explicit_links;
  if (doc.contains("links") && doc["links"].is_array()) {
    for (std::size_t i = 0; i < doc["links"].size(); ++i) {
      const auto& l = doc["links"][i];
      auto a = by_id.find(l.value("from", std::string())), b = by_id.find(l.value("to", std::string()));
      if (a == by_id.end() || b == by_id.end()) continue;
      double lat = 0;
      if (l.contains("latency"))
        lat = Params::parse_distribution(l["latency"], "/links/" + std::to_string(i) + "/latency").mean() / 1e9;
      explicit_links[{a->second, b->second}] = lat;
    }
  }
  for (std::uint32_t i = 0; i < sim.route_count(); ++i) t.route_names.push_back(sim.route_name(i));
  std::map<std::tuple<std::uint32_t, std::uint32_t, RefKind>, std::size_t> edge_of;
  for (const auto& r : sim.references()) {
    t.ref_target.push_back(r.to);
    t.ref_from.push_back(r.from);
    t.ref_kind.push_back(r.kind);
    double lat = s.network_latency.mean() / 1e9;
    if (auto ex = explicit_links.find({r.from, r.to}); ex != explicit_links.end()) {
      lat = ex->second;
    } else {
      const std::string &za = t.nodes[r.from].zone, &zb = t.nodes[r.to].zone;
      if (!za.empty() && !zb.empty() && za != zb && !s.cross_zone_latency.is_constant_zero()) {
        const bool both_constant = s.network_latency.kind == Distribution::Kind::Constant &&
                                   s.cross_zone_latency.kind == Distribution::Kind::Constant;
        lat = (both_constant ? lat : 0.0) + s.cross_zone_latency.mean() / 1e9;
      }
    }
    t.ref_latency_s.push_back(lat);
    auto key = std::make_tuple(r.from, r.to, r.kind);
    if (auto e = edge_of.find(key); e != edge_of.end()) {
      ++t.edges[e->second].count;
    } else {
      edge_of[key] = t.edges.size();
      t.edges.push_back(Edge{r.from, r.to, r.kind, 1});
    }
  }
  return t;
}

std::optional<Topology> Topology::load(const std::string& scenario, const std::vector<std::string>& sets,
                                       const Registry& registry) {
  auto doc = load_with_sets(scenario, sets);
  if (!doc) return std::nullopt;
  try {
    Simulation sim(*doc, registry);
    Topology t = Topology::from(sim, *doc);
    t.scenario_name = sim.settings().name;
    return t;
  } catch (const ScenarioError& e) {
    std::cerr << e.format(scenario) << "\n";
    return std::nullopt;
  }
}

}  // namespace archsim::cli
