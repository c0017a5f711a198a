// Exponential backoff between retries, with the four variants of Marc Brooker's AWS
// Architecture Blog analysis "Exponential Backoff And Jitter" (2015):
//   none          delay = min(cap, base * 2^attempt)
//   full          delay = random_between(0, min(cap, base * 2^attempt))
//   equal         t = min(cap, base * 2^attempt); delay = t/2 + random_between(0, t/2)
//   decorrelated  delay = min(cap, random_between(base, previous_delay * 3)),
//                 previous_delay starting at base
//   randomized    t = min(cap, base * multiplier^attempt); delay = random_between(t - f t,
//                 t + f t) with f = randomization_factor: Resilience4j's
//                 IntervalFunction.ofExponentialRandomBackoff (its default factor is 0.5)
// `attempt` counts the retries already made for this request: 0 before the first retry,
// so the first un-jittered delay is `base`. (Resilience4j's IntervalFunction numbers from 1
// and multiplies by multiplier^(attempt-1): the same schedule.) `multiplier` (default 2, as
// in the analysis) scales every variant's t; decorrelated keeps its factor of 3.
//
// Simplifications / precision: with the multiplier 2, t is exact integer arithmetic (shifts);
// with another it is base multiplied `attempt` times in doubles, then rounded to the
// nanosecond (the same sequence of IEEE operations on every build). Delays are integer
// nanoseconds and random_between(a, b) is a uniform integer in [a, b], both ends included,
// drawn with Rng::below (no floating point, no std::*_distribution). For equal jitter with
// an odd t the halves are floor(t/2) and t - floor(t/2), so delays stay within [t/2, t].
// base * 2^attempt saturates at cap instead of overflowing.
//
// Cost: O(1), no state besides the caller's `prev` for the decorrelated variant (kept per
// request by the owner, since each request has its own retry sequence).
#pragma once
#include <cstdint>
#include <optional>

#include "lib/resilience/param_error.h"
#include "sim/random.h"
#include "sim/time.h"

namespace archsim::resilience {

enum class Jitter : std::uint8_t { kNone, kFull, kEqual, kDecorrelated, kRandomized };

// "none", "full", "equal", "decorrelated", "randomized"; nullopt for anything else.
std::optional<Jitter> jitter_from_string(const char* name);
const char* to_string(Jitter j);

struct BackoffParams {
  Time base = 100 * kMillisecond;  // >= 0
  Time max = 5 * kSecond;          // the cap; >= base
  Jitter jitter = Jitter::kFull;
  double multiplier = 2.0;            // [1, 100]
  double randomization_factor = 0.5;  // [0, 1], kRandomized only

  std::optional<ParamError> check() const;
};

class Backoff {
 public:
  // Requires params.check() to be empty.
  explicit Backoff(const BackoffParams& params) : p_(params) {}

  // Delay before the retry that follows `attempt` earlier retries (attempt >= 0; negative
  // is taken as 0). `prev` is the caller's per-request state: set it to 0 for a new request;
  // the decorrelated variant reads it (0 meaning "base") and stores the delay it returns,
  // the others leave it alone. Draws one number from `rng` except for kNone.
  Time delay(int attempt, Rng& rng, Time& prev) const;

  // min(cap, base * multiplier^attempt): the un-jittered delay and the upper bound of full/equal.
  Time ceiling(int attempt) const;

  const BackoffParams& params() const { return p_; }

 private:
  BackoffParams p_;
};

// Uniform integer in [lo, hi] (lo <= hi), from one draw.
Time random_between(Rng& rng, Time lo, Time hi);

}  // namespace archsim::resilience
