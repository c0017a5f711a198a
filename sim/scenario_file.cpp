#include "sim/scenario_file.h"

#include <filesystem>
#include <fstream>
#include <functional>
#include <set>

#include "sim/errors.h"
#include "sim/json_pointer.h"

namespace archsim {

using nlohmann::json;

namespace {

// A scenario is a few kB; anything this large is not one (and /dev/zero never ends).
constexpr std::size_t kMaxScenarioBytes = std::size_t{64} << 20;

// Follows the parser through the document, so that errors the parser raises without a
// position (a number a double cannot hold) and the duplicate keys it would silently merge
// (the last one wins) are reported at their JSON pointer.
struct Tracker {
  struct Frame {
    bool array = false;
    std::size_t index = 0;  // arrays: the element being read
    std::string key;        // objects: the member being read
    std::set<std::string> keys;
  };
  std::vector<Frame> stack;

  std::string pointer() const {
    std::string p;
    for (const Frame& f : stack) p += "/" + (f.array ? std::to_string(f.index) : pointer_token(f.key));
    return p;
  }
  void value_done() {
    if (!stack.empty() && stack.back().array) ++stack.back().index;
  }
  bool operator()(int, json::parse_event_t event, json& parsed) {
    switch (event) {
      case json::parse_event_t::object_start:
        stack.push_back(Frame{});
        break;
      case json::parse_event_t::array_start:
        stack.emplace_back();
        stack.back().array = true;
        break;
      case json::parse_event_t::key: {
        Frame& f = stack.back();
        f.key = parsed.get<std::string>();
        if (!f.keys.insert(f.key).second)
          throw ScenarioError(pointer(), "duplicate key \"" + f.key + "\" (JSON readers keep only one of them; remove the other)");
        break;
      }
      case json::parse_event_t::object_end:
      case json::parse_event_t::array_end:
        stack.pop_back();
        value_done();
        break;
      case json::parse_event_t::value:
        value_done();
        break;
    }
    return true;
  }
};

}  // namespace

json load_scenario_file(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw ScenarioError("", "is a directory, not a scenario file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ScenarioError("", "cannot open the file");
  std::string text;
  char buf[1 << 16];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    text.append(buf, static_cast<std::size_t>(in.gcount()));
    if (text.size() > kMaxScenarioBytes)
      throw ScenarioError("", "larger than " + std::to_string(kMaxScenarioBytes >> 20) + " MB: not a scenario file");
  }
  if (in.bad()) throw ScenarioError("", "cannot read the file");
  return parse_scenario_text(text);
}

json parse_scenario_text(const std::string& text) {
  if (text.size() > kMaxScenarioBytes)
    throw ScenarioError("", "larger than " + std::to_string(kMaxScenarioBytes >> 20) + " MB: not a scenario file");
  Tracker tracker;
  try {
    return json::parse(text, std::ref(tracker));
  } catch (const json::out_of_range& e) {
    // nlohmann's text: "[json.exception.out_of_range.406] number overflow parsing '1e400'".
    std::string msg = e.what();
    auto close = msg.find("] ");
    throw ScenarioError(tracker.pointer(), (close == std::string::npos ? msg : msg.substr(close + 2)) +
                                               " (beyond the range of a double)");
  } catch (const json::parse_error& e) {
    // Byte offset -> line and column (1-based), as editors count them.
    std::size_t pos = std::min<std::size_t>(e.byte == 0 ? 0 : e.byte - 1, text.size());
    int line = 1, col = 1;
    for (std::size_t i = 0; i < pos; ++i) {
      if (text[i] == '\n') {
        ++line;
        col = 1;
      } else {
        ++col;
      }
    }
    std::string msg = e.what();
    // nlohmann's text: "[json.exception.parse_error.101] parse error at line 3, column 5: syntax error while parsing ..."
    auto colon = msg.find(": ", msg.find("parse error"));
    std::string reason = colon == std::string::npos ? msg : msg.substr(colon + 2);
    throw ScenarioError("", "invalid JSON at line " + std::to_string(line) + ", column " + std::to_string(col) + ": " + reason,
                        line, col);
  }
}

static std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> parts;
  std::string cur;
  for (char c : path) {
    if (c == '.') {
      parts.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  parts.push_back(cur);
  return parts;
}

static bool is_index(const std::string& s) {
  if (s.empty() || s.size() > 9) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

// Resolves the path to (parent pointer, segments relative to the document root).
static std::vector<std::string> root_segments(const json& doc, const std::string& path) {
  std::vector<std::string> parts = split_path(path);
  for (const auto& p : parts)
    if (p.empty()) throw ScenarioError("--set " + path, "empty segment in the path");
  const json* comps = doc.contains("components") ? &doc["components"] : nullptr;
  if (comps && comps->is_array()) {
    for (std::size_t i = 0; i < comps->size(); ++i) {
      const json& c = (*comps)[i];
      if (c.is_object() && c.contains("id") && c["id"].is_string() && c["id"].get<std::string>() == parts[0]) {
        std::vector<std::string> out{"components", std::to_string(i)};
        out.insert(out.end(), parts.begin() + 1, parts.end());
        return out;
      }
    }
  }
  return parts;
}

std::string set_path_pointer(const json& doc, const std::string& path) {
  std::string ptr;
  for (const auto& s : root_segments(doc, path)) ptr += "/" + s;
  return ptr;
}

void apply_set(json& doc, const std::string& assignment) {
  auto eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0)
    throw ScenarioError("--set " + assignment, "expected PATH=VALUE, e.g. web.replicas=4");
  std::string path = assignment.substr(0, eq), text = assignment.substr(eq + 1);
  json value;
  try {
    value = json::parse(text);
  } catch (const json::parse_error&) {
    value = text;  // not JSON: a plain string such as least_connections or 300ms
  } catch (const json::out_of_range&) {
    throw ScenarioError("--set " + path, "the number " + text + " is beyond the range of a double");
  }
  std::vector<std::string> segs = root_segments(doc, path);
  json* cur = &doc;
  std::string where;
  for (std::size_t i = 0; i < segs.size(); ++i) {
    const std::string& s = segs[i];
    bool last = i + 1 == segs.size();
    where += "/" + s;
    if (cur->is_array()) {
      if (!is_index(s)) throw ScenarioError("--set " + path, where + " is inside an array: use a number");
      std::size_t k = std::stoul(s);
      if (k >= cur->size()) throw ScenarioError("--set " + path, where + " is past the end of the array (" + std::to_string(cur->size()) + " items)");
      cur = &(*cur)[k];
    } else if (cur->is_object() || cur->is_null()) {
      // null means absent (docs/scenario-format.md): the field goes, so that a field the
      // scenario's mode does not read is not left behind as an unknown one; nothing is made
      // on the way to a field that is not there.
      if (value.is_null() && (last || cur->is_null() || !cur->contains(s))) {
        if (cur->is_object()) cur->erase(s);
        return;
      }
      if (cur->is_null()) *cur = json::object();
      if (!last && !cur->contains(s)) (*cur)[s] = json::object();
      cur = &(*cur)[s];
    } else {
      throw ScenarioError("--set " + path, where + " is inside a value that is neither an object nor an array");
    }
    if (last) *cur = value;
  }
}

}  // namespace archsim
