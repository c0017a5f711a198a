#include "lib/resilience/token_bucket.h"

#include <cmath>

namespace archsim::resilience {

std::optional<ParamError> TokenBucketParams::check() const {
  if (!(rate >= 0.001 && rate <= 1e9)) return ParamError{"rate", "must be between 0.001 and 1e9 per second"};
  if (burst < 1 || burst > 9'000'000) return ParamError{"burst", "must be between 1 and 9000000"};
  return std::nullopt;
}

TokenBucket::TokenBucket(const TokenBucketParams& params, Time start)
    : rate_milli_(std::llround(params.rate * 1000.0)),
      capacity_(params.burst * kPicoPerToken),
      level_(capacity_),
      last_(start) {}

void TokenBucket::refill(Time now) {
  if (now <= last_) return;
  const Time elapsed = now - last_;
  last_ = now;
  const std::int64_t missing = capacity_ - level_;
  if (missing <= 0) return;
  // Compare before multiplying: elapsed * rate can overflow after a long idle gap, but
  // below the ceiling it is less than missing + rate.
  const std::int64_t to_fill = (missing + rate_milli_ - 1) / rate_milli_;
  if (elapsed >= to_fill) {
    level_ = capacity_;
  } else {
    level_ += elapsed * rate_milli_;
  }
}

bool TokenBucket::try_acquire(Time now) {
  refill(now);
  if (level_ < kPicoPerToken) return false;
  level_ -= kPicoPerToken;
  return true;
}

std::int64_t TokenBucket::tokens(Time now) {
  refill(now);
  return level_ / kPicoPerToken;
}

Time TokenBucket::time_until_token(Time now) {
  refill(now);
  if (level_ >= kPicoPerToken) return 0;
  return (kPicoPerToken - level_ + rate_milli_ - 1) / rate_milli_;
}

}  // namespace archsim::resilience
