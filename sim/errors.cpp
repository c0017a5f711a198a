#include "sim/errors.h"

#include <algorithm>
#include <sstream>

namespace archsim {

std::string printable(std::string_view s, bool keep_line_breaks) {
  std::string out;
  out.reserve(s.size());
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (keep_line_breaks && c == '\n') out += ch;
    else if (c == '\n') out += "\\n";
    else if (c == '\t') out += "\\t";
    else if (c == '\r') out += "\\r";
    else if (c < 0x20 || c == 0x7f) {
      static const char* hex = "0123456789abcdef";
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 15];
    } else {
      out += ch;
    }
  }
  return out;
}

std::string ScenarioError::format(std::string_view file) const {
  // Built with a stream: GCC 12's -Wrestrict misfires on chains of std::string operator+.
  std::ostringstream out;
  out << file;
  if (line_ > 0) out << ':' << line_ << ':' << column_;
  else if (!pointer_.empty()) out << ": " << pointer_;
  out << ": " << what();
  return printable(out.str());
}

std::string ScenarioWarning::format(std::string_view file) const {
  std::ostringstream out;
  out << file;
  if (!pointer.empty()) out << ": " << pointer;
  out << ": warning: " << message;
  return printable(out.str());
}

// Optimal string alignment distance: Levenshtein's edits plus a swap of two adjacent
// characters as one edit, the commonest typo ("wbe" for "web" is one, not two).
static std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> before(b.size() + 1), prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) cur[j] = std::min(cur[j], before[j - 2] + 1);
    }
    std::swap(before, prev);
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates) {
  // The edit distance costs |word| x |candidate|: past this length no suggestion is tried
  // (a million-character id would take minutes against its peers).
  constexpr std::size_t kMaxCompared = 128;
  if (word.size() > kMaxCompared) return "";
  // Close means: at most a third of the word wrong (and at least one edit allowed).
  const std::size_t limit = std::max<std::size_t>(1, std::max(word.size(), std::size_t{3}) / 3);
  std::size_t best = SIZE_MAX;
  const std::string* pick = nullptr;
  for (const auto& c : candidates) {
    // The distance is at least the difference in length: skip what cannot be close.
    if (c.size() > word.size() + limit || c.size() + limit < word.size()) continue;
    std::size_t d = edit_distance(word, c);
    if (d < best) {
      best = d;
      pick = &c;
    }
  }
  if (pick && best <= limit) return " (did you mean \"" + *pick + "\"?)";
  return "";
}

}  // namespace archsim
