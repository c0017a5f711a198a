// The open-addressing KeyMap (lib/cache_store/key_map.h) against std::map under
// random puts, inserts, finds and erases (backward-shift deletion must keep every probe
// chain whole), and the idempotency ledger built on it against the rule it states: a key
// applied within the last ttl is a repeat, and only then.
#include <doctest/doctest.h>

#include <cstdint>
#include <map>

#include "lib/cache_store/key_map.h"
#include "models/server/idempotency.h"
#include "sim/random.h"

using namespace archsim;

TEST_CASE("key map: matches std::map under random put, insert, find and erase") {
  cache::KeyMap m(4);  // small reserve: the run grows it several times
  std::map<std::uint64_t, std::uint32_t> ref;
  Rng rng(3);
  for (int step = 0; step < 200000; ++step) {
    // Few distinct keys, so that chains collide and erases hit present keys often.
    const std::uint64_t key = rng.below(3000) * 0x10000;
    const auto value = static_cast<std::uint32_t>(rng.below(1000));
    switch (rng.below(4)) {
      case 0:
        m.put(key, value);
        ref[key] = value;
        break;
      case 1: {
        const bool absent = ref.find(key) == ref.end();
        REQUIRE(m.insert(key, value) == absent);
        if (absent) ref[key] = value;
        break;
      }
      case 2:
        REQUIRE(m.erase(key) == (ref.erase(key) == 1));
        break;
      default: {
        const auto it = ref.find(key);
        REQUIRE(m.find(key) == (it == ref.end() ? cache::KeyMap::kNone : it->second));
      }
    }
    REQUIRE(m.size() == ref.size());
  }
  for (const auto& [k, v] : ref) CHECK(m.find(k) == v);
}

TEST_CASE("write ledger: a write applied within the ttl is a repeat, an older one is not") {
  const Time ttl = 10 * kSecond;
  resilience::WriteLedger ledger(ttl);
  std::map<std::uint64_t, Time> applied_at;  // request id -> when its write was last applied
  Rng rng(5);
  Time now = 0;
  for (int step = 0; step < 50000; ++step) {
    now += static_cast<Time>(rng.below(5 * kMillisecond));
    RequestInfo req;
    req.id = 1 + rng.below(2000);  // retries of the same request share the id
    req.route = 3;
    const auto it = applied_at.find(req.id);
    const bool repeat = it != applied_at.end() && it->second + ttl > now;
    REQUIRE(ledger.applied(req, now) == repeat);
    REQUIRE(ledger.apply(req, now) == !repeat);
    if (!repeat) applied_at[req.id] = now;
  }
  // Another route of the same request is another key.
  RequestInfo other;
  other.id = 1;
  other.route = 4;
  CHECK_FALSE(ledger.applied(other, now));
}
