#include "lib/resilience/bulkhead.h"

namespace archsim::resilience {

std::optional<ParamError> BulkheadParams::check() const {
  if (max_concurrent < 1) return ParamError{"max_concurrent", "must be at least 1"};
  if (max_wait < 0) return ParamError{"max_wait", "must not be negative"};
  if (max_waiting < 1) return ParamError{"max_waiting", "must be at least 1"};
  return std::nullopt;
}

// ---------------------------------------------------------------------------------------

Bulkhead::Bulkhead(const BulkheadParams& params)
    : max_concurrent_(params.max_concurrent),
      max_wait_(params.max_wait),
      waiters_(static_cast<std::size_t>(params.max_waiting)) {}

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
  if (!waiters_.empty()) return waiters_.pop();  // the slot changes hands; in_use_ unchanged
  if (in_use_ > 0) --in_use_;
  return std::nullopt;
}

}  // namespace archsim::resilience
