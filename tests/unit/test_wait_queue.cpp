// The waiting primitive (lib/wait_queue.h) against a plain reference: FIFO order, a bound
// that refuses, a waiter leaving from the middle with the others keeping their order, stale
// waiters dropped at the head; WaitList (links in the owner's records) in step with a
// WaitQueue over the same random operations.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <deque>
#include <vector>

#include "lib/wait_queue.h"
#include "sim/random.h"

using namespace archsim;

TEST_CASE("wait queue: FIFO, refused past its bound, a leaver taken out of the middle") {
  WaitQueue<std::uint32_t> q(3);
  CHECK(q.push(1));
  CHECK(q.push(2));
  CHECK(q.push(3));
  CHECK(q.full());
  CHECK_FALSE(q.push(4));  // refused: nothing queued
  CHECK(q.size() == 3);
  CHECK(q.remove(2));
  CHECK_FALSE(q.remove(2));
  CHECK(q.push(4));
  CHECK(q.pop() == 1);
  CHECK(q.front() == 3);
  CHECK(q.pop() == 3);
  CHECK(q.pop() == 4);
  CHECK(q.empty());
  WaitQueue<std::uint32_t> unbounded;
  for (std::uint32_t i = 0; i < 100; ++i) CHECK(unbounded.push(i));
  CHECK_FALSE(unbounded.full());
}

TEST_CASE("wait queue: pop_live drops the stale waiters before the first live one") {
  struct Waiter {
    std::uint32_t slot, seq;
  };
  WaitQueue<Waiter> q;
  std::vector<std::uint32_t> seq_of = {0, 0, 0, 0};  // the owner's record: the live entry's seq
  std::uint32_t seq = 0;
  for (std::uint32_t s = 0; s < 4; ++s) {
    seq_of[s] = ++seq;
    q.push({s, seq_of[s]});
  }
  seq_of[0] = 0;  // left (its timeout)
  seq_of[1] = 0;
  auto live = [&](const Waiter& w) { return seq_of[w.slot] == w.seq; };
  auto w = q.pop_live(live);
  REQUIRE(w);
  CHECK(w->slot == 2);
  CHECK(q.size() == 1);
  seq_of[3] = 0;
  CHECK_FALSE(q.pop_live(live));
  CHECK(q.empty());
}

TEST_CASE("wait list: the owner's records linked, in step with a wait queue over random pushes, pops and leavers") {
  constexpr std::uint32_t kJobs = 64;
  std::vector<std::uint32_t> next(kJobs, WaitList::kNone);
  std::vector<char> waiting(kJobs, 0);
  auto link = [&](std::uint32_t j) -> std::uint32_t& { return next[j]; };
  WaitList list;
  WaitQueue<std::uint32_t> queue;
  std::deque<std::uint32_t> reference;
  Rng rng(7);
  for (int step = 0; step < 20000; ++step) {
    const std::uint32_t j = static_cast<std::uint32_t>(rng.below(kJobs));
    const std::uint64_t op = rng.below(3);
    if (op == 0 && !waiting[j]) {
      list.push(j, link);
      CHECK(queue.push(j));
      reference.push_back(j);
      waiting[j] = 1;
    } else if (op == 1) {
      const std::uint32_t w = list.pop(link);
      if (reference.empty()) {
        CHECK(w == WaitList::kNone);
        CHECK(queue.empty());
        continue;
      }
      CHECK(w == reference.front());
      CHECK(queue.pop() == w);
      reference.pop_front();
      waiting[w] = 0;
    } else if (op == 2) {
      const bool was = waiting[j] != 0;
      CHECK(list.remove(j, link) == was);
      CHECK(queue.remove(j) == was);
      if (was) reference.erase(std::find(reference.begin(), reference.end(), j));
      waiting[j] = 0;
    }
    REQUIRE(queue.size() == reference.size());
    CHECK(list.front() == (reference.empty() ? WaitList::kNone : reference.front()));
    CHECK(list.empty() == reference.empty());
  }
}
