// Token-bucket rate limiter, as Envoy's local_ratelimit token_bucket and Guava's
// RateLimiter define the idea: the bucket holds at most `burst` tokens, starts full, and
// refills continuously at `rate` tokens per second; a request takes one token or is
// refused at once (the owner answers 429, its own cause).
//
// Exactness: over an interval of length t starting with a full bucket, a saturating
// stream of requests gets exactly floor(rate * t + burst) admissions, with no floating
// drift over hours. The level is an integer count of 1e-12 tokens ("pico-tokens") and the
// rate an integer count of milli-tokens per second, so a nanosecond of refill adds exactly
// `rate_milli` pico-tokens.
//
// Simplifications: refill is continuous (Envoy refills in discrete fill_interval steps of
// tokens_per_fill; NGINX limit_req's burst is a queue, not a bucket of tokens). The rate is
// kept to 1/1000 token per second; burst is at most 9,000,000 tokens. No waiting for a
// token (Resilience4j's timeoutDuration): time_until_token() tells the owner when one will
// be there if it wants to model waiting.
//
// Cost: O(1), 32 bytes, no allocation.
#pragma once
#include <cstdint>
#include <optional>

#include "lib/resilience/param_error.h"
#include "sim/time.h"

namespace archsim::resilience {

struct TokenBucketParams {
  double rate = 100.0;       // tokens per second, >= 0.001
  std::int64_t burst = 1;    // capacity in tokens, [1, 9'000'000]

  std::optional<ParamError> check() const;
};

class TokenBucket {
 public:
  // Requires params.check() to be empty. The bucket is full at time `start`.
  explicit TokenBucket(const TokenBucketParams& params, Time start = 0);

  // Takes one token if there is one at `now`. Times must not go backwards (an earlier time
  // is treated as the last one seen).
  bool try_acquire(Time now);
  // Whole tokens in the bucket at `now`.
  std::int64_t tokens(Time now);
  // How long from `now` until a whole token is available (0 if one is).
  Time time_until_token(Time now);

 private:
  static constexpr std::int64_t kPicoPerToken = 1'000'000'000'000;
  void refill(Time now);

  std::int64_t rate_milli_;  // pico-tokens per nanosecond
  std::int64_t capacity_;    // pico-tokens
  std::int64_t level_;       // pico-tokens
  Time last_;
};

}  // namespace archsim::resilience
