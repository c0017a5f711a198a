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
//    A service worker is held for the whole request, downstream calls included (as the
//    engine models a blocking thread pool), so the holding time of a route is its mean work
//    plus, per call step, the round trip over the link and the callee's response time.
//    Capacity is the initial replicas, or an autoscaler's max_replicas where one scales the
//    service.
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
#include <Eigen/SparseCore>
#include <Eigen/SparseLU>
#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/biconnected_components.hpp>

#include "sim/errors.h"
#include "sim/text_list.h"
#include "tools/analysis/queueing.h"
#include "tools/cli/analysis.h"
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

struct ComponentEstimate {
  double lambda = 0;        // arrivals per second
  double hold_s = 0;        // mean worker holding time
  double work_s = 0;        // mean CPU work per request
  double utilization = 0;   // held workers / capacity (carried load when some are turned away)
  double cpu_utilization = 0;
  double wait_s = 0;        // mean wait in queue (inf when overloaded)
  double blocking = 0;      // fraction turned away by a full queue (finite queue_capacity)
  double response_s = 0;    // wait + hold, averaged over routes
  // A queue's consumer group: members busy at once, end to end delay, lag growth.
  std::uint32_t members = 0, busy_members = 0;
  double end_to_end_s = 0;  // publish -> processed (inf: consumers cannot keep up)
  double lag_growth = 0;    // messages per second the lag grows by (0: it stays bounded)
  std::uint32_t replicas = 0;  // instances assumed: an autoscaler's max_replicas, else the initial
  bool has_capacity = false;
  const char* formula = "";
  const char* validity = "";
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
    // Capacity at the peak is what an autoscaler may grow a component to.
    scaled_max_.assign(t.nodes.size(), 0);
    for (const auto& n : t.nodes)
      if (n.desc.scales) {
        std::uint32_t& m = scaled_max_[t.ref_target[n.desc.scaled]];
        m = std::max(m, n.desc.max_replicas);
      }
  }

  std::uint32_t state(std::uint32_t comp, std::uint32_t route) const { return comp * routes_ + route; }

  // Instances assumed for a server: its autoscaler's max_replicas when it has one.
  std::uint32_t replicas(std::uint32_t i) const {
    return scaled_max_[i] > 0 ? std::max(scaled_max_[i], t_.nodes[i].desc.replicas) : t_.nodes[i].desc.replicas;
  }
  bool autoscaled(std::uint32_t i) const { return scaled_max_[i] > 0; }

  // Waits found elsewhere (MVA for an all-closed network), per component; NaN: use the
  // station formula.
  void use_waits(std::vector<double> wait_s) { wait_override_ = std::move(wait_s); }

  // ---------------------------------------------------------------- traffic

  // `rate[i]`: requests per second sent by source i (ignored for other components).
  void solve(const std::vector<double>& rate) {
    const std::size_t n = t_.nodes.size() * routes_;
    // A = I - P^T, built sparse: a state leads to its callees' states, a few each, and n is
    // components x routes (about 900 for the March 2020 microservices, whose dense LU with
    // full pivoting took a third of a one-hour run). setFromTriplets sums the entries of one
    // (row, column), as adding into a dense P did.
    std::vector<Eigen::Triplet<double>> a;
    for (std::size_t k = 0; k < n; ++k) a.emplace_back(static_cast<int>(k), static_cast<int>(k), 1.0);
    // P(from, to) = ratio: `from` sends `ratio` visits to `to` per visit of its own.
    auto visit = [&](std::uint32_t from, std::uint32_t to, double ratio) {
      a.emplace_back(static_cast<int>(to), static_cast<int>(from), -ratio);
    };
    Eigen::VectorXd gamma = Eigen::VectorXd::Zero(static_cast<Eigen::Index>(n));
    offered_ = 0;
    for (std::uint32_t i = 0; i < t_.nodes.size(); ++i) {
      const Description& d = t_.nodes[i].desc;
      if (d.kind == Kind::Source) {
        offered_ += rate[i];
        double total = 0;
        for (const auto& r : d.routes) total += r.weight;
        const std::uint32_t to = t_.ref_target[d.target];
        for (const auto& r : d.routes)
          if (total > 0) gamma[state(to, r.route)] += rate[i] * r.weight / total;
      } else if (d.kind == Kind::Forwarder) {
        for (std::uint32_t r = 0; r < routes_; ++r) {
          const double total = forward_weight(d, r);
          for_targets(d, r, [&](const Description::Target& tg) {
            visit(state(i, r), state(t_.ref_target[tg.ref], r), tg.weight / total);
          });
        }
      } else if (d.kind == Kind::Broker) {
        if (!d.has_consumers) continue;  // retained: nobody reads it during the run
        for (std::uint32_t r = 0; r < routes_; ++r)
          visit(state(i, r), state(t_.ref_target[d.consumer], d.consumer_same_route ? r : d.consumer_route), 1.0);
      } else if (d.kind == Kind::Server) {
        for (std::uint32_t r = 0; r < routes_; ++r) {
          const auto* prog = program_for(d, r);
          if (!prog) continue;
          for (const auto& g : prog->groups)
            for (const auto& c : g.calls)
              visit(state(i, r), state(t_.ref_target[c.ref], c.same_route ? r : c.route), 1.0);
        }
      }
    }
    Eigen::SparseMatrix<double> A(static_cast<Eigen::Index>(n), static_cast<Eigen::Index>(n));
    A.setFromTriplets(a.begin(), a.end());
    Eigen::SparseLU<Eigen::SparseMatrix<double>> lu;
    lu.compute(A);
    if (lu.info() == Eigen::Success) {
      lambda_ = lu.solve(gamma);
    } else {
      // Singular: a loop through queues that re-enters with certainty. The dense solver with
      // full pivoting gives the answer this analysis always gave there.
      lambda_ = Eigen::MatrixXd(A).fullPivLu().solve(gamma);
    }
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
  // The targets a forwarder sends `route` to: its own list when it has one, else all.
  template <class F>
  static void for_targets(const Description& d, std::uint32_t route, F&& f) {
    if (route < d.route_targets.size() && !d.route_targets[route].empty()) {
      for (std::uint32_t k : d.route_targets[route]) f(d.targets[k]);
    } else {
      for (const auto& tg : d.targets) f(tg);
    }
  }
  static double forward_weight(const Description& d, std::uint32_t route) {
    double total = 0;
    for_targets(d, route, [&](const Description::Target& tg) { total += tg.weight; });
    return total > 0 ? total : 1.0;
  }

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
      for (std::uint32_t r = 0; r < routes_; ++r) {
        const double total = forward_weight(d, r);
        double sum = d.latency_s;
        for_targets(d, r, [&](const Description::Target& tg) {
          if (tg.weight <= 0) return;  // a standby (DNS failover) takes no share: 0 x inf would be NaN
          sum += tg.weight / total * (2 * t_.ref_latency_s[tg.ref] + response(t_.ref_target[tg.ref], r));
        });
        resp_[state(i, r)] = sum;
      }
      if (d.max_rps > 0) {
        e.has_capacity = true;
        e.utilization = e.lambda / d.max_rps;
        e.formula = "rate limit";
        e.validity = "requests above max_rps are turned away";
      }
      e.response_s = weighted(i, resp_);
      return;
    }
    if (d.kind == Kind::Broker) return compute_broker(i, d, e);
    if (d.kind != Kind::Server) return;
    double work_sum = 0, second_moment = 0;  // E[hold^2] summed over arrivals
    for (std::uint32_t r = 0; r < routes_; ++r) {
      const auto* prog = program_for(d, r);
      if (!prog) continue;
      double h = prog->work_s;
      double var = prog->work_scv * prog->work_s * prog->work_s;
      for (const auto& g : prog->groups) {
        std::vector<double> times;
        for (const auto& c : g.calls) {
          if (c.one_way) continue;  // a publish without ack: the worker does not wait
          const double t = 2 * t_.ref_latency_s[c.ref] + response(t_.ref_target[c.ref], c.same_route ? r : c.route);
          times.push_back(c.timeout_s > 0 ? std::min(t, c.timeout_s) : t);  // the caller stops waiting
        }
        if (times.empty()) continue;
        std::sort(times.begin(), times.end());
        const std::size_t k = std::clamp<std::size_t>(g.wait_for, 1, times.size());
        h += times[k - 1];
        var += times[k - 1] * times[k - 1];  // a call's response taken as exponential
      }
      hold_[state(i, r)] = h;
      work_sum += lambda(i, r) * prog->work_s;
      second_moment += lambda(i, r) * (var + h * h);
    }
    e.has_capacity = true;
    e.hold_s = weighted(i, hold_);
    e.work_s = e.lambda > 0 ? work_sum / e.lambda : 0;
    e.replicas = replicas(i);
    const double capacity = static_cast<double>(e.replicas) * d.concurrency;
    if (capacity <= 0) {
      e.utilization = e.lambda > 0 ? kInf : 0;
      e.wait_s = e.lambda > 0 ? kInf : 0;
    } else if (!queueing_) {
      e.utilization = e.lambda * e.hold_s / capacity;
      e.cpu_utilization = work_sum / capacity;
    } else {
      // One instance: its share of the arrivals, `concurrency` workers, its accept queue.
      const double mean2 = e.lambda > 0 ? second_moment / e.lambda : 0;
      const double scv = e.hold_s > 0 ? std::max(0.0, mean2 / (e.hold_s * e.hold_s) - 1.0) : 1.0;
      const analysis::StationEstimate st =
          analysis::station(d.concurrency, d.queue_capacity, e.lambda / e.replicas, e.hold_s, scv);
      e.utilization = st.utilization;
      e.wait_s = st.wait_s;
      e.blocking = st.blocking;
      e.formula = st.formula;
      e.validity = st.validity;
      e.cpu_utilization = work_sum * (1 - st.blocking) / capacity;
      if (i < wait_override_.size() && !std::isnan(wait_override_[i]) && st.blocking == 0) {
        e.wait_s = wait_override_[i];
        e.formula = "MVA";
        e.validity = "closed loop (a class per client that differs); Seidmann's approximation for several workers";
      }
    }
    for (std::uint32_t r = 0; r < routes_; ++r) resp_[state(i, r)] = e.wait_s + hold_[state(i, r)];
    e.response_s = e.wait_s + e.hold_s;
  }

  // A queue: producers wait ack_s; the group's members are its servers. In a log, a member
  // serves the partitions Kafka's range assignor gives it one message at a time, so with
  // messages spread evenly over the partitions, member k is an M/G/1 queue fed
  // lambda x (its partitions / partitions), its service time the round trip to the consumer
  // and the consumer's holding time on the message's route, without the consumer's own
  // queueing wait (a member has one message in flight: the members are the queue), taken as
  // exponential. Members beyond the partitions idle.
  // A work queue is one M/G/c queue with members x prefetch servers. The busiest member
  // decides whether the consumers keep up; beyond it the lag grows without bound.
  void compute_broker(std::uint32_t i, const Description& d, ComponentEstimate& e) {
    for (std::uint32_t r = 0; r < routes_; ++r) resp_[state(i, r)] = d.ack_s;
    e.response_s = d.ack_s;
    if (!d.has_consumers || e.lambda <= 0) return;
    const std::uint32_t consumer = t_.ref_target[d.consumer];
    double service = 0;  // mean time a member holds a message
    compute(consumer);
    for (std::uint32_t r = 0; r < routes_; ++r)
      if (lambda(i, r) > 0)
        service += lambda(i, r) / e.lambda *
                   (2 * t_.ref_latency_s[d.consumer] + hold_[state(consumer, d.consumer_same_route ? r : d.consumer_route)]);
    e.has_capacity = true;
    e.hold_s = service;
    e.members = replicas(consumer);
    const double members = e.members;
    e.busy_members = d.partitions == 0 ? e.members : std::min(d.partitions, e.members);
    if (e.members == 0 || !std::isfinite(service)) {
      e.utilization = e.wait_s = e.end_to_end_s = kInf;
      e.lag_growth = e.lambda;
      return;
    }
    if (d.partitions == 0) {  // a work queue: members x prefetch servers on one FIFO
      const auto c = static_cast<std::uint32_t>(std::min<double>(members * d.prefetch, 1e6));
      e.busy_members = e.members;
      e.utilization = e.lambda * service / c;
      if (queueing_) {
        const analysis::StationEstimate st = analysis::station(c, -1, e.lambda, service, 1.0);
        e.wait_s = st.wait_s;
        e.formula = st.formula;
        e.validity = "a work queue: members x prefetch servers; consumer response taken as exponential";
      }
      e.lag_growth = std::max(0.0, e.lambda - c / service);
    } else {
      const std::uint32_t busy = std::min(d.partitions, e.members);
      e.busy_members = busy;
      const std::uint32_t base = d.partitions / busy, extra = d.partitions % busy;
      double wait_sum = 0;
      for (std::uint32_t k = 0; k < busy; ++k) {
        const double share = static_cast<double>(base + (k < extra ? 1 : 0)) / d.partitions;
        const double lk = e.lambda * share;
        e.utilization = std::max(e.utilization, lk * service);
        e.lag_growth += std::max(0.0, lk - 1 / service);
        if (queueing_) wait_sum += share * analysis::station(1, -1, lk, service, 1.0).wait_s;
      }
      if (queueing_) {
        e.wait_s = wait_sum;
        e.formula = "M/M/1 per member";
        e.validity = "messages spread evenly over the partitions (Kafka's range assignment); consumer response taken as exponential";
      }
    }
    if (e.utilization >= 1) e.wait_s = kInf;
    e.end_to_end_s = d.delivery_delay_s + e.wait_s + service;
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
  std::vector<std::uint32_t> scaled_max_;
  std::vector<double> wait_override_;
  Eigen::VectorXd lambda_;
  double offered_ = 0;
  std::vector<ComponentEstimate> est_;
  std::vector<char> done_;
  std::vector<double> hold_, resp_;
};

bool closed_source(const Description& d) {
  return d.kind == Kind::Source && d.peak_rate_rps <= 0 && d.peak_users > 0;
}

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
struct ClosedLoop {
  bool any = false;
  double users = 0, think_s = 0, throughput = 0, response_s = 0;
  std::vector<double> rate;         // per component: a closed client's throughput (0 elsewhere)
  std::vector<double> client_response_s;  // per component: a closed client's response (think excluded)
  std::size_t classes = 0;
  bool mixed = false;               // open clients share the stations
  bool held_workers_bound = false;  // the worker-pool bound, not MVA, set the throughput
  bool exact = true;                // exact MVA (false: Schweitzer's, for a large population)
  // Per component: the mean wait per visit MVA found (NaN where it has none). Used when every
  // client is closed-loop: open formulas at the closed throughput would overstate the waits
  // (a closed population never offers more than it has users).
  std::vector<double> wait_s;
};

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
        std::uint32_t up = 0, needed = 0;
        for (const auto& c : prog->groups[g].calls) {
          if (c.one_way) continue;  // a publish nobody waits for: its loss does not fail the route
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
      c["concurrency"] = n.desc.concurrency;
      c["blocking"] = num_or_null(e.blocking);
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
