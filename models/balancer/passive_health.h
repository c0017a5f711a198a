// NGINX's passive health of upstream servers (`server ... max_fails=N fail_timeout=T`),
// following ngx_http_upstream_round_robin.c: ngx_http_upstream_get_peer (which peers may be
// chosen) and ngx_http_upstream_free_round_robin_peer (what an attempt's end does).
//
// Per server NGINX keeps `fails`, `accessed` (time of the last failure) and `checked`:
//   - a failed attempt: fails += 1, accessed = checked = now;
//   - any other end of an attempt: fails = 0 if accessed < checked ("mark peer live if check
//     passed"), otherwise nothing;
//   - choosing a server: checked = now if now - checked > fail_timeout;
//   - a server may be chosen unless max_fails > 0, fails >= max_fails and
//     now - checked <= fail_timeout.
// So max_fails failures within fail_timeout of each other make a server unavailable for
// fail_timeout after the last one; then one request tries it (choosing it sets checked, which
// keeps the others away again): success brings it back, failure takes it out for another
// fail_timeout. Failures further apart than fail_timeout do not add up only if a chosen
// request succeeds in between (the reset needs checked > accessed).
//
// Simplifications: time is the simulation's nanoseconds where NGINX uses whole seconds
// (ngx_time()), so a server comes back exactly fail_timeout after its last failure instead of
// up to a second later. NGINX also lowers a failed server's effective_weight by
// weight / max_fails (smooth weighted round robin recovers it by one per pick); not modelled.
// What counts as a failed attempt is the balancer's decision (models/balancer/balancer.h).
//
// Cost: 24 bytes per server; every call O(1), no allocation.
#pragma once
#include <cstdint>
#include <vector>

#include "sim/time.h"

namespace archsim {

struct PassiveHealthParams {
  std::uint32_t max_fails = 1;    // 0: never unavailable (NGINX's max_fails=0)
  Time fail_timeout = 10 * kSecond;
};

class PassiveHealth {
 public:
  PassiveHealth() = default;
  PassiveHealth(std::size_t servers, const PassiveHealthParams& p);

  // Whether server `s` may be chosen at `now`.
  bool available(std::size_t s, Time now) const;
  // Server `s` was chosen at `now`. Returns true when this made it unavailable (a trial
  // request after fail_timeout: the others keep away until its answer or fail_timeout).
  bool on_chosen(std::size_t s, Time now);
  // An attempt on `s` ended at `now`, failed (as NGINX's NGX_PEER_FAILED) or not. Returns
  // true when `s` became unavailable or available through it.
  bool on_result(std::size_t s, Time now, bool failed);
  // When `s` becomes available again by itself (checked + fail_timeout + 1 ns); kTimeMax if
  // it is available or never comes back.
  Time available_again(std::size_t s) const;

  std::uint32_t fails(std::size_t s) const { return servers_[s].fails; }
  const PassiveHealthParams& params() const { return p_; }

 private:
  struct Server {
    std::uint32_t fails = 0;
    // NGINX's peers start zeroed in epoch seconds: long before now.
    Time accessed = -(Time{1} << 62);
    Time checked = -(Time{1} << 62);
  };
  PassiveHealthParams p_;
  std::vector<Server> servers_;
};

}  // namespace archsim
