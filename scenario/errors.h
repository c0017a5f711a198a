// Bad input is answered, never crashed on: every error in a scenario is a ScenarioError
// carrying the JSON location (a JSON pointer such as /components/3/service_time/mean) or,
// for syntax errors, the line and column. The CLI prints it as one line and exits 2.
#pragma once
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace archsim {

class ScenarioError : public std::runtime_error {
 public:
  ScenarioError(std::string pointer, std::string message, int line = 0, int column = 0)
      : std::runtime_error(message), pointer_(std::move(pointer)), line_(line), column_(column) {}
  const std::string& pointer() const { return pointer_; }
  int line() const { return line_; }
  int column() const { return column_; }
  // "<file>: <pointer>: <message>" or "<file>:<line>:<column>: <message>", one line of a
  // bounded length: the values it echoes are cut (bounded_line below). With further errors
  // (add), one such line each after it.
  std::string format(std::string_view file) const;
  // Another error found in the same pass (another component's), reported after this one.
  void add(const ScenarioError& e);
  // This error and the further ones.
  std::size_t count() const { return 1 + further_.size(); }

 private:
  std::string pointer_;
  int line_, column_;
  std::vector<ScenarioError> further_;
};

// Something a scenario probably got wrong that does not stop it from running (a connection
// budget overrun: scenario/connection_budget.h). Said at load on stderr, exit status unchanged.
struct ScenarioWarning {
  std::string pointer, message;
  // "<file>: <pointer>: warning: <message>".
  std::string format(std::string_view file) const;
};

// `s` with its control characters shown as \n, \t, \r or \xHH (C0 and DEL): text from the
// input (a newline in an id, an ANSI escape) would split a one-line message or drive the
// terminal. With `keep_line_breaks`, '\n' stays a line break (a table of several lines).
std::string printable(std::string_view s, bool keep_line_breaks = false);

// `v` when it has at most about `keep` characters, else its first `keep` characters, an
// ellipsis and how many characters it has: aaaa… (5000 characters). Cut at a UTF-8
// character's start.
std::string cut_value(std::string_view v, std::size_t keep = 60);

// The one place where an error line's length is bounded, whatever it echoes (a 5,000-character
// id, a cycle of 10,000 components): each quoted value of `message` ("...") and each segment
// of `pointer` is cut by cut_value; what is left, when still longer than about 1,000
// characters (a listing such as a cycle's), keeps its start and its end with the middle cut
// out and counted. Then made printable. ScenarioError and ScenarioWarning format through it.
std::string bounded_line(std::string_view file, std::string_view place, std::string_view message);

// " (did you mean \"x\"?)" when a candidate is within a small edit distance of `word`,
// else "". Used for unknown fields, types, component ids and algorithm names.
std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace archsim
