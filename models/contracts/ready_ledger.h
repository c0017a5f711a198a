// How many of a component's instances were ready, over the run: seconds spent at each ready
// level and the outages (no instance ready) since warm-up. It is what the availability
// report reads through Crashable::ready_history (k-of-n availability, MTBF/MTTR), kept one
// way for every family whose instances come and go: the server pool (services, database
// nodes), a cache's nodes, a queue's brokers.
//
// Contract: set() is called at every change of the level, in time order. Time counts from
// the warm-up on; an outage begins when the level enters 0 (counted when that is at or after
// the warm-up; its time counts from the warm-up) and ends when it leaves 0. A level of 0 that
// is not an outage (a service scaled to zero, nodes still starting) is said so by the caller.
#pragma once
#include <algorithm>
#include <cstdint>
#include <vector>

#include "models/contracts/capabilities.h"
#include "sim/time.h"

namespace archsim {

class ReadyLedger {
 public:
  // `levels`: the levels the history lists even if never reached (0..levels-1).
  explicit ReadyLedger(std::uint32_t level = 0, std::uint32_t levels = 0) : level_(level), seconds_at_(levels, 0.0) {}

  // From `now` on, `level` instances are ready. `outage`: whether entering 0 is an outage.
  void set(Time now, Time warmup, std::uint32_t level, bool outage = true) {
    if (level == level_) return;
    account(now, warmup);
    in_outage_ = level == 0 && outage;
    if (in_outage_ && now >= warmup) ++outages_;
    level_ = level;
  }
  std::uint32_t level() const { return level_; }

  // The history up to `now` (outages and their seconds as the availability report wants them).
  Crashable::ReadyHistory history(Time now, Time warmup) const {
    Crashable::ReadyHistory h;
    h.seconds_at = seconds_at_;
    h.outages = outages_;
    h.outage_seconds = outage_seconds_;
    const Time from = std::max(last_, warmup);
    if (now > from) {
      if (h.seconds_at.size() <= level_) h.seconds_at.resize(level_ + 1, 0.0);
      h.seconds_at[level_] += to_seconds(now - from);
      if (in_outage_) h.outage_seconds += to_seconds(now - from);
    }
    return h;
  }

 private:
  void account(Time now, Time warmup) {
    const Time from = std::max(last_, warmup);
    if (now > from) {
      if (seconds_at_.size() <= level_) seconds_at_.resize(level_ + 1, 0.0);
      const double s = to_seconds(now - from);
      seconds_at_[level_] += s;
      if (in_outage_) outage_seconds_ += s;
    }
    last_ = std::max(last_, now);
  }

  std::uint32_t level_ = 0;
  std::vector<double> seconds_at_;
  Time last_ = 0;
  bool in_outage_ = false;
  std::uint32_t outages_ = 0;
  double outage_seconds_ = 0;
};

}  // namespace archsim
