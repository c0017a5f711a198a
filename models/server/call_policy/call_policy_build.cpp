// CallPolicy: reading a call site's policies ("retry", "circuit_breaker", "bulkhead",
// "rate_limiter", "fallback", "pool", "connect") and registering their series. What each
// policy follows is in its own header; the calls themselves run in call_policy.cpp.
#include "models/server/call_policy/call_policy.h"
#include "models/contracts/causes.h"

#include <algorithm>
#include <cmath>


#include "sim/results.h"
#include "sim/text_list.h"

namespace archsim {

using resilience::BulkheadDecision;
using resilience::CircuitState;

namespace {

constexpr const char* kPolicyFields[] = {"retry", "circuit_breaker", "bulkhead", "rate_limiter", "fallback", "pool", "connect",
                                          "timeout_includes_wait"};

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
    retry_on_mask_ = read_cause_mask(*r, "on", {"timeout", "error", "rejected", "unavailable", "dropped", "shed"}, bc);
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
  wait_in_timeout_ = p.boolean("timeout_includes_wait", false);
  if (wait_in_timeout_) {
    if (timeout_ <= 0) p.fail("timeout_includes_wait", "needs a \"timeout\" to cover");
    if (!bulkhead_ && !pool_params_ && !connect_ && rate_kind_ != RateKind::FixedWindow)
      p.fail("timeout_includes_wait", "nothing here waits before the call: it covers this call's bulkhead, pool, connection set-up or "
                                      "rate limiter wait (a service-level pool's wait is not covered)");
  }

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
  if (connect_ && connect_->tls()) {
    tls_full_c_ = m.counter(series_, "tls_full_handshakes", "tls_full_handshakes_rps");
    tls_resumed_c_ = m.counter(series_, "tls_resumed_handshakes", "tls_resumed_handshakes_rps");
  }
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


std::uint32_t CallPolicy::read_cause_mask(Params& p, const char* key, const std::vector<std::string>& defaults,
                                          const BuildContext& bc) {
  std::vector<std::string> on = p.has(key) ? p.strings(key) : defaults;
  // Failure causes a retry may name: every registered one but ok and degraded (served).
  std::vector<std::string> names;
  for (std::size_t k = 1; k < bc.cause_names().size(); ++k)
    if (k != static_cast<std::size_t>(Status::Degraded)) names.push_back(bc.cause_names()[k]);
  std::uint32_t mask = 0;
  for (std::size_t i = 0; i < on.size(); ++i) {
    bool found = false;
    for (std::size_t k = 1; k < bc.cause_names().size() && k < 32; ++k)
      if (k != static_cast<std::size_t>(Status::Degraded) && on[i] == bc.cause_names()[k]) {
        mask |= 1u << k;
        found = true;
      }
    if (!found) {
      const std::string list = join_items(names, ", ");
      throw ScenarioError(p.path(key) + "/" + std::to_string(i),
                          "unknown cause \"" + on[i] + "\"" + did_you_mean(on[i], names) + "; causes: " + list);
    }
  }
  return mask;
}

void CallPolicy::set_mesh(const Mesh& mesh, Metrics& m) {
  mesh_ = mesh;
  // Every try but the first is bounded by what is left of the attempt: with retries too.
  mesh_timed_ = mesh.active();
  mesh_retries_c_ = m.counter(series_, "mesh_retries");
  mesh_timeouts_c_ = m.counter(series_, "mesh_timeouts");
}

}  // namespace archsim
