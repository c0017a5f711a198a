// The instances of a pool under a deployment (rollout.h), indexed by version as they change,
// so that the controller's two questions cost O(log n) instead of a pass over every
// instance. Asked once per sync and per readiness change, the passes made a rollout
// quadratic in the replicas: 50,000 replicas took minutes of CPU.
//
//   counts(target)  the live, ready and alive instances of the target version and of the
//                   others (what rolling.go reads off its ReplicaSets);
//   victim(...)     the instance a ReplicaSet scales down first (controller.go's
//                   ActivePods ranking, as the pool simplifies it): not ready before ready,
//                   then the most recently launched, then the highest slot.
//
// The owner reports every change: remove() with the instance as it was, add() with it as it
// is now (a launch is only an add; Gone instances are in neither count nor ranking).
// Cost: add and remove O(log n) (one node of a std::set, allocated at a launch or a state
// change, never per request); counts O(1); victim O(log n) for the target, O(v) over the
// versions that have live instances for the others (one or two outside a rollout's overlap).
#pragma once
#include <cstdint>
#include <set>
#include <tuple>
#include <vector>

#include "sim/time.h"

namespace archsim {

struct VersionCounts {
  std::int64_t new_total = 0, new_ready = 0, old_total = 0, old_alive = 0;
};

class VersionIndex {
 public:
  // What the index reads of an instance: its version, launch time and state class.
  struct View {
    std::uint16_t version = 0;
    Time launched = 0;
    bool alive = false;  // not Gone
    bool live = false;   // not Gone nor Draining: counted and rankable
    bool ready = false;
  };

  VersionIndex() = default;
  explicit VersionIndex(std::size_t versions) : tally_(versions), ranked_(versions) {}

  void add(std::uint32_t slot, const View& v) { change(slot, v, +1); }
  void remove(std::uint32_t slot, const View& v) { change(slot, v, -1); }

  // rollout.cpp's counts: new_* of `target`, old_* of every other version.
  VersionCounts counts(std::uint16_t target) const {
    const Tally& t = tally_[target];
    return VersionCounts{t.live, t.ready, live_ - t.live, alive_ - t.alive};
  }

  // The first victim among live instances of `target` (or, `of_target` false, of the other
  // versions); with `only_unready`, none that is ready. -1 when there is none.
  int victim(std::uint16_t target, bool of_target, bool only_unready) const {
    const Key* best = nullptr;
    auto consider = [&](const std::set<Key>& s) {
      if (!s.empty() && (best == nullptr || *s.begin() < *best)) best = &*s.begin();
    };
    if (of_target) {
      consider(ranked_[target]);
    } else {
      for (std::uint16_t v : populated_)
        if (v != target) consider(ranked_[v]);
    }
    if (best == nullptr || (only_unready && !best->unready)) return -1;
    return static_cast<int>(best->slot);
  }

 private:
  struct Tally {
    std::int64_t live = 0, ready = 0, alive = 0;
  };
  // Ordered so that the first is the victim: unready first, then later launches, then higher slots.
  struct Key {
    bool unready;
    Time launched;
    std::uint32_t slot;
    bool operator<(const Key& o) const {
      return std::tuple(!unready, -launched, ~slot) < std::tuple(!o.unready, -o.launched, ~o.slot);
    }
  };

  void change(std::uint32_t slot, const View& v, int sign) {
    Tally& t = tally_[v.version];
    t.alive += sign * v.alive;
    t.live += sign * v.live;
    t.ready += sign * v.ready;
    alive_ += sign * v.alive;
    live_ += sign * v.live;
    if (!v.live) return;
    std::set<Key>& s = ranked_[v.version];
    const Key k{!v.ready, v.launched, slot};
    if (sign > 0) {
      s.insert(k);
      populated_.insert(v.version);
    } else {
      s.erase(k);
      if (s.empty()) populated_.erase(v.version);
    }
  }

  std::vector<Tally> tally_;
  std::vector<std::set<Key>> ranked_;
  std::set<std::uint16_t> populated_;  // versions with a live instance
  std::int64_t live_ = 0, alive_ = 0;
};

}  // namespace archsim
