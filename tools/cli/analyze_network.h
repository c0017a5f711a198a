// archsim analyze: the open queueing network at the peak load (analyze_command.cpp states
// the method). Its parts, a file each:
//   analyze_network.cpp   the traffic equations and each component's station (Analyzer)
//   analyze_flow.cpp      a route's steps weighted by how often they run (branches on a
//                         cache's hit or miss, choices, repeats), caches' hit ratios,
//                         callers' connection pools
//   analyze_closed_loop.cpp  closed-loop clients by mean value analysis
//   analyze_failures.cpp  single points of failure and articulation points
#pragma once
#include <cstdint>
#include <functional>
#include <limits>
#include <vector>

#include <Eigen/Dense>

#include "scenario/describe.h"
#include "tools/cli/topology.h"

namespace archsim::cli {

inline constexpr double kInf = std::numeric_limits<double>::infinity();

struct ComponentEstimate {
  double lambda = 0;        // arrivals per second
  double hold_s = 0;        // mean worker holding time
  double work_s = 0;        // mean CPU work per request
  double utilization = 0;   // held workers / capacity (carried load when some are turned away)
  double cpu_utilization = 0;
  double wait_s = 0;        // mean wait in queue (inf when overloaded)
  double blocking = 0;      // fraction turned away by a full queue (finite queue_capacity)
  double response_s = 0;    // wait + hold (+ calls without a worker), averaged over routes
  // A queue's consumer group: members busy at once, end to end delay, lag growth.
  std::uint32_t members = 0, busy_members = 0;
  double end_to_end_s = 0;  // publish -> processed (inf: consumers cannot keep up)
  double lag_growth = 0;    // messages per second the lag grows by (0: it stays bounded)
  std::uint32_t replicas = 0;  // instances assumed: an autoscaler's max_replicas, else the initial
  bool has_capacity = false;
  const char* formula = "";
  const char* validity = "";
  // A cache: the share of its reads it answers (-1: not a cache), and the formula.
  double hit_ratio = -1;
  const char* hit_formula = "";
  // A caller's connection pools: the busiest one's utilization and the mean wait for a
  // connection over the pooled calls (Erlang C; -1: no pool).
  double pool_utilization = -1, pool_wait_s = 0;
  // io async: times a request takes a worker (1 with blocking io).
  double acquisitions = 1;
};

// The program a server runs for `route`: its own, else the default one (nullptr: none).
inline const Description::Program* program_for(const Description& d, std::uint32_t route) {
  const Description::Program* any = nullptr;
  for (const auto& p : d.programs) {
    if (!p.any_route && p.route == route) return &p;
    if (p.any_route) any = &p;
  }
  return any;
}

// A route's steps weighted by how often they run per request (analyze_flow.cpp).
struct RouteLoad {
  double work_s = 0;        // mean CPU work
  double work_m2 = 0;       // its second moment (over the paths the flow takes, repeats included)
  std::vector<double> group_visits;  // per call group: times it is made
  double acquisitions = 1;  // io async: 1 + the calls a work step follows (each takes a worker again)
};
// `taken(g)`: the chance that a branch reading call group g's reply goes on into its first
// block (a cache miss for on_miss; 0 for on_not_found, a row taken as found). Without a flow
// every work step and group counts once.
RouteLoad expand_route(const Description::Program& p, const std::function<double(std::uint32_t)>& taken);

class Analyzer {
 public:
  // With `queueing` false every wait is zero: holding times are pure demand, which is what
  // decides the bottleneck and the load at which it saturates (asymptotic bound analysis).
  Analyzer(const Topology& t, bool queueing);

  std::uint32_t state(std::uint32_t comp, std::uint32_t route) const { return comp * routes_ + route; }
  // Instances assumed for a server: its autoscaler's max_replicas when it has one.
  std::uint32_t replicas(std::uint32_t i) const {
    return scaled_max_[i] > 0 ? std::max(scaled_max_[i], t_.nodes[i].desc.replicas) : t_.nodes[i].desc.replicas;
  }
  bool autoscaled(std::uint32_t i) const { return scaled_max_[i] > 0; }
  // Waits found elsewhere (MVA for an all-closed network), per component; NaN: use the
  // station formula.
  void use_waits(std::vector<double> wait_s) { wait_override_ = std::move(wait_s); }

  // `rate[i]`: requests per second sent by source i (ignored for other components). Caches'
  // hit ratios and the routes' branches depend on the traffic (a TTL's hits on the read
  // rate): solved to a fixed point.
  void solve(const std::vector<double>& rate);

  double lambda(std::uint32_t comp, std::uint32_t route) const { return std::max(0.0, lambda_[state(comp, route)]); }
  double offered() const { return offered_; }
  const ComponentEstimate& estimate(std::uint32_t i) const { return est_[i]; }
  // Mean end-to-end response of a client's requests (link both ways + target), in seconds.
  double client_response(std::uint32_t i) const;

 private:
  void traffic(const std::vector<double>& rate);
  void update_hits();  // analyze_flow.cpp
  double miss(std::uint32_t comp, std::uint32_t route) const;
  const RouteLoad& load(std::uint32_t comp, std::uint32_t route);  // analyze_flow.cpp
  double response(std::uint32_t comp, std::uint32_t route);
  void compute(std::uint32_t i);
  void compute_server(std::uint32_t i, const Description& d, ComponentEstimate& e);
  void compute_broker(std::uint32_t i, const Description& d, ComponentEstimate& e);
  // The time a call takes from the caller's side: link both ways and the callee's response.
  double call_time(std::uint32_t route, const Description::Call& c);
  // Per pool of server i, the mean wait for a connection (analyze_flow.cpp).
  std::vector<double> pool_waits(std::uint32_t i, const Description& d, ComponentEstimate& e);
  double weighted(std::uint32_t i, const std::vector<double>& per_route) const;
  template <class F>
  static void for_targets(const Description& d, std::uint32_t route, F&& f) {
    if (route < d.route_targets.size() && !d.route_targets[route].empty()) {
      for (std::uint32_t k : d.route_targets[route]) f(d.targets[k]);
    } else {
      for (const auto& tg : d.targets) f(tg);
    }
  }
  static double forward_weight(const Description& d, std::uint32_t route);

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
  std::vector<double> hit_;          // per state: a cache's hit ratio on that route (0 elsewhere)
  std::vector<const char*> hit_formula_;
  std::vector<RouteLoad> loads_;     // per state, while computing
  std::vector<char> loaded_;
  // The route's key space as the clients send it: (keys, zipf, written).
  struct RouteKeys {
    std::uint64_t keys = 0;
    double zipf = 0;
    bool write = false;
    bool known = false;
  };
  std::vector<RouteKeys> route_keys_;
};

// The closed-loop clients (analyze_closed_loop.cpp).
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
bool closed_source(const Description& d);
ClosedLoop closed_loop(const Topology& t);

}  // namespace archsim::cli
