// archsim analyze: single points of failure (the comment at the top of analyze_command.cpp
// states the rule) and the call graph's articulation points.
#pragma once
#include <cstdint>
#include <map>
#include <utility>
#include <vector>

#include "tools/cli/topology.h"

namespace archsim::cli {

// Whether a client route can still be served with one component gone: a service needs each
// of its call steps answered (a parallel block: wait_for of its calls), a balancer one
// target, a component that does not describe itself all its synchronous callees.
class Reachability {
 public:
  explicit Reachability(const Topology& t) : t_(t) {}

  // Whether `comp` can serve `route` with `removed` gone (-1: nothing removed).
  bool serves(std::uint32_t comp, std::uint32_t route, long removed) {
    memo_.clear();
    removed_ = removed;
    return eval(comp, route);
  }

 private:
  bool eval(std::uint32_t comp, std::uint32_t route);

  const Topology& t_;
  long removed_ = -1;
  std::map<std::pair<std::uint32_t, std::uint32_t>, bool> memo_;
};

// The cut vertices of the undirected call graph (boost::articulation_points), sorted.
std::vector<std::uint32_t> articulation_points(const Topology& t);

}  // namespace archsim::cli
