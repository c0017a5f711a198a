#include "tools/import/name_match.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <regex>
#include <set>

#include "tools/import/writer_internal.h"

namespace archsim::import {

namespace {

using Names = std::set<std::string>;

std::vector<std::string> tokens(const std::string& s) {
  std::vector<std::string> out;
  std::string cur;
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c)) {
      cur += static_cast<char>(std::tolower(c));
    } else if (!cur.empty()) {
      out.push_back(cur);
      cur.clear();
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

// Words registries and tracers add to a program's name (srv-geo, user-service, api-server).
bool noise(const std::string& t) {
  static const Names kNoise = {"srv", "svc", "service", "services", "server", "app"};
  return kNoise.count(t) != 0;
}

std::vector<std::string> stem(const std::string& s) {
  std::vector<std::string> all = tokens(s), out;
  for (const std::string& t : all)
    if (!noise(t)) out.push_back(t);
  return out.empty() ? all : out;
}

std::string normal(const std::string& s) {
  std::string out;
  for (const std::string& t : stem(s)) out += (out.empty() ? "" : "-") + t;
  return out;
}

// A store's kind from one word (a db.system value, a token of an operation's name).
std::string store_kind(const std::string& word) {
  static const std::map<std::string, std::string> kWords = {
      {"mongo", "mongodb"},     {"mongodb", "mongodb"},   {"memcached", "memcached"}, {"memcache", "memcached"},
      {"mmc", "memcached"},     {"redis", "redis"},       {"valkey", "redis"},        {"keydb", "redis"},
      {"mysql", "mysql"},       {"mariadb", "mysql"},     {"postgres", "postgres"},   {"postgresql", "postgres"},
      {"pg", "postgres"},       {"kafka", "kafka"},       {"rabbitmq", "rabbitmq"},   {"rabbit", "rabbitmq"},
      {"amqp", "rabbitmq"},     {"nats", "nats"},         {"cassandra", "cassandra"}, {"elasticsearch", "elasticsearch"}};
  auto it = kWords.find(word);
  return it == kWords.end() ? "" : it->second;
}

std::string store_kind_of(const std::vector<std::string>& words) {
  for (const std::string& w : words)
    if (std::string k = store_kind(w); !k.empty()) return k;
  return "";
}

// A pod's name back to its workload's: <Deployment>-<ReplicaSet hash>-<suffix>, <StatefulSet>-<ordinal>.
std::vector<std::string> pod_owners(const std::string& host) {
  static const std::regex kDeployment("(.+)-[a-z0-9]{5,10}-[a-z0-9]{5}");
  static const std::regex kShort("(.+)-(?:[0-9]+|[a-z0-9]{5})");
  std::vector<std::string> out;
  // A pod's name is a DNS label (at most 253 characters); longer text is no pod's, and
  // libstdc++'s regex recurses per character (a megabyte-long hostname would overflow the stack).
  if (host.size() > 253) return out;
  std::smatch m;
  if (std::regex_match(host, m, kDeployment)) out.push_back(m[1].str());
  if (std::regex_match(host, m, kShort)) out.push_back(m[1].str());
  return out;
}

struct Matcher {
  const Inventory& inv;
  std::map<std::string, Names> exact, normalised, image;  // a name -> the workloads it may be
  std::map<std::string, Names> hosts;                     // a trace name -> the hosts its spans came from
  Names traced;                                           // services that left spans
  std::map<std::string, std::string> to;                  // trace name -> workload
  std::map<std::string, std::string> why;
  std::map<std::string, Names> ambiguous;                 // trace name -> the workloads it could be
  Names claimed;

  explicit Matcher(const Inventory& i) : inv(i) {
    for (const Workload& w : inv.workloads) {
      std::vector<std::string> names{w.name};
      names.insert(names.end(), w.aliases.begin(), w.aliases.end());
      for (const std::string& n : names) exact[n].insert(w.name), normalised[normal(n)].insert(w.name);
      if (!w.image.empty()) image[normal(image_base(w.image))].insert(w.name);
    }
  }

  static Names lookup(const std::map<std::string, Names>& index, const std::string& key) {
    auto it = index.find(key);
    return it == index.end() ? Names{} : it->second;
  }

  // One rule over every name not yet matched: a name with one unclaimed candidate that no
  // other name also proposes is matched.
  template <class Candidates>
  void rule(const Names& names, Candidates candidates) {
    std::map<std::string, std::vector<std::pair<std::string, std::string>>> proposals;  // workload -> (name, how)
    for (const std::string& n : names) {
      if (to.count(n)) continue;
      std::string how;
      Names c = candidates(n, how);
      for (const std::string& w : claimed) c.erase(w);
      if (c.size() == 1) proposals[*c.begin()].emplace_back(n, how);
      else if (c.size() > 1) ambiguous[n] = c;
    }
    for (const auto& [w, by] : proposals) {
      if (by.size() != 1) {
        for (const auto& [n, how] : by) ambiguous[n].insert(w);
        continue;
      }
      to[by[0].first] = w;
      why[by[0].first] = by[0].second;
      ambiguous.erase(by[0].first);
      claimed.insert(w);
    }
  }

  void run(const Names& names) {
    rule(names, [&](const std::string& n, std::string& how) {
      Names c = lookup(exact, n);
      const bool own = c.count(n) != 0;
      how = own ? "the same name" : "a name the manifests give it (a hostname, container_name or Service)";
      return own ? Names{n} : c;
    });
    rule(names, [&](const std::string& n, std::string& how) {
      Names c;
      for (const std::string& h : lookup(hosts, n)) {
        for (const std::string& w : lookup(exact, h)) c.insert(w), how = "its spans' host " + h + " (hostname tag)";
        for (const std::string& owner : pod_owners(h))
          for (const std::string& w : lookup(exact, owner)) c.insert(w), how = "its spans' host " + h + ", a pod of " + owner;
      }
      return c;
    });
    rule(names, [&](const std::string& n, std::string& how) {
      how = "the same name without srv/svc/service/server/app (" + normal(n) + ")";
      return lookup(normalised, normal(n));
    });
    rule(names, [&](const std::string& n, std::string& how) {
      how = "its image's name";
      return lookup(image, normal(n));
    });
  }
};

// The one workload named <owner>-<store> or <store>-<owner> for a store of `kind` (the owner's
// name without srv/svc/service/...; db, cache, store allowed beside the store's word), "" if none or several.
std::string owner_store(const Inventory& inv, const std::string& owner, const std::string& kind) {
  const std::vector<std::string> own = stem(owner);
  Names candidates;
  for (const Workload& w : inv.workloads) {
    std::vector<std::string> rest = tokens(w.name);
    bool has_owner = true;
    for (const std::string& t : own) {
      auto it = std::find(rest.begin(), rest.end(), t);
      if (it == rest.end()) has_owner = false;
      else rest.erase(it);
    }
    if (!has_owner || rest.empty()) continue;
    bool store_word = store_kind_of(tokens(image_base(w.image))) == kind;
    bool only_store = true;
    for (const std::string& t : rest) {
      store_word = store_word || store_kind(t) == kind;
      only_store = only_store && (store_kind(t) == kind || t == "db" || t == "cache" || t == "store");
    }
    if (store_word && only_store) candidates.insert(w.name);
  }
  return candidates.size() == 1 ? *candidates.begin() : "";
}

// Spans calling a store their service owns: the store's workload as the call's peer.
void stores_by_owner(const Inventory& inv, const Names& known, std::vector<TraceFile>& traces, NameMatches& out) {
  std::map<std::pair<std::string, std::string>, std::pair<std::size_t, std::string>> found;  // (owner, store) -> spans, how
  std::map<std::pair<std::string, std::string>, std::string> store_of;                      // (owner, kind) -> store
  for (TraceFile& f : traces) {
    std::set<std::pair<std::string, std::string>> parents, called_out;  // (trace, span) with any child / another service's
    std::map<std::pair<std::string, std::string>, const Span*> by_id;
    for (const Span& s : f.spans) by_id[{s.trace, s.id}] = &s;
    for (const Span& s : f.spans) {
      if (s.parent.empty()) continue;
      parents.insert({s.trace, s.parent});
      auto p = by_id.find({s.trace, s.parent});
      if (p != by_id.end() && p->second->service != s.service) called_out.insert({s.trace, s.parent});
    }
    for (Span& s : f.spans) {
      if (called_out.count({s.trace, s.id}) || (!s.peer.empty() && known.count(s.peer))) continue;
      auto parent = by_id.find({s.trace, s.parent});
      if (parent != by_id.end() && parent->second->service != s.service) continue;  // a callee's own span
      if (s.kind == Span::Server || s.kind == Span::Consumer || s.kind == Span::Internal) continue;
      std::string kind, how;
      if (!s.db_system.empty()) kind = store_kind_of(tokens(s.db_system)), how = "db.system " + s.db_system;
      else if (!s.messaging_system.empty()) kind = store_kind_of(tokens(s.messaging_system)), how = "messaging.system " + s.messaging_system;
      else if (!s.peer.empty()) kind = store_kind_of(tokens(s.peer)), how = "peer.service " + s.peer;
      else if (!parents.count({s.trace, s.id})) kind = store_kind_of(tokens(s.name)), how = "a store's word in the operation " + s.name;
      if (kind.empty()) continue;
      // The owner's store of this kind, looked up once per (owner, kind): spans are many.
      auto cached = store_of.find({s.service, kind});
      if (cached == store_of.end()) cached = store_of.emplace(std::make_pair(s.service, kind), owner_store(inv, s.service, kind)).first;
      if (cached->second.empty()) continue;
      s.peer = cached->second;
      auto& [n, said] = found[{s.service, s.peer}];
      ++n;
      if (said.empty()) said = how;
    }
  }
  for (const auto& [key, v] : found)
    out.matched.push_back({key.second, key.first,
                           "the store the traces' " + key.first + " calls, named after its owner: " + std::to_string(v.first) +
                               " of its spans with no callee span (" + v.second + ")",
                           true});
}

// Spans naming a broker by its messaging.system (rabbitmq, kafka, nats): the one workload running
// that broker (by its name or image) as the call's peer, whatever the workload is called.
void brokers(const Inventory& inv, const Names& known, std::vector<TraceFile>& traces, NameMatches& out) {
  std::map<std::pair<std::string, std::string>, std::size_t> found;  // (system, workload) -> spans
  std::map<std::string, std::string> broker_of;                       // kind -> the one workload, "" if none or several
  for (const Workload& w : inv.workloads)
    for (const std::string& kind : {store_kind_of(tokens(image_base(w.image))), store_kind_of(tokens(w.name))}) {
      if (kind.empty()) continue;
      auto [it, fresh] = broker_of.emplace(kind, w.name);
      if (!fresh && it->second != w.name) it->second.clear();
    }
  for (TraceFile& f : traces)
    for (Span& s : f.spans) {
      if (s.messaging_system.empty() || (!s.peer.empty() && known.count(s.peer))) continue;
      auto it = broker_of.find(store_kind_of(tokens(s.messaging_system)));
      if (it == broker_of.end() || it->second.empty()) continue;
      s.peer = it->second;
      ++found[{s.messaging_system, s.peer}];
    }
  for (const auto& [key, n] : found)
    out.matched.push_back({key.second, key.first,
                           "the broker the traces' messaging spans name (messaging.system " + key.first + ", " +
                               std::to_string(n) + " spans): the one workload running it, by its image or name",
                           true});
}

}  // namespace

NameMatches match_names(const Inventory& inv, std::vector<TraceFile>& traces) {
  NameMatches out;
  Matcher m(inv);
  Names peers;
  for (const TraceFile& f : traces)
    for (const Span& s : f.spans) {
      m.traced.insert(s.service);
      if (!s.host.empty()) m.hosts[s.service].insert(s.host);
      if (!s.peer.empty()) peers.insert(s.peer);
    }
  m.run(m.traced);
  // A callee named by its caller (peer.service) that left no span of its own: matched by name
  // alone, and not exclusively (a traced service's workload may be what another calls it).
  for (const std::string& p : peers) {
    if (m.to.count(p) || m.traced.count(p)) continue;
    for (const auto* index : {&m.exact, &m.normalised, &m.image}) {
      const Names c = Matcher::lookup(*index, index == &m.normalised || index == &m.image ? normal(p) : p);
      if (c.size() != 1) continue;
      if (*c.begin() != p) m.to[p] = *c.begin(), m.why[p] = "the name its callers give it (peer.service)";
      break;
    }
  }
  for (TraceFile& f : traces)
    for (Span& s : f.spans) {
      if (auto it = m.to.find(s.service); it != m.to.end()) s.service = it->second;
      if (auto it = m.to.find(s.peer); it != m.to.end()) s.peer = it->second;
    }
  for (const auto& [name, w] : m.to) out.matched.push_back({w, name, m.why[name]});

  Names known;  // workload names, which the spans now use
  for (const Workload& w : inv.workloads) known.insert(w.name);
  brokers(inv, known, traces, out);
  stores_by_owner(inv, known, traces, out);
  Names named;
  for (const auto& x : out.matched) named.insert(x.workload);

  for (const std::string& n : m.traced) {
    if (m.to.count(n)) continue;
    auto a = m.ambiguous.find(n);
    std::string could;
    if (a != m.ambiguous.end())
      for (const std::string& w : a->second) could += (could.empty() ? "" : ", ") + w;
    out.unmatched_traced.emplace_back(n, could.empty() ? "no workload has its name, an alias of it, its spans' host or "
                                                         "its name without srv/svc/service/server/app"
                                                       : "it could be " + could + " (or they run several traced "
                                                         "services in one container): left unmatched");
  }
  for (const Workload& w : inv.workloads)
    if (!named.count(w.name) && infrastructure_role(w.image, w.name).empty()) out.unmatched_workloads.push_back(w.name);
  return out;
}

}  // namespace archsim::import
