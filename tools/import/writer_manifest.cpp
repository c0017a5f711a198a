// What manifests alone can say about the request path, and what they cannot (docs/import.md,
// "Manifests without traces"):
// - well-known infrastructure (tracing agents and collectors, service discovery, metrics and
//   dashboards, log shippers, admin UIs, load generators, a broker's coordinator) is left out
//   of the scenario: no request of the app passes through it, and a `depends_on` on it says
//   when a container starts, not that a request calls it;
// - requests enter only where a port is the app's: `--entry`, a LoadBalancer or NodePort
//   Service, an Ingress backend, a gateway image publishing a port; else the app services
//   publishing a port; else the user is asked for --entry;
// - the remaining depends_on and host names in environments and command lines become calls,
//   each listed as a guess and warned about, with any call that would close a cycle left out;
// - every component no request reaches is named in a warning.
#include <algorithm>
#include <deque>

#include "tools/import/import_error.h"
#include "tools/import/text.h"
#include "tools/import/writer_internal.h"

namespace archsim::import {

namespace {

// The image without tag or digest, lower-cased ("docker.io/jaegertracing/all-in-one").
std::string image_path(const std::string& image) {
  std::string s = image.substr(0, image.find('@'));
  const auto slash = s.rfind('/');
  const auto colon = s.rfind(':');
  if (colon != std::string::npos && (slash == std::string::npos || colon > slash)) s = s.substr(0, colon);
  return ascii_lower(s);
}

bool contains_any(const std::string& s, const std::vector<std::string>& words) {
  for (const std::string& w : words)
    if (s.find(w) != std::string::npos) return true;
  return false;
}

}  // namespace

std::string infrastructure_role(const std::string& image, const std::string& name) {
  // A word with a '/' names an image's path (an organisation's images); any other, the image's
  // own name or the workload's: jaegertracing/example-hotrod is Jaeger's demo app, not Jaeger.
  // What follows "-with-" says how an app is instrumented, not what it is: a benchmark's
  // manifests run "ts-travel-service-with-jaeger", its travel service traced by Jaeger.
  auto instrumented = [](std::string s) {
    for (const char* with : {"-with-", "_with_"})
      if (const auto at = s.find(with); at != std::string::npos && at > 0) s.erase(at);
    return s;
  };
  const std::string i = image_path(image), n = instrumented(ascii_lower(name));
  const std::string base = instrumented(i.substr(i.rfind('/') == std::string::npos ? 0 : i.rfind('/') + 1));
  const std::string tagged = image_tag_component(image);  // "demo:2.1.3-opamp-server"
  auto named = [&](const std::vector<std::string>& words) {
    for (const std::string& w : words)
      if (w.find('/') != std::string::npos ? i.find(w) != std::string::npos
                                           : base.find(w) != std::string::npos || n.find(w) != std::string::npos ||
                                                 (!tagged.empty() && tagged.find(w) != std::string::npos))
        return true;
    return false;
  };
  struct Role {
    const char* what;
    std::vector<std::string> words;
  };
  static const std::vector<Role> kRoles = {
      {"a tracing agent or collector", {"jaeger", "jaegertracing/all-in-one", "zipkin", "opentelemetry-collector",
                                        "otel-collector", "otelcol", "otel/", "grafana/tempo", "skywalking-oap",
                                        "signoz"}},
      {"telemetry agents' management (OpAMP)", {"opamp"}},
      {"service discovery or configuration", {"consul", "eureka", "nacos", "etcd", "config-server", "configserver"}},
      // A feature-flag daemon: OpenFeature's providers keep its flags in memory, updated by a
      // stream, rather than asking it on each request (the OpenTelemetry demo names it in
      // every service's depends_on). Its UI goes with it.
      {"feature flags (configuration)", {"flagd", "flipt", "unleash"}},
      {"coordination for a broker", {"zookeeper"}},
      {"metrics or dashboards", {"prometheus", "grafana", "alertmanager", "cadvisor", "pushgateway", "statsd",
                                 "graphite", "telegraf", "exporter", "kube-state-metrics", "victoriametrics",
                                 "victoria-metrics"}},
      {"a log shipper or log viewer", {"fluentd", "fluent-bit", "logstash", "filebeat", "kibana", "loki", "promtail",
                                       "logspout"}},
      {"an admin UI", {"adminer", "phpmyadmin", "mongo-express", "redis-commander", "pgadmin", "kafka-ui", "kafdrop",
                       "portainer", "redisinsight"}},
      {"a load generator (the scenario's clients are the load)", {"locust", "loadgenerator", "load-generator",
                                                                 "load-test", "grafana/k6", "loadimpact/", "vegeta",
                                                                 "jmeter"}},
  };
  for (const Role& r : kRoles)
    if (named(r.words)) return r.what;
  return "";
}

bool gateway_image(const std::string& image) {
  const std::string i = image_path(image);
  const std::string base = i.substr(i.rfind('/') == std::string::npos ? 0 : i.rfind('/') + 1);
  return family_of_image(image) == "balancer" ||
         contains_any(base, {"nginx", "openresty", "envoy", "traefik", "haproxy", "kong", "caddy", "apisix", "krakend",
                             "tyk", "zuul", "ingress", "gateway", "edge-router"});
}

std::vector<std::string> Writer::entry_points(const std::vector<std::string>& asked) {
  std::vector<std::string> entries;
  auto is_app = [](const Component& c) { return c.workload && (c.family == "service" || c.family == "balancer"); };
  if (!asked.empty()) {
    for (const std::string& e : asked) {
      const Component* c = find(e);
      if (!c || (c->family != "service" && c->family != "balancer"))
        throw ImportError("--entry", "", "\"" + shown(e) + "\" is " + (c ? "a " + c->family : std::string("left out (infrastructure)")) +
                                             ": requests enter at a service or a balancer");
      if (std::find(entries.begin(), entries.end(), c->id) == entries.end()) entries.push_back(c->id);
      g.add(Guess::Inferred, "", "requests enter at " + c->id + ": --entry");
    }
    return entries;
  }
  // Kubernetes: a LoadBalancer or NodePort Service, an Ingress; Compose: a gateway's published port.
  for (const Component& c : comps)
    if (is_app(c) && !c.workload->exposed.empty() && (c.workload->published.empty() || gateway_image(c.workload->image))) {
      entries.push_back(c.id);
      g.add(Guess::Inferred, "", "requests enter at " + c.id + ": " + c.workload->exposed +
                                     (c.workload->published.empty() ? "" : ", a gateway image (" + c.workload->image + ")"));
    }
  std::vector<std::string> other_ports;
  for (const Component& c : comps)
    if (is_app(c) && !c.workload->published.empty() && std::find(entries.begin(), entries.end(), c.id) == entries.end())
      other_ports.push_back(c.id);
  if (!entries.empty()) {
    for (const std::string& id : other_ports)
      g.add(Guess::Inferred, "", id + " publishes port " + find(id)->workload->published.front() +
                                     ", taken as an admin or debug port, not where requests enter (a gateway does; "
                                     "--entry " + id + " says otherwise)");
    return entries;
  }
  // No gateway: the app's own published ports. When several publish one (a benchmark's
  // Compose file publishing every service's port for debugging: forty entries of 100
  // requests/s each, none connected to another), the one named as the site's front door
  // (a word frontend, front-end, ui, web, webui, portal or www in its name) is the entry, and the
  // others' ports are debug ports.
  if (other_ports.size() > 1) {
    std::vector<std::string> doors;
    for (const std::string& id : other_ports) {
      std::string word;
      bool door = false;
      for (std::size_t k = 0; k <= id.size(); ++k) {
        const char ch = k < id.size() ? static_cast<char>(std::tolower(static_cast<unsigned char>(id[k]))) : '-';
        if (ch != '-' && ch != '_' && ch != '.') {
          word += ch;
          continue;
        }
        door = door || word == "frontend" || word == "ui" || word == "web" || word == "webui" || word == "portal" || word == "www" ||
               (word == "end" && id.find("front-end") != std::string::npos);
        word.clear();
      }
      if (door) doors.push_back(id);
    }
    if (doors.size() == 1) {
      entries.push_back(doors[0]);
      g.add(Guess::Inferred, "", "requests enter at " + doors[0] + ": " + std::to_string(other_ports.size()) +
                                     " services publish ports, no gateway, LoadBalancer or Ingress does, and its name says it "
                                     "is the site's front door (--entry NAME says otherwise)");
      for (const std::string& id : other_ports)
        if (id != doors[0])
          g.add(Guess::Inferred, "", id + " publishes port " + find(id)->workload->published.front() +
                                         ", taken as a debug port, not where requests enter (--entry " + id + " says otherwise)");
      return entries;
    }
  }
  for (const std::string& id : other_ports) {
    entries.push_back(id);
    g.add(Guess::Inferred, "", "requests enter at " + id + ": it publishes port " + find(id)->workload->published.front() +
                                   " and no gateway, LoadBalancer or Ingress does (--entry NAME says otherwise)");
  }
  if (!entries.empty() || comps.empty()) return entries;
  std::vector<std::string> candidates;
  std::set<std::string> named;
  for (const Component& c : comps)
    if (c.workload)
      for (const auto& [id, why] : named_by(*c.workload)) named.insert(id);
  for (const Component& c : comps)
    if (is_app(c) && !named.count(c.id)) candidates.push_back(c.id);
  if (candidates.size() == 1) {
    entries.push_back(candidates[0]);
    g.add(Guess::Inferred, "", "requests enter at " + candidates[0] + ": no port is published, and it is the only "
                                                                      "service no other names (--entry NAME says otherwise)");
    return entries;
  }
  if (candidates.empty())
    for (const Component& c : comps)
      if (is_app(c)) candidates.push_back(c.id);
  if (candidates.empty()) return entries;  // only data stores: nothing takes requests
  std::string list;
  for (std::size_t i = 0; i < candidates.size() && i < 12; ++i) list += (i ? ", " : "") + candidates[i];
  if (candidates.size() > 12) list += ", ... (" + std::to_string(candidates.size()) + ")";
  const Workload* w = find(candidates[0])->workload;
  throw ImportError(w->where.file, "", "no entry point: no LoadBalancer or NodePort Service, Ingress or gateway "
                                       "image, and no port published; say where requests enter with --entry NAME (services "
                                       "that nothing names: " + list + ")");
}

void Writer::plan_guessed_calls(const std::vector<std::string>& entries) {
  guessed.clear();
  for (const Component& c : comps) {
    if (!c.workload || c.traced || (c.family != "service" && c.family != "balancer")) continue;
    auto& out = guessed[c.id];
    for (const auto& [id, why] : named_by(*c.workload)) {
      const Component* k = find(id);
      if (!k || k->family == "client") continue;
      if (c.family == "balancer" && k->family != "service" && k->family != "balancer") continue;
      out.emplace_back(id, why);
    }
  }
  // Leave out the calls that close a cycle (a request would never end): depth-first from the
  // entries, then from every other component, in file order.
  std::map<std::string, int> state;  // 1: on the path, 2: done
  std::vector<std::string> order = entries;
  for (const Component& c : comps) order.push_back(c.id);
  for (const std::string& start : order) {
    if (state[start] != 0 || !guessed.count(start)) continue;
    std::vector<std::pair<std::string, std::size_t>> path = {{start, 0}};
    state[start] = 1;
    while (!path.empty()) {
      const std::string at = path.back().first;
      auto& calls = guessed[at];
      std::size_t& next = path.back().second;
      if (next == calls.size()) {
        state[at] = 2;
        path.pop_back();
        continue;
      }
      const std::string to = calls[next].first;
      if (state[to] == 1) {
        g.add(Guess::Skipped, at + ".routes", "the guessed call " + at + " -> " + to + " (" + calls[next].second +
                                                  ") left out: " + to + " already leads to " + at +
                                                  " (a cycle of calls would never end)");
        calls.erase(calls.begin() + static_cast<long>(next));
        continue;
      }
      ++next;
      if (state[to] == 0 && guessed.count(to)) {
        state[to] = 1;
        path.emplace_back(to, 0);
      }
    }
  }
}

void Writer::warn_unreached(const ojson& components) {
  std::map<std::string, std::vector<std::string>> out;
  std::vector<std::string> ids;
  std::deque<std::string> todo;
  std::set<std::string> reached;
  for (const auto& [from, to] : edges) out[from].push_back(to);
  static const std::set<std::string> kServes = {"service", "balancer", "cache", "database", "queue"};
  for (const auto& c : components) {
    const std::string id = c["id"].get<std::string>();
    if (kServes.count(c["type"].get<std::string>())) ids.push_back(id);
    if (c["type"] == "client") todo.push_back(id), reached.insert(id);
  }
  while (!todo.empty()) {
    const std::string at = todo.front();
    todo.pop_front();
    for (const std::string& to : out[at])
      if (reached.insert(to).second) todo.push_back(to);
  }
  for (const std::string& id : ids)
    if (!reached.count(id))
      g.add(Guess::Warning, id, "receives no request: nothing on the request path calls it (" +
                                    std::string(cal.clients.empty() ? "the manifests name no call to it" : "no trace shows a call to it") +
                                    "); give it a caller, or leave it out");
}

}  // namespace archsim::import
