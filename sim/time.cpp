#include "sim/time.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>

namespace archsim {

std::optional<Time> parse_duration(std::string_view text, std::string* error) {
  auto fail = [&](const std::string& why) -> std::optional<Time> {
    if (error) *error = why;
    return std::nullopt;
  };
  // One or more "<number><unit>" segments, as Go's time.ParseDuration reads "5m1s" or
  // "1h30m"; a single number alone may omit its unit (seconds).
  Time total = 0;
  std::size_t pos = 0;
  for (int segment = 0; pos < text.size() || segment == 0; ++segment) {
    std::size_t i = pos;
    while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.' ||
                               text[i] == '-' || text[i] == '+' || text[i] == 'e' || text[i] == 'E')) {
      // An 'e' is an exponent only when digits follow; otherwise it starts no unit we know.
      if ((text[i] == 'e' || text[i] == 'E') &&
          (i + 1 >= text.size() || !(std::isdigit(static_cast<unsigned char>(text[i + 1])) ||
                                     text[i + 1] == '-' || text[i + 1] == '+')))
        break;
      ++i;
    }
    if (i == pos) return fail("\"" + std::string(text) + "\" is not a duration (expected e.g. \"250ms\", \"2s\", \"5m1s\")");
    double value = 0;
    auto [ptr, ec] = std::from_chars(text.data() + pos, text.data() + i, value);
    if (ec != std::errc() || ptr != text.data() + i)
      return fail("\"" + std::string(text) + "\" is not a duration (bad number)");
    std::size_t j = i;
    while (j < text.size() && !std::isdigit(static_cast<unsigned char>(text[j])) && text[j] != '.') ++j;
    std::string_view unit = text.substr(i, j - i);
    while (!unit.empty() && unit.front() == ' ') unit.remove_prefix(1);
    double scale = 0;
    if (unit == "ns") scale = 1;
    else if (unit == "us" || unit == "µs") scale = 1e3;
    else if (unit == "ms") scale = 1e6;
    else if (unit == "s" || (unit.empty() && segment == 0 && j == text.size())) scale = 1e9;
    else if (unit == "m" || unit == "min") scale = 60e9;
    else if (unit == "h") scale = 3600e9;
    else if (unit == "d") scale = 86400e9;
    else if (unit.empty())
      return fail("missing time unit after \"" + std::string(text.substr(pos, i - pos)) + "\" in \"" + std::string(text) + "\"");
    else
      return fail("unknown time unit \"" + std::string(unit) + "\" in \"" + std::string(text) +
                  "\" (use ns, us, ms, s, m, h or d)");
    if (value < 0 || std::isnan(value)) return fail("duration \"" + std::string(text) + "\" must not be negative");
    const double ns = value * scale;
    if (ns > 9.0e18 || static_cast<double>(total) + ns > 9.0e18) return fail("duration \"" + std::string(text) + "\" is too large");
    total += static_cast<Time>(std::llround(ns));
    pos = j;
  }
  return total;
}

std::string format_duration(Time t) {
  char buf[64];
  double v = static_cast<double>(t);
  if (t != 0 && t % kDay == 0) std::snprintf(buf, sizeof buf, "%gd", v / 86400e9);
  else if (t != 0 && t % kHour == 0) std::snprintf(buf, sizeof buf, "%gh", v / 3600e9);
  else if (t != 0 && t % kMinute == 0) std::snprintf(buf, sizeof buf, "%gm", v / 60e9);
  else if (t >= kSecond) std::snprintf(buf, sizeof buf, "%gs", v / 1e9);
  else if (t >= kMillisecond) std::snprintf(buf, sizeof buf, "%gms", v / 1e6);
  else if (t >= kMicrosecond) std::snprintf(buf, sizeof buf, "%gus", v / 1e3);
  else std::snprintf(buf, sizeof buf, "%lldns", static_cast<long long>(t));
  return buf;
}

}  // namespace archsim
