// YAML manifests as JSON values with positions: every document of a file (Compose files,
// Kubernetes manifests with `---` separators) parsed by yaml-cpp and turned into an
// nlohmann::json value, remembering the line and column of each node so that a reader can
// name the place of anything it refuses. Only tools/import/yaml_json.cpp includes yaml-cpp.
//
// Scalars follow the YAML 1.2 core schema: a plain (unquoted) scalar that reads as null,
// true/false, an integer (decimal, 0x, 0o) or a float (1.5, 1e3, .inf) becomes that; anything
// quoted stays a string. Aliases are resolved, and merge keys (`<<: *defaults`, common in
// Compose files) are applied: the keys of the merged maps that the map does not set itself.
//
// Hostile input is refused at the place it is found, never followed: text that is not UTF-8
// (or holds a NUL), an alias used inside its own anchor (`a: &a [*a]`, `x: &x {<<: *x}`: a
// cycle), nesting deeper than kMaxDepth, and more than kMaxNodes nodes once aliases are
// expanded (an alias bomb). Readers then read the value through YamlNode, which checks each
// type as it reads it: a readers' mistake cannot become a crash on a wrongly typed field.
#pragma once
#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace archsim::import {

// A document has at most this many nodes once aliases are expanded (and a Compose project
// once `extends` has copied its bases): an alias bomb, not a manifest.
constexpr std::size_t kMaxYamlNodes = 1'000'000;

struct YamlMark {
  int line = 0, column = 0;  // 1-based
  int source = 0;            // index into YamlDocument::sources
};

struct YamlDocument {
  std::string file;  // the file it was read from (merged Compose files: the first)
  int index = 0;     // 0-based position of the document in its file
  nlohmann::json value;
  // JSON pointer ("/services/web/deploy") -> where its node starts. A document merged from
  // several files (Compose -f a -f b, extends) keeps each node's own file in `source`.
  std::map<std::string, YamlMark> marks;
  std::vector<std::string> sources;  // sources[0] == file

  // Throws ImportError at `pointer`'s node (or its nearest ancestor with a position),
  // naming it as a dotted YAML path ("services.web.deploy.replicas").
  [[noreturn]] void fail(const std::string& pointer, const std::string& message) const;
  // The line of `pointer` (or its nearest ancestor), 0 when unknown.
  int line(const std::string& pointer) const;
  // "file:line" of `pointer` (the file the node came from).
  std::string place(const std::string& pointer) const;
};

// Interpolation of Compose files (the Compose specification's interpolation.md): `$VAR`,
// `${VAR}`, `${VAR:-default}` / `${VAR-default}`, `${VAR:?error}` / `${VAR?error}`,
// `${VAR:+alt}` / `${VAR+alt}` and `$$` for a literal `$`, applied to every string value
// before its type is read (so `replicas: ${N:-2}` is the number 2).
struct Variables {
  std::map<std::string, std::string> values;  // the environment, .env and --env-file, merged
  std::vector<std::string>* unset = nullptr;  // variables used and not set ("" was taken)
};

struct YamlOptions {
  // When set, the Compose documents (a map with `services` and no `kind`) are interpolated
  // with these; Kubernetes manifests never are (`$(VAR)` there is the kubelet's).
  const Variables* variables = nullptr;
};

// Refuses (ImportError at its line and column) a document of the stream that does not begin
// with `---` after another: where yaml-cpp 0.7 stops reading without an error and, at some
// tokens, would make null documents forever (tools/import/yaml_stream.cpp). The parser's own
// syntax errors are thrown as YAML::Exception. parse_yaml_text calls it first.
void check_yaml_stream(const std::string& text, const std::string& name);

// Every document of the file, empty ones (a trailing `---`) left out. Throws ImportError
// with line and column for a YAML syntax error, and for a file that cannot be read.
std::vector<YamlDocument> load_yaml_file(const std::string& path, const YamlOptions& options = {});
// The same for text in memory (`name` is the file name used in messages).
std::vector<YamlDocument> parse_yaml_text(const std::string& text, const std::string& name,
                                          const YamlOptions& options = {});

// "/services/web" -> "services.web" (for messages); "" -> "(document)".
std::string dotted(const std::string& pointer);
// A JSON pointer segment with ~ and / escaped.
std::string pointer_segment(const std::string& key);

// One node of a document, read with the type each reader expects: anything else is the
// document's one-line located error ("file:line:col: spec.replicas: expected ...").
// A missing key, or a key set to null (`spec:` with nothing under it), is absent: reading an
// absent node's child gives another absent node, so a reader asks `present()` once, where
// the field is optional, and the required ones fail by name.
class YamlNode {
 public:
  YamlNode(const YamlDocument& doc, std::string pointer, const nlohmann::json* value)
      : doc_(&doc), pointer_(std::move(pointer)), value_(value && !value->is_null() ? value : nullptr) {}
  // The whole document (or the object at `pointer` inside it).
  static YamlNode root(const YamlDocument& doc, const std::string& pointer = "");

  bool present() const { return value_ != nullptr; }
  bool is_map() const { return value_ && value_->is_object(); }
  bool is_list() const { return value_ && value_->is_array(); }
  bool is_string() const { return value_ && value_->is_string(); }
  bool is_number() const { return value_ && value_->is_number(); }
  const std::string& pointer() const { return pointer_; }
  const YamlDocument& doc() const { return *doc_; }
  // The value as read (nullptr for absent): for the unit readers (quantities, durations).
  const nlohmann::json& raw() const;

  // A map's key (absent when missing); fails when this node is present and not a map.
  YamlNode operator[](const std::string& key) const;
  // The map's entries in order (none when absent); fails unless a map.
  std::vector<std::pair<std::string, YamlNode>> entries(const std::string& expected = "a map") const;
  // The list's items (none when absent); fails unless a list.
  std::vector<YamlNode> items(const std::string& expected = "a list") const;
  // Every key of the map must be one of `known` (else "not a field of <of>" with did-you-mean).
  void only(const std::vector<std::string>& known, const std::string& of) const;

  std::string str(const std::string& expected) const;  // a string
  // A string, or a number or boolean as written (environment values: `PORT: 8080`).
  std::string text(const std::string& expected) const;
  std::optional<std::string> str_or(const std::string& expected) const;  // nullopt when absent
  long long whole(long long lo, long long hi) const;                     // an integer in [lo, hi]
  std::optional<long long> whole_or(long long lo, long long hi) const;
  double number(double lo, double hi) const;
  bool boolean() const;

  [[noreturn]] void fail(const std::string& message) const { doc_->fail(pointer_, message); }
  std::string place() const { return doc_->place(pointer_); }  // "file:line"

 private:
  const YamlDocument* doc_;
  std::string pointer_;
  const nlohmann::json* value_;
};

}  // namespace archsim::import
