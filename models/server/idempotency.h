// Idempotency keys at a callee, as Stripe's API describes them ("Idempotent requests": the
// server saves the result of the first request with a key and answers later requests with
// the same key from it, for 24 hours) and as an upsert on a unique key behaves in a
// database: a write with a key that was already applied is not applied again.
//
// The key of a request is its client request id plus the route (RequestInfo.id is shared by
// all attempts of one client request, so retries of a write carry the same key). A write is
// "applied" when the callee answers it successfully. What the owner does with a repeat:
//   idempotent callee  answers a repeat of an applied key at once from the saved result
//                      (no work), and a repeat that ran concurrently is not applied twice
//                      (counted as deduplicated);
//   otherwise          every successful repeat is applied again and counted as a
//                      duplicate write: the double charge a retry storm leaves behind.
//
// Simplifications: keys are 64-bit hashes (a collision among a run's writes is about
// n^2 / 2^65, negligible); they expire `ttl` after they were applied (Stripe: 24 h; the
// default here is 10 min, ample for retries measured in seconds, and bounds memory); two
// different call steps of one request writing the same route share a key.
//
// Cost: one open-addressing lookup per write answered (writes only; reads never touch it),
// no allocation once the set has grown to its peak (a node-based std::unordered_set
// allocated a node per write and missed the cache on every probe: at the March 2020
// microservices' peak it was three quarters of Service::finish_job); memory 48-80 bytes
// per write applied within the last `ttl` (a key's 16-byte bucket at a load of 1/4 to
// 1/2, and its place in the expiry ring).
#pragma once
#include <cstdint>
#include <utility>

#include "lib/cache_store/key_map.h"
#include "sim/random.h"
#include "sim/request.h"
#include "sim/ring.h"
#include "sim/time.h"

namespace archsim::resilience {

class WriteLedger {
 public:
  explicit WriteLedger(Time ttl = 10 * kMinute) : ttl_(ttl) {}

  static std::uint64_t key_of(const RequestInfo& req) { return mix64(req.id, 0x1de7u + req.route); }

  // Whether the write of `req` was applied within the last ttl.
  bool applied(const RequestInfo& req, Time now) {
    expire(now);
    return keys_.find(key_of(req)) != cache::KeyMap::kNone;
  }
  // Marks the write of `req` applied; false if it already was (a repeat).
  bool apply(const RequestInfo& req, Time now) {
    expire(now);
    std::uint64_t k = key_of(req);
    if (!keys_.insert(k, 0)) return false;
    order_.push({now, k});
    return true;
  }

 private:
  void expire(Time now) {
    while (!order_.empty() && order_.front().first + ttl_ <= now) {
      keys_.erase(order_.front().second);
      order_.pop();
    }
  }
  Time ttl_;
  cache::KeyMap keys_;  // the applied keys (values unused)
  Ring<std::pair<Time, std::uint64_t>> order_;
};

}  // namespace archsim::resilience
