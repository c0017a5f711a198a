#include "models/balancer/balancer_impl.h"

#include <algorithm>

namespace archsim::balancer {

void Balancer::sync_passive(Context& ctx, std::uint32_t t) {
  update_eligibility(ctx, t);
  const Time again = passive_.available_again(t);
  if (again != kTimeMax && !passive_.available(t, ctx.now()))
    ctx.schedule(std::max<Time>(0, again - ctx.now()), kFailTimeout, t);
}

Capabilities Balancer::capabilities() {
  Capabilities c;
  if (!zones_.empty()) c.zone_aware = this;
  return c;
}

void Balancer::set_zone(const std::string& zone, bool up) {
  for (std::size_t z = 0; z < zones_.size(); ++z)
    if (zones_[z] == zone && zone_up_[z] != up) {
      zone_up_[z] = up;
      zones_up_ += up ? 1 : -1;
    }
}

bool Balancer::eligible_now(std::uint32_t t) const {
  return health_.eligible(t) && (!passive_on_ || passive_.available(t, now_));
}

void Balancer::update_eligibility(Context& ctx, std::uint32_t t) {
  Target& tg = targets_[t];
  now_ = ctx.now();
  const bool eligible = eligible_now(t);
  for (auto [g, pos] : tg.places)
    for (Lane& lane : groups_[g].lanes) {
      Backend& b = lane.backends[pos];
      if (b.eligible == eligible) continue;
      b.eligible = eligible;
      lane.picker->eligibility_changed(lane.backends);
    }
  const Time now = ctx.now();
  Metrics& m = ctx.metrics();
  const bool was_down = m.value(tg.down_g) > 0;
  if (was_down != !eligible) {
    m.set(tg.down_g, eligible ? 0.0 : 1.0, now);
    m.add(healthy_g_, eligible ? 1.0 : -1.0, now);
    if (!eligible) {
      ++tg.ejections;
      if (tg.first_ejection < 0) tg.first_ejection = now;
    }
  }
  if (eligible && queue_on_) serve_queue(ctx, t);  // HAProxy's pendconn_grab_from_px
}

void Balancer::send_probe(Context& ctx, std::uint32_t t) {
  Target& tg = targets_[t];
  if (tg.probe_pending) return;  // cannot happen with timeout <= interval; kept as a guard
  RequestInfo r;
  // Probe ids live apart from client request ids (which count up from 1).
  r.id = (1ULL << 62) | (static_cast<std::uint64_t>(ctx.self()) << 40) | ++probe_seq_;
  r.route = health_route_;
  r.start = ctx.now();
  r.deadline = ctx.now() + hc_.timeout;
  r.client = ctx.self();
  tg.probe_pending = true;
  ctx.metrics().add(probe_c_);
  ctx.call(tg.ref, r, probe_tokens_.make(t), hc_.timeout);
}

void Balancer::probe_done(Context& ctx, std::uint32_t t, Status status) {
  targets_[t].probe_pending = false;
  if (!served(status)) ctx.metrics().add(probe_fail_c_);
  if (health_.probe_result(t, served(status))) update_eligibility(ctx, t);
}

void Balancer::sweep(Context& ctx) {
  health_.sweep(ctx.now(), [&](std::uint32_t t) { update_eligibility(ctx, t); });
}

}  // namespace archsim::balancer
