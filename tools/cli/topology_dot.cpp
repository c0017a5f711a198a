#include "tools/cli/topology_dot.h"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <vector>

// GCC's -Wmaybe-uninitialized misfires inside Boost's edge iterator (a boost::optional it
// fills before use); the warning is silenced for these headers only (clang has no such group).
#pragma GCC diagnostic push
#ifndef __clang__
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/graphviz.hpp>
#pragma GCC diagnostic pop

#include "sim/text_list.h"

namespace archsim::cli {

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
  if (d.kind == Description::Kind::Forwarder && !d.algorithm.empty()) l << "\\n" << dot_escape(d.algorithm);
  if (d.kind == Description::Kind::Source) {
    if (d.peak_rate_rps > 0) l << "\\npeak " << d.peak_rate_rps << " req/s";
    else if (d.peak_users > 0) l << "\\n" << d.peak_users << " users";
  }
  const auto zones = n.occupied_zones();
  std::string z;
  for (const auto& x : zones)
    if (!x.empty()) append_item(z, ",", dot_escape(x));
  if (!z.empty()) l << "\\n" << (zones.size() > 1 ? "zones " : "zone ") << z;
  return l.str();
}

using Graph = boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS, std::uint32_t, std::size_t>;

// "250 ms", "2 s", "1.5 min": a duration in the unit people write it in.
std::string duration_text(double s) {
  std::ostringstream o;
  o.precision(3);
  if (s < 1) o << s * 1000 << " ms";
  else if (s < 120) o << s << " s";
  else o << s / 60 << " min";
  return o.str();
}

void add_unique(std::vector<std::string>& lines, const std::string& line) {
  if (!line.empty() && std::find(lines.begin(), lines.end(), line) == lines.end()) lines.push_back(line);
}

// What the edge from `e.from` to `e.to` carries, one line per distinct call: its route, the
// caller's timeout and resilience policy (retry, breaker, bulkhead, ...), a balancer's weight;
// then the link's one-way latency. Read from the caller's self-description (scenario/describe.h).
std::string edge_label(const Topology& t, const Topology::Edge& e) {
  const Description& d = t.nodes[e.from].desc;
  auto to_here = [&](RefId ref) { return ref < t.ref_target.size() && t.ref_target[ref] == e.to; };
  auto route = [&](std::uint32_t r) { return r < t.route_names.size() ? t.route_names[r] : std::to_string(r); };
  std::vector<std::string> lines;
  if (d.kind == Description::Kind::Source && to_here(d.target)) {
    double total = 0;
    for (const auto& r : d.routes) total += r.weight;
    std::string mix;
    for (const auto& r : d.routes)
      if (total > 0 && d.routes.size() > 1)
        append_item(mix, ", ", route(r.route) + " " + std::to_string(static_cast<int>(std::lround(100 * r.weight / total))) + "%");
    add_unique(lines, mix);
    std::string call;
    if (d.target_timeout_s > 0) call = "timeout " + duration_text(d.target_timeout_s);
    if (!d.target_policy.empty()) append_item(call, ", ", d.target_policy);
    add_unique(lines, call);
  }
  for (const auto& prog : d.programs) {
    for (const auto& group : prog.groups) {
      for (const auto& c : group.calls) {
        if (!to_here(c.ref)) continue;
        std::string line;
        if (!c.same_route) line = "route " + route(c.route);
        else if (!prog.any_route) line = "on " + route(prog.route);
        if (group.calls.size() > 1) append_item(line, ", ", "parallel");
        if (c.one_way) append_item(line, ", ", "one-way");
        if (c.timeout_s > 0) append_item(line, ", ", std::string("timeout ") + duration_text(c.timeout_s));
        if (!c.policy.empty()) append_item(line, ", ", c.policy);
        add_unique(lines, line);
      }
    }
  }
  if (d.kind == Description::Kind::Forwarder) {
    bool weighted = false;
    for (const auto& tg : d.targets) weighted = weighted || tg.weight != d.targets.front().weight;
    for (const auto& tg : d.targets) {
      if (!weighted || !to_here(tg.ref)) continue;
      std::ostringstream w;
      w << "weight " << tg.weight;
      add_unique(lines, w.str());
    }
  }
  // The link: every reference of this caller to this callee crosses the same one.
  for (std::size_t r = 0; r < t.ref_target.size(); ++r) {
    if (t.ref_from[r] != e.from || t.ref_target[r] != e.to || t.ref_kind[r] != e.kind) continue;
    if (t.ref_latency_s[r] > 0) add_unique(lines, "link " + duration_text(t.ref_latency_s[r]));
    break;
  }
  if (lines.size() > 6) {  // a caller with many routes to one callee: the first few and a count
    const std::size_t more = lines.size() - 5;
    lines.resize(5);
    lines.push_back("+" + std::to_string(more) + " more");
  }
  std::string out;
  for (const auto& l : lines) append_item(out, "\\n", dot_escape(l));
  return out;
}

}  // namespace

std::string topology_dot(const Topology& t, const std::string& name) {
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
    const std::string what = edge_label(t, ed);
    auto with = [&](const char* kind) {
      return std::string(kind) + (what.empty() ? "" : std::string(*kind ? "\\n" : "") + what);
    };
    switch (ed.kind) {
      case RefKind::SyncCall: out << "[style=solid, label=\"" << with("") << "\""; break;
      case RefKind::AsyncSend: out << "[style=dashed, label=\"" << with("async") << "\""; break;
      case RefKind::AsyncCall: out << "[style=dashed, label=\"" << with("delivers") << "\""; break;
      case RefKind::Control: out << "[style=dotted, arrowhead=odot, color=\"#7c3aed\", label=\"" << with("controls") << "\""; break;
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

}  // namespace archsim::cli
