// Retry budgets: a bound on retries relative to the traffic, so that a failing dependency
// does not receive a multiple of its load (a retry storm). Two variants, both real:
//
// RetryBudget — Finagle's RetryBudget (com.twitter.finagle.service.RetryBudget, defaults
// ttl 10 s, minRetriesPerSec 10, percentCanRetry 0.2; tower's retry::Budget is the same
// design). Every request deposits `percent_can_retry` of a retry; every retry withdraws one;
// deposits and withdrawals expire after about `ttl`; a constant reserve of
// min_retries_per_sec * ttl retries lets a new or quiet client retry at all. A retry is
// allowed when
//     reserve + percent_can_retry * (requests in window) - (retries in window) >= 1,
// i.e. over any ttl the retries stay below percent x requests + the reserve. Like Finagle's
// WindowedAdder, the window is `slices` (10) time slices of ttl/10, so an entry expires
// between 0.9 and 1.0 ttl after it was made. Finagle scales the amounts to integers with
// withdrawal = floor(1000 / percent); we use exact parts per million (percent is kept to
// 1e-6). The reserve is whole retries: min_retries_per_sec * ttl in seconds, rounded down.
//
// ConcurrentRetryBudget — Envoy's cluster retry budget (circuit_breakers.thresholds.
// retry_budget: budget_percent default 20%, min_retry_concurrency default 3). It bounds
// retries in flight, not recent ones: a retry may start while
//     active retries < max(min_retry_concurrency, floor(budget * active requests)),
// where active requests counts every outstanding attempt (Envoy sums upstream active and
// pending requests, retries included). The floor is computed in integer parts per million,
// so 0.29 * 100 gives 29 (Envoy's double arithmetic can give 28.999... -> 28).
//
// Which one a scenario's "budget": 0.2 means is the owner's choice; Finagle's is the
// default for a client because it needs no start/end bookkeeping.
//
// Cost: O(1) per call for both (a slice is advanced lazily; after an idle gap at most
// `slices` slices are cleared). RetryBudget holds a fixed array of slices; no allocation.
#pragma once
#include <array>
#include <cstdint>
#include <optional>

#include "lib/resilience/param_error.h"
#include "sim/time.h"

namespace archsim::resilience {

struct RetryBudgetParams {
  double percent_can_retry = 0.2;  // [0, 1000], as Finagle; 0.2 = one retry per 5 requests
  int min_retries_per_sec = 10;    // >= 0
  Time ttl = 10 * kSecond;         // [1 s, 60 s] as Finagle requires

  std::optional<ParamError> check() const;
};

class RetryBudget {
 public:
  static constexpr int kSlices = 10;

  // Requires params.check() to be empty.
  explicit RetryBudget(const RetryBudgetParams& params);

  // An original request was sent (a deposit).
  void on_request(Time now);
  // Whether a retry may be sent now.
  bool can_retry(Time now);
  // A retry was sent (a withdrawal). The owner calls it after can_retry() said yes.
  void on_retry(Time now);
  // can_retry() and, if true, on_retry().
  bool try_retry(Time now);

  // Retries the budget would allow now (floor of the balance), for figures and tests.
  std::int64_t balance(Time now);

 private:
  static constexpr std::int64_t kUnit = 1'000'000;  // one retry, in parts per million
  void roll_to(Time now);

  std::int64_t deposit_;  // per request, in kUnit
  std::int64_t reserve_;  // in kUnit
  Time slice_width_;
  std::int64_t head_slice_ = 0;  // index (now / slice_width_) of the newest slice
  std::int64_t sum_ = 0;         // over the live slices, in kUnit
  std::array<std::int64_t, kSlices> slices_{};
};

struct ConcurrentRetryBudgetParams {
  double budget_percent = 0.2;    // fraction of active requests, [0, 1]
  int min_retry_concurrency = 3;  // >= 0

  std::optional<ParamError> check() const;
};

class ConcurrentRetryBudget {
 public:
  explicit ConcurrentRetryBudget(const ConcurrentRetryBudgetParams& params);

  // Bracket every original attempt.
  void on_request_start() { ++active_requests_; }
  void on_request_end() { --active_requests_; }
  // Bracket every retry; a retry is also an active request, as in Envoy.
  void on_retry_start() {
    ++active_retries_;
    ++active_requests_;
  }
  void on_retry_end() {
    --active_retries_;
    --active_requests_;
  }

  bool can_retry() const { return active_retries_ < max_active_retries(); }
  std::int64_t max_active_retries() const;
  std::int64_t active_requests() const { return active_requests_; }
  std::int64_t active_retries() const { return active_retries_; }

 private:
  std::int64_t budget_ppm_;
  std::int64_t min_retry_concurrency_;
  std::int64_t active_requests_ = 0;
  std::int64_t active_retries_ = 0;
};

}  // namespace archsim::resilience
