// CallPolicy: the resilience decorators of one call site (a client, or one call step of a
// service), composed in the order Resilience4j documents for its annotations and
// Decorators (resilience4j.readme.io, "Getting started"; the aspect order is
// Retry ( CircuitBreaker ( RateLimiter ( TimeLimiter ( Bulkhead ( call ) ) ) ) ), with a
// fallback around everything):
//
//   fallback( retry( breaker -> rate limiter -> bulkhead -> connection pool -> call+timeout ) )
//
// Each attempt asks the circuit breaker for permission (CircuitOpen when refused), takes a
// rate-limiter token (RateLimited, 429; with a key_resolver from the bucket of the request's
// key or user, lib/resilience/keyed_token_buckets.h), a bulkhead slot (BulkheadFull, or a FIFO wait of
// at most max_wait) and, on a service's call step, a connection of the caller instance's
// `pool` (HikariCP: a call must borrow a connection and waits at most connectionTimeout for
// one, then fails with SQLTransientConnectionException -> causes::PoolTimeout). With
// "connect" the attempt then opens a connection unless an idle one is kept, and waits its
// set-up (models/server/call_policy/connections.h; call_policy_connect.cpp). Then it is
// sent with the per-attempt `timeout` (which starts once the connection is up). Its outcome goes into the breaker (slow calls by
// duration). A failed attempt whose cause is in retry.on is retried after an exponential
// backoff with jitter (lib/resilience/backoff.h, the AWS analysis) if
// max_attempts and the retry budget (Finagle's RetryBudget, or Envoy's concurrent retry
// budget) allow; every attempt carries the same RequestInfo.id with attempt + 1. When the last attempt fails and
// a `fallback` is set, the call is answered Status::Degraded after the fallback latency
// (a cached or default answer: served, so counted inside ok; summary.json shows the
// fallback answers again on their own as "degraded", a part of ok).
//
// The state machines are the pure ones beside this file (circuit_breaker, backoff,
// retry_budget, token_bucket, window_rate_limiter, bulkhead); this file only wires them to
// the engine.
//
// Ownership and routing. The owner (client or service) keeps a vector of policies and
// forwards to them what belongs to them:
//   - each policy is a sub-owner of the owner's continuation space (sim/continuation.h): the
//     owner asks its BuildContext for a SubOwner per policy and keeps policies[k] for
//     sub-owner k, so replies whose token is a sub-owner's
//     (ContinuationSpace::is_sub_token) go to policies[sub_of_token(token)]->on_reply and
//     timers whose tag is (is_sub_tag) to policies[sub_of_tag(tag)]->on_timer
// A policy tells its owner how a call ended through CallSink::call_ended, never from inside
// start() (an immediate refusal is delivered by a zero-delay timer), so an owner issuing
// several calls in a loop is never re-entered.
//
// Simplifications:
//   - The per-attempt timeout covers the call only by default; waiting for a bulkhead slot
//     or a pool connection is bounded by max_wait / acquire_timeout (HikariCP's
//     connectionTimeout apart from the query's). With "timeout_includes_wait" it is one
//     deadline from the attempt's start over the rate limiter's wait, the bulkhead, the pool,
//     the connection's set-up and the call, as MongoDB's client-side operation timeout
//     (timeoutMS: server selection, connection checkout and execution) and gRPC's deadline
//     do: a wait that reaches it fails the attempt as a timeout, and the call is sent with
//     what is left. The breaker still times the call alone.
//   - Local refusals (rate limiter, bulkhead, pool) give the breaker's permission back
//     instead of recording a failure (Resilience4j records any exception by default).
//   - A call whose owner no longer wants it (its request was dropped by a crash) is not
//     retried and leaves any bulkhead/pool queue, but an attempt in flight runs to its end.
//   - An attempt never outlives the caller's deadline: no retry starts after it.
//   - The breaker, rate limiter, bulkhead and retry budget of a call step are shared by all
//     instances of the calling service (one view per call site, as a mesh's cluster-level
//     settings); only the connection pool is per caller instance (per instance slot: calls
//     in flight on an instance that crashed keep their connection until they end).
//
// Cost: start/on_reply/on_timer are O(1) (breaker, limiter, bulkhead, budget are O(1)); one
// slot per logical call in flight, recycled through a free list (no allocation once warm).
#pragma once
#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "lib/resilience/backoff.h"
#include "lib/resilience/bulkhead.h"
#include "lib/resilience/circuit_breaker.h"
#include "models/server/call_policy/connections.h"
#include "lib/resilience/keyed_token_buckets.h"
#include "lib/resilience/retry_budget.h"
#include "lib/resilience/token_bucket.h"
#include "lib/resilience/window_rate_limiter.h"
#include "scenario/build.h"
#include "sim/continuation.h"
#include "sim/context.h"

namespace archsim {

class ComponentReport;

// Routing of a policy's replies and timers in an owner whose every sub-owner is a policy
// (policies[k] is sub-owner k).
inline bool is_policy_token(std::uint64_t token) { return ContinuationSpace::is_sub_token(token); }
inline std::uint32_t policy_of_token(std::uint64_t token) { return ContinuationSpace::sub_of_token(token); }
inline bool is_policy_timer(std::uint16_t tag) { return ContinuationSpace::is_sub_tag(tag); }
inline std::uint32_t policy_of_timer(std::uint16_t tag) { return ContinuationSpace::sub_of_tag(tag); }

// What the owner of a policy implements.
class CallSink {
 public:
  // The logical call started with `owner_token` ended: Ok, Degraded (fallback) or a failure.
  // `req` is the request as the owner gave it to start(); `result` what the last attempt's
  // reply carried (empty for a refusal, a timeout or a fallback).
  virtual void call_ended(Context& ctx, std::uint64_t owner_token, Status status, const RequestInfo& req,
                          Result result) = 0;
  // Whether the owner still waits for this call (false: its request was dropped).
  virtual bool call_wanted(std::uint64_t /*owner_token*/) const { return true; }

 protected:
  ~CallSink() = default;
};

class CallPolicy {
 public:
  // ServicePool: a service-level "pool" shared by every call step of the service to the
  // components its "for" names (one HikariCP pool per instance for all routes, as an
  // application's datasource is); it holds only the pool.
  enum class Site : std::uint8_t { Client, CallStep, ServicePool };

  // Whether `p` has any policy field (retry, circuit_breaker, bulkhead, rate_limiter,
  // fallback, pool). "timeout" alone needs no policy: the engine's call timeout does it.
  static bool wanted(const Params& p);
  // The causes listed at `key` of `p` (or `defaults` when absent) as a mask by Status value;
  // an unknown name is refused at its pointer. Every registered cause but ok and degraded.
  static std::uint32_t read_cause_mask(Params& p, const char* key, const std::vector<std::string>& defaults,
                                       const BuildContext& bc);
  // A service mesh's sidecar under the caller (models/service/service_mesh.cpp), Istio's
  // VirtualService route: each attempt this policy sends is tried up to `tries` times by the
  // proxy, again at once when a try fails with a cause in `on_mask` (Envoy's retry policy
  // under the application's). A try ends at the first of: its reply, `per_try_timeout` after
  // it was sent (HTTPRetry.perTryTimeout: a timeout the proxy may retry), `timeout` after the
  // attempt began (the route's timeout over every try: the proxy answers 504, no more tries),
  // and the application's own attempt timeout (it stops waiting). The application sees the
  // last try's outcome as its attempt's; its breaker, limiter, bulkhead and budget count
  // attempts, the callee every try. 0 for a timeout: none (Istio's default). A retry waits
  // first, as Envoy's jittered exponential back-off (JitteredExponentialBackOffStrategy): the
  // n-th a uniform draw in [0, (2^n - 1) x backoff), at most backoff_max, and never past the
  // attempt's or the route's end. Called at build, once.
  struct Mesh {
    std::uint8_t tries = 1;
    std::uint32_t on_mask = 0;
    Time per_try_timeout = 0, timeout = 0;
    Time backoff = 25 * kMillisecond, backoff_max = 250 * kMillisecond;  // Envoy's defaults
    bool active() const { return tries > 1 || per_try_timeout > 0 || timeout > 0; }
  };
  void set_mesh(const Mesh& mesh, Metrics& m);

  // Reads the policy fields of `p` (a client object or a call step). `series` names the
  // component column of its time series and metrics (the client id, or "api->payment");
  // `figure_prefix` prefixes its figures in finish() ("resilience", "calls.payment");
  // `sub` is what the owner's BuildContext handed out for it (bc.sub_owner): its token range,
  // its timer tag, and its place k in the owner's vector. `timeout` is the
  // per-attempt timeout the owner read (0: none).
  CallPolicy(Params& p, BuildContext& bc, Site site, std::string series, std::string figure_prefix,
             const SubOwner& sub, CallSink& sink, Time timeout);
  ~CallPolicy();
  CallPolicy(const CallPolicy&) = delete;
  CallPolicy& operator=(const CallPolicy&) = delete;

  // Starts a logical call of `req` over `ref`. `instance` selects the caller instance's
  // connection pool (0 for a client). The answer comes later through the sink.
  // `timeout` (>= 0) replaces the policy's own per-attempt timeout for this call (a shared
  // pool serves steps with timeouts of their own). `from` is what every attempt carries as
  // Context::call's from_instance (models/contracts/caller_instance.h).
  void start(Context& ctx, RefId ref, const RequestInfo& req, std::uint64_t owner_token, std::uint32_t instance = 0,
             Time timeout = -1, std::uint32_t from = kNoInstance);
  void on_reply(Context& ctx, CallId call, Status status, std::uint64_t token);
  void on_timer(Context& ctx, std::uint64_t data);
  // Called by the owner from its start(): shows a breaker's initial state other than closed
  // and schedules the breaker's "state_changes" (an operator's transitions).
  void begin(Context& ctx);
  void finish(Context& ctx, ComponentReport& r) const;

  // For tests and reports.
  std::optional<resilience::CircuitState> circuit_state() const;
  // The policy in a few words for a diagram ("retry x3, breaker, bulkhead 4"); built once.
  const std::string& summary() const { return summary_; }
  Time timeout() const { return timeout_; }
  // Inside the sink's call_ended: the tries the call that ends took (1 + its retries).
  std::uint16_t ending_attempts() const { return ending_attempts_; }
  // ServicePool: the component ids whose calls take a connection.
  const std::vector<std::string>& pool_for() const { return pool_for_; }
  // The connection pool's size (HikariCP maximumPoolSize), 0 without a pool.
  std::uint64_t pool_size() const { return pool_params_ ? static_cast<std::uint64_t>(pool_params_->max_concurrent) : 0; }

 private:
  // What ends a try that gets no reply: the application's attempt timeout (or none), the
  // mesh's per-try timeout, or the mesh route's timeout.
  enum class MeshCut : std::uint8_t { App, PerTry, Route };
  enum class Phase : std::uint8_t { Free, WaitRate, WaitBulkhead, WaitPool, Connecting, InFlight, Backoff, Fallback, Finishing };
  enum TimerKind : std::uint8_t { kRetry = 1, kBulkheadWait, kPoolWait, kFallbackDone, kBreakerDeadline, kFinish, kRateWait, kStateChange, kConnected, kMeshRetry, kConnectDeadline };
  struct Slot {
    RequestInfo req;  // as the owner gave it; attempts copy it with their own attempt/deadline
    std::uint64_t owner_token = 0;
    Time attempt_start = 0;
    Time backoff_prev = 0;
    Time wait_since = 0;  // its wait for a bulkhead slot or a connection began (traces)
    Time began = 0;       // the attempt began (run_attempt's stage 0): timeout_includes_wait's origin
    RefId ref = 0;
    std::uint32_t gen = 0;  // bumped whenever the slot moves on: stale tokens/timers carry an old one
    std::uint32_t instance = 0;
    std::uint32_t from = kNoInstance;  // the calling instance the attempts carry
    std::uint16_t retries = 0;
    Phase phase = Phase::Free;
    Status final_status = Status::Ok;
    Result result;  // of the last attempt's reply
    Time timeout = 0;  // per attempt (0: none)
    bool permit = false, bulkhead = false, pool = false, is_retry = false;
    bool conn = false;  // holds a connection ("connect")
    std::uint8_t hop = 0;  // the hop flags its next transmit carries (a TLS handshake), then 0
    std::uint8_t mesh_tries = 0;  // tries of the attempt in flight, the mesh's retries included
    MeshCut cut = MeshCut::App;   // what ends the try in flight if no reply comes first
    std::uint32_t next_free = 0;  // while free: the next free slot (in what was padding: 160 bytes)
  };
  enum class RateKind : std::uint8_t { None, TokenBucket, KeyedTokenBucket, SlidingWindow, FixedWindow };
  enum class BudgetKind : std::uint8_t { None, Finagle, Envoy };

  std::uint32_t alloc_slot();
  void free_slot(std::uint32_t s);
  std::uint64_t waiter_of(std::uint32_t s) const;
  std::uint64_t timer_data(TimerKind k, std::uint32_t s) const;
  void schedule(Context& ctx, Time delay, TimerKind k, std::uint32_t s);
  // Runs an attempt from `stage` on (0 breaker, 1 bulkhead, 2 pool, 3 send).
  void run_attempt(Context& ctx, std::uint32_t s, int stage);
  // Stage 3: opens a connection first when the attempt needs one (call_policy_connect.cpp).
  void send(Context& ctx, std::uint32_t s);
  void connected(Context& ctx, std::uint32_t s);
  void release_connection(std::uint32_t s, bool close);
  void transmit(Context& ctx, std::uint32_t s);  // sends the attempt
  void send_try(Context& ctx, std::uint32_t s);  // puts the attempt's next try on the wire
  // With the mesh's timeouts: the try's timeout (0: none) and, in sl.cut, what ends it.
  Time mesh_try_timeout(Time now, Slot& sl) const;
  // The wait before the mesh's next try (sl.mesh_tries - 1 retries so far): 0 to send at once.
  Time mesh_backoff(Time now, const Slot& sl) const;
  // What follows a try's last reply (or a mesh retry that cannot go): the attempt's outcome.
  void attempt_replied(Context& ctx, std::uint32_t s, Status status);
  // Where the application's attempt timeout counts from: the send, or the attempt's start
  // with timeout_includes_wait.
  Time app_start(const Slot& sl) const { return wait_in_timeout_ ? sl.began : sl.attempt_start; }
  // With timeout_includes_wait: the wait a stage may spend, at most `bound`, before the
  // attempt's deadline (`bound` as it is without a timeout or without the option).
  Time wait_bound(Time now, const Slot& sl, Time bound) const {
    return wait_in_timeout_ && sl.timeout > 0 ? std::min(bound, std::max<Time>(0, sl.began + sl.timeout - now)) : bound;
  }
  // With timeout_includes_wait: whether the attempt's deadline has passed.
  bool past_deadline(Time now, const Slot& sl) const { return wait_in_timeout_ && sl.timeout > 0 && now >= sl.began + sl.timeout; }
  // Whether neither the application's attempt timeout nor the mesh route's has passed.
  bool mesh_time_left(Time now, const Slot& sl) const {
    return (sl.timeout <= 0 || now < app_start(sl) + sl.timeout) && (mesh_.timeout <= 0 || now < sl.attempt_start + mesh_.timeout);
  }
  void attempt_failed(Context& ctx, std::uint32_t s, Status status);
  void end_call(Context& ctx, std::uint32_t s, Status status);
  // Gives back the bulkhead slot / pool connection the slot holds; resumes waiters handed them.
  void release_resources(Context& ctx, std::uint32_t s);
  void resume_waiter(Context& ctx, std::uint64_t waiter, int stage);
  void abandon(Context& ctx, std::uint32_t s);
  void sync_breaker(Context& ctx);
  // The breaker's listener: every transition into the "circuit_state_transitions" state.
  static void on_transition(void* self, const resilience::CircuitBreaker::Transition& t);
  bool retry_on(Status s) const { return (retry_on_mask_ >> static_cast<int>(s)) & 1u; }
  resilience::Bulkhead& pool_of(std::uint32_t instance);

  CallSink& sink_;
  Site site_;
  std::uint16_t timer_tag_;
  TokenRange tokens_;
  static constexpr unsigned kGenBits = 24;
  std::string series_, prefix_, summary_;
  Time timeout_ = 0;
  bool wait_in_timeout_ = false;  // "timeout_includes_wait"
  std::uint64_t stream_ = 0;

  // Retry.
  int max_attempts_ = 1;
  std::optional<resilience::Backoff> backoff_;
  GaugeId pool_in_use_g_, pool_waiting_g_;
  std::vector<std::string> pool_for_;
  std::uint32_t retry_on_mask_ = 0;
  Mesh mesh_{.tries = 1, .on_mask = 0, .per_try_timeout = 0, .timeout = 0, .backoff = 0, .backoff_max = 0};  // set_mesh; none
  bool mesh_timed_ = false;  // a try's timeout is the mesh's computation (mesh_try_timeout)
  CounterId mesh_retries_c_, mesh_timeouts_c_;
  BudgetKind budget_kind_ = BudgetKind::None;
  std::optional<resilience::RetryBudget> budget_;
  std::optional<resilience::ConcurrentRetryBudget> concurrent_budget_;
  // Breaker, limiter, bulkhead, pool, fallback.
  std::optional<resilience::CircuitBreaker> breaker_;
  struct StateChange {
    Time at;
    resilience::CircuitState to;
  };
  std::vector<StateChange> state_changes_;
  resilience::CircuitState shown_state_ = resilience::CircuitState::kClosed;
  std::uint32_t breaker_gen_ = 0;
  RateKind rate_kind_ = RateKind::None;
  Time rate_wait_max_ = 0;  // fixed_window's timeout_duration: how long a call may wait for a permission
  std::optional<resilience::TokenBucket> bucket_;
  std::optional<resilience::KeyedTokenBuckets> keyed_;  // key_resolver: one bucket per key
  bool key_by_user_ = false;                            // the request's session, else its key
  std::optional<resilience::SlidingWindowRateLimiter> sliding_;
  std::optional<resilience::FixedWindowRateLimiter> fixed_;
  std::optional<resilience::Bulkhead> bulkhead_;
  std::optional<resilience::BulkheadParams> pool_params_;
  std::vector<resilience::Bulkhead> pools_;  // per caller instance, grown on first use
  std::optional<Distribution> fallback_;
  std::optional<resilience::Connections> connect_;

  std::vector<Slot> slots_;
  // Free slots as a stack threaded through them, the most recently freed first, as in
  // SlotTable (sim/continuation.h). Not a SlotTable: a slot's generation moves on at every
  // phase, not only when it is freed, and is cut to kGenBits beside the timer kind.
  std::uint32_t free_head_ = kNoSlot;
  bool starting_ = false;

  std::uint16_t ending_attempts_ = 1;  // set by end_call for the sink's call_ended
  CounterId calls_c_, attempts_c_, retries_c_, budget_denied_c_, circuit_open_c_, opened_c_, rate_limited_c_,
      bulkhead_full_c_, bulkhead_waited_c_, pool_timeout_c_, pool_waited_c_, timeouts_c_, degraded_c_, failed_c_,
      late_c_, rate_waited_c_, transitions_c_, connects_c_, tls_full_c_, tls_resumed_c_;
  GaugeId state_g_, open_g_;
  StateId state_s_;
  Metrics* metrics_ = nullptr;  // the run's recorder, for the breaker's listener
};

}  // namespace archsim
