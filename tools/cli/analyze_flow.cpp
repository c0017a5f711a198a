// archsim analyze: a route's steps weighted by how often they run, caches' hit ratios, and
// callers' connection pools (analyze_network.h).
//
// A route's steps (Description::FlowStep) are walked once from the first: a choice splits the
// flow by its weights, a branch on a cache's reply by the cache's miss ratio (on_miss) or
// takes the row as found (on_not_found: a probability analyze cannot know), a repeat of
// probability p makes its body run 1 / (1 - p) times (a geometric number of passes). Calls and
// work then count as often as their step runs.
//
// A cache's hit ratio comes from its size, eviction, TTL and the keys its reads carry (the
// clients' route keys: count and Zipf exponent), by tools/analysis/cache_model.h: Che's
// approximation for LRU, the FIFO/random one, the C most popular keys for LFU, the TTL
// renewal formula. Reads of several routes with the same keys share the cache; routes with
// different keys split its size by their read rates. Writes are not reads (they neither hit
// nor fill).
//
// A caller's connection pool ("pool": {"size"} on a service, or a call step's) is a queue of
// `size` servers per instance, held for each pooled call's whole time: Erlang C's wait (M/M/c)
// for the calls it serves, added to their time.
#include <algorithm>
#include <cmath>

#include <Eigen/Dense>

#include "tools/analysis/cache_model.h"
#include "tools/analysis/queueing.h"
#include "tools/cli/analyze_network.h"

namespace archsim::cli {

namespace {

using Kind = Description::Kind;
using Step = Description::FlowStep;

analysis::CachePolicy policy_of(const std::string& eviction) {
  if (eviction == "fifo") return analysis::CachePolicy::Fifo;
  if (eviction == "lfu") return analysis::CachePolicy::Lfu;
  return analysis::CachePolicy::Lru;
}

// The second moment of a route's total work, E[S^2], exactly: the work left from step k on,
// R_k, is the step's own work plus R of the step the flow goes to next, so its first two
// moments solve linear systems over the steps (a repeat's jump back makes them cyclic):
//   E[R_k]   = w_k + sum_j P_kj E[R_j]
//   E[R_k^2] = E[W_k^2] + 2 w_k sum_j P_kj E[R_j] + sum_j P_kj E[R_j^2]
// Summing each work step's variance by its visits instead leaves out the variance of how
// many times a step runs and of which path is taken: a repeat of probability p around
// exponential work (a geometric sum, itself exponential: SCV 1) came out with SCV 1 - p.
double work_second_moment(const Description::Program& p, const std::function<double(std::uint32_t)>& taken) {
  const std::size_t n = p.flow.size();
  const auto end = static_cast<Eigen::Index>(n);
  Eigen::MatrixXd a = Eigen::MatrixXd::Identity(end + 1, end + 1);  // I - P over steps and the end
  Eigen::VectorXd w = Eigen::VectorXd::Zero(end + 1), w2 = Eigen::VectorXd::Zero(end + 1);
  auto go = [&](std::size_t from, std::size_t to, double pr) {
    a(static_cast<Eigen::Index>(from), static_cast<Eigen::Index>(std::min(to, n))) -= pr;
  };
  for (std::size_t k = 0; k < n; ++k) {
    const Step& s = p.flow[k];
    switch (s.kind) {
      case Step::Kind::Work:
        w[static_cast<Eigen::Index>(k)] = s.work_s;
        w2[static_cast<Eigen::Index>(k)] = (1 + s.work_scv) * s.work_s * s.work_s;
        go(k, k + 1, 1);
        break;
      case Step::Kind::Calls: go(k, k + 1, 1); break;
      case Step::Kind::Repeat:  // after its body: back to the body's start with probability p
        go(k, s.target, s.probability);
        go(k, k + 1, 1 - s.probability);
        break;
      case Step::Kind::Choice:
        for (const auto& [pr, to] : s.arms) go(k, to, pr);
        break;
      case Step::Kind::Jump: go(k, s.target, 1); break;
      case Step::Kind::Branch: {
        const double q = s.on_miss ? std::clamp(taken(s.group), 0.0, 1.0) : 0.0;
        go(k, k + 1, q);
        go(k, s.target, 1 - q);
        break;
      }
    }
  }
  const auto lu = a.partialPivLu();
  const Eigen::VectorXd m1 = lu.solve(w);
  // P m1 = m1 - w: the mean of what is left after each step.
  const Eigen::VectorXd after = m1 - w;
  const Eigen::VectorXd m2 = lu.solve(w2 + 2 * w.cwiseProduct(after));
  return std::max(0.0, m2[0]);
}

}  // namespace

RouteLoad expand_route(const Description::Program& p, const std::function<double(std::uint32_t)>& taken) {
  RouteLoad out;
  out.group_visits.assign(p.groups.size(), 1.0);
  if (p.flow.empty()) {  // every work step and group once
    out.work_s = p.work_s;
    out.work_m2 = p.work_scv * p.work_s * p.work_s + p.work_s * p.work_s;
    for (const auto& g : p.groups) {
      bool waits = false;
      for (const auto& c : g.calls) waits = waits || !c.one_way;
      if (waits) out.acquisitions += 1;
    }
    return out;
  }
  const std::size_t n = p.flow.size();
  std::vector<double> v(n + 1, 0.0);  // v[n]: the route's end
  v[0] = 1;
  // Forward: every jump of a route goes forward but a repeat's, whose body is scaled after.
  for (std::size_t k = 0; k < n; ++k) {
    const Step& s = p.flow[k];
    const double f = v[k];
    if (f == 0) continue;
    switch (s.kind) {
      case Step::Kind::Work:
      case Step::Kind::Calls:
      case Step::Kind::Repeat:  // its exit: the body's flow, once
        v[k + 1] += f;
        break;
      case Step::Kind::Choice:
        for (const auto& [pr, to] : s.arms) v[std::min<std::size_t>(to, n)] += f * pr;
        break;
      case Step::Kind::Jump:
        v[std::min<std::size_t>(s.target, n)] += f;
        break;
      case Step::Kind::Branch: {
        const double q = s.on_miss ? std::clamp(taken(s.group), 0.0, 1.0) : 0.0;
        v[k + 1] += f * q;
        v[std::min<std::size_t>(s.target, n)] += f * (1 - q);
        break;
      }
    }
  }
  // A repeat's body (and the repeat step) runs 1 / (1 - p) times per entry; nested bodies
  // multiply.
  for (std::size_t k = 0; k < n; ++k)
    if (p.flow[k].kind == Step::Kind::Repeat)
      for (std::size_t j = p.flow[k].target; j <= k; ++j) v[j] /= 1 - p.flow[k].probability;
  std::fill(out.group_visits.begin(), out.group_visits.end(), 0.0);
  bool call_since_work = false;
  out.acquisitions = 1;
  for (std::size_t k = 0; k < n; ++k) {
    const Step& s = p.flow[k];
    if (s.kind == Step::Kind::Work) {
      out.work_s += v[k] * s.work_s;
      // io async: work after a call takes a worker again.
      if (call_since_work) out.acquisitions += v[k];
      call_since_work = false;
    } else if (s.kind == Step::Kind::Calls) {
      out.group_visits[s.group] += v[k];
      for (const auto& c : p.groups[s.group].calls) call_since_work = call_since_work || !c.one_way;
    }
  }
  out.work_m2 = work_second_moment(p, taken);
  return out;
}

// 1 - hit ratio for a cache's reads on `route`; 1 for anything else (every read misses).
double Analyzer::miss(std::uint32_t comp, std::uint32_t route) const {
  if (!t_.nodes[comp].desc.is_cache || route_keys_[route].write) return 1.0;
  return 1.0 - hit_[state(comp, route)];
}

const RouteLoad& Analyzer::load(std::uint32_t comp, std::uint32_t route) {
  const std::uint32_t s = state(comp, route);
  if (loaded_[s]) return loads_[s];
  const Description& d = t_.nodes[comp].desc;
  const Description::Program* prog = program_for(d, route);
  static const Description::Program kNone;
  const Description::Program& p = prog ? *prog : kNone;
  // A branch after a call to a cache goes on into on_miss when the cache misses.
  loads_[s] = expand_route(p, [&](std::uint32_t g) {
    if (g >= p.groups.size() || p.groups[g].calls.empty()) return 0.0;
    const Description::Call& c = p.groups[g].calls.front();
    const std::uint32_t target = t_.ref_target[c.ref];
    if (!t_.nodes[target].desc.is_cache) return 0.0;  // no miss flag on its replies
    return miss(target, c.same_route ? route : c.route);
  });
  loaded_[s] = 1;
  return loads_[s];
}

void Analyzer::update_hits() {
  for (std::uint32_t c = 0; c < t_.nodes.size(); ++c) {
    const Description& d = t_.nodes[c].desc;
    if (!d.is_cache) continue;
    // Its reads per route, and whether they all carry the same keys (then they share it).
    double total = 0;
    bool same = true;
    const RouteKeys* first = nullptr;
    for (std::uint32_t r = 0; r < routes_; ++r) {
      if (route_keys_[r].write || lambda(c, r) <= 0) continue;
      total += lambda(c, r);
      if (!first) first = &route_keys_[r];
      else same = same && first->keys == route_keys_[r].keys && first->zipf == route_keys_[r].zipf;
    }
    for (std::uint32_t r = 0; r < routes_; ++r) {
      if (route_keys_[r].write || lambda(c, r) <= 0) continue;
      analysis::CacheQuery q;
      q.policy = policy_of(d.cache_eviction);
      q.ttl_s = d.cache_ttl_s;
      q.keys = std::max<std::uint64_t>(route_keys_[r].keys, 1);  // a route without keys reads key 0
      q.zipf = route_keys_[r].zipf;
      q.rate_rps = same ? total : lambda(c, r);
      q.capacity = d.cache_capacity <= 0 ? 0 : same ? d.cache_capacity : d.cache_capacity * lambda(c, r) / total;
      const analysis::CacheEstimate est = analysis::cache_hit_ratio(q);
      hit_[state(c, r)] = est.hit_ratio;
      hit_formula_[c] = est.formula;
    }
  }
}

std::vector<double> Analyzer::pool_waits(std::uint32_t i, const Description& d, ComponentEstimate& e) {
  std::vector<double> wait(d.pools.size(), 0.0);
  if (d.pools.empty()) return wait;
  std::vector<double> rate(d.pools.size(), 0.0), busy(d.pools.size(), 0.0);  // per instance: calls/s, connection-seconds/s
  const double inst = std::max<double>(1, replicas(i));
  for (std::uint32_t r = 0; r < routes_; ++r) {
    const auto* prog = program_for(d, r);
    if (!prog || lambda(i, r) <= 0) continue;
    const RouteLoad& l = load(i, r);
    for (std::size_t g = 0; g < prog->groups.size(); ++g)
      for (const auto& c : prog->groups[g].calls) {
        if (!c.pool || c.one_way) continue;
        const double x = lambda(i, r) * l.group_visits[g] / inst;
        rate[c.pool - 1] += x;
        busy[c.pool - 1] += x * call_time(r, c);
      }
  }
  double calls = 0, waited = 0;
  e.pool_utilization = 0;
  for (std::size_t p = 0; p < d.pools.size(); ++p) {
    if (rate[p] <= 0) continue;
    const double servers = d.pools[p], a = busy[p], hold = busy[p] / rate[p];
    e.pool_utilization = std::max(e.pool_utilization, a / servers);
    if (!queueing_) continue;
    wait[p] = a >= servers ? kInf : analysis::erlang_c(d.pools[p], a) * hold / (servers - a);
    calls += rate[p];
    waited += rate[p] * wait[p];
  }
  e.pool_wait_s = calls > 0 ? waited / calls : 0;
  return wait;
}

}  // namespace archsim::cli
