// Simulated time: an integer count of nanoseconds (int64), as ns-3 and OMNeT++ keep it,
// so that event order never depends on floating-point rounding. A day is 8.64e13 ns;
// int64 holds about 292 years.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace archsim {

using Time = std::int64_t;

inline constexpr Time kNanosecond = 1;
inline constexpr Time kMicrosecond = 1'000;
inline constexpr Time kMillisecond = 1'000'000;
inline constexpr Time kSecond = 1'000'000'000;
inline constexpr Time kMinute = 60 * kSecond;
inline constexpr Time kHour = 60 * kMinute;
inline constexpr Time kDay = 24 * kHour;
inline constexpr Time kTimeMax = INT64_MAX;

inline constexpr double to_seconds(Time t) { return static_cast<double>(t) / 1e9; }
inline constexpr double to_millis(Time t) { return static_cast<double>(t) / 1e6; }
// Rounds to the nearest nanosecond; callers guarantee the value is in range.
inline Time from_seconds(double s) { return static_cast<Time>(s * 1e9 + (s >= 0 ? 0.5 : -0.5)); }
// For a non-negative span that may not fit (a sampled gap, 1 / a tiny rate): kTimeMax when
// it would overflow (NaN too), which callers read as "never, in this run".
inline Time from_seconds_saturated(double s) {
  const double ns = s * 1e9 + 0.5;
  return ns < 9.2e18 ? static_cast<Time>(ns > 0 ? ns : 0) : kTimeMax;  // 9.2e18: largest safe cast below INT64_MAX
}
// A time kept in double nanoseconds (a clock that must not round each gap) to the nearest
// nanosecond, halves away from zero: std::llround(ns) for 0 <= ns < 2^63, without its call
// into libm. ns - trunc(ns) is exact there, and ns is whole from 2^53.
inline Time round_ns(double ns) {
  const auto n = static_cast<Time>(ns);
  return ns - static_cast<double>(n) >= 0.5 ? n + 1 : n;
}
// t + delay for delay >= 0, saturating at kTimeMax: an instant past every run's end, so an
// event scheduled there never fires (the run stops at its duration).
inline constexpr Time after(Time t, Time delay) { return delay > kTimeMax - t ? kTimeMax : t + delay; }

// Parses "250us", "15ms", "2s", "1.5m", "1h", "1d", "100ns" (decimal number, then unit),
// and sums of them as Go writes durations: "5m1s", "1h30m", "1m0.5s". A plain number is seconds.
// Returns nullopt and sets *error to a one-line reason when the text is not a duration
// (unknown unit, missing number, negative, overflow).
std::optional<Time> parse_duration(std::string_view text, std::string* error);

// "1.5s", "250ms", "42us": the shortest exact-ish rendering, for messages and tables.
std::string format_duration(Time t);

}  // namespace archsim
