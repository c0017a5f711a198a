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
//    solved with Eigen's sparse LU; gamma is each client's peak rate split by its route
//    weights; P holds the visit ratios of the routes' call steps and of the balancers'
//    weights (over the targets a route is sent to, where a balancer has per-route lists).
//    A route's steps count as often as they run (analyze_flow.cpp): a choice splits by its
//    weights, a repeat of probability p runs its body 1 / (1 - p) times, and a branch on a
//    cache's reply goes into on_miss at the cache's miss ratio, which comes from its size,
//    eviction and TTL and the keys the clients send (Che's approximation for LRU, the
//    FIFO/random and LFU ones, the TTL renewal formula: tools/analysis/cache_model.h); a
//    read-through cache reads its backend on a miss. With blocking io a service worker is
//    held for the whole request, downstream calls included (as the engine models a
//    blocking thread pool), so the holding time of a route is its work plus, per call,
//    the round trip over the link and the callee's response time; with io async it is held
//    for the work only, taken again after each call, and the calls add to the response
//    only. A caller's connection pool is an M/M/c queue of its size per instance (Erlang
//    C's wait added to each pooled call). Capacity is the initial replicas, or an
//    autoscaler's max_replicas where one scales the service.
//    Per instance (its share of the arrivals, `concurrency` workers, its accept queue) the
//    wait comes from the formula that fits (tools/analysis/queueing.h): Erlang B with no
//    queue, M/M/c/K with a finite one, Pollaczek-Khinchine for one worker and Allen-Cunneen
//    for several with an unbounded one, each with the holding time's squared coefficient of
//    variation (the work's own, calls taken as exponential). The bottleneck is the highest
//    demand utilization and the offered load at which it saturates is total peak rate /
//    that utilization (first order: holding times are taken at the peak load).
//    Closed-loop clients run at the throughputs mean value analysis gives their peak
//    populations (a class per client whose routes or think time differ, exact while the
//    population vectors are few, Bard-Schweitzer above; servers as Seidmann's multi-server
//    stations; open clients' utilization taken first, as in a mixed network; bounded by the
//    worker pools held during downstream calls); see closed_loop().
//    A queue forwards what it receives (one-way publishes included: traffic, no wait for the
//    producer) to its consumer group; its members are its servers (compute_broker()).
//    Simplifications: a parallel block lasts its wait_for-th fastest mean; balancers split
//    by weight whatever their algorithm; the open clients' waits do not see the closed
//    ones' queues (only their rates); timeouts, retries and faults are ignored; an autoscaled service is taken at
//    its max, not at the replicas its target utilization would run.
//
// Files: this one (the command, its table and JSON), analyze_network.{h,cpp} (the traffic
// and the stations), analyze_flow.cpp (routes' steps, caches, connection pools),
// analyze_closed_loop.cpp (MVA), analyze_failures.{h,cpp} (single points of failure).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <map>
#include <optional>
#include <set>

#include "scenario/errors.h"
#include "sim/text_list.h"
#include "tools/cli/analysis.h"
#include "tools/cli/analyze_failures.h"
#include "tools/cli/analyze_network.h"
#include "tools/cli/commands.h"
#include "tools/cli/report_command.h"
#include "tools/cli/topology.h"

namespace archsim::cli {

namespace {

using Kind = Description::Kind;

// printf into a string (the table is returned, not printed: run writes it beside its output).
// Text without arguments is appended as it is (no format string to read).
inline void appendf(std::string& out, const char* text) { out += text; }
template <class... A>
void appendf(std::string& out, const char* format, A... args) {
  const int n = std::snprintf(nullptr, 0, format, args...);
  if (n <= 0) return;
  std::string buf(static_cast<std::size_t>(n) + 1, '\0');
  std::snprintf(buf.data(), buf.size(), format, args...);
  buf.resize(static_cast<std::size_t>(n));
  out += buf;
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
  if (n.desc.in_process) return "inside its callers";
  const auto zones = n.occupied_zones();
  if (zones.size() > 1) {
    const std::string z = join_items(zones, ",");
    return "redundant (zones " + z + ")";
  }
  if (n.desc.quorum > 1)
    return "majority of " + std::to_string(n.desc.replicas) + " (tolerates " +
           std::to_string(n.desc.replicas - n.desc.quorum) + " down), in one zone";
  if (n.desc.kind == Kind::Server && n.desc.replicas >= 2) return "instances in one zone";
  if (n.desc.kind == Kind::Server) return "single instance";
  return "single component";
}

}  // namespace

Analysis analyze_topology(const Topology& t) {
  const std::string& name = t.scenario_name;
  Analysis result;
  std::string& text = result.text;

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
    if (n.hidden || n.desc.kind == Kind::Source || n.desc.in_process || n.occupied_zones().size() > 1) continue;
    for (const auto& cr : served) {
      const Description& d = t.nodes[cr.client].desc;
      if (!reach.serves(t.ref_target[d.target], cr.route, x)) cut_off[n.id].insert(t.nodes[cr.client].id);
    }
    if (cut_off.count(n.id)) spofs.push_back(n.id);
  }
  std::vector<std::string> cut_vertices;
  for (std::uint32_t v : articulation_points(t))
    if (t.nodes[v].desc.kind != Kind::Source && !t.nodes[v].hidden) cut_vertices.push_back(t.nodes[v].id);

  // ---- analytic estimate at peak load: open clients at their peak rate, closed-loop
  // clients at the throughput mean value analysis gives their peak population.
  const ClosedLoop loop = closed_loop(t);
  std::vector<double> rates(t.nodes.size(), 0.0);
  for (std::uint32_t i = 0; i < t.nodes.size(); ++i) {
    const Description& d = t.nodes[i].desc;
    if (d.kind != Kind::Source) continue;
    rates[i] = closed_source(d) ? loop.rate[i] : d.peak_rate_rps;
  }
  bool all_closed = loop.any;
  for (const auto& n : t.nodes)
    if (n.desc.kind == Kind::Source && !closed_source(n.desc)) all_closed = false;
  Analyzer an(t, true), demand(t, false);
  if (all_closed) an.use_waits(loop.wait_s);
  an.solve(rates);
  demand.solve(rates);

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
    if (n.desc.kind == Kind::Broker && e.has_capacity) {
      c["consumers"] = e.members;
      c["busy_consumers"] = e.busy_members;
      if (n.desc.partitions > 0) c["partitions"] = n.desc.partitions;
      c["end_to_end_ms"] = num_or_null(e.end_to_end_s * 1e3);
      c["lag_grows_per_s"] = num_or_null(e.lag_growth);
      c["keeps_up"] = e.lag_growth <= 0 && e.utilization < 1;
    }
    if (n.desc.kind == Kind::Server) {
      c["replicas"] = e.replicas;
      if (an.autoscaled(i)) c["replicas_from"] = "autoscaler max_replicas";
      c["concurrency"] = n.desc.concurrency == Description::kUnlimited ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(n.desc.concurrency);
      c["blocking"] = num_or_null(e.blocking);
      if (n.desc.io_async) c["worker_acquisitions"] = num_or_null(e.acquisitions);
      if (e.pool_utilization >= 0) {
        c["pool_utilization"] = num_or_null(e.pool_utilization);
        c["pool_wait_ms"] = num_or_null(e.pool_wait_s * 1e3);
      }
    }
    if (e.hit_ratio >= 0) {
      c["hit_ratio"] = num_or_null(e.hit_ratio);
      c["hit_formula"] = e.hit_formula;
    }
    if (*e.formula) {
      c["formula"] = e.formula;
      c["validity"] = e.validity;
    }
    c["failure_tolerance"] = tolerance(n);
    if (cut_off.count(n.id)) c["loss_cuts_off"] = cut_off[n.id];
    out["components"][n.id] = c;
  }
  if (loop.any) {
    nlohmann::ordered_json cl;
    cl["users"] = num_or_null(loop.users);
    cl["think_s"] = num_or_null(loop.think_s);
    cl["throughput_rps"] = num_or_null(loop.throughput);
    cl["response_ms"] = num_or_null(loop.response_s * 1e3);
    cl["classes"] = loop.classes;
    nlohmann::ordered_json per_client = nlohmann::ordered_json::object();
    for (std::uint32_t i = 0; i < t.nodes.size(); ++i) {
      if (!closed_source(t.nodes[i].desc)) continue;
      nlohmann::ordered_json one;
      one["users"] = num_or_null(t.nodes[i].desc.peak_users);
      one["think_s"] = num_or_null(t.nodes[i].desc.think_mean_s);
      one["throughput_rps"] = num_or_null(loop.rate[i]);
      one["response_ms"] = num_or_null(loop.client_response_s[i] * 1e3);
      per_client[t.nodes[i].id] = one;
    }
    cl["clients"] = per_client;
    cl["formula"] = loop.held_workers_bound ? "worker-pool bound"
                    : loop.classes > 1      ? (loop.exact ? "multi-class MVA" : "multi-class MVA (Bard-Schweitzer)")
                                            : (loop.exact ? "MVA" : "MVA (Schweitzer)");
    std::string validity =
        loop.held_workers_bound
            ? "a worker pool held during downstream calls limits throughput before any CPU does"
            : std::string(loop.classes > 1 ? "a class per closed-loop client whose routes or think time differ"
                                           : "one class of users") +
                  "; multi-server stations by Seidmann's approximation" +
                  (loop.classes > 1 ? "; product form (processor sharing, or FCFS with equal service times)" : "");
    if (loop.mixed && !loop.held_workers_bound)
      validity += "; open clients take their utilization of each station first (mixed network)";
    cl["validity"] = validity;
    out["closed_loop"] = cl;
  }
  // Each open client's mean response (think time aside), as the clients' latency_ms.mean.
  nlohmann::ordered_json clients = nlohmann::ordered_json::object();
  for (std::uint32_t i = 0; i < t.nodes.size(); ++i) {
    const Description& d = t.nodes[i].desc;
    if (d.kind != Kind::Source || closed_source(d)) continue;
    clients[t.nodes[i].id]["rate_rps"] = num_or_null(d.peak_rate_rps);
    clients[t.nodes[i].id]["response_ms"] = num_or_null(an.client_response(i) * 1e3);
  }
  if (!clients.empty()) out["clients"] = clients;
  out["articulation_points"] = cut_vertices;
  nlohmann::ordered_json unserved_json = nlohmann::ordered_json::array();
  for (const auto& cr : unserved) unserved_json.push_back(t.nodes[cr.client].id);
  if (!unserved.empty()) out["clients_with_unserved_routes"] = unserved_json;

  result.json = out;

  appendf(text, "%s: analysis without simulation (peak offered load %s req/s)\n", name.c_str(), fmt(an.offered()).c_str());
  if (loop.any)
    appendf(text, "closed loop: %s users, think %s s -> %s req/s, %s ms in the system (%s)\n", fmt(loop.users, 0).c_str(),
                fmt(loop.think_s, 2).c_str(), fmt(loop.throughput).c_str(), fmt(loop.response_s * 1e3, 2).c_str(),
                loop.held_workers_bound ? "worker-pool bound"
                : loop.classes > 1      ? (loop.exact ? "exact multi-class MVA" : "Bard-Schweitzer multi-class MVA")
                : loop.exact            ? "exact MVA"
                                        : "Schweitzer's approximate MVA");
  if (loop.any && loop.classes > 1)
    for (std::uint32_t i = 0; i < t.nodes.size(); ++i)
      if (closed_source(t.nodes[i].desc))
        appendf(text, "  %s: %s users, think %s s -> %s req/s, %s ms in the system\n", t.nodes[i].id.c_str(),
                    fmt(t.nodes[i].desc.peak_users, 0).c_str(), fmt(t.nodes[i].desc.think_mean_s, 2).c_str(),
                    fmt(loop.rate[i]).c_str(), fmt(loop.client_response_s[i] * 1e3, 2).c_str());
  appendf(text, "\n%-18s %-10s %9s %9s %8s %8s %9s %7s %11s %12s  %-20s %s\n", "component", "type", "arrive/s", "hold ms",
              "util %", "cpu %", "wait ms", "block %", "resp ms", "saturates at", "formula", "failure tolerance");
  for (std::uint32_t i = 0; i < t.nodes.size(); ++i) {
    const auto& n = t.nodes[i];
    if (n.hidden || n.desc.kind == Kind::Source) continue;
    const auto& e = an.estimate(i);
    const std::string sat = e.has_capacity && std::isfinite(saturation(i)) ? fmt(saturation(i)) + " rps" : "-";
    appendf(text, "%-18s %-10s %9s %9s %8s %8s %9s %7s %11s %12s  %-20s %s%s\n", n.id.c_str(), n.type.c_str(),
                fmt(e.lambda).c_str(), e.has_capacity ? fmt(e.hold_s * 1e3, 2).c_str() : "-",
                e.has_capacity ? fmt(e.utilization * 100).c_str() : "-",
                e.has_capacity ? fmt(e.cpu_utilization * 100).c_str() : "-",
                e.has_capacity ? fmt(e.wait_s * 1e3, 3).c_str() : "-",
                n.desc.kind == Kind::Server ? fmt(e.blocking * 100, 2).c_str() : "-", fmt(e.response_s * 1e3, 2).c_str(),
                sat.c_str(), *e.formula ? e.formula : "-", tolerance(n).c_str(), cut_off.count(n.id) ? "  <- SPOF" : "");
  }
  appendf(text, "\n");
  for (std::uint32_t i = 0; i < t.nodes.size(); ++i) {
    const auto& n = t.nodes[i];
    const auto& e = an.estimate(i);
    if (n.hidden || n.desc.kind != Kind::Broker || !e.has_capacity) continue;
    std::string servers = n.desc.partitions > 0 ? std::to_string(n.desc.partitions) + " partitions over " +
                                                      std::to_string(e.members) + " consumers (" +
                                                      std::to_string(e.members - e.busy_members) + " idle)"
                                                : std::to_string(e.members) + " consumers x prefetch " +
                                                      std::to_string(n.desc.prefetch);
    appendf(text, "queue %s: %s, %s msg/s, busiest consumer %s%% busy", n.id.c_str(), servers.c_str(),
            fmt(e.lambda).c_str(), fmt(e.utilization * 100).c_str());
    if (e.utilization >= 1)
      appendf(text, " -- consumers cannot keep up: the lag grows by %s msg/s\n", fmt(e.lag_growth).c_str());
    else
      appendf(text, "; end to end %s ms (publish -> processed)\n", fmt(e.end_to_end_s * 1e3, 2).c_str());
  }
  for (std::uint32_t i = 0; i < t.nodes.size(); ++i) {
    const auto& n = t.nodes[i];
    const auto& e = an.estimate(i);
    if (n.hidden) continue;
    if (e.hit_ratio >= 0 && e.lambda > 0)
      appendf(text, "cache %s: hit ratio %s%% of its reads (%s)\n", n.id.c_str(), fmt(e.hit_ratio * 100).c_str(), e.hit_formula);
    if (e.pool_utilization >= 0)
      appendf(text, "pool of %s: %s%% of its connections busy, %s ms mean wait for one (Erlang C)\n", n.id.c_str(),
              fmt(e.pool_utilization * 100).c_str(), fmt(e.pool_wait_s * 1e3, 3).c_str());
  }
  if (!bottleneck.empty()) {
    appendf(text, "bottleneck: %s, %s%% of its workers busy at peak without queueing", bottleneck.c_str(), fmt(worst * 100).c_str());
    if (worst >= 1) appendf(text, " -- overloaded at peak: queues grow without bound (or fill and reject)\n");
    else appendf(text, "; the system saturates near %s req/s (%.2fx the peak)\n", fmt(an.offered() / worst).c_str(), 1 / worst);
  }
  if (spofs.empty()) {
    appendf(text, "single points of failure: none (no single component loss cuts a client route)\n");
  } else {
    appendf(text, "single points of failure:\n");
    for (const auto& s : spofs) {
      const std::string who = join_items(cut_off[s], ", ");
      appendf(text, "  %-16s its loss cuts off %s\n", s.c_str(), who.c_str());
    }
  }
  const std::string cuts = join_items(cut_vertices, ", ");
  appendf(text, "articulation points of the call graph: %s\n", cuts.empty() ? "none" : cuts.c_str());
  for (const auto& cr : unserved)
    appendf(text, "warning: client %s has a route no component serves (route index %u)\n", t.nodes[cr.client].id.c_str(), cr.route);
  appendf(text, "\n(util: workers held, downstream waits included, as the simulation's utilization; cpu: work only.\n"
              " wait and block: per instance, by the formula named: Erlang B (no queue, exact for any service time),\n"
              " M/M/c/K (finite queue, exponential service), Pollaczek-Khinchine (one worker, exact for any service\n"
              " time), Allen-Cunneen (several workers: exact for exponential service, approximate otherwise), with\n"
              " the holding time's variability. Capacity is an autoscaler's max_replicas where one scales the service.\n"
              " A component is redundant when its instances span two or more zones; otherwise its loss -- a zone\n"
              " outage, a bad deploy -- takes all its instances.)\n");
  return result;
}

int analyze_command(const AnalyzeOptions& o, const Registry& registry) {
  std::optional<Topology> topo = Topology::load(o.scenario, o.sets, registry);
  if (!topo) return 2;
  const Analysis a = analyze_topology(*topo);
  if (o.json) std::cout << a.json.dump(2) << "\n";
  else std::cout << a.text;
  return 0;
}

}  // namespace archsim::cli
