// The engine: one simulation of one scenario with one seed. It owns the event queue, the
// components, the links, the pool of calls in flight and the metrics; it builds itself
// from a validated scenario document and runs (SimPy's Environment, ns-3's
// DefaultSimulatorImpl): pop the next event, advance now, hand it to its component.
//
// No globals: two Simulations run side by side in one process (replications on threads).
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "sim/build.h"
#include "sim/component.h"
#include "sim/context.h"
#include "sim/distribution.h"
#include "sim/histogram.h"
#include "sim/metrics.h"
#include "sim/pool.h"
#include "sim/request.h"
#include "sim/results.h"
#include "sim/scheduler.h"

namespace archsim {

struct ScenarioSettings {
  std::string name, description;
  std::uint64_t seed = 1;
  Time duration = kHour, warmup = 0, window = 10 * kSecond;
  Distribution network_latency = Distribution::constant(0);
  Distribution cross_zone_latency = Distribution::constant(0);
  std::map<std::string, double> prices_per_hour;  // instance type -> USD
  double default_price = 0.10, per_million_requests = 0, per_gb_egress = 0;
  std::optional<Time> slo_latency_p99;
  std::optional<double> slo_availability;
};

class Simulation {
 public:
  // Builds every component of `doc` (already validated JSON syntax) with `registry`.
  // Throws ScenarioError naming the JSON location of anything wrong.
  Simulation(const nlohmann::json& doc, const Registry& registry, std::optional<std::uint64_t> seed = {});
  ~Simulation();
  Simulation(const Simulation&) = delete;
  Simulation& operator=(const Simulation&) = delete;

  // Runs to the end of the scenario. `progress(fraction)` is called now and then.
  void run(const std::function<void(double)>& progress = {});
  RunResult result();

  const ScenarioSettings& settings() const { return settings_; }
  std::uint64_t events() const { return events_; }

  // Topology, for validation and the graph/analyze commands.
  struct Reference {
    std::uint32_t from;
    std::string to_id, pointer;
    RefKind kind;
    std::uint32_t to = 0;
    std::uint32_t link = 0;
  };
  const std::vector<Reference>& references() const { return refs_; }
  const std::vector<std::unique_ptr<Component>>& components() const { return comps_; }
  const std::string& zone_of(std::uint32_t i) const { return zones_[i]; }

 private:
  friend class Context;
  friend class BuildContext;
  friend class ConnectContext;

  enum EventKind : std::uint16_t { kDeliver = 1, kReply, kCallTimeout, kTimer, kWindow, kWarmup };
  struct CallRecord {
    RequestInfo req;
    std::uint64_t token = 0;
    Time sent = 0;
    std::uint32_t caller = 0, callee = 0, link = 0;
    Status status = Status::Ok;
    bool caller_done = false, callee_done = false;
  };
  struct Link {
    std::uint32_t from = 0, to = 0;
    Distribution latency;
    bool zero = true;
    Rng rng;
  };
  struct RouteLedger {
    OutcomeCounts outcomes;
    Histogram latency;
  };

  void parse_settings(Params& top);
  void build_components(Params& top, const Registry& registry);
  void resolve_references(Params& top);
  void check_call_cycles();
  void dispatch(const Event& e);
  Time link_delay(std::uint32_t link) {
    Link& l = links_[link];
    return l.zero ? 0 : l.latency.sample_time(l.rng);
  }

  ScenarioSettings settings_;
  Scheduler sched_;
  Time now_ = 0;
  std::uint64_t events_ = 0;
  Context ctx_;
  std::unique_ptr<Metrics> metrics_;
  std::vector<std::unique_ptr<Component>> comps_;
  std::vector<std::string> zones_;
  std::vector<Reference> refs_;
  std::vector<Link> links_;
  Pool<CallRecord> calls_;
  std::vector<std::string> route_names_;

  // End-to-end ledger of client requests.
  std::vector<RouteLedger> routes_;
  Histogram all_latency_;
  std::uint64_t next_request_id_ = 1;
  std::uint64_t sent_ = 0, sent_total_ = 0, ended_total_ = 0, in_flight_at_warmup_ = 0;
  double wall_time_s_ = 0;
  std::string pending_id_;  // id of the component being built (BuildContext::id)
};

}  // namespace archsim
