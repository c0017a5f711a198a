// Which family each workload becomes, and the fields its manifest gives it.
#include <algorithm>
#include <cmath>
#include <regex>

#include "tools/import/quantity.h"
#include "tools/import/text.h"
#include "tools/import/writer_internal.h"

namespace archsim::import {

namespace {


// An environment variable's value, "" when absent.
std::string env(const Workload& w, const std::vector<std::string>& keys, std::string* which = nullptr) {
  for (const std::string& k : keys)
    for (const auto& [name, value] : w.env)
      if (name == k && !value.empty()) {
        if (which) *which = k;
        return value;
      }
  return "";
}

// A whole number from a command-line word "--name=N" / "name=N" or the next word after "--name".
std::optional<long long> arg(const Workload& w, const std::regex& key) {
  for (std::size_t i = 0; i < w.env.size(); ++i) {
    if (!w.env[i].first.empty()) continue;
    const std::string& word = w.env[i].second;
    std::smatch m;
    static const std::regex kAssign("-*([A-Za-z_.-]+)=([0-9]+)");
    if (std::regex_match(word, m, kAssign) && std::regex_match(m[1].str(), key)) return std::stoll(m[2].str());
    if (std::regex_match(word, m, std::regex("-+([A-Za-z_.-]+)")) && std::regex_match(m[1].str(), key) &&
        i + 1 < w.env.size() && w.env[i + 1].first.empty()) {
      const std::string& next = w.env[i + 1].second;
      if (!next.empty() && next.find_first_not_of("0123456789") == std::string::npos) return std::stoll(next);
    }
  }
  return std::nullopt;
}

std::optional<long long> whole(const std::string& s) {
  if (s.empty() || s.size() > 9 || s.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
  return std::stoll(s);
}

// archsim's startup probe succeeds once startup_time has passed: it has no timeout.
enum class ProbeKind { Startup, Liveness, Readiness };
ojson probe_json(const ProbeSpec& p, ProbeKind kind) {
  ojson o = {{"period", seconds_text(p.period_s)}};
  if (kind != ProbeKind::Startup) o["timeout"] = seconds_text(p.timeout_s);
  o["initial_delay"] = seconds_text(p.initial_delay_s);
  o["failure_threshold"] = p.failure_threshold;
  if (kind == ProbeKind::Readiness) o["success_threshold"] = p.success_threshold;
  return o;
}

}  // namespace

std::string image_tag_component(const std::string& image) {
  const std::string s = image.substr(0, image.find('@'));
  const auto slash = s.rfind('/');
  const auto colon = s.rfind(':');
  if (colon == std::string::npos || (slash != std::string::npos && colon < slash)) return "";
  const std::string tag = s.substr(colon + 1);
  const auto dash = tag.find('-');
  if (dash == std::string::npos || dash + 1 == tag.size()) return "";
  // The tag's first word must be a version ("1.4.0", "v2", "latest"): "8.0-debian" is not a component.
  const std::string first = tag.substr(0, dash);
  const bool version = first == "latest" || first == "main" || first == "dev" ||
                       (first.find_first_not_of("v0123456789.") == std::string::npos && first.find_first_of("0123456789") != std::string::npos);
  if (!version) return "";
  std::string rest = tag.substr(dash + 1);
  for (char& c : rest) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return rest;
}

std::string image_base(const std::string& image) {
  std::string s = image.substr(0, image.find('@'));
  const auto slash = s.rfind('/');
  const auto colon = s.rfind(':');
  if (colon != std::string::npos && (slash == std::string::npos || colon > slash)) s = s.substr(0, colon);
  return s.substr(s.rfind('/') == std::string::npos ? 0 : s.rfind('/') + 1);
}

std::string family_of_image(const std::string& image) {
  const std::string base = image_base(image);
  static const std::map<std::string, std::string> kFamilies = {
      {"redis", "cache"}, {"redis-stack", "cache"}, {"redis-stack-server", "cache"}, {"valkey", "cache"},
      {"keydb", "cache"}, {"memcached", "cache"}, {"postgres", "database"}, {"postgresql", "database"},
      {"postgis", "database"}, {"mysql", "database"}, {"mysql-server", "database"}, {"mariadb", "database"},
      {"mongo", "database"}, {"mongodb", "database"}, {"mongodb-community-server", "database"},
      {"percona-server", "database"}, {"kafka", "queue"}, {"cp-kafka", "queue"}, {"cp-server", "queue"},
      {"redpanda", "queue"}, {"rabbitmq", "queue"}, {"nats", "queue"}, {"nats-streaming", "queue"}, {"nginx", "balancer"}, {"nginx-unprivileged", "balancer"}, {"envoy", "balancer"},
      {"haproxy", "balancer"}, {"traefik", "balancer"}};
  auto it = kFamilies.find(base);
  if (it == kFamilies.end()) it = kFamilies.find(image_tag_component(image));
  return it == kFamilies.end() ? "" : it->second;
}

Component* Writer::find(const std::string& name) {
  auto it = index.find(id_of(name));
  return it == index.end() ? nullptr : &comps[it->second];
}

std::string Writer::id_of(const std::string& name) const {
  auto it = name_to_id.find(name);
  return it == name_to_id.end() ? "" : it->second;
}

void Writer::classify() {
  static const std::set<std::string> kTypes = {"service", "balancer", "cache", "database", "queue"};
  for (const auto& [name, c] : cal.clients) {
    Component k;
    k.id = name;
    k.family = "client";
    k.family_why = c.added ? "added: the traces' requests start at " + c.target : "the traces' requests start here";
    name_to_id[name] = name;
    comps.push_back(std::move(k));
  }
  // Where Docker's logging drivers ship: a service logging through fluentd (gelf, syslog) that
  // waits for a workload listening on that driver's port (or named in its address) waits for
  // its log server (a real shop's Compose file: every service `logging: driver: fluentd` and
  // `depends_on: log-server`, which publishes 24224), not for something its requests call.
  std::map<std::string, std::string> log_servers;
  static const std::map<std::string, std::string> kLogPorts = {{"fluentd", "24224"}, {"gelf", "12201"}, {"syslog", "514"}};
  for (const Workload& u : inv.workloads) {
    const auto port = kLogPorts.find(u.log_driver);
    if (port == kLogPorts.end()) continue;
    for (const std::string& d : u.depends_on) {
      const Workload* t = inv.find(d);
      if (!t) continue;
      const bool listens = std::find(t->published.begin(), t->published.end(), port->second) != t->published.end();
      if (listens || (!u.log_address.empty() && u.log_address.find(t->name) != std::string::npos))
        log_servers.emplace(t->name, "a log server (the " + u.log_driver + " logging driver of " + u.name + " ships to it" +
                                         (listens ? ": it publishes " + port->second + ")" : ")"));
    }
  }
  for (const Workload& w : inv.workloads) {
    std::string family = family_of_image(w.image);
    const bool traced = cal.services.count(w.name) != 0;
    std::string role = infrastructure_role(w.image, w.name);
    if (role.empty() && log_servers.count(w.name)) role = log_servers.at(w.name);
    if (!role.empty() && !traced) {
      g.add(Guess::Skipped, "", w.name + " (" + w.where.str() + ", image " + (w.image.empty() ? "(none)" : w.image) +
                                    "): " + role + ", off the request path: left out (what names it, as depends_on "
                                    "does, is not taken as a call)");
      continue;
    }
    Component c;
    c.id = w.name;
    c.workload = &w;
    c.family_why = family.empty() ? "image " + (w.image.empty() ? std::string("(none)") : w.image) + ": no well-known family"
                                  : "image " + w.image;
    for (const std::string& n : [&] {
           std::vector<std::string> v{w.name};
           v.insert(v.end(), w.aliases.begin(), w.aliases.end());
           return v;
         }()) {
      name_to_id[n] = w.name;
      auto t = cal.services.find(n);
      if (t != cal.services.end()) c.traced = &t->second;
    }
    if (c.traced && kTypes.count(c.traced->type)) {
      family = c.traced->type;
      c.family_why = c.traced->type_why;
    } else if (c.traced && family == "balancer") {
      family = "service";
      c.family_why += " is a proxy, but its traces show what it calls per route: modelled as a service (a balancer "
                      "forwards each route unchanged)";
    }
    c.family = family.empty() ? "service" : family;
    comps.push_back(std::move(c));
  }
  for (std::size_t i = 0; i < comps.size(); ++i) index[comps[i].id] = i;
  for (const auto& [name, s] : cal.services) {
    if (!id_of(name).empty()) continue;
    Component c;
    c.id = name;
    c.traced = &s;
    c.family = kTypes.count(s.type) ? s.type : "service";
    c.family_why = kTypes.count(s.type) ? s.type_why : "seen in the traces, in no manifest";
    name_to_id[name] = name;
    index[c.id] = comps.size();
    comps.push_back(std::move(c));
  }
}

namespace {

// Erlang's C formula: the probability that a request waits, c servers offered a erlangs (a < c).
double erlang_c(long long c, double a) {
  double term = 1, sum = 1;  // a^k / k!, summed for k < c
  for (long long k = 1; k < c; ++k) sum += term *= a / static_cast<double>(k);
  const double last = term * a / static_cast<double>(c) * static_cast<double>(c) / (static_cast<double>(c) - a);
  return last / (sum + last);
}

}  // namespace

void Writer::shared_cores_scale(Component& c, long long cores) {
  // A traced own time is wall time: at the traced load it already includes the time its work
  // waited for the instance's cores, which archsim's processor sharing (each of k requests in
  // work at min(1, cores / k)) would add again: 9-16% on a real shop's services limited to a
  // fifth of a core, at a sixth of a core's load. The processor-sharing queue's mean number in
  // system is insensitive to the work's law and is M/M/c's, so its mean response is the work
  // times 1 + C(c, a) / (c - a) (Erlang's C, a = the offered cores); the work is the own time
  // divided by that, solved for the work's own load.
  double own_s = 0;
  for (const auto& [route, op] : c.traced->ops)
    for (const auto& [sig, shape] : op.shapes)
      for (const StepModel& st : shape.steps)
        for (double x : st.work) own_s += x;
  if (own_s <= 0 || cal.window_s <= 0) return;
  const double replicas = static_cast<double>(std::max<long long>(1, c.json.value("replicas", 1LL)));
  double weight = 0, requests = 0;  // each traced request stands for weight / requests (1 / sampling)
  for (const auto& [name, cl] : cal.clients) weight += cl.weight, requests += static_cast<double>(cl.requests);
  const double a = own_s * (requests > 0 ? weight / requests : 1) / cal.window_s / replicas;  // cores busy with own time
  const double n = static_cast<double>(cores);
  auto slowdown = [&](double k) { return k * a >= n ? 1e300 : 1 + erlang_c(cores, k * a) / (n - k * a); };
  double lo = 0, hi = 1;  // k * slowdown(k) = 1, increasing in k
  for (int it = 0; it < 100; ++it) ((lo + hi) / 2 * slowdown((lo + hi) / 2) < 1 ? lo : hi) = (lo + hi) / 2;
  c.work_scale = (lo + hi) / 2;
  if (c.work_scale > 0.995) return;
  g.add(Guess::Approximate, c.id + ".routes",
        "work = traced own time x " + number(c.work_scale, 6) + ": the own times ran on " + std::to_string(cores) +
            " core(s) shared by its workers, busy " + number(a * c.work_scale / n, 6) +
            " of the time at the traced load; processor sharing adds 1 + C(c, a) / (c - a) (Erlang's C) back, so the "
            "run's mean own time is the traces'");
}

void Writer::capacity(Component& c) {
  ojson& j = c.json;
  const Workload* w = c.workload;
  const std::string p = c.id + ".";
  j["replicas"] = w && w->replicas ? *w->replicas : 1;
  if ((!w || !w->replicas) && c.traced && !c.traced->hosts.empty()) {
    j["replicas"] = c.traced->hosts.size();
    g.add(Guess::Inferred, p + "replicas", std::to_string(c.traced->hosts.size()) +
                                               ": the hosts its spans came from (hostname / ip / host.name)");
  } else if (!w || !w->replicas)
    g.add(Guess::Placeholder, p + "replicas", w ? "1, Kubernetes' and Compose's default (the manifest sets none)"
                                                : "1: the traces do not say how many instances served them");
  // 0: neither a CPU limit nor a request.
  const double cpu_cores = w ? (w->cpu_limit ? *w->cpu_limit : w->cpu_request.value_or(0)) : 0;
  std::string key;
  const std::string workers = w ? env(*w, {"WEB_CONCURRENCY", "GUNICORN_WORKERS", "UVICORN_WORKERS", "WORKERS",
                                           "PUMA_MAX_THREADS", "MAX_THREADS", "THREADS", "SERVER_TOMCAT_THREADS_MAX",
                                           "SERVER_TOMCAT_MAX_THREADS"},
                                      &key)
                                : "";
  const long long cores = cpu_cores > 0 ? std::max(1LL, static_cast<long long>(std::ceil(cpu_cores - 1e-9))) : 0;
  long long concurrency;
  if (auto n = whole(workers); n && *n >= 1) {
    concurrency = *n;
    g.add(Guess::Inferred, p + "concurrency", std::to_string(concurrency) + " workers from " + key + " in its environment");
  } else if (c.traced && c.traced->served > 0 && cal.window_s > 0) {
    // Little's law gives the requests it held at once on average; square-root staffing
    // (Halfin and Whitt: L + 3 sqrt(L) workers) makes waiting for one rare at that load.
    const double in_flight = c.traced->busy_s / cal.window_s;
    const long long replicas = j["replicas"].get<long long>();
    const auto needed = static_cast<long long>(std::ceil(in_flight + 3 * std::sqrt(in_flight)));
    concurrency = std::max(8 * std::max(1LL, cores), (needed + replicas - 1) / replicas);
    g.add(Guess::Inferred, p + "concurrency",
          std::to_string(concurrency) + " workers per instance: the traces hold " + number(in_flight, 6) +
              " of its requests at once on average (Little's law: their spans' time, each standing for 1/sampling "
              "requests, over the " + number(cal.window_s, 6) + " s traced), L + 3 sqrt(L) = " + std::to_string(needed) +
              " over " + std::to_string(replicas) + " instance(s), at least 8 per core");
  } else {
    concurrency = 8 * std::max(1LL, cores);
    g.add(Guess::Placeholder, p + "concurrency",
          std::to_string(concurrency) + " workers per instance (8 per core): nothing says its thread pool or worker "
          "count (WEB_CONCURRENCY, GUNICORN_WORKERS, THREADS, ... in the environment would)");
  }
  j["concurrency"] = concurrency;
  if (cpu_cores > 0) {
    if (cores < concurrency) j["cores"] = cores;
    if (cores < concurrency && c.traced) shared_cores_scale(c, cores);
    const bool limit = w->cpu_limit.has_value();
    if (cpu_cores < 1 && !c.traced) {
      j["speed"] = cpu_cores;
      g.add(Guess::Approximate, p + "speed",
            number(cpu_cores, 6) + ": a CPU " + (limit ? "limit" : "request") + " below one core (" + number(cpu_cores, 6) +
                ") throttles its work to that fraction of a core's speed (the placeholder work is a core's)");
    } else if (cpu_cores < 1) {
      g.add(Guess::Approximate, p + "speed", "1: its CPU " + std::string(limit ? "limit" : "request") + " is " +
                                                 number(cpu_cores, 6) + " of a core, but the traced work already ran under it");
    }
    if (!limit) g.add(Guess::Approximate, p + "cores", "from the CPU request (" + number(cpu_cores, 6) + "): it has no limit");
  } else if (w) {
    g.add(Guess::Placeholder, p + "cores", "one per worker (the format's default): no CPU limit or request");
  }
  if (w && (w->memory_limit_mb || w->memory_request_mb)) {
    const double mb = w->memory_limit_mb ? *w->memory_limit_mb : *w->memory_request_mb;
    j["memory"] = {{"limit_mb", std::round(mb * 1000) / 1000}};
    if (!w->memory_limit_mb) g.add(Guess::Approximate, p + "memory.limit_mb", "from the memory request: it has no limit");
  }
}

void Writer::lifecycle(Component& c) {
  const Workload* w = c.workload;
  if (!w) return;
  ojson& j = c.json;
  ojson probes = ojson::object();
  if (w->startup) probes["startup"] = probe_json(*w->startup, ProbeKind::Startup);
  if (w->liveness) probes["liveness"] = probe_json(*w->liveness, ProbeKind::Liveness);
  if (w->readiness) probes["readiness"] = probe_json(*w->readiness, ProbeKind::Readiness);
  if (!probes.empty()) {
    if (c.family != "service") {
      g.add(Guess::Skipped, c.id, "its probes: archsim probes service instances only (a " + c.family + " has none)");
    } else {
      j["probes"] = probes;
      if (w->probes_from == "healthcheck")
        g.add(Guess::Approximate, c.id + ".probes.readiness",
              "from its Compose healthcheck (interval, timeout, retries, start_period): an unhealthy container gets no "
              "traffic until it passes again, as a readiness probe");
      g.add(Guess::Approximate, c.id + ".probes",
            "a probe waits for a worker like a request; what the real probe runs (HTTP, TCP, exec) takes no time here");
    }
  }
  if (c.family != "service") {
    if (!w->deployment.is_null() || !w->disruption_budget.is_null())
      g.add(Guess::Skipped, c.id, "its update strategy and disruption budget: archsim rolls out services only");
    return;
  }
  if (!w->deployment.is_null()) j["deployment"] = w->deployment;
  if (w->termination_grace_s) j["termination_grace"] = seconds_text(*w->termination_grace_s);
  if (!w->disruption_budget.is_null()) {
    const ojson b = w->disruption_budget;
    const int replicas = j.value("replicas", 1);
    // One entry (min_available or max_unavailable). Read through a named iterator: a
    // binding to *b.items().begin() refers into a temporary (ASan: stack-use-after-scope).
    const auto first = b.begin();
    const std::string key = b.is_object() && !b.empty() ? first.key() : std::string();
    const ojson value = b.is_object() && !b.empty() ? first.value() : ojson();
    if (value.is_number_integer() && ((key == "min_available" && value.get<int>() > replicas) ||
                                      (key == "max_unavailable" && value.get<int>() > replicas)))
      g.add(Guess::Skipped, c.id + ".disruption_budget",
            w->budget_from + " asks for " + value.dump() + " of " + std::to_string(replicas) + " replicas: left out");
    else
      j["disruption_budget"] = b;
  }
}

void Writer::data_family(Component& c) {
  const Workload* w = c.workload;
  ojson& j = c.json;
  const std::string p = c.id + ".";
  const std::string image = w ? w->image : "";
  if (c.family == "cache") {
    j["capacity"] = 100000;
    g.add(Guess::Placeholder, p + "capacity", "100000 entries: a cache's size in keys is not in its manifest (Redis' "
                                              "maxmemory is bytes; the hit ratio depends on it and on the keys' skew)");
    const bool memcached = image.find("memcached") != std::string::npos;
    long long threads = 1;
    if (memcached) {
      threads = arg(w ? *w : Workload{}, std::regex("t|threads")).value_or(4);
      g.add(Guess::Inferred, p + "concurrency", std::to_string(threads) + " worker threads (memcached -t, default 4)");
    }
    j["concurrency"] = threads;
    if (w && w->replicas && *w->replicas > 1)
      g.add(Guess::Skipped, c.id, std::to_string(*w->replicas) + " replicas taken as one node (how they shard or "
                                  "replicate is not in the manifest: set nodes or replicas)");
  } else if (c.family == "database") {
    const double cpu = w ? (w->cpu_limit ? *w->cpu_limit : w->cpu_request.value_or(0)) : 0;
    if (cpu > 0) j["cores"] = std::max(1LL, static_cast<long long>(std::ceil(cpu - 1e-9)));
    else g.add(Guess::Placeholder, p + "cores", "8, the family's default: no CPU limit or request");
    const bool mysql = image.find("mysql") != std::string::npos || image.find("mariadb") != std::string::npos;
    const bool mongo = image.find("mongo") != std::string::npos;
    const auto given = w ? arg(*w, std::regex("max[_-]connections|maxConns|max_conns")) : std::nullopt;
    j["max_connections"] = given ? *given : mysql ? 151 : mongo ? 65536 : 100;
    if (!given)
      g.add(Guess::Inferred, p + "max_connections",
            std::string(mysql ? "151, MySQL's" : mongo ? "65536 (MongoDB's is about a million)," : "100, PostgreSQL's") +
                " default max_connections: the manifest sets none");
    if (w && w->replicas && *w->replicas > 1) {
      j["replicas"] = *w->replicas - 1;
      g.add(Guess::Inferred, p + "replicas", std::to_string(*w->replicas - 1) + ": of " +
                                                 std::to_string(*w->replicas) + " pods, one primary and the rest replicas "
                                                 "(async replication, reads from the primary)");
    }
  } else if (c.family == "queue") {
    // RabbitMQ and NATS have no partitions: a RabbitMQ classic queue is one ordered queue on one
    // node that its consumers share, its publishers not waiting for a confirm unless they ask;
    // a NATS subject likewise (core NATS holds no replica). Kafka's defaults are for Kafka.
    const std::string said = (w ? w->image : std::string()) + " " + c.family_why;
    const bool rabbit = said.find("rabbitmq") != std::string::npos, nats = said.find("nats") != std::string::npos;
    if (rabbit || nats) {
      const std::string what = rabbit ? "a RabbitMQ classic queue" : "a NATS subject";
      j["partitions"] = 1;
      g.add(Guess::Inferred, p + "partitions", "1: " + what + " is one ordered queue its consumers share");
      j["replication_factor"] = 1;
      g.add(Guess::Inferred, p + "replication_factor", "1: " + what + (rabbit ? " lives on one node (a quorum queue would "
                                                                               "replicate to 3)" : " keeps no replica"));
      j["acks"] = rabbit ? "1" : "0";
      g.add(Guess::Inferred, p + "acks", rabbit ? "1: the broker's own receipt (publisher confirms from one node)"
                                                : "0: core NATS publishes without an acknowledgement");
      return;
    }
    std::string key;
    const std::string partitions = w ? env(*w, {"KAFKA_NUM_PARTITIONS", "KAFKA_CFG_NUM_PARTITIONS"}, &key) : "";
    if (auto n = whole(partitions); n && *n >= 1) {
      j["partitions"] = *n;
      g.add(Guess::Inferred, p + "partitions", std::to_string(*n) + " from " + key + " (the broker's num.partitions)");
    } else {
      j["partitions"] = 1;
      g.add(Guess::Placeholder, p + "partitions", "1, Kafka's num.partitions default: the topic's partitions are not in "
                                                  "the manifest (they bound the consumers' parallelism)");
    }
    const std::string rf = w ? env(*w, {"KAFKA_DEFAULT_REPLICATION_FACTOR", "KAFKA_CFG_DEFAULT_REPLICATION_FACTOR"}, &key) : "";
    const int brokers = w && w->replicas ? std::max(1, *w->replicas) : 1;
    if (auto n = whole(rf); n && *n >= 1) {
      j["replication_factor"] = std::min<long long>(*n, 32);
      g.add(Guess::Inferred, p + "replication_factor", rf + " from " + key);
    } else {
      j["replication_factor"] = std::min(brokers, 3);
      g.add(Guess::Inferred, p + "replication_factor", std::to_string(std::min(brokers, 3)) + ": one replica per broker (" +
                                                           std::to_string(brokers) + "), at most 3");
    }
    j["acks"] = "all";
    g.add(Guess::Inferred, p + "acks", "all, the Kafka producer's default since 3.0 (acks=all)");
  }
}

}  // namespace archsim::import
