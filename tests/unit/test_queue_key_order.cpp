// The queue's order-per-key check (models/queue/key_order.h) against a plain map of each
// key's last processed append order, over a scrambled stream of many keys (the table grows
// several times on the way).
#include <doctest/doctest.h>

#include <cstdint>
#include <map>

#include "models/queue/key_order.h"
#include "sim/random.h"

using archsim::Rng;
using archsim::queue::KeyOrder;

TEST_CASE("queue key order: a message processed after a later one of its key is counted, as a map says") {
  KeyOrder order;
  std::map<std::uint64_t, std::uint64_t> last;
  Rng rng(11);
  std::uint64_t disagreements = 0, late = 0;
  for (std::uint64_t n = 1; n <= 200000; ++n) {
    const std::uint64_t key = rng.below(5000) * 0x10001;  // keys far apart: collisions in the table's hash
    // Processing order: mostly in append order, sometimes an older message overtaken.
    const std::uint64_t seq = rng.below(10) == 0 && n > 20 ? n - 1 - rng.below(20) : n;
    std::uint64_t& l = last[key];
    const bool expect = seq >= l;
    if (!expect) ++late;
    else l = seq;
    if (order.processed(key, seq) != expect) ++disagreements;
  }
  CHECK(disagreements == 0);
  CHECK(late > 20);  // the check was exercised
}
