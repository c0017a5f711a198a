// archsim analyze: closed-loop clients by mean value analysis (analyze_network.h).
//
// The closed-loop clients, a class each (their routes, populations and think times may
// differ): their throughputs at the peak populations by multi-class mean value analysis.
// Each server is a station whose demand per class is its own work per request of that
// class, with replicas x concurrency servers (Seidmann); links, balancers and every other
// no-queue time form one delay station per class (its no-load response minus its work).
// Open clients at their peak rates take their utilization of each station first: the
// closed classes see a station's queueing demand stretched by 1 / (1 - U_open), as in a
// mixed network (Lazowska et al. ch. 7). Then no worker pool may hold more than its
// capacity: a service's workers stay held while it waits downstream, so the classes'
// throughputs are scaled down together until sum X_c hold_c <= workers at every pool.
#include <algorithm>
#include <cmath>
#include <limits>

#include "tools/analysis/queueing.h"
#include "tools/cli/analyze_network.h"

namespace archsim::cli {

namespace {
using Kind = Description::Kind;
}  // namespace

bool closed_source(const Description& d) {
  return d.kind == Kind::Source && d.peak_rate_rps <= 0 && d.peak_users > 0;
}

ClosedLoop closed_loop(const Topology& t) {
  ClosedLoop cl;
  const std::size_t nodes = t.nodes.size();
  cl.rate.assign(nodes, 0.0);
  cl.client_response_s.assign(nodes, 0.0);
  std::vector<std::uint32_t> clients;
  std::vector<double> open_rates(nodes, 0.0);
  for (std::uint32_t i = 0; i < nodes; ++i) {
    const Description& d = t.nodes[i].desc;
    if (closed_source(d)) {
      clients.push_back(i);
      cl.users += d.peak_users;
    } else if (d.kind == Kind::Source && d.peak_rate_rps > 0) {
      open_rates[i] = d.peak_rate_rps;
      cl.mixed = true;
    }
  }
  if (clients.empty()) return cl;
  cl.any = true;
  cl.classes = clients.size();
  // The open clients' utilization of every station (demand only, no waits).
  std::vector<double> open_u(nodes, 0.0);
  if (cl.mixed) {
    Analyzer open(t, false);
    open.solve(open_rates);
    for (std::uint32_t i = 0; i < nodes; ++i)
      if (t.nodes[i].desc.kind == Kind::Server) open_u[i] = open.estimate(i).utilization;
  }
  // Per class: one request per second of that client alone gives its visits and demands.
  std::vector<Analyzer> per_class;
  per_class.reserve(clients.size());
  std::vector<double> no_load(clients.size(), 0.0), work(clients.size(), 0.0);
  for (std::size_t c = 0; c < clients.size(); ++c) {
    std::vector<double> unit(nodes, 0.0);
    unit[clients[c]] = 1;
    per_class.emplace_back(t, false);
    per_class.back().solve(unit);
    no_load[c] = per_class.back().client_response(clients[c]);
  }
  std::vector<std::uint32_t> station_of, servers;  // component and servers of each station
  std::vector<double> workers_of;
  for (std::uint32_t i = 0; i < nodes; ++i) {
    if (t.nodes[i].desc.kind != Kind::Server) continue;
    bool used = false;
    for (const auto& a : per_class) used = used || a.estimate(i).lambda > 0;
    if (!used) continue;
    const double w = std::min<double>(std::numeric_limits<std::uint32_t>::max(),
                                      static_cast<double>(per_class[0].replicas(i)) * t.nodes[i].desc.concurrency);
    station_of.push_back(i);
    servers.push_back(static_cast<std::uint32_t>(w));
    workers_of.push_back(w);
  }
  const std::size_t m = station_of.size();
  servers.push_back(0);  // the delay station
  std::vector<analysis::MvaClass> classes(clients.size());
  std::vector<std::vector<double>> raw(clients.size(), std::vector<double>(m, 0.0));  // unstretched demands
  for (std::size_t c = 0; c < clients.size(); ++c) {
    classes[c].users = static_cast<std::uint64_t>(std::llround(t.nodes[clients[c]].desc.peak_users));
    classes[c].think_s = t.nodes[clients[c]].desc.think_mean_s;
    classes[c].demand_s.assign(m + 1, 0.0);
    for (std::size_t k = 0; k < m; ++k) {
      const auto& e = per_class[c].estimate(station_of[k]);
      const double d = e.lambda * e.work_s;
      raw[c][k] = d;
      work[c] += d;
      // Open work takes U_open of the station's capacity first: the closed classes' demand
      // there stretches by 1 / (1 - U_open) (an overloaded station admits none of it).
      const double u = open_u[station_of[k]];
      classes[c].demand_s[k] = u >= 1 ? 1e12 : d / (1 - u);
    }
    classes[c].demand_s[m] = std::max(0.0, no_load[c] - work[c]);
  }
  // Clients with the same think time and demands are one class (exactly: MVA of the merged
  // population), so that splitting users over identical clients costs nothing.
  std::vector<std::size_t> class_of(clients.size());
  std::vector<analysis::MvaClass> merged;
  for (std::size_t c = 0; c < clients.size(); ++c) {
    std::size_t g = 0;
    while (g < merged.size() && !(merged[g].think_s == classes[c].think_s && merged[g].demand_s == classes[c].demand_s)) ++g;
    if (g == merged.size()) {
      merged.push_back(classes[c]);
      merged.back().users = 0;
    }
    merged[g].users += classes[c].users;
    class_of[c] = g;
  }
  cl.classes = merged.size();
  const analysis::MultiMvaResult mr = analysis::mva_multiclass(servers, merged);
  analysis::MultiMvaResult r;
  for (std::size_t c = 0; c < clients.size(); ++c) {
    const std::size_t g = class_of[c];
    const double share = merged[g].users > 0 ? static_cast<double>(classes[c].users) / static_cast<double>(merged[g].users) : 0;
    r.throughput.push_back(mr.throughput[g] * share);
    r.response_s.push_back(mr.response_s[g]);
    r.residence_s.push_back(mr.residence_s[g]);
  }
  cl.exact = mr.exact;
  cl.throughput = 0;
  double users_response = 0;
  for (std::size_t c = 0; c < clients.size(); ++c) {
    cl.rate[clients[c]] = r.throughput[c];
    cl.client_response_s[clients[c]] = r.response_s[c];
    cl.throughput += r.throughput[c];
    cl.think_s += t.nodes[clients[c]].desc.peak_users / cl.users * classes[c].think_s;
    users_response += r.throughput[c] * r.response_s[c];
  }
  cl.response_s = cl.throughput > 0 ? users_response / cl.throughput : kInf;
  cl.wait_s.assign(nodes, std::numeric_limits<double>::quiet_NaN());
  for (std::size_t k = 0; k < m; ++k) {
    double visits = 0, waited = 0;
    for (std::size_t c = 0; c < clients.size(); ++c) {
      const double x = r.throughput[c];
      visits += x * per_class[c].estimate(station_of[k]).lambda;
      waited += x * std::max(0.0, r.residence_s[c][k] - raw[c][k]);
    }
    if (visits > 0) cl.wait_s[station_of[k]] = waited / visits;
  }
  // The held-worker bound, every class scaled by the same factor.
  double scale = 1;
  for (std::size_t k = 0; k < m; ++k) {
    double held = 0;
    for (std::size_t c = 0; c < clients.size(); ++c) {
      const auto& e = per_class[c].estimate(station_of[k]);
      held += r.throughput[c] * e.lambda * e.hold_s;
    }
    if (held > 0) scale = std::min(scale, workers_of[k] / held);
  }
  if (scale < 1) {
    cl.held_workers_bound = true;
    cl.throughput *= scale;
    for (double& x : cl.rate) x *= scale;
    cl.response_s = cl.users / cl.throughput - cl.think_s;
    for (std::uint32_t i : clients)
      if (cl.rate[i] > 0) cl.client_response_s[i] = t.nodes[i].desc.peak_users / cl.rate[i] - t.nodes[i].desc.think_mean_s;
    cl.wait_s.assign(nodes, std::numeric_limits<double>::quiet_NaN());
  }
  return cl;
}

}  // namespace archsim::cli
