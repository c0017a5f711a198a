#include "lib/resilience/retry_budget.h"

#include <algorithm>
#include <cmath>

namespace archsim::resilience {

std::optional<ParamError> RetryBudgetParams::check() const {
  if (!(percent_can_retry >= 0.0 && percent_can_retry <= 1000.0))
    return ParamError{"percent_can_retry", "must be in [0, 1000]"};
  if (min_retries_per_sec < 0) return ParamError{"min_retries_per_sec", "must not be negative"};
  if (ttl < kSecond || ttl > 60 * kSecond) return ParamError{"ttl", "must be between 1s and 60s"};
  return std::nullopt;
}

RetryBudget::RetryBudget(const RetryBudgetParams& params)
    : deposit_(std::llround(params.percent_can_retry * static_cast<double>(kUnit))),
      reserve_(static_cast<std::int64_t>(params.min_retries_per_sec) * (params.ttl / kSecond) *
               kUnit),
      slice_width_(std::max<Time>(params.ttl / kSlices, 1)) {}

void RetryBudget::roll_to(Time now) {
  const std::int64_t slice = now / slice_width_;
  if (slice <= head_slice_) return;
  std::int64_t steps = std::min<std::int64_t>(slice - head_slice_, kSlices);
  std::int64_t idx = head_slice_;
  while (steps-- > 0) {
    ++idx;
    std::int64_t& s = slices_[static_cast<std::size_t>(idx % kSlices)];
    sum_ -= s;
    s = 0;
  }
  head_slice_ = slice;
}

void RetryBudget::on_request(Time now) {
  roll_to(now);
  slices_[static_cast<std::size_t>(head_slice_ % kSlices)] += deposit_;
  sum_ += deposit_;
}

bool RetryBudget::can_retry(Time now) {
  roll_to(now);
  return reserve_ + sum_ >= kUnit;
}

void RetryBudget::on_retry(Time now) {
  roll_to(now);
  slices_[static_cast<std::size_t>(head_slice_ % kSlices)] -= kUnit;
  sum_ -= kUnit;
}

bool RetryBudget::try_retry(Time now) {
  if (!can_retry(now)) return false;
  on_retry(now);
  return true;
}

std::int64_t RetryBudget::balance(Time now) {
  roll_to(now);
  const std::int64_t b = reserve_ + sum_;
  return b <= 0 ? 0 : b / kUnit;
}

// ---------------------------------------------------------------------------------------

std::optional<ParamError> ConcurrentRetryBudgetParams::check() const {
  if (!(budget_percent >= 0.0 && budget_percent <= 1.0))
    return ParamError{"budget_percent", "must be in [0, 1]"};
  if (min_retry_concurrency < 0)
    return ParamError{"min_retry_concurrency", "must not be negative"};
  return std::nullopt;
}

ConcurrentRetryBudget::ConcurrentRetryBudget(const ConcurrentRetryBudgetParams& params)
    : budget_ppm_(std::llround(params.budget_percent * 1e6)),
      min_retry_concurrency_(params.min_retry_concurrency) {}

std::int64_t ConcurrentRetryBudget::max_active_retries() const {
  const std::int64_t active = std::max<std::int64_t>(active_requests_, 0);
  return std::max(min_retry_concurrency_, active * budget_ppm_ / 1'000'000);
}

}  // namespace archsim::resilience
