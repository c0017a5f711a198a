// archsim analyze: single points of failure (analyze_failures.h).
#include "tools/cli/analyze_failures.h"

#include <algorithm>
#include <iterator>

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/biconnected_components.hpp>

#include "tools/cli/analyze_network.h"

namespace archsim::cli {

namespace {

using Kind = Description::Kind;

}  // namespace

bool Reachability::eval(std::uint32_t comp, std::uint32_t route) {
  if (static_cast<long>(comp) == removed_) return false;
  const auto key = std::make_pair(comp, route);
  if (auto it = memo_.find(key); it != memo_.end()) return it->second;
  memo_[key] = false;  // a cycle (asynchronous only) does not make a path
  const Description& d = t_.nodes[comp].desc;
  bool ok = true;
  if (d.kind == Kind::Server) {
    const auto* prog = program_for(d, route);
    ok = prog != nullptr;
    for (std::size_t g = 0; ok && prog && g < prog->groups.size(); ++g) {
      std::uint32_t up = 0, needed = 0;
      for (const auto& c : prog->groups[g].calls) {
        // A publish nobody waits for, or a call whose failure the route takes as a miss
        // (cache-aside with "on_failure": "continue"): its loss does not fail the route.
        if (c.one_way || c.optional) continue;
        ++needed;
        up += eval(t_.ref_target[c.ref], c.same_route ? route : c.route) ? 1 : 0;
      }
      if (needed == 0) continue;
      ok = up >= std::max<std::uint32_t>(1, prog->groups[g].wait_for);
    }
  } else if (d.kind == Kind::Forwarder) {
    ok = false;
    for (const auto& tg : d.targets) ok = ok || eval(t_.ref_target[tg.ref], route);
  } else {
    // Not described: assume it needs every component it calls synchronously.
    for (const auto& e : t_.edges)
      if (e.from == comp && e.kind == RefKind::SyncCall) ok = ok && eval(e.to, route);
  }
  memo_[key] = ok;
  return ok;
}

std::vector<std::uint32_t> articulation_points(const Topology& t) {
  using UGraph = boost::adjacency_list<boost::vecS, boost::vecS, boost::undirectedS>;
  UGraph g(t.nodes.size());
  for (const auto& e : t.edges)
    if (e.kind != RefKind::Control && e.from != e.to) boost::add_edge(e.from, e.to, g);
  std::vector<UGraph::vertex_descriptor> cut;
  boost::articulation_points(g, std::back_inserter(cut));
  std::vector<std::uint32_t> out(cut.begin(), cut.end());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace archsim::cli
