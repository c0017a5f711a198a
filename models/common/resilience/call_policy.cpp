#include "models/common/resilience/call_policy.h"
#include "models/common/causes.h"

#include <algorithm>
#include <cmath>


#include "sim/results.h"
#include "sim/text_list.h"

namespace archsim {

using resilience::BulkheadDecision;
using resilience::CircuitState;

namespace {

constexpr const char* kPolicyFields[] = {"retry", "circuit_breaker", "bulkhead", "rate_limiter", "fallback", "pool", "connect"};

[[noreturn]] void fail_param(const Params& p, const resilience::ParamError& e) {
  throw ScenarioError(p.pointer() + "/" + e.field, e.reason);
}

}  // namespace

bool CallPolicy::wanted(const Params& p) {
  for (const char* k : kPolicyFields)
    if (p.has(k)) return true;
  return false;
}

CallPolicy::CallPolicy(Params& p, BuildContext& bc, Site site, std::string series, std::string figure_prefix,
                       const SubOwner& sub, CallSink& sink, Time timeout)
    : sink_(sink),
      site_(site),
      timer_tag_(sub.tags.make(0)),
      tokens_(sub.tokens),
      series_(std::move(series)),
      prefix_(std::move(figure_prefix)),
      timeout_(timeout),
      stream_(bc.stream_seed(0x9000 + sub.index)) {
  if (site_ == Site::ServicePool)
    for (const char* f : kPolicyFields)
      if (std::string_view(f) != "pool" && std::string_view(f) != "connect" && p.has(f))
        p.fail(f, "belongs on a call step or a client; a service itself takes only a \"pool\" (and its \"connect\")");

  if (auto r = p.object_opt("retry")) {
    max_attempts_ = static_cast<int>(r->integer("max_attempts", 3, 1, 100));
    resilience::BackoffParams bp;
    if (auto b = r->object_opt("backoff")) {
      bp.base = b->duration("base", bp.base);
      bp.max = b->duration("max", std::max(bp.max, bp.base));
      auto j = resilience::jitter_from_string(
          b->choice("jitter", "full", {"none", "full", "equal", "decorrelated", "randomized"}).c_str());
      bp.jitter = *j;
      bp.multiplier = b->number("multiplier", 2.0, 1.0, 100.0);
      if (bp.jitter == resilience::Jitter::kRandomized)
        bp.randomization_factor = b->number("randomization_factor", 0.5, 0.0, 1.0);
      else if (b->has("randomization_factor"))
        b->fail("randomization_factor", "applies to \"jitter\": \"randomized\" (Resilience4j's exponential random backoff) only");
      if (bp.max < bp.base) b->fail("max", "must not be less than base (" + format_duration(bp.base) + ")");
      if (auto e = bp.check()) fail_param(*b, *e);
    }
    backoff_.emplace(bp);
    // Resilience4j retries on every exception by default; refusals by our own breaker,
    // limiter or bulkhead would only hammer a dependency that is known to be sick, so they
    // are retried only when named.
    std::vector<std::string> on = r->strings("on");
    if (!r->has("on")) on = {"timeout", "error", "rejected", "unavailable", "dropped", "shed"};
    // Failure causes a retry may name: every registered one but ok and degraded (served).
    std::vector<std::string> names;
    for (std::size_t k = 1; k < bc.cause_names().size(); ++k)
      if (k != static_cast<std::size_t>(Status::Degraded)) names.push_back(bc.cause_names()[k]);
    for (std::size_t i = 0; i < on.size(); ++i) {
      bool found = false;
      for (std::size_t k = 1; k < bc.cause_names().size(); ++k)
        if (k != static_cast<std::size_t>(Status::Degraded) && on[i] == bc.cause_names()[k]) {
          retry_on_mask_ |= 1u << k;
          found = true;
        }
      if (!found) {
        const std::string list = join_items(names, ", ");
        throw ScenarioError(r->path("on") + "/" + std::to_string(i),
                            "unknown cause \"" + on[i] + "\"" + did_you_mean(on[i], names) + "; causes: " + list);
      }
    }
    if (r->has("budget")) {
      if (r->shape("budget") == Params::Shape::number) {
        resilience::RetryBudgetParams bp2;
        bp2.percent_can_retry = r->number("budget", 0.2, 0.0, 1000.0);
        if (auto e = bp2.check()) fail_param(*r, resilience::ParamError{"budget", e->reason});
        budget_kind_ = BudgetKind::Finagle;
        budget_.emplace(bp2);
      } else {
        Params bo = r->object("budget");
        std::string type = bo.choice("type", "finagle", {"finagle", "envoy"});
        if (type == "finagle") {
          resilience::RetryBudgetParams bp2;
          bp2.percent_can_retry = bo.number("percent", 0.2, 0.0, 1000.0);
          bp2.min_retries_per_sec = static_cast<int>(bo.integer("min_retries_per_sec", 10, 0, 1'000'000));
          bp2.ttl = bo.duration("ttl", 10 * kSecond, kSecond, 60 * kSecond);
          if (auto e = bp2.check()) fail_param(bo, *e);
          budget_kind_ = BudgetKind::Finagle;
          budget_.emplace(bp2);
        } else {
          resilience::ConcurrentRetryBudgetParams cp;
          cp.budget_percent = bo.number("percent", 0.2, 0.0, 1.0);
          cp.min_retry_concurrency = static_cast<int>(bo.integer("min_retry_concurrency", 3, 0, 1'000'000));
          if (auto e = cp.check()) fail_param(bo, *e);
          budget_kind_ = BudgetKind::Envoy;
          concurrent_budget_.emplace(cp);
        }
      }
    }
  }

  if (auto c = p.object_opt("circuit_breaker")) {
    resilience::CircuitBreakerParams cp;
    if (auto w = c->object_opt("window")) {
      cp.window_type = w->choice("type", "count", {"count", "time"}) == "time"
                           ? resilience::CircuitBreakerParams::WindowType::kTime
                           : resilience::CircuitBreakerParams::WindowType::kCount;
      cp.window_size = static_cast<int>(w->integer("size", 100, 1, 1'000'000));
    }
    cp.failure_rate_threshold = c->number("failure_rate_threshold", cp.failure_rate_threshold, 0.0, 1.0);
    cp.slow_call_rate_threshold = c->number("slow_call_rate_threshold", cp.slow_call_rate_threshold, 0.0, 1.0);
    cp.slow_call_duration = c->duration("slow_call_duration", cp.slow_call_duration);
    cp.minimum_calls = static_cast<int>(c->integer("minimum_calls", cp.minimum_calls, 1, 1'000'000));
    cp.wait_in_open = c->duration("wait_in_open", cp.wait_in_open, kMillisecond);
    cp.wait_in_open_multiplier = c->number("wait_in_open_multiplier", 1.0, 1.0, 100.0);
    cp.max_wait_in_open = c->duration("max_wait_in_open", kTimeMax, kMillisecond);
    if (cp.max_wait_in_open < cp.wait_in_open)
      c->fail("max_wait_in_open", "must be at least wait_in_open (" + format_duration(cp.wait_in_open) + ")");
    cp.wait_in_open_randomization_factor = c->number("wait_in_open_randomization_factor", 0.0, 0.0, 1.0);
    cp.automatic_transition = c->boolean("automatic_transition", false);
    const std::vector<std::string> operator_states = {"closed", "disabled", "forced_open", "metrics_only"};
    cp.initial_state = *resilience::circuit_state_from_string(c->choice("state", "closed", operator_states).c_str());
    cp.half_open_calls = static_cast<int>(c->integer("half_open_calls", cp.half_open_calls, 1, 1'000'000));
    cp.max_wait_in_half_open = c->duration("max_wait_in_half_open", 0);
    if (auto e = cp.check()) fail_param(*c, *e);
    // An operator's transitions during the run, in time order.
    for (Params& ch : c->objects("state_changes")) {
      const Time at = ch.duration("at");
      if (!state_changes_.empty() && at < state_changes_.back().at)
        ch.fail("at", "state changes must be in time order (the one before is at " +
                          format_duration(state_changes_.back().at) + ")");
      if (!ch.has("state")) ch.fail("state", "name the state: closed, disabled, forced_open or metrics_only");
      const auto to = *resilience::circuit_state_from_string(ch.choice("state", "closed", operator_states).c_str());
      state_changes_.push_back(StateChange{at, to});
    }
    breaker_.emplace(cp, mix64(stream_, 0xb4ea4e4ULL));
  }

  if (auto r = p.object_opt("rate_limiter")) {
    std::string type = r->choice("type", "token_bucket", {"token_bucket", "sliding_window", "fixed_window"});
    if (type == "token_bucket") {
      resilience::TokenBucketParams tp;
      tp.rate = r->require_number("rate", 0.001, 1e9);
      tp.burst = r->integer("burst", std::clamp<std::int64_t>(static_cast<std::int64_t>(std::ceil(tp.rate)), 1, 9'000'000),
                            1, 9'000'000);
      if (auto e = tp.check()) fail_param(*r, *e);
      // A gateway's KeyResolver: one bucket per user or per request key instead of one for all.
      const std::string resolver = r->choice("key_resolver", "none", {"none", "request_key", "user"});
      if (resolver == "none") {
        rate_kind_ = RateKind::TokenBucket;
        bucket_.emplace(tp, 0);
        if (r->has("max_keys")) r->fail("max_keys", "applies with a \"key_resolver\" (one bucket per key)");
      } else {
        rate_kind_ = RateKind::KeyedTokenBucket;
        key_by_user_ = resolver == "user";
        keyed_.emplace(tp, static_cast<std::uint32_t>(r->integer("max_keys", 10'000, 1, 1'000'000)));
      }
    } else {
      resilience::WindowRateLimiterParams wp;
      wp.limit = r->require_integer("limit", 1, 10'000'000);
      wp.period = r->duration("period", kSecond, 1);
      if (auto e = wp.check()) fail_param(*r, *e);
      if (type == "sliding_window") {
        rate_kind_ = RateKind::SlidingWindow;
        sliding_.emplace(wp);
      } else {
        rate_kind_ = RateKind::FixedWindow;
        fixed_.emplace(wp, 0);
        // Resilience4j's timeoutDuration (its default is 5 s; 0 here keeps refusing at once).
        rate_wait_max_ = r->duration("timeout_duration", 0);
      }
    }
    if (rate_kind_ != RateKind::TokenBucket && rate_kind_ != RateKind::KeyedTokenBucket)
      for (const char* f : {"key_resolver", "max_keys"})
        if (r->has(f)) r->fail(f, "applies to \"type\": \"token_bucket\" only");
    if (rate_kind_ != RateKind::FixedWindow && r->has("timeout_duration"))
      r->fail("timeout_duration", "applies to \"type\": \"fixed_window\" (Resilience4j's RateLimiter) only");
  }

  if (auto b = p.object_opt("bulkhead")) {
    resilience::BulkheadParams bp;
    bp.max_concurrent = static_cast<int>(b->integer("max_concurrent", 25, 1, 10'000'000));
    bp.max_wait = b->duration("max_wait", 0);
    bp.max_waiting = static_cast<int>(b->integer("max_waiting", 1000, 1, 10'000'000));
    if (auto e = bp.check()) fail_param(*b, *e);
    bulkhead_.emplace(bp);
  }

  if (auto pl = p.object_opt("pool")) {
    if (site_ == Site::Client) pl->fail_here("a connection pool belongs to a service's call step (one pool per caller instance)");
    if (site_ == Site::ServicePool) {
      pool_for_ = pl->strings("for");
      if (pool_for_.empty()) pl->fail("for", "name the components whose calls take a connection, e.g. [\"db\"]");
    } else if (pl->has("for")) {
      pl->fail("for", "only a service-level pool names its components; a call step's pool serves that step");
    }
    resilience::BulkheadParams bp;
    bp.max_concurrent = static_cast<int>(pl->integer("size", 10, 1, 10'000'000));  // HikariCP maximumPoolSize
    bp.max_wait = pl->duration("acquire_timeout", 30 * kSecond);                    // HikariCP connectionTimeout
    bp.max_waiting = static_cast<int>(pl->integer("max_waiting", 10000, 1, 10'000'000));
    if (auto e = bp.check()) fail_param(*pl, *e);
    pool_params_ = bp;
  }

  if (auto f = p.object_opt("fallback")) fallback_ = f->distribution("latency", Distribution::constant(0));
  if (auto c = resilience::Connections::read(p)) connect_.emplace(*c);

  auto say = [&](const std::string& part) { append_item(summary_, ", ", part); };
  if (backoff_) say("retry x" + std::to_string(max_attempts_));
  if (breaker_) say("breaker");
  if (rate_kind_ != RateKind::None) say("rate limit");
  if (bulkhead_) say("bulkhead " + std::to_string(bulkhead_->available()));
  if (pool_params_) say("pool " + std::to_string(pool_params_->max_concurrent));
  if (fallback_) say("fallback");
  if (connect_) say("connect");

  Metrics& m = bc.metrics();
  calls_c_ = m.counter(series_, "policy_calls");
  attempts_c_ = m.counter(series_, "attempts", "attempts_rps");
  retries_c_ = m.counter(series_, "retries", backoff_ ? "retries_rps" : "");
  budget_denied_c_ = m.counter(series_, "retry_budget_exhausted");
  circuit_open_c_ = m.counter(series_, "circuit_open");
  opened_c_ = m.counter(series_, "circuit_opened");
  rate_limited_c_ = m.counter(series_, "rate_limited");
  rate_waited_c_ = m.counter(series_, "rate_waited");
  bulkhead_full_c_ = m.counter(series_, "bulkhead_full");
  bulkhead_waited_c_ = m.counter(series_, "bulkhead_waited");
  pool_timeout_c_ = m.counter(series_, "pool_timeout");
  pool_waited_c_ = m.counter(series_, "pool_waited");
  if (pool_params_) {  // connections in use and requests waiting, over all caller instances
    pool_in_use_g_ = m.gauge(series_, "pool_in_use", "pool_in_use");
    pool_waiting_g_ = m.gauge(series_, "pool_waiting", "pool_waiting");
  }
  timeouts_c_ = m.counter(series_, "attempt_timeouts");
  degraded_c_ = m.counter(series_, "degraded", fallback_ ? "degraded_rps" : "");
  failed_c_ = m.counter(series_, "failed");
  late_c_ = m.counter(series_, "late_replies");
  connects_c_ = m.counter(series_, "connections_opened", connect_ ? "connections_opened_rps" : "");
  state_g_ = m.gauge(series_, "circuit_state", breaker_ ? "circuit_state" : "");
  open_g_ = m.gauge(series_, "circuit_open_time");
  if (breaker_) {
    // Transitions are rare (each waits for a window's verdict or a wait): recording every one
    // at its exact time costs nothing per call.
    transitions_c_ = m.counter(series_, "circuit_transitions");
    state_s_ = m.state(series_, "circuit_state_transitions", static_cast<double>(breaker_->state()));
    metrics_ = &m;
    breaker_->set_listener(&CallPolicy::on_transition, this);
  }
}

void CallPolicy::on_transition(void* self, const resilience::CircuitBreaker::Transition& t) {
  auto* p = static_cast<CallPolicy*>(self);
  p->metrics_->enter(p->state_s_, static_cast<double>(t.to), t.at);
  p->metrics_->add(p->transitions_c_);
}

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
        const std::optional<Time> wait = fixed_->reserve(now, rate_wait_max_);
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
        schedule(ctx, bulkhead_->max_wait(), kBulkheadWait, s);
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
        schedule(ctx, pool.max_wait(), kPoolWait, s);
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
  sl.phase = Phase::InFlight;
  sl.attempt_start = ctx.now();
  sl.is_retry = sl.retries > 0;
  RequestInfo req = sl.req;
  req.attempt = static_cast<std::uint16_t>(sl.req.attempt + sl.retries);
  if (sl.timeout > 0) req.deadline = std::min(req.deadline, ctx.now() + sl.timeout);
  if (concurrent_budget_) {
    if (sl.is_retry) concurrent_budget_->on_retry_start();
    else concurrent_budget_->on_request_start();
  }
  ctx.metrics().add(attempts_c_);
  std::uint64_t token = tokens_.make(waiter_of(s));
  ctx.call(sl.ref, req, token, sl.timeout, sl.from);
}

void CallPolicy::on_reply(Context& ctx, CallId call, Status status, std::uint64_t token) {
  const std::uint64_t w = tokens_.payload(token);
  std::uint32_t s = slot_of(w, kGenBits);
  if (s >= slots_.size() || slots_[s].phase != Phase::InFlight || !current_gen(w, slots_[s].gen, kGenBits)) {
    ctx.metrics().add(late_c_);  // an attempt this policy no longer waits for
    return;
  }
  Slot& sl = slots_[s];
  sl.result = ctx.result(call);
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
      ctx.metrics().add(bulkhead_full_c_);
      attempt_failed(ctx, s, causes::BulkheadFull);
      break;
    case kPoolWait:
      if (sl.phase != Phase::WaitPool || !pool_of(sl.instance).cancel(waiter_of(s))) return;
      ctx.trace_mark(sl.req, TraceSpan::Queue, sl.wait_since, ctx.now());
      ctx.metrics().add(pool_timeout_c_);
      ctx.metrics().add(pool_waiting_g_, -1, ctx.now());
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
}

}  // namespace archsim
