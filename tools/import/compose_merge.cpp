#include "tools/import/compose_merge.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>
#include <utility>

#include "tools/import/import_error.h"

namespace archsim::import {

namespace {

using nlohmann::json;

// The marks of `from`'s subtree at `from_at` (only its root's with `subtree` false), copied to
// `to` under `to_at` with their source renumbered into `to`'s sources.
void copy_marks(const YamlDocument& from, const std::string& from_at, YamlDocument& to, const std::string& to_at,
                bool subtree = true) {
  std::vector<int> source;
  for (const std::string& f : from.sources) {
    auto it = std::find(to.sources.begin(), to.sources.end(), f);
    if (it == to.sources.end()) it = to.sources.insert(to.sources.end(), f);
    source.push_back(static_cast<int>(it - to.sources.begin()));
  }
  for (auto it = from.marks.lower_bound(from_at); it != from.marks.end(); ++it) {
    const std::string& p = it->first;
    if (p.compare(0, from_at.size(), from_at) != 0 || (!subtree && p != from_at)) break;
    if (p.size() > from_at.size() && p[from_at.size()] != '/') continue;
    YamlMark m = it->second;
    m.source = m.source < static_cast<int>(source.size()) ? source[m.source] : 0;
    to.marks[to_at + p.substr(from_at.size())] = m;
  }
}

// `environment`, `labels`: a list of KEY=VALUE (or KEY) as a map; `depends_on`: a list of names as
// a map of name -> {}. Anything else unchanged (the reader checks the types).
json as_map(const std::string& key, const json& v) {
  if (!v.is_array()) return v;
  json m = json::object();
  for (const json& item : v) {
    if (!item.is_string()) return v;
    const std::string s = item.get<std::string>();
    if (key == "depends_on") m[s] = json::object();
    else {
      const auto eq = s.find('=');
      m[s.substr(0, eq)] = eq == std::string::npos ? json() : json(s.substr(eq + 1));
    }
  }
  return m;
}

bool replaced_whole(const std::string& pointer) {
  auto ends = [&](const std::string& tail) {
    return pointer.size() >= tail.size() && pointer.compare(pointer.size() - tail.size(), tail.size(), tail) == 0;
  };
  return ends("/command") || ends("/entrypoint") || ends("/healthcheck/test");
}

// Merges `over` (at `over_at` in its document) into `base` (at `at` in `out`).
void merge(json& base, const std::string& at, const json& over, const YamlDocument& from, const std::string& over_at,
           YamlDocument& out, const std::string& key) {
  const json o = key == "environment" || key == "labels" || key == "depends_on" ? as_map(key, over) : over;
  if (key == "environment" || key == "labels" || key == "depends_on") base = as_map(key, base);
  if (base.is_object() && o.is_object()) {
    for (auto it = o.begin(); it != o.end(); ++it) {
      const std::string child = at + "/" + pointer_segment(it.key());
      const std::string from_child = over_at + "/" + pointer_segment(it.key());
      if (!base.contains(it.key())) {
        base[it.key()] = it.value();
        copy_marks(from, from_child, out, child);
      } else {
        merge(base[it.key()], child, it.value(), from, from_child, out, it.key());
      }
    }
    return;
  }
  if (base.is_array() && o.is_array() && !replaced_whole(at)) {
    for (std::size_t i = 0; i < o.size(); ++i) {
      if (std::find(base.begin(), base.end(), o[i]) != base.end()) continue;
      copy_marks(from, over_at + "/" + std::to_string(i), out, at + "/" + std::to_string(base.size()));
      base.push_back(o[i]);
    }
    return;
  }
  base = o;
  copy_marks(from, over_at, out, at);
}

std::size_t count_nodes(const json& v) {
  std::size_t n = 1;
  if (v.is_structured())
    for (const json& c : v) n += count_nodes(c);
  return n;
}

struct Extender {
  const YamlOptions& options;
  // Each service resolved once, keyed by its document and name: its value with its own marks
  // (relative to the service), so that a chain of services extending one another costs the sum
  // of their sizes, not its square. A std::map: references to its entries stay valid as it grows.
  std::map<std::pair<const YamlDocument*, std::string>, YamlDocument> resolved;
  std::map<std::string, std::vector<YamlDocument>> loaded;  // files extends named, read once
  std::vector<std::string> chain;                           // "file#service" being extended, for cycles
  // Values and marks the resolved services hold: extends copies a base into every service
  // extending it, so a few lines can ask for copies of a large service again and again.
  std::size_t nodes = 0;

  // The service `name` of `doc` with its own extends applied; marks relative to the service.
  const YamlDocument& resolve(const YamlDocument& doc, const std::string& name) {
    const std::string sp = "/services/" + pointer_segment(name);
    const YamlNode s = YamlNode::root(doc, sp);
    const std::string id = doc.file + "#" + name;
    if (auto it = resolved.find({&doc, name}); it != resolved.end()) return it->second;
    if (std::find(chain.begin(), chain.end(), id) != chain.end()) {
      std::string cycle;
      for (const std::string& c : chain) cycle += c.substr(c.find('#') + 1) + " -> ";
      s["extends"].fail("a cycle of extends: " + shown(cycle + name, 200));
    }
    if (!s.present() || !s.is_map()) s.fail("expected a service (a map)");
    YamlDocument r;
    r.file = doc.file;
    r.sources = {doc.file};
    const YamlNode e = s["extends"];
    if (!e.present()) {
      r.value = s.raw();
      copy_marks(doc, sp, r, "");
    } else {
      std::string base_name, base_file;
      if (e.is_string()) base_name = e.str("a service name");
      else {
        e.only({"service", "file"}, "extends");
        base_name = e["service"].str("the service to extend");
        if (e["file"].present()) base_file = e["file"].str("a Compose file");
      }
      const YamlDocument* base_doc = &doc;
      if (!base_file.empty()) {
        namespace fs = std::filesystem;
        const fs::path p = fs::path(base_file).is_absolute() ? fs::path(base_file) : fs::path(doc.file).parent_path() / base_file;
        if (chain.size() > 64) e.fail("extends nested more than 64 files deep");
        auto file = loaded.find(p.string());
        if (file == loaded.end()) {
          std::vector<YamlDocument> docs;
          try {
            docs = load_yaml_file(p.string(), options);
          } catch (const ImportError& err) {
            if (!fs::exists(p)) e["file"].fail("cannot read " + shown(p.string(), 200));
            throw;
          }
          file = loaded.emplace(p.string(), std::move(docs)).first;
        }
        if (file->second.empty() || !file->second[0].value.is_object())
          e["file"].fail(shown(p.string(), 200) + " holds no Compose file");
        base_doc = &file->second[0];
      }
      if (!YamlNode::root(*base_doc, "/services/" + pointer_segment(base_name)).present())
        e.fail("extends \"" + shown(base_name) + "\", which is not a service of " + shown(base_doc->file, 200));
      chain.push_back(id);
      const YamlDocument& base = resolve(*base_doc, base_name);
      chain.pop_back();
      r.value = base.value;
      copy_marks(base, "", r, "");
      for (const char* never : {"depends_on", "volumes_from"}) {
        r.value.erase(never);
        const std::string at = std::string("/") + never;
        for (auto m = r.marks.lower_bound(at); m != r.marks.end() && m->first.compare(0, at.size(), at) == 0;)
          m = m->first.size() == at.size() || m->first[at.size()] == '/' ? r.marks.erase(m) : std::next(m);
      }
      json own = s.raw();
      own.erase("extends");
      merge(r.value, "", own, doc, sp, r, "");
      copy_marks(doc, sp, r, "", false);  // the service is where it is written, not where its base is
    }
    nodes += count_nodes(r.value) + r.marks.size();
    if (nodes > kMaxYamlNodes)
      s.fail("more than a million values once extends copies each base into the services extending it: not a Compose file");
    return resolved.emplace(std::make_pair(&doc, name), std::move(r)).first->second;
  }
};

}  // namespace

YamlDocument merge_compose(const std::vector<const YamlDocument*>& docs, const YamlOptions& options) {
  YamlDocument out;
  out.file = docs.front()->file;
  out.index = docs.front()->index;
  out.sources = {out.file};
  out.value = json::object();
  for (const YamlDocument* d : docs) merge(out.value, "", d->value, *d, "", out, "");
  // extends, once every file is merged (a service may extend one a later file defines).
  if (out.value.contains("services") && out.value["services"].is_object()) {
    YamlDocument before = out;
    Extender x{options, {}, {}, {}, 0};
    std::vector<std::string> names;
    for (auto it = before.value["services"].begin(); it != before.value["services"].end(); ++it) names.push_back(it.key());
    for (const std::string& name : names) {
      const json& s = before.value["services"][name];
      if (!s.is_object() || !s.contains("extends")) continue;
      const YamlDocument& r = x.resolve(before, name);
      const std::string at = "/services/" + pointer_segment(name);
      out.value["services"][name] = r.value;
      copy_marks(r, "", out, at);
    }
  }
  return out;
}

}  // namespace archsim::import
