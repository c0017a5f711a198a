// The pending call timeouts of a simulation: (deadline, insertion sequence) -> call handle,
// with removal when a call is answered in time. Two stores, one order:
//  - a FIFO for every timeout whose deadline is no earlier than the last one it holds (a
//    caller with one fixed timeout arms its calls in deadline order: the common case). An
//    answered call leaves a tombstone (O(1), no sift); tombstones at the front are skipped,
//    and the FIFO is compacted when more than half of it is dead, so its memory stays
//    within twice the calls in flight.
//  - an indexed 4-ary min-heap for the rest: a balancer forwards each call with what is
//    left of the request's deadline, so deadlines come in any order.
// top() and pop() take the smaller of the FIFO's front and the heap's top by (deadline,
// sequence): the order is exactly that of one heap holding every entry.
//
// Why not one FIFO per (caller, duration): with a balancer nearly every call has a duration
// of its own and per-duration lists multiply without bound. Here the cost does not depend
// on how many durations exist, and the memory follows the calls in flight.
//
// Cost: push O(1) into the FIFO, O(log4 n) into the heap; erase O(1) amortised from the
// FIFO, O(log4 n) from the heap; top O(1). Handles are Pool handles; positions are kept per
// pool slot (the handle's low 32 bits), so a slot must not be waiting twice (a call is armed
// once and erased or popped before its slot is reused). No allocation once the stores and
// the slot table reach their peak.
// Ties: equal deadlines leave in insertion order, the scheduler's own (time, insertion) rule.
#pragma once
#include <cassert>
#include <cstdint>
#include <vector>

#include "sim/pool.h"
#include "sim/time.h"

namespace archsim {

class TimeoutHeap {
 public:
  struct Entry {
    Time deadline = 0;
    std::uint64_t seq = 0;
    Handle call = 0;
  };

  bool empty() const { return heap_.empty() && head_ == fifo_.size(); }
  std::size_t size() const { return heap_.size() + fifo_live_; }
  // Entries held, dead ones included: what the memory follows (at most 2 x size() + 64).
  std::size_t stored() const { return heap_.size() + fifo_.size(); }
  const Entry& top() const { return fifo_first() ? fifo_[head_] : heap_.front(); }

  void push(Time deadline, Handle call) {
    const std::uint32_t slot = static_cast<std::uint32_t>(call);
    if (slot >= pos_.size()) pos_.resize(slot + 1, 0);
    assert(pos_[slot] == 0 && "a call slot armed twice");
    if (head_ == fifo_.size() || deadline >= fifo_.back().deadline) {
      pos_[slot] = kInFifo | static_cast<std::uint32_t>(fifo_.size());
      fifo_.push_back(Entry{deadline, seq_++, call});
      ++fifo_live_;
      return;
    }
    heap_.push_back(Entry{deadline, seq_++, call});
    sift_up(heap_.size() - 1);
  }

  // Removes `call` if it is waiting; a call not waiting is ignored.
  void erase(Handle call) {
    const std::uint32_t slot = static_cast<std::uint32_t>(call);
    if (slot >= pos_.size() || pos_[slot] == 0) return;
    const std::uint32_t p = pos_[slot];
    if (p & kInFifo) {
      Entry& e = fifo_[p & ~kInFifo];
      if (e.call != call) return;
      e.call = kNoHandle;  // a tombstone
      pos_[slot] = 0;
      --fifo_live_;
      skip_dead();
      compact_if_sparse();
      return;
    }
    if (heap_[p - 1].call != call) return;
    remove_at(p - 1);
  }

  Entry pop() {
    if (fifo_first()) {
      Entry e = fifo_[head_];
      pos_[static_cast<std::uint32_t>(e.call)] = 0;
      ++head_;
      --fifo_live_;
      skip_dead();
      compact_if_sparse();
      return e;
    }
    Entry e = heap_.front();
    remove_at(0);
    return e;
  }

 private:
  static constexpr std::uint32_t kInFifo = 0x80000000u;  // pos_: FIFO index | kInFifo, else heap index + 1

  // Whether the FIFO's front is the earliest entry (requires !empty()).
  bool fifo_first() const {
    return head_ != fifo_.size() && (heap_.empty() || less(fifo_[head_], heap_.front()));
  }
  // Keeps the FIFO's front live (or the FIFO empty, its storage reused from the start).
  void skip_dead() {
    while (head_ != fifo_.size() && fifo_[head_].call == kNoHandle) ++head_;
    if (head_ == fifo_.size()) {
      fifo_.clear();
      head_ = 0;
    }
  }
  // More than half of the FIFO's storage dead (tombstones, or the consumed front): compact.
  // Each dead entry was one push, so this costs O(1) per push, amortised.
  void compact_if_sparse() {
    if (fifo_.size() > 64 && fifo_.size() > 2 * fifo_live_) compact();
  }
  // Drops the tombstones and the consumed front; live entries keep their order.
  void compact() {
    std::size_t to = 0;
    for (std::size_t i = head_; i < fifo_.size(); ++i) {
      if (fifo_[i].call == kNoHandle) continue;
      pos_[static_cast<std::uint32_t>(fifo_[i].call)] = kInFifo | static_cast<std::uint32_t>(to);
      fifo_[to++] = fifo_[i];
    }
    fifo_.resize(to);
    head_ = 0;
  }

  static bool less(const Entry& a, const Entry& b) {
    return a.deadline != b.deadline ? a.deadline < b.deadline : a.seq < b.seq;
  }
  void place(std::size_t i, const Entry& e) {
    heap_[i] = e;
    pos_[static_cast<std::uint32_t>(e.call)] = static_cast<std::uint32_t>(i + 1);
  }
  void remove_at(std::size_t i) {
    pos_[static_cast<std::uint32_t>(heap_[i].call)] = 0;
    Entry last = heap_.back();
    heap_.pop_back();
    if (i == heap_.size()) return;
    place(i, last);
    if (i > 0 && less(heap_[i], heap_[(i - 1) / 4])) sift_up(i);
    else sift_down(i);
  }
  void sift_up(std::size_t i) {
    Entry e = heap_[i];
    while (i > 0) {
      std::size_t parent = (i - 1) / 4;
      if (!less(e, heap_[parent])) break;
      place(i, heap_[parent]);
      i = parent;
    }
    place(i, e);
  }
  void sift_down(std::size_t i) {
    Entry e = heap_[i];
    const std::size_t n = heap_.size();
    for (;;) {
      std::size_t first = 4 * i + 1;
      if (first >= n) break;
      std::size_t best = first;
      for (std::size_t c = first + 1; c < first + 4 && c < n; ++c)
        if (less(heap_[c], heap_[best])) best = c;
      if (!less(heap_[best], e)) break;
      place(i, heap_[best]);
      i = best;
    }
    place(i, e);
  }

  std::vector<Entry> fifo_;  // deadlines non-decreasing; [head_, end) pending or tombstones
  std::size_t head_ = 0;
  std::size_t fifo_live_ = 0;
  std::vector<Entry> heap_;
  std::vector<std::uint32_t> pos_;  // per pool slot: where it waits (kInFifo | index, or heap index + 1), 0 when not
  std::uint64_t seq_ = 0;
};

}  // namespace archsim
