// The scheduler's contract: events come out ordered by (time, insertion), whatever the mix
// of pushes and pops — checked against a reference ordered by an explicit sequence number,
// as ns-3 checks every scheduler implementation against the same expectations.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <vector>

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

// The scheduler beside a reference ordered by (time, insertion sequence).
struct Checked {
  Scheduler s;
  std::map<std::pair<Time, std::uint64_t>, std::uint64_t> ref;
  std::uint64_t seq = 0;
  Time now = 0;
  void push(Time t) {
    s.push(Event{t, 0, 0, 0, seq});
    ref[{t, seq}] = seq;
    ++seq;
  }
  // Pops the next event, which must be the reference's first; the clock moves to it.
  void pop_and_check() {
    REQUIRE(s.next_time() == ref.begin()->first.first);
    const Event e = s.pop();
    REQUIRE(e.data == ref.begin()->second);
    now = e.time;
    ref.erase(ref.begin());
  }
};

TEST_CASE("scheduler: matches a (time, sequence) reference under random hold operations") {
  Checked c;
  Rng rng(7);
  for (int i = 0; i < 1000; ++i) c.push(static_cast<Time>(rng.below(50)));
  for (int step = 0; step < 200000; ++step) {
    if (!c.ref.empty() && (rng.below(3) != 0 || c.ref.size() > 5000)) {
      c.pop_and_check();
    } else {
      // Many ties: small offsets, including zero, and the occasional far-future event.
      Time d = rng.below(10) == 0 ? static_cast<Time>(rng.below(1'000'000'000)) : static_cast<Time>(rng.below(4));
      c.push(c.now + d);
    }
    REQUIRE(c.s.size() == c.ref.size());
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

// The buckets are per 4-bit digit of the time: offsets from 1 ns to 2^56 ns reach every
// level, and an event pushed again at a time already pending (before and after the front
// moved) must still leave after the earlier ones of that time.
TEST_CASE("scheduler: every digit level, ties pushed across redistributions") {
  Checked c;
  Rng rng(11);
  std::vector<Time> pushed;  // every time pushed: a tie draws one (or the clock, if past)
  for (int step = 0; step < 100000; ++step) {
    const auto r = rng.below(8);
    if (r < 3 && !c.ref.empty()) {
      c.pop_and_check();
      continue;
    }
    Time t;
    if (r == 3 && !pushed.empty()) {
      t = std::max(c.now, pushed[rng.below(pushed.size())]);  // same bucket, behind the others
    } else {
      const int bits = static_cast<int>(rng.below(57));
      t = c.now + static_cast<Time>(rng.below(std::uint64_t{1} << bits) + (r == 4 ? 0 : 1));
    }
    c.push(t);
    pushed.push_back(t);
    REQUIRE(c.s.size() == c.ref.size());
  }
  while (!c.ref.empty()) c.pop_and_check();
  CHECK(c.s.empty());
}
