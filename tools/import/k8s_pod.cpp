#include "tools/import/k8s_pod.h"

#include <algorithm>

#include "tools/import/quantity.h"
#include "tools/import/readers.h"

namespace archsim::import {

namespace {

using nlohmann::json;

int whole(const YamlDocument& doc, const json& o, const std::string& p, const char* key, int dflt, int lo, int hi) {
  if (!o.contains(key) || o[key].is_null()) return dflt;
  const json& v = o[key];
  if (!v.is_number_integer() || v < lo || v > hi)
    doc.fail(p + "/" + key, "expected a whole number from " + std::to_string(lo) + " to " + std::to_string(hi));
  return v.get<int>();
}

// A kubelet probe with the API's defaults: initialDelaySeconds 0, periodSeconds 10,
// timeoutSeconds 1, failureThreshold 3, successThreshold 1.
ProbeSpec probe(const YamlDocument& doc, const json& p, const std::string& at) {
  if (!p.is_object()) doc.fail(at, "expected a probe (httpGet/tcpSocket/exec/grpc, periodSeconds, ...)");
  ProbeSpec s;
  s.initial_delay_s = whole(doc, p, at, "initialDelaySeconds", 0, 0, 86400);
  s.period_s = whole(doc, p, at, "periodSeconds", 10, 1, 86400);
  s.timeout_s = std::min<double>(whole(doc, p, at, "timeoutSeconds", 1, 1, 86400), s.period_s);
  s.failure_threshold = whole(doc, p, at, "failureThreshold", 3, 1, 100);
  s.success_threshold = whole(doc, p, at, "successThreshold", 1, 1, 100);
  return s;
}

void resources(const YamlDocument& doc, const json& r, const std::string& at, Workload& w) {
  if (!r.is_object()) doc.fail(at, "expected a map (requests, limits)");
  for (const char* side : {"requests", "limits"}) {
    if (!r.contains(side) || r[side].is_null()) continue;
    const json& x = r[side];
    const std::string p = at + "/" + side;
    if (!x.is_object()) doc.fail(p, "expected a map (cpu, memory)");
    const bool limit = std::string(side) == "limits";
    if (x.contains("cpu")) {
      auto c = k8s_quantity(x["cpu"]);
      if (!c || *c <= 0) doc.fail(p + "/cpu", "expected a CPU quantity such as \"500m\" or 2");
      (limit ? w.cpu_limit : w.cpu_request) = *c;
    }
    if (x.contains("memory")) {
      auto m = k8s_quantity(x["memory"]);
      if (!m || *m <= 0) doc.fail(p + "/memory", "expected a memory quantity such as \"512Mi\" or \"1G\"");
      if (*m < 1024 * 1024)
        doc.fail(p + "/memory", "less than 1 MiB: \"m\" means milli in a Kubernetes quantity (write \"512Mi\", not \"512m\")");
      (limit ? w.memory_limit_mb : w.memory_request_mb) = *m / (1024.0 * 1024.0);
    }
  }
}

}  // namespace

void read_workload(const YamlDocument& doc, const std::string& at, Workload& w, Inventory& inv) {
  const json& v = at.empty() ? doc.value : doc.value.at(json::json_pointer(at));
  const bool pod = w.kind == "Pod";
  const json spec = v.value("spec", json::object());
  if (!spec.is_object()) doc.fail(at + "/spec", "expected a map");
  std::string tp = at + (pod ? "" : "/spec/template");
  const json tmpl = pod ? v : spec.value("template", json::object());
  if (!pod) {
    w.replicas = whole(doc, spec, at + "/spec", "replicas", 1, 0, 100000);
    if (w.kind == "Deployment" && spec.contains("strategy")) {
      const json& s = spec["strategy"];
      const std::string sp = at + "/spec/strategy";
      const std::string type = s.value("type", "RollingUpdate");
      if (type == "Recreate") {
        w.deployment = {{"strategy", "recreate"}};
      } else if (type == "RollingUpdate") {
        const json ru = s.value("rollingUpdate", json::object());
        json d = {{"strategy", "rolling"}, {"max_surge", "25%"}, {"max_unavailable", "25%"}};
        for (const char* key : {"maxSurge", "maxUnavailable"}) {
          if (!ru.contains(key)) continue;
          auto x = int_or_percent(ru[key]);
          if (!x) doc.fail(sp + "/rollingUpdate/" + key, "expected a whole number >= 0 or a percentage such as \"25%\"");
          d[std::string(key) == "maxSurge" ? "max_surge" : "max_unavailable"] = *x;
        }
        if (d["max_surge"] == 0 && d["max_unavailable"] == 0)
          doc.fail(sp + "/rollingUpdate", "maxSurge and maxUnavailable cannot both be 0");
        w.deployment = d;
      } else {
        doc.fail(sp + "/type", "expected RollingUpdate or Recreate");
      }
    }
    if (w.kind == "StatefulSet") {
      // Pods are replaced one at a time (or maxUnavailable at a time), never surged.
      const json us = spec.value("updateStrategy", json::object());
      const std::string type = us.value("type", "RollingUpdate");
      if (type == "RollingUpdate") {
        json unavailable = 1;
        const json ru = us.value("rollingUpdate", json::object());
        if (ru.contains("maxUnavailable")) {
          auto x = int_or_percent(ru["maxUnavailable"]);
          if (!x || *x == 0) doc.fail(at + "/spec/updateStrategy/rollingUpdate/maxUnavailable", "expected a whole number >= 1 or a percentage");
          unavailable = *x;
        }
        w.deployment = {{"strategy", "rolling"}, {"max_surge", 0}, {"max_unavailable", unavailable}};
      }
    }
  }
  const json meta = tmpl.value("metadata", json::object());
  if (meta.contains("labels") && meta["labels"].is_object())
    for (const auto& [k, l] : meta["labels"].items())
      if (l.is_string()) w.labels[k] = l.get<std::string>();
  const json pspec = tmpl.value("spec", json::object());
  const std::string pp = tp + "/spec";
  if (!pspec.contains("containers") || !pspec["containers"].is_array() || pspec["containers"].empty())
    doc.fail(pp + "/containers", "the pod template has no containers");
  if (pspec.contains("terminationGracePeriodSeconds"))
    w.termination_grace_s = whole(doc, pspec, pp, "terminationGracePeriodSeconds", 30, 0, 86400);
  const json& c = pspec["containers"][0];
  const std::string cp = pp + "/containers/0";
  if (pspec["containers"].size() > 1)
    inv.notes.push_back(w.where.str() + ": " + w.name + ": " + std::to_string(pspec["containers"].size() - 1) +
                        " more container(s) beside the first (" + c.value("name", "?") +
                        "): only the first is modelled (a sidecar's CPU is not counted)");
  if (!c.is_object()) doc.fail(cp, "expected a container");
  if (c.contains("image") && c["image"].is_string()) w.image = c["image"].get<std::string>();
  if (c.contains("resources") && !c["resources"].is_null()) resources(doc, c["resources"], cp + "/resources", w);
  if (c.contains("env") && c["env"].is_array())
    for (const auto& e : c["env"])
      if (e.is_object() && e.contains("name"))
        w.env.emplace_back(e["name"].get<std::string>(), e.contains("value") && e["value"].is_string() ? e["value"].get<std::string>() : "");
  for (const char* key : {"command", "args"})
    if (c.contains(key) && c[key].is_array())
      for (const auto& word : c[key])
        if (word.is_string()) add_env_words(w, word.get<std::string>());
  if (c.contains("readinessProbe")) w.readiness = probe(doc, c["readinessProbe"], cp + "/readinessProbe");
  if (c.contains("livenessProbe")) w.liveness = probe(doc, c["livenessProbe"], cp + "/livenessProbe");
  if (c.contains("startupProbe")) w.startup = probe(doc, c["startupProbe"], cp + "/startupProbe");
  if (w.readiness || w.liveness || w.startup) w.probes_from = "probes";
}

}  // namespace archsim::import
