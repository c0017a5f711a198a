// Durations as the scenario format defines them (docs/scenario-format.md, Durations): a decimal number and a unit
// (ns, us, ms, s, m, h, d), or a plain number meaning seconds. Bad text is an error with a
// reason, never a crash or a silent zero.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <optional>
#include <string>

#include "sim/time.h"

using namespace archsim;

namespace {

std::optional<Time> parse(const char* text) {
  std::string error;
  auto t = parse_duration(text, &error);
  if (t) CHECK(error.empty());
  return t;
}

}  // namespace

TEST_CASE("every unit") {
  CHECK(parse("100ns") == 100);
  CHECK(parse("250us") == 250 * kMicrosecond);
  CHECK(parse("250µs") == 250 * kMicrosecond);
  CHECK(parse("15ms") == 15 * kMillisecond);
  CHECK(parse("2s") == 2 * kSecond);
  CHECK(parse("5m") == 5 * kMinute);
  CHECK(parse("5min") == 5 * kMinute);
  CHECK(parse("1h") == kHour);
  CHECK(parse("1d") == kDay);
  CHECK(kDay == 86'400'000'000'000);
}

TEST_CASE("plain numbers are seconds; fractions and exponents are exact to the nanosecond") {
  CHECK(parse("2") == 2 * kSecond);
  CHECK(parse("0.5") == 500 * kMillisecond);
  CHECK(parse("0") == 0);
  CHECK(parse("1.5m") == 90 * kSecond);
  CHECK(parse("0.1ms") == 100 * kMicrosecond);
  CHECK(parse("2.5h") == 9000 * kSecond);
  CHECK(parse("1e3ms") == kSecond);
  CHECK(parse("1.5e-3s") == 1500 * kMicrosecond);
  CHECK(parse("0.0000000015s") == 2);  // rounds to the nearest ns
}

TEST_CASE("compound durations as Go's time.ParseDuration reads them") {
  CHECK(parse("5m1s") == 5 * kMinute + kSecond);
  CHECK(parse("1h30m") == 90 * kMinute);
  CHECK(parse("1m0.5s") == 60 * kSecond + 500 * kMillisecond);
  CHECK(parse("2h45m30s") == 2 * kHour + 45 * kMinute + 30 * kSecond);
  CHECK(parse("1s500ms") == 1500 * kMillisecond);
}

TEST_CASE("bad durations are errors with a reason") {
  for (const char* bad : {"5 parsecs", "-1s", "", "ms", "s", "abc", "1.2.3s", "5 m s", "--1s", "5m1", "5m-1s",
                          "1s2x", "5m 1s x"}) {
    CAPTURE(bad);
    std::string error;
    CHECK_FALSE(parse_duration(bad, &error).has_value());
    CHECK_FALSE(error.empty());
  }
  std::string error;
  parse_duration("5 parsecs", &error);
  CHECK(error.find("parsecs") != std::string::npos);
  parse_duration("-1s", &error);
  CHECK(error.find("negative") != std::string::npos);
  CHECK_FALSE(parse_duration("1e300d", &error).has_value());
  CHECK_FALSE(parse_duration("x", nullptr).has_value());  // no error sink: still no crash
}

TEST_CASE("format_duration renders in the largest exact unit and parses back") {
  CHECK(format_duration(1500 * kMillisecond) == "1.5s");
  CHECK(format_duration(250 * kMillisecond) == "250ms");
  CHECK(format_duration(42 * kMicrosecond) == "42us");
  CHECK(format_duration(5 * kMinute) == "5m");
  CHECK(format_duration(2 * kHour) == "2h");
  CHECK(format_duration(kDay) == "1d");
  CHECK(format_duration(7) == "7ns");
  CHECK(format_duration(0) == "0ns");
  for (Time t : {Time{7}, 42 * kMicrosecond, 250 * kMillisecond, 1500 * kMillisecond, 5 * kMinute, 3 * kHour})
    CHECK(parse(format_duration(t).c_str()) == t);
}

TEST_CASE("conversions") {
  CHECK(to_seconds(1500 * kMillisecond) == 1.5);
  CHECK(to_millis(2500 * kMicrosecond) == 2.5);
  CHECK(from_seconds(1.5) == 1500 * kMillisecond);
  CHECK(from_seconds(1e-9 * 0.6) == 1);
}

TEST_CASE("round_ns is std::llround for every non-negative time, halves included") {
  // Against the C library's rounding (ground truth), on the values where a quick rounding
  // goes wrong: each side of every half, of every whole number and of every power of two,
  // over all the binades a time in ns can take, and where doubles stop having fractions
  // (2^52) and stop being whole numbers apart (2^53).
  std::uint64_t checked = 0;
  auto same = [&](double x) {
    ++checked;
    if (round_ns(x) != std::llround(x)) FAIL_CHECK("round_ns(" << x << ") = " << round_ns(x) << ", llround " << std::llround(x));
  };
  for (int e = -40; e < 63; ++e) {
    const double p = std::ldexp(1.0, e);
    for (double k : {1.0, 1.25, 1.5, 1.75, 1.9999999}) {
      const double x = p * k;
      const double f = std::floor(x);
      for (double y : {x, f, f + 0.5, f + 1.0})
        for (double z : {y, std::nextafter(y, 0.0), std::nextafter(y, 1e300)}) same(z);
    }
  }
  CHECK(checked > 5000);
  CHECK(round_ns(0.0) == 0);
  CHECK(round_ns(0.49999999999999994) == 0);  // + 0.5 would round this one up
  CHECK(round_ns(0.5) == 1);
  CHECK(round_ns(4503599627370495.5) == 4503599627370496);  // 2^52 - 0.5
  CHECK(round_ns(8.64e13 + 0.25) == 86'400'000'000'000);    // a day, as the clock keeps it
}
