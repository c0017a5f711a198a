#include "models/client/client.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <vector>


#include "models/client/fixed_count.h"
#include "models/client/key_format.h"
#include "models/client/key_scramble.h"
#include "models/client/operational.h"
#include "models/client/session_ticket.h"
#include "models/common/capabilities.h"
#include "models/common/resilience/call_policy.h"
#include "models/common/resilience/on_timeout.h"
#include "sim/results.h"
#include "sim/describe.h"
#include "sim/exponential.h"
#include "sim/zipf.h"

namespace archsim {
namespace {

struct RouteSpec {
  std::uint32_t route = 0;
  double cumulative = 0;  // cumulative weight, for a pick by binary search
  std::optional<ZipfSampler> zipf;
  std::uint64_t key_count = 0;
  bool scramble = false;  // YCSB's ScrambledZipfian: the rank hashed to a key (key_scramble.h)
  std::optional<KeyFormat> format;  // string keys (keys.format): the number becomes a string key
  bool write = false;
  double response_kb = 0;  // body size of a successful reply, for cost.per_gb_egress
};

enum Tag : std::uint16_t { kArrival = 1, kThinkDone, kUsersTick, kSessionEnd, kWakeClock };

// Memory a user takes with a request in flight: its state, the call record, the timeout and
// one downstream job. Measured (dev build, peak RSS, 0.5/1/2 M closed-loop users all in
// flight through one service with a timeout): 390 bytes per user. More hops hold more.
constexpr double kBytesPerUser = 400;
enum UserState : std::uint8_t { kIdle, kThinking, kWaiting };

class Client final : public Component, public CallSink, public HasCapabilities, public Placement, public LoadSource {
 public:
  Client(Params& p, BuildContext& bc) : rng_(bc.rng(0)), key_rng_(bc.rng(1)), session_rng_(bc.rng(2)) {
    target_ = bc.reference(p, "target", RefKind::SyncCall);
    duration_ = bc.duration();
    timeout_ = p.duration("timeout", 0);
    cancel_ = read_cancel_on_timeout(p, timeout_);  // models/common/resilience/on_timeout.h
    // Users are outside the data centre: a zone or region outage where the client is placed
    // cuts what runs there, not them, unless the client is an internal caller.
    internal_ = p.boolean("internal", false);
    // Resilience policies (retry, circuit_breaker, bulkhead, rate_limiter, fallback) wrap
    // every request; "timeout" is then the per-attempt timeout.
    if (CallPolicy::wanted(p))
      policy_ = std::make_unique<CallPolicy>(p, bc, CallPolicy::Site::Client, bc.id(), "resilience", bc.sub_owner(p),
                                             *this, timeout_);
    bool has_arrivals = p.has("arrivals"), has_users = p.has("users");
    bool has_sessions = p.shape("sessions") == Params::Shape::object;
    int modes = int(has_arrivals) + int(has_users) + int(has_sessions);
    if (modes != 1)
      p.fail_here(modes > 1 ? "give one of \"arrivals\" (open loop), \"users\" (closed loop) or \"sessions\" "
                              "(users arriving for a session), not several"
                            : "needs \"arrivals\" (open loop: {\"rate\": 100}), \"users\" (closed loop) or "
                              "\"sessions\" ({\"rate\": 10, \"length\": \"30m\"})");
    if (has_sessions) {
      // Users arrive as a Poisson process of sessions; each stays closed-loop for a drawn
      // session length; the concurrent users follow (M/G/infinity: L = rate x mean length).
      closed_ = sessions_mode_ = true;
      Params s = p.object("sessions");
      rate_ = s.profile("rate", 0, 1e7);
      flat_ = rate_.is_constant();
      plain_poisson_ = rate_.points.size() == 1;
      if (rate_.max() <= 0) s.fail("rate", "must be positive somewhere in the run (sessions per second)");
      length_ = s.distribution("length");
      if (!(length_.mean() > 0)) s.fail("length", "must have a positive mean (a session that lasts no time has no user)");
      // Slots grow by doubling (amortised); reserve the expected peak, rate x mean length.
      double expect = rate_.max() * length_.mean() / 1e9;
      if (expect > 5e7)
        s.fail("rate", "x the mean session length asks for about " + std::to_string(static_cast<long long>(expect)) +
                           " concurrent users (the limit is 50 million users per client)");
      std::size_t reserve = static_cast<std::size_t>(std::ceil(expect * 1.2)) + 16;
      state_.reserve(reserve);
      session_end_.reserve(reserve);
      free_.reserve(reserve);
      session_id_.reserve(reserve);
      think_ = p.distribution("think_time", Distribution::constant(0));
    } else if (has_arrivals) {
      Params a = p.object("arrivals");
      constant_ = a.choice("process", "poisson", {"poisson", "constant"}) == "constant";
      rate_ = a.profile("rate", 0, 1e9);
      flat_ = rate_.is_constant();
      plain_poisson_ = !constant_ && rate_.points.size() == 1;
      if (rate_.max() <= 0) a.fail("rate", "must be positive somewhere in the run");
    } else {
      closed_ = true;
      users_ = p.profile("users", 0, 1e12);
      double peak = users_.max();
      if (peak > 5e7)
        p.fail("users", "asks for " + std::to_string(static_cast<long long>(peak)) +
                            " concurrent users; that would need about " +
                            std::to_string(static_cast<long long>(peak * kBytesPerUser / 1e9)) +
                            " GB of memory (the limit is 50 million users per client)");
      think_ = p.distribution("think_time", Distribution::constant(0));
      state_.assign(static_cast<std::size_t>(std::ceil(peak)), kIdle);
      pooled_think_ = think_.kind == Distribution::Kind::Exponential && think_.p1 > 0;
    }
    read_fixed_count(p, bc);
    read_access_log(p, bc);
    if (!sessions_mode_) {
      if (closed_ && p.has("sessions"))
        p.fail("sessions", "a number of sessions is for open loop; a closed-loop user is its own session "
                           "(for arriving users give \"sessions\": {\"rate\": ..., \"length\": ...} instead of \"users\")");
      sessions_ = static_cast<std::uint64_t>(p.integer("sessions", 1000, 1, 1'000'000'000));
    }
    auto routes = p.objects("routes");
    double total = 0;
    for (Params& r : routes) {
      RouteSpec s;
      s.route = bc.route_index(r.string("name"));
      for (const RouteSpec& prev : routes_)
        if (prev.route == s.route) r.fail("name", "route \"" + r.string("name") + "\" is listed twice (give it one weight)");
      const double weight = r.number("weight", 1.0, 0.0, 1e9);
      total += weight;
      s.cumulative = total;
      if (weight > 0) bc.sends_route(target_, s.route, r.path("name"));
      s.write = r.boolean("write", false);
      s.response_kb = r.number("response_kb", 0.0, 0.0, 1e9);
      if (s.response_kb > 0) {
        if (kb_by_route_.size() <= s.route) kb_by_route_.resize(s.route + 1, 0.0);
        kb_by_route_[s.route] = s.response_kb;
      }
      counters_.read(r, s.route, bc.id(), bc);
      if (auto keys = r.object_opt("keys")) {
        s.key_count = static_cast<std::uint64_t>(keys->integer("count", 1, 1, 1'000'000'000'000));
        double skew = keys->number("zipf", 0.0, 0.0, 10.0);
        if (skew > 0) s.zipf.emplace(s.key_count, skew);
        s.scramble = keys->boolean("scramble", false);
        if (s.scramble && skew <= 0) keys->fail("scramble", "scrambles a Zipf key space: give \"zipf\" > 0 (uniform keys have no hot ones to spread)");
        if (keys->has("format")) {
          const std::string f = keys->string("format");
          if (std::string why = KeyFormat::problem(f); !why.empty()) keys->fail("format", "\"" + f + "\" " + why);
          const std::uint32_t index = bc.key_format_index(f);
          if (index >= kMaxKeyFormats)
            keys->fail("format", "is the scenario's " + std::to_string(index + 1) + "th key format; at most " +
                                     std::to_string(kMaxKeyFormats) + " are distinct");
          s.format.emplace(f, index, s.key_count);
        }
      }
      routes_.push_back(std::move(s));
    }
    if (routes_.empty()) {
      RouteSpec s;
      s.route = bc.route_index("default");
      s.cumulative = 1;
      bc.sends_route(target_, s.route, p.path("target"));
      routes_.push_back(std::move(s));
      total = 1;
    } else if (total <= 0) {
      p.fail("routes", "the route weights must not all be zero");
    }
    std::string id = bc.id();
    Metrics& m = bc.metrics();
    sent_c_ = m.counter(id, "sent", "offered_rps");
    ok_c_ = m.counter(id, "ok", "throughput_rps");
    failed_c_ = m.counter(id, "failed", "errors_rps");
    // Latency of the requests answered Ok, and of every request that ended (latency_all: a
    // failed one when it failed): call_ended records each request once, into latency_h_ or
    // other_h_, and latency_all_h_ is their sum, as the "all" ones are the clients' sums.
    latency_h_ = m.histogram(id, "latency", "latency");
    other_h_ = m.windowed_histogram(id, "latency_other");
    latency_all_h_ = m.histogram(id, "latency_all", "latency_all");
    m.sum_into(latency_h_, latency_all_h_);
    m.sum_into(other_h_, latency_all_h_);
    bc.end_to_end_latency(latency_h_, other_h_);
    // Requests sent and not yet ended (retries included): end-to-end Little's law, L = X W.
    in_system_g_ = m.gauge(id, "in_system");
    if (sessions_mode_) {
      active_g_ = m.gauge(id, "active_users", "active_users");
      sessions_c_ = m.counter(id, "sessions", "sessions_per_s");
    }
  }

  bool accepts_calls() const override { return false; }

  // A load spike (models/faults load_spike) scales an open loop's arrival rate; a closed
  // loop offers none, so the injector refuses the fault at connect.
  Capabilities capabilities() override {
    Capabilities c;
    c.placement = this;
    if (!closed_) c.load_source = this;
    return c;
  }
  bool in_data_centre() const override { return internal_; }
  bool set_load_factor(Context& ctx, double factor) override {
    if (closed_) return false;
    Context::ActingAs as(ctx, index());
    load_factor_ = factor;
    // The arrival already drawn was drawn at the old rate: draw it again from now (the
    // process is memoryless), the pending one left behind by its generation.
    ++arrival_gen_;
    schedule_next_arrival(ctx, ctx.now());
    return true;
  }

  void start(Context& ctx) override {
    if (policy_) policy_->begin(ctx);
    if (!closed_ || sessions_mode_) {
      schedule_next_arrival(ctx, 0);
      return;
    }
    if (fixed_.on) {  // ab and k6 start every user at once, with no think time first
      active_target_ = fixed_.users;
      first_maybe_idle_ = fixed_.users;
      for (std::uint64_t u = 0; u < fixed_.users; ++u) {
        if (!fixed_.begin(u)) continue;
        state_[u] = kWaiting;
        send(ctx, u, u);
      }
      if (pooled_think_) span_ = fixed_.users;
      return;
    }
    adjust_users(ctx);
    if (!users_.is_constant()) ctx.schedule(kSecond, kUsersTick);
  }

  void on_request(Context& ctx, CallId call) override { ctx.reply(call, Status::Error); }

  void on_timer(Context& ctx, std::uint16_t tag, std::uint64_t data) override {
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

  void on_reply(Context& ctx, CallId call, Status status, std::uint64_t token) override {
    if (is_policy_token(token)) {
      policy_->on_reply(ctx, call, status, token);
      return;
    }
    call_ended(ctx, token, status, ctx.request(call), ctx.result(call));
  }

  // The request's end, exactly once, whatever retries a policy made on the way.
  void call_ended(Context& ctx, std::uint64_t token, Status status, const RequestInfo& req, Result) override {
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

  // Per user slot: the state byte here and, per closed-loop user, one scheduler event at a
  // time (a think timer or a call): about 43 bytes measured (RSS of 1 and 2 million users),
  // 64 counted. With exponential think times a thinking user holds no event (draw_wake):
  // 1 million users to 60 s, 12 MB of peak RSS against 157 MB with a timer each.
  // Every user may have a request in flight: kBytesPerUser each. An open loop's requests in
  // flight are not charged here: how many there are depends on how the run goes (a stable
  // system holds arrivals x response time, an overloaded one up to arrivals x timeout), so
  // the engine counts them during the run (Simulation::watch_in_flight).
  std::uint64_t memory_estimate() const override {
    return static_cast<std::uint64_t>(static_cast<double>(state_.capacity()) * kBytesPerUser);
  }

  void finish(Context& ctx, ComponentReport& r) override {
    Metrics& m = ctx.metrics();
    double measured = to_seconds(ctx.end_time() - ctx.warmup());
    r.add("sent", static_cast<double>(m.total(sent_c_)));
    r.add("ok", static_cast<double>(m.total(ok_c_)));
    r.add("failed", static_cast<double>(m.total(failed_c_)));
    r.add("throughput_rps", static_cast<double>(m.total(ok_c_)) / measured);
    r.add("offered_rps", static_cast<double>(m.total(sent_c_)) / measured);
    r.add_latency("latency_ms", m.whole(latency_h_));
    r.add_latency("latency_all_ms", m.whole(latency_all_h_));
    r.add("in_system", m.average(in_system_g_, ctx.end_time()));
    // Whole run, as billed (decimal GB, as cloud egress is priced).
    if (egress_kb_ > 0) {
      r.add("egress_gb", egress_kb_ / 1e6);
      r.usage().egress_gb = egress_kb_ / 1e6;  // the cost ledger's per_gb_egress
    }
    if (sessions_mode_) {
      // Every session is one user's visit: daily active users are sessions started per
      // simulated day (a user who comes twice a day counts twice), averaged over the whole
      // days of the run; a run shorter than a day reports the sessions of its partial day.
      double days = to_seconds(ctx.end_time()) / 86400.0;
      std::uint64_t whole = static_cast<std::uint64_t>(std::floor(days + 1e-9));
      std::uint64_t total = 0;
      for (std::uint64_t d = 0; d < sessions_by_day_.size() && (whole == 0 || d < whole); ++d) total += sessions_by_day_[d];
      r.add("sessions_started", static_cast<double>(sessions_started_));
      r.add("daily_active_users", whole == 0 ? static_cast<double>(total) : static_cast<double>(total) / static_cast<double>(whole));
      for (std::size_t d = 0; d < sessions_by_day_.size() && d < 31; ++d)
        r.add("daily_active_users_day" + std::to_string(d + 1), static_cast<double>(sessions_by_day_[d]));
      r.add("active_users", m.average(active_g_, ctx.end_time()));
      r.add("active_users_peak", peak_active_);
      r.add("session_length_mean_s", length_.mean() / 1e9);
    }
    if (fixed_.on) report_fixed_count(ctx, r);
    counters_.report(m, r);
    if (policy_) policy_->finish(ctx, r);
  }

 private:
  // Next arrival strictly after `t`.
  void schedule_next_arrival(Context& ctx, Time t) {
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
  // The next point of a Poisson process of `rate` after `t`: at least 1 ns on, kTimeMax when
  // the gap overflows Time (a rate so low there is no next point). Both arrival paths draw
  // through it, so the fast path draws what the general one would.
  [[gnu::always_inline]] Time poisson_next(Time t, double rate) {
    return after(t, std::max<Time>(1, from_seconds_saturated(standard_exponential(rng_) / (rate * load_factor_))));
  }
  // By thinning against the largest rate of the current linear piece; crossing into the
  // next piece restarts there (the process is memoryless). Out of line, so that the fast
  // path above keeps its exponential draw inline (with both in one function GCC called
  // standard_exponential instead).
  [[gnu::noinline]] void next_arrival_by_profile(Context& ctx, Time t) {
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

  // Whether the session of `ticket` ends at or before `t` (the exact end read only when the
  // ticket cannot tell).
  bool session_over_before(std::uint64_t ticket, Time t) const {
    const int known = SessionTicket::ends_by(ticket, t);
    return known >= 0 ? known != 0 : t >= session_end_[SessionTicket::user(ticket)];
  }

  // One request of `user` (closed loop) or of nobody (open loop). `token` comes back in
  // call_ended: the user's slot, or in session mode its SessionTicket.
  void send(Context& ctx, std::uint64_t user, std::uint64_t token) {
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
      if (r.scramble) req.key = ycsb_scramble(req.key, r.key_count);
      if (r.format) req.key = r.format->key(req.key);
    }
    ctx.metrics().add(sent_c_);
    ctx.metrics().add(in_system_g_, +1, ctx.now());
    ctx.request_sent(req);
    if (policy_) policy_->start(ctx, target_, req, token);
    else ctx.call(target_, req, token, timeout_);
  }

  const RouteSpec& pick_route() {
    if (routes_.size() == 1) return routes_[0];
    double x = rng_.uniform() * routes_.back().cumulative;
    for (const RouteSpec& r : routes_)
      if (x < r.cumulative) return r;
    return routes_.back();
  }

  // A think timer's end: `data` is the user's slot, or in session mode its SessionTicket.
  void user_cycle(Context& ctx, std::uint64_t data) {
    const std::uint64_t user = sessions_mode_ ? SessionTicket::user(data) : data;
    if (!sessions_mode_ && user >= active_target_) {  // the population shrank: this user leaves
      state_[user] = kIdle;
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
        return;
      }
    }
    state_[user] = kWaiting;
    send(ctx, user, data);
  }

  // A user arrives: takes a free slot (or a new one), draws the session's length and sends
  // the first request at once (the landing page).
  void start_session(Context& ctx) {
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

  void end_session(Context& ctx, std::uint64_t user) {
    state_[user] = kIdle;
    free_.push_back(static_cast<std::uint32_t>(user));
    ctx.metrics().add(active_g_, -1, ctx.now());
    --active_;
  }

  // Called every simulated second while the population follows a profile: the scan starts
  // at first_maybe_idle_, not at user 0 (it read all 80,000 users' states every second of
  // the spike day), and wakes the same users in the same order.
  void adjust_users(Context& ctx) {
    active_target_ = static_cast<std::uint64_t>(std::llround(users_.at(ctx.now())));
    const std::uint64_t end = std::min<std::uint64_t>(active_target_, state_.size());
    for (std::uint64_t u = first_maybe_idle_; u < end; ++u) {
      if (state_[u] != kIdle) continue;
      // A new user starts after a think time, so a population does not fire in lockstep.
      state_[u] = kThinking;
      if (pooled_think_) ++thinking_;
      else ctx.schedule(think_.sample_time(rng_), kThinkDone, u);
    }
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
  void restart_clock(Context& ctx) {
    ++clock_gen_;
    clock_at_ = static_cast<double>(ctx.now());
    draw_wake(ctx);
  }
  // The next tick after clock_at_, the tick's exact time kept in double nanoseconds so that
  // rounding each gap to the clock's 1 ns does not bend the rate at millions of users
  // (round_ns, sim/time.h: llround's value without a call into libm at every tick).
  void draw_wake(Context& ctx) {
    clock_bound_ = thinking_ == 0 ? 0 : thinking_ + thinking_ / 64 + 4;
    if (clock_bound_ == 0) return;
    clock_at_ += standard_exponential(rng_) * think_.p1 / static_cast<double>(clock_bound_);
    const Time at = std::max<Time>(ctx.now(), round_ns(clock_at_));
    if (at > ctx.end_time()) return;
    ctx.schedule(at - ctx.now(), kWakeClock, clock_gen_);
  }
  void wake_clock(Context& ctx) {
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

  // `iterations` and `executor` (fixed_count.h): a closed loop of a constant number of users
  // that stops after a count of iterations, and ends the run when it does.
  void read_fixed_count(Params& p, BuildContext& bc) {
    if (!p.has("iterations") && !p.has("executor")) return;
    if (p.has("iterations") && (!closed_ || sessions_mode_))
      p.fail("iterations", "stops a closed loop after a number of requests (ab -n, k6 iterations): give a number of "
                           "\"users\" (ab -c, k6 vus), not \"arrivals\" or \"sessions\"");
    fixed_.read(p, users_, bc.warmup());
    bc.ends_run_when_done();
  }
  void report_fixed_count(Context& ctx, ComponentReport& r) const {
    const double complete = static_cast<double>(ctx.metrics().total(ok_c_) + ctx.metrics().total(failed_c_));
    fixed_.report(r, test_end_ >= 0 ? test_end_ : ctx.end_time(), complete);
  }

  FixedCount fixed_;
  BusinessCounters counters_;
  Time test_end_ = -1;  // when the last iteration ended (-1: the duration cut the test)
  RefId target_ = 0;
  double load_factor_ = 1;      // a load spike's (set_load_factor)
  std::uint64_t arrival_gen_ = 0;  // the pending arrival's: a rate change draws it again
  Time duration_ = 0;
  Time timeout_ = 0;
  bool cancel_ = false;  // "on_timeout": "cancel": the callee stops at each attempt's deadline
  bool internal_ = false;  // runs in the data centre (an internal caller): zone and region outages reach it
  std::unique_ptr<CallPolicy> policy_;
  bool constant_ = false, closed_ = false;
  bool flat_ = false;  // the rate profile is one constant: Poisson arrivals need no thinning
  // Poisson arrivals (or sessions) at a plain rate, a profile of one point: the fast path of
  // schedule_next_arrival.
  bool plain_poisson_ = false;
  Profile rate_, users_;
  Distribution think_;
  // Closed loop with exponential think times: the wake clock (restart_clock). thinking_
  // users think, all of them below span_; the pending tick was drawn with clock_bound_ at
  // clock_at_ (ns) and carries clock_gen_ (a tick of an older generation was replaced and
  // is ignored).
  bool pooled_think_ = false;
  std::uint64_t thinking_ = 0, span_ = 0, clock_bound_ = 0, clock_gen_ = 0;
  double clock_at_ = 0;
  std::vector<std::uint8_t> state_;
  std::uint64_t active_target_ = 0, sessions_ = 1000;
  // Closed loop: every user below this index is thinking or waiting. A user goes idle only
  // at or above the target of its time (user_cycle), which lowers it.
  std::uint64_t first_maybe_idle_ = 0;
  std::vector<RouteSpec> routes_;
  std::vector<double> kb_by_route_;  // response_kb by route index (empty: no egress priced)
  double egress_kb_ = 0;
  // Session mode: per slot the session's end and id; free slots; sessions per day.
  bool sessions_mode_ = false;
  Distribution length_;
  std::vector<Time> session_end_;
  std::vector<std::uint64_t> session_id_;
  std::vector<std::uint32_t> free_;
  std::vector<std::uint64_t> sessions_by_day_;
  std::uint64_t sessions_started_ = 0, active_ = 0;
  double peak_active_ = 0;
  GaugeId active_g_;
  CounterId sessions_c_;
  Rng rng_, key_rng_, session_rng_;
  CounterId sent_c_, ok_c_, failed_c_;
  HistogramId latency_h_, other_h_, latency_all_h_;
  GaugeId in_system_g_;

 public:
  // For `archsim analyze` (sim/describe.h): peak load, target and request mix.
  void describe(Description& d) const override {
    d.kind = Description::Kind::Source;
    d.target = target_;
    d.target_timeout_s = to_seconds(timeout_);
    if (policy_) d.target_policy = policy_->summary();
    if (sessions_mode_) {
      d.peak_users = rate_.max() * length_.mean() / 1e9;
      d.mean_load = rate_.mean_until(duration_) * length_.mean() / 1e9;
      d.think_mean_s = think_.mean() / 1e9;
    } else if (closed_) {
      d.peak_users = users_.max();
      d.mean_load = users_.mean_until(duration_);
      d.think_mean_s = think_.mean() / 1e9;
    } else {
      d.peak_rate_rps = rate_.max();
      d.mean_load = rate_.mean_until(duration_);
    }
    double prev = 0;
    for (const RouteSpec& r : routes_) {
      Description::RouteShare share;
      share.route = r.route;
      share.weight = r.cumulative - prev;
      share.write = r.write;
      share.keys = r.key_count;
      share.zipf = r.zipf ? r.zipf->exponent() : 0.0;
      d.routes.push_back(share);
      prev = r.cumulative;
    }
  }
};

}  // namespace

std::unique_ptr<Component> make_client(Params& p, BuildContext& bc) { return std::make_unique<Client>(p, bc); }

}  // namespace archsim
