// big-8x (scenarios/basics/big-8x.json) on ns-3's discrete-event core, as a peer for the
// whole-simulator benchmark (tests/bench/run_benchmarks.py): Poisson arrivals at 640/s,
// handed round robin to 8 servers, each one worker and a FIFO queue, exponential 10 ms work.
// Written the way an ns-3 user would write it: Simulator::Schedule with member callbacks and
// ExponentialRandomVariable streams, no network (the scenario has none). Only the core
// module is used; the default scheduler is ns-3's (a std::map, MapScheduler), or
// --scheduler=ns3::HeapScheduler / CalendarScheduler / ListScheduler.
//
//   big8x_ns3 [--seconds=7200] [--scheduler=ns3::MapScheduler]
// prints one JSON line: requests, mean latency (about 30 ms, as archsim's), wall seconds.
//
// Build (the bench script does this when Debian's libns3-dev is installed):
//   g++ -O2 -std=c++17 big8x_ns3.cc -o big8x_ns3 $(pkg-config --cflags --libs ns3-core)
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <string>
#include <vector>

#include "ns3/core-module.h"

using namespace ns3;

namespace {

class Big8x {
 public:
  Big8x() : servers_(8) {
    arrivals_ = CreateObject<ExponentialRandomVariable>();
    arrivals_->SetAttribute("Mean", DoubleValue(1.0 / 640.0));
    arrivals_->SetStream(1);
    work_ = CreateObject<ExponentialRandomVariable>();
    work_->SetAttribute("Mean", DoubleValue(0.010));
    work_->SetStream(2);
  }

  void Start() { Simulator::Schedule(Seconds(arrivals_->GetValue()), &Big8x::Arrive, this); }

  std::uint64_t done() const { return done_; }
  double mean_latency_s() const { return done_ ? latency_sum_ / static_cast<double>(done_) : 0.0; }

 private:
  struct Server {
    bool busy = false;
    std::deque<Time> queue;  // arrival times of the waiting requests
  };

  void Arrive() {
    Server& s = servers_[next_];
    const int index = next_;
    next_ = (next_ + 1) % static_cast<int>(servers_.size());
    if (s.busy) {
      s.queue.push_back(Simulator::Now());
    } else {
      s.busy = true;
      StartWork(index, Simulator::Now());
    }
    Simulator::Schedule(Seconds(arrivals_->GetValue()), &Big8x::Arrive, this);
  }

  void StartWork(int index, Time arrived) {
    Simulator::Schedule(Seconds(work_->GetValue()), &Big8x::Depart, this, index, arrived);
  }

  void Depart(int index, Time arrived) {
    latency_sum_ += (Simulator::Now() - arrived).GetSeconds();
    ++done_;
    Server& s = servers_[index];
    if (s.queue.empty()) {
      s.busy = false;
      return;
    }
    Time next = s.queue.front();
    s.queue.pop_front();
    StartWork(index, next);
  }

  std::vector<Server> servers_;
  Ptr<ExponentialRandomVariable> arrivals_, work_;
  int next_ = 0;
  std::uint64_t done_ = 0;
  double latency_sum_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
  double seconds = 7200;
  std::string scheduler = "ns3::MapScheduler";
  CommandLine cmd;
  cmd.AddValue("seconds", "simulated seconds", seconds);
  cmd.AddValue("scheduler", "the event queue (an ns3::Scheduler type)", scheduler);
  cmd.Parse(argc, argv);

  RngSeedManager::SetSeed(1);
  ObjectFactory factory;
  factory.SetTypeId(scheduler);
  Simulator::SetScheduler(factory);

  const auto t0 = std::chrono::steady_clock::now();
  Big8x model;
  model.Start();
  Simulator::Stop(Seconds(seconds));
  Simulator::Run();
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("{\"requests\": %llu, \"mean_latency_ms\": %.3f, \"wall_s\": %.4f, \"scheduler\": \"%s\"}\n",
              static_cast<unsigned long long>(model.done()), model.mean_latency_s() * 1e3, wall, scheduler.c_str());
  Simulator::Destroy();
  return 0;
}
