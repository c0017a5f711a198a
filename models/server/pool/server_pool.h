// Server pool: the replicated servers a family puts behind its component id, with their
// workers, accept queues and lifecycle. Shared by every family whose nodes are servers
// (models/service today); the family keeps what its requests do, the pool where they wait.
//
// Follows two real systems:
//  - A thread-per-request server (Tomcat's connector: maxThreads workers and an acceptCount
//    queue, org/apache/tomcat/util/net/AbstractEndpoint.java): each instance has
//    `concurrency` workers and one FIFO accept queue of `queue_capacity` (null = unbounded).
//    A request is admitted to a free worker or queued; a full queue refuses it (the caller
//    answers 503); an owner may make the queue LIFO while it stands (set_adaptive_lifo,
//    Facebook's adaptive LIFO). Workers may share fewer `cores` (the owner runs processor sharing; the
//    pool accounts the CPU so that cpu_utilization is the cores' utilization).
//  - Kubernetes pods of a Deployment behind a Service (pkg/controller/replicaset, kubelet's
//    pod lifecycle): an instance is Starting for `startup_time` (not ready, no traffic),
//    Ready, Draining on scale-in (no new work, `termination_grace` for what it holds, then
//    the rest is dropped), Down after a crash or a kill (restarts after the kubelet's
//    CrashLoopBackOff, restart_backoff.h, then `restart_time` + start-up), Gone. Scale-in
//    ranks victims as the ReplicaSet controller does (not-ready first, then the newest). An
//    instance whose memory passes `memory.limit_mb` is OOMKilled. With `memory.gc_cost` the limit is a
//    garbage-collected heap (a JVM's -Xmx) and work slows as it fills: see gc_factor; with a
//    `gc` block the instance also stops for its collector's pauses (gc_pauses.h). Instances are spread round-robin over
//    `zones`; a zone outage takes its instances down until it is restored. The instance a
//    request goes to is chosen by a picker (lib/picker; kube-proxy spreads evenly:
//    round_robin by default). Each instance is billed from launch to termination at the
//    price of its own instance type.
//
// Simplifications: instances of one pool are identical but for their type's speed; without
// probes an instance is ready when its start-up ends (probes.cpp, readiness.cpp: the kubelet's
// liveness, readiness and startup probes); no pod scheduling onto nodes; memory is
// base + per request held + a leak, sampled every 100 ms while it can change.
//
// What the pool does not know: the requests themselves. It holds job numbers (the owner's
// slots) in its queues; the owner answers requests, and drops them when the pool tells it
// to (PoolJobs::drop_jobs, on lifecycle changes only). The hot path (pick, admit,
// take/release a worker, CPU accounting, finish) is declared here and defined inline in
// hot_path.h, with no virtual call and no allocation; an instance's state is PoolInstance
// (pool_instance.h), what the owner gives the pool PoolJobs and PoolNodes (pool_owner.h);
// lifecycle and faults are in the .cpp files, one job each (README.md beside this header).
// An owner runs the accept -> worker -> done -> next-job cycle through PoolDriven
// (pool_driven.h: accept, finish_service and its hooks), not by hand. The pool offers the Scalable, Resizable, Crashable and ZoneAware capabilities
// (models/contracts/capabilities.h): an owner returns it for them from capabilities().
//
// Addressed use (addressed.cpp: configure() instead of read(), the owner choosing each
// request's slot), for a family whose nodes are not interchangeable replicas: README.md.
#pragma once
#include <algorithm>
#include <cstdint>
#include <functional>
#include <memory>
#include <queue>
#include <string>
#include <vector>

#include "models/contracts/capabilities.h"
#include "models/contracts/ready_ledger.h"
#include "lib/picker/picker.h"
#include "models/server/pool/disruption.h"
#include "models/server/pool/gc_pauses.h"
#include "models/server/pool/pool_instance.h"
#include "models/server/pool/pool_owner.h"
#include "models/server/pool/pool_timers.h"
#include "models/server/pool/restart_backoff.h"
#include "models/server/pool/rollout.h"
#include "scenario/build.h"
#include "sim/context.h"
#include "sim/distribution.h"
#include "sim/figures.h"
#include "sim/metrics.h"
#include "sim/random.h"
#include "sim/request.h"
#include "sim/ring.h"

namespace archsim {

class ComponentReport;
struct InstanceTypeSpec;

class ServerPool final : public PoolTimers,
                         public Scalable,
                         public Resizable,
                         public Crashable,
                         public ZoneAware,
                         public Disruptable,
                         public CpuRequests {
 public:
  using Instance = PoolInstance;
  static constexpr std::uint32_t kNone = ~0u;
  // Its timer tags (Tag, RolloutTag, owns_timer, kTagBlock, kLeftToOwner) are PoolTimers'.

  // `self` is the owning component (timers and metrics of capability calls are its own),
  // `rng` the owner's stream: start-up and restart times and the picker draw from it.
  ServerPool(Component& self, PoolJobs& jobs, Rng& rng) : self_(&self), jobs_(&jobs), rng_(&rng) {}
  ServerPool(const ServerPool&) = delete;
  ServerPool& operator=(const ServerPool&) = delete;

  // ---- build (pool_params.cpp, metrics.cpp) ----

  // Reads replicas, concurrency, cores, resources, queue_capacity, speed, instance_type, startup_time,
  // restart_time, restart_backoff, termination_grace, memory, balancer, zones, deployment and
  // rollouts of the component `p`.
  void read(Params& p, BuildContext& bc);
  // Addressed use (addressed.cpp): the pool from the owner's PoolNodes; `p` is the component,
  // blamed for an unknown instance type at `spec.type_field`.
  void configure(Params& p, BuildContext& bc, const PoolNodes& spec);
  bool addressed() const { return addressed_; }
  // Gauges busy, capacity, cpu, queued, in_system, replicas, ready_replicas, instances and
  // the utilization ratios; register_memory_metrics the memory gauge and OOM counter (when
  // there is a limit). Two calls so that an owner can keep the order of its series.
  void register_metrics(Metrics& m);
  void register_memory_metrics(Metrics& m);
  // Load figures, declared into the owner's at build time after register_metrics:
  // utilization, cpu_utilization, busy_workers, queue_length, in_system, replicas,
  // ready_replicas, mean_replicas, peak_replicas, concurrency, then the probes' (liveness,
  // readiness, startup) of the probes configured.
  void declare_load(Figures& f) const;
  // Two of them alone, for an owner whose nodes are not replicas (addressed use):
  // utilization (busy workers / workers of running nodes) and queue_length, time averages;
  // written at the end (an owner that declares them ahead of register_metrics).
  void report_utilization(Context& ctx, ComponentReport& r) const;
  // Billing figures (billing.cpp).
  void report_billing(Context& ctx, ComponentReport& r) const;
  // What each rollout did ("rollouts.<k>.*" figures and a "rollout" interval each; rollout.cpp).
  // Nothing when the component has no rollouts.
  void report_rollouts(Context& ctx, ComponentReport& r) const;
  // With a memory limit (memory.cpp): "oom_kills", the kills after warm-up, and an interval
  // of kind kOomKillKind (sim/results.h) for each of the first kOomKept kills of the run,
  // from the kill to the instance's next Ready (or its removal, or the end of the run).
  void report_memory(Context& ctx, ComponentReport& r) const;
  static constexpr std::size_t kOomKept = 500;
  // What each drain did ("drains.<k>.*") and the budget ("disruption_budget.*"; disruption.cpp).
  void report_disruptions(Context& ctx, ComponentReport& r) const;
  // The discovery lag and the requests sent to stale endpoints ("discovery.*"; discovery.cpp),
  // declared as declare_load's.
  void declare_discovery(Figures& f) const;

  // ---- run ----

  // Launches the initial replicas, ready at once (the run starts in steady state).
  void start(Context& ctx);
  void on_timer(Context& ctx, std::uint16_t tag, std::uint64_t data);

  // ---- addressed use (addressed.cpp) ----

  // The node in `slot` takes requests (Ready).
  bool serving(std::uint32_t slot) const { return instances_[slot].state == Instance::Ready; }
  // Crashes the node in `slot`: its jobs are dropped (PoolJobs::drop_jobs), slot_down is
  // called, and it restarts after the kubelet's back-off (restart_backoff.h), `restart` and
  // `startup` (unless its zone is down), then slot_ready. `replaced`: a planned stop (a drain,
  // a rolling restart) whose pod is replaced, restarting with no back-off and a fresh one.
  // False when it is not running or starting.
  bool crash_node(Context& ctx, std::uint32_t slot, bool replaced = false);
  // Job `j` waiting in the node's queue gives up (it no longer counts against the node; no
  // job_done for it). O(queue length): for rare events (a failover), not per request.
  void withdraw(Context& ctx, std::uint32_t slot, std::uint32_t j);
  // The node in `slot` served a request outside the pool's workers (a broker's append): it
  // counts as answered, for a memory leak per request.
  void served(std::uint32_t slot) { ++instances_[slot].completed; }

  // ---- requests (hot path) ----

  // The ready instance a request goes to, or -1 when none is ready.
  int pick(const RequestInfo& req);
  const Instance& instance(std::uint32_t slot) const { return instances_[slot]; }
  // A response of the instance in `slot` (served or not; `latency` of a served one), for the
  // rollout's analysis (rollout.h): counted when the instance runs the version under analysis.
  // One test of a flag when the component has no rollouts.
  void observe(Context& ctx, std::uint32_t slot, bool ok, Time latency);
  // Service-discovery lag (discovery.cpp): the picked instance is one the callers still list
  // but that no longer serves (terminated, draining, crashed, restarting). Counts it; the
  // owner answers the request with stale_cause() at once. One test of a flag without a lag
  // (pick() then returns ready instances only).
  bool stale_endpoint(Context& ctx, std::uint32_t slot);
  Status stale_cause() const { return stale_cause_; }
  // Every worker of the instance busy and its queue holding `depth` or more.
  bool saturated(std::uint32_t slot, std::uint64_t depth) const;
  // Whether the instance's queue is standing: not empty for longer than `interval` (CoDel's
  // and Facebook's "Fail at Scale" test of a queue that no longer drains).
  bool standing(std::uint32_t slot, Time now, Time interval) const;
  // Adaptive LIFO ("Fail at Scale", ACM Queue 2015): while the queue is standing for more
  // than `interval`, a freed worker takes the newest waiting job instead of the oldest, so
  // that the requests served are the ones whose callers still wait. 0 (the default): FIFO.
  void set_adaptive_lifo(Time interval) { lifo_after_ = interval; }
  // No worker free and the queue full: a new request is refused.
  bool full(std::uint32_t slot) const { return saturated(slot, queue_capacity_); }
  // Admits job `j` (the caller checked !full(slot)): true when it got a worker at once,
  // false when it waits in the queue (it comes back from release_worker / finish).
  bool admit(Context& ctx, std::uint32_t slot, std::uint32_t j);
  // A held request without a worker (io async, back from its calls) wants one again: true
  // when it got one, false when it queued.
  bool reacquire_worker(Context& ctx, std::uint32_t slot, std::uint32_t j);
  // The request keeps being held but gives its worker up (io async: waiting on a call). The
  // worker goes to the oldest queued job, returned (it now holds the worker: resume it), or
  // kNone when none waited.
  [[nodiscard]] std::uint32_t release_worker(Context& ctx, std::uint32_t slot);
  // A request of the instance was answered (or dropped): counts it, and it no longer counts
  // against the instance's load. Its worker, if any, is the caller's next step: worker_done
  // (it held one) or detached_done (it did not).
  void job_done(Context& ctx, std::uint32_t slot);
  // The worker of a finished request: to the oldest queued job (returned: resume it) or idle.
  [[nodiscard]] std::uint32_t worker_done(Context& ctx, std::uint32_t slot);
  // A finished request held no worker.
  void detached_done(Context& ctx, std::uint32_t slot);
  // `delta` more (or fewer) of the instance's workers are doing CPU work.
  void add_cpu(Context& ctx, std::uint32_t slot, int delta);
  // After an admission: an instance whose requests pass its memory limit is OOMKilled at
  // once, taking every request it holds with it. True when it was (memory.cpp).
  bool check_memory(Context& ctx, std::uint32_t slot);
  // The owner's data in `slot` changes during the run (a service's held connections): its
  // size (PoolJobs::data_mb) is set at once with note_data_mb, for the HPA's memory metric,
  // and memory ticks sample it too, so the limit's OOM kill comes at the next tick (up to
  // 100 ms late, as a leak's). Build time only.
  void watch_owner_data() { owner_data_ = true; }
  void note_data_mb(std::uint32_t slot, double mb) { instances_[slot].data_mb = mb; }

  // The factor on a work step's time from garbage collection under memory pressure
  // (memory.gc_cost; memory.cpp) and a concurrent collector's phase (gc_pauses.h): 1 without.
  double gc_factor(std::uint32_t slot, Time now) const { return gc_work_ ? gc_work_factor(slot, now) : 1.0; }
  // Stop-the-world pauses (gc_pauses.h: an instance's gc_frozen, gc_clock, gc_delay).
  bool gc_pauses() const { return gc_ != nullptr; }
  void register_gc_metrics(Metrics& m);
  void declare_gc(Figures& f) const;

  // Work shares each instance's cores (PoolInstance::cores) by processor sharing: fewer
  // "cores" than workers, or a CPU request ("resources.requests.cpu"), which may change per
  // instance (set_cpu_request).
  bool shared_cores() const { return cores_ < concurrency_ || cpu_request_given_; }
  std::uint32_t slots() const { return static_cast<std::uint32_t>(instances_.size()); }
  std::uint32_t initial_replicas() const { return initial_replicas_; }
  // Waiting places per instance: -1 when unbounded.
  long long queue_capacity() const {
    return queue_capacity_ == UINT64_MAX ? -1 : static_cast<long long>(queue_capacity_);
  }

  // ---- Scalable (lifecycle.cpp) ----
  std::uint32_t replicas() const override { return replicas_; }
  std::uint32_t ready_replicas() const override { return ready_; }
  std::uint32_t concurrency() const override { return concurrency_; }
  double memory_limit_mb() const override { return memory_limit_mb_; }
  void scale_to(Context& ctx, std::uint32_t target) override;
  void instance_stats(Time now, std::vector<InstanceStat>& out) const override;

  // ---- Resizable (lifecycle.cpp) ----
  const std::string& instance_type() const override { return instance_type_; }
  double speed() const override { return speed_; }
  void set_instance_type(const std::string& type, double speed) override;
  void surge(Context& ctx) override;
  bool retire_outdated(Context& ctx) override;

  // ---- Crashable (faults.cpp) ----
  std::uint32_t crash(Context& ctx, std::uint32_t count) override;
  std::uint32_t instance_slots() const override { return slots(); }
  bool fail_instance(Context& ctx, std::uint32_t slot) override;
  void repair_instance(Context& ctx, std::uint32_t slot) override;
  ReadyHistory ready_history(Time now, Time warmup) const override;
  Time crash_over(Time at, Time now) const override;

  // ---- Disruptable (disruption.cpp) ----
  std::uint32_t drain(Context& ctx, std::uint32_t count) override;

  // ---- CpuRequests (disruption.cpp) ----
  bool has_cpu_request() const override { return cpu_request_given_; }
  double cpu_request() const override { return cpu_request_; }
  void set_cpu_request(double cores) override { cpu_request_ = cores; }
  bool evict(Context& ctx, std::uint64_t serial) override;

  // ---- ZoneAware (faults.cpp) ----
  const std::vector<std::string>& zones() const override { return zones_; }
  void fail_zone(Context& ctx, const std::string& zone) override;
  void restore_zone(Context& ctx, const std::string& zone) override;

  // ---- memory (memory.cpp); the owner's Degradable forwards to these ----
  bool oom_killable() const { return memory_limit_mb_ > 0; }
  // Every serving instance leaks `per_request_mb` per request answered and `per_second_mb`
  // per second; zero rates stop the leak. False when there is no memory limit.
  bool set_memory_leak(Context& ctx, double per_request_mb, double per_second_mb);

 private:
  // Takes the pool's block of timer tags (kTagBlock) from `bc`; throws std::logic_error when
  // another part of the component asked first (the pool's numbers are fixed).
  static void take_tags(Params& p, BuildContext& bc);
  bool take_free_worker(Context& ctx, std::uint32_t slot, std::uint32_t j);
  // Out of line, and reached as a tail call: the queue's push may grow it (a call), and a
  // call on the common path would make every admit save registers for it.
  [[gnu::noinline]] bool queue_for_worker(Context& ctx, Instance& in, std::uint32_t j) {
    if (in.queue.empty()) in.queue_since = ctx.now();
    in.queue.push(j);
    ctx.metrics().add(queued_g_, 1, ctx.now());
    return false;
  }
  std::uint32_t hand_worker_on(Context& ctx, std::uint32_t slot);
  // Integrates the busy and CPU areas up to now. With no time since the last touch it adds
  // n x 0.0 = +0.0 (n finite, areas never -0.0): a no-op, skipped (a request's start and
  // end each touch twice at one instant).
  void touch(const Context& ctx, Instance& in) const;
  void set_busy(Context& ctx, Instance& in, int delta);
  // Worker-equivalents of `cpu` workers in work: themselves, or with shared cores the busy
  // cores of the instance scaled to the worker count, so that area / (concurrency x time) is
  // the utilization of its cores (of its CPU request) for the autoscaler and the
  // cpu_utilization figure alike.
  double cpu_load(const Instance& in, std::uint32_t cpu) const;

  // A lifecycle timer's data: the slot, and the generation that must still be current.
  static std::uint64_t timer_data(std::uint32_t slot, std::uint32_t gen) { return (static_cast<std::uint64_t>(slot) << 32) | gen; }

  // lifecycle.cpp
  void launch(Context& ctx, bool already_ready);
  void begin_startup(Context& ctx, std::uint32_t i);
  void set_state(Context& ctx, std::uint32_t i, Instance::State st);
  int pick_victim() const;
  void retire(Context& ctx, std::uint32_t i);
  void go_down(Context& ctx, std::uint32_t i, bool replaced = false);
  void drop(Context& ctx, std::uint32_t i);
  void update_counts(Context& ctx);
  void set_alive(Context& ctx, int delta);
  // faults.cpp
  void track_ready(const Context& ctx);
  // The instance is ready again, or gone: closes the records it was down for. Only when it has one.
  void instance_back(std::uint32_t i, Time now);
  void note_crash(std::uint32_t i, Time now);
  // rollout.cpp
  void read_deployment(Params& p, BuildContext& bc);
  void register_rollout_metrics(Metrics& m);
  void begin_rollout(Context& ctx, std::uint32_t k);
  void run_rollout(Context& ctx);
  bool sync_rolling(Context& ctx);
  bool sync_recreate(Context& ctx);
  void track_rollout(Context& ctx);
  void analysis_tick(Context& ctx, std::uint32_t k);
  void observe_version(Context& ctx, std::uint32_t slot, bool ok, Time latency);
  int pick_victim_of(bool target_version, bool ready) const;
  static VersionIndex::View index_view(const Instance& in);
  // bluegreen.cpp
  bool sync_blue_green(Context& ctx);
  void blue_green_switch(Context& ctx);
  void blue_green_timer(Context& ctx, std::uint16_t tag, std::uint64_t gen);
  void set_parked(Context& ctx, std::uint32_t i, bool parked);
  // probes.cpp
  void read_probes(Params& p);
  void arm_probe(Context& ctx, std::uint32_t i, Time delay);
  void probe(Context& ctx, std::uint32_t i);
  void probe_check(Context& ctx, std::uint32_t i);
  // A probe sent now to the instance: true when a free worker answers it at once; else it
  // waits behind the queue, and `need` / `mark` say when it has reached a worker. In a
  // collector's pause nothing answers until its end: a probe whose timeout ends first fails.
  bool probe_sent(const Instance& in, Time now, Time timeout, std::uint32_t& need, std::uint64_t& mark) const {
    if (in.gc_until > now) [[unlikely]]
      return gc_probe_held(in, now, timeout, in.busy < concurrency_, need, mark);
    if (in.busy < concurrency_) return true;
    need = static_cast<std::uint32_t>(in.queue.size()) + 1;
    mark = in.completed;
    return false;
  }
  static bool running(const Instance& in) { return in.state == Instance::Ready || in.state == Instance::Unready; }
  // readiness.cpp
  void arm_container_probes(Context& ctx, std::uint32_t i);
  void container_started(Context& ctx, std::uint32_t i);
  void readiness_probe(Context& ctx, std::uint32_t i);
  void readiness_result(Context& ctx, std::uint32_t i, bool ok);
  void startup_probe(Context& ctx, std::uint32_t i);
  void declare_probes(Figures& f) const;
  // discovery.cpp
  void read_discovery(Params& p, BuildContext& bc);
  void endpoint_changed(Context& ctx, std::uint32_t i, bool ready);
  void endpoint_sync(std::uint64_t data);
  bool listed(std::uint32_t i) const { return backends_[i].eligible || instances_[i].endpoint_updates; }
  // disruption.cpp
  void read_disruption_budget(Params& p);
  void evict_pending(Context& ctx);
  bool eviction_allowed(const Instance& in) const;
  // memory.cpp
  bool leak_active() const { return leak_request_mb_ > 0 || leak_second_mb_ > 0; }
  bool memory_watched() const {
    return leak_active() || (memory_limit_mb_ > 0 && (memory_per_request_mb_ > 0 || owner_data_));
  }
  double instance_memory_mb(const Instance& in) const;
  double gc_slowdown(const Instance& in) const;
  // gc_pauses.cpp
  void read_gc(Params& p);
  void gc_launched(Instance& in);
  void gc_allocate(Context& ctx, std::uint32_t slot);
  void gc_end(Context& ctx);
  double gc_work_factor(std::uint32_t slot, Time now) const;
  void memory_tick(Context& ctx);
  void oom_kill(Context& ctx, std::uint32_t i);
  // restart_backoff.cpp
  Time restart_wait(Context& ctx, std::uint32_t i);
  void backoff_over(Context& ctx, std::uint32_t i);
  void declare_backoff(Figures& f) const;

  // pool_params.cpp: a Kubernetes CPU quantity (0.5, "500m") at `key`, in cores
  static double read_cpu_quantity(Params& p, const char* key);
  // pool_params.cpp: the type named at `field` (or none), checked against the catalogue
  const InstanceTypeSpec* read_instance_type(Params& p, BuildContext& bc, const char* field);

  Component* self_;
  PoolJobs* jobs_;
  bool owner_data_ = false;  // watch_owner_data()
  Rng* rng_;
  std::string id_;

  // ---- configuration ----
  std::uint32_t initial_replicas_ = 1, concurrency_ = 1;
  std::uint32_t cores_ = 1;  // per instance; = concurrency_ unless "cores" shares fewer
  // "resources.requests.cpu": the cores an instance launched now gets (= cores_ without one)
  double cpu_request_ = 1;
  bool cpu_request_given_ = false;
  std::uint64_t queue_capacity_ = UINT64_MAX;
  Time lifo_after_ = 0;  // set_adaptive_lifo: LIFO once the queue stands this long; 0 = FIFO
  double speed_ = 1;
  double memory_limit_mb_ = 0, memory_base_mb_ = 0, memory_per_request_mb_ = 0;
  double gc_cost_ = 0;  // memory.gc_cost; 0 = no garbage collector slowing work (gc_factor)
  std::unique_ptr<GcSpec> gc_;  // the "gc" block; null = no pauses
  bool gc_work_ = false;        // gc_cost_ or a concurrent collector: gc_factor computes
  Distribution startup_, restart_;
  Time grace_ = 30 * kSecond;
  std::vector<std::string> zones_;
  std::string instance_type_;
  std::vector<std::string> types_;  // every type this pool has run; [type_] is the current one
  std::uint32_t type_ = 0;
  bool addressed_ = false;
  std::vector<std::uint32_t> zone_of_;  // addressed: node -> zone
  bool ready_at_restart_ = false;       // addressed: PoolNodes::ready_at_restart with no start-up

  // ---- instances ----
  std::vector<Instance> instances_;
  std::vector<Backend> backends_;  // parallel to instances_, for the picker
  // Slots a launch may reuse (Gone, and listed by no caller), lowest first; an entry whose
  // slot was reused since is skipped (launch). A scan for the lowest made launches quadratic.
  std::priority_queue<std::uint32_t, std::vector<std::uint32_t>, std::greater<>> free_slots_;
  std::unique_ptr<Picker> picker_;
  bool membership_changed_ = true;
  std::uint32_t replicas_ = 0, ready_ = 0, peak_replicas_ = 0;
  std::uint32_t draining_ = 0;  // instances in Draining: out of rotation, workers still theirs
  std::uint32_t unready_ = 0;   // instances in Unready (readiness probe): likewise
  std::uint64_t next_serial_ = 0;

  // ---- billing: instance lifetimes ----
  double alive_ = 0, instance_area_ = 0;
  Time alive_last_ = 0;
  std::vector<std::pair<std::uint32_t, double>> bills_;  // (type, seconds) of terminated instances

  // ---- faults: memory leaks, ready-level history ----
  static constexpr Time kMemoryTickPeriod = 100 * kMillisecond;
  double leak_request_mb_ = 0, leak_second_mb_ = 0;
  std::uint32_t oom_kills_ = 0;
  // The first kOomKept OOM kills: when, which slot, when it was ready again (-1: not yet);
  // and each crash instant (crash(), crash_node()): how many it took down are not back yet.
  struct OomRecord {
    Time at = 0, over = -1;
    std::uint32_t slot = 0;
  };
  struct CrashRecord {
    Time at = 0, over = -1;
    std::uint32_t down = 0;
  };
  std::vector<OomRecord> ooms_;
  std::vector<CrashRecord> crashes_;
  ReadyLedger ready_ledger_;  // time at each ready level, outages (models/contracts/ready_ledger.h)

  // ---- deployments (rollout.h, rollout.cpp); deploy_ is null without rollouts ----
  std::unique_ptr<PoolDeployment> deploy_;
  bool analysing_ = false;  // a rollout's analysis is measuring the new version
  // ---- voluntary disruptions (disruption.h); null until a budget or a drain exists ----
  std::unique_ptr<PoolDisruption> disrupt_;
  // ---- liveness probe (probes.cpp); period 0 = none ----
  Time probe_period_ = 0, probe_timeout_ = 0, probe_delay_ = 0;
  std::uint32_t probe_threshold_ = 3;
  std::uint64_t probe_failed_ = 0, probe_restarts_ = 0;
  CounterId probe_restart_c_;
  RestartBackoff restart_backoff_;  // "restart_backoff"; and what it did:
  RestartBackoffFigures backoff_;
  // ---- readiness and startup probes (readiness.cpp); period 0 = none ----
  struct ProbeSpec {
    Time period = 0, timeout = 0, delay = 0;
    std::uint32_t failure_threshold = 3, success_threshold = 1;
  };
  ProbeSpec readiness_, startup_probe_;
  std::uint64_t ready_failed_ = 0, ready_removals_ = 0, ready_returns_ = 0, start_failed_ = 0, start_kills_ = 0;
  Time first_removed_ = -1, first_returned_ = -1, first_start_kill_ = -1;
  // ---- service-discovery lag (discovery.cpp); 0 = callers see changes at once ----
  Time discovery_delay_ = 0;
  Status stale_cause_ = Status::Error;
  std::uint64_t stale_sent_ = 0;
  CounterId stale_c_;

  // ---- metrics ----
  GaugeId busy_g_, capacity_g_, cpu_g_, queued_g_, in_system_g_, replicas_g_, ready_g_, alive_g_, memory_g_;
  CounterId oom_c_;
  GaugeId gc_paused_g_;
  HistogramId gc_pause_h_;
  CounterId gc_full_c_;
};

}  // namespace archsim

#include "models/server/pool/hot_path.h"  // the per-request functions declared above, inline
