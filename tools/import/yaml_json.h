// YAML manifests as JSON values with positions: every document of a file (Compose files,
// Kubernetes manifests with `---` separators) parsed by yaml-cpp and turned into an
// nlohmann::json value, remembering the line and column of each node so that a reader can
// name the place of anything it refuses. Only tools/import/yaml_json.cpp includes yaml-cpp.
//
// Scalars follow the YAML 1.2 core schema: a plain (unquoted) scalar that reads as null,
// true/false, an integer (decimal, 0x, 0o) or a float (1.5, 1e3, .inf) becomes that; anything
// quoted stays a string. Aliases are resolved, and merge keys (`<<: *defaults`, common in
// Compose files) are applied: the keys of the merged maps that the map does not set itself.
#pragma once
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace archsim::import {

struct YamlDocument {
  std::string file;
  int index = 0;  // 0-based position of the document in its file
  nlohmann::json value;
  // JSON pointer ("/services/web/deploy") -> (line, column), 1-based: where its node starts.
  std::map<std::string, std::pair<int, int>> marks;

  // Throws ImportError at `pointer`'s node (or its nearest ancestor with a position),
  // naming it as a dotted YAML path ("services.web.deploy.replicas").
  [[noreturn]] void fail(const std::string& pointer, const std::string& message) const;
  // The line of `pointer` (or its nearest ancestor), 0 when unknown.
  int line(const std::string& pointer) const;
};

// Every document of the file, empty ones (a trailing `---`) left out. Throws ImportError
// with line and column for a YAML syntax error, and for a file that cannot be read.
std::vector<YamlDocument> load_yaml_file(const std::string& path);
// The same for text in memory (`name` is the file name used in messages).
std::vector<YamlDocument> parse_yaml_text(const std::string& text, const std::string& name);

// "/services/web" -> "services.web" (for messages); "" -> "(document)".
std::string dotted(const std::string& pointer);
// A JSON pointer segment with ~ and / escaped.
std::string pointer_segment(const std::string& key);

}  // namespace archsim::import
