// The scheduler alone, by the classic "hold" model (Jones 1986; ns-3's scheduler tests):
// keep N events pending; each operation pops the earliest and pushes one at now + Exp(1 ms).
// One iteration = one pop + one push. Compared with a binary heap ordered by (time, seq),
// the structure most simulators start from.
#include <benchmark/benchmark.h>

#include <cmath>
#include <queue>

#include "sim/random.h"
#include "sim/scheduler.h"

using namespace archsim;

static Time draw(Rng& rng) { return 1 + static_cast<Time>(-std::log(rng.uniform_pos()) * 1e6); }

static void BM_RadixHeapHold(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  Scheduler s;
  Rng rng(42);
  for (std::size_t i = 0; i < n; ++i) s.push(Event{draw(rng), 0, 0, 0, i});
  for (auto _ : state) {
    Event e = s.pop();
    e.time += draw(rng);
    s.push(e);
  }
  state.SetItemsProcessed(state.iterations());
}

struct Keyed {
  Time time;
  std::uint64_t seq;
  Event e;
  bool operator>(const Keyed& o) const { return time != o.time ? time > o.time : seq > o.seq; }
};

static void BM_BinaryHeapHold(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  std::priority_queue<Keyed, std::vector<Keyed>, std::greater<Keyed>> q;
  Rng rng(42);
  std::uint64_t seq = 0;
  for (std::size_t i = 0; i < n; ++i) q.push(Keyed{draw(rng), seq++, Event{}});
  for (auto _ : state) {
    Keyed k = q.top();
    q.pop();
    k.time += draw(rng);
    k.seq = seq++;
    q.push(k);
  }
  state.SetItemsProcessed(state.iterations());
}

BENCHMARK(BM_RadixHeapHold)->Arg(100)->Arg(10'000)->Arg(1'000'000);
BENCHMARK(BM_BinaryHeapHold)->Arg(100)->Arg(10'000)->Arg(1'000'000);
BENCHMARK_MAIN();
