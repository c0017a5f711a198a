#include "lib/resilience/bulkhead.h"

namespace archsim::resilience {

std::optional<ParamError> BulkheadParams::check() const {
  if (max_concurrent < 1) return ParamError{"max_concurrent", "must be at least 1"};
  if (max_wait < 0) return ParamError{"max_wait", "must not be negative"};
  if (max_waiting < 1) return ParamError{"max_waiting", "must be at least 1"};
  return std::nullopt;
}

// ---------------------------------------------------------------------------------------

WaiterQueue::WaiterQueue(int capacity)
    : ring_(static_cast<std::size_t>(capacity > 0 ? capacity : 0)) {}

bool WaiterQueue::push(std::uint64_t token) {
  if (size_ >= capacity()) return false;
  ring_[index(size_)] = token;
  ++size_;
  return true;
}

std::optional<std::uint64_t> WaiterQueue::pop() {
  if (size_ == 0) return std::nullopt;
  const std::uint64_t t = ring_[head_];
  head_ = (head_ + 1) % ring_.size();
  --size_;
  return t;
}

bool WaiterQueue::remove(std::uint64_t token) {
  for (int i = 0; i < size_; ++i) {
    if (ring_[index(i)] != token) continue;
    if (i == 0) {
      pop();
      return true;
    }
    // Close the gap so the FIFO stays contiguous: later waiters move up by one.
    for (int j = i; j + 1 < size_; ++j) ring_[index(j)] = ring_[index(j + 1)];
    --size_;
    return true;
  }
  return false;
}

// ---------------------------------------------------------------------------------------

Bulkhead::Bulkhead(const BulkheadParams& params)
    : max_concurrent_(params.max_concurrent),
      max_wait_(params.max_wait),
      waiters_(params.max_wait > 0 ? params.max_waiting : 0) {}

BulkheadDecision Bulkhead::try_acquire(std::uint64_t waiter) {
  // A free slot with waiters queued cannot happen: release() hands slots over directly.
  if (in_use_ < max_concurrent_) {
    ++in_use_;
    return BulkheadDecision::kAdmitted;
  }
  if (max_wait_ > 0 && waiters_.push(waiter)) return BulkheadDecision::kMustWait;
  ++rejected_;
  return BulkheadDecision::kRejected;
}

bool Bulkhead::cancel(std::uint64_t waiter) {
  if (!waiters_.remove(waiter)) return false;
  ++rejected_;
  return true;
}

std::optional<std::uint64_t> Bulkhead::release() {
  if (auto next = waiters_.pop()) return next;  // the slot changes hands; in_use_ unchanged
  if (in_use_ > 0) --in_use_;
  return std::nullopt;
}

}  // namespace archsim::resilience
