// The continuation helper (sim/continuation.h): slot + generation payloads, token and timer
// tag ranges handed out per sub-owner and blocks of own tags per part, and their fixed numbering (timer tags are hashed by
// the golden fingerprints, so sub-owner k must keep tag 0x100 + k).
#include <doctest/doctest.h>

#include <cstdint>
#include <stdexcept>

#include "sim/continuation.h"

using namespace archsim;

TEST_CASE("slot payload: slot and generation round trip, a stale generation is detected") {
  const std::uint64_t p = slot_payload(123456, 0xdeadbeef);
  CHECK(slot_of(p) == 123456u);
  CHECK(current_gen(p, 0xdeadbeef));
  CHECK_FALSE(current_gen(p, 0xdeadbef0));  // the slot was freed (or its timer superseded) since
  // A narrow generation (24 bits, as a CallPolicy's 48-bit payload holds): round trip, and
  // only the low bits are compared.
  const std::uint64_t q = slot_payload(0xabcdef, 0x12345678, 24);
  CHECK(q < (std::uint64_t{1} << 48));
  CHECK(slot_of(q, 24) == 0xabcdefu);
  CHECK(current_gen(q, 0x12345678, 24));
  CHECK(current_gen(q, 0x99345678, 24));
  CHECK_FALSE(current_gen(q, 0x12345679, 24));
}

TEST_CASE("token range: make, owns and payload round trip; the owner's range excludes every sub-owner's") {
  ContinuationSpace space;
  const SubOwner a = space.sub_owner(), b = space.sub_owner();
  CHECK(a.index == 0);
  CHECK(b.index == 1);
  const std::uint64_t payload = slot_payload(7, 9, 24);
  const std::uint64_t ta = a.tokens.make(payload), tb = b.tokens.make(payload);
  CHECK(ta != tb);
  CHECK(a.tokens.owns(ta));
  CHECK_FALSE(a.tokens.owns(tb));
  CHECK(b.tokens.owns(tb));
  CHECK(a.tokens.payload(ta) == payload);
  CHECK(b.tokens.payload(tb) == payload);
  CHECK(ContinuationSpace::is_sub_token(ta));
  CHECK(ContinuationSpace::sub_of_token(tb) == 1u);
  CHECK_FALSE(ContinuationSpace::kOwnTokens.owns(ta));
  // The owner's own tokens (slot << 32 | generation, slots below 2^31) are never a sub-owner's.
  const std::uint64_t own = ContinuationSpace::kOwnTokens.make(slot_payload(0x7fffffff, 0xffffffff));
  CHECK(ContinuationSpace::kOwnTokens.owns(own));
  CHECK_FALSE(ContinuationSpace::is_sub_token(own));
  CHECK_FALSE(a.tokens.owns(own));
  // The largest payload stays inside the range.
  const std::uint64_t top = a.tokens.make((std::uint64_t{1} << 48) - 1);
  CHECK(a.tokens.owns(top));
  CHECK_FALSE(b.tokens.owns(top));
}

TEST_CASE("tag range: sub-owner k has tag 0x100 + k, disjoint from the owner's tags and each other") {
  ContinuationSpace space;
  const SubOwner a = space.sub_owner(), b = space.sub_owner(), c = space.sub_owner();
  CHECK(a.tags.make(0) == 0x100);
  CHECK(b.tags.make(0) == 0x101);
  CHECK(c.tags.make(0) == 0x102);
  CHECK(b.tags.owns(0x101));
  CHECK_FALSE(b.tags.owns(0x100));
  CHECK_FALSE(b.tags.owns(0x102));
  CHECK(ContinuationSpace::sub_of_tag(c.tags.make(0)) == 2u);
  CHECK(ContinuationSpace::kOwnTags.owns(0xff));
  CHECK_FALSE(ContinuationSpace::kOwnTags.owns(0x100));
  CHECK_FALSE(ContinuationSpace::is_sub_tag(0xff));
  CHECK(ContinuationSpace::is_sub_tag(0x100));
  const TagRange block(0x200, 4);
  CHECK(block.owns(0x203));
  CHECK_FALSE(block.owns(0x204));
  CHECK_FALSE(block.owns(0x1ff));
  CHECK(block.index(0x202) == 2);
}

TEST_CASE("sub-owners past the limit are refused at build time, and the last one still fits") {
  ContinuationSpace space;
  SubOwner last;
  for (std::uint32_t k = 0; k < ContinuationSpace::kMaxSubOwners; ++k) last = space.sub_owner();
  CHECK(last.index == ContinuationSpace::kMaxSubOwners - 1);
  CHECK(last.tags.make(0) == 0x100 + ContinuationSpace::kMaxSubOwners - 1);  // still a u16
  CHECK(ContinuationSpace::sub_of_token(last.tokens.make(1)) == last.index);
  CHECK(ContinuationSpace::is_sub_token(last.tokens.make(1)));
  CHECK_THROWS_AS(space.sub_owner(), std::length_error);
  CHECK(space.sub_owners() == ContinuationSpace::kMaxSubOwners);
}

TEST_CASE("own tags: blocks in the order asked, never overlapping, low region first, then the high one") {
  ContinuationSpace space;
  const TagRange pool = space.own_tags(32), db = space.own_tags(9);
  CHECK(pool.first() == 0);
  CHECK(db.first() == 32);  // the database's first timer keeps tag 32 behind its pool
  CHECK_FALSE(pool.owns(32));
  CHECK(db.owns(40));
  CHECK_FALSE(db.owns(41));
  // Sub-owners are another space: asking for one moves no own block.
  const SubOwner sub = space.sub_owner();
  const TagRange rest = space.own_tags(0x100 - 41);
  CHECK(rest.first() == 41);
  CHECK(rest.owns(0xff));
  CHECK_FALSE(rest.owns(sub.tags.make(0)));
  // The low region is full: the next block comes from the high one, past every sub-owner tag.
  const TagRange more = space.own_tags(7);
  CHECK(more.first() == 0x80ff);
  CHECK(more.first() == ContinuationSpace::kMoreOwnTags.first());
  CHECK_FALSE(ContinuationSpace::is_sub_tag(more.make(0)));
  CHECK(ContinuationSpace::is_sub_tag(0x80fe));  // sub-owner kMaxSubOwners - 1
  CHECK_FALSE(ContinuationSpace::is_sub_tag(0xffff));
  // A block never straddles the regions; past both, refused.
  const TagRange last = space.own_tags(static_cast<std::uint16_t>(ContinuationSpace::kMoreOwnTags.count() - 7));
  CHECK(last.make(static_cast<std::uint16_t>(last.count() - 1)) == 0xffff);
  CHECK_THROWS_AS(space.own_tags(1), std::length_error);
}

TEST_CASE("SlotTable: a freed slot's old payload is stale, slots are reused last-freed first") {
  SlotTable<int> t;
  const std::uint32_t a = t.alloc(), b = t.alloc();
  t[a] = 7;
  const std::uint64_t pa = t.payload(a), pb = t.payload(b);
  CHECK(t.find(pa) == a);
  CHECK(t.find(pb) == b);
  t.free(a);
  CHECK(t.find(pa) == kNoSlot);            // a late reply to the freed record finds nothing
  const std::uint32_t c = t.alloc();
  CHECK(c == a);                           // reused
  CHECK(t.find(pa) == kNoSlot);            // still stale: the generation moved on
  CHECK(t.find(t.payload(c)) == c);
  CHECK(t.find(slot_payload(99, 0)) == kNoSlot);  // never made
  t.free(b);
  t.free(c);
  CHECK(t.alloc() == c);                   // last freed first
  CHECK(t.alloc() == b);
}

TEST_CASE("SlotTable: supersede makes a live record's earlier payloads stale and keeps the record") {
  SlotTable<int> t;
  const std::uint32_t a = t.alloc();
  t[a] = 5;
  const std::uint64_t first = t.payload(a);
  t.supersede(a);  // the rest of a fan-out is no longer waited for
  CHECK(t.find(first) == kNoSlot);
  CHECK(t.live(a));
  CHECK(t[a] == 5);
  CHECK(t.find(t.payload(a)) == a);  // what the record sends next is current
  CHECK(t.size() == 1);
  t.free(a);
  CHECK_FALSE(t.live(a));
  CHECK(t.size() == 1);  // a scan still visits the freed slot; live() says to skip it
}
