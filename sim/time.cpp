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
  std::size_t i = 0;
  while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.' ||
                             text[i] == '-' || text[i] == '+' || text[i] == 'e' || text[i] == 'E')) {
    // An 'e' is an exponent only when digits follow; otherwise it starts no unit we know.
    if ((text[i] == 'e' || text[i] == 'E') &&
        (i + 1 >= text.size() || !(std::isdigit(static_cast<unsigned char>(text[i + 1])) ||
                                   text[i + 1] == '-' || text[i + 1] == '+')))
      break;
    ++i;
  }
  if (i == 0) return fail("\"" + std::string(text) + "\" is not a duration (expected e.g. \"250ms\", \"2s\", \"5m\")");
  double value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + i, value);
  if (ec != std::errc() || ptr != text.data() + i)
    return fail("\"" + std::string(text) + "\" is not a duration (bad number)");
  std::string_view unit = text.substr(i);
  while (!unit.empty() && unit.front() == ' ') unit.remove_prefix(1);
  double scale = 0;
  if (unit == "ns") scale = 1;
  else if (unit == "us" || unit == "µs") scale = 1e3;
  else if (unit == "ms") scale = 1e6;
  else if (unit == "s" || unit.empty()) scale = 1e9;
  else if (unit == "m" || unit == "min") scale = 60e9;
  else if (unit == "h") scale = 3600e9;
  else if (unit == "d") scale = 86400e9;
  else
    return fail("unknown time unit \"" + std::string(unit) + "\" in \"" + std::string(text) +
                "\" (use ns, us, ms, s, m, h or d)");
  if (value < 0 || std::isnan(value)) return fail("duration \"" + std::string(text) + "\" must not be negative");
  double ns = value * scale;
  if (ns > 9.0e18) return fail("duration \"" + std::string(text) + "\" is too large");
  return static_cast<Time>(std::llround(ns));
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
