#include "tools/import/yaml_json.h"

#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>

#include "sim/json_pointer.h"
#include "tools/import/import_error.h"

namespace archsim::import {

namespace {

// Manifests are small; a file past this is not one (or an alias bomb expanding).
constexpr std::size_t kMaxBytes = 64u << 20;
constexpr std::size_t kMaxNodes = 5'000'000;

struct Converter {
  YamlDocument& doc;
  std::size_t nodes = 0;

  void mark(const std::string& pointer, const YAML::Node& n) {
    const YAML::Mark m = n.Mark();
    if (!m.is_null()) doc.marks.emplace(pointer, std::make_pair(m.line + 1, m.column + 1));
  }

  // YAML 1.2 core schema for plain scalars; quoted or !!str-tagged ones stay strings.
  static nlohmann::json scalar(const YAML::Node& n) {
    const std::string& s = n.Scalar();
    const std::string& tag = n.Tag();
    if (tag != "?" && tag != "tag:yaml.org,2002:int" && tag != "tag:yaml.org,2002:float" &&
        tag != "tag:yaml.org,2002:bool" && tag != "tag:yaml.org,2002:null")
      return s;
    static const std::regex kNull("~|null|Null|NULL|");
    static const std::regex kBool("true|True|TRUE|false|False|FALSE");
    static const std::regex kInt("[-+]?[0-9]+");
    static const std::regex kOct("0o[0-7]+");
    static const std::regex kHex("0x[0-9a-fA-F]+");
    static const std::regex kFloat("[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?");
    if (std::regex_match(s, kNull)) return nullptr;
    if (std::regex_match(s, kBool)) return s[0] == 't' || s[0] == 'T';
    if (std::regex_match(s, kInt) || std::regex_match(s, kOct) || std::regex_match(s, kHex)) {
      const bool oct = s.rfind("0o", 0) == 0, hex = s.rfind("0x", 0) == 0;
      errno = 0;
      char* end = nullptr;
      const long long v = std::strtoll(s.c_str() + (oct || hex ? 2 : 0), &end, oct ? 8 : hex ? 16 : 10);
      if (errno == 0) return v;
      return std::strtod(s.c_str(), nullptr);
    }
    if (std::regex_match(s, kFloat)) return std::strtod(s.c_str(), nullptr);
    return s;
  }

  nlohmann::json convert(const YAML::Node& n, const std::string& pointer) {
    if (++nodes > kMaxNodes) doc.fail(pointer, "more than 5 million nodes once aliases are expanded: not a manifest");
    mark(pointer, n);
    switch (n.Type()) {
      case YAML::NodeType::Null:
      case YAML::NodeType::Undefined: return nullptr;
      case YAML::NodeType::Scalar: return scalar(n);
      case YAML::NodeType::Sequence: {
        nlohmann::json a = nlohmann::json::array();
        std::size_t i = 0;
        for (const auto& item : n) a.push_back(convert(item, pointer + "/" + std::to_string(i++)));
        return a;
      }
      case YAML::NodeType::Map: {
        nlohmann::json o = nlohmann::json::object();
        std::vector<YAML::Node> merges;
        for (const auto& kv : n) {
          if (!kv.first.IsScalar()) doc.fail(pointer, "a map key that is not a plain value");
          const std::string key = kv.first.Scalar();
          if (key == "<<" && kv.first.Tag() == "?") {
            merges.push_back(kv.second);
            continue;
          }
          const std::string child = pointer + "/" + pointer_segment(key);
          if (o.contains(key)) {
            mark(child, kv.first);
            doc.fail(child, "the key \"" + key + "\" appears twice in one map (only one can be meant)");
          }
          o[key] = convert(kv.second, child);
        }
        // Merge keys: what the map does not set itself comes from the merged maps, in order.
        for (const YAML::Node& m : merges) {
          std::vector<YAML::Node> sources;
          if (m.IsMap()) sources.push_back(m);
          else if (m.IsSequence())
            for (const auto& s : m) sources.push_back(s);
          for (const YAML::Node& src : sources) {
            if (!src.IsMap()) doc.fail(pointer, "a merge key (<<) takes a map or a list of maps");
            for (const auto& kv : src) {
              const std::string key = kv.first.Scalar();
              if (o.contains(key)) continue;
              o[key] = convert(kv.second, pointer + "/" + pointer_segment(key));
            }
          }
        }
        return o;
      }
    }
    return nullptr;
  }
};

}  // namespace

std::string ImportError::format() const {
  std::ostringstream out;
  out << file_;
  if (line_ > 0) out << ':' << line_ << ':' << column_;
  if (!where_.empty()) out << ": " << where_;
  out << ": " << what();
  std::string s = out.str();
  for (char& c : s)
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  return s;
}

std::string pointer_segment(const std::string& key) { return pointer_token(key); }

std::string dotted(const std::string& pointer) {
  if (pointer.empty()) return "(document)";
  std::string out;
  std::size_t i = 1;
  while (i <= pointer.size()) {
    std::size_t j = pointer.find('/', i);
    if (j == std::string::npos) j = pointer.size();
    std::string seg = pointer.substr(i, j - i);
    for (std::size_t k = 0; (k = seg.find("~1", k)) != std::string::npos;) seg.replace(k, 2, "/");
    for (std::size_t k = 0; (k = seg.find("~0", k)) != std::string::npos;) seg.replace(k, 2, "~");
    const bool index = !seg.empty() && seg.find_first_not_of("0123456789") == std::string::npos;
    if (index) out += "[" + seg + "]";
    else out += (out.empty() ? "" : ".") + seg;
    i = j + 1;
  }
  return out;
}

int YamlDocument::line(const std::string& pointer) const {
  std::string p = pointer;
  for (;;) {
    auto it = marks.find(p);
    if (it != marks.end()) return it->second.first;
    if (p.empty()) return 0;
    p = p.substr(0, p.rfind('/'));
  }
}

void YamlDocument::fail(const std::string& pointer, const std::string& message) const {
  std::string p = pointer;
  for (;;) {
    auto it = marks.find(p);
    if (it != marks.end()) throw ImportError(file, dotted(pointer), message, it->second.first, it->second.second);
    if (p.empty()) throw ImportError(file, dotted(pointer), message);
    p = p.substr(0, p.rfind('/'));
  }
}

std::vector<YamlDocument> parse_yaml_text(const std::string& text, const std::string& name) {
  std::vector<YAML::Node> nodes;
  try {
    nodes = YAML::LoadAll(text);
  } catch (const YAML::Exception& e) {
    const int line = e.mark.is_null() ? 0 : e.mark.line + 1, col = e.mark.is_null() ? 0 : e.mark.column + 1;
    throw ImportError(name, "", "YAML syntax error: " + e.msg, line, col);
  }
  std::vector<YamlDocument> docs;
  int index = 0;
  for (const YAML::Node& n : nodes) {
    YamlDocument d;
    d.file = name;
    d.index = index++;
    if (n.IsNull()) continue;
    try {
      Converter c{d};
      d.value = c.convert(n, "");
    } catch (const YAML::Exception& e) {
      throw ImportError(name, "", "YAML: " + e.msg, e.mark.is_null() ? 0 : e.mark.line + 1,
                        e.mark.is_null() ? 0 : e.mark.column + 1);
    }
    docs.push_back(std::move(d));
  }
  return docs;
}

std::vector<YamlDocument> load_yaml_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ImportError(path, "", "cannot read the file");
  std::string text;
  char buf[65536];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    text.append(buf, static_cast<std::size_t>(in.gcount()));
    if (text.size() > kMaxBytes) throw ImportError(path, "", "larger than 64 MB: not a manifest");
  }
  return parse_yaml_text(text, path);
}

}  // namespace archsim::import
