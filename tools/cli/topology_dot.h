// The topology of a scenario as a graphviz DOT document, for `archsim graph` and for the
// diagram on a run's report (run writes it as DIR/topology.dot; the report renders it with
// `dot`). The graph is a Boost.Graph adjacency_list written by boost::write_graphviz. Shapes
// follow the usual architecture-diagram conventions (a cylinder for a database, a diamond for
// a balancer, ...); every name is escaped for DOT's quoted strings.
#pragma once
#include <string>

#include "tools/cli/topology.h"

namespace archsim::cli {

// The DOT text of `t`, titled `name`. Engine sections ("$faults") are left out.
std::string topology_dot(const Topology& t, const std::string& name);

}  // namespace archsim::cli
