// archsim graph: the topology of a scenario as a diagram. The graph is a Boost.Graph
// adjacency_list written as DOT by boost::write_graphviz; graphviz's `dot` renders it
// when the output name asks for SVG or PNG. Shapes follow the usual architecture-diagram
// conventions (a cylinder for a database, a diamond for a balancer, ...).
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <iostream>
#include <sstream>

// GCC's -Wmaybe-uninitialized misfires inside Boost's edge iterator (a boost::optional it
// fills before use); the warning is silenced for these headers only.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/graphviz.hpp>
#pragma GCC diagnostic pop

#include "reports/chart_scripts.h"
#include "sim/errors.h"
#include "tools/cli/commands.h"
#include "tools/cli/report_command.h"
#include "tools/cli/topology.h"

extern char** environ;

namespace archsim::cli {

namespace fs = std::filesystem;

namespace {

struct Look {
  const char* shape;
  const char* fill;
};

// Unknown types (a family added later) get a plain box until they are listed here.
Look look_of(const std::string& type) {
  if (type == "client") return {"ellipse", "#dbeafe"};
  if (type == "balancer") return {"diamond", "#fde68a"};
  if (type == "service") return {"box", "#d1fae5"};
  if (type == "autoscaler") return {"octagon", "#e9d5ff"};
  if (type == "cache") return {"component", "#fecaca"};
  if (type == "database") return {"cylinder", "#fed7aa"};
  if (type == "queue") return {"cds", "#cffafe"};
  if (type == "faults" || type == "fault") return {"hexagon", "#f3f4f6"};
  return {"box", "#f3f4f6"};
}

std::string dot_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

std::string label_of(const Topology::Node& n) {
  std::ostringstream l;
  l << dot_escape(n.id) << "\\n" << dot_escape(n.type);
  const Description& d = n.desc;
  if (d.kind == Description::Kind::Server) {
    l << " x" << d.replicas;
    if (d.concurrency > 0) l << " (" << d.concurrency << " workers each)";
  }
  if (d.kind == Description::Kind::Source) {
    if (d.peak_rate_rps > 0) l << "\\npeak " << d.peak_rate_rps << " req/s";
    else if (d.peak_users > 0) l << "\\n" << d.peak_users << " users";
  }
  const auto zones = n.occupied_zones();
  std::string z;
  for (const auto& x : zones)
    if (!x.empty()) z += (z.empty() ? "" : ",") + dot_escape(x);
  if (!z.empty()) l << "\\n" << (zones.size() > 1 ? "zones " : "zone ") << z;
  return l.str();
}

using Graph = boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS, std::uint32_t, std::size_t>;

// Runs `argv` (argv[0] looked up on PATH by posix_spawnp); returns its exit status or -1.
int run(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = 0;
  if (posix_spawnp(&pid, argv[0], nullptr, nullptr, argv.data(), environ) != 0) return -1;
  int status = 0;
  if (waitpid(pid, &status, 0) < 0) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

static std::string topology_dot(const Topology& t, const std::string& name) {
  // Engine sections ("$faults") are not drawn: they are not part of the architecture.
  Graph g;
  std::vector<Graph::vertex_descriptor> vertex(t.nodes.size(), Graph::null_vertex());
  for (std::uint32_t i = 0; i < t.nodes.size(); ++i)
    if (!t.nodes[i].hidden) vertex[i] = boost::add_vertex(i, g);
  for (std::size_t e = 0; e < t.edges.size(); ++e) {
    const auto &a = vertex[t.edges[e].from], &b = vertex[t.edges[e].to];
    if (a != Graph::null_vertex() && b != Graph::null_vertex()) boost::add_edge(a, b, e, g);
  }

  auto vertex_writer = [&](std::ostream& out, Graph::vertex_descriptor v) {
    const auto& n = t.nodes[g[v]];
    const Look look = look_of(n.type);
    const bool redundant = n.occupied_zones().size() > 1;
    const bool multi = n.desc.kind == Description::Kind::Server && n.desc.replicas > 1;
    out << "[label=\"" << label_of(n) << "\", shape=" << (multi && std::string(look.shape) == "box" ? "box3d" : look.shape)
        << ", style=\"filled" << (redundant ? ",bold" : "") << "\", fillcolor=\"" << look.fill << "\"]";
  };
  auto edge_writer = [&](std::ostream& out, Graph::edge_descriptor e) {
    const auto& ed = t.edges[g[e]];
    switch (ed.kind) {
      case RefKind::SyncCall: out << "[style=solid"; break;
      case RefKind::AsyncSend: out << "[style=dashed, label=\"async\""; break;
      case RefKind::AsyncCall: out << "[style=dashed, label=\"delivers\""; break;
      case RefKind::Control: out << "[style=dotted, arrowhead=odot, color=\"#7c3aed\", label=\"controls\""; break;
    }
    out << "]";
  };
  auto graph_writer = [&](std::ostream& out) {
    out << "label=\"" << dot_escape(name) << "\";\nlabelloc=t;\nfontname=\"Helvetica\";\nrankdir=LR;\n"
        << "node [fontname=\"Helvetica\", fontsize=11];\nedge [fontname=\"Helvetica\", fontsize=9];\n";
  };
  std::ostringstream dot;
  boost::write_graphviz(dot, g, vertex_writer, edge_writer, graph_writer);
  return dot.str();
}

int graph_command(const GraphOptions& o, const Registry& registry) {
  std::optional<Topology> topo = Topology::load(o.scenario, o.sets, registry);
  if (!topo) return 2;
  const std::string& name = topo->scenario_name;
  const std::string dot = topology_dot(*topo, name);
  if (o.output.empty() || o.output == "-") {
    std::cout << dot;
    return 0;
  }
  const fs::path out(o.output);
  const std::string ext = out.extension().string();
  if (ext != ".svg" && ext != ".png" && ext != ".dot" && ext != ".gv") {
    std::cerr << "archsim: graph: " << o.output << ": the name must end in .svg, .png or .dot\n";
    return 2;
  }
  if (out.has_parent_path()) {
    std::error_code ec;
    fs::create_directories(out.parent_path(), ec);
  }
  if (ext == ".dot" || ext == ".gv") {
    std::ofstream f(out);
    f << dot;
    if (!f) {
      std::cerr << "archsim: graph: cannot write " << o.output << "\n";
      return 1;
    }
    std::cout << "wrote " << o.output << "\n";
    return 0;
  }
  if (!reports::find_on_path("dot")) {
    std::cerr << "archsim: graph: drawing " << ext.substr(1) << " needs graphviz's `dot`, which is not on PATH.\n"
              << "  Install it (Debian/Ubuntu: apt-get install graphviz), or write DOT and render it elsewhere:\n"
              << "  archsim graph " << o.scenario << " -o " << out.stem().string() << ".dot\n";
    return 1;
  }
  const fs::path tmp = out.string() + ".tmp.dot";
  std::ofstream(tmp) << dot;
  const int status = run({"dot", "-T" + ext.substr(1), "-o", out.string(), tmp.string()});
  std::error_code ec;
  fs::remove(tmp, ec);
  if (status != 0) {
    std::cerr << "archsim: graph: dot failed (exit " << status << ") drawing " << o.output << "\n";
    return 1;
  }
  std::cout << "wrote " << o.output << "\n";
  return 0;
}

}  // namespace archsim::cli
