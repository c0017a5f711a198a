#include "tools/import/yaml_json.h"

#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <unordered_set>

#include "scenario/errors.h"
#include "scenario/json_pointer.h"
#include "tools/import/import_error.h"

namespace archsim::import {

namespace {

// Manifests are small; a file past this is not one, nor a document that expands (through
// aliases) past these many nodes or bytes of text, nor one nested deeper than kMaxDepth (a
// Kubernetes manifest is about 15 deep).
constexpr std::size_t kMaxManifestBytes = 64u << 20;
constexpr std::size_t kMaxExpandedBytes = 256u << 20;
constexpr int kMaxDepth = 128;
// `${A:-${B:-${C}}}`: a default inside a default. Compose files nest two or three; each level
// is read by recursion, so a value nesting thousands would overflow the stack.
constexpr int kMaxInterpolationDepth = 32;

bool is_name_char(char c, bool first) {
  return c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (!first && c >= '0' && c <= '9');
}

// The Compose specification's interpolation of one string; throws std::invalid_argument
// with the reason. `nesting`: how many defaults this one is inside.
std::string interpolate(const std::string& s, const Variables& vars, int nesting = 0) {
  if (nesting > kMaxInterpolationDepth)
    throw std::invalid_argument("${...} nested more than " + std::to_string(kMaxInterpolationDepth) +
                                " deep inside defaults: not a Compose value");
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '$') {
      out += s[i];
      continue;
    }
    if (i + 1 < s.size() && s[i + 1] == '$') {
      out += '$';
      ++i;
      continue;
    }
    std::string name, op, arg;
    if (i + 1 < s.size() && s[i + 1] == '{') {
      std::size_t j = i + 2, depth = 1, close = std::string::npos;
      for (std::size_t k = j; k < s.size(); ++k) {
        if (s[k] == '{' && k > 0 && s[k - 1] == '$') ++depth;
        else if (s[k] == '}' && --depth == 0) {
          close = k;
          break;
        }
      }
      if (close == std::string::npos) throw std::invalid_argument("an unclosed ${ in \"" + shown(s) + "\"");
      const std::string body = s.substr(j, close - j);
      std::size_t n = 0;
      while (n < body.size() && is_name_char(body[n], n == 0)) ++n;
      name = body.substr(0, n);
      if (name.empty()) throw std::invalid_argument("\"${" + shown(body) + "}\" names no variable (write $$ for a literal $)");
      const std::string rest = body.substr(n);
      if (!rest.empty()) {
        const std::size_t opn = rest.size() >= 2 && rest[0] == ':' ? 2 : 1;
        op = rest.substr(0, opn);
        if (op != ":-" && op != "-" && op != ":?" && op != "?" && op != ":+" && op != "+")
          throw std::invalid_argument("\"${" + shown(body) + "}\": expected ${VAR}, ${VAR:-default}, ${VAR-default}, "
                                      "${VAR:?error} or ${VAR:+replacement}");
        arg = interpolate(rest.substr(opn), vars, nesting + 1);
      }
      i = close;
    } else {
      std::size_t n = i + 1;
      while (n < s.size() && is_name_char(s[n], n == i + 1)) ++n;
      name = s.substr(i + 1, n - i - 1);
      if (name.empty()) {
        out += '$';
        continue;
      }
      i = n - 1;
    }
    auto it = vars.values.find(name);
    const bool set = it != vars.values.end(), nonempty = set && !it->second.empty();
    const std::string value = set ? it->second : "";
    if (op == ":-") out += nonempty ? value : arg;
    else if (op == "-") out += set ? value : arg;
    else if (op == ":?" || op == "?") {
      if (op == ":?" ? !nonempty : !set)
        throw std::invalid_argument("required variable " + name + " is " + (set ? "empty" : "not set") +
                                    (arg.empty() ? std::string() : ": " + arg));
      out += value;
    } else if (op == ":+") out += nonempty ? arg : "";
    else if (op == "+") out += set ? arg : "";
    else {
      if (!set && vars.unset) vars.unset->push_back(name);
      out += value;
    }
  }
  return out;
}

// The YAML 1.2 core schema's plain scalars, matched by hand: std::regex costs a microsecond a
// scalar, and an alias-expanded document has a million of them.
bool digits(const std::string& s, std::size_t from, int base) {
  if (from >= s.size()) return false;
  for (std::size_t i = from; i < s.size(); ++i) {
    const char c = s[i];
    const bool ok = base == 8 ? c >= '0' && c <= '7'
                    : base == 16 ? (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
                                 : c >= '0' && c <= '9';
    if (!ok) return false;
  }
  return true;
}
// [-+]?[0-9]+
bool integer(const std::string& s) { return digits(s, s.empty() || (s[0] != '-' && s[0] != '+') ? 0 : 1, 10); }
// 0o[0-7]+, 0x[0-9a-fA-F]+
bool prefixed_digits(const std::string& s, const char* prefix, int base) { return s.rfind(prefix, 0) == 0 && digits(s, 2, base); }
// [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?
bool decimal(const std::string& s) {
  std::size_t i = !s.empty() && (s[0] == '-' || s[0] == '+') ? 1 : 0;
  auto run = [&] {
    const std::size_t from = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    return i - from;
  };
  const std::size_t whole = run();
  if (i < s.size() && s[i] == '.') {
    ++i;
    if (run() == 0 && whole == 0) return false;
  } else if (whole == 0) {
    return false;
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
    if (run() == 0) return false;
  }
  return i == s.size();
}
// [-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN)
bool special(const std::string& s) {
  const std::string t = !s.empty() && (s[0] == '-' || s[0] == '+') ? s.substr(1) : s;
  if (t == ".inf" || t == ".Inf" || t == ".INF") return true;
  return s == ".nan" || s == ".NaN" || s == ".NAN";
}

struct Converter {
  YamlDocument& doc;
  const Variables* vars;
  std::size_t nodes = 0, bytes = 0;
  std::vector<YAML::Node> path;  // the ancestors of the node being converted
  // Collections converted once (by their place in the text): a second visit is an alias's
  // copy, whose nodes are not marked again (an error in it names the place of the alias, the
  // nearest marked pointer), so a document that aliases expand costs no mark per node.
  std::unordered_set<std::size_t> converted;
  bool marking = true;

  void mark(const std::string& pointer, const YAML::Node& n) {
    const YAML::Mark m = n.Mark();
    if (!m.is_null()) doc.marks.emplace(pointer, YamlMark{m.line + 1, m.column + 1, 0});
  }

  // YAML 1.2 core schema for plain scalars; quoted or !!str-tagged ones stay strings.
  static nlohmann::json typed(const std::string& s, const std::string& tag) {
    if (tag != "?" && tag != "tag:yaml.org,2002:int" && tag != "tag:yaml.org,2002:float" &&
        tag != "tag:yaml.org,2002:bool" && tag != "tag:yaml.org,2002:null")
      return s;
    if (s.size() > 64) return s;  // no number or keyword is this long
    if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return nullptr;
    if (s == "true" || s == "True" || s == "TRUE") return true;
    if (s == "false" || s == "False" || s == "FALSE") return false;
    const bool oct = prefixed_digits(s, "0o", 8), hex = prefixed_digits(s, "0x", 16);
    if (oct || hex || integer(s)) {
      errno = 0;
      char* end = nullptr;
      const long long v = std::strtoll(s.c_str() + (oct || hex ? 2 : 0), &end, oct ? 8 : hex ? 16 : 10);
      if (errno == 0) return v;
      return std::strtod(s.c_str(), nullptr);
    }
    if (decimal(s)) return std::strtod(s.c_str(), nullptr);
    if (special(s)) return s;  // JSON has no infinity: kept as written
    return s;
  }

  void check_text(const std::string& s, const std::string& pointer, const char* what) {
    bytes += s.size();
    if (bytes > kMaxExpandedBytes)
      doc.fail(pointer, "more than 256 MB of text once aliases are expanded: not a manifest");
    if (const std::size_t bad = bad_utf8(s); bad != std::string::npos)
      doc.fail(pointer, std::string(what) + " \"" + shown(s) + "\" " +
                            (s[bad] == '\0' ? std::string("holds a NUL character")
                                             : "is not UTF-8 text (byte " + shown(s.substr(bad, 1)) + ")") +
                            " at offset " + std::to_string(bad));
  }

  nlohmann::json scalar(const YAML::Node& n, const std::string& pointer) {
    std::string s = n.Scalar();
    check_text(s, pointer, "the value");
    if (vars) {
      try {
        s = interpolate(s, *vars);
      } catch (const std::invalid_argument& e) {
        doc.fail(pointer, std::string("interpolation: ") + e.what());
      }
      check_text(s, pointer, "the value");
    }
    return typed(s, n.Tag());
  }

  nlohmann::json convert(const YAML::Node& n, const std::string& pointer) {
    if (++nodes > kMaxYamlNodes)
      doc.fail(pointer, "more than a million nodes once aliases are expanded: not a manifest (an alias bomb?)");
    if (marking) mark(pointer, n);
    struct Restore {
      bool& flag;
      bool was;
      ~Restore() { flag = was; }
    } restore{marking, marking};
    if (marking && (n.IsMap() || n.IsSequence()) && !n.Mark().is_null() && !converted.insert(n.Mark().pos).second)
      marking = false;
    if (static_cast<int>(path.size()) >= kMaxDepth) {
      for (const YAML::Node& a : path)
        if (a.is(n)) doc.fail(pointer, "an alias used inside its own anchor (the value would contain itself)");
      doc.fail(pointer, "nested more than " + std::to_string(kMaxDepth) + " levels deep: not a manifest");
    }
    // A collection that is one of its own ancestors is an alias inside its own anchor.
    if (n.IsMap() || n.IsSequence())
      for (const YAML::Node& a : path)
        if (a.is(n)) doc.fail(pointer, "an alias used inside its own anchor (the value would contain itself)");
    switch (n.Type()) {
      case YAML::NodeType::Null:
      case YAML::NodeType::Undefined: return nullptr;
      case YAML::NodeType::Scalar: return scalar(n, pointer);
      case YAML::NodeType::Sequence: {
        path.push_back(n);
        nlohmann::json a = nlohmann::json::array();
        std::size_t i = 0;
        for (const auto& item : n) a.push_back(convert(item, pointer + "/" + std::to_string(i++)));
        path.pop_back();
        return a;
      }
      case YAML::NodeType::Map: {
        path.push_back(n);
        nlohmann::json o = nlohmann::json::object();
        std::vector<YAML::Node> merges;
        for (const auto& kv : n) {
          if (!kv.first.IsScalar()) doc.fail(pointer, "a map key that is not a plain value");
          const std::string key = kv.first.Scalar();
          check_text(key, pointer, "the key");
          if (key == "<<" && kv.first.Tag() == "?") {
            merges.push_back(kv.second);
            continue;
          }
          const std::string child = pointer + "/" + pointer_segment(key);
          if (o.contains(key)) {
            mark(child, kv.first);
            doc.fail(child, "the key \"" + shown(key) + "\" appears twice in one map (only one can be meant)");
          }
          if (kv.second.IsNull() && marking) mark(child, kv.first);  // `spec:` with nothing: its key is the place
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
            for (const YAML::Node& a : path)
              if (a.is(src)) doc.fail(pointer, "a merge key (<<) of the map it is in: an alias used inside its own anchor (the value would contain itself)");
            path.push_back(src);
            for (const auto& kv : src) {
              if (!kv.first.IsScalar()) doc.fail(pointer, "a map key that is not a plain value");
              const std::string key = kv.first.Scalar();
              check_text(key, pointer, "the key");
              if (o.contains(key) || key == "<<") continue;
              o[key] = convert(kv.second, pointer + "/" + pointer_segment(key));
            }
            path.pop_back();
          }
        }
        path.pop_back();
        return o;
      }
    }
    return nullptr;
  }
};

// A Compose file at the YAML level: a map with `services` and neither `kind` nor `apiVersion`.
bool compose_node(const YAML::Node& n) { return n.IsMap() && n["services"] && !n["kind"] && !n["apiVersion"]; }

// Helm's template actions: `{{ .Values.x }}`, `{{- include ... }}`, `{{ if }}` ... `{{ end }}`.
const std::regex kHelm("\\{\\{-?\\s*(\\.Values|\\.Release|\\.Chart|\\.Capabilities|\\.Files|\\.Template|include\\b|"
                       "template\\b|if\\b|else\\b|end\\b|range\\b|with\\b|define\\b|toYaml\\b|tpl\\b|printf\\b|\\$)");

}  // namespace

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
    else out += (out.empty() ? "" : ".") + shown(seg, 60);
    i = j + 1;
  }
  return shown(out, 300);
}

namespace {

const YamlMark* nearest(const YamlDocument& d, const std::string& pointer) {
  std::string p = pointer;
  for (;;) {
    auto it = d.marks.find(p);
    if (it != d.marks.end()) return &it->second;
    if (p.empty()) return nullptr;
    p = p.substr(0, p.rfind('/'));
  }
}

}  // namespace

int YamlDocument::line(const std::string& pointer) const {
  const YamlMark* m = nearest(*this, pointer);
  return m ? m->line : 0;
}

std::string YamlDocument::place(const std::string& pointer) const {
  const YamlMark* m = nearest(*this, pointer);
  const std::string& f = m && m->source > 0 && m->source < static_cast<int>(sources.size()) ? sources[m->source] : file;
  return m && m->line > 0 ? f + ":" + std::to_string(m->line) : f;
}

void YamlDocument::fail(const std::string& pointer, const std::string& message) const {
  const YamlMark* m = nearest(*this, pointer);
  if (!m) throw ImportError(file, dotted(pointer), message);
  const std::string& f = m->source > 0 && m->source < static_cast<int>(sources.size()) ? sources[m->source] : file;
  throw ImportError(f, dotted(pointer), message, m->line, m->column);
}

std::vector<YamlDocument> parse_yaml_text(const std::string& text, const std::string& name, const YamlOptions& options) {
  if (const std::size_t bad = bad_utf8(text); bad != std::string::npos) {
    const int line = 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<long>(bad), '\n'));
    const std::size_t start = text.rfind('\n', bad == 0 ? 0 : bad - 1);
    const int col = static_cast<int>(bad - (start == std::string::npos || bad == 0 ? 0 : start + 1)) + 1;
    throw ImportError(name, "", text[bad] == '\0' ? "a NUL character: not YAML text"
                                                  : "byte " + shown(text.substr(bad, 1)) + " is not UTF-8 text (YAML is UTF-8)",
                      line, col);
  }
  std::smatch helm;
  if (std::regex_search(text, helm, kHelm)) {
    const std::size_t at = static_cast<std::size_t>(helm.position(0));
    const int line = 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<long>(at), '\n'));
    const std::size_t start = text.rfind('\n', at == 0 ? 0 : at - 1);
    const int col = static_cast<int>(at - (start == std::string::npos || at == 0 ? 0 : start + 1)) + 1;
    throw ImportError(name, "", "a Helm template (" + shown(helm.str(0), 40) +
                                    " ...): render it with `helm template` first and import what it prints",
                      line, col);
  }
  std::vector<YAML::Node> nodes;
  try {
    check_yaml_stream(text, name);
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
    d.sources = {name};
    d.index = index++;
    if (n.IsNull()) continue;
    try {
      Converter c{d, options.variables && compose_node(n) ? options.variables : nullptr, 0, 0, {}, {}, true};
      d.value = c.convert(n, "");
    } catch (const YAML::Exception& e) {
      throw ImportError(name, "", "YAML: " + e.msg, e.mark.is_null() ? 0 : e.mark.line + 1,
                        e.mark.is_null() ? 0 : e.mark.column + 1);
    }
    docs.push_back(std::move(d));
  }
  return docs;
}

std::vector<YamlDocument> load_yaml_file(const std::string& path, const YamlOptions& options) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ImportError(path, "", "cannot read the file");
  std::string text;
  char buf[65536];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    text.append(buf, static_cast<std::size_t>(in.gcount()));
    if (text.size() > kMaxManifestBytes) throw ImportError(path, "", "larger than 64 MB: not a manifest");
  }
  return parse_yaml_text(text, path, options);
}

// ---- YamlNode: typed reads with the document's located errors.

namespace {

const char* type_name(const nlohmann::json& v) {
  switch (v.type()) {
    case nlohmann::json::value_t::object: return "a map";
    case nlohmann::json::value_t::array: return "a list";
    case nlohmann::json::value_t::string: return "a string";
    case nlohmann::json::value_t::boolean: return "a boolean";
    case nlohmann::json::value_t::null: return "nothing";
    default: return "a number";
  }
}

const nlohmann::json& null_json() {
  static const nlohmann::json n;
  return n;
}

}  // namespace

YamlNode YamlNode::root(const YamlDocument& doc, const std::string& pointer) {
  if (pointer.empty()) return YamlNode(doc, "", &doc.value);
  const nlohmann::json::json_pointer p(pointer);
  return YamlNode(doc, pointer, doc.value.contains(p) ? &doc.value.at(p) : nullptr);
}

const nlohmann::json& YamlNode::raw() const { return value_ ? *value_ : null_json(); }

YamlNode YamlNode::operator[](const std::string& key) const {
  const std::string p = pointer_ + "/" + pointer_segment(key);
  if (!value_) return YamlNode(*doc_, p, nullptr);
  if (!value_->is_object()) fail(std::string("expected a map (with ") + shown(key, 40) + "), not " + type_name(*value_));
  auto it = value_->find(key);
  return YamlNode(*doc_, p, it == value_->end() ? nullptr : &*it);
}

std::vector<std::pair<std::string, YamlNode>> YamlNode::entries(const std::string& expected) const {
  std::vector<std::pair<std::string, YamlNode>> out;
  if (!value_) return out;
  if (!value_->is_object()) fail("expected " + expected + ", not " + type_name(*value_));
  for (auto it = value_->begin(); it != value_->end(); ++it)
    out.emplace_back(it.key(), YamlNode(*doc_, pointer_ + "/" + pointer_segment(it.key()), &it.value()));
  return out;
}

std::vector<YamlNode> YamlNode::items(const std::string& expected) const {
  std::vector<YamlNode> out;
  if (!value_) return out;
  if (!value_->is_array()) fail("expected " + expected + ", not " + type_name(*value_));
  for (std::size_t i = 0; i < value_->size(); ++i)
    out.emplace_back(*doc_, pointer_ + "/" + std::to_string(i), &(*value_)[i]);
  return out;
}

void YamlNode::only(const std::vector<std::string>& known, const std::string& of) const {
  for (const auto& [k, v] : entries("a map (" + of + ")"))
    if (std::find(known.begin(), known.end(), k) == known.end())
      v.fail("not a field of " + of + did_you_mean(k, known));
}

std::string YamlNode::str(const std::string& expected) const {
  if (!value_) fail("required: " + expected);
  if (!value_->is_string()) fail("expected " + expected + ", not " + type_name(*value_));
  return value_->get<std::string>();
}

std::string YamlNode::text(const std::string& expected) const {
  if (!value_) return "";
  if (value_->is_string()) return value_->get<std::string>();
  if (value_->is_number() || value_->is_boolean()) return value_->dump();
  fail("expected " + expected + ", not " + type_name(*value_));
}

std::optional<std::string> YamlNode::str_or(const std::string& expected) const {
  if (!value_) return std::nullopt;
  return str(expected);
}

long long YamlNode::whole(long long lo, long long hi) const {
  const std::string range = "a whole number from " + std::to_string(lo) + " to " + std::to_string(hi);
  if (!value_) fail("required: " + range);
  if (!value_->is_number_integer()) fail("expected " + range + ", not " + (value_->is_number() ? "a fraction" : type_name(*value_)));
  const long long v = value_->is_number_unsigned() && value_->get<unsigned long long>() > 9'000'000'000'000'000'000ULL
                          ? hi + 1
                          : value_->get<long long>();
  if (v < lo || v > hi) fail("expected " + range);
  return v;
}

std::optional<long long> YamlNode::whole_or(long long lo, long long hi) const {
  if (!value_) return std::nullopt;
  return whole(lo, hi);
}

double YamlNode::number(double lo, double hi) const {
  if (!value_ || !value_->is_number()) fail("expected a number" + std::string(value_ ? std::string(", not ") + type_name(*value_) : ""));
  const double v = value_->get<double>();
  if (!(v >= lo && v <= hi)) fail("expected a number from " + shown(nlohmann::json(lo).dump()) + " to " + nlohmann::json(hi).dump());
  return v;
}

bool YamlNode::boolean() const {
  if (!value_ || !value_->is_boolean()) fail("expected true or false");
  return value_->get<bool>();
}

}  // namespace archsim::import
