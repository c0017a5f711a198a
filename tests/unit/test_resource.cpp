// Resource (lib/resource.h) against SimPy's semantics: FIFO grants, hand-off on release,
// cancelled waiters skipped.
#include <doctest/doctest.h>

#include <vector>

#include "lib/resource.h"

using namespace archsim;

TEST_CASE("resource: grants up to capacity, then queues FIFO and hands units over on release") {
  Resource r(2);
  CHECK(r.acquire(1));
  CHECK(r.acquire(2));
  CHECK_FALSE(r.acquire(3));
  CHECK_FALSE(r.acquire(4));
  CHECK(r.waiting() == 2);
  auto next = r.release();
  REQUIRE(next);
  CHECK(*next == 3);  // the oldest waiter, and the unit stays in use
  CHECK(r.in_use() == 2);
  CHECK(*r.release() == 4);
  CHECK_FALSE(r.release());
  CHECK(r.in_use() == 1);
  CHECK_FALSE(r.release());
  CHECK(r.in_use() == 0);
}

TEST_CASE("resource: a cancelled waiter is skipped; growing the capacity grants waiters in order") {
  Resource r(1);
  CHECK(r.acquire(10));
  CHECK_FALSE(r.acquire(11));
  CHECK_FALSE(r.acquire(12));
  CHECK_FALSE(r.acquire(13));
  r.cancel(11);
  CHECK(r.waiting() == 2);
  CHECK(*r.release() == 12);
  std::vector<std::uint64_t> granted;
  r.set_capacity(3, [&](std::uint64_t t) { granted.push_back(t); });
  CHECK(granted == std::vector<std::uint64_t>{13});
  CHECK(r.in_use() == 2);
  CHECK(r.try_acquire());
  CHECK_FALSE(r.try_acquire());
}
