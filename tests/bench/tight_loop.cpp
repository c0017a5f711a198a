// The reference for the whole-simulator benchmark: big-8x (8 round-robin M/M/1 servers at
// 80% load, Poisson 640/s, 10 ms exponential service, 2 simulated hours) written as the
// tightest loop one would write by hand for this one model: a 4-ary heap of (time, seq)
// events, two events per request (arrival, departure), xoshiro256** with -log(u) variates,
// one latency sum. No components, links, metrics or timeouts. It prints the mean latency
// (to show it simulates the same system as archsim, about 30 ms) and its speed; the bench
// script (tests/bench/run_benchmarks.py) runs it beside archsim for the ratio.
//   tight_loop [simulated_seconds]
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <vector>

#include "sim/random.h"

namespace {

struct Ev {
  std::int64_t time;
  std::uint64_t seq;
  int server;  // -1: arrival; otherwise a departure from that server
};

class Heap4 {
 public:
  void push(Ev e) {
    h_.push_back(e);
    std::size_t i = h_.size() - 1;
    while (i > 0) {
      std::size_t p = (i - 1) / 4;
      if (!less(e, h_[p])) break;
      h_[i] = h_[p];
      i = p;
    }
    h_[i] = e;
  }
  Ev pop() {
    Ev top = h_[0], e = h_.back();
    h_.pop_back();
    std::size_t n = h_.size(), i = 0;
    for (;;) {
      std::size_t c = 4 * i + 1;
      if (c >= n) break;
      std::size_t b = c;
      for (std::size_t k = c + 1; k < c + 4 && k < n; ++k)
        if (less(h_[k], h_[b])) b = k;
      if (!less(h_[b], e)) break;
      h_[i] = h_[b];
      i = b;
    }
    if (n) h_[i] = e;
    return top;
  }
  bool empty() const { return h_.empty(); }

 private:
  static bool less(const Ev& a, const Ev& b) { return a.time != b.time ? a.time < b.time : a.seq < b.seq; }
  std::vector<Ev> h_;
};

}  // namespace

int main(int argc, char** argv) {
  const double sim_s = argc > 1 ? std::atof(argv[1]) : 7200;
  const std::int64_t end = static_cast<std::int64_t>(sim_s * 1e9);
  const double rate = 640, mean_service_ns = 10e6;
  archsim::Rng rng(1);
  auto exp_ns = [&](double mean) { return static_cast<std::int64_t>(-std::log(rng.uniform_pos()) * mean) + 1; };
  Heap4 heap;
  std::uint64_t seq = 0;
  struct Server {
    bool busy = false;
    std::deque<std::int64_t> queue;  // arrival times of waiting requests
    std::int64_t serving_since = 0;
  };
  std::vector<Server> servers(8);
  std::size_t next_server = 0;
  std::uint64_t done = 0;
  double latency_sum = 0;
  auto wall0 = std::chrono::steady_clock::now();
  heap.push(Ev{exp_ns(1e9 / rate), seq++, -1});
  while (!heap.empty()) {
    Ev e = heap.pop();
    if (e.time > end) break;
    if (e.server < 0) {
      Server& s = servers[next_server];
      const int k = static_cast<int>(next_server);
      next_server = (next_server + 1) % servers.size();
      if (s.busy) s.queue.push_back(e.time);
      else {
        s.busy = true;
        s.serving_since = e.time;
        heap.push(Ev{e.time + exp_ns(mean_service_ns), seq++, k});
      }
      heap.push(Ev{e.time + exp_ns(1e9 / rate), seq++, -1});
    } else {
      Server& s = servers[static_cast<std::size_t>(e.server)];
      latency_sum += static_cast<double>(e.time - s.serving_since);
      ++done;
      if (s.queue.empty()) s.busy = false;
      else {
        s.serving_since = s.queue.front();  // latency counts from arrival
        s.queue.pop_front();
        heap.push(Ev{e.time + exp_ns(mean_service_ns), seq++, e.server});
      }
    }
  }
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
  std::printf("{\"requests\": %llu, \"mean_latency_ms\": %.3f, \"wall_time_s\": %.4f, \"requests_per_s\": %.0f}\n",
              static_cast<unsigned long long>(done), latency_sum / static_cast<double>(done) / 1e6, wall,
              static_cast<double>(done) / wall);
}
