// The Client component at run time: arrivals, users and sessions, each request's start and
// end, and the wake clock of the thinking users.
#include "models/client/client_model.h"

namespace archsim::client {

bool Client::set_load_factor(Context& ctx, double factor) {
  if (closed_) return false;
  Context::ActingAs as(ctx, index());
  load_factor_ = factor;
  // The arrival already drawn was drawn at the old rate: draw it again from now (the
  // process is memoryless), the pending one left behind by its generation.
  ++arrival_gen_;
  schedule_next_arrival(ctx, ctx.now());
  return true;
}

bool Client::draws_keys() const {
  for (const RouteSpec& r : routes_)
    if (r.key_count > 0) return true;
  return false;
}

bool Client::set_key_shift(Context&, std::uint64_t offset) {
  if (!draws_keys()) return false;
  key_shift_ = offset;
  return true;
}

void Client::start(Context& ctx) {
  if (policy_) policy_->begin(ctx);
  if (!closed_ || sessions_mode_) {
    schedule_next_arrival(ctx, ctx.now());  // from the run's start (Simulation::start_at)
    return;
  }
  if (fixed_.on) {  // ab and k6 start every user at once, with no think time first
    active_target_ = fixed_.users;
    first_maybe_idle_ = fixed_.users;
    std::uint64_t started = 0;
    for (std::uint64_t u = 0; u < fixed_.users; ++u) {
      if (!fixed_.begin(u)) continue;
      state_[u] = kWaiting;
      ++started;
      send(ctx, u, u);
    }
    ctx.metrics().add(active_g_, static_cast<double>(started), ctx.now());
    if (pooled_think_) span_ = fixed_.users;
    return;
  }
  adjust_users(ctx);
  if (!users_.is_constant()) ctx.schedule(kSecond, kUsersTick);
}

void Client::on_timer(Context& ctx, std::uint16_t tag, std::uint64_t data) {
  if (is_policy_timer(tag)) {
    policy_->on_timer(ctx, data);
    return;
  }
  switch (tag) {
    case kArrival:
      if (data != arrival_gen_) break;  // drawn before a load spike changed the rate
      if (sessions_mode_) start_session(ctx);
      else send(ctx, 0, 0);
      schedule_next_arrival(ctx, ctx.now());
      break;
    case kSessionEnd:
      end_session(ctx, data);
      break;
    case kThinkDone:
      user_cycle(ctx, data);
      break;
    case kWakeClock:
      if (data == clock_gen_) wake_clock(ctx);
      break;
    case kUsersTick:
      adjust_users(ctx);
      if (ctx.now() + kSecond <= ctx.end_time()) ctx.schedule(kSecond, kUsersTick);
      break;
  }
}

void Client::on_reply(Context& ctx, CallId call, Status status, std::uint64_t token) {
  if (is_policy_token(token)) {
    policy_->on_reply(ctx, call, status, token);
    return;
  }
  call_ended(ctx, token, status, ctx.request(call), ctx.result(call));
}

// The request's end, exactly once, whatever retries a policy made on the way.
void Client::call_ended(Context& ctx, std::uint64_t token, Status status, const RequestInfo& req, Result) {
  ctx.metrics().record(status == Status::Ok ? latency_h_ : other_h_, ctx.now() - req.start);
  if (served(status)) {
    ctx.metrics().add(ok_c_);
    if (req.route < kb_by_route_.size()) egress_kb_ += kb_by_route_[req.route];
  } else {
    ctx.metrics().add(failed_c_);
  }
  counters_.ended(ctx.metrics(), req.route, served(status));
  ctx.request_ended(req, status, policy_ ? policy_->ending_attempts() : 1);
  ctx.metrics().add(in_system_g_, -1, ctx.now());
  if (closed_) {
    const std::uint64_t user = sessions_mode_ ? SessionTicket::user(token) : token;
    state_[user] = kThinking;
    if (pooled_think_) {  // the wake clock picks it (wake_clock)
      ++thinking_;
      if (thinking_ > clock_bound_) restart_clock(ctx);
      return;
    }
    Time think = think_.sample_time(rng_);
    if (sessions_mode_ && session_over_before(token, after(ctx.now(), think))) {
      // The session ends before the next request: the user leaves at its end (or now,
      // when the last request outlasted it).
      if (ctx.now() >= session_end_[user]) end_session(ctx, user);
      else ctx.schedule(session_end_[user] - ctx.now(), kSessionEnd, user);
      return;
    }
    ctx.schedule(think, kThinkDone, token);
  }
}

// Next arrival strictly after `t`.
void Client::schedule_next_arrival(Context& ctx, Time t) {
  const Time end = ctx.end_time();
  if (plain_poisson_ && t >= rate_.points[0].first) {
    // A plain Poisson rate past its point: next_arrival_by_profile with one piece that
    // never ends (piece_end is kTimeMax, piece_max the rate, no thinning), the same draw
    // without the profile's lookups. A gap that saturates at kTimeMax ends the arrivals, as there.
    const double rate = rate_.points[0].second;
    if (t >= end || rate <= 0) return;
    const Time cand = poisson_next(t, rate);
    if (cand == kTimeMax || cand > end) return;
    ctx.schedule(cand - ctx.now(), kArrival, arrival_gen_);
    return;
  }
  next_arrival_by_profile(ctx, t);
}

// By thinning against the largest rate of the current linear piece; crossing into the
// next piece restarts there (the process is memoryless). Out of line, so that the fast
// path above keeps its exponential draw inline (with both in one function GCC called
// standard_exponential instead).
void Client::next_arrival_by_profile(Context& ctx, Time t) {
  const Time end = ctx.end_time();
  while (t < end) {
    // Only [t, end] matters: a candidate past the end is dropped whatever the bound.
    double bound = rate_.piece_max(t, end);
    Time piece_end = rate_.piece_end(t);
    if (bound <= 0) {
      if (piece_end == kTimeMax) return;
      t = piece_end;
      continue;
    }
    Time cand;
    if (constant_) {
      cand = after(t, std::max<Time>(1, from_seconds_saturated(1.0 / std::max(rate_.at(t) * load_factor_, 1e-9))));
      if (rate_.at(t) <= 0) {
        t = piece_end;
        continue;
      }
    } else {
      // A rate so low that the gap overflows Time saturates: no arrival in this piece.
      cand = poisson_next(t, bound);
      if (cand >= piece_end) {
        t = piece_end;
        continue;
      }
      // A flat piece needs no thinning (every candidate is accepted): no draw, no lookup.
      if (!flat_ && rng_.uniform() * bound > rate_.at(cand)) {
        t = cand;
        continue;
      }
    }
    if (cand > end) return;
    ctx.schedule(cand - ctx.now(), kArrival, arrival_gen_);
    return;
  }
}

// One request of `user` (closed loop) or of nobody (open loop). `token` comes back in
// call_ended: the user's slot, or in session mode its SessionTicket.
void Client::send(Context& ctx, std::uint64_t user, std::uint64_t token) {
  RequestInfo req;
  req.id = ctx.next_request_id();
  req.start = ctx.now();
  // With a policy the timeout is per attempt (the policy sets each attempt's deadline).
  req.deadline = timeout_ > 0 && !policy_ ? ctx.now() + timeout_ : kTimeMax;
  req.client = ctx.self();
  req.cancel_at_deadline = cancel_;
  req.session = !sessions_mode_ ? (closed_ ? user : key_rng_.below(sessions_))
                : SessionTicket::packed(token) ? SessionTicket::id(token) : session_id_[user];
  const RouteSpec& r = pick_route();
  req.route = static_cast<std::uint16_t>(r.route);
  req.write = r.write;
  if (r.key_count > 0) {
    req.has_key = true;
    req.key = r.zipf ? r.zipf->sample(key_rng_) : key_rng_.below(r.key_count);
    if (key_shift_ != 0) req.key = (req.key + key_shift_ % r.key_count) % r.key_count;
    if (r.scramble) req.key = ycsb_scramble(req.key, r.key_count);
    if (r.format) req.key = r.format->key(req.key);
  }
  ctx.metrics().add(sent_c_);
  ctx.metrics().add(in_system_g_, +1, ctx.now());
  ctx.request_sent(req);
  if (policy_) policy_->start(ctx, target_, req, token);
  else ctx.call(target_, req, token, timeout_);
}

// A think timer's end: `data` is the user's slot, or in session mode its SessionTicket.
void Client::user_cycle(Context& ctx, std::uint64_t data) {
  const std::uint64_t user = sessions_mode_ ? SessionTicket::user(data) : data;
  if (!sessions_mode_ && user >= active_target_) {  // the population shrank: this user leaves
    state_[user] = kIdle;
    ctx.metrics().add(active_g_, -1, ctx.now());
    first_maybe_idle_ = std::min<std::uint64_t>(first_maybe_idle_, user);
    // The wake clock's span ends at the highest user still present, so that its pick
    // among the thinking users (wake_clock) does not try the users who left.
    while (span_ > 0 && state_[span_ - 1] == kIdle) --span_;
    return;
  }
  if (fixed_.on) {  // an iteration (request and think time) ended
    if (fixed_.end()) {  // the test's last iteration
      test_end_ = ctx.now();
      ctx.test_ended();
    }
    if (!fixed_.begin(user)) {
      state_[user] = kIdle;
      if (!sessions_mode_) ctx.metrics().add(active_g_, -1, ctx.now());
      return;
    }
  }
  state_[user] = kWaiting;
  send(ctx, user, data);
}

// A user arrives: takes a free slot (or a new one), draws the session's length and sends
// the first request at once (the landing page).
void Client::start_session(Context& ctx) {
  std::uint64_t user;
  if (!free_.empty()) {
    user = free_.back();
    free_.pop_back();
  } else {
    user = state_.size();
    state_.push_back(kIdle);
    session_end_.push_back(0);
    session_id_.push_back(0);
  }
  const Time end = after(ctx.now(), length_.sample_time(session_rng_));
  const std::uint64_t id = sessions_started_++;
  // Kept for the end of the session, and for the tickets that cannot carry them.
  session_end_[user] = end;
  session_id_[user] = id;
  std::size_t day = static_cast<std::size_t>(ctx.now() / (86400 * kSecond));
  if (sessions_by_day_.size() <= day) sessions_by_day_.resize(day + 1, 0);
  ++sessions_by_day_[day];
  ctx.metrics().add(sessions_c_);
  ctx.metrics().add(active_g_, +1, ctx.now());
  ++active_;
  peak_active_ = std::max(peak_active_, static_cast<double>(active_));
  state_[user] = kWaiting;
  send(ctx, user, SessionTicket::make(user, end, id));
}

void Client::end_session(Context& ctx, std::uint64_t user) {
  state_[user] = kIdle;
  free_.push_back(static_cast<std::uint32_t>(user));
  ctx.metrics().add(active_g_, -1, ctx.now());
  --active_;
}

// Called every simulated second while the population follows a profile: the scan starts
// at first_maybe_idle_, not at user 0 (it read all 80,000 users' states every second of
// the spike day), and wakes the same users in the same order.
void Client::adjust_users(Context& ctx) {
  active_target_ = static_cast<std::uint64_t>(std::llround(users_.at(ctx.now())));
  const std::uint64_t end = std::min<std::uint64_t>(active_target_, state_.size());
  std::uint64_t started = 0;
  for (std::uint64_t u = first_maybe_idle_; u < end; ++u) {
    if (state_[u] != kIdle) continue;
    // A new user starts after a think time, so a population does not fire in lockstep.
    state_[u] = kThinking;
    ++started;
    if (pooled_think_) ++thinking_;
    else ctx.schedule(think_.sample_time(rng_), kThinkDone, u);
  }
  if (started) ctx.metrics().add(active_g_, static_cast<double>(started), ctx.now());
  first_maybe_idle_ = std::max(first_maybe_idle_, end);
  if (pooled_think_) {
    span_ = std::max(span_, end);
    if (thinking_ > clock_bound_) restart_clock(ctx);
  }
}

// The wake clock (users mode, exponential think times) in place of a timer per user.
// Its ticks come at rate clock_bound_ / mean, where clock_bound_ is at least the number of
// thinking users until the next tick; a tick wakes a thinking user, picked uniformly, with
// probability thinking_ / clock_bound_ and otherwise lets the moment pass (thinning). Each
// thinking user thus wakes at rate 1 / mean whatever the others do, which is what an
// exponential think timer of its own gives (uniformization: Jensen 1953), and the
// scheduler holds one event for the population instead of one per user. The bound is the
// count at the draw plus a margin of 1/64 and 4, so at most about 1 tick in 60 lets the
// moment pass at large counts, and the clock is drawn again (the pending tick ignored:
// the clock is memoryless) only when more users think than the bound allows.
void Client::restart_clock(Context& ctx) {
  ++clock_gen_;
  clock_at_ = static_cast<double>(ctx.now());
  draw_wake(ctx);
}

// The next tick after clock_at_, the tick's exact time kept in double nanoseconds so that
// rounding each gap to the clock's 1 ns does not bend the rate at millions of users
// (round_ns, sim/time.h: llround's value without a call into libm at every tick).
void Client::draw_wake(Context& ctx) {
  clock_bound_ = thinking_ == 0 ? 0 : thinking_ + thinking_ / 64 + 4;
  if (clock_bound_ == 0) return;
  clock_at_ += standard_exponential(rng_) * think_.p1 / static_cast<double>(clock_bound_);
  const Time at = std::max<Time>(ctx.now(), round_ns(clock_at_));
  if (at > ctx.end_time()) return;
  ctx.schedule(at - ctx.now(), kWakeClock, clock_gen_);
}

void Client::wake_clock(Context& ctx) {
  const bool wake = rng_.below(clock_bound_) < thinking_;
  std::uint64_t u = 0;
  if (wake) {
    // Uniform among the thinking users, by rejection among the users present: span_ /
    // thinking_ tries on average, about one while most users think.
    do u = rng_.below(span_);
    while (state_[u] != kThinking);
    --thinking_;
  }
  draw_wake(ctx);
  if (wake) user_cycle(ctx, u);
}

}  // namespace archsim::client
