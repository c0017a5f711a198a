// The pending call timeouts of a simulation: (deadline, insertion sequence) -> call handle.
// Three kinds of store, one order:
//  - lanes: a FIFO per timeout duration in use (16 at most, found by the duration's hash).
//    Calls armed with one duration get deadlines in the order they are armed, so a lane
//    only appends. A scenario has a few fixed timeouts (a client's, each service's per
//    dependency); a duration gets a lane when its slot is free and it is armed twice in a
//    row there, so the one-off durations below never take one;
//  - a FIFO for any other deadline no earlier than the last one it holds;
//  - a 4-ary min-heap for the rest: a balancer forwards each call with what is left of the
//    request's deadline, so those durations are all different and a little out of order.
//    Its entries are appended unsorted and enter the heap when front() next looks, those
//    answered meanwhile (most of them: front() runs when a timeout is due or a new earliest
//    deadline is armed, not per call) dropped without a sift.
// front() and pop_front() take the smallest of the stores' fronts by (deadline, sequence):
// the order is exactly that of one heap holding every entry, whichever store holds what.
//
// Cancellation is lazy, by the call's handle: an entry waits until its deadline pops it or
// until its handle is freed in the calls' pool (the call was answered in time; a freed slot
// gets a new generation, so the old handle is no longer valid). An answer costs the
// answering path a counter (answered()), where finding and removing the entry cost a
// position lookup and, for the heap, a sift (both missing the CPU's caches at a peak). A
// dead entry is dropped when it reaches its store's front, or by a compaction once the dead
// outnumber the waiting by Slack (4,096 entries, 96 KB): the memory follows the calls
// waiting (at most twice them plus Slack), not the calls made within the last timeout.
// Why so many: a compaction tests every entry held, the waiting ones too, so it costs
// (2 x waiting + Slack) tests for every (waiting + Slack) pushes; with a slack of 256 and
// a few hundred calls waiting (a spike day's peak) that was 1.6 tests a push, and
// compactions took over 40% of the time of the pushes that leave the inline path (a
// profile of that day). At 4,096 it is about 1.1.
//
// Why not an unbounded list per duration: with a balancer nearly every call has a duration
// of its own. Here the cost does not depend on how many durations exist.
//
// Cost: push O(1); an answer O(1); front() O(lanes) plus the dead entries it drops, each
// dropped once (O(1) from a lane, the FIFO or the heap's unsorted appends, O(log4 n) from
// the heap itself), plus O(log4 n) for each append still waiting as it enters the heap; a
// compaction O(n), amortised O(1) per push (it runs when more than half of what is held is
// dead, and removes them all). No allocation once the stores reach their peak.
// Ties: equal deadlines leave in insertion order, the scheduler's own (time, insertion) rule.
#pragma once
#include <array>
#include <cassert>
#include <cstdint>
#include <vector>

#include "sim/pool.h"
#include "sim/time.h"

namespace archsim {

// Calls: the calls' pool (sim/pool.h's Pool<T>, or anything with valid(Handle)). It must
// outlive the store. Slack: see above; a test may lower it to compact often.
template <class Calls, std::size_t Slack = 4096>
class TimeoutStore {
 public:
  static constexpr std::size_t kSlack = Slack;

  struct Entry {
    Time deadline = 0;
    std::uint64_t seq = 0;
    Handle call = 0;
  };

  explicit TimeoutStore(const Calls& calls) : calls_(calls) {}

  // Entries held, dead ones and consumed fronts included: what the memory follows (at most
  // 2 x waiting() + kSlack after each push).
  std::size_t stored() const { return stored_; }
  // Calls armed and neither popped nor answered.
  std::size_t waiting() const { return waiting_; }

  // Arms `call`'s timeout, `deadline` being `duration` after the present (so that calls of
  // one duration come in deadline order). A call is armed at most once while its handle is
  // valid. The common case, an append to the duration's lane with room in it, is inline.
  [[gnu::always_inline]] void push(Time deadline, Time duration, Handle call) {
    Fifo& lane = fifos_[lane_of(duration)];
    if (!compaction_due() && lane.takes(duration, deadline) && lane.q.size() < lane.q.capacity()) [[likely]] {
      ++waiting_;
      ++stored_;
      lane.q.push_back(Entry{deadline, seq_++, call});
      return;
    }
    push_elsewhere(deadline, duration, call);
  }

  // The earliest entry whose call is still waiting, or nullptr when none is; drops the dead
  // entries ahead of it in each store. Valid until the next push or pop_front.
  const Entry* front() {
    const Entry* best = nullptr;
    for (std::size_t i = 0; i < fifos_.size(); ++i) {
      Fifo& f = fifos_[i];
      while (!f.empty() && !calls_.valid(f.q[f.head].call)) consume(f);
      if (!f.empty() && (!best || less(f.q[f.head], *best))) {
        best = &f.q[f.head];
        front_of_ = i;
      }
    }
    if (heaped_ < heap_.size()) heap_appended();
    while (!heap_.empty() && !calls_.valid(heap_.front().call)) pop_heap_top();
    if (!heap_.empty() && (!best || less(heap_.front(), *best))) {
      best = &heap_.front();
      front_of_ = kHeap;
    }
    return best;
  }

  // An armed call was answered before its deadline; its handle is freed in the pool, now or
  // later in the same event (until then the entry still counts as waiting for front()).
  void answered() {
    assert(waiting_ > 0 && "an answer for a call that was not waiting");
    --waiting_;
  }

  // Removes the entry front() returned; requires a non-null front() just before, with nothing
  // in between.
  void pop_front() {
    --waiting_;
    if (front_of_ == kHeap) pop_heap_top();
    else consume(fifos_[front_of_]);
  }

 private:
  static constexpr std::size_t kLanes = 16;
  static constexpr std::size_t kAnyOrder = kLanes;  // fifos_[kAnyOrder]: the FIFO of any duration
  static constexpr std::size_t kHeap = kLanes + 1;

  struct Fifo {
    std::vector<Entry> q;  // deadlines non-decreasing; [head, end) waiting or dead
    std::size_t head = 0;
    Time duration = -1;   // a lane's duration (-1: none yet; unused by the FIFO of any duration)
    Time candidate = -1;  // the last duration that found the lane free
    bool empty() const { return head == q.size(); }
    // A lane of `duration` whose last deadline is no later than `deadline`.
    bool takes(Time d, Time deadline) const { return duration == d && (empty() || deadline >= q.back().deadline); }
  };
  // The dead outnumber the waiting by kSlack: the next push compacts first.
  bool compaction_due() const { return stored_ - waiting_ >= waiting_ + kSlack; }

  // What push() does not do inline: a compaction, a lane's growth or claim, the FIFO of any
  // duration, the heap.
  [[gnu::noinline]] void push_elsewhere(Time deadline, Time duration, Handle call) {
    if (compaction_due()) [[unlikely]]
      compact();
    ++waiting_;
    ++stored_;
    const Entry e{deadline, seq_++, call};
    Fifo& lane = fifos_[lane_of(duration)];
    if (lane.takes(duration, deadline)) {
      lane.q.push_back(e);
      return;
    }
    if (lane.empty() && lane.duration != duration) {  // a free lane: claimed on a second try
      if (lane.candidate == duration) {
        lane.duration = duration;
        lane.q.push_back(e);
        return;
      }
      lane.candidate = duration;
    }
    Fifo& any = fifos_[kAnyOrder];
    if (any.empty() || deadline >= any.q.back().deadline) {
      any.q.push_back(e);
      return;
    }
    heap_.push_back(e);  // sorted in by the next front(), if its call still waits then
  }

  static std::size_t lane_of(Time duration) {
    return static_cast<std::size_t>((static_cast<std::uint64_t>(duration) * 0x9e3779b97f4a7c15ULL) >> 60);
  }
  void consume(Fifo& f) {
    if (++f.head == f.q.size()) {  // empty: its storage is reused from the start
      stored_ -= f.q.size();
      f.q.clear();
      f.head = 0;
    }
  }

  // The entries appended since the last front() join the heap; those already answered leave.
  void heap_appended() {
    std::size_t to = heaped_;
    for (std::size_t i = heaped_; i < heap_.size(); ++i) {
      if (!calls_.valid(heap_[i].call)) continue;
      heap_[to] = heap_[i];
      sift_up(to++);
    }
    stored_ -= heap_.size() - to;
    heap_.resize(to);
    heaped_ = to;
  }

  // Keeps the entries whose calls still wait: each FIFO in its order (its consumed front
  // dropped), the heap rebuilt from what is left, its appends included (Floyd's method).
  // The order entries leave in is (deadline, sequence) whatever the heap's layout, so this
  // changes nothing of it.
  void compact() {
    stored_ = 0;
    for (Fifo& f : fifos_) {
      std::size_t to = 0;
      for (std::size_t i = f.head; i < f.q.size(); ++i)
        if (calls_.valid(f.q[i].call)) f.q[to++] = f.q[i];
      f.q.resize(to);
      f.head = 0;
      stored_ += to;
    }
    std::size_t to = 0;
    for (const Entry& e : heap_)
      if (calls_.valid(e.call)) heap_[to++] = e;
    heap_.resize(to);
    heaped_ = to;
    stored_ += to;
    if (heap_.size() > 1)
      for (std::size_t i = (heap_.size() - 2) / 4 + 1; i-- > 0;) sift_down(i);
  }

  static bool less(const Entry& a, const Entry& b) {
    return a.deadline != b.deadline ? a.deadline < b.deadline : a.seq < b.seq;
  }
  void pop_heap_top() {
    assert(heaped_ == heap_.size() && "the appends join the heap before its top leaves");
    --stored_;
    const Entry last = heap_.back();
    heap_.pop_back();
    heaped_ = heap_.size();
    if (heap_.empty()) return;
    heap_.front() = last;
    sift_down(0);
  }
  void sift_up(std::size_t i) {
    const Entry e = heap_[i];
    while (i > 0) {
      const std::size_t parent = (i - 1) / 4;
      if (!less(e, heap_[parent])) break;
      heap_[i] = heap_[parent];
      i = parent;
    }
    heap_[i] = e;
  }
  void sift_down(std::size_t i) {
    const Entry e = heap_[i];
    const std::size_t n = heap_.size();
    for (;;) {
      const std::size_t first = 4 * i + 1;
      if (first >= n) break;
      std::size_t best = first;
      for (std::size_t c = first + 1; c < first + 4 && c < n; ++c)
        if (less(heap_[c], heap_[best])) best = c;
      if (!less(heap_[best], e)) break;
      heap_[i] = heap_[best];
      i = best;
    }
    heap_[i] = e;
  }

  const Calls& calls_;
  std::array<Fifo, kLanes + 1> fifos_;  // the lanes, then the FIFO of any duration
  std::vector<Entry> heap_;   // [0, heaped_) a 4-ary min-heap, then the appends in push order
  std::size_t heaped_ = 0;
  std::size_t front_of_ = kHeap;  // which store front() took its entry from
  std::uint64_t seq_ = 0;
  std::size_t waiting_ = 0;
  std::size_t stored_ = 0;  // entries in the FIFOs (consumed fronts included) and the heap
};

}  // namespace archsim
