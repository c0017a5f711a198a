// CallPolicy: an attempt's connection ("connect"; models/common/resilience/connections.h
// says what it follows). Stage 3 of an attempt: take a connection, waiting for its set-up
// when none is idle, then send.
#include "models/common/resilience/call_policy.h"

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
  const Time setup = connect_->setup().sample_time_keyed(Context::keyed_seed(stream_, sl.req.id, salt));
  ++sl.gen;  // wait timers of this attempt are stale from here on
  sl.phase = Phase::Connecting;
  sl.wait_since = ctx.now();
  schedule(ctx, setup, kConnected, s);
}

void CallPolicy::connected(Context& ctx, std::uint32_t s) {
  Slot& sl = slots_[s];
  if (sl.phase != Phase::Connecting) return;
  if (!sink_.call_wanted(sl.owner_token)) {  // its request was dropped meanwhile: the connection stays open, idle
    abandon(ctx, s);
    return;
  }
  transmit(ctx, s);
}

void CallPolicy::release_connection(std::uint32_t s, bool close) {
  slots_[s].conn = false;
  connect_->release(slots_[s].instance, close);
}

}  // namespace archsim
