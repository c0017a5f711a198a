// Queue: order per key, measured. Kafka promises order within a partition, so messages of one
// key (which the partitioner sends to one partition) are processed in the order they were
// produced as long as one consumer reads the partition one message at a time; competing
// consumers on one queue (RabbitMQ, SQS standard queues) promise no order at all. This
// remembers, per key, the append order (Msg::seq) of the last message processed, so that a
// message processed after a later one of its key is counted.
// Cost: open addressing with linear probing, doubled at half full: O(1) per message, and no
// allocation once the table holds every key seen (16 bytes x 2 per key).
#pragma once
#include <cstdint>
#include <vector>

namespace archsim::queue {

class KeyOrder {
 public:
  // Records that the message of `key` appended `seq`-th (seq >= 1) was processed; false when
  // a later message of the key was processed before it.
  bool processed(std::uint64_t key, std::uint64_t seq) {
    if (used_ * 2 >= slots_.size()) grow();
    Slot& s = find(key);
    if (s.seq == 0) {
      s.key = key;
      s.seq = seq;
      ++used_;
      return true;
    }
    if (seq < s.seq) return false;
    s.seq = seq;
    return true;
  }

 private:
  struct Slot {
    std::uint64_t key = 0, seq = 0;  // seq 0: empty
  };
  Slot& find(std::uint64_t key) {
    const std::size_t mask = slots_.size() - 1;
    std::size_t i = static_cast<std::size_t>((key * 0x9e3779b97f4a7c15ULL) >> 20) & mask;
    while (slots_[i].seq != 0 && slots_[i].key != key) i = (i + 1) & mask;
    return slots_[i];
  }
  void grow() {
    std::vector<Slot> old(slots_.empty() ? 0 : slots_.size());
    old.swap(slots_);
    slots_.assign(old.empty() ? 64 : old.size() * 2, Slot{});
    for (const Slot& s : old)
      if (s.seq != 0) find(s.key) = s;
  }
  std::vector<Slot> slots_;
  std::size_t used_ = 0;
};

}  // namespace archsim::queue
