// Compose files as the Compose specification defines them (compose-spec.io, spec.md and
// deploy.md): services with image, deploy.replicas (or the legacy scale), deploy.resources
// limits/reservations (cpus, memory with its byte units), the legacy cpus/mem_limit,
// depends_on in its short (list) and long (map with condition) forms, healthcheck,
// deploy.update_config, stop_grace_period, ports, environment, command, hostname and
// container_name. Several files and `extends` are merged first (compose_merge.h); every
// value is read through YamlNode, so a wrongly typed one is a located error.
#include <algorithm>
#include <map>
#include <regex>
#include <set>

#include "scenario/errors.h"
#include "tools/import/import_error.h"
#include "tools/import/quantity.h"
#include "tools/import/readers.h"

namespace archsim::import {

namespace {

const std::vector<std::string> kTopLevel = {"version", "name", "services", "networks", "volumes", "configs", "secrets",
                                            "include", "models"};
// Every service attribute of the Compose specification: a key outside it is a typo.
const std::vector<std::string> kServiceKeys = {
    "annotations", "attach", "blkio_config", "build", "cap_add", "cap_drop", "cgroup", "cgroup_parent", "command",
    "configs", "container_name", "cpu_count", "cpu_percent", "cpu_period", "cpu_quota", "cpu_rt_period",
    "cpu_rt_runtime", "cpu_shares", "cpus", "cpuset", "credential_spec", "depends_on", "deploy", "develop",
    "device_cgroup_rules", "devices", "dns", "dns_opt", "dns_search", "domainname", "driver_opts", "entrypoint",
    "env_file", "environment", "expose", "extends", "external_links", "extra_hosts", "gpus", "group_add",
    "healthcheck", "hostname", "image", "init", "ipc", "isolation", "labels", "label_file", "links", "logging",
    "mac_address", "mem_limit", "mem_reservation", "mem_swappiness", "memswap_limit", "models", "network_mode",
    "networks", "oom_kill_disable", "oom_score_adj", "pid", "pids_limit", "platform", "ports", "post_start",
    "pre_stop", "privileged", "profiles", "provider", "pull_policy", "read_only", "restart", "runtime", "scale",
    "secrets", "security_opt", "shm_size", "stdin_open", "stop_grace_period", "stop_signal", "storage_opt",
    "sysctls", "tmpfs", "tty", "ulimits", "use_api_socket", "user", "userns_mode", "uts", "volumes",
    "volumes_from", "working_dir"};
const std::vector<std::string> kDeployKeys = {"endpoint_mode", "labels", "mode", "placement", "replicas", "resources",
                                              "restart_policy", "rollback_config", "update_config"};

// The Compose specification's service name: letters, digits, '.', '_' and '-'.
bool valid_compose_name(const std::string& s) {
  static const std::regex kName("[a-zA-Z0-9][a-zA-Z0-9._-]*");
  return s.size() <= 253 && std::regex_match(s, kName);
}

struct Reader {
  const YamlDocument& doc;
  Inventory& inv;

  double cpus(const YamlNode& v) const {
    auto c = k8s_quantity(v.raw());  // "0.5", 0.5, "1.5"
    if (!c || *c <= 0 || *c > 1e5) v.fail("expected a number of CPUs > 0, such as 0.5 or \"2\"");
    return *c;
  }
  double megabytes(const YamlNode& v) const {
    auto b = compose_bytes(v.raw());
    if (!b || *b <= 0 || *b > 1e18) v.fail("expected a byte value such as \"512m\", \"1g\" or \"2GiB\" (units b, k, m, g, t)");
    return *b / (1024.0 * 1024.0);
  }
  double seconds(const YamlNode& v) const {
    auto s = duration_seconds(v.raw());
    if (!s || *s > 1e9) v.fail("expected a duration such as \"30s\" or \"1m30s\"");
    return *s;
  }

  void resources(const YamlNode& r, Workload& w) const {
    r.only({"limits", "reservations"}, "deploy.resources");
    for (const char* side : {"limits", "reservations"}) {
      const YamlNode x = r[side];
      if (!x.present()) continue;
      x.only({"cpus", "memory", "pids", "devices", "generic_resources"}, std::string("resources.") + side);
      const bool limit = std::string(side) == "limits";
      if (x["cpus"].present()) (limit ? w.cpu_limit : w.cpu_request) = cpus(x["cpus"]);
      if (x["memory"].present()) (limit ? w.memory_limit_mb : w.memory_request_mb) = megabytes(x["memory"]);
    }
  }

  void healthcheck(const YamlNode& h, Workload& w) const {
    h.only({"test", "interval", "timeout", "retries", "start_period", "start_interval", "disable"}, "healthcheck");
    if (h["disable"].present() && h["disable"].boolean()) return;
    const YamlNode t = h["test"];
    if (t.is_string() && t.str("a command") == "NONE") return;
    if (t.is_list() && !t.items().empty() && t.items()[0].is_string() && t.items()[0].str("a word") == "NONE") return;
    // The Compose defaults: interval 30s, timeout 30s, retries 3, start_period 0s.
    ProbeSpec probe;
    probe.period_s = h["interval"].present() ? seconds(h["interval"]) : 30;
    probe.timeout_s = h["timeout"].present() ? seconds(h["timeout"]) : 30;
    if (probe.period_s <= 0) h["interval"].fail("must be more than 0s");
    if (probe.timeout_s <= 0) h["timeout"].fail("must be more than 0s");
    probe.timeout_s = std::min(probe.timeout_s, probe.period_s);
    if (h["retries"].present()) probe.failure_threshold = static_cast<int>(h["retries"].whole(1, 100));
    if (h["start_period"].present()) probe.initial_delay_s = seconds(h["start_period"]);
    w.readiness = probe;
    w.probes_from = "healthcheck";
  }

  void update_config(const YamlNode& u, Workload& w) const {
    u.only({"parallelism", "delay", "failure_action", "monitor", "max_failure_ratio", "order"}, "update_config");
    const long long parallelism = u["parallelism"].whole_or(0, 100000).value_or(1);
    const std::string order = u["order"].str_or("stop-first or start-first").value_or("stop-first");
    if (order != "stop-first" && order != "start-first") u["order"].fail("expected stop-first or start-first");
    // parallelism 0 updates every task at once.
    const nlohmann::json step = parallelism == 0 ? nlohmann::json("100%") : nlohmann::json(parallelism);
    w.deployment = {{"strategy", "rolling"},
                    {"max_surge", order == "start-first" ? step : nlohmann::json(0)},
                    {"max_unavailable", order == "stop-first" ? step : nlohmann::json(0)}};
  }

  void environment(const YamlNode& e, Workload& w) const {
    if (e.is_map()) {
      for (const auto& [k, v] : e.entries()) w.env.emplace_back(k, v.text("a value (a string or a number)"));
    } else {
      for (const YamlNode& item : e.items("a map or a list of KEY=VALUE")) {
        const std::string s = item.text("KEY=VALUE");
        const auto eq = s.find('=');
        w.env.emplace_back(s.substr(0, eq), eq == std::string::npos ? "" : s.substr(eq + 1));
      }
    }
  }

  void service(const std::string& name, const YamlNode& s) {
    if (!valid_compose_name(name))
      s.fail("\"" + shown(name) + "\" is not a Compose service name (letters, digits, '.', '_' and '-')");
    if (!s.is_map()) s.fail("a service is a map (image, deploy, ...)");
    for (const auto& [k, v] : s.entries())
      if (k.rfind("x-", 0) != 0 && std::find(kServiceKeys.begin(), kServiceKeys.end(), k) == kServiceKeys.end())
        v.fail("not a Compose service attribute" + did_you_mean(k, kServiceKeys));
    Workload w;
    w.name = name;
    w.kind = "compose service";
    w.where = {doc.place(s.pointer()), 0};
    if (s["image"].present()) w.image = s["image"].str("an image name");
    for (const char* alias : {"hostname", "container_name"})
      if (auto a = s[alias].str_or("a host name"); a && *a != name && valid_compose_name(*a)) w.aliases.push_back(*a);
    if (s["scale"].present()) w.replicas = static_cast<int>(s["scale"].whole(0, 100000));
    if (s["cpus"].present()) w.cpu_limit = cpus(s["cpus"]);
    if (s["mem_limit"].present()) w.memory_limit_mb = megabytes(s["mem_limit"]);
    if (s["mem_reservation"].present()) w.memory_request_mb = megabytes(s["mem_reservation"]);
    if (const YamlNode d = s["deploy"]; d.present()) {
      for (const auto& [k, v] : d.entries("a map (replicas, resources, ...)"))
        if (k.rfind("x-", 0) != 0 && std::find(kDeployKeys.begin(), kDeployKeys.end(), k) == kDeployKeys.end())
          v.fail("not a field of deploy" + did_you_mean(k, kDeployKeys));
      if (d["replicas"].present()) w.replicas = static_cast<int>(d["replicas"].whole(0, 100000));
      if (d["mode"].str_or("replicated or global").value_or("replicated") == "global")
        inv.notes.push_back(w.where.str() + ": " + name + ": deploy.mode global runs one task per node; taken as " +
                            std::to_string(w.replicas.value_or(1)) + " replica(s)");
      if (d["resources"].present()) resources(d["resources"], w);
      if (d["update_config"].present()) update_config(d["update_config"], w);
    }
    if (const YamlNode d = s["depends_on"]; d.present()) {
      if (d.is_list()) {
        for (const YamlNode& x : d.items()) w.depends_on.push_back(x.str("a service name"));
      } else {
        for (const auto& [k, v] : d.entries("a list of services or a map of service: {condition}")) {
          if (v.present()) v.only({"condition", "restart", "required"}, "depends_on");
          w.depends_on.push_back(k);
        }
      }
    }
    if (const YamlNode lg = s["logging"]; lg.present()) {
      if (lg["driver"].present()) w.log_driver = lg["driver"].text("a logging driver");
      for (const char* k : {"fluentd-address", "gelf-address", "syslog-address"})
        if (lg["options"][k].present()) w.log_address = lg["options"][k].text("an address");
    }
    if (s["healthcheck"].present()) healthcheck(s["healthcheck"], w);
    if (s["stop_grace_period"].present()) w.termination_grace_s = seconds(s["stop_grace_period"]);
    if (s["environment"].present()) environment(s["environment"], w);
    for (const char* key : {"entrypoint", "command"}) {
      const YamlNode c = s[key];
      if (c.is_list())
        for (const YamlNode& word : c.items()) add_env_words(w, word.text("a word of the command"));
      else if (c.present())
        add_env_words(w, c.text("a command line"));
    }
    for (const YamlNode& port : s["ports"].items("a list of ports")) {
      // "8080:80" or {target, published} publishes on the host; "80" alone picks a random host port.
      std::string published;
      if (port.is_string()) {
        const std::string p = port.str("a port");
        const auto colon = p.rfind(':');
        if (colon != std::string::npos) published = p.substr(0, colon).substr(p.substr(0, colon).rfind(':') + 1);
      } else if (port.is_map()) {
        if (port["published"].present()) published = port["published"].text("a port number");
      } else if (!port.is_number()) {
        port.fail("expected a port (\"8080:80\", 80 or {target, published})");
      }
      if (!published.empty()) w.published.push_back(published);
    }
    if (!w.published.empty()) w.exposed = "publishes port " + w.published.front() + " (ports)";
    inv.workloads.push_back(std::move(w));
  }
};

}  // namespace

void add_env_words(Workload& w, const std::string& text) {
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && text[i] == ' ') ++i;
    std::size_t j = text.find(' ', i);
    if (j == std::string::npos) j = text.size();
    if (j > i) w.env.emplace_back("", text.substr(i, j - i));
    i = j;
  }
}

bool is_compose(const YamlDocument& doc) {
  return doc.value.is_object() && doc.value.contains("services") && !doc.value.contains("kind") &&
         !doc.value.contains("apiVersion");
}

void read_compose(const YamlDocument& doc, Inventory& inv) {
  const YamlNode top = YamlNode::root(doc);
  for (const auto& [k, v] : top.entries())
    if (k.rfind("x-", 0) != 0 && std::find(kTopLevel.begin(), kTopLevel.end(), k) == kTopLevel.end())
      v.fail("not a top-level element of a Compose file" + did_you_mean(k, kTopLevel));
  const YamlNode services = top["services"];
  if (!services.is_map() || services.entries().empty()) services.fail("expected a map of services");
  Reader r{doc, inv};
  const std::size_t first = inv.workloads.size();
  std::set<std::string> existing;
  for (const Workload& w : inv.workloads) {
    existing.insert(w.name);
    existing.insert(w.aliases.begin(), w.aliases.end());
  }
  std::vector<std::string> names;
  for (const auto& [name, s] : services.entries()) {
    if (existing.count(name)) s.fail("a service named \"" + shown(name) + "\" is already defined");
    r.service(name, s);
    names.push_back(name);
  }
  std::map<std::string, const Workload*> by_name;
  for (std::size_t i = first; i < inv.workloads.size(); ++i) by_name[inv.workloads[i].name] = &inv.workloads[i];
  for (std::size_t i = first; i < inv.workloads.size(); ++i)
    for (const std::string& d : inv.workloads[i].depends_on)
      if (!by_name.count(d))
        services[inv.workloads[i].name]["depends_on"].fail("depends on \"" + shown(d) + "\", which is not a service of this file" +
                                                          did_you_mean(d, names));
  // Compose refuses a cycle of depends_on (it could not start them in any order): a depth-first
  // walk with its own stack (a chain of thousands of services is no reason to overflow ours).
  std::map<std::string, int> state;  // 1: on the path, 2: done
  for (const std::string& start : names) {
    if (state[start] != 0) continue;
    std::vector<std::pair<std::string, std::size_t>> path = {{start, 0}};
    state[start] = 1;
    while (!path.empty()) {
      auto& [n, next] = path.back();
      const std::vector<std::string>& deps = by_name[n]->depends_on;
      if (next == deps.size()) {
        state[n] = 2;
        path.pop_back();
        continue;
      }
      const std::string d = deps[next++];
      if (state[d] == 1) {
        std::string cycle;
        bool on = false;
        for (const auto& [p, i] : path) {
          on = on || p == d;
          if (on) cycle += p + " -> ";
        }
        services[path.back().first]["depends_on"].fail("a cycle of depends_on (Compose could start none of them first): " +
                                                       shown(cycle + d, 200));
      }
      if (state[d] == 0) {
        state[d] = 1;
        path.emplace_back(d, 0);
      }
    }
  }
}

Workload* Inventory::find(const std::string& name) {
  for (Workload& w : workloads)
    if (w.name == name || std::find(w.aliases.begin(), w.aliases.end(), name) != w.aliases.end()) return &w;
  return nullptr;
}

}  // namespace archsim::import
