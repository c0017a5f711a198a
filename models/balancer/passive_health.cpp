#include "models/balancer/passive_health.h"

namespace archsim {

PassiveHealth::PassiveHealth(std::size_t servers, const PassiveHealthParams& p) : p_(p), servers_(servers) {}

bool PassiveHealth::available(std::size_t s, Time now) const {
  const Server& v = servers_[s];
  return !(p_.max_fails > 0 && v.fails >= p_.max_fails && now - v.checked <= p_.fail_timeout);
}

bool PassiveHealth::on_chosen(std::size_t s, Time now) {
  Server& v = servers_[s];
  if (now - v.checked <= p_.fail_timeout) return false;
  const bool before = available(s, now);
  v.checked = now;
  return before && !available(s, now);
}

bool PassiveHealth::on_result(std::size_t s, Time now, bool failed) {
  Server& v = servers_[s];
  const bool before = available(s, now);
  if (failed) {
    ++v.fails;
    v.accessed = now;
    v.checked = now;
  } else if (v.accessed < v.checked) {
    v.fails = 0;
  }
  return before != available(s, now);
}

Time PassiveHealth::available_again(std::size_t s) const {
  const Server& v = servers_[s];
  if (p_.max_fails == 0 || v.fails < p_.max_fails) return kTimeMax;
  return v.checked + p_.fail_timeout + 1;
}

}  // namespace archsim
