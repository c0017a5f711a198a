// TokenCache: a caller's cache of verified tokens in front of an authentication service
// call, as an API gateway or a service caches token introspection answers (RFC 7662 section 4
// lets a resource server cache them; Spring Security's and Kong's introspection caches keep
// an answer for a fixed time after it was fetched, Caffeine's expireAfterWrite).
//
// A token is the request's session (its user or connection, RequestInfo::session). A call
// whose token was answered within the last `ttl` is a hit and is not made; a miss makes the
// call and, when it succeeds, keeps the token until `ttl` after that answer (not refreshed
// by hits). For Poisson arrivals of rate lambda per token, each miss starts a cycle of ttl of
// hits (lambda ttl of them on average) and an exponential wait for the next arrival, so the
// hit ratio is lambda ttl / (1 + lambda ttl) = 1 - 1 / (1 + lambda ttl).
//
// One cache per caller instance (an in-process cache: a new instance starts empty).
// Simplifications: no capacity bound (every token answered within `ttl` is kept); concurrent
// misses of one token each make the call (no request coalescing); a failed call keeps nothing.
//
// Cost: fresh/put O(1) expected (an open-addressing set and a FIFO ring of insertions, the
// ring being in expiry order since every entry lives the same `ttl`); no allocation once the
// set has grown to the peak number of live tokens.
#pragma once
#include <cstdint>
#include <utility>
#include <vector>

#include "lib/cache_store/key_map.h"
#include "sim/ring.h"
#include "sim/time.h"

namespace archsim::security {

class TokenCache {
 public:
  explicit TokenCache(Time ttl) : ttl_(ttl) {}

  // Whether caller instance `instance` holds `token` at `now` (a hit).
  bool fresh(std::uint32_t instance, std::uint64_t token, Time now) {
    PerInstance& c = of(instance);
    expire(c, now);
    return c.tokens.find(token) != cache::KeyMap::kNone;
  }
  // The authentication call for `token` succeeded at `now`: keep it for `ttl`.
  void put(std::uint32_t instance, std::uint64_t token, Time now) {
    PerInstance& c = of(instance);
    expire(c, now);
    if (c.tokens.insert(token, 0)) c.order.push({now, token});
  }
  Time ttl() const { return ttl_; }

 private:
  struct PerInstance {
    cache::KeyMap tokens;
    Ring<std::pair<Time, std::uint64_t>> order;
  };
  PerInstance& of(std::uint32_t instance) {
    if (instance >= caches_.size()) caches_.resize(instance + 1);
    return caches_[instance];
  }
  void expire(PerInstance& c, Time now) {
    while (!c.order.empty() && c.order.front().first + ttl_ <= now) {
      c.tokens.erase(c.order.front().second);
      c.order.pop();
    }
  }
  Time ttl_;
  std::vector<PerInstance> caches_;
};

}  // namespace archsim::security
