// The timeout store's contract: entries leave by (deadline, insertion), whatever mix of
// fixed durations (its lanes), other in-order deadlines (its FIFO) and out-of-order ones
// (its heap, appended and sorted in when front() looks), answers (handles freed in the
// pool) and pops — checked against a reference ordered by an explicit sequence number;
// and its memory follows the calls in flight, not the calls ever armed.
#include <doctest/doctest.h>

#include <map>
#include <vector>

#include "sim/pool.h"
#include "sim/random.h"
#include "sim/timeout_store.h"

using namespace archsim;
using Store = TimeoutStore<Pool<int>>;
// The same store with the slack it had before 4,096: in a test of 100,000 steps it compacts
// often, with many dead entries in every store.
using Compacting = TimeoutStore<Pool<int>, 256>;

TEST_CASE("timeout store: matches a (deadline, sequence) reference under pushes, answers and pops") {
  // kNearlyInOrder: each deadline up to 36 before the latest or 3 after it, ties common: a
  // balancer forwarding what is left of requests' deadlines after a latency of their own,
  // so that the FIFO and the heap both hold entries of the same deadlines. The other modes
  // are the percentage of deadlines pushed in order, the rest anywhere in the next 1,000.
  // kFixed: four fixed durations, which get lanes, and a fifth of the calls with a duration
  // of their own; more than one duration per lane (20 of them, for 16 lanes) in kManyFixed.
  // Some calls are made without a timeout (the pool's live count is only a bound on what
  // waits). Phases of 5,000 steps alternate between growing (mostly pushes) and draining
  // (mostly answers, some in bursts), so that compactions run with many dead entries in
  // both stores.
  constexpr int kNearlyInOrder = -1, kFixed = -2, kManyFixed = -3;
  // look_every: how often front() is asked between steps. Every step checks it most; every
  // seventh lets the heap's appends wait for it and be answered meanwhile (dropped there
  // without a sift).
  for (int look_every : {1, 7}) {
    for (int in_order_percent : {100, 90, 50, 0, kNearlyInOrder, kFixed, kManyFixed}) {
      CAPTURE(look_every);
      CAPTURE(in_order_percent);
      Pool<int> slots;  // handles as the engine makes them: slots reused with a new generation
      Compacting h(slots);
      std::map<std::pair<Time, std::uint64_t>, Handle> ref;
      std::vector<Handle> waiting, untimed;
      Rng rng(11);
      std::uint64_t seq = 0;
      Time now = 0, last = 0;
      int compactions = 0;  // pushes after which less was held than before
      auto answer = [&](std::size_t k) {
        Handle c = waiting[k];
        waiting[k] = waiting.back();
        waiting.pop_back();
        for (auto it = ref.begin(); it != ref.end(); ++it)
          if (it->second == c) {
            ref.erase(it);
            break;
          }
        h.answered();  // the answer: a count, and the handle freed
        slots.free(c);
      };
      for (int step = 0; step < 100000; ++step) {
        const bool growing = (step / 5000) % 2 == 0;
        const std::uint64_t op = rng.below(20);
        if (op < (growing ? 12u : 6u) || ref.empty()) {  // push
          const std::size_t held = h.stored();
          Handle c = slots.alloc();
          Time d;
          if (in_order_percent == kFixed || in_order_percent == kManyFixed)
            d = now + (rng.below(5) == 0 ? 1 + static_cast<Time>(rng.below(1000))
                                         : 10 + 37 * static_cast<Time>(rng.below(in_order_percent == kFixed ? 4 : 20)));
          else if (in_order_percent == kNearlyInOrder)
            d = std::max(now + 1, last + 3 - static_cast<Time>(rng.below(40)));
          else
            d = rng.below(100) < static_cast<std::uint64_t>(in_order_percent)
                    ? std::max(last, now + static_cast<Time>(rng.below(100)))
                    : now + 1 + static_cast<Time>(rng.below(1000));
          last = std::max(last, d);
          h.push(d, d - now, c);
          ref[{d, seq++}] = c;
          waiting.push_back(c);
          REQUIRE(h.stored() <= 2 * h.waiting() + Compacting::kSlack);
          compactions += h.stored() < held;
        } else if (op == 10) {  // a call without a timeout, made or answered
          if (untimed.empty() || rng.below(2) == 0) {
            untimed.push_back(slots.alloc());
          } else {
            slots.free(untimed.back());
            untimed.pop_back();
          }
        } else if (op < 16 && !waiting.empty()) {  // answer a random waiting call in time
          answer(rng.below(waiting.size()));
        } else if (op == 16 && !growing) {  // a burst of answers
          for (int k = 0; k < 20 && !waiting.empty(); ++k) answer(rng.below(waiting.size()));
        } else if (!ref.empty()) {  // pop the earliest (a timeout fires)
          const Compacting::Entry* f = h.front();
          REQUIRE(f != nullptr);
          REQUIRE(f->deadline == ref.begin()->first.first);
          REQUIRE(f->call == ref.begin()->second);
          const Handle c = f->call;
          h.pop_front();
          now = ref.begin()->first.first;
          ref.erase(ref.begin());
          for (std::size_t k = 0; k < waiting.size(); ++k)
            if (waiting[k] == c) {
              waiting[k] = waiting.back();
              waiting.pop_back();
              break;
            }
          slots.free(c);
        }
        REQUIRE(h.waiting() == ref.size());
        if (step % look_every == 0) REQUIRE((h.front() == nullptr) == ref.empty());
      }
      CHECK(compactions > 10);
    }
  }
}

TEST_CASE("timeout store: calls answered in time leave no trace (memory follows the calls waiting)") {
  // Each call answered before the next few are made: a million calls pass; at most a handful
  // wait at any time. One caller with one fixed timeout (deadlines in order: a lane), and a
  // balancer's pattern (durations a little out of order: the FIFO and the heap).
  for (Time spread : {0, 100}) {
    CAPTURE(spread);
    Pool<int> slots;
    Store h(slots);
    std::vector<Handle> waiting;
    for (Time t = 0; t < 1'000'000; ++t) {
      Handle c = slots.alloc();
      const Time duration = 60'000 - (t % 7) * spread;
      h.push(t + duration, duration, c);
      waiting.push_back(c);
      if (waiting.size() > 5) {
        h.answered();
        slots.free(waiting.front());
        waiting.erase(waiting.begin());
      }
    }
    if (spread == 0) {
      REQUIRE(h.front() != nullptr);
      CHECK(h.front()->call == waiting.front());
    }
    CHECK(h.waiting() == 5);
    CHECK(h.stored() <= 2 * 5 + Store::kSlack);
  }
}

TEST_CASE("timeout store: calls that all time out leave no trace either") {
  // A partitioned link: every call waits for its deadline and is popped when it passes.
  Pool<int> slots;
  Store h(slots);
  for (Time t = 0; t < 1'000'000; ++t) {
    h.push(t + 10, 10, slots.alloc());
    for (const Store::Entry* f = h.front(); f && f->deadline <= t; f = h.front()) {
      const Handle c = f->call;
      h.pop_front();
      slots.free(c);
    }
    REQUIRE(slots.live() <= 11);
  }
  CHECK(h.stored() <= 2 * h.waiting() + Store::kSlack);
}

TEST_CASE("timeout store: a deadline a little out of order leaves after the equal ones pushed before it") {
  Pool<int> slots;
  Store h(slots);
  std::vector<Handle> c;
  for (int i = 0; i < 6; ++i) c.push_back(slots.alloc());
  h.push(10, 10, c[0]);
  h.push(20, 20, c[1]);
  h.push(30, 30, c[2]);
  h.push(20, 20, c[3]);  // out of order: after c[1] (pushed earlier, same deadline), before c[2]
  h.push(5, 5, c[4]);    // before everything waiting
  h.push(20, 20, c[5]);
  h.answered();
  slots.free(c[1]);  // answered: dead among equal deadlines
  for (Handle want : {c[4], c[0], c[3], c[5], c[2]}) {
    const Store::Entry* f = h.front();
    REQUIRE(f != nullptr);
    CHECK(f->call == want);
    h.pop_front();
  }
  CHECK(h.front() == nullptr);
}
