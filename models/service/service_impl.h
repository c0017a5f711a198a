// Internals of the service model (models/service/service.h says what it follows and where
// it simplifies). One class, its methods grouped by job in small files:
//   service.cpp             building it, requests through the steps of their route, replies
//   service_routes.cpp      reading routes and steps from the scenario; describe() for analyze
//   service_instances.cpp   instance lifecycle: start-up, ready, drain, scale, types, billing
//   service_faults.cpp      crashes, zone outages, memory leaks and OOM kills, ready history
//   service_resilience.cpp  call policies of call steps, load shedding, idempotent writes
//   service_cpu.cpp         work steps sharing an instance's cores (processor sharing)
// Only these files include this header.
#pragma once
#include <algorithm>
#include <string>
#include <vector>

#include "models/common/capabilities.h"
#include "models/common/picker/picker.h"
#include "models/common/resilience/call_policy.h"
#include "models/common/resilience/idempotency.h"
#include "models/service/service.h"
#include "sim/results.h"
#include "sim/describe.h"
#include "sim/ring.h"

namespace archsim::service_internal {

// A route is compiled to a flat list of steps run from pc 0; branches are jumps inside it.
//   Work      CPU work (needs a worker)          Call / Parallel  wait for replies
//   Publish   one-way send (or, with ack, a call)
//   Choice    jump to one arm by weight           Jump             go to `target`
//   Branch    after a call: go on when the last reply's flags meet `mask`, else to `target`
//   Repeat    back to `target` with probability `probability` (a feedback loop)
struct Step {
  enum Kind : std::uint8_t { Work, Call, Parallel, Publish, Choice, Jump, Branch, Repeat } kind = Work;
  Distribution work;
  RefId ref = 0;
  std::uint32_t route = 0;
  bool keep_route = true;
  bool continue_on_failure = false;  // Call: a failed call is a miss, not the request's failure
  bool ack = false;                  // Publish: wait for the broker's reply
  Time timeout = 0;
  std::uint32_t policy = 0;  // Call: 1 + index into Service::policies_ (retry, breaker, ...); 0 for none
  std::uint32_t first_child = 0, children = 0, wait_for = 0;  // Parallel: calls in `calls`; Choice: arms in `arms`
  std::uint32_t target = 0;  // Jump, Branch, Repeat: a pc
  std::uint32_t mask = 0;    // Branch: result flags that take the branch's first block
  double probability = 0;    // Repeat
};

struct ChoiceArm {
  double cumulative = 0;  // weights summed up to this arm
  std::uint32_t pc = 0;   // where the arm's steps start
};

struct Program {
  std::vector<Step> steps;
  std::vector<Step> calls;      // children of parallel steps
  std::vector<ChoiceArm> arms;  // arms of choice steps
  bool defined = false;
};

struct Job {
  CallId call = 0;
  RequestInfo req;
  Time arrived = 0;
  std::uint32_t instance = 0, program = 0, pc = 0;
  std::uint32_t serial = 0;  // names the step in flight; stale replies and timers carry an old one
  std::uint32_t pending = 0, oks = 0, fails = 0, needed = 0;
  Result last;  // the last call's reply result (what Branch steps read)
  std::uint32_t passes = 0;  // Repeat steps taken: later passes draw their own work and choices
  Status status = Status::Ok;
  bool live = false, in_work = false, queued = false;
  bool holds_worker = false;  // io async: released while a call is outstanding
};

struct Instance {
  enum State : std::uint8_t { Starting, Ready, Draining, Down, Gone } state = Starting;
  std::uint32_t busy = 0, cpu = 0;  // workers held; workers in a CPU step
  std::uint32_t detached = 0;       // io async: live jobs waiting on calls without a worker
  Ring<std::uint32_t> queue;
  std::uint64_t serial = 0;
  std::uint32_t timer_gen = 0;  // invalidates this instance's pending lifecycle timers
  std::uint32_t zone = 0;
  bool zone_down = false;
  double leaked_mb = 0;           // memory_leak fault: grows until OOMKilled
  std::uint64_t leak_mark = 0;    // `completed` at the last memory tick
  std::uint32_t oom_restarts = 0; // consecutive OOM kills, for CrashLoopBackOff
  Time launched = 0, ready_since = 0, area_last = 0;
  double busy_area = 0, cpu_area = 0;
  std::uint64_t completed = 0;
  double speed = 1;        // of its instance type, fixed for its life
  std::uint32_t type = 0;  // index into Service::types_
  // Processor sharing ("cores" < concurrency): work in virtual time. Each of the k jobs in a
  // work step progresses at min(1, cores / k), so the virtual clock ps_v advances at that
  // rate and a job ends when it reaches its finish tag (work started at ps_v + its work).
  double ps_v = 0;
  Time ps_last = 0;
  std::vector<std::pair<double, std::uint32_t>> ps_heap;  // (finish tag, job), a min-heap
  std::uint32_t ps_gen = 0;                               // invalidates the pending kPsDone timer
};

enum Tag : std::uint16_t { kWorkDone = 1, kReady, kGraceOver, kRestart, kMemoryTick, kPsDone };

class Service final : public Component,
                      public CallSink,
                      public HasCapabilities,
                      public Scalable,
                      public Resizable,
                      public Crashable,
                      public ZoneAware,
                      public Degradable {
 public:
  Service(Params& p, BuildContext& bc);

  // ---- Component ----

  void start(Context& ctx) override;
  void on_request(Context& ctx, CallId call) override;
  void on_timer(Context& ctx, std::uint16_t tag, std::uint64_t data) override;
  void on_reply(Context& ctx, CallId call, Status status, std::uint64_t token) override;
  void call_ended(Context& ctx, std::uint64_t token, Status status, const RequestInfo&, Result result) override;
  bool call_wanted(std::uint64_t token) const override;
  void finish(Context& ctx, ComponentReport& r) override;

  // ---- capabilities (models/common/capabilities.h); each method taking a Context switches
  // to this component itself (Context::ActingAs) ----

  Capabilities capabilities() override { return {this, this, this, this, this}; }

  // Scalable (service_instances.cpp)
  std::uint32_t replicas() const override { return replicas_; }
  std::uint32_t ready_replicas() const override { return ready_; }
  std::uint32_t concurrency() const override { return concurrency_; }
  double memory_limit_mb() const override { return memory_limit_mb_; }
  void scale_to(Context& ctx, std::uint32_t target) override;
  void instance_stats(Time now, std::vector<InstanceStat>& out) const override;

  // Resizable (service_instances.cpp)
  const std::string& instance_type() const override { return instance_type_; }
  double speed() const override { return speed_; }
  void set_instance_type(const std::string& type, double speed) override;
  void surge(Context& ctx) override;
  bool retire_outdated(Context& ctx) override;

  // Crashable (service_faults.cpp)
  std::uint32_t crash(Context& ctx, std::uint32_t count) override;
  std::uint32_t instance_slots() const override { return static_cast<std::uint32_t>(instances_.size()); }
  bool fail_instance(Context& ctx, std::uint32_t slot) override;
  void repair_instance(Context& ctx, std::uint32_t slot) override;
  ReadyHistory ready_history(Time now, Time warmup) const override;

  // ZoneAware (service_faults.cpp)
  const std::vector<std::string>& zones() const override { return zones_; }
  void fail_zone(Context& ctx, const std::string& zone) override;
  void restore_zone(Context& ctx, const std::string& zone) override;

  // Degradable (service_faults.cpp)
  void set_slowdown(double factor) override { slowdown_ = factor; }
  void set_error_rate(double rate) override { error_rate_ = rate; }
  bool oom_killable() const override { return memory_limit_mb_ > 0; }
  bool set_memory_leak(Context& ctx, double per_request_mb, double per_second_mb) override;
  void set_disk_full(bool full) override { disk_full_ = full; }

 private:
  // ---- scenario ----

  void read_routes(Params& p, BuildContext& bc, bool has_default, const Distribution& def);
  void parse_steps(std::vector<Params>& list, BuildContext& bc, Program& prog, std::vector<Step>& out, bool in_parallel);
  void parse_call_branches(Params& s, BuildContext& bc, Program& prog);
  void parse_block(Params& s, std::string_view key, BuildContext& bc, Program& prog);

  // ---- instances ----

  void launch(Context& ctx, bool already_ready);
  void begin_startup(Context& ctx, std::uint32_t i);
  void set_state(Context& ctx, std::uint32_t i, Instance::State st);
  int pick_victim() const;
  void retire(Context& ctx, std::uint32_t i);
  void go_down(Context& ctx, std::uint32_t i);
  void drop_jobs(Context& ctx, std::uint32_t i);
  void track_ready(const Context& ctx);
  bool leak_active() const { return leak_request_mb_ > 0 || leak_second_mb_ > 0; }
  bool memory_watched() const { return leak_active() || (memory_limit_mb_ > 0 && memory_per_request_mb_ > 0); }
  double instance_memory_mb(const Instance& in) const;
  bool check_memory(Context& ctx, std::uint32_t inst);
  void memory_tick(Context& ctx);
  void oom_kill(Context& ctx, std::uint32_t i);
  void update_counts(Context& ctx);
  void set_alive(Context& ctx, int delta);
  void touch(const Context& ctx, Instance& in);
  void set_busy(Context& ctx, Instance& in, int delta);
  void set_cpu(Context& ctx, Instance& in, int delta);
  // Worker-equivalents of `cpu` jobs in work: themselves, or with shared cores the busy cores
  // scaled to the worker count, so that area / (concurrency x time) is the cores' utilization
  // for the autoscaler and the cpu_utilization figure alike.
  double cpu_load(std::uint32_t cpu) const {
    return !shared_cores() ? cpu : std::min<double>(cpu, cores_) * concurrency_ / cores_;
  }
  bool shared_cores() const { return cores_ < concurrency_; }
  void ps_start(Context& ctx, std::uint32_t inst, std::uint32_t j, Time work);
  void ps_done(Context& ctx, std::uint32_t inst, std::uint32_t gen);
  void ps_advance_clock(Instance& in, Time now) const;
  void ps_reschedule(Context& ctx, std::uint32_t inst);
  void ps_clear(Instance& in);

  // ---- requests ----

  std::uint32_t new_job();
  static RequestInfo downstream(const Job& job, const Step& st);
  void issue_call(Context& ctx, std::uint32_t j, const Step& st);
  void advance(Context& ctx, std::uint32_t j);
  bool take_worker(Context& ctx, std::uint32_t j);
  void release_worker(Context& ctx, std::uint32_t j);
  void hand_worker_on(Context& ctx, std::uint32_t inst);
  void finish_job(Context& ctx, std::uint32_t j);
  void complete(Context& ctx, std::uint32_t j);

  // ---- resilience: call policies, load shedding, idempotent writes ----

  std::uint32_t add_policy(Params& s, BuildContext& bc, Time timeout);
  void read_resilience(Params& p, Metrics& m);
  bool shed_or_deduplicate(Context& ctx, CallId call, const RequestInfo& req, const Instance& in);
  void record_write(Context& ctx, const RequestInfo& req);
  void resilience_figures(Context& ctx, ComponentReport& r);

  // ---- state ----

  static constexpr std::uint32_t kNoProgram = ~0u;
  std::string id_;
  std::uint64_t stream_;
  Rng rng_;
  std::uint32_t initial_replicas_ = 1, concurrency_ = 1;
  bool io_async_ = false;  // "io": "async": workers are released while calls are outstanding
  std::uint32_t cores_ = 0;  // per instance; = concurrency_ unless "cores" shares fewer
  std::vector<std::uint32_t> ps_finished_;  // scratch of ps_done, reused
  std::uint64_t queue_capacity_ = UINT64_MAX;
  double speed_ = 1, slowdown_ = 1, error_rate_ = 0;
  double memory_limit_mb_ = 0, memory_base_mb_ = 0, memory_per_request_mb_ = 0;
  // Fault injection state (models/faults): leaks, disk, ready-level history.
  static constexpr Time kMemoryTickPeriod = 100 * kMillisecond;
  double leak_request_mb_ = 0, leak_second_mb_ = 0;
  bool disk_full_ = false;
  std::uint32_t oom_kills_ = 0;
  std::vector<double> ready_seconds_;
  std::uint32_t ready_level_ = 0, outages_ = 0;
  Time ready_last_ = 0, outage_start_ = kTimeMax;
  double outage_seconds_ = 0;
  GaugeId memory_g_;
  CounterId oom_c_;
  std::string instance_type_;
  std::vector<std::string> types_;  // every type this service has run; [type_] is the current one
  std::uint32_t type_ = 0;
  std::vector<std::pair<std::uint32_t, double>> bills_;  // (type, seconds) of terminated instances
  Distribution startup_, restart_;
  Time grace_ = 30 * kSecond;
  std::vector<std::string> zones_;
  std::vector<Program> programs_;
  std::vector<std::uint32_t> route_program_;
  std::uint32_t default_program_ = 0;
  std::vector<Instance> instances_;
  std::vector<Backend> backends_;  // parallel to instances_, for the picker
  std::unique_ptr<Picker> picker_;
  bool membership_changed_ = true;
  std::uint32_t replicas_ = 0, ready_ = 0, peak_replicas_ = 0;
  std::uint64_t next_serial_ = 0;
  double alive_ = 0, instance_area_ = 0;
  Time alive_last_ = 0;
  std::vector<Job> jobs_;
  std::vector<std::uint32_t> free_jobs_;
  GaugeId busy_g_, capacity_g_, cpu_g_, queued_g_, in_system_g_, replicas_g_, ready_g_, alive_g_;
  CounterId ok_c_, err_c_, rejected_c_, dropped_c_;
  // Resilience (models/common/resilience): call policies of the call steps, shedding, write keys.
  static constexpr std::uint64_t kNoShed = UINT64_MAX;
  std::vector<std::unique_ptr<CallPolicy>> policies_;
  std::vector<std::string> policy_labels_;
  std::uint32_t shared_pool_ = 0;            // 1 + index of the service-level pool's policy; 0: none
  std::vector<std::string> pooled_targets_;  // components whose calls took the shared pool
  std::uint64_t shed_queue_ = kNoShed;
  bool idempotent_ = false;
  resilience::WriteLedger writes_;
  CounterId shed_c_, writes_c_, duplicate_c_, dedup_c_;
  HistogramId latency_h_;

 public:
  void describe(Description& d) const override;
};

}  // namespace archsim::service_internal
