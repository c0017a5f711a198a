// The timeout store's contract: entries leave by (deadline, insertion), whatever mix of
// in-order deadlines (its FIFO) and out-of-order ones (its heap), erasures and pops —
// checked against a reference ordered by an explicit sequence number; and its memory
// follows the entries waiting, not the entries ever pushed.
#include <doctest/doctest.h>

#include <map>
#include <vector>

#include "sim/pool.h"
#include "sim/random.h"
#include "sim/timeout_heap.h"

using namespace archsim;

TEST_CASE("timeout heap: matches a (deadline, sequence) reference under pushes, erasures and pops") {
  // kNearlyInOrder: each deadline up to 36 before the latest or 3 after it, ties common: a
  // balancer forwarding what is left of requests' deadlines after a latency of their own,
  // so that the FIFO and the heap both hold entries of the same deadlines. The other modes
  // are the percentage of deadlines pushed in order, the rest anywhere in the next 1,000.
  constexpr int kNearlyInOrder = -1;
  for (int in_order_percent : {100, 90, 50, 0, kNearlyInOrder}) {
    CAPTURE(in_order_percent);
    TimeoutHeap h;
    Pool<int> slots;  // handles as the engine makes them: slots reused with a new generation
    std::map<std::pair<Time, std::uint64_t>, Handle> ref;
    std::vector<Handle> waiting;
    Rng rng(11);
    std::uint64_t seq = 0;
    Time now = 0, last = 0;
    for (int step = 0; step < 100000; ++step) {
      const std::uint64_t op = rng.below(10);
      if (op < 5 || ref.empty()) {  // push
        Handle c = slots.alloc();
        Time d = in_order_percent == kNearlyInOrder ? std::max(now + 1, last + 3 - static_cast<Time>(rng.below(40)))
                 : rng.below(100) < static_cast<std::uint64_t>(in_order_percent)
                     ? std::max(last, now + static_cast<Time>(rng.below(100)))
                     : now + 1 + static_cast<Time>(rng.below(1000));
        last = std::max(last, d);
        h.push(d, c);
        ref[{d, seq++}] = c;
        waiting.push_back(c);
      } else if (op < 8) {  // erase a random waiting call (answered in time)
        std::size_t k = rng.below(waiting.size());
        Handle c = waiting[k];
        waiting[k] = waiting.back();
        waiting.pop_back();
        h.erase(c);
        h.erase(c);  // a second erase of the same call is ignored
        for (auto it = ref.begin(); it != ref.end(); ++it)
          if (it->second == c) {
            ref.erase(it);
            break;
          }
        slots.free(c);
        h.erase(c);  // a stale handle is ignored
      } else {  // pop the earliest (a timeout fires)
        REQUIRE(h.top().deadline == ref.begin()->first.first);
        REQUIRE(h.top().call == ref.begin()->second);
        TimeoutHeap::Entry e = h.pop();
        REQUIRE(e.call == ref.begin()->second);
        now = e.deadline;
        ref.erase(ref.begin());
        for (std::size_t k = 0; k < waiting.size(); ++k)
          if (waiting[k] == e.call) {
            waiting[k] = waiting.back();
            waiting.pop_back();
            break;
          }
        slots.free(e.call);
      }
      REQUIRE(h.size() == ref.size());
      REQUIRE(h.empty() == ref.empty());
    }
  }
}

TEST_CASE("timeout heap: calls answered in time leave no trace (memory follows the calls waiting)") {
  // One caller, one fixed timeout: deadlines in order, each call answered before the next
  // few are made. A million calls pass; at most a handful wait at any time.
  TimeoutHeap h;
  Pool<int> slots;
  std::vector<Handle> waiting;
  for (Time t = 0; t < 1'000'000; ++t) {
    Handle c = slots.alloc();
    h.push(t + 60'000, c);
    waiting.push_back(c);
    if (waiting.size() > 5) {
      h.erase(waiting.front());
      slots.free(waiting.front());
      waiting.erase(waiting.begin());
    }
  }
  CHECK(h.size() == 5);
  CHECK(h.top().call == waiting.front());
  CHECK(h.stored() <= 2 * h.size() + 64);
}

TEST_CASE("timeout heap: calls that all time out leave no trace either") {
  // A partitioned link: every call waits for its deadline and is popped when it passes.
  TimeoutHeap h;
  Pool<int> slots;
  for (Time t = 0; t < 1'000'000; ++t) {
    h.push(t + 10, slots.alloc());
    while (!h.empty() && h.top().deadline <= t) slots.free(h.pop().call);
    REQUIRE(h.size() <= 11);
  }
  CHECK(h.stored() <= 2 * h.size() + 64);
}

TEST_CASE("timeout heap: a deadline a little out of order leaves after the equal ones pushed before it") {
  TimeoutHeap h;
  Pool<int> slots;
  std::vector<Handle> c;
  for (int i = 0; i < 6; ++i) c.push_back(slots.alloc());
  h.push(10, c[0]);
  h.push(20, c[1]);
  h.push(30, c[2]);
  h.push(20, c[3]);  // out of order: after c[1] (pushed earlier, same deadline), before c[2]
  h.push(5, c[4]);   // before everything waiting
  h.push(20, c[5]);
  h.erase(c[1]);     // a tombstone among equal deadlines
  CHECK(h.size() == 5);
  for (Handle want : {c[4], c[0], c[3], c[5], c[2]}) {
    REQUIRE(!h.empty());
    CHECK(h.pop().call == want);
  }
  CHECK(h.empty());
}
