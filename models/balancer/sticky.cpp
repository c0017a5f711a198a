// Session affinity table (see sticky.h).
#include "models/balancer/sticky.h"

#include <algorithm>
#include <bit>

namespace archsim {

StickyTable::StickyTable(std::size_t expected_sessions) {
  slots_.resize(std::bit_ceil(std::max<std::size_t>(8, expected_sessions * 2)));
}

std::size_t StickyTable::home(std::uint64_t session) const {
  return static_cast<std::size_t>(hash64(session)) & (slots_.size() - 1);
}

std::optional<std::uint64_t> StickyTable::find(std::uint64_t session) const {
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t i = home(session);; i = (i + 1) & mask) {
    const Slot& s = slots_[i];
    if (!s.used) return std::nullopt;
    if (s.session == session) return s.backend;
  }
}

void StickyTable::assign(std::uint64_t session, std::uint64_t backend_id) {
  if ((size_ + 1) * 2 > slots_.size()) grow();
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t i = home(session);; i = (i + 1) & mask) {
    Slot& s = slots_[i];
    if (!s.used) {
      s = {session, backend_id, true};
      ++size_;
      return;
    }
    if (s.session == session) {
      s.backend = backend_id;
      return;
    }
  }
}

bool StickyTable::erase(std::uint64_t session) {
  const std::size_t mask = slots_.size() - 1;
  std::size_t i = home(session);
  while (true) {
    if (!slots_[i].used) return false;
    if (slots_[i].session == session) break;
    i = (i + 1) & mask;
  }
  // Backward-shift deletion: pull later members of the probe run into the hole, so that
  // lookups need no tombstones.
  std::size_t hole = i;
  for (std::size_t j = (i + 1) & mask; slots_[j].used; j = (j + 1) & mask) {
    const std::size_t h = home(slots_[j].session);
    // Move j into the hole unless its home lies cyclically in (hole, j].
    const bool stays = hole <= j ? (hole < h && h <= j) : (hole < h || h <= j);
    if (!stays) {
      slots_[hole] = slots_[j];
      hole = j;
    }
  }
  slots_[hole] = Slot{};
  --size_;
  return true;
}

std::size_t StickyTable::forget_backend(std::uint64_t backend_id) {
  std::vector<Slot> old;
  old.swap(slots_);
  slots_.resize(old.size());
  const std::size_t before = size_;
  size_ = 0;
  for (const Slot& s : old) {
    if (s.used && s.backend != backend_id) assign(s.session, s.backend);
  }
  return before - size_;
}

void StickyTable::grow() {
  std::vector<Slot> old;
  old.swap(slots_);
  slots_.resize(old.size() * 2);
  size_ = 0;
  for (const Slot& s : old) {
    if (s.used) assign(s.session, s.backend);
  }
}

int pick_sticky(StickyTable& table, Picker& picker, std::span<const Backend> backends, const PickInput& in,
                Rng& rng) {
  if (in.session == 0) return picker.pick(backends, in, rng);
  if (const auto id = table.find(in.session)) {
    for (std::size_t i = 0; i < backends.size(); ++i) {
      if (backends[i].id == *id && backends[i].eligible) return static_cast<int>(i);
    }
  }
  const int chosen = picker.pick(backends, in, rng);
  if (chosen >= 0) table.assign(in.session, backends[static_cast<std::size_t>(chosen)].id);
  return chosen;
}

}  // namespace archsim
