#include "scenario/errors.h"

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

namespace {

std::size_t utf8_length(std::string_view v) {
  std::size_t n = 0;
  for (char c : v) n += (static_cast<unsigned char>(c) & 0xc0) != 0x80;
  return n;
}

// The byte offset of the `chars`-th character of `v` (or its size).
std::size_t utf8_offset(std::string_view v, std::size_t chars) {
  std::size_t i = 0;
  for (std::size_t seen = 0; i < v.size(); ++i)
    if ((static_cast<unsigned char>(v[i]) & 0xc0) != 0x80 && seen++ == chars) break;
  return i;
}

constexpr std::size_t kKeep = 60;

// Where `v` is cut (a byte offset), or npos when it is short enough to be echoed whole
// (cutting a few characters off would save nothing).
std::size_t cut_at(std::string_view v, std::size_t keep = kKeep) {
  if (v.size() <= keep + 16 || utf8_length(v) <= keep + 16) return std::string_view::npos;
  return utf8_offset(v, keep);
}

std::string count_of(std::string_view v) { return "(" + std::to_string(utf8_length(v)) + " characters)"; }

// Each "quoted" run of `message` cut: "aaaa…" (5000 characters).
std::string cut_quoted(std::string_view message) {
  std::string out;
  std::size_t i = 0;
  while (i < message.size()) {
    const std::size_t open = message.find('"', i);
    const std::size_t close = open == std::string_view::npos ? open : message.find('"', open + 1);
    if (close == std::string_view::npos) {
      out.append(message.substr(i));
      break;
    }
    const std::string_view value = message.substr(open + 1, close - open - 1);
    out.append(message.substr(i, open + 1 - i));
    if (const std::size_t at = cut_at(value); at != std::string_view::npos)
      out.append(value.substr(0, at)).append("\u2026\" ").append(count_of(value));
    else
      out.append(value).push_back('"');
    i = close + 1;
  }
  return out;
}

// Each segment of a JSON pointer cut: /components/aaaa…(5000 characters)/type.
std::string cut_pointer(std::string_view pointer) {
  std::string out;
  std::size_t i = 0;
  while (true) {
    const std::size_t slash = std::min(pointer.find('/', i), pointer.size());
    const std::string_view seg = pointer.substr(i, slash - i);
    if (const std::size_t at = cut_at(seg); at != std::string_view::npos)
      out.append(seg.substr(0, at)).append("\u2026").append(count_of(seg));
    else
      out.append(seg);
    if (slash == pointer.size()) break;
    out.push_back('/');
    i = slash + 1;
  }
  return out;
}

}  // namespace

std::string cut_value(std::string_view v, std::size_t keep) {
  const std::size_t at = cut_at(v, keep);
  if (at == std::string_view::npos) return std::string(v);
  return std::string(v.substr(0, at)) + "\u2026 " + count_of(v);
}

std::string bounded_line(std::string_view file, std::string_view place, std::string_view message) {
  constexpr std::size_t kHead = 700, kTail = 240;  // a line of about 1,000 characters at most
  std::string text = cut_quoted(message);
  if (utf8_length(text) > kHead + kTail + 60) {
    const std::size_t head = utf8_offset(text, kHead), tail = utf8_offset(text, utf8_length(text) - kTail);
    std::ostringstream cut;
    cut << text.substr(0, head) << " \u2026 (" << utf8_length(std::string_view(text).substr(head, tail - head))
        << " characters left out) \u2026 " << text.substr(tail);
    text = cut.str();
  }
  // Built with a stream: GCC 12's -Wrestrict misfires on chains of std::string operator+.
  std::ostringstream out;
  out << cut_pointer(file) << place << text;
  return printable(out.str());
}

std::string ScenarioError::format(std::string_view file) const {
  std::ostringstream place;
  if (line_ > 0) place << ':' << line_ << ':' << column_;
  else if (!pointer_.empty()) place << ": " << cut_pointer(pointer_);
  place << ": ";
  std::string out = bounded_line(file, place.str(), what());
  for (const ScenarioError& e : further_) out += "\n" + e.format(file);
  return out;
}

void ScenarioError::add(const ScenarioError& e) {
  ScenarioError first = e;
  first.further_.clear();
  further_.push_back(std::move(first));
  further_.insert(further_.end(), e.further_.begin(), e.further_.end());
}

std::string ScenarioWarning::format(std::string_view file) const {
  std::ostringstream place;
  if (!pointer.empty()) place << ": " << cut_pointer(pointer);
  place << ": warning: ";
  return bounded_line(file, place.str(), message);
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
