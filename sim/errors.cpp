#include "sim/errors.h"

#include <algorithm>
#include <sstream>

namespace archsim {

std::string ScenarioError::format(std::string_view file) const {
  // Built with a stream: GCC 12's -Wrestrict misfires on chains of std::string operator+.
  std::ostringstream out;
  out << file;
  if (line_ > 0) out << ':' << line_ << ':' << column_;
  else if (!pointer_.empty()) out << ": " << pointer_;
  out << ": " << what();
  return out.str();
}

static std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates) {
  std::size_t best = SIZE_MAX;
  const std::string* pick = nullptr;
  for (const auto& c : candidates) {
    std::size_t d = edit_distance(word, c);
    if (d < best) {
      best = d;
      pick = &c;
    }
  }
  // Close means: at most a third of the word wrong (and at least one edit allowed).
  std::size_t limit = std::max<std::size_t>(1, std::max(word.size(), std::size_t{3}) / 3);
  if (pick && best <= limit) return " (did you mean \"" + *pick + "\"?)";
  return "";
}

}  // namespace archsim
