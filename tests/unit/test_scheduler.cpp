// The scheduler's contract: events come out ordered by (time, insertion), whatever the mix
// of pushes and pops — checked against a reference ordered by an explicit sequence number,
// as ns-3 checks every scheduler implementation against the same expectations.
#include <doctest/doctest.h>

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

// The buckets are per 4-bit digit of the time: offsets from 1 ns to 2^56 ns reach every
// level, and an event pushed again at a time already pending (before and after the front
// moved) must still leave after the earlier ones of that time.
TEST_CASE("scheduler: every digit level, ties pushed across redistributions") {
  Scheduler s;
  std::map<std::pair<Time, std::uint64_t>, std::uint64_t> ref;
  Rng rng(11);
  std::uint64_t seq = 0;
  Time now = 0;
  std::vector<Time> pending_times;
  auto push = [&](Time t) {
    s.push(Event{t, 0, 0, 0, seq});
    ref[{t, seq}] = seq;
    pending_times.push_back(t);
    ++seq;
  };
  for (int step = 0; step < 100000; ++step) {
    const auto r = rng.below(8);
    if (r < 3 && !ref.empty()) {
      REQUIRE(s.next_time() == ref.begin()->first.first);
      Event e = s.pop();
      REQUIRE(e.data == ref.begin()->second);
      now = e.time;
      ref.erase(ref.begin());
    } else if (r == 3 && !ref.empty()) {
      // A tie with some pending time (or the front's): same bucket, behind the others.
      push(std::max(now, pending_times[rng.below(pending_times.size())]));
    } else {
      const int bits = static_cast<int>(rng.below(57));
      push(now + static_cast<Time>(rng.below(std::uint64_t{1} << bits) + (r == 4 ? 0 : 1)));
    }
    REQUIRE(s.size() == ref.size());
  }
  while (!ref.empty()) {
    REQUIRE(s.pop().data == ref.begin()->second);
    ref.erase(ref.begin());
  }
  CHECK(s.empty());
}
