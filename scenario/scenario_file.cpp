#include "scenario/scenario_file.h"

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "scenario/errors.h"
#include "scenario/json_pointer.h"
#include "scenario/json_text.h"

namespace archsim {

using nlohmann::json;

json load_scenario_file(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw ScenarioError("", "is a directory, not a scenario file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ScenarioError("", "cannot open the file");
  std::string text;
  char buf[1 << 16];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    text.append(buf, static_cast<std::size_t>(in.gcount()));
    if (text.size() > kMaxJsonBytes)
      throw ScenarioError("", "larger than " + std::to_string(kMaxJsonBytes >> 20) + " MB: not a scenario file");
  }
  if (in.bad()) throw ScenarioError("", "cannot read the file");
  return parse_scenario_text(text);
}

namespace {

// The first control character of `s` (C0, DEL, or C1 encoded in UTF-8: U+0080..U+009F), or
// npos; with `lines_ok`, tabs and line breaks are allowed.
std::size_t control_at(std::string_view s, bool lines_ok) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (lines_ok && (c == '\n' || c == '\t' || c == '\r')) continue;
    if (c < 0x20 || c == 0x7f) return i;
    if (c == 0xc2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) <= 0x9f) return i;
  }
  return std::string_view::npos;
}

void refuse_control(const std::string& pointer, std::string_view s, std::size_t at, bool key) {
  char code[8];
  const auto c = static_cast<unsigned char>(s[at]);
  std::snprintf(code, sizeof code, "U+%04X", c == 0xc2 ? static_cast<unsigned char>(s[at + 1]) : c);
  throw ScenarioError(pointer, std::string(key ? "a key" : "a string") + " holds the control character " + code + " at byte " +
                                   std::to_string(at) +
                                   ": names and values are printed on the terminal and in report.html, where control "
                                   "characters would drive the terminal or break the page (a description may hold line "
                                   "breaks and tabs)");
}

// Every key and string of `j` (depth-bounded by the parser, so recursion is safe).
void check_text(const json& j, const std::string& pointer, bool description) {
  if (j.is_string()) {
    const auto& s = j.get_ref<const std::string&>();
    if (auto at = control_at(s, description); at != std::string_view::npos) refuse_control(pointer, s, at, false);
  } else if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it) {
      const std::string p = pointer + "/" + pointer_token(it.key());
      if (auto at = control_at(it.key(), false); at != std::string_view::npos) refuse_control(p, it.key(), at, true);
      check_text(it.value(), p, it.key() == "description");
    }
  } else if (j.is_array()) {
    for (std::size_t i = 0; i < j.size(); ++i) check_text(j[i], pointer + "/" + std::to_string(i), false);
  }
}

}  // namespace

json parse_scenario_text(const std::string& text) {
  json doc = parse_json(text);
  check_text(doc, "", false);
  return doc;
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
  // Then a fault's "name" (models/faults): "cpu-drop.duration" is /faults/<i>/duration.
  const json* faults = doc.contains("faults") ? &doc["faults"] : nullptr;
  if (faults && faults->is_array()) {
    for (std::size_t i = 0; i < faults->size(); ++i) {
      const json& f = (*faults)[i];
      if (f.is_object() && f.contains("name") && f["name"].is_string() && f["name"].get<std::string>() == parts[0]) {
        std::vector<std::string> out{"faults", std::to_string(i)};
        out.insert(out.end(), parts.begin() + 1, parts.end());
        return out;
      }
    }
  }
  // Neither a component nor a fault, and not in the document: a path into it that is one typo
  // away from a component's id or a fault's name is that typo ("wbe.replicas"), not a new
  // top-level field (which would be refused later as an unknown field of the scenario).
  if (parts.size() > 1 && !(doc.is_object() && doc.contains(parts[0]))) {
    std::vector<std::string> names;
    for (const json* list : {comps, faults})
      if (list && list->is_array())
        for (const json& c : *list)
          for (const char* key : {"id", "name"})
            if (c.is_object() && c.contains(key) && c[key].is_string()) names.push_back(c[key].get<std::string>());
    if (const std::string hint = did_you_mean(parts[0], names); !hint.empty())
      throw ScenarioError("--set " + path, "no component or fault named \"" + printable(parts[0]) + "\"" + hint);
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
  int depth = 0;
  try {
    value = parse_json(text, &depth);
  } catch (const JsonSyntaxError&) {
    value = text;  // not JSON: a plain string such as least_connections or 300ms
  } catch (const ScenarioError& e) {
    throw ScenarioError("--set " + path, "the value " + (e.pointer().empty() ? "" : "at " + e.pointer() + " ") + "is refused: " + e.what());
  }
  if (auto at = control_at(path, false); at != std::string_view::npos) refuse_control("--set " + path, path, at, true);
  check_text(value, "--set " + path, path == "description" || path.ends_with(".description"));
  std::vector<std::string> segs = root_segments(doc, path);
  // The path nests the value further: the document must stay within the parser's depth.
  if (static_cast<int>(segs.size()) + depth > kMaxJsonDepth)
    throw ScenarioError("--set " + path, "the path and the value together nest deeper than " + std::to_string(kMaxJsonDepth) +
                                             " levels of arrays and objects");
  json* cur = &doc;
  std::string where;
  for (std::size_t i = 0; i < segs.size(); ++i) {
    const std::string& s = segs[i];
    bool last = i + 1 == segs.size();
    where += "/" + s;
    if (cur->is_array()) {
      if (!is_index(s)) throw ScenarioError("--set " + path, where + " is inside an array: use a number");
      std::size_t k = std::stoul(s);
      if (last && k == cur->size()) {  // one past the last item appends (a fault added to a scenario's)
        cur->push_back(value);
        return;
      }
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
