// The pending call timeouts of a simulation: an indexed 4-ary min-heap of (deadline,
// insertion sequence) -> call handle, with removal when a call is answered in time.
//
// Why a heap and not one FIFO per (caller, duration): a balancer forwards each call with
// what is left of the request's deadline, so nearly every call has a duration of its own;
// per-duration lists then multiply without bound. Here the cost does not depend on how many
// durations exist, and the memory follows the calls in flight: an answered call leaves the
// heap at once instead of waiting for its deadline to pass.
//
// Cost: push and erase O(log4 n), n = calls in flight with a timeout; top O(1). Handles are
// Pool handles; positions are kept per pool slot (the handle's low 32 bits), so a slot must
// not be in the heap twice (a call is armed once and erased or popped before its slot is
// reused). No allocation once the heap and the slot table reach their peak.
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

  bool empty() const { return heap_.empty(); }
  std::size_t size() const { return heap_.size(); }
  const Entry& top() const { return heap_.front(); }

  void push(Time deadline, Handle call) {
    const std::uint32_t slot = static_cast<std::uint32_t>(call);
    if (slot >= pos_.size()) pos_.resize(slot + 1, 0);
    assert(pos_[slot] == 0 && "a call slot armed twice");
    heap_.push_back(Entry{deadline, seq_++, call});
    sift_up(heap_.size() - 1);
  }

  // Removes `call` if it is waiting; a call not in the heap is ignored.
  void erase(Handle call) {
    const std::uint32_t slot = static_cast<std::uint32_t>(call);
    if (slot >= pos_.size() || pos_[slot] == 0 || heap_[pos_[slot] - 1].call != call) return;
    remove_at(pos_[slot] - 1);
  }

  Entry pop() {
    Entry e = heap_.front();
    remove_at(0);
    return e;
  }

 private:
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

  std::vector<Entry> heap_;
  std::vector<std::uint32_t> pos_;  // per pool slot: heap index + 1, 0 when not waiting
  std::uint64_t seq_ = 0;
};

}  // namespace archsim
