// archsim analyze: what can be said of a scenario without simulating it.
//
// 1. Single points of failure. The failure considered is the loss of one component as a
//    whole — every instance it has, as a zone outage, a bad deploy or a wrong config takes
//    down a service whose instances share one zone — except that a component whose
//    instances occupy two or more zones ("zones": ["a","b"] with replicas >= 2) is
//    counted as redundant: losing one zone leaves it serving. So a service with 4 replicas
//    in one zone IS a single point of failure (it survives an instance crash, not a zone
//    outage), and a single-replica service is one whether or not it is a cut vertex.
//    The verdict comes from a direct check per component: remove it, then ask for every
//    client route whether the request can still be served — a service needs each of its
//    call steps answered (a parallel block: wait_for of its calls), a balancer needs one
//    target, a component that does not describe itself needs all its synchronous callees.
//    Articulation points of the undirected call graph (boost::articulation_points) are
//    reported beside it: the graph-theoretic cut vertices, which the direct check refines
//    (it knows about zones and about which calls a route makes).
//
// 2. An analytic estimate at the peak offered load, as an open queueing network (Jackson):
//    the traffic equations lambda = gamma + P^T lambda over (component, route) states are
//    solved with Eigen; gamma is each client's peak rate split by its route weights; P
//    holds the visit ratios of the routes' call steps and of the balancers' weights. A
//    service worker is held for the whole request, downstream calls included (as the
//    engine models a blocking thread pool), so the holding time of a route is its mean
//    work plus, per call step, the round trip over the link and the callee's response
//    time. Per service: utilization rho = lambda x E[hold] / (replicas x concurrency);
//    the wait in queue of one instance as M/M/c (Erlang C, c = concurrency, lambda /
//    replicas), the bottleneck (highest rho), and the offered load at which it saturates,
//    total peak rate / rho (first order: holding times are taken at the peak load).
//    Simplifications: exponential service assumed (M/M/c, whatever the distribution);
//    a parallel block lasts its wait_for-th fastest mean; balancers split by weight
//    whatever their algorithm; closed-loop clients count as N / (think + response at no
//    load) requests/s; timeouts, retries, faults and autoscaling are ignored.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <iostream>
#include <optional>
#include <limits>
#include <map>
#include <set>

#include <Eigen/Dense>
#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/biconnected_components.hpp>

#include "sim/errors.h"
#include "tools/cli/commands.h"
#include "tools/cli/report_command.h"
#include "tools/cli/topology.h"

namespace archsim::cli {

namespace {

using Kind = Description::Kind;
constexpr double kInf = std::numeric_limits<double>::infinity();

const Description::Program* program_for(const Description& d, std::uint32_t route) {
  const Description::Program* any = nullptr;
  for (const auto& p : d.programs) {
    if (!p.any_route && p.route == route) return &p;
    if (p.any_route) any = &p;
  }
  return any;
}

// Erlang C: probability that an arrival waits in an M/M/c queue with offered load a
// (erlangs), through the numerically stable Erlang B recursion.
double erlang_c(std::uint32_t c, double a) {
  if (a >= c) return 1.0;
  double b = 1.0;
  for (std::uint32_t k = 1; k <= c; ++k) b = a * b / (k + a * b);
  const double rho = a / c;
  return b / (1.0 - rho * (1.0 - b));
}

struct ComponentEstimate {
  double lambda = 0;        // arrivals per second
  double hold_s = 0;        // mean worker holding time
  double work_s = 0;        // mean CPU work per request
  double utilization = 0;   // held workers / capacity
  double cpu_utilization = 0;
  double wait_s = 0;        // mean wait in queue (inf when overloaded)
  double response_s = 0;    // wait + hold, averaged over routes
  bool has_capacity = false;
};

class Analyzer {
 public:
  // With `queueing` false every wait is zero: holding times are pure demand, which is what
  // decides the bottleneck and the load at which it saturates (asymptotic bound analysis).
  Analyzer(const Topology& t, bool queueing) : t_(t), queueing_(queueing) {
    routes_ = 1;
    for (const auto& n : t.nodes) {
      for (const auto& r : n.desc.routes) routes_ = std::max(routes_, r.route + 1);
      for (const auto& p : n.desc.programs) {
        routes_ = std::max(routes_, p.route + 1);
        for (const auto& g : p.groups)
          for (const auto& c : g.calls) routes_ = std::max(routes_, c.route + 1);
      }
    }
  }

  std::uint32_t state(std::uint32_t comp, std::uint32_t route) const { return comp * routes_ + route; }

  // ---------------------------------------------------------------- traffic

  void solve(double closed_scale_hint) {
    const std::size_t n = t_.nodes.size() * routes_;
    Eigen::MatrixXd P = Eigen::MatrixXd::Zero(static_cast<Eigen::Index>(n), static_cast<Eigen::Index>(n));
    Eigen::VectorXd gamma = Eigen::VectorXd::Zero(static_cast<Eigen::Index>(n));
    offered_ = 0;
    for (std::uint32_t i = 0; i < t_.nodes.size(); ++i) {
      const Description& d = t_.nodes[i].desc;
      if (d.kind == Kind::Source) {
        double rate = d.peak_rate_rps;
        if (rate <= 0 && d.peak_users > 0) rate = d.peak_users / std::max(d.think_mean_s + closed_scale_hint, 1e-9);
        offered_ += rate;
        double total = 0;
        for (const auto& r : d.routes) total += r.weight;
        const std::uint32_t to = t_.ref_target[d.target];
        for (const auto& r : d.routes)
          if (total > 0) gamma[state(to, r.route)] += rate * r.weight / total;
      } else if (d.kind == Kind::Forwarder) {
        double total = 0;
        for (const auto& tg : d.targets) total += tg.weight;
        for (std::uint32_t r = 0; r < routes_; ++r)
          for (const auto& tg : d.targets) P(state(i, r), state(t_.ref_target[tg.ref], r)) += tg.weight / total;
      } else if (d.kind == Kind::Server) {
        for (std::uint32_t r = 0; r < routes_; ++r) {
          const auto* prog = program_for(d, r);
          if (!prog) continue;
          for (const auto& g : prog->groups)
            for (const auto& c : g.calls)
              P(state(i, r), state(t_.ref_target[c.ref], c.same_route ? r : c.route)) += 1.0;
        }
      }
    }
    const Eigen::MatrixXd A = Eigen::MatrixXd::Identity(static_cast<Eigen::Index>(n), static_cast<Eigen::Index>(n)) - P.transpose();
    lambda_ = A.fullPivLu().solve(gamma);
    est_.assign(t_.nodes.size(), {});
    done_.assign(t_.nodes.size(), 0);
    hold_.assign(n, 0);
    resp_.assign(n, 0);
    for (std::uint32_t i = 0; i < t_.nodes.size(); ++i) compute(i);
  }

  double lambda(std::uint32_t comp, std::uint32_t route) const { return std::max(0.0, lambda_[state(comp, route)]); }
  double offered() const { return offered_; }
  const ComponentEstimate& estimate(std::uint32_t i) const { return est_[i]; }
  // Mean end-to-end response of a client's requests (link both ways + target), in seconds.
  double client_response(std::uint32_t i) const {
    const Description& d = t_.nodes[i].desc;
    double total = 0, sum = 0;
    for (const auto& r : d.routes) total += r.weight;
    const std::uint32_t to = t_.ref_target[d.target];
    for (const auto& r : d.routes)
      sum += r.weight / total * (2 * t_.ref_latency_s[d.target] + resp_[state(to, r.route)]);
    return sum;
  }

 private:
  // Response time of a call to `comp` on `route`; computes `comp` first (calls form a DAG).
  double response(std::uint32_t comp, std::uint32_t route) {
    compute(comp);
    return resp_[state(comp, route)];
  }

  void compute(std::uint32_t i) {
    if (done_[i]) return;
    done_[i] = 1;  // synchronous cycles are rejected when the scenario is built
    const Description& d = t_.nodes[i].desc;
    ComponentEstimate& e = est_[i];
    for (std::uint32_t r = 0; r < routes_; ++r) e.lambda += lambda(i, r);
    if (d.kind == Kind::Forwarder) {
      double total = 0;
      for (const auto& tg : d.targets) total += tg.weight;
      for (std::uint32_t r = 0; r < routes_; ++r) {
        double sum = d.latency_s;
        for (const auto& tg : d.targets)
          sum += tg.weight / total * (2 * t_.ref_latency_s[tg.ref] + response(t_.ref_target[tg.ref], r));
        resp_[state(i, r)] = sum;
      }
      if (d.max_rps > 0) {
        e.has_capacity = true;
        e.utilization = e.lambda / d.max_rps;
      }
      e.response_s = weighted(i, resp_);
      return;
    }
    if (d.kind != Kind::Server) return;
    double work_sum = 0;
    for (std::uint32_t r = 0; r < routes_; ++r) {
      const auto* prog = program_for(d, r);
      if (!prog) continue;
      double h = prog->work_s;
      for (const auto& g : prog->groups) {
        std::vector<double> times;
        for (const auto& c : g.calls) {
          const double t = 2 * t_.ref_latency_s[c.ref] + response(t_.ref_target[c.ref], c.same_route ? r : c.route);
          times.push_back(c.timeout_s > 0 ? std::min(t, c.timeout_s) : t);  // the caller stops waiting
        }
        std::sort(times.begin(), times.end());
        const std::size_t k = std::clamp<std::size_t>(g.wait_for, 1, times.size());
        h += times[k - 1];
      }
      hold_[state(i, r)] = h;
      work_sum += lambda(i, r) * prog->work_s;
    }
    e.has_capacity = true;
    e.hold_s = weighted(i, hold_);
    e.work_s = e.lambda > 0 ? work_sum / e.lambda : 0;
    const double capacity = static_cast<double>(d.replicas) * d.concurrency;
    if (capacity <= 0) {
      e.utilization = e.lambda > 0 ? kInf : 0;
      e.wait_s = e.lambda > 0 ? kInf : 0;
    } else {
      e.utilization = e.lambda * e.hold_s / capacity;
      e.cpu_utilization = work_sum / capacity;
      const double a = e.lambda / d.replicas * e.hold_s;  // erlangs offered to one instance
      e.wait_s = e.utilization >= 1 ? kInf : (a > 0 ? erlang_c(d.concurrency, a) * e.hold_s / (d.concurrency - a) : 0);
      if (!queueing_) e.wait_s = 0;
    }
    for (std::uint32_t r = 0; r < routes_; ++r) resp_[state(i, r)] = e.wait_s + hold_[state(i, r)];
    e.response_s = e.wait_s + e.hold_s;
  }

  double weighted(std::uint32_t i, const std::vector<double>& per_route) const {
    double lam = 0, sum = 0;
    for (std::uint32_t r = 0; r < routes_; ++r) {
      if (lambda(i, r) <= 0) continue;  // an unused route may have an infinite time
      lam += lambda(i, r);
      sum += lambda(i, r) * per_route[state(i, r)];
    }
    return lam > 0 ? sum / lam : 0;
  }

  const Topology& t_;
  bool queueing_ = true;
  std::uint32_t routes_ = 1;
  Eigen::VectorXd lambda_;
  double offered_ = 0;
  std::vector<ComponentEstimate> est_;
  std::vector<char> done_;
  std::vector<double> hold_, resp_;
};

// ---------------------------------------------------------------- failures

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
  bool eval(std::uint32_t comp, std::uint32_t route) {
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
        std::uint32_t up = 0;
        for (const auto& c : prog->groups[g].calls)
          up += eval(t_.ref_target[c.ref], c.same_route ? route : c.route) ? 1 : 0;
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

  const Topology& t_;
  long removed_ = -1;
  std::map<std::pair<std::uint32_t, std::uint32_t>, bool> memo_;
};

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

std::string fmt(double v, int prec = 1) {
  if (std::isinf(v)) return "inf";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", prec, v);
  return buf;
}

nlohmann::ordered_json num_or_null(double v) {
  if (!std::isfinite(v)) return nullptr;
  return std::round(v * 1e6) / 1e6;
}

std::string tolerance(const Topology::Node& n) {
  const auto zones = n.occupied_zones();
  if (zones.size() > 1) {
    std::string z;
    for (const auto& x : zones) z += (z.empty() ? "" : ",") + x;
    return "redundant (zones " + z + ")";
  }
  if (n.desc.kind == Kind::Server && n.desc.replicas >= 2) return "instances in one zone";
  if (n.desc.kind == Kind::Server) return "single instance";
  return "single component";
}

}  // namespace

int analyze_command(const AnalyzeOptions& o, const Registry& registry) {
  std::optional<Topology> topo = Topology::load(o.scenario, o.sets, registry);
  if (!topo) return 2;
  const std::string& name = topo->scenario_name;
  const Topology& t = *topo;

  // ---- single points of failure
  Reachability reach(t);
  struct ClientRoute {
    std::uint32_t client, route;
  };
  std::vector<ClientRoute> served, unserved;
  for (std::uint32_t i = 0; i < t.nodes.size(); ++i) {
    const Description& d = t.nodes[i].desc;
    if (d.kind != Kind::Source) continue;
    for (const auto& r : d.routes)
      (reach.serves(t.ref_target[d.target], r.route, -1) ? served : unserved).push_back({i, r.route});
  }
  std::vector<std::string> spofs;
  std::map<std::string, std::set<std::string>> cut_off;  // spof -> clients it cuts off
  for (std::uint32_t x = 0; x < t.nodes.size(); ++x) {
    const auto& n = t.nodes[x];
    if (n.hidden || n.desc.kind == Kind::Source || n.occupied_zones().size() > 1) continue;
    for (const auto& cr : served) {
      const Description& d = t.nodes[cr.client].desc;
      if (!reach.serves(t.ref_target[d.target], cr.route, x)) cut_off[n.id].insert(t.nodes[cr.client].id);
    }
    if (cut_off.count(n.id)) spofs.push_back(n.id);
  }
  std::vector<std::string> cut_vertices;
  for (std::uint32_t v : articulation_points(t))
    if (t.nodes[v].desc.kind != Kind::Source && !t.nodes[v].hidden) cut_vertices.push_back(t.nodes[v].id);

  // ---- analytic estimate at peak load
  Analyzer an(t, true), demand(t, false);
  demand.solve(0);
  // Closed-loop clients: N / (think + response at no load), the rate a closed population
  // approaches from above (an optimistic bound; mean value analysis would be exact).
  bool closed = false;
  double no_load = 0;
  for (std::uint32_t i = 0; i < t.nodes.size(); ++i)
    if (t.nodes[i].desc.kind == Kind::Source && t.nodes[i].desc.peak_rate_rps <= 0 && t.nodes[i].desc.peak_users > 0) {
      closed = true;
      no_load = std::max(no_load, demand.client_response(i));
    }
  an.solve(no_load);
  if (closed) demand.solve(no_load);

  // The bottleneck is the component with the highest demand (utilization without queueing
  // waits): it saturates first as the load grows, and the waits it causes upstream follow.
  // It saturates when the client rates are scaled by 1 / demand utilization.
  std::string bottleneck;
  double worst = -1;
  auto saturation = [&](std::uint32_t i) {
    const double u0 = demand.estimate(i).utilization;
    return u0 > 0 ? demand.offered() / u0 : kInf;
  };
  for (std::uint32_t i = 0; i < t.nodes.size(); ++i) {
    const auto& e = demand.estimate(i);
    if (!t.nodes[i].hidden && e.has_capacity && e.utilization > worst) {
      worst = e.utilization;
      bottleneck = t.nodes[i].id;
    }
  }

  nlohmann::ordered_json out;
  out["scenario"] = name;
  out["spofs"] = spofs;
  out["bottleneck"] = bottleneck.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(bottleneck);
  out["offered_rps"] = num_or_null(an.offered());
  out["components"] = nlohmann::ordered_json::object();
  for (std::uint32_t i = 0; i < t.nodes.size(); ++i) {
    const auto& n = t.nodes[i];
    if (n.hidden || n.desc.kind == Kind::Source) continue;
    const auto& e = an.estimate(i);
    nlohmann::ordered_json c;
    c["type"] = n.type;
    c["utilization"] = e.has_capacity ? num_or_null(e.utilization) : nullptr;
    c["saturation_rps"] = e.has_capacity ? num_or_null(saturation(i)) : nullptr;
    c["wait_ms"] = e.has_capacity ? num_or_null(e.wait_s * 1e3) : nullptr;
    c["arrival_rps"] = num_or_null(e.lambda);
    c["cpu_utilization"] = e.has_capacity ? num_or_null(e.cpu_utilization) : nullptr;
    c["hold_ms"] = num_or_null(e.hold_s * 1e3);
    c["response_ms"] = num_or_null(e.response_s * 1e3);
    if (n.desc.kind == Kind::Server) {
      c["replicas"] = n.desc.replicas;
      c["concurrency"] = n.desc.concurrency;
    }
    c["failure_tolerance"] = tolerance(n);
    if (cut_off.count(n.id)) c["loss_cuts_off"] = cut_off[n.id];
    out["components"][n.id] = c;
  }
  out["articulation_points"] = cut_vertices;
  nlohmann::ordered_json unserved_json = nlohmann::ordered_json::array();
  for (const auto& cr : unserved) unserved_json.push_back(t.nodes[cr.client].id);
  if (!unserved.empty()) out["clients_with_unserved_routes"] = unserved_json;

  if (o.json) {
    std::cout << out.dump(2) << "\n";
    return 0;
  }

  std::printf("%s: analysis without simulation (peak offered load %s req/s)\n\n", name.c_str(), fmt(an.offered()).c_str());
  std::printf("%-18s %-10s %9s %9s %8s %8s %9s %11s %12s  %s\n", "component", "type", "arrive/s", "hold ms", "util %",
              "cpu %", "wait ms", "resp ms", "saturates at", "failure tolerance");
  for (std::uint32_t i = 0; i < t.nodes.size(); ++i) {
    const auto& n = t.nodes[i];
    if (n.hidden || n.desc.kind == Kind::Source) continue;
    const auto& e = an.estimate(i);
    const std::string sat = e.has_capacity && std::isfinite(saturation(i)) ? fmt(saturation(i)) + " rps" : "-";
    std::printf("%-18s %-10s %9s %9s %8s %8s %9s %11s %12s  %s%s\n", n.id.c_str(), n.type.c_str(), fmt(e.lambda).c_str(),
                e.has_capacity ? fmt(e.hold_s * 1e3, 2).c_str() : "-",
                e.has_capacity ? fmt(e.utilization * 100).c_str() : "-",
                e.has_capacity ? fmt(e.cpu_utilization * 100).c_str() : "-",
                e.has_capacity ? fmt(e.wait_s * 1e3, 3).c_str() : "-", fmt(e.response_s * 1e3, 2).c_str(), sat.c_str(),
                tolerance(n).c_str(), cut_off.count(n.id) ? "  <- SPOF" : "");
  }
  std::printf("\n");
  if (!bottleneck.empty()) {
    std::printf("bottleneck: %s, %s%% of its workers busy at peak without queueing", bottleneck.c_str(), fmt(worst * 100).c_str());
    if (worst >= 1) std::printf(" -- overloaded at peak: queues grow without bound (or fill and reject)\n");
    else std::printf("; the system saturates near %s req/s (%.2fx the peak)\n", fmt(an.offered() / worst).c_str(), 1 / worst);
  }
  if (spofs.empty()) {
    std::printf("single points of failure: none (no single component loss cuts a client route)\n");
  } else {
    std::printf("single points of failure:\n");
    for (const auto& s : spofs) {
      std::string who;
      for (const auto& c : cut_off[s]) who += (who.empty() ? "" : ", ") + c;
      std::printf("  %-16s its loss cuts off %s\n", s.c_str(), who.c_str());
    }
  }
  std::string cuts;
  for (const auto& c : cut_vertices) cuts += (cuts.empty() ? "" : ", ") + c;
  std::printf("articulation points of the call graph: %s\n", cuts.empty() ? "none" : cuts.c_str());
  for (const auto& cr : unserved)
    std::printf("warning: client %s has a route no component serves (route index %u)\n", t.nodes[cr.client].id.c_str(), cr.route);
  std::printf("\n(util: workers held, downstream waits included, as the simulation's utilization; cpu: work only.\n"
              " wait: M/M/c queueing per instance (Erlang C). A component is redundant when its instances span two\n"
              " or more zones; otherwise its loss -- a zone outage, a bad deploy -- takes all its instances.)\n");
  return 0;
}

}  // namespace archsim::cli
