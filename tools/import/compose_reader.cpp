// Compose files as the Compose specification defines them (compose-spec.io, spec.md and
// deploy.md): services with image, deploy.replicas (or the legacy scale), deploy.resources
// limits/reservations (cpus, memory with its byte units), the legacy cpus/mem_limit,
// depends_on in its short (list) and long (map with condition) forms, healthcheck,
// deploy.update_config, stop_grace_period, ports, environment and command.
#include <algorithm>
#include <set>

#include "sim/errors.h"
#include "tools/import/quantity.h"
#include "tools/import/readers.h"

namespace archsim::import {

namespace {

using nlohmann::json;

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

struct Reader {
  const YamlDocument& doc;
  Inventory& inv;

  [[noreturn]] void fail(const std::string& p, const std::string& m) const { doc.fail(p, m); }

  double cpus(const json& v, const std::string& p) const {
    auto c = k8s_quantity(v);  // "0.5", 0.5, "1.5"
    if (!c || *c <= 0 || *c > 1e5) fail(p, "expected a number of CPUs > 0, such as 0.5 or \"2\"");
    return *c;
  }
  double megabytes(const json& v, const std::string& p) const {
    auto b = compose_bytes(v);
    if (!b || *b <= 0) fail(p, "expected a byte value such as \"512m\" or \"1g\" (units b, k, m, g)");
    return *b / (1024.0 * 1024.0);
  }
  double seconds(const json& v, const std::string& p) const {
    auto s = duration_seconds(v);
    if (!s) fail(p, "expected a duration such as \"30s\" or \"1m30s\"");
    return *s;
  }

  void resources(const json& r, const std::string& p, Workload& w) const {
    if (!r.is_object()) fail(p, "expected a map with limits and reservations");
    for (const char* side : {"limits", "reservations"}) {
      if (!r.contains(side) || r[side].is_null()) continue;
      const json& x = r[side];
      const std::string q = p + "/" + side;
      if (!x.is_object()) fail(q, "expected a map (cpus, memory)");
      const bool limit = std::string(side) == "limits";
      if (x.contains("cpus") && !x["cpus"].is_null()) (limit ? w.cpu_limit : w.cpu_request) = cpus(x["cpus"], q + "/cpus");
      if (x.contains("memory") && !x["memory"].is_null())
        (limit ? w.memory_limit_mb : w.memory_request_mb) = megabytes(x["memory"], q + "/memory");
    }
  }

  void healthcheck(const json& h, const std::string& p, Workload& w) const {
    if (!h.is_object()) fail(p, "expected a map (test, interval, timeout, retries, start_period)");
    if (h.value("disable", false)) return;
    if (h.contains("test")) {
      const json& t = h["test"];
      if ((t.is_array() && !t.empty() && t[0] == "NONE") || t == "NONE") return;
    }
    // The Compose defaults: interval 30s, timeout 30s, retries 3, start_period 0s.
    ProbeSpec probe;
    probe.period_s = h.contains("interval") ? seconds(h["interval"], p + "/interval") : 30;
    probe.timeout_s = h.contains("timeout") ? seconds(h["timeout"], p + "/timeout") : 30;
    if (probe.period_s <= 0) fail(p + "/interval", "must be more than 0s");
    if (probe.timeout_s <= 0) fail(p + "/timeout", "must be more than 0s");
    probe.timeout_s = std::min(probe.timeout_s, probe.period_s);
    if (h.contains("retries")) {
      if (!h["retries"].is_number_integer() || h["retries"] < 1 || h["retries"] > 100)
        fail(p + "/retries", "expected a whole number from 1 to 100");
      probe.failure_threshold = h["retries"].get<int>();
    }
    if (h.contains("start_period")) probe.initial_delay_s = seconds(h["start_period"], p + "/start_period");
    w.readiness = probe;
    w.probes_from = "healthcheck";
  }

  void update_config(const json& u, const std::string& p, Workload& w) const {
    if (!u.is_object()) fail(p, "expected a map (parallelism, order, ...)");
    long long parallelism = 1;
    if (u.contains("parallelism")) {
      if (!u["parallelism"].is_number_integer() || u["parallelism"] < 0) fail(p + "/parallelism", "expected a whole number >= 0");
      parallelism = u["parallelism"].get<long long>();
    }
    const std::string order = u.value("order", "stop-first");
    if (order != "stop-first" && order != "start-first") fail(p + "/order", "expected stop-first or start-first");
    // parallelism 0 updates every task at once.
    const json step = parallelism == 0 ? json("100%") : json(parallelism);
    w.deployment = {{"strategy", "rolling"},
                    {"max_surge", order == "start-first" ? step : json(0)},
                    {"max_unavailable", order == "stop-first" ? step : json(0)}};
  }

  void environment(const json& e, const std::string& p, Workload& w) const {
    if (e.is_object()) {
      for (const auto& [k, v] : e.items()) w.env.emplace_back(k, v.is_string() ? v.get<std::string>() : v.is_null() ? "" : v.dump());
    } else if (e.is_array()) {
      for (const auto& item : e) {
        if (!item.is_string()) fail(p, "expected KEY=VALUE strings");
        const std::string s = item.get<std::string>();
        const auto eq = s.find('=');
        w.env.emplace_back(s.substr(0, eq), eq == std::string::npos ? "" : s.substr(eq + 1));
      }
    } else if (!e.is_null()) {
      fail(p, "expected a map or a list of KEY=VALUE");
    }
  }

  void service(const std::string& name, const json& s, const std::string& p) {
    if (!s.is_object()) fail(p, "a service is a map (image, deploy, ...)");
    for (const auto& [k, v] : s.items())
      if (k.rfind("x-", 0) != 0 && std::find(kServiceKeys.begin(), kServiceKeys.end(), k) == kServiceKeys.end())
        fail(p + "/" + pointer_segment(k), "not a Compose service attribute" + did_you_mean(k, kServiceKeys));
    Workload w;
    w.name = name;
    w.kind = "compose service";
    w.where = {doc.file, doc.line(p)};
    if (s.contains("image")) {
      if (!s["image"].is_string()) fail(p + "/image", "expected an image name");
      w.image = s["image"].get<std::string>();
    }
    if (s.contains("scale")) {
      if (!s["scale"].is_number_integer() || s["scale"] < 0) fail(p + "/scale", "expected a whole number >= 0");
      w.replicas = s["scale"].get<int>();
    }
    if (s.contains("cpus")) w.cpu_limit = cpus(s["cpus"], p + "/cpus");
    if (s.contains("mem_limit")) w.memory_limit_mb = megabytes(s["mem_limit"], p + "/mem_limit");
    if (s.contains("mem_reservation")) w.memory_request_mb = megabytes(s["mem_reservation"], p + "/mem_reservation");
    if (s.contains("deploy") && !s["deploy"].is_null()) {
      const json& d = s["deploy"];
      const std::string q = p + "/deploy";
      if (!d.is_object()) fail(q, "expected a map (replicas, resources, ...)");
      if (d.contains("replicas")) {
        if (!d["replicas"].is_number_integer() || d["replicas"] < 0 || d["replicas"] > 100000)
          fail(q + "/replicas", "expected a whole number from 0 to 100000");
        w.replicas = d["replicas"].get<int>();
      }
      if (d.value("mode", "replicated") == "global")
        inv.notes.push_back(w.where.str() + ": " + name + ": deploy.mode global runs one task per node; taken as " +
                            std::to_string(w.replicas.value_or(1)) + " replica(s)");
      if (d.contains("resources")) resources(d["resources"], q + "/resources", w);
      if (d.contains("update_config")) update_config(d["update_config"], q + "/update_config", w);
    }
    if (s.contains("depends_on")) {
      const json& d = s["depends_on"];
      if (d.is_array()) {
        for (const auto& x : d) {
          if (!x.is_string()) fail(p + "/depends_on", "expected service names");
          w.depends_on.push_back(x.get<std::string>());
        }
      } else if (d.is_object()) {
        for (const auto& [k, v] : d.items()) {
          if (!v.is_null() && !v.is_object()) fail(p + "/depends_on/" + pointer_segment(k), "expected a map (condition, restart, required)");
          w.depends_on.push_back(k);
        }
      } else {
        fail(p + "/depends_on", "expected a list of services or a map of service: {condition}");
      }
    }
    if (s.contains("healthcheck")) healthcheck(s["healthcheck"], p + "/healthcheck", w);
    if (s.contains("stop_grace_period")) w.termination_grace_s = seconds(s["stop_grace_period"], p + "/stop_grace_period");
    if (s.contains("environment")) environment(s["environment"], p + "/environment", w);
    for (const char* key : {"command", "entrypoint"}) {
      if (!s.contains(key)) continue;
      const json& c = s[key];
      if (c.is_string()) add_env_words(w, c.get<std::string>());
      else if (c.is_array())
        for (const auto& word : c)
          if (word.is_string()) add_env_words(w, word.get<std::string>());
    }
    if (s.contains("ports") && s["ports"].is_array())
      for (const auto& port : s["ports"]) {
        // "8080:80" or {target, published} publishes on the host; "80" alone picks a random host port.
        const bool published = (port.is_string() && port.get<std::string>().find(':') != std::string::npos) ||
                               (port.is_object() && port.contains("published")) || port.is_number();
        if (published) w.exposed = "publishes a port (ports)";
      }
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
  const json& top = doc.value;
  for (const auto& [k, v] : top.items())
    if (k.rfind("x-", 0) != 0 && std::find(kTopLevel.begin(), kTopLevel.end(), k) == kTopLevel.end())
      doc.fail("/" + pointer_segment(k), "not a top-level element of a Compose file" + did_you_mean(k, kTopLevel));
  if (!top["services"].is_object() || top["services"].empty()) doc.fail("/services", "expected a map of services");
  Reader r{doc, inv};
  const std::size_t first = inv.workloads.size();
  for (const auto& [name, s] : top["services"].items()) {
    if (inv.find(name)) doc.fail("/services/" + pointer_segment(name), "a service named \"" + name + "\" is already defined");
    r.service(name, s, "/services/" + pointer_segment(name));
  }
  std::vector<std::string> names;
  for (const auto& [name, s] : top["services"].items()) names.push_back(name);
  for (std::size_t i = first; i < inv.workloads.size(); ++i)
    for (std::size_t k = 0; k < inv.workloads[i].depends_on.size(); ++k) {
      const std::string& d = inv.workloads[i].depends_on[k];
      if (std::find(names.begin(), names.end(), d) == names.end())
        doc.fail("/services/" + pointer_segment(inv.workloads[i].name) + "/depends_on",
                 "depends on \"" + d + "\", which is not a service of this file" + did_you_mean(d, names));
    }
}

Workload* Inventory::find(const std::string& name) {
  for (Workload& w : workloads)
    if (w.name == name || std::find(w.aliases.begin(), w.aliases.end(), name) != w.aliases.end()) return &w;
  return nullptr;
}

}  // namespace archsim::import
