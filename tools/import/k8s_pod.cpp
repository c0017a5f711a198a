#include "tools/import/k8s_pod.h"

#include <algorithm>

#include "tools/import/import_error.h"
#include "tools/import/quantity.h"
#include "tools/import/readers.h"
#include "tools/import/text.h"

namespace archsim::import {

const std::vector<std::string> kObjectFields = {"apiVersion", "kind", "metadata", "spec", "status"};
const std::vector<std::string> kMetadataFields = {
    "annotations", "creationTimestamp", "deletionGracePeriodSeconds", "deletionTimestamp", "finalizers",
    "generateName", "generation", "labels", "managedFields", "name", "namespace", "ownerReferences",
    "resourceVersion", "selfLink", "uid"};

namespace {

// The API reference's fields (apps/v1, core/v1).
const std::vector<std::string> kDeploymentSpec = {"minReadySeconds", "paused", "progressDeadlineSeconds", "replicas",
                                                  "revisionHistoryLimit", "selector", "strategy", "template"};
const std::vector<std::string> kStatefulSetSpec = {
    "minReadySeconds", "ordinals", "persistentVolumeClaimRetentionPolicy", "podManagementPolicy", "replicas",
    "revisionHistoryLimit", "selector", "serviceName", "template", "updateStrategy", "volumeClaimTemplates"};
const std::vector<std::string> kReplicaSetSpec = {"minReadySeconds", "replicas", "selector", "template"};
const std::vector<std::string> kTemplate = {"metadata", "spec"};
const std::vector<std::string> kPodSpec = {
    "activeDeadlineSeconds", "affinity", "automountServiceAccountToken", "containers", "dnsConfig", "dnsPolicy",
    "enableServiceLinks", "ephemeralContainers", "hostAliases", "hostIPC", "hostNetwork", "hostPID", "hostUsers",
    "hostname", "imagePullSecrets", "initContainers", "nodeName", "nodeSelector", "os", "overhead",
    "preemptionPolicy", "priority", "priorityClassName", "readinessGates", "resourceClaims", "resources",
    "restartPolicy", "runtimeClassName", "schedulerName", "schedulingGates", "securityContext", "serviceAccount",
    "serviceAccountName", "setHostnameAsFQDN", "shareProcessNamespace", "subdomain", "terminationGracePeriodSeconds",
    "tolerations", "topologySpreadConstraints", "volumes"};
const std::vector<std::string> kContainer = {
    "args", "command", "env", "envFrom", "image", "imagePullPolicy", "lifecycle", "livenessProbe", "name", "ports",
    "readinessProbe", "resizePolicy", "resources", "restartPolicy", "securityContext", "startupProbe", "stdin",
    "stdinOnce", "terminationMessagePath", "terminationMessagePolicy", "tty", "volumeDevices", "volumeMounts",
    "workingDir"};
const std::vector<std::string> kProbe = {"exec", "failureThreshold", "grpc", "httpGet", "initialDelaySeconds",
                                         "periodSeconds", "successThreshold", "tcpSocket",
                                         "terminationGracePeriodSeconds", "timeoutSeconds"};

int whole(const YamlNode& o, const char* key, int dflt, int lo, int hi) {
  const YamlNode v = o[key];
  return v.present() ? static_cast<int>(v.whole(lo, hi)) : dflt;
}

// A kubelet probe with the API's defaults: initialDelaySeconds 0, periodSeconds 10,
// timeoutSeconds 1, failureThreshold 3, successThreshold 1.
ProbeSpec probe(const YamlNode& p) {
  if (!p.is_map()) p.fail("expected a probe (httpGet/tcpSocket/exec/grpc, periodSeconds, ...)");
  p.only(kProbe, "Probe");
  ProbeSpec s;
  s.initial_delay_s = whole(p, "initialDelaySeconds", 0, 0, 86400);
  s.period_s = whole(p, "periodSeconds", 10, 1, 86400);
  s.timeout_s = std::min<double>(whole(p, "timeoutSeconds", 1, 1, 86400), s.period_s);
  s.failure_threshold = whole(p, "failureThreshold", 3, 1, 100);
  s.success_threshold = whole(p, "successThreshold", 1, 1, 100);
  return s;
}

void resources(const YamlNode& r, Workload& w) {
  r.only({"claims", "limits", "requests"}, "ResourceRequirements");
  for (const char* side : {"requests", "limits"}) {
    const YamlNode x = r[side];
    if (!x.present()) continue;
    x.entries("a map (cpu, memory)");
    const bool limit = std::string(side) == "limits";
    if (x["cpu"].present()) {
      auto c = k8s_quantity(x["cpu"].raw());
      if (!c || *c <= 0 || *c > 1e6) x["cpu"].fail("expected a CPU quantity such as \"500m\" or 2");
      (limit ? w.cpu_limit : w.cpu_request) = *c;
    }
    if (x["memory"].present()) {
      auto m = k8s_quantity(x["memory"].raw());
      if (!m || *m <= 0 || *m > 1e18) x["memory"].fail("expected a memory quantity such as \"512Mi\" or \"1G\"");
      if (*m < 1024 * 1024)
        x["memory"].fail("less than 1 MiB: \"m\" means milli in a Kubernetes quantity (write \"512Mi\", not \"512m\")");
      (limit ? w.memory_limit_mb : w.memory_request_mb) = *m / (1024.0 * 1024.0);
    }
  }
}

}  // namespace

bool is_sidecar(const std::string& name, const std::string& image) {
  static const std::vector<std::string> kSidecars = {
      "istio-proxy", "istio-init", "proxyv2", "linkerd-proxy", "linkerd-init", "jaeger-agent", "otel-collector",
      "opentelemetry-collector", "otel-agent", "fluentd", "fluent-bit", "filebeat", "promtail", "vector-agent",
      "cloudsql-proxy", "cloud-sql-proxy", "vault-agent", "daprd", "exporter", "oauth2-proxy", "kube-rbac-proxy",
      "config-reloader", "consul-dataplane", "envoy-sidecar", "datadog-agent", "git-sync"};
  const std::string n = ascii_lower(name), i = ascii_lower(image);
  for (const std::string& s : kSidecars)
    if (n.find(s) != std::string::npos || i.find(s) != std::string::npos) return true;
  return false;
}

void read_workload(const YamlDocument& doc, const std::string& at, Workload& w, Inventory& inv) {
  const YamlNode v = YamlNode::root(doc, at);
  const bool pod = w.kind == "Pod";
  const YamlNode spec = v["spec"];
  const YamlNode tmpl = pod ? v : spec["template"];
  if (!pod) {
    spec.only(w.kind == "Deployment" ? kDeploymentSpec : w.kind == "StatefulSet" ? kStatefulSetSpec : kReplicaSetSpec,
              w.kind + "Spec");
    tmpl.only(kTemplate, "PodTemplateSpec");
    w.replicas = whole(spec, "replicas", 1, 0, 100000);
    if (w.kind == "Deployment" && spec["strategy"].present()) {
      const YamlNode s = spec["strategy"];
      s.only({"type", "rollingUpdate"}, "DeploymentStrategy");
      const std::string type = s["type"].str_or("RollingUpdate or Recreate").value_or("RollingUpdate");
      if (type == "Recreate") {
        w.deployment = {{"strategy", "recreate"}};
      } else if (type == "RollingUpdate") {
        const YamlNode ru = s["rollingUpdate"];
        ru.only({"maxSurge", "maxUnavailable"}, "RollingUpdateDeployment");
        nlohmann::json d = {{"strategy", "rolling"}, {"max_surge", "25%"}, {"max_unavailable", "25%"}};
        for (const char* key : {"maxSurge", "maxUnavailable"}) {
          if (!ru[key].present()) continue;
          auto x = int_or_percent(ru[key].raw());
          if (!x) ru[key].fail("expected a whole number >= 0 or a percentage such as \"25%\"");
          d[std::string(key) == "maxSurge" ? "max_surge" : "max_unavailable"] = *x;
        }
        if (d["max_surge"] == 0 && d["max_unavailable"] == 0) ru.fail("maxSurge and maxUnavailable cannot both be 0");
        w.deployment = d;
      } else {
        s["type"].fail("expected RollingUpdate or Recreate");
      }
    }
    if (w.kind == "StatefulSet") {
      // Pods are replaced one at a time (or maxUnavailable at a time), never surged.
      const YamlNode us = spec["updateStrategy"];
      us.only({"type", "rollingUpdate"}, "StatefulSetUpdateStrategy");
      const std::string type = us["type"].str_or("RollingUpdate or OnDelete").value_or("RollingUpdate");
      if (type == "RollingUpdate") {
        nlohmann::json unavailable = 1;
        const YamlNode ru = us["rollingUpdate"];
        ru.only({"maxUnavailable", "partition"}, "RollingUpdateStatefulSetStrategy");
        if (ru["maxUnavailable"].present()) {
          auto x = int_or_percent(ru["maxUnavailable"].raw());
          if (!x || *x == 0) ru["maxUnavailable"].fail("expected a whole number >= 1 or a percentage");
          unavailable = *x;
        }
        w.deployment = {{"strategy", "rolling"}, {"max_surge", 0}, {"max_unavailable", unavailable}};
      }
    }
  }
  const YamlNode meta = tmpl["metadata"];
  if (!pod) meta.only(kMetadataFields, "ObjectMeta");
  for (const auto& [k, l] : meta["labels"].entries("a map of labels"))
    if (l.is_string()) w.labels[k] = l.str("a label");
  const YamlNode pspec = tmpl["spec"];
  pspec.only(kPodSpec, "PodSpec");
  const std::vector<YamlNode> containers = pspec["containers"].items("a list of containers");
  if (containers.empty()) pspec["containers"].fail("the pod template has no containers");
  if (pspec["terminationGracePeriodSeconds"].present())
    w.termination_grace_s = whole(pspec, "terminationGracePeriodSeconds", 30, 0, 86400);
  // The app's container: not a sidecar; named as the workload or its app label; else with ports.
  std::vector<std::string> names, images;
  for (const YamlNode& c : containers) {
    if (!c.is_map()) c.fail("expected a container (name, image, ...)");
    c.only(kContainer, "Container");
    names.push_back(c["name"].str_or("a container name").value_or(""));
    images.push_back(c["image"].str_or("an image name").value_or(""));
  }
  std::size_t chosen = containers.size();
  std::string why;
  const std::string app = w.labels.count("app") ? w.labels.at("app")
                          : w.labels.count("app.kubernetes.io/name") ? w.labels.at("app.kubernetes.io/name") : w.name;
  auto pick = [&](auto ok, const std::string& reason) {
    for (std::size_t i = 0; i < containers.size() && chosen == containers.size(); ++i)
      if (!is_sidecar(names[i], images[i]) && ok(i)) chosen = i, why = reason;
  };
  if (containers.size() > 1) {
    pick([&](std::size_t i) { return names[i] == w.name || names[i] == app; }, "named as the workload");
    pick([&](std::size_t i) { return containers[i]["ports"].present(); }, "the first that is no sidecar and has ports");
    pick([](std::size_t) { return true; }, "the first that is no sidecar");
  }
  if (chosen == containers.size()) chosen = 0, why = "the first";
  const YamlNode c = containers[chosen];
  w.container = names[chosen];
  if (containers.size() > 1) {
    std::string others;
    for (std::size_t i = 0; i < containers.size(); ++i)
      if (i != chosen)
        others += (others.empty() ? "" : ", ") + shown(names[i], 60) + (is_sidecar(names[i], images[i]) ? " (a sidecar)" : "");
    inv.notes.push_back(w.where.str() + ": " + w.name + ": container " + shown(names[chosen], 60) + " modelled (" + why +
                        "); left out: " + others + " (their CPU is not counted)");
  }
  w.image = images[chosen];
  if (c["resources"].present()) resources(c["resources"], w);
  for (const YamlNode& e : c["env"].items("a list of {name, value}")) {
    if (!e.is_map()) e.fail("expected {name, value}");
    w.env.emplace_back(e["name"].str("the variable's name"), e["value"].present() ? e["value"].text("a value") : "");
  }
  for (const char* key : {"command", "args"})
    for (const YamlNode& word : c[key].items("a list of words"))
      add_env_words(w, word.text("a word"));
  if (c["readinessProbe"].present()) w.readiness = probe(c["readinessProbe"]);
  if (c["livenessProbe"].present()) w.liveness = probe(c["livenessProbe"]);
  if (c["startupProbe"].present()) w.startup = probe(c["startupProbe"]);
  if (w.readiness || w.liveness || w.startup) w.probes_from = "probes";
}

}  // namespace archsim::import
