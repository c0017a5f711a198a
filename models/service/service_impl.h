// Internals of the service model (models/service/service.h says what it follows and where
// it simplifies). One class, its methods grouped by job in small files:
//   service.cpp             building it, requests through the steps of their route, replies
//   service_figures.cpp     its end-of-run figures
//   service_routes.cpp      reading routes and steps from the scenario; describe() for analyze
//   service_pool.cpp        what the service does for its server pool: dropping the requests
//                           of an instance, its per-instance state
//   service_resilience.cpp  call policies of call steps, load shedding, idempotent writes
//   service_cpu.cpp         work steps sharing an instance's cores (processor sharing)
//   service_saga.cpp        saga blocks: calls with compensations run in reverse on a failure
//   service_deadline.cpp    work nobody waits for: cancelled at the caller's deadline, dropped
//                           from the queue (drop_expired, CoDel), counted as wasted CPU
//   service_events.cpp      event sourcing: a start replays the event log since the snapshot
//   service_mesh.cpp        a service mesh's sidecar: its delay on every crossing, CPU, memory
//   connections.cpp         long-lived connections (WebSocket, SSE): held, limited, dropped
// Instances, workers, accept queues, lifecycle, zones, memory and billing are the server
// pool's (models/server/pool/server_pool.h); the service keeps routes and steps, calls
// and their resilience. Only these files include this header.
#pragma once
#include <algorithm>
#include <string>
#include <vector>

#include "models/contracts/capabilities.h"
#include "models/contracts/hop_flags.h"
#include "models/server/pool/pool_driven.h"
#include "models/server/call_policy/call_policy.h"
#include "models/server/idempotency.h"
#include "models/server/security/tls.h"
#include "lib/cache_store/token_cache.h"
#include "models/service/connections.h"
#include "models/service/service.h"
#include "sim/results.h"
#include "sim/continuation.h"
#include "sim/figures.h"
#include "scenario/describe.h"

namespace archsim::service_internal {

// A route is compiled to a flat list of steps run from pc 0; branches are jumps inside it.
//   Work      CPU work (needs a worker)          Call / Parallel  wait for replies
//   Publish   one-way send (or, with ack, a call)
//   Choice    jump to one arm by weight           Jump             go to `target`
//   Branch    after a call: go on when the last reply's flags meet `mask`, else to `target`
//   Repeat    back to `target` with probability `probability` (a feedback loop)
//   Saga      bookkeeping of a saga block (service_saga.cpp): `saga_op` says which
//   TwoPhase  bookkeeping of a two_phase_commit block (service_two_phase.cpp): `tpc_op` says which
struct Step {
  enum Kind : std::uint8_t { Work, Call, Parallel, Publish, Choice, Jump, Branch, Repeat, Saga, TwoPhase } kind = Work;
  // Saga ops: Begin (counted), Check (after a forward call: failed -> `target`, its
  // compensations), Compensated (after a compensating call: failed -> the saga is
  // inconsistent), Commit (counted; Jump past the compensations follows), Abort (the request
  // fails as compensated or inconsistent).
  enum SagaOp : std::uint8_t { Begin, Check, Compensated, Commit, Abort } saga_op = Begin;
  // Two-phase commit ops: TpcBegin (counted), Decide (after the prepares: a no vote ->
  // `target`, the rollbacks; else the coordinator may crash there), Committed (counted),
  // Aborted (the request fails as aborted or in doubt); after a phase 2 with a failed reply,
  // Committed and Aborted resend it instead.
  enum TpcOp : std::uint8_t { TpcBegin, Decide, Committed, Aborted } tpc_op = TpcBegin;
  Distribution work;
  RefId ref = 0;
  std::uint32_t route = 0;
  bool keep_route = true;
  bool continue_on_failure = false;  // Call: a failed call is a miss, not the request's failure;
                                     // Parallel: every reply is waited for, failures flagged (2PC)
  bool ack = false;                  // Publish: wait for the broker's reply
  bool cancel = false;               // Call: "on_timeout": "cancel" (the callee stops at the call's deadline)
  Time timeout = 0;
  std::uint32_t policy = 0;  // Call: 1 + index into Service::policies_ (retry, breaker, ...); 0 for none
  std::uint32_t token_cache = 0;  // Call: 1 + index into Service::token_caches_; 0 for none
  std::uint32_t first_child = 0, children = 0, wait_for = 0;  // Parallel: calls in `calls`; Choice: arms in `arms`
  std::uint32_t target = 0;  // Jump, Branch, Repeat: a pc
  std::uint32_t mask = 0;    // Branch: result flags that take the branch's first block
  double probability = 0;    // Repeat
  std::uint16_t topic = 0;   // Publish: the queue's topic (index), resolved in connect()
  Backpressure* backpressure = nullptr;  // Publish without ack: the queue's, when it can make producers wait
  std::string topic_name, topic_pointer;  // Publish: as written, and where
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
  Time queued_at = 0, waited = 0;  // in the instance's accept queue: since, and in all
  Time cpu = 0;                    // CPU spent on it here (its work steps, as run)
  Time queue_limit = kTimeMax;     // CoDel: it is dropped when it has queued longer than this
  Time exec_limit = kTimeMax;      // execution_timeout: when its worker is taken from it (kTimeMax: not
                                   // started, or no limit)
  std::uint32_t instance = 0, program = 0, pc = 0;
  std::uint32_t pending = 0, oks = 0, fails = 0, needed = 0;
  Result last;  // the last call's reply result (what Branch steps read)
  std::uint32_t passes = 0;  // Repeat steps taken: later passes draw their own work and choices
  Status status = Status::Ok;
  bool in_work = false, queued = false;
  bool holds_worker = false;  // io async: released while a call is outstanding
  bool crypto_paid = false;   // its TLS handshake and JWT verification were run (or it needs none)
  bool in_crypto = false;     // its work in progress is that, not the step at pc
  bool inconsistent = false;  // a saga's compensating call failed after its retries
  bool tpc_wait = false;      // 2PC: its coordinator is down, or waits to resend phase 2 (a kWorkDone timer ends it)
  bool was_in_doubt = false;  // 2PC: it was, and is being resolved after the recovery
  bool gc_held = false;       // its instance was in a collector's pause: a kWorkDone timer resumes it at its end
  Time gc_mark = 0;           // the pool's gc_clock when its work step began (with a "gc" block)
};

// Processor sharing ("cores" < concurrency), per instance slot of the pool: work in virtual
// time. Each of the k jobs in a work step progresses at min(1, cores / k), so the virtual
// clock v advances at that rate and a job ends when it reaches its finish tag (work started
// at v + its work).
struct PsState {
  double v = 0;
  Time last = 0;
  std::vector<std::pair<double, std::uint32_t>> heap;  // (finish tag, job), a min-heap
  std::uint32_t gen = 0;                               // invalidates the pending kPsDone timer
  Time gc_clock = 0;  // the pool's gc_clock at `last`: paused time advances no work
};

// The service's own timers; tags 2..5 are the pool's (ServerPool::Tag).
// The service's own timers: the two numbers inside its pool's block of tags that the pool
// leaves to its owner (ServerPool::kLeftToOwner; they predate the pool, and run fingerprints
// hash them).
enum Tag : std::uint16_t { kWorkDone = ServerPool::kLeftToOwner[0], kPsDone = ServerPool::kLeftToOwner[1] };

class Service final : public Component,
                      public CallSink,
                      public HasCapabilities,
                      public PoolDriven<Service> {
 public:
  Service(Params& p, BuildContext& bc);

  // ---- Component ----

  void start(Context& ctx) override;
  void on_request(Context& ctx, CallId call) override;
  void on_timer(Context& ctx, std::uint16_t tag, std::uint64_t data) override;
  void on_reply(Context& ctx, CallId call, Status status, std::uint64_t token) override;
  // CallSink: a policy ends a step's call (after its retries, or with its fallback).
  void call_ended(Context& ctx, std::uint64_t token, Status status, const RequestInfo&, Result result) override {
    step_ended(ctx, token, status, result);
  }
  bool call_wanted(std::uint64_t token) const override;
  void finish(Context& ctx, ComponentReport& r) override;

  // ---- capabilities (models/contracts/capabilities.h): scaling, crashes and zones are the
  // pool's; Degradable is PoolDriven's (pool_driven.h: the faults on_request and the work
  // steps apply, the memory leak the pool's). The service runs the pool's cycle itself
  // (admit, worker_done, job_done; io async releases and takes workers back) ----

  void connect(ConnectContext& cc) override;
  Capabilities capabilities() override {
    Capabilities c{&pool_, &pool_, &pool_, &pool_, this, &pool_};
    c.cpu_requests = &pool_;
    return c;
  }

  // ---- PoolJobs (service_pool.cpp) ----

  void drop_jobs(Context& ctx, std::uint32_t slot) override;
  void slot_launched(std::uint32_t slot) override;
  Time startup_work(Context& ctx, std::uint32_t slot) override;  // service_events.cpp
  double data_mb(std::uint32_t slot) const override;              // connections.cpp

 private:
  // ---- scenario ----

  void declare_route_flow(BuildContext& bc) const;
  void read_routes(Params& p, BuildContext& bc, bool has_default, const Distribution& def);
  void parse_steps(std::vector<Params>& list, BuildContext& bc, Program& prog, std::vector<Step>& out, bool in_parallel);
  void parse_call_branches(Params& s, BuildContext& bc, Program& prog);
  void parse_block(Params& s, std::string_view key, BuildContext& bc, Program& prog);

  // ---- the mesh's sidecar (service_mesh.cpp) ----

  void read_sidecar(Params& p, BuildContext& bc);  // before the routes: their calls take its retries
  void register_sidecar(Metrics& m);
  void declare_sidecar_figures(Figures& f) const;
  // A request or a call passes the sidecar: its CPU.
  void through_sidecar(Context& ctx) { ctx.metrics().add(sidecar_cpu_c_, static_cast<std::uint64_t>(sidecar_cpu_)); }

  // ---- long-lived connections (connections.cpp) ----

  void read_connections(Params& p, BuildContext& bc);
  // A request that opens a connection (its route is the connections' route).
  bool opens_connection(const RequestInfo& req) const { return conns_.on && req.route == conns_.route; }
  // A message on a held connection (held_connection::kOnConnection).
  bool on_connection(const RequestInfo& req) const { return conns_.on && (req.hop & held_connection::kOnConnection); }
  // The instance that holds the connection message `req` travels on; -1 (counted) when none.
  int held_instance(Context& ctx, const RequestInfo& req);
  // Before its set-up: false when `inst` is at its limit (the call is then answered, refused).
  bool admit_connection(Context& ctx, CallId call, std::uint32_t inst);
  // The set-up of `job` ended: true when its connection is now held (its call is not
  // answered); false when it failed (the caller answers it as any request).
  bool hold_connection(Context& ctx, const Job& job);
  CallId release_connection(std::uint32_t h);
  void connections_changed(Context& ctx, std::uint32_t slot);
  void close_connection(Context& ctx, std::uint64_t data);
  void drop_connections(Context& ctx, std::uint32_t slot);
  void connection_figures(Context& ctx, ComponentReport& r) const;
  // What the page shows of it (service_page.cpp): nothing unless it holds connections or
  // wasted work in the run.
  void declare_page(Context& ctx, PageSection& page) const;

  // ---- event sourcing (service_events.cpp) ----

  void read_event_sourcing(Params& p);
  void declare_event_figures(Figures& f) const;

  // ---- sagas (service_saga.cpp) ----

  void parse_saga(Params& s, BuildContext& bc, Program& prog, std::vector<Step>& out);
  // Runs saga bookkeeping step `st` of job `j`; false when the job was answered (aborted).
  bool saga_step(Context& ctx, std::uint32_t j, const Step& st);
  void saga_figures(Context& ctx, ComponentReport& r);

  // ---- two-phase commit (service_two_phase.cpp) ----

  void parse_two_phase(Params& s, BuildContext& bc, Program& prog, std::vector<Step>& out);
  // Runs 2PC bookkeeping step `st` of job `j`; false when the job waits or was answered.
  bool two_phase_step(Context& ctx, std::uint32_t j, const Step& st);
  void two_phase_figures(Context& ctx, ComponentReport& r);

  // ---- work sharing the cores (service_cpu.cpp) ----

  void ps_start(Context& ctx, std::uint32_t inst, std::uint32_t j, Time work);
  void ps_done(Context& ctx, std::uint32_t inst, std::uint32_t gen);
  void ps_advance_clock(PsState& ps, std::uint32_t inst, Time now) const;
  void ps_reschedule(Context& ctx, std::uint32_t inst);
  void ps_clear(PsState& ps);

  // ---- requests ----

  std::uint32_t new_job();
  static RequestInfo downstream(const Job& job, const Step& st);
  void issue_call(Context& ctx, std::uint32_t j, const Step& st);
  void advance(Context& ctx, std::uint32_t j);
  // Runs `d` of CPU work (before `speed` and slowdowns) for job `j`, which holds a worker.
  void run_work(Context& ctx, std::uint32_t j, Time d);
  // The CPU a job pays before its steps: its connection's TLS handshake, its token's
  // verification (models/server/security/tls.h). False when it needs none.
  bool pay_crypto(Context& ctx, std::uint32_t j);
  // A job's work ended: on to its next step (or its first, after its crypto).
  static void work_ended(Job& job) {
    if (job.in_crypto) job.in_crypto = false;
    else ++job.pc;
  }
  bool take_worker(Context& ctx, std::uint32_t j);
  void release_worker(Context& ctx, std::uint32_t j);
  void resume(Context& ctx, std::uint32_t next);
  void finish_job(Context& ctx, std::uint32_t j);
  void complete(Context& ctx, std::uint32_t j);

  // ---- work nobody waits for (service_deadline.cpp) ----

  void read_queue_rules(Params& p, Metrics& m);
  // A job at the head of its work: past the deadline its caller asked it to stop at.
  static bool past_deadline(const Job& job, Time now) { return job.req.cancel_at_deadline && now >= job.req.deadline; }
  // Stops job `j` at its caller's deadline (Status::Timeout, counted as cancelled, not an error).
  void cancel(Context& ctx, std::uint32_t j);
  // A queued job `j` was handed a worker: true when the queue rules drop it instead (its
  // caller gave up, or it waited past its CoDel limit); then it is answered and gone.
  bool dropped_from_queue(Context& ctx, std::uint32_t j);
  void queued(Context& ctx, std::uint32_t j);  // job `j` went into its instance's queue
  void end_unwanted(Context& ctx, std::uint32_t j, Status status);
  void declare_deadline_figures(Figures& f);
  // execution_timeout: starts job `j`'s clock when it first runs; true when the limit has
  // passed (the caller then completes it, terminated).
  bool past_execution_limit(Context& ctx, Job& job) {
    if (job.exec_limit == kTimeMax) {
      job.exec_limit = after(ctx.now(), exec_timeout_);
      return false;
    }
    return ctx.now() >= job.exec_limit;
  }
  // The wait a call step may have under the limit: its own timeout (0: none), capped at what
  // is left of the job's execution time.
  static Time capped_timeout(const Job& job, Time timeout, Time now) {
    if (job.exec_limit == kTimeMax) return timeout;
    const Time left = std::max<Time>(job.exec_limit - now, 1);
    return timeout > 0 ? std::min(timeout, left) : left;
  }
  // A job ending at or past its limit is terminated: counted, and failed with "terminated".
  void check_terminated(Context& ctx, Job& job);

  // ---- resilience: call policies, load shedding, idempotent writes ----

  // A call of a job's current step ended, by its reply or through its policy.
  void step_ended(Context& ctx, std::uint64_t token, Status status, Result result);
  std::uint32_t add_policy(Params& s, BuildContext& bc, Time timeout);
  void read_resilience(Params& p, Metrics& m);
  bool shed_or_deduplicate(Context& ctx, CallId call, const RequestInfo& req, std::uint32_t inst);
  void record_write(Context& ctx, const RequestInfo& req);
  void resilience_figures(Context& ctx, ComponentReport& r);
  // A call step's "token_cache" (lib/cache_store/token_cache.h): read it; whether the
  // job's token is cached (a hit: the call is not made); keep it after a successful call.
  std::uint32_t add_token_cache(Params& s, Params& tc, BuildContext& bc);
  bool token_cached(Context& ctx, const Job& job, const Step& st);
  void token_answered(Context& ctx, const Job& job, const Step& st) {
    token_caches_[st.token_cache - 1].cache.put(job.instance, job.req.session, ctx.now());
  }

  // ---- state ----

  static constexpr std::uint32_t kNoProgram = ~0u;
  std::string id_;
  std::uint64_t stream_;
  // PoolDriven's pool_ holds the instances, workers, queues, lifecycle, zones, memory and
  // billing; its stream pool_rng_ takes the pool's start-up, restart and picker draws and the
  // service's error-rate ones, interleaved (one stream, as before the pool was taken out).
  bool io_async_ = false;   // "io": "async": workers are released while calls are outstanding
  std::vector<PsState> ps_;                 // per pool slot, when cores are shared
  std::vector<std::uint32_t> lives_;        // per pool slot: its process's life (models/contracts/caller_instance.h)
  std::uint32_t from_instance(std::uint32_t slot) const;  // what the slot's calls carry
  std::vector<std::uint32_t> ps_finished_;  // scratch of ps_done, reused
  security::ServerCrypto crypto_;  // "tls" and "jwt": the CPU of handshakes and token checks
  CounterId tls_c_, tls_cpu_c_, jwt_c_, jwt_cpu_c_;
  std::vector<Program> programs_;
  std::vector<std::uint32_t> route_program_;
  std::uint32_t default_program_ = 0;
  // Requests held, by slot; the slot's generation names the step in flight (jobs_.payload):
  // stale replies and timers carry an old one.
  SlotTable<Job> jobs_;
  CounterId ok_c_, err_c_, rejected_c_, dropped_c_;
  // Work nobody waits for (service_deadline.cpp): CPU nanoseconds of requests whose answer was
  // dropped or that were cancelled; requests cancelled at their deadline; dropped from the queue.
  CounterId wasted_c_, cancelled_c_, expired_c_, codel_c_;
  bool drop_expired_ = false;      // "queue": {"drop_expired": true}
  Time codel_target_ = 0, codel_interval_ = 0;  // "queue": {"codel": ...}; 0 = off
  bool queue_rules_ = false;       // either of them
  // "execution_timeout" (PHP-FPM's request_terminate_timeout, Gunicorn's worker timeout):
  // 0 = none; the requests terminated at it, with the cause "terminated".
  Time exec_timeout_ = 0;
  CounterId terminated_c_;
  Status terminated_ = Status::Error;
  // "sidecar" (service_mesh.cpp): on, its CPU per request through it, its memory per pod.
  bool sidecar_ = false;
  Time sidecar_cpu_ = 0;
  double sidecar_memory_mb_ = 0;
  CounterId sidecar_cpu_c_;
  CallPolicy::Mesh mesh_;  // "sidecar": its retries and timeouts under every call (service_mesh.cpp)
  // "event_sourcing" (service_events.cpp): the log's length and its snapshots; every applied
  // write appends one event.
  struct EventSourcing {
    bool on = false;
    std::uint64_t history = 0;        // events before t = 0
    std::uint64_t snapshot_every = 0; // a snapshot after every this many events; 0 = none
    Time apply = 0, snapshot_load = 0;
    std::uint64_t appended = 0;       // applied writes during the run
    std::uint64_t replays = 0, replayed = 0;
    Time replay_max = 0, replay_sum = 0;
  } es_;
  // Resilience (models/server/call_policy): call policies of the call steps, shedding, write keys.
  static constexpr std::uint64_t kNoShed = UINT64_MAX;
  std::vector<std::unique_ptr<CallPolicy>> policies_;
  std::vector<std::string> policy_labels_;
  std::uint32_t shared_pool_ = 0;            // 1 + index of the service-level pool's policy; 0: none
  std::string shared_pool_pointer_;          // its "size", for the connection budget's warning
  std::vector<std::string> pooled_targets_;  // components whose calls took the shared pool
  std::uint64_t shed_queue_ = kNoShed;
  bool idempotent_ = false;
  resilience::WriteLedger writes_;
  CounterId shed_c_, writes_c_, duplicate_c_, dedup_c_;
  struct TokenCacheSite {
    security::TokenCache cache;
    std::string label;  // the called component, for its figures
    CounterId hits, misses;
  };
  std::vector<TokenCacheSite> token_caches_;
  Connections conns_;  // "connections" (connections.cpp)
  HistogramId latency_h_;
  HistogramId queue_wait_h_;  // time a served request spent in the accept queue
  CounterId waited_c_;        // served requests that waited at all
  // "wait_thresholds": P(wait > t) per threshold t, counted exactly (not read off the
  // histogram's buckets); ascending, at most kMaxWaitThresholds.
  static constexpr std::size_t kMaxWaitThresholds = 8;
  std::vector<Time> wait_thresholds_;
  std::vector<CounterId> waited_over_c_;
  // The figures in summary.json, in order (service_figures.cpp); finish() reports them.
  void declare_figures(Metrics& m);
  Figures figures_;
  // Sagas (service_saga.cpp): counted only on a service with a saga block.
  bool sagas_ = false;
  Status compensated_ = Status::Error, inconsistent_ = Status::Error;  // causes "saga_compensated", "saga_inconsistent"
  CounterId saga_begun_c_, saga_committed_c_, saga_compensated_c_, saga_inconsistent_c_;
  CounterId compensations_c_, compensation_failures_c_;
  // Two-phase commit (service_two_phase.cpp): counted only on a service with such a block.
  // The coordinator's crash between the phases: per transaction, and how long it is down.
  bool tpc_ = false;
  std::vector<RefId> tpc_participants_;  // every block's participants, checked in connect()
  double tpc_crash_p_ = 0;
  Time tpc_recovery_ = 0;
  Time tpc_retry_ = kSecond;  // "retry_interval": phase 2 resent to all after a failed reply
  Status tpc_aborted_ = Status::Error, tpc_in_doubt_ = Status::Error;  // causes "2pc_aborted", "2pc_in_doubt"
  CounterId tpc_begun_c_, tpc_committed_c_, tpc_aborted_c_, tpc_in_doubt_c_, tpc_retries_c_;

 public:
  void describe(Description& d) const override;
};

}  // namespace archsim::service_internal
