#include "tools/import/import_error.h"

#include <algorithm>
#include <sstream>

namespace archsim::import {

namespace {

// The length of the well-formed UTF-8 sequence at `s[i]` (RFC 3629: no overlong forms, no
// surrogates, nothing past U+10FFFF), 0 when there is none.
std::size_t utf8_length(std::string_view s, std::size_t i) {
  const auto b = [&](std::size_t k) { return i + k < s.size() ? static_cast<unsigned char>(s[i + k]) : 0u; };
  const unsigned c = b(0);
  auto cont = [&](std::size_t k) { return (b(k) & 0xC0u) == 0x80u; };
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) return cont(1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (!cont(1) || !cont(2)) return 0;
    if (c == 0xE0 && b(1) < 0xA0) return 0;  // overlong
    if (c == 0xED && b(1) >= 0xA0) return 0;  // a surrogate
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    if (c == 0xF0 && b(1) < 0x90) return 0;
    if (c == 0xF4 && b(1) >= 0x90) return 0;
    return 4;
  }
  return 0;
}

void hex(std::string& out, unsigned char c) {
  static const char* digits = "0123456789abcdef";
  out += "\\x";
  out += digits[c >> 4];
  out += digits[c & 15];
}

}  // namespace

std::size_t bad_utf8(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t n = utf8_length(text, i);
    if (n == 0 || text[i] == '\0') return i;
    i += n;
  }
  return std::string_view::npos;
}

std::string shown(std::string_view text, std::size_t max) {
  std::string out;
  std::size_t chars = 0, i = 0;
  for (; i < text.size() && chars < max; ++chars) {
    const std::size_t n = utf8_length(text, i);
    const auto c = static_cast<unsigned char>(text[i]);
    if (n == 0) hex(out, c), i += 1;
    else if (c == '\n') out += "\\n", i += 1;
    else if (c == '\t') out += "\\t", i += 1;
    else if (c == '\r') out += "\\r", i += 1;
    else if (c < 0x20 || c == 0x7f) hex(out, c), i += 1;
    else if (n == 2 && c == 0xC2 && static_cast<unsigned char>(text[i + 1]) < 0xA0)  // C1 controls
      hex(out, static_cast<unsigned char>(text[i + 1])), i += 2;
    else out.append(text.substr(i, n)), i += n;
  }
  if (i < text.size()) {
    std::size_t total = chars;
    for (std::size_t k = i; k < text.size(); ++total) k += std::max<std::size_t>(1, utf8_length(text, k));
    out += "... (" + std::to_string(total) + " characters)";
  }
  return out;
}

std::string ImportError::format() const {
  std::ostringstream out;
  out << file_;
  if (line_ > 0) out << ':' << line_ << ':' << column_;
  if (!where_.empty()) out << ": " << where_;
  out << ": " << what();
  return shown(out.str(), kMaxLine);
}

}  // namespace archsim::import
