// CallPolicy: an attempt's connection ("connect"; models/server/call_policy/connections.h
// says what it follows). Stage 3 of an attempt: take a connection, waiting for its set-up
// when none is idle, then send.
#include "models/server/call_policy/call_policy.h"

namespace archsim {

void CallPolicy::send(Context& ctx, std::uint32_t s) {
  Slot& sl = slots_[s];
  if (!connect_) [[likely]] {
    transmit(ctx, s);
    return;
  }
  sl.conn = true;
  if (!connect_->acquire(sl.instance)) {  // an idle connection is kept: no set-up
    transmit(ctx, s);
    return;
  }
  ctx.metrics().add(connects_c_);
  // Keyed by (request, attempt): every variant of a comparison pays the same set-up.
  const std::uint64_t salt = 0xc0ec7ULL + static_cast<std::uint64_t>(sl.req.attempt + sl.retries);
  Time setup = connect_->setup().sample_time_keyed(Context::keyed_seed(stream_, sl.req.id, salt));
  sl.hop = security::hop::kPlain;  // the callee pays its connection_cpu (models/server/security/tls.h)
  if (const auto& tls = connect_->tls()) {
    const std::uint8_t kind = connect_->handshake(sl.instance, ctx.now());
    sl.hop = tls->flags(kind);
    ctx.metrics().add(kind == security::hop::kFull ? tls_full_c_ : tls_resumed_c_);
    const Distribution& rtt = tls->rtt ? *tls->rtt : connect_->setup();
    for (int k = 0, n = tls->round_trips(kind); k < n; ++k)
      setup = after(setup, rtt.sample_time_keyed(Context::keyed_seed(stream_, sl.req.id, salt + 0x715000ULL + k)));
  }
  ++sl.gen;  // wait timers of this attempt are stale from here on
  sl.phase = Phase::Connecting;
  sl.wait_since = ctx.now();
  const Time bound = wait_bound(ctx.now(), sl, setup);
  schedule(ctx, bound, bound < setup ? kConnectDeadline : kConnected, s);
}

void CallPolicy::connected(Context& ctx, std::uint32_t s) {
  Slot& sl = slots_[s];
  if (sl.phase != Phase::Connecting) return;
  if (!sink_.call_wanted(sl.owner_token)) {  // its request was dropped meanwhile: the connection stays open, idle
    abandon(ctx, s);
    return;
  }
  if ((sl.hop & security::hop::kKind) == security::hop::kFull) connect_->full_handshake_done(sl.instance, ctx.now());
  transmit(ctx, s);
}

void CallPolicy::release_connection(std::uint32_t s, bool close) {
  slots_[s].conn = false;
  connect_->release(slots_[s].instance, close);
}

}  // namespace archsim
