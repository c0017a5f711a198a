// The engine: one simulation of one scenario with one seed. It owns the event queue, the
// components, the links, the pool of calls in flight and the metrics; it builds itself
// from a validated scenario document and runs (SimPy's Environment, ns-3's
// DefaultSimulatorImpl): pop the next event, advance now, hand it to its component.
//
// No globals: two Simulations run side by side in one process (replications on threads).
#pragma once
#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "sim/component.h"
#include "sim/context.h"
#include "sim/distribution.h"
#include "sim/histogram.h"
#include "sim/metrics.h"
#include "sim/pool.h"
#include "sim/request.h"
#include "sim/request_ledger.h"
#include "sim/results.h"
#include "sim/ring.h"
#include "sim/scheduler.h"
#include "sim/timeout_store.h"
#include "sim/request_log.h"
#include "sim/trace.h"

namespace archsim {

// The building half (scenario/simulation_build.cpp, scenario/build_context.cpp) is the
// scenario layer's: the engine names its types here and includes none of it.
class Params;
class Registry;
struct BuildState;
struct RequestPopulation;
struct ScenarioWarning;
enum class TopLevelStage : std::uint8_t;

// The engine's own top-level keys. The others (instance catalogue, cost, SLO, alerts) are
// read by their owners through Registry::add_top_level.
struct ScenarioSettings {
  std::string name, description;
  std::uint64_t seed = 1;
  Time duration = kHour, warmup = 0, window = 10 * kSecond;
  Distribution network_latency = Distribution::constant(0);
  Distribution cross_zone_latency = Distribution::constant(0);
  // network.regions: names in document order, the JSON pointer of each, and the one-way
  // latency between every two of them (region_latency[a * n + b], symmetric).
  std::vector<std::string> region_names, region_pointers;
  std::vector<Distribution> region_latency;
};

class Simulation {
 public:
  // Builds every component of `doc` (already validated JSON syntax) with `registry`.
  // Throws ScenarioError naming the JSON location of anything wrong.
  Simulation(const nlohmann::json& doc, const Registry& registry, std::optional<std::uint64_t> seed = {});
  ~Simulation();
  // The memory a scenario may ask for: above it (the per-window series and histograms of the
  // run plus the components' own estimates) the scenario is refused at build time with the
  // estimate; the calls in flight are counted during the run, which stops (run() throws
  // std::runtime_error "out of memory budget ...") when they would pass it.
  static constexpr std::uint64_t kMemoryBudget = 8'000'000'000;  // 8 GB
  // The requests a scenario may ask for: the sources' mean load over the run (a closed loop
  // at most users / think time, think time taken as at least 1 ms). Above it the scenario is
  // refused at build time: at about a million requests per second per core it would run
  // for more than a day.
  static constexpr double kRequestBudget = 1e11;
  // That estimate for this scenario (0 when no source describes its load).
  double estimated_requests() const { return estimated_requests_; }
  // What the scenario probably got wrong but may run with (scenario/connection_budget.h), found at
  // build; the CLI says them on stderr and lists them in summary.json's "warnings".
  const std::vector<ScenarioWarning>& warnings() const { return warnings_; }

  Simulation(const Simulation&) = delete;
  Simulation& operator=(const Simulation&) = delete;

  // Records request traces of up to `n` sampled requests (sim/trace.h) in the run that
  // follows; result().trace holds them. Call before run().
  void enable_trace(std::uint32_t n);

  // Begins the run at `t` instead of 0 (a segment of a time-parallel run, tools/cli/segments.h):
  // the components' start() is called at now() = t, so a model that schedules at a scenario
  // time T schedules T - now() and says what a T before now means (a fault already over is
  // not injected; one under way begins at t). `t` must be a multiple of the window and no
  // later than the warm-up's end when there is one (the measured part starts at the warm-up).
  // Throws std::invalid_argument otherwise. Call before run().
  void start_at(Time t);
  // result() keeps the latency histograms (RunResult::histograms, ComponentReport::histograms)
  // for a segment's results to be stitched exactly. Call before result().
  void keep_histograms() { keep_histograms_ = true; }
  Time start_time() const { return start_; }
  // Some component ends the run when its test is done (BuildContext::ends_run_when_done): the
  // run's length is not known before it runs, so it cannot be cut into segments.
  bool ends_when_tests_end() const { return tests_running_ > 0; }

  // Runs to the end of the scenario. `progress(fraction)` is called now and then. When
  // `stop` becomes true (checked every 1,024 events, e.g. set by a signal handler) the run
  // ends at the current simulated time instead: result() is then partial (RunResult::partial).
  // Throws std::runtime_error (a run that failed, exit 1) when no simulated time passes for
  // about 10 million events (the watchdog: "no simulated time passed ...") or when the calls
  // in flight would pass the memory budget ("out of memory budget ...").
  void run(const std::function<void(double)>& progress = {}, const std::atomic<bool>* stop = nullptr);
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
  // What the run is estimated to hold at its peak before it starts (check_memory_budget:
  // series, histograms, each component's own), without the requests in flight.
  double memory_estimate() const { return estimate_bytes_; }
  // The routes the scenario names, by interned index (sim/request_ledger.h).
  std::uint32_t route_count() const { return requests_->route_count(); }
  const std::string& route_name(std::uint32_t i) const { return requests_->route_name(i); }
  const std::string& zone_of(std::uint32_t i) const { return zones_[i]; }
  // The one-way latency between two declared regions (constant 0 for the same region or "").
  const Distribution& region_latency(const std::string& a, const std::string& b) const;

 private:
  friend class Context;
  friend class BuildContext;
  friend class ConnectContext;

  enum EventKind : std::uint16_t { kDeliver = 1, kReply, kTimeouts, kTimer, kWindow, kWarmup, kEndRun };
  struct CallRecord {
    RequestInfo req;
    std::uint64_t token = 0;
    Time sent = 0;
    std::uint32_t caller = 0, callee = 0, link = 0;
    std::uint32_t from_instance = kNoInstance;  // Context::call's: in what was padding (the record stays 120 B)
    Result result;
    Status status = Status::Ok;
    bool caller_done = false, callee_done = false;
    bool one_way = false;  // Context::send: no reply travels back
    bool reply_lost = false;  // a faulted link lost the call or its reply: only a timeout ends it
    bool timed = false;  // a timeout was armed (arm_timeout): an answer tells the timeout store
    // Every field, as a new call has them: records are freed without a reset
    // (Pool::free_unreset), so Context::call and send assign them all here.
    void assign(const RequestInfo& r, std::uint64_t t, Time now, std::uint32_t from, std::uint32_t to, std::uint32_t l,
                std::uint32_t inst, std::uint8_t hop) {
      req = r;
      req.hop = hop;
      from_instance = inst;
      token = t;
      sent = now;
      caller = from;
      callee = to;
      link = l;
      result = Result{};
      status = Status::Ok;
      caller_done = callee_done = one_way = reply_lost = timed = false;
    }
  };
  struct Link {
    std::uint32_t from = 0, to = 0;
    Distribution latency;
    bool zero = true;  // tested first: a zero delay saves the saturating add as well
    Time proxy = 0;    // the proxies beside its two ends (sidecars), added to every crossing
    // Every crossing's delay when the latency draws nothing (a constant), so that a crossing
    // costs no call into the distribution; -1 when it draws.
    Time fixed = 0;
    Rng rng;
    bool faulted = false;  // one branch per call when no fault is active
    LinkFault fault;
    Rng fault_rng;
  };
  void parse_settings(Params& top);
  void read_regions(Params& regions);
  void build_components(Params& top, const Registry& registry);
  // Component i of the list (build_components collects the errors of each).
  void build_component(Params& cp, std::size_t i, const Registry& registry, const std::vector<std::string>& types,
                       std::set<std::string>& seen);
  void resolve_references(Params& top);
  void check_call_cycles();
  void check_memory_budget();
  void watch_in_flight() const;
  // What a call in flight holds with its job, timeout and events (watch_in_flight).
  static constexpr double kBytesPerCall = 330;
  double fixed_bytes_ = 0;  // check_memory_budget's estimate: all but the calls in flight and the histograms
  double estimate_bytes_ = 0;
  void estimate_requests();
  void build_sections(Params& top, const Registry& registry);
  void read_top_level(Params& top, const Registry& registry, TopLevelStage stage);
  void set_population(const RequestPopulation& p, const std::vector<std::string>& routes);
  // Inlined into the run loop (its hot caller); stuck() calls it too.
  [[gnu::always_inline]] inline void dispatch(const Event& e);
  [[noreturn, gnu::cold, gnu::noinline]] void stuck();
  // Call timeouts wait in one store; one scheduler event stands at its earliest deadline
  // (timeouts_armed_at_), so a call answered in time costs a push, a count and no event (the
  // store sees the answer by the call's handle, freed in calls_: sim/timeout_store.h).
  [[gnu::always_inline]] inline void arm_timeout(Time timeout, CallId h);
  void rearm_timeouts();
  void expire_timeouts();
  void fire_timeout(CallId h);
  Pool<CallRecord> calls_;
  TimeoutStore<Pool<CallRecord>> timeouts_{calls_};  // reads calls_'s generations: declared after it
  Time timeouts_armed_at_ = kTimeMax;
  Time link_delay(std::uint32_t link) {
    Link& l = links_[link];
    return l.zero ? 0 : l.fixed >= 0 ? l.fixed : after(l.latency.sample_time(l.rng), l.proxy);
  }

  ScenarioSettings settings_;
  std::vector<std::string> cause_names_;  // by Status value, from the registry
  Scheduler sched_;
  Time now_ = 0;
  Time start_ = 0;  // start_at
  bool keep_histograms_ = false;
  std::uint64_t events_ = 0;
  // Hash of what the components were handed, in order: (time, component, kind, tag) of every
  // delivery, reply (tag = status; a timeout is a reply) and timer. Engine-internal events
  // (timeout-list wake-ups, windows) are left out, so a change of how the engine stores its
  // work keeps the fingerprint and a change of behaviour moves it (OMNeT++'s cfingerprint).
  std::uint64_t fingerprint_ = 0xcbf29ce484222325ULL;
  void fingerprint(std::uint32_t component, std::uint16_t kind, std::uint16_t tag) {
    fingerprint_ = (fingerprint_ ^ static_cast<std::uint64_t>(now_)) * 0x100000001b3ULL;
    fingerprint_ = (fingerprint_ ^ (static_cast<std::uint64_t>(component) << 32 | std::uint64_t{kind} << 16 | tag)) *
                   0x100000001b3ULL;
  }
  Context ctx_;
  std::unique_ptr<Metrics> metrics_;
  std::vector<std::unique_ptr<Component>> comps_;
  std::vector<std::string> zones_;
  std::vector<std::string> regions_;  // by component index ("" when none)
  std::vector<std::string> key_formats_;  // BuildContext::key_format_index
  std::vector<char> in_process_;      // by component index: BuildContext::in_process()
  std::vector<Time> proxy_;           // by component index: BuildContext::proxies_crossings()
  std::vector<char> ends_requests_;   // by component index: BuildContext::end_to_end_latency() was called
  std::vector<Reference> refs_;
  std::vector<Link> links_;
  std::vector<std::vector<std::uint32_t>> callers_;  // by callee, built at connect (ConnectContext::callers)
  std::uint32_t hidden_from_ = 0;  // components from this index on were built from sections

  double estimated_requests_ = 0;
  std::unique_ptr<BuildState> build_;  // what only the building reads (scenario/build.h)
  std::vector<ScenarioWarning> warnings_;
  std::optional<RequestLedger> requests_;  // the end-to-end ledger (sim/request_ledger.h), built with metrics_
  std::uint64_t next_request_id_ = 1;
  double wall_time_s_ = 0;
  bool stopped_ = false;  // run() ended early on `stop`, at reached_
  // Components whose test has not ended yet (BuildContext::ends_run_when_done); the run ends
  // when the count falls to zero (ended_early_, at reached_), the scenario's duration a cap.
  std::uint32_t tests_running_ = 0;
  bool ended_early_ = false;
  Time reached_ = 0;
  std::unique_ptr<Tracer> tracer_;  // null unless enable_trace: the hooks test it, nothing more
  std::unique_ptr<RequestLog> request_log_;  // null unless a component logs (BuildContext::log_requests)
  std::string pending_id_;  // id of the component being built (BuildContext::id)
};

}  // namespace archsim
