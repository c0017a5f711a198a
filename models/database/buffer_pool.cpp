#include "models/database/buffer_pool.h"

namespace archsim::database {

BufferPool::BufferPool(std::uint32_t capacity, Time old_time, std::uint32_t old_pct)
    : capacity_(capacity < 1 ? 1 : capacity), old_pct_(old_pct), old_time_(old_time) {}

void BufferPool::grow(std::uint32_t page) {
  if (page >= e_.size()) e_.resize(static_cast<std::size_t>(page) + 1);
}

void BufferPool::unlink(std::uint32_t p) {
  Entry& e = e_[p];
  List& l = list(e.where);
  if (e.prev != kNil) e_[e.prev].next = e.next;
  else l.head = e.next;
  if (e.next != kNil) e_[e.next].prev = e.prev;
  else l.tail = e.prev;
  e.prev = e.next = kNil;
  --l.n;
  e.where = kOut;
}

void BufferPool::push_head(Where w, std::uint32_t p) {
  List& l = list(w);
  Entry& e = e_[p];
  e.where = w;
  e.prev = kNil;
  e.next = l.head;
  if (l.head != kNil) e_[l.head].prev = p;
  else l.tail = p;
  l.head = p;
  ++l.n;
}

void BufferPool::push_tail(Where w, std::uint32_t p) {
  List& l = list(w);
  Entry& e = e_[p];
  e.where = w;
  e.next = kNil;
  e.prev = l.tail;
  if (l.tail != kNil) e_[l.tail].next = p;
  else l.head = p;
  l.tail = p;
  ++l.n;
}

// A full pool frees the least recently used page: the old sublist's tail (the young one's
// when the old sublist is empty, as it is while every page is young).
void BufferPool::make_room() {
  if (size() < capacity_) return;
  const std::uint32_t victim = old_.n > 0 ? old_.tail : young_.tail;
  unlink(victim);
}

// The midpoint moves so that the old sublist holds old_pct of the pages (buf_LRU_old_adjust_len).
void BufferPool::rebalance() {
  const std::uint32_t target = static_cast<std::uint32_t>(static_cast<std::uint64_t>(size()) * old_pct_ / 100);
  while (old_.n < target && young_.n > 0) {
    const std::uint32_t p = young_.tail;
    unlink(p);
    push_head(kOld, p);
  }
  while (old_.n > target + 1 && old_.n > 0) {
    const std::uint32_t p = old_.head;
    unlink(p);
    push_tail(kYoung, p);
  }
}

bool BufferPool::access(std::uint32_t page, Time now) {
  grow(page);
  Entry& e = e_[page];
  if (e.where == kYoung) {
    unlink(page);
    push_head(kYoung, page);
    return true;
  }
  if (e.where == kOld) {
    if (now - e.first >= old_time_) {  // buf_page_peek_if_too_old: made young
      unlink(page);
      push_head(kYoung, page);
      rebalance();
    }
    return true;
  }
  make_room();
  e_[page].first = now;
  push_head(kOld, page);
  rebalance();
  return false;
}

void BufferPool::create(std::uint32_t page, Time now) {
  grow(page);
  if (e_[page].where != kOut) unlink(page);
  make_room();
  e_[page].first = now;
  push_head(kYoung, page);
  rebalance();
}

}  // namespace archsim::database
