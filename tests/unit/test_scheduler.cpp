// The scheduler's contract: events come out ordered by (time, insertion), whatever the mix
// of pushes and pops — checked against a reference ordered by an explicit sequence number,
// as ns-3 checks every scheduler implementation against the same expectations.
#include <doctest/doctest.h>

#include <map>

#include "sim/random.h"
#include "sim/scheduler.h"

using namespace archsim;

TEST_CASE("scheduler: equal times run in insertion order") {
  Scheduler s;
  for (std::uint64_t i = 0; i < 10; ++i) s.push(Event{5, 0, 0, 0, i});
  s.push(Event{3, 0, 0, 0, 100});
  CHECK(s.pop().data == 100);
  for (std::uint64_t i = 0; i < 10; ++i) CHECK(s.pop().data == i);
  CHECK(s.empty());
}

TEST_CASE("scheduler: matches a (time, sequence) reference under random hold operations") {
  Scheduler s;
  std::map<std::pair<Time, std::uint64_t>, std::uint64_t> ref;
  Rng rng(7);
  std::uint64_t seq = 0;
  Time now = 0;
  auto push = [&](Time t) {
    s.push(Event{t, 0, 0, 0, seq});
    ref[{t, seq}] = seq;
    ++seq;
  };
  for (int i = 0; i < 1000; ++i) push(static_cast<Time>(rng.below(50)));
  for (int step = 0; step < 200000; ++step) {
    if (!ref.empty() && (rng.below(3) != 0 || ref.size() > 5000)) {
      REQUIRE(s.next_time() == ref.begin()->first.first);
      Event e = s.pop();
      REQUIRE(e.data == ref.begin()->second);
      now = e.time;
      ref.erase(ref.begin());
    } else {
      // Many ties: small offsets, including zero, and the occasional far-future event.
      Time d = rng.below(10) == 0 ? static_cast<Time>(rng.below(1'000'000'000)) : static_cast<Time>(rng.below(4));
      push(now + d);
    }
    REQUIRE(s.size() == ref.size());
  }
}

TEST_CASE("scheduler: large time spans and clear") {
  Scheduler s;
  s.push(Event{kDay * 3650, 0, 0, 0, 2});
  s.push(Event{1, 0, 0, 0, 1});
  CHECK(s.pop().data == 1);
  CHECK(s.pop().data == 2);
  s.clear();
  CHECK(s.empty());
  s.push(Event{0, 0, 0, 0, 3});
  CHECK(s.pop().data == 3);
}
