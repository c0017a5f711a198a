// Continuations: how a component names the work a reply or a timer resumes, without owning
// pointers. Two pieces every model needs and used to hand-roll with private bit layouts:
//
//  (a) slot + generation <-> token payload. A model keeps its pending work in slots (a vector
//      with a free list, or sim/pool.h) and bumps a slot's generation when the slot is freed or
//      its timers become stale; the payload carries both, so a late reply or a timer of a
//      freed/reused slot is recognised in O(1) (the lazy-cancel check of sim/scheduler.h).
//  (b) token and timer-tag ranges. A call token is 64 bits and a timer tag 16 bits, both
//      private to one component. When a component embeds sub-owners (a CallPolicy per call
//      step of a service, the balancer's health probes, a cache's write-behind batches), each
//      sub-owner gets a range of its own from the component's BuildContext (scenario/build.h), so
//      the numbers never collide and the owner routes a reply or timer with one comparison.
//      Parts of a component that number several timers of their own (the server pool, a
//      database's query and replication timers, a queue's topics) ask the BuildContext for a
//      block of own tags the same way, so two parts never take the same tag and a block that
//      does not fit is a scenario error, not a silent collision.
//
// Layout (fixed, so that timer tags, which the run's fingerprint hashes, keep their values):
//   - the owner's own tokens are kOwnTokens (bit 63 clear, 63-bit payload);
//   - its own timer tags are kOwnTags (0 .. 0xff) and, once those are handed out,
//     kMoreOwnTags (0x80ff .. 0xffff): blocks come from the first that still has room, in
//     the order asked. A part that asks for nothing and numbers tags by hand (a component
//     with one flat enum) must be the component's only user of own tags;
//   - sub-owner k (k = 0, 1, ... in the order the component asked for them) owns the tokens
//     with bits 63..48 = 0x8000 | k (48-bit payload) and the single timer tag 0x100 + k (the
//     sub-owner tells its timers apart by their 64-bit data).
// Cost: every operation is a shift, a mask or a compare; nothing is virtual, and only a
// SlotTable allocates, when it grows past its peak.
#pragma once
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <vector>

#include "sim/huge_pages.h"

namespace archsim {

// ------------------------------------------------------------------ slot + generation
// A payload of `slot` and the low `gen_bits` bits of its generation: slot << gen_bits | gen.
// The caller's range must hold it (slot < 2^(payload_bits - gen_bits)).
constexpr std::uint64_t slot_payload(std::uint32_t slot, std::uint32_t gen, unsigned gen_bits = 32) {
  const std::uint64_t mask = gen_bits >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << gen_bits) - 1;
  return (static_cast<std::uint64_t>(slot) << gen_bits) | (gen & mask);
}
constexpr std::uint32_t slot_of(std::uint64_t payload, unsigned gen_bits = 32) {
  return static_cast<std::uint32_t>(payload >> gen_bits);
}
// Whether `payload` was made for the slot's `current` generation (false: stale, the slot was
// freed or its continuation superseded since). Only the low gen_bits bits are compared, so a
// stale payload is missed only after exactly 2^gen_bits bumps of one slot.
constexpr bool current_gen(std::uint64_t payload, std::uint32_t current, unsigned gen_bits = 32) {
  const std::uint64_t mask = (std::uint64_t{1} << gen_bits) - 1;
  return (payload & mask) == (current & mask);
}

// Records of pending work kept in slots and named by slot_payload(slot, generation).
// alloc() reuses the most recently freed slot (LIFO) and does not reset it: the owner sets
// every field it reads. free() bumps the slot's generation, so find() of a payload made
// before is kNoSlot (a late reply, a stale timer). Memory grows to the peak number of live
// records, then slots are reused: no allocation per request in steady state.
inline constexpr std::uint32_t kNoSlot = ~std::uint32_t{0};

template <class T>
class SlotTable {
 public:
  std::uint32_t alloc() {
    std::uint32_t j;
    if (free_head_ != kNoSlot) {
      j = free_head_;
      free_head_ = slots_[j].next;
    } else {
      j = static_cast<std::uint32_t>(slots_.size());
      slots_.emplace_back();
    }
    slots_[j].next = kLive;
    return j;
  }
  void free(std::uint32_t j) {
    assert(live(j));
    ++slots_[j].gen;
    slots_[j].next = free_head_;
    free_head_ = j;
  }
  // Makes every payload of the live slot j made so far stale, the record kept: its
  // continuation was superseded (the rest of a k-of-n fan-out is no longer waited for).
  void supersede(std::uint32_t j) { ++slots_[j].gen; }
  // Room for n records before the table grows.
  void reserve(std::size_t n) { slots_.reserve(n); }
  T& operator[](std::uint32_t j) { return slots_[j].item; }
  const T& operator[](std::uint32_t j) const { return slots_[j].item; }
  // Slots made so far, live or free: [0, size()) is what a scan over records visits.
  std::uint32_t size() const { return static_cast<std::uint32_t>(slots_.size()); }
  bool live(std::uint32_t j) const { return slots_[j].next == kLive; }
  // The payload naming slot j's current record.
  std::uint64_t payload(std::uint32_t j) const { return slot_payload(j, slots_[j].gen); }
  // The live slot `payload` names, or kNoSlot when it is stale or was never made.
  std::uint32_t find(std::uint64_t payload) const {
    const std::uint32_t j = slot_of(payload);
    return j < slots_.size() && live(j) && current_gen(payload, slots_[j].gen) ? j : kNoSlot;
  }

 private:
  // `next` of a slot in use; any other value is the next free slot (kNoSlot: none).
  static constexpr std::uint32_t kLive = kNoSlot - 1;
  // One record with its generation and its place in the free list side by side: a lookup
  // touches one line. The free list is threaded through the slots (a stack, the most recently
  // freed first): a free is two stores, where a vector of free indices paid an out-of-line
  // push_back per request.
  struct Slot {
    T item{};
    std::uint32_t gen = 0;
    std::uint32_t next = kNoSlot;  // a new slot is free until alloc() takes it
  };
  std::vector<Slot, HugePageAllocator<Slot>> slots_;
  std::uint32_t free_head_ = kNoSlot;
};

// ------------------------------------------------------------------ ranges
// A block of call tokens: every token whose bits above payload_bits equal the block's prefix.
class TokenRange {
 public:
  constexpr TokenRange() = default;
  constexpr TokenRange(std::uint64_t base, unsigned payload_bits) : base_(base), bits_(payload_bits) {}
  // The token carrying `payload` (< 2^payload_bits).
  std::uint64_t make(std::uint64_t payload) const {
    assert(payload <= mask());
    return base_ | payload;
  }
  constexpr bool owns(std::uint64_t token) const { return (token & ~mask()) == base_; }
  constexpr std::uint64_t payload(std::uint64_t token) const { return token & mask(); }
  constexpr unsigned payload_bits() const { return bits_; }
  constexpr std::uint64_t base() const { return base_; }

 private:
  constexpr std::uint64_t mask() const { return (std::uint64_t{1} << bits_) - 1; }
  std::uint64_t base_ = 0;
  unsigned bits_ = 0;
};

// A block of timer tags [first, first + count).
class TagRange {
 public:
  constexpr TagRange() = default;
  constexpr TagRange(std::uint16_t first, std::uint16_t count) : first_(first), count_(count) {}
  // The i-th tag of the block (i < count).
  std::uint16_t make(std::uint16_t i) const {
    assert(i < count_);
    return static_cast<std::uint16_t>(first_ + i);
  }
  constexpr bool owns(std::uint16_t tag) const { return static_cast<std::uint16_t>(tag - first_) < count_; }
  constexpr std::uint16_t index(std::uint16_t tag) const { return static_cast<std::uint16_t>(tag - first_); }
  constexpr std::uint16_t first() const { return first_; }
  constexpr std::uint16_t count() const { return count_; }

 private:
  std::uint16_t first_ = 0, count_ = 0;
};

// What one sub-owner was handed: its number (k) and its token and tag ranges.
struct SubOwner {
  std::uint32_t index = 0;
  TokenRange tokens;
  TagRange tags;
};

// One component's continuation space: its own ranges and the sub-owners handed out so far.
// BuildContext holds one per component; sub_owner() is called only while building.
class ContinuationSpace {
 public:
  static constexpr TokenRange kOwnTokens{0, 63};
  static constexpr unsigned kSubPayloadBits = 48;
  static constexpr std::uint16_t kSubTagBase = 0x100;
  static constexpr std::uint32_t kMaxSubOwners = 0x7fff;
  static constexpr TagRange kOwnTags{0, kSubTagBase};
  static constexpr TagRange kMoreOwnTags{kSubTagBase + kMaxSubOwners, 0x10000 - (kSubTagBase + kMaxSubOwners)};

  // A block of `count` own timer tags no other part of the component holds: from kOwnTags
  // while it has room, then from kMoreOwnTags. A block never straddles the two, so a part
  // routes its timers with TagRange::owns / index. Throws std::length_error when neither has
  // room (BuildContext turns it into a scenario error at the place that asked).
  TagRange own_tags(std::uint16_t count) {
    if (count <= kOwnTags.count() - own_used_) {
      const TagRange r(static_cast<std::uint16_t>(kOwnTags.first() + own_used_), count);
      own_used_ = static_cast<std::uint16_t>(own_used_ + count);
      return r;
    }
    if (count <= kMoreOwnTags.count() - more_used_) {
      const TagRange r(static_cast<std::uint16_t>(kMoreOwnTags.first() + more_used_), count);
      more_used_ = static_cast<std::uint16_t>(more_used_ + count);
      return r;
    }
    throw std::length_error("too many timer tags in one component");
  }

  // The next sub-owner's ranges. Throws std::length_error past kMaxSubOwners (BuildContext
  // turns it into a scenario error at the place that asked).
  SubOwner sub_owner() {
    if (next_ >= kMaxSubOwners) throw std::length_error("too many sub-owners of tokens and timer tags in one component");
    const std::uint32_t k = next_++;
    return SubOwner{k, TokenRange((std::uint64_t{0x8000} | k) << kSubPayloadBits, kSubPayloadBits),
                    TagRange(static_cast<std::uint16_t>(kSubTagBase + k), 1)};
  }
  std::uint32_t sub_owners() const { return next_; }

  // Routing in the owner: whether a token or tag belongs to some sub-owner, and to which.
  static constexpr bool is_sub_token(std::uint64_t token) { return (token >> 63) != 0; }
  static constexpr std::uint32_t sub_of_token(std::uint64_t token) {
    return static_cast<std::uint32_t>((token >> kSubPayloadBits) & 0x7fff);
  }
  static constexpr bool is_sub_tag(std::uint16_t tag) { return tag >= kSubTagBase && tag < kMoreOwnTags.first(); }
  static constexpr std::uint32_t sub_of_tag(std::uint16_t tag) { return static_cast<std::uint32_t>(tag - kSubTagBase); }

 private:
  std::uint32_t next_ = 0;
  std::uint16_t own_used_ = 0, more_used_ = 0;  // own tags handed out so far, per region
};

}  // namespace archsim
