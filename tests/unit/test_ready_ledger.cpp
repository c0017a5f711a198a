// The ready-level ledger every family's availability figures come from
// (models/contracts/ready_ledger.h): time at each level, outages and their length, from the
// warm-up on, worked by hand.
#include <doctest/doctest.h>

#include "models/contracts/ready_ledger.h"

using namespace archsim;

TEST_CASE("ready ledger: seconds at each level and one outage, counted from the warm-up") {
  ReadyLedger l(3, 4);  // 3 ready from the start; levels 0..3 listed
  const Time w = 10 * kSecond;
  l.set(4 * kSecond, w, 2);   // before the warm-up: no time counted yet
  l.set(15 * kSecond, w, 0);  // 5 s at level 2 (from the warm-up); an outage begins
  l.set(18 * kSecond, w, 0);  // no change: nothing happens
  l.set(20 * kSecond, w, 3);  // a 5 s outage ends
  auto h = l.history(30 * kSecond, w);  // 10 s more at level 3
  REQUIRE(h.seconds_at.size() == 4);
  CHECK(h.seconds_at[0] == doctest::Approx(5));
  CHECK(h.seconds_at[1] == 0);
  CHECK(h.seconds_at[2] == doctest::Approx(5));
  CHECK(h.seconds_at[3] == doctest::Approx(10));
  CHECK(h.outages == 1);
  CHECK(h.outage_seconds == doctest::Approx(5));
}

TEST_CASE("ready ledger: an outage begun before the warm-up counts its time but not itself") {
  ReadyLedger l(1);
  const Time w = 10 * kSecond;
  l.set(6 * kSecond, w, 0);  // before the warm-up
  auto open = l.history(12 * kSecond, w);  // still down: 2 s so far, the open outage included
  CHECK(open.outages == 0);
  CHECK(open.outage_seconds == doctest::Approx(2));
  l.set(14 * kSecond, w, 1);
  l.set(20 * kSecond, w, 0);  // a second outage, after the warm-up: counted
  auto h = l.history(21 * kSecond, w);
  CHECK(h.outages == 1);
  CHECK(h.outage_seconds == doctest::Approx(4 + 1));
  REQUIRE(h.seconds_at.size() == 2);  // grown to the levels reached
  CHECK(h.seconds_at[0] == doctest::Approx(5));
  CHECK(h.seconds_at[1] == doctest::Approx(6));
}

TEST_CASE("ready ledger: a level of 0 the caller says is no outage (scaled to zero) is time at 0 only") {
  ReadyLedger l(2);
  l.set(1 * kSecond, 0, 0, /*outage=*/false);
  l.set(3 * kSecond, 0, 2);
  auto h = l.history(4 * kSecond, 0);
  CHECK(h.outages == 0);
  CHECK(h.outage_seconds == 0);
  CHECK(h.seconds_at[0] == doctest::Approx(2));
  CHECK(h.seconds_at[2] == doctest::Approx(1 + 1));
}
