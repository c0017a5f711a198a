// CallPolicy at run time: an attempt's stages (rate limiter, breaker, bulkhead, pool,
// connection), its timers, retries and the figures it reports. Reading the parameters is in
// call_policy_build.cpp.
#include "models/server/call_policy/call_policy.h"
#include "models/contracts/causes.h"

#include <algorithm>


#include "sim/results.h"

namespace archsim {

using resilience::BulkheadDecision;
using resilience::CircuitState;

void CallPolicy::begin(Context& ctx) {
  if (!breaker_) return;
  sync_breaker(ctx);  // the gauges start at 0 (closed): show another initial state
  for (std::size_t i = 0; i < state_changes_.size(); ++i)
    ctx.schedule(std::max<Time>(0, state_changes_[i].at - ctx.now()), timer_tag_,
                 (static_cast<std::uint64_t>(kStateChange) << 56) | i);
}

CallPolicy::~CallPolicy() = default;

std::optional<CircuitState> CallPolicy::circuit_state() const {
  if (!breaker_) return std::nullopt;
  return breaker_->state();
}

// ---------------------------------------------------------------- slots, tokens, timers

std::uint32_t CallPolicy::alloc_slot() {
  std::uint32_t s;
  if (free_head_ != kNoSlot) {
    s = free_head_;
    free_head_ = slots_[s].next_free;
  } else {
    s = static_cast<std::uint32_t>(slots_.size());
    slots_.emplace_back();
  }
  std::uint32_t gen = slots_[s].gen + 1;
  slots_[s] = Slot{};
  slots_[s].gen = gen;
  return s;
}

void CallPolicy::free_slot(std::uint32_t s) {
  slots_[s].phase = Phase::Free;
  ++slots_[s].gen;
  slots_[s].next_free = free_head_;
  free_head_ = s;
}

// Slot in bits 24..47, the low 24 bits of its generation below (kGenBits).
std::uint64_t CallPolicy::waiter_of(std::uint32_t s) const { return slot_payload(s, slots_[s].gen, kGenBits); }

std::uint64_t CallPolicy::timer_data(TimerKind k, std::uint32_t s) const {
  return (static_cast<std::uint64_t>(k) << 56) | waiter_of(s);
}

void CallPolicy::schedule(Context& ctx, Time delay, TimerKind k, std::uint32_t s) {
  ctx.schedule(delay, timer_tag_, timer_data(k, s));
}

resilience::Bulkhead& CallPolicy::pool_of(std::uint32_t instance) {
  while (pools_.size() <= instance) pools_.emplace_back(*pool_params_);
  return pools_[instance];
}

// ---------------------------------------------------------------- the call

void CallPolicy::start(Context& ctx, RefId ref, const RequestInfo& req, std::uint64_t owner_token, std::uint32_t instance,
                       Time timeout, std::uint32_t from) {
  std::uint32_t s = alloc_slot();
  Slot& sl = slots_[s];
  sl.req = req;
  sl.owner_token = owner_token;
  sl.ref = ref;
  sl.instance = instance;
  sl.from = from;
  sl.result = Result{};
  sl.timeout = timeout >= 0 ? timeout : timeout_;
  ctx.metrics().add(calls_c_);
  if (budget_) budget_->on_request(ctx.now());
  starting_ = true;
  run_attempt(ctx, s, 0);
  starting_ = false;
}

void CallPolicy::run_attempt(Context& ctx, std::uint32_t s, int stage) {
  Metrics& m = ctx.metrics();
  const Time now = ctx.now();
  if (stage <= 0) {
    slots_[s].began = now;
    if (breaker_) {
      bool ok = breaker_->try_acquire(now);
      sync_breaker(ctx);
      if (!ok) {
        m.add(circuit_open_c_);
        attempt_failed(ctx, s, causes::CircuitOpen);
        return;
      }
      slots_[s].permit = true;
    }
    bool admitted = true;
    switch (rate_kind_) {
      case RateKind::None: break;
      case RateKind::TokenBucket: admitted = bucket_->try_acquire(now); break;
      case RateKind::KeyedTokenBucket: {
        const RequestInfo& req = slots_[s].req;
        // Requests without a key share one bucket (Envoy's default bucket when no descriptor matches).
        const std::uint64_t key = key_by_user_ ? req.session : req.has_key ? req.key : ~std::uint64_t{0};
        admitted = keyed_->try_acquire(key, now);
        break;
      }
      case RateKind::SlidingWindow: admitted = sliding_->try_acquire(now); break;
      case RateKind::FixedWindow: {
        const std::optional<Time> wait = fixed_->reserve(now, wait_bound(now, slots_[s], rate_wait_max_));
        admitted = wait.has_value();
        if (admitted && *wait > 0) {  // a permission of a later cycle: proceed when it comes
          m.add(rate_waited_c_);
          slots_[s].phase = Phase::WaitRate;
          schedule(ctx, *wait, kRateWait, s);
          return;
        }
        break;
      }
    }
    if (!admitted) {
      m.add(rate_limited_c_);
      attempt_failed(ctx, s, causes::RateLimited);
      return;
    }
  }
  if (stage <= 1 && bulkhead_) {
    switch (bulkhead_->try_acquire(waiter_of(s))) {
      case BulkheadDecision::kAdmitted: slots_[s].bulkhead = true; break;
      case BulkheadDecision::kMustWait:
        m.add(bulkhead_waited_c_);
        slots_[s].phase = Phase::WaitBulkhead;
        slots_[s].wait_since = ctx.now();
        schedule(ctx, wait_bound(now, slots_[s], bulkhead_->max_wait()), kBulkheadWait, s);
        return;
      case BulkheadDecision::kRejected:
        m.add(bulkhead_full_c_);
        attempt_failed(ctx, s, causes::BulkheadFull);
        return;
    }
  }
  if (stage <= 2 && pool_params_) {
    resilience::Bulkhead& pool = pool_of(slots_[s].instance);
    switch (pool.try_acquire(waiter_of(s))) {
      case BulkheadDecision::kAdmitted:
        slots_[s].pool = true;
        m.add(pool_in_use_g_, 1, ctx.now());
        break;
      case BulkheadDecision::kMustWait:
        m.add(pool_waited_c_);
        m.add(pool_waiting_g_, 1, ctx.now());
        slots_[s].phase = Phase::WaitPool;
        slots_[s].wait_since = ctx.now();
        schedule(ctx, wait_bound(now, slots_[s], pool.max_wait()), kPoolWait, s);
        return;
      case BulkheadDecision::kRejected:
        m.add(pool_timeout_c_);
        attempt_failed(ctx, s, causes::PoolTimeout);
        return;
    }
  }
  send(ctx, s);
}

void CallPolicy::transmit(Context& ctx, std::uint32_t s) {
  Slot& sl = slots_[s];
  ++sl.gen;  // wait timers of this attempt are stale from here on
  if (past_deadline(ctx.now(), sl)) [[unlikely]] {  // its waits took the whole deadline
    ctx.metrics().add(timeouts_c_);
    if (sl.conn) release_connection(s, false);
    attempt_failed(ctx, s, Status::Timeout);
    return;
  }
  sl.phase = Phase::InFlight;
  sl.attempt_start = ctx.now();
  sl.is_retry = sl.retries > 0;
  if (concurrent_budget_) {
    if (sl.is_retry) concurrent_budget_->on_retry_start();
    else concurrent_budget_->on_request_start();
  }
  sl.mesh_tries = 1;
  send_try(ctx, s);
}

void CallPolicy::send_try(Context& ctx, std::uint32_t s) {
  Slot& sl = slots_[s];
  RequestInfo req = sl.req;
  // A mesh's retry is another attempt at the callee: its own number, so it draws its own work.
  req.attempt = static_cast<std::uint16_t>(sl.req.attempt + sl.retries * mesh_.tries + (sl.mesh_tries - 1));
  const Time timeout = mesh_timed_              ? mesh_try_timeout(ctx.now(), sl)
                       : wait_in_timeout_ && sl.timeout > 0 ? sl.began + sl.timeout - ctx.now()
                                                             : sl.timeout;
  if (timeout > 0) req.deadline = std::min(req.deadline, ctx.now() + timeout);
  ctx.metrics().add(attempts_c_);
  std::uint64_t token = tokens_.make(waiter_of(s));
  ctx.call(sl.ref, req, token, timeout, sl.from, sl.hop);
  sl.hop = 0;  // a retry on a kept connection opens no handshake
}

void CallPolicy::on_reply(Context& ctx, CallId call, Status status, std::uint64_t token) {
  const std::uint64_t w = tokens_.payload(token);
  std::uint32_t s = slot_of(w, kGenBits);
  if (s >= slots_.size() || slots_[s].phase != Phase::InFlight || !current_gen(w, slots_[s].gen, kGenBits)) {
    ctx.metrics().add(late_c_);  // an attempt this policy no longer waits for
    return;
  }
  Slot& sl = slots_[s];
  if (mesh_timed_ && status == Status::Timeout && sl.cut != MeshCut::App) [[unlikely]]
    ctx.metrics().add(mesh_timeouts_c_);
  // The caller's sidecar tries again at once, below the application's view of the attempt,
  // while neither the application nor the route has given up (a try its per-try timeout ended
  // may go again; one they ended may not).
  if (sl.mesh_tries < mesh_.tries && !served(status) && ((mesh_.on_mask >> static_cast<int>(status)) & 1u) &&
      (status != Status::Timeout || sl.cut == MeshCut::PerTry) && mesh_time_left(ctx.now(), sl)) [[unlikely]] {
    ++sl.mesh_tries;
    ctx.metrics().add(mesh_retries_c_);
    ++sl.gen;  // the try that failed is stale
    const Time wait = mesh_backoff(ctx.now(), sl);
    if (wait <= 0) {
      send_try(ctx, s);
      return;
    }
    // The failure stands as the attempt's outcome if the next try cannot go (kMeshRetry).
    sl.result = ctx.result(call);
    sl.final_status = status;
    schedule(ctx, wait, kMeshRetry, s);
    return;
  }
  sl.result = ctx.result(call);
  attempt_replied(ctx, s, status);
}

void CallPolicy::attempt_replied(Context& ctx, std::uint32_t s, Status status) {
  Slot& sl = slots_[s];
  if (concurrent_budget_) {
    if (sl.is_retry) concurrent_budget_->on_retry_end();
    else concurrent_budget_->on_request_end();
  }
  if (sl.permit) {
    sl.permit = false;
    breaker_->on_result(ctx.now(), ctx.now() - sl.attempt_start, !served(status));
    sync_breaker(ctx);
  }
  if (status == Status::Timeout) ctx.metrics().add(timeouts_c_);
  if (sl.conn) release_connection(s, status == Status::Timeout);
  release_resources(ctx, s);
  // release_resources may have resumed waiters (and grown slots_): index again.
  if (served(status)) end_call(ctx, s, status);
  else attempt_failed(ctx, s, status);
}

void CallPolicy::release_resources(Context& ctx, std::uint32_t s) {
  std::optional<std::uint64_t> bulk_next, pool_next;
  if (slots_[s].bulkhead) {
    slots_[s].bulkhead = false;
    bulk_next = bulkhead_->release();
  }
  if (slots_[s].pool) {
    slots_[s].pool = false;
    pool_next = pool_of(slots_[s].instance).release();
    // A connection handed to a waiter stays in use; one waiter fewer.
    if (pool_next) ctx.metrics().add(pool_waiting_g_, -1, ctx.now());
    else ctx.metrics().add(pool_in_use_g_, -1, ctx.now());
  }
  if (bulk_next) resume_waiter(ctx, *bulk_next, 2);
  if (pool_next) resume_waiter(ctx, *pool_next, 3);
}

// A waiter was handed a bulkhead slot (stage 2 next: the pool) or a connection (stage 3: send).
void CallPolicy::resume_waiter(Context& ctx, std::uint64_t waiter, int stage) {
  std::uint32_t w = slot_of(waiter, kGenBits);
  Slot& sl = slots_[w];
  if (stage == 2) sl.bulkhead = true;
  else sl.pool = true;
  ctx.trace_mark(sl.req, TraceSpan::Queue, sl.wait_since, ctx.now());  // on the caller's track
  if (!sink_.call_wanted(sl.owner_token)) {
    abandon(ctx, w);
    return;
  }
  ++sl.gen;  // its wait timer is stale
  run_attempt(ctx, w, stage);
}

void CallPolicy::abandon(Context& ctx, std::uint32_t s) {
  if (slots_[s].conn) release_connection(s, false);
  if (slots_[s].permit) {
    slots_[s].permit = false;
    breaker_->release_permission();
  }
  release_resources(ctx, s);
  free_slot(s);
}

void CallPolicy::attempt_failed(Context& ctx, std::uint32_t s, Status status) {
  Metrics& m = ctx.metrics();
  Slot& sl = slots_[s];
  if (sl.permit) {  // refused before it was sent: no outcome for the breaker
    sl.permit = false;
    breaker_->release_permission();
  }
  if (sl.bulkhead || sl.pool) release_resources(ctx, s);
  Slot& cur = slots_[s];
  if (backoff_ && cur.retries + 1 < max_attempts_ && retry_on(status)) {
    int done = cur.retries;
    Rng rng = Context::keyed_rng(stream_, cur.req.id, static_cast<std::uint64_t>(cur.req.attempt) * 1000 + static_cast<std::uint64_t>(done));
    Time delay = backoff_->delay(done, rng, cur.backoff_prev);
    bool allowed = after(ctx.now(), delay) < cur.req.deadline;
    if (allowed && budget_kind_ != BudgetKind::None) {
      allowed = budget_ ? budget_->try_retry(ctx.now()) : concurrent_budget_->can_retry();
      if (!allowed) m.add(budget_denied_c_);
    }
    if (allowed) {
      ++cur.retries;
      ++cur.gen;
      cur.phase = Phase::Backoff;
      m.add(retries_c_);
      schedule(ctx, delay, kRetry, s);
      return;
    }
  }
  if (fallback_) {
    Rng rng = Context::keyed_rng(stream_, cur.req.id, 0xfa11bac0ULL + cur.req.attempt);
    ++cur.gen;
    cur.phase = Phase::Fallback;
    schedule(ctx, fallback_->sample_time(rng), kFallbackDone, s);
    return;
  }
  end_call(ctx, s, status);
}

void CallPolicy::end_call(Context& ctx, std::uint32_t s, Status status) {
  Metrics& m = ctx.metrics();
  if (starting_) {
    // Never answer from inside start(): the owner may be issuing calls in a loop.
    Slot& sl = slots_[s];
    ++sl.gen;
    sl.phase = Phase::Finishing;
    sl.final_status = status;
    schedule(ctx, 0, kFinish, s);
    return;
  }
  if (status == Status::Degraded) m.add(degraded_c_);
  else if (!served(status)) m.add(failed_c_);
  std::uint64_t owner = slots_[s].owner_token;
  RequestInfo req = slots_[s].req;
  Result result = status == Status::Ok ? slots_[s].result : Result{};
  ending_attempts_ = static_cast<std::uint16_t>(slots_[s].retries + 1);
  free_slot(s);
  sink_.call_ended(ctx, owner, status, req, result);
}

void CallPolicy::on_timer(Context& ctx, std::uint64_t data) {
  TimerKind kind = static_cast<TimerKind>(data >> 56);
  if (kind == kStateChange) {
    breaker_->force_state(ctx.now(), state_changes_[data & 0xffffffffu].to);
    sync_breaker(ctx);
    return;
  }
  if (kind == kBreakerDeadline) {
    if ((data & 0xffffffffu) != breaker_gen_) return;  // the breaker moved on since
    breaker_->advance(ctx.now());
    sync_breaker(ctx);
    return;
  }
  const std::uint64_t w = data & ((std::uint64_t{1} << 48) - 1);  // the kind is in bits 56..63
  std::uint32_t s = slot_of(w, kGenBits);
  if (s >= slots_.size() || !current_gen(w, slots_[s].gen, kGenBits)) return;  // stale
  Slot& sl = slots_[s];
  switch (kind) {
    case kRetry:
      if (sl.phase != Phase::Backoff) return;
      if (!sink_.call_wanted(sl.owner_token)) {
        free_slot(s);
        return;
      }
      run_attempt(ctx, s, 0);
      break;
    case kRateWait:
      if (sl.phase != Phase::WaitRate) return;
      run_attempt(ctx, s, 1);  // the permission is held: on to the bulkhead and the pool
      break;
    case kBulkheadWait:
      if (sl.phase != Phase::WaitBulkhead || !bulkhead_->cancel(waiter_of(s))) return;
      ctx.trace_mark(sl.req, TraceSpan::Queue, sl.wait_since, ctx.now());
      if (past_deadline(ctx.now(), sl)) {
        ctx.metrics().add(timeouts_c_);
        attempt_failed(ctx, s, Status::Timeout);
        break;
      }
      ctx.metrics().add(bulkhead_full_c_);
      attempt_failed(ctx, s, causes::BulkheadFull);
      break;
    case kPoolWait:
      if (sl.phase != Phase::WaitPool || !pool_of(sl.instance).cancel(waiter_of(s))) return;
      ctx.trace_mark(sl.req, TraceSpan::Queue, sl.wait_since, ctx.now());
      ctx.metrics().add(pool_waiting_g_, -1, ctx.now());
      if (past_deadline(ctx.now(), sl)) {
        ctx.metrics().add(timeouts_c_);
        attempt_failed(ctx, s, Status::Timeout);
        break;
      }
      ctx.metrics().add(pool_timeout_c_);
      attempt_failed(ctx, s, causes::PoolTimeout);
      break;
    case kFallbackDone:
      if (sl.phase != Phase::Fallback) return;
      end_call(ctx, s, Status::Degraded);
      break;
    case kFinish:
      if (sl.phase != Phase::Finishing) return;
      end_call(ctx, s, sl.final_status);
      break;
    case kConnected:
      connected(ctx, s);
      break;
    case kConnectDeadline:  // the deadline came during the set-up: the connection is given up
      if (sl.phase != Phase::Connecting) return;
      ctx.metrics().add(timeouts_c_);
      release_connection(s, true);
      attempt_failed(ctx, s, Status::Timeout);
      break;
    case kMeshRetry:
      // The mesh's back-off ended: the next try, unless the attempt's time ran out meanwhile
      // (it ends with a timeout) or its caller no longer wants the call (the last failure).
      if (sl.phase != Phase::InFlight) return;
      if (!mesh_time_left(ctx.now(), sl)) attempt_replied(ctx, s, Status::Timeout);
      else if (!sink_.call_wanted(sl.owner_token)) attempt_replied(ctx, s, sl.final_status);
      else send_try(ctx, s);
      break;
    case kBreakerDeadline:
    case kStateChange: break;
  }
}

// Records the breaker's state as a gauge (Resilience4j's order: 0 closed, 1 open, 2
// half-open, 3 disabled, 4 forced open, 5 metrics only) and keeps a timer at the deadline of
// the transitions Resilience4j schedules itself (the open wait only with automatic_transition;
// a lazy open wait ends at the next call, and the series shows it then).
void CallPolicy::sync_breaker(Context& ctx) {
  CircuitState st = breaker_->state();
  if (st == shown_state_) return;
  Metrics& m = ctx.metrics();
  m.set(state_g_, static_cast<double>(st), ctx.now());
  const bool refusing = st == CircuitState::kOpen || st == CircuitState::kForcedOpen;
  m.set(open_g_, refusing ? 1.0 : 0.0, ctx.now());
  if (st == CircuitState::kOpen) m.add(opened_c_);
  shown_state_ = st;
  ++breaker_gen_;
  Time deadline = breaker_->timer_deadline();
  if (deadline != kTimeMax)
    ctx.schedule(std::max<Time>(0, deadline - ctx.now()), timer_tag_,
                 (static_cast<std::uint64_t>(kBreakerDeadline) << 56) | breaker_gen_);
}

void CallPolicy::finish(Context& ctx, ComponentReport& r) const {
  const Metrics& m = ctx.metrics();
  auto fig = [&](const char* name, CounterId c) { r.add(prefix_ + "." + name, static_cast<double>(m.total(c))); };
  fig("calls", calls_c_);
  fig("attempts", attempts_c_);
  if (mesh_.tries > 1) fig("mesh_retries", mesh_retries_c_);
  if (mesh_.per_try_timeout > 0 || mesh_.timeout > 0) fig("mesh_timeouts", mesh_timeouts_c_);
  fig("failed", failed_c_);
  if (timeout_ > 0) fig("attempt_timeouts", timeouts_c_);
  if (backoff_) {
    fig("retries", retries_c_);
    if (budget_kind_ != BudgetKind::None) fig("retry_budget_exhausted", budget_denied_c_);
  }
  if (breaker_) {
    fig("circuit_open", circuit_open_c_);
    fig("circuit_opened", opened_c_);
    fig("circuit_transitions", transitions_c_);
    r.add(prefix_ + ".circuit_open_fraction", m.average(open_g_, ctx.end_time()));
    r.add(prefix_ + ".circuit_state", static_cast<double>(breaker_->state()));
  }
  if (rate_kind_ != RateKind::None) fig("rate_limited", rate_limited_c_);
  if (keyed_) {
    r.add(prefix_ + ".rate_limiter_keys", static_cast<double>(keyed_->keys()));
    r.add(prefix_ + ".rate_limiter_keys_evicted_early", static_cast<double>(keyed_->early_evictions()));
  }
  if (rate_wait_max_ > 0) fig("rate_waited", rate_waited_c_);
  if (bulkhead_) {
    fig("bulkhead_full", bulkhead_full_c_);
    fig("bulkhead_waited", bulkhead_waited_c_);
  }
  if (pool_params_) {
    fig("pool_timeout", pool_timeout_c_);
    fig("pool_waited", pool_waited_c_);
    r.add(prefix_ + ".pool_in_use", m.average(pool_in_use_g_, ctx.end_time()));
    r.add(prefix_ + ".pool_waiting", m.average(pool_waiting_g_, ctx.end_time()));
  }
  if (fallback_) fig("degraded", degraded_c_);
  if (connect_) fig("connections_opened", connects_c_);
  if (connect_ && connect_->tls()) {
    fig("tls_full_handshakes", tls_full_c_);
    fig("tls_resumed_handshakes", tls_resumed_c_);
  }
}

}  // namespace archsim
