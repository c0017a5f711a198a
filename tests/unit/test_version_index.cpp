// The deployment's index of instances by version (models/server/pool/version_index.h)
// against the pass over every instance it replaced: the same counts and the same victim
// (not ready first, then the latest launch, then the highest slot) after every change of a
// random life of launches, readiness changes, drains and terminations.
#include <doctest/doctest.h>

#include <cstdint>
#include <vector>

#include "models/server/pool/version_index.h"
#include "sim/random.h"

using archsim::VersionCounts;
using archsim::VersionIndex;

namespace {

enum State { Starting, Ready, Draining, Gone };

struct Slot {
  std::uint16_t version = 0;
  archsim::Time launched = 0;
  State state = Gone;
};

VersionIndex::View view(const Slot& s) {
  return {s.version, s.launched, s.state != Gone, s.state != Gone && s.state != Draining, s.state == Ready};
}

VersionCounts brute_counts(const std::vector<Slot>& slots, std::uint16_t target) {
  VersionCounts c;
  for (const Slot& s : slots) {
    if (s.state == Gone) continue;
    const bool live = s.state != Draining;
    if (s.version == target) {
      c.new_total += live;
      c.new_ready += s.state == Ready;
    } else {
      c.old_total += live;
      ++c.old_alive;
    }
  }
  return c;
}

int brute_victim(const std::vector<Slot>& slots, std::uint16_t target, bool of_target, bool only_unready) {
  int best = -1;
  for (std::size_t i = 0; i < slots.size(); ++i) {
    const Slot& s = slots[i];
    if (s.state == Gone || s.state == Draining || (s.version == target) != of_target) continue;
    const bool ready = s.state == Ready;
    if (only_unready && ready) continue;
    if (best < 0) {
      best = static_cast<int>(i);
      continue;
    }
    const Slot& b = slots[static_cast<std::size_t>(best)];
    const bool b_ready = b.state == Ready;
    if (ready != b_ready ? !ready : s.launched >= b.launched) best = static_cast<int>(i);
  }
  return best;
}

}  // namespace

TEST_CASE("version index: counts and victims equal a pass over every instance") {
  archsim::Rng rng(42);
  constexpr std::uint16_t kVersions = 4;
  std::vector<Slot> slots(200);
  VersionIndex index(kVersions);
  archsim::Time now = 0;
  for (int step = 0; step < 20000; ++step) {
    now += static_cast<archsim::Time>(rng.below(3));  // equal launch times happen
    const auto i = static_cast<std::size_t>(rng.below(slots.size()));
    Slot& s = slots[i];
    const auto slot = static_cast<std::uint32_t>(i);
    if (s.state == Gone) {
      s = Slot{static_cast<std::uint16_t>(rng.below(kVersions)), now, rng.below(2) ? Ready : Starting};
      index.add(slot, view(s));
    } else {
      index.remove(slot, view(s));
      s.state = static_cast<State>(rng.below(4));
      index.add(slot, view(s));
    }
    for (std::uint16_t t = 0; t < kVersions; ++t) {
      const VersionCounts a = index.counts(t), b = brute_counts(slots, t);
      REQUIRE(a.new_total == b.new_total);
      REQUIRE(a.new_ready == b.new_ready);
      REQUIRE(a.old_total == b.old_total);
      REQUIRE(a.old_alive == b.old_alive);
      for (bool of_target : {true, false})
        for (bool only_unready : {true, false}) REQUIRE(index.victim(t, of_target, only_unready) == brute_victim(slots, t, of_target, only_unready));
    }
  }
}
