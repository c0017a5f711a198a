// ProxyQueue: the requests a balancer holds because every target is at its `max_conn`, as
// HAProxy's backend queue does (src/queue.c: pendconn_add queues a stream that no server
// can take, process_srv_queue hands the oldest queued stream to a server the moment one of
// its connections ends, pendconn_grab_from_px when a server comes back up; `timeout queue`
// answers 503 to a stream that waited too long). One FIFO for the whole backend: with no
// persistence HAProxy never queues on one server, so the head goes to whichever server
// frees first and the balancer with c targets of max_conn 1 is an M/M/c queue.
//
// What it holds: (pending slot, sequence number) pairs in arrival order. An entry whose
// request left the queue another way (its `timeout queue` fired) stays in the ring and is
// skipped when it reaches the head: the owner tells live entries from stale ones by the
// sequence number it stored in its pending record, so a timeout costs no search.
// Cost: push and pop O(1); the ring doubles when full (rare: only while the queue grows
// beyond its longest length so far), no allocation in steady state.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace archsim {

class ProxyQueue {
 public:
  struct Item {
    std::uint32_t slot = 0;
    std::uint32_t seq = 0;
  };

  bool empty() const { return count_ == 0; }
  std::size_t size() const { return count_; }  // live and stale entries

  void push(Item it) {
    if (count_ == ring_.size()) grow();
    ring_[(head_ + count_) % ring_.size()] = it;
    ++count_;
  }
  // The oldest entry; the queue must not be empty.
  Item pop() {
    const Item it = ring_[head_];
    head_ = (head_ + 1) % ring_.size();
    --count_;
    return it;
  }

 private:
  void grow() {
    std::vector<Item> bigger(ring_.empty() ? 64 : 2 * ring_.size());
    for (std::size_t i = 0; i < count_; ++i) bigger[i] = ring_[(head_ + i) % ring_.size()];
    ring_.swap(bigger);
    head_ = 0;
  }

  std::vector<Item> ring_;
  std::size_t head_ = 0, count_ = 0;
};

}  // namespace archsim
