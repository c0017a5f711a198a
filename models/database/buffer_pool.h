// A database node's buffer pool, after InnoDB's (storage/innobase/buf/buf0lru.cc; the
// reference manual's "Buffer Pool" and "Making the Buffer Pool Scan Resistant"): pages of
// 16 KiB held under an LRU list split at a midpoint into a young (new) sublist and an old one
// that holds innodb_old_blocks_pct = 37 % of the pages.
//  - A page read from disk enters at the head of the old sublist (the midpoint), not at the
//    head of the list: a page read once (a scan, a read-ahead) ages out of the old sublist
//    without pushing the young pages out.
//  - A page in the old sublist accessed again at least innodb_old_blocks_time (1 s) after its
//    first access moves to the head of the young sublist; an access within that time leaves
//    it where it is (a scan touches a page several times in a row).
//  - A page accessed in the young sublist moves to its head.
//  - A page created in memory (a split's new page) is not read: it enters at the young head.
//  - The young sublist's tail slides into the old sublist as the old one shrinks below its
//    share, and the victim of a read into a full pool is the old sublist's tail.
// Simplifications: every page is a data page of one index (no undo, no adaptive hash, no
// change buffer); a young page is moved on every access (InnoDB spares the first quarter of
// the young sublist); no read-ahead; dirty pages are evicted like clean ones (their flush is
// the insert's page write).
//
// Pages are dense ids (models/database/btree.h); the arrays grow with the highest id seen.
// Cost: O(1) per access (intrusive lists), plus the amortised growth of the arrays.
#pragma once
#include <cstdint>
#include <vector>

#include "sim/time.h"

namespace archsim::database {

inline constexpr std::uint64_t kPageBytes = 16384;  // innodb_page_size's default

class BufferPool {
 public:
  // A pool of `capacity` pages (>= 1), `old_pct` of them old, the promotion delay `old_time`.
  BufferPool(std::uint32_t capacity, Time old_time, std::uint32_t old_pct = 37);

  // Page `page` is accessed at `now`: true when it was in the pool (a hit); otherwise it is
  // read in (a miss), at the old sublist's head, evicting the old tail if the pool is full.
  bool access(std::uint32_t page, Time now);
  // Page `page` was created in memory at `now` (no read): at the young sublist's head.
  void create(std::uint32_t page, Time now);

  bool resident(std::uint32_t page) const { return page < e_.size() && e_[page].where != kOut; }
  std::uint32_t size() const { return young_.n + old_.n; }
  std::uint32_t capacity() const { return capacity_; }
  std::uint32_t old_size() const { return old_.n; }
  void reserve(std::size_t pages) { e_.reserve(pages); }

 private:
  static constexpr std::uint32_t kNil = 0xffffffffu;
  enum Where : std::uint8_t { kOut, kOld, kYoung };
  struct Entry {
    std::uint32_t prev = kNil, next = kNil;  // toward the head, toward the tail
    Time first = 0;                          // its first access since it was read in
    Where where = kOut;
  };
  struct List {
    std::uint32_t head = kNil, tail = kNil, n = 0;
  };
  List& list(Where w) { return w == kOld ? old_ : young_; }
  void grow(std::uint32_t page);
  void unlink(std::uint32_t p);
  void push_head(Where w, std::uint32_t p);
  void push_tail(Where w, std::uint32_t p);
  void make_room();
  void rebalance();

  std::uint32_t capacity_, old_pct_;
  Time old_time_;
  std::vector<Entry> e_;
  List young_, old_;
};

}  // namespace archsim::database
