// The documents of a YAML stream, walked once through yaml-cpp's event parser before it
// builds anything (yaml_json.h, check_yaml_stream).
//
// Why: yaml-cpp 0.7 (Debian's) ends a document wherever it cannot read on (a line indented
// between its parent's column and its siblings', a stray `,` at block level) and starts a
// new document there without a `---`; when the token it stopped at begins no node, each new
// document consumes nothing and YAML::LoadAll appends null documents forever, allocating
// until the memory is gone (yaml-cpp pull request 1319 fixed LoadAll after 0.8). A YAML
// stream's later documents begin with `---` (or follow a `...`), so a document that begins
// anywhere else is the syntax error yaml-cpp did not report, and is refused at its place.
#include <algorithm>
#include <sstream>
#include <string_view>
#include <vector>

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/mark.h>
#include <yaml-cpp/parser.h>

#include "tools/import/import_error.h"
#include "tools/import/yaml_json.h"

namespace archsim::import {

namespace {

// Records where each document starts; nothing else is kept.
struct DocumentStarts : YAML::EventHandler {
  YAML::Mark start;
  void OnDocumentStart(const YAML::Mark& m) override { start = m; }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t, const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
};

// The text's lines by 0-based number (marks count lines and columns, not bytes).
std::vector<std::string_view> lines_of(const std::string& text) {
  std::vector<std::string_view> out;
  std::size_t at = 0;
  while (at <= text.size()) {
    std::size_t end = text.find('\n', at);
    if (end == std::string::npos) end = text.size();
    out.emplace_back(text.data() + at, end - at);
    at = end + 1;
  }
  return out;
}

// `---` or `...` alone or followed by a space, a tab or a comment: a document marker line.
bool marker(std::string_view line, const char* which) {
  if (line.substr(0, 3) != which) return false;
  return line.size() == 3 || line[3] == ' ' || line[3] == '\t' || line[3] == '\r';
}

}  // namespace

void check_yaml_stream(const std::string& text, const std::string& name) {
  std::istringstream in(text);
  YAML::Parser parser(in);
  DocumentStarts starts;
  std::vector<std::string_view> lines;
  int previous_line = -1;
  for (int index = 0; parser.HandleNextDocument(starts); ++index) {
    if (index == 0) {
      previous_line = starts.start.line;
      continue;
    }
    if (lines.empty()) lines = lines_of(text);
    const int line = starts.start.line;
    const bool opened = line >= 0 && line < static_cast<int>(lines.size()) && starts.start.column == 0 &&
                        marker(lines[static_cast<std::size_t>(line)], "---");
    bool closed = false;  // a `...` between the two starts ends the previous document
    for (int l = std::max(previous_line, 0); !opened && !closed && l < line && l < static_cast<int>(lines.size()); ++l)
      closed = marker(lines[static_cast<std::size_t>(l)], "...");
    if (!opened && !closed)
      throw ImportError(name, "",
                        "YAML syntax error: the document cannot go on here (a wrong indentation or a stray character?), "
                        "and a new document would begin with ---",
                        line + 1, starts.start.column + 1);
    previous_line = line;
  }
}

}  // namespace archsim::import
