// The connection-holding client (sessions.h says what it models and where it simplifies).
#include "models/client/sessions.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "models/contracts/hop_flags.h"
#include "lib/resilience/backoff.h"
#include "models/server/security/tls.h"
#include "scenario/describe.h"
#include "sim/exponential.h"
#include "sim/figures.h"
#include "sim/results.h"

namespace archsim {
namespace client {
namespace {

enum Tag : std::uint16_t { kArrival = 1, kReconnect, kMessage };
// Tokens and timer data: the slot in the low 32 bits, its attempt's generation (31 bits) above,
// and this bit for a message's reply.
constexpr std::uint64_t kMessageBit = std::uint64_t{1} << 63;
constexpr std::uint32_t kGenMask = 0x7fffffff;

// One user's session. `gen` names its current attempt (tokens and timers carry it): a reply
// or timer of an older attempt, or of a slot reused since, is ignored.
struct Session {
  Time end = 0;
  Time lost_at = 0;         // when the connection was lost or the attempt failed
  Time prev_delay = 0;      // the decorrelated backoff's state
  std::uint32_t failures = 0;  // consecutive failed attempts
  std::uint32_t gen = 0;
  std::uint64_t id = 0;
  bool first = true;  // no attempt of this session has been made yet
};

class ConnectionClient final : public Component {
 public:
  ConnectionClient(Params& p, BuildContext& bc)
      : rng_(bc.rng(0)), length_rng_(bc.rng(1)), jitter_rng_(bc.rng(2)), message_rng_(bc.rng(3)) {
    target_ = bc.reference(p, "target", RefKind::SyncCall);
    for (const char* other : {"arrivals", "users", "sessions", "routes", "timeout", "think_time"})
      if (p.has(other))
        p.fail(other, "does not apply to a client with \"connections\": its users hold one connection each "
                      "(give a second client for requests)");
    Params c = p.object("connections");
    rate_ = c.require_number("rate", 0, 1e7);
    if (!(rate_ > 0)) c.fail("rate", "must be positive (sessions per second)");
    length_ = c.distribution("length");
    if (!(length_.mean() > 0)) c.fail("length", "must have a positive mean (a session that lasts no time holds no connection)");
    const double expect = rate_ * length_.mean() / 1e9;
    if (expect > 1e7)
      c.fail("rate", "x the mean session length asks for about " + std::to_string(static_cast<long long>(expect)) +
                         " connections at once (the limit is 10 million per client)");
    route_ = bc.route_index(c.string("route"));
    bc.sends_route(target_, route_, c.path("route"));
    resilience::BackoffParams bp;
    bp.base = kSecond;     // Socket.IO's reconnectionDelay
    bp.max = 5 * kSecond;  // and reconnectionDelayMax
    if (auto r = c.object_opt("reconnect")) {
      bp.base = r->duration("base", bp.base);
      bp.max = r->duration("max", std::max(bp.max, bp.base));
      if (bp.max < bp.base) r->fail("max", "must not be less than base (" + format_duration(bp.base) + ")");
      bp.jitter = *resilience::jitter_from_string(
          r->choice("jitter", "full", {"none", "full", "equal", "decorrelated"}).c_str());
      attempts_ = static_cast<std::uint32_t>(r->integer("attempts", attempts_, 1, 1'000'000));
    }
    backoff_.emplace(bp);
    // TLS 1.3 on each connection attempt: the target charges the handshake's CPU
    // (models/server/security/tls.h). "resumed": a session's first attempt is a full
    // handshake, its reconnects resume with the ticket it got (the servers share ticket keys).
    const std::string tls = c.choice("tls", "none", {"none", "full", "resumed"});
    tls_ = tls == "none" ? kNoTls : tls == "full" ? kAlwaysFull : kResume;
    if (auto msg = c.object_opt("messages")) {
      message_rate_ = msg->require_number("rate", 0, 1e6);
      if (!(message_rate_ > 0)) msg->fail("rate", "must be positive (messages per second on each connection)");
      message_route_ = bc.route_index(msg->string("route"));
      bc.sends_route(target_, message_route_, msg->path("route"));
    }
    const auto reserve = static_cast<std::size_t>(std::ceil(expect * 1.2)) + 16;
    sessions_.reserve(reserve);
    free_.reserve(reserve);

    const std::string id = bc.id();
    Metrics& m = bc.metrics();
    sessions_c_ = m.counter(id, "sessions", "sessions_per_s");
    attempts_c_ = m.counter(id, "connection_attempts", "connection_attempts_per_s");
    reconnects_c_ = m.counter(id, "reconnects", "reconnects_per_s");
    drops_c_ = m.counter(id, "connections_lost", "connections_lost_per_s");
    failed_c_ = m.counter(id, "connection_failures", "connection_failures_per_s");
    gave_up_c_ = m.counter(id, "gave_up");
    closed_early_c_ = m.counter(id, "closed_early");
    active_g_ = m.gauge(id, "active_users", "active_users");
    delay_h_ = m.histogram(id, "reconnect_delay");
    if (message_rate_ > 0) {
      msg_sent_c_ = m.counter(id, "messages_sent", "messages_per_s");
      msg_ok_c_ = m.counter(id, "messages_ok");
      msg_failed_c_ = m.counter(id, "messages_failed", "messages_failed_per_s");
    }
    declare_figures(m, id);
  }

  bool accepts_calls() const override { return false; }
  void on_request(Context& ctx, CallId call) override { ctx.reply(call, Status::Error); }

  void start(Context& ctx) override { next_arrival(ctx); }

  void on_timer(Context& ctx, std::uint16_t tag, std::uint64_t data) override {
    if (tag == kArrival) {
      arrive(ctx);
      next_arrival(ctx);
      return;
    }
    const auto slot = static_cast<std::uint32_t>(data);
    if (!current(slot, data)) return;
    Session& s = sessions_[slot];
    if (tag == kMessage) return message(ctx, slot);
    if (ctx.now() >= s.end) return leave(ctx, slot);
    ctx.metrics().record(delay_h_, ctx.now() - s.lost_at);
    ctx.metrics().add(reconnects_c_);
    connect(ctx, slot);
  }

  void on_reply(Context& ctx, CallId, Status status, std::uint64_t token) override {
    if (token & kMessageBit) {  // a message's answer, whatever became of its connection since
      ctx.metrics().add(served(status) ? msg_ok_c_ : msg_failed_c_);
      return;
    }
    const auto slot = static_cast<std::uint32_t>(token);
    if (!current(slot, token)) return;
    Session& s = sessions_[slot];
    if (status == Status::Ok || ctx.now() >= s.end) {  // closed at the session's end
      // Closed before it: a target that does not hold connections (no "connections" there).
      if (status == Status::Ok && after(ctx.now(), kSecond) < s.end) ctx.metrics().add(closed_early_c_);
      return leave(ctx, slot);
    }
    if (status == Status::Dropped) {  // it was up (or in set-up) on an instance that went away
      ctx.metrics().add(drops_c_);
      s.failures = 0;
      s.prev_delay = 0;
    } else {
      ctx.metrics().add(failed_c_);
      if (++s.failures >= attempts_) {
        ctx.metrics().add(gave_up_c_);
        return leave(ctx, slot);
      }
    }
    s.lost_at = ctx.now();
    // The n-th consecutive failure waits the delay of attempt n (a drop: attempt 0).
    const Time delay = backoff_->delay(static_cast<int>(s.failures), jitter_rng_, s.prev_delay);
    ++s.gen;
    if (after(ctx.now(), delay) >= s.end) return leave(ctx, slot);  // the user is gone before it
    ctx.schedule(delay, kReconnect, token_of(slot));
  }

  void finish(Context& ctx, ComponentReport& r) override {
    figures_.report(ctx, r);
    sessions::declare_page(r.page());
  }

  // For `archsim analyze`: in steady state, connections opened at the session rate and the
  // messages of rate x mean length connections (Little's law); no reconnects.
  void describe(Description& d) const override {
    d.kind = Description::Kind::Source;
    d.target = target_;
    const double messages = message_rate_ * rate_ * length_.mean() / 1e9;
    d.peak_rate_rps = d.mean_load = rate_ + messages;
    d.routes.push_back(Description::RouteShare{route_, rate_});
    if (messages > 0) d.routes.push_back(Description::RouteShare{message_route_, messages});
  }

  std::uint64_t memory_estimate() const override { return sessions_.capacity() * sizeof(Session); }

 private:
  // The figures in summary.json, in order; finish() reports them.
  void declare_figures(Metrics& m, const std::string& id) {
    figures_ = Figures(m, id);
    Figures& f = figures_;
    f.held("sessions_started", started_);
    f.mean("active_users", active_g_);
    f.total("connection_attempts", attempts_c_);
    f.total("reconnects", reconnects_c_);
    f.total("connections_lost", drops_c_);
    f.total("connection_failures", failed_c_);
    f.total("gave_up", gave_up_c_);
    f.total("closed_early", closed_early_c_);
    f.value("connection_attempts_peak_per_s", [this] { return static_cast<double>(std::max(peak_per_s_, this_second_)); });
    f.summary("reconnect_delay_ms", delay_h_);
    if (message_rate_ > 0) {
      f.total("messages_sent", msg_sent_c_);
      f.total("messages_ok", msg_ok_c_);
      f.total("messages_failed", msg_failed_c_);
    }
  }

  std::uint64_t token_of(std::uint32_t slot) const { return std::uint64_t{sessions_[slot].gen & kGenMask} << 32 | slot; }
  // Whether `token` (or timer data) names slot's current attempt.
  bool current(std::uint32_t slot, std::uint64_t token) const {
    return slot < sessions_.size() && (sessions_[slot].gen & kGenMask) == ((token >> 32) & kGenMask);
  }

  void schedule_message(Context& ctx, std::uint32_t slot) {
    const Time gap = std::max<Time>(1, from_seconds_saturated(standard_exponential(message_rng_) / message_rate_));
    if (after(ctx.now(), gap) < sessions_[slot].end) ctx.schedule(gap, kMessage, token_of(slot));
  }

  // The user sends a message on its connection (a chat line, a cursor move): to the instance
  // that holds it. Messages form a Poisson process per connection attempt; a new attempt
  // starts its own (the old one's timer is stale).
  void message(Context& ctx, std::uint32_t slot) {
    const Session& s = sessions_[slot];
    RequestInfo req;
    req.id = ctx.next_request_id();
    req.start = ctx.now();
    req.client = ctx.self();
    req.session = s.id;
    req.route = static_cast<std::uint16_t>(message_route_);
    ctx.metrics().add(msg_sent_c_);
    ctx.call(target_, req, token_of(slot) | kMessageBit, 0, kNoInstance, held_connection::kOnConnection);
    schedule_message(ctx, slot);
  }

  void next_arrival(Context& ctx) {
    const Time gap = std::max<Time>(1, from_seconds_saturated(standard_exponential(rng_) / rate_));
    ctx.schedule(gap, kArrival);
  }

  void arrive(Context& ctx) {
    std::uint32_t slot;
    if (!free_.empty()) {
      slot = free_.back();
      free_.pop_back();
    } else {
      slot = static_cast<std::uint32_t>(sessions_.size());
      sessions_.emplace_back();
    }
    Session& s = sessions_[slot];
    s.end = after(ctx.now(), length_.sample_time(length_rng_));
    s.failures = 0;
    s.prev_delay = 0;
    s.id = started_++;
    s.first = true;
    ++s.gen;
    ctx.metrics().add(sessions_c_);
    ctx.metrics().add(active_g_, +1, ctx.now());
    connect(ctx, slot);
  }

  void connect(Context& ctx, std::uint32_t slot) {
    Session& s = sessions_[slot];
    ++s.gen;
    RequestInfo req;
    req.id = ctx.next_request_id();
    req.start = ctx.now();
    req.deadline = s.end;  // the target holds the connection until then
    req.client = ctx.self();
    req.session = s.id;
    req.route = static_cast<std::uint16_t>(route_);
    req.attempt = static_cast<std::uint16_t>(std::min<std::uint32_t>(s.failures, 0xffff));
    ctx.metrics().add(attempts_c_);
    count_attempt(ctx.now());
    std::uint8_t hop = 0;
    if (tls_ != kNoTls) hop = tls_ == kAlwaysFull || s.first ? security::hop::kFull : security::hop::kResumed;
    s.first = false;
    ctx.call(target_, req, token_of(slot), 0, kNoInstance, hop);
    if (message_rate_ > 0) schedule_message(ctx, slot);
  }

  // Connection attempts per whole simulated second; the busiest second's count.
  void count_attempt(Time now) {
    const std::int64_t second = now / kSecond;
    if (second != second_) {
      peak_per_s_ = std::max(peak_per_s_, this_second_);
      second_ = second;
      this_second_ = 0;
    }
    ++this_second_;
  }

  void leave(Context& ctx, std::uint32_t slot) {
    ++sessions_[slot].gen;  // its pending timer, if any, is now stale
    free_.push_back(slot);
    ctx.metrics().add(active_g_, -1, ctx.now());
  }

  RefId target_ = 0;
  std::uint32_t route_ = 0;
  double rate_ = 0;
  Distribution length_;
  std::optional<resilience::Backoff> backoff_;
  std::uint32_t attempts_ = 20;
  enum Tls : std::uint8_t { kNoTls, kAlwaysFull, kResume } tls_ = kNoTls;
  double message_rate_ = 0;  // per connection per second; 0: none
  std::uint32_t message_route_ = 0;
  Rng rng_, length_rng_, jitter_rng_, message_rng_;
  std::vector<Session> sessions_;
  std::vector<std::uint32_t> free_;
  std::uint64_t started_ = 0;
  std::int64_t second_ = -1;
  std::uint64_t this_second_ = 0, peak_per_s_ = 0;
  CounterId sessions_c_, attempts_c_, reconnects_c_, drops_c_, failed_c_, gave_up_c_, closed_early_c_;
  CounterId msg_sent_c_, msg_ok_c_, msg_failed_c_;
  Figures figures_;  // every figure, reported by finish() in the order declared
  GaugeId active_g_;
  HistogramId delay_h_;
};

}  // namespace
}  // namespace client

std::unique_ptr<Component> make_connection_client(Params& p, BuildContext& bc) {
  return std::make_unique<client::ConnectionClient>(p, bc);
}

}  // namespace archsim
