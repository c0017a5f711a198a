// archsim analyze: the traffic equations and each component's station (analyze_network.h).
#include "tools/cli/analyze_network.h"

#include <algorithm>
#include <cmath>

#include <Eigen/SparseCore>
#include <Eigen/SparseLU>

#include "tools/analysis/queueing.h"

namespace archsim::cli {

namespace {

using Kind = Description::Kind;

}  // namespace

Analyzer::Analyzer(const Topology& t, bool queueing) : t_(t), queueing_(queueing) {
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
  // The keys each route carries, as the first client that sends it says. A route no client
  // sends (a call step renamed it) carries the keys of the requests that make the call: taken
  // as the first keyed client route's. A cache's set, put, delete and invalidate routes are
  // writes, as the cache takes them.
  route_keys_.assign(routes_, {});
  RouteKeys keyed;
  for (const auto& n : t.nodes)
    for (const auto& r : n.desc.routes) {
      RouteKeys& k = route_keys_[r.route];
      if (!keyed.known && r.keys > 0) keyed = {r.keys, r.zipf, false, true};
      if (k.known) continue;
      k = {r.keys, r.zipf, r.write, true};
    }
  for (std::uint32_t r = 0; r < routes_; ++r) {
    RouteKeys& k = route_keys_[r];
    if (!k.known) k = keyed;
    const std::string name = r < t.route_names.size() ? t.route_names[r] : "";
    if (name == "set" || name == "put" || name == "delete" || name == "invalidate") k.write = true;
  }
}

double Analyzer::forward_weight(const Description& d, std::uint32_t route) {
  double total = 0;
  for_targets(d, route, [&](const Description::Target& tg) { total += tg.weight; });
  return total > 0 ? total : 1.0;
}

void Analyzer::solve(const std::vector<double>& rate) {
  const std::size_t n = t_.nodes.size() * routes_;
  hit_.assign(n, 0.0);
  hit_formula_.assign(t_.nodes.size(), "");
  // The hits decide the branches, the branches the traffic, and the traffic a TTL's hits: a
  // fixed point, reached at once without TTLs (sizes alone decide the hits) and in a few
  // rounds with them.
  for (int round = 0; round < 50; ++round) {
    loaded_.assign(n, 0);
    loads_.assign(n, {});
    traffic(rate);
    const std::vector<double> before = hit_;
    update_hits();
    double moved = 0;
    for (std::size_t k = 0; k < n; ++k) moved = std::max(moved, std::fabs(hit_[k] - before[k]));
    if (moved < 1e-9) break;
  }
  est_.assign(t_.nodes.size(), {});
  done_.assign(t_.nodes.size(), 0);
  hold_.assign(n, 0);
  resp_.assign(n, 0);
  for (std::uint32_t i = 0; i < t_.nodes.size(); ++i) compute(i);
}

// lambda = gamma + P^T lambda over (component, route) states.
void Analyzer::traffic(const std::vector<double>& rate) {
  const std::size_t n = t_.nodes.size() * routes_;
  // A = I - P^T, built sparse: a state leads to its callees' states, a few each, and n is
  // components x routes (about 900 for the March 2020 microservices, whose dense LU with
  // full pivoting took a third of a one-hour run). setFromTriplets sums the entries of one
  // (row, column), as adding into a dense P did.
  std::vector<Eigen::Triplet<double>> a;
  for (std::size_t k = 0; k < n; ++k) a.emplace_back(static_cast<int>(k), static_cast<int>(k), 1.0);
  // P(from, to) = ratio: `from` sends `ratio` visits to `to` per visit of its own.
  auto visit = [&](std::uint32_t from, std::uint32_t to, double ratio) {
    if (ratio != 0) a.emplace_back(static_cast<int>(to), static_cast<int>(from), -ratio);
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
        const RouteLoad& l = load(i, r);
        for (std::size_t g = 0; g < prog->groups.size(); ++g)
          for (const auto& c : prog->groups[g].calls)
            visit(state(i, r), state(t_.ref_target[c.ref], c.same_route ? r : c.route), l.group_visits[g]);
        // A read-through cache reads its backend on a miss.
        if (d.is_cache && d.cache_reads_through && !route_keys_[r].write)
          visit(state(i, r), state(t_.ref_target[d.cache_backend], r), miss(i, r));
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
}

double Analyzer::client_response(std::uint32_t i) const {
  const Description& d = t_.nodes[i].desc;
  double total = 0, sum = 0;
  for (const auto& r : d.routes) total += r.weight;
  const std::uint32_t to = t_.ref_target[d.target];
  for (const auto& r : d.routes)
    sum += r.weight / total * (2 * t_.ref_latency_s[d.target] + resp_[state(to, r.route)]);
  return sum;
}

// Response time of a call to `comp` on `route`; computes `comp` first (calls form a DAG).
double Analyzer::response(std::uint32_t comp, std::uint32_t route) {
  compute(comp);
  return resp_[state(comp, route)];
}

double Analyzer::call_time(std::uint32_t route, const Description::Call& c) {
  const double t = 2 * t_.ref_latency_s[c.ref] + response(t_.ref_target[c.ref], c.same_route ? route : c.route);
  return c.timeout_s > 0 ? std::min(t, c.timeout_s) : t;  // the caller stops waiting
}

void Analyzer::compute(std::uint32_t i) {
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
  if (d.kind == Kind::Server) compute_server(i, d, e);
}

// A server: per route, its work and calls weighted by how often they run; a worker is held
// for the work and, with blocking io, for the calls too. With io async a request takes a
// worker for each stretch of work (RouteLoad::acquisitions) and waits on its calls without
// one: the station serves acquisitions, and each one waits.
void Analyzer::compute_server(std::uint32_t i, const Description& d, ComponentEstimate& e) {
  const std::vector<double> pool_wait = pool_waits(i, d, e);
  // Sums over the arrivals of routes it has steps for (a request on another route is answered
  // an error at once and holds nothing).
  double work_sum = 0, second_moment = 0, acq_sum = 0, hold_sum = 0, served = 0;
  std::vector<double> calls_off_worker(routes_, 0.0), acq(routes_, 1.0);
  for (std::uint32_t r = 0; r < routes_; ++r) {
    const auto* prog = program_for(d, r);
    if (!prog) continue;
    const RouteLoad& l = load(i, r);
    double calls = 0, calls_var = 0;
    for (std::size_t g = 0; g < prog->groups.size(); ++g) {
      const double v = l.group_visits[g];
      if (v <= 0) continue;
      std::vector<double> times;
      for (const auto& c : prog->groups[g].calls) {
        if (c.one_way) continue;  // a publish without ack: the worker does not wait
        times.push_back(call_time(r, c) + (c.pool ? pool_wait[c.pool - 1] : 0.0));
      }
      if (times.empty()) continue;
      std::sort(times.begin(), times.end());
      const std::size_t k = std::clamp<std::size_t>(prog->groups[g].wait_for, 1, times.size());
      calls += v * times[k - 1];
      calls_var += v * times[k - 1] * times[k - 1];  // a call's response taken as exponential
    }
    if (d.is_cache && d.cache_reads_through && !route_keys_[r].write)  // a miss reads the backend
      calls_off_worker[r] += miss(i, r) * (2 * t_.ref_latency_s[d.cache_backend] +
                                           response(t_.ref_target[d.cache_backend], r));
    const double h = d.io_async ? l.work_s : l.work_s + calls;
    if (d.io_async) {
      calls_off_worker[r] += calls;
      acq[r] = l.acquisitions;
    }
    hold_[state(i, r)] = h;
    const double var = std::max(0.0, l.work_m2 - l.work_s * l.work_s) + (d.io_async ? 0.0 : calls_var);
    served += lambda(i, r);
    work_sum += lambda(i, r) * l.work_s;
    hold_sum += lambda(i, r) * h;
    acq_sum += lambda(i, r) * acq[r];
    second_moment += lambda(i, r) * (var + h * h);
  }
  // A server that takes every request at once (Description::kUnlimited) never saturates: no
  // capacity to report, and never the bottleneck.
  e.has_capacity = d.concurrency != Description::kUnlimited;
  e.hold_s = weighted(i, hold_);
  e.work_s = e.lambda > 0 ? work_sum / e.lambda : 0;
  e.acquisitions = e.lambda > 0 ? acq_sum / e.lambda : 1;
  e.replicas = replicas(i);
  const double capacity = static_cast<double>(e.replicas) * d.concurrency;
  if (capacity <= 0) {
    e.utilization = e.lambda > 0 ? kInf : 0;
    e.wait_s = e.lambda > 0 ? kInf : 0;
  } else if (!queueing_) {
    e.utilization = hold_sum / capacity;
    e.cpu_utilization = work_sum / capacity;
  } else {
    // One instance: its share of the arrivals (of the acquisitions, io async), `concurrency`
    // workers, its accept queue; the service time is a hold per acquisition.
    const double mean = served > 0 ? hold_sum / served : 0, mean2 = served > 0 ? second_moment / served : 0;
    const double scv = mean > 0 ? std::max(0.0, mean2 / (mean * mean) - 1.0) : 1.0;
    const double per_acq = acq_sum > 0 ? hold_sum / acq_sum : e.hold_s;
    const analysis::StationEstimate st = analysis::station(d.concurrency, d.queue_capacity, acq_sum / e.replicas, per_acq, scv);
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
  for (std::uint32_t r = 0; r < routes_; ++r)
    resp_[state(i, r)] = acq[r] * e.wait_s + hold_[state(i, r)] + calls_off_worker[r];
  e.response_s = weighted(i, resp_);
  if (d.is_cache) {
    double reads = 0, hits = 0;
    for (std::uint32_t r = 0; r < routes_; ++r)
      if (!route_keys_[r].write) {
        reads += lambda(i, r);
        hits += lambda(i, r) * hit_[state(i, r)];
      }
    e.hit_ratio = reads > 0 ? hits / reads : 0;
    e.hit_formula = hit_formula_[i];
  }
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
void Analyzer::compute_broker(std::uint32_t i, const Description& d, ComponentEstimate& e) {
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

double Analyzer::weighted(std::uint32_t i, const std::vector<double>& per_route) const {
  double lam = 0, sum = 0;
  for (std::uint32_t r = 0; r < routes_; ++r) {
    if (lambda(i, r) <= 0) continue;  // an unused route may have an infinite time
    lam += lambda(i, r);
    sum += lambda(i, r) * per_route[state(i, r)];
  }
  return lam > 0 ? sum / lam : 0;
}

}  // namespace archsim::cli
