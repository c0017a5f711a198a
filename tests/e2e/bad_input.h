// What every bad-input test checks (docs/scenario-format.md): exit code 2, stdout empty,
// and exactly one line on stderr,
//     <file>: <json-pointer>: <message>          for a scenario that parses but is wrong
//     <file>:<line>:<column>: <message>          for malformed JSON
// Each input is a small file in tests/e2e/bad/ with exactly one fault, or a shipped scenario
// with one --set; the test names the JSON location it must be reported at and words the
// message must contain. The cases live in tests/e2e/test_bad_input*.cpp, one file per topic;
// every file named so is in the sanitizer stage's target (CMakeLists.txt).
#pragma once

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "tests/e2e/run_archsim.h"

namespace archsim::e2e::bad_input {

inline std::string bad(const std::string& file) { return archsim::e2e::source_path("tests/e2e/bad/" + file); }

// What the line starts with before the file name: nothing, so that editors and CI annotators
// that parse "<file>:<line>:<column>:" at the start of a line can jump to the fault.
constexpr const char* kLinePrefix = "";

// Bad input must not take long: validation happens before t = 0.
constexpr double kTimeout = 30;

inline RunResult run_bad(const std::string& path, std::vector<std::string> extra = {}) {
  std::vector<std::string> args = {"run", path, "--json", "--quiet", "--out", archsim::e2e::scratch_dir("bad")};
  args.insert(args.end(), extra.begin(), extra.end());
  return run_archsim(args, kTimeout);
}

// Exit 2, nothing on stdout, one line on stderr; returns that line (or "" after a failed check).
inline std::string one_error_line(const RunResult& r) {
  INFO(describe(r));
  CHECK(!r.timed_out);
  CHECK(r.signal == 0);
  CHECK(r.exit_code == 2);
  CHECK(r.out.empty());
  const auto ls = lines(r.err);
  CHECK(ls.size() == 1);
  CHECK((!r.err.empty() && r.err.back() == '\n'));
  return ls.empty() ? std::string() : ls.front();
}

struct Case {
  const char* file;
  const char* pointer;             // the exact JSON pointer, or a prefix when `pointer_prefix`
  std::vector<const char*> words;  // must appear in the message (case-sensitive)
  bool pointer_prefix = false;
};

inline void check_semantic_error(const RunResult& r, const std::string& path, const Case& c) {
  const std::string line = one_error_line(r);
  INFO("stderr line: ", line);
  const std::string head = kLinePrefix + path + ": " + c.pointer;
  if (c.pointer_prefix) {
    CHECK(line.rfind(head, 0) == 0);
  } else {
    CHECK(line.rfind(head + ": ", 0) == 0);
  }
  for (const char* w : c.words) {
    CAPTURE(w);
    CHECK(line.find(w) != std::string::npos);
  }
}

// One scenario, one --set each: every setting is refused at its pointer (Case), one line.
struct SetCase {
  std::string set;
  Case c;
};
inline void check_set_cases(const std::string& path, const std::vector<SetCase>& cases) {
  for (const SetCase& sc : cases) {
    CAPTURE(sc.set);
    check_semantic_error(run_bad(path, {"--set", sc.set}), path, sc.c);
  }
}

}  // namespace archsim::e2e::bad_input
