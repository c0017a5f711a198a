#include "reports/number_text.h"

#include <cmath>
#include <cstdio>

namespace archsim {

std::string group_thousands(std::string s) {
  const std::size_t start = !s.empty() && (s[0] == '-' || s[0] == '+') ? 1 : 0;
  std::size_t end = start;
  while (end < s.size() && s[end] >= '0' && s[end] <= '9') ++end;
  if (end == start || (end < s.size() && s[end] != '.')) return s;  // not a plain decimal (an exponent)
  if (end - start < 5) return s;
  for (std::size_t i = end; i > start + 3; i -= 3) s.insert(i - 3, 1, ',');
  return s;
}

std::string readable_number(double v, int digits) {
  if (std::isnan(v)) return "–";
  if (std::isinf(v)) return v > 0 ? "∞" : "-∞";
  if (v == 0) return "0";
  char buf[64];
  const double mag = std::fabs(v);
  if (mag >= 1e15 || mag < 1e-4) {
    std::snprintf(buf, sizeof buf, "%.*g", digits, v);
    return buf;
  }
  if (mag >= std::pow(10.0, digits)) {
    std::snprintf(buf, sizeof buf, "%.0f", v);  // whole counts are shown in full
    return group_thousands(buf);
  }
  // Fixed notation with just enough decimals for `digits` significant figures.
  const int int_digits = mag >= 1 ? static_cast<int>(std::floor(std::log10(mag))) + 1 : 0;
  int decimals = digits - int_digits;
  if (mag < 1) decimals = digits - 1 - static_cast<int>(std::floor(std::log10(mag)));
  if (decimals < 0) decimals = 0;
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  std::string s = buf;
  if (s.find('.') != std::string::npos) {
    while (!s.empty() && s.back() == '0') s.pop_back();
    if (!s.empty() && s.back() == '.') s.pop_back();
  }
  return group_thousands(s);
}

}  // namespace archsim
