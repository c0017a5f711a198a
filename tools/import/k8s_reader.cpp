// Kubernetes manifests as the API reference defines them (kubernetes.io/docs/reference/
// kubernetes-api): Deployment and StatefulSet (apps/v1: replicas, strategy / updateStrategy,
// the pod template's first container: image, resources, probes, env, args), Service (v1:
// selector, type), HorizontalPodAutoscaler (autoscaling/v2, and v1's targetCPUUtilization),
// PodDisruptionBudget (policy/v1), Ingress (networking.k8s.io/v1) and `kind: List`. Pod
// workload details are in k8s_pod.cpp; this file dispatches the kinds and links them.
#include <algorithm>

#include "sim/errors.h"
#include "tools/import/k8s_pod.h"
#include "tools/import/quantity.h"
#include "tools/import/readers.h"

namespace archsim::import {

namespace {

using nlohmann::json;

const std::vector<std::string> kRead = {"Deployment", "StatefulSet", "ReplicaSet", "Pod", "Service",
                                        "HorizontalPodAutoscaler", "PodDisruptionBudget", "Ingress", "List"};
// Kinds that do not shape the traffic archsim simulates: skipped, and said so.
const std::vector<std::string> kSkipped = {
    "ConfigMap", "Secret", "Namespace", "ServiceAccount", "Role", "RoleBinding", "ClusterRole", "ClusterRoleBinding",
    "NetworkPolicy", "PersistentVolumeClaim", "PersistentVolume", "StorageClass", "Job", "CronJob", "DaemonSet",
    "LimitRange", "ResourceQuota", "CustomResourceDefinition", "PriorityClass", "Endpoints", "EndpointSlice",
    "IngressClass", "VerticalPodAutoscaler", "MutatingWebhookConfiguration", "ValidatingWebhookConfiguration",
    "ServiceMonitor", "PodMonitor", "Certificate", "Issuer"};

// One object: its document and the pointer of the object inside it ("" or "/items/3").
struct Object {
  const YamlDocument* doc;
  std::string at;
  const json& value() const { return at.empty() ? doc->value : doc->value.at(json::json_pointer(at)); }
  [[noreturn]] void fail(const std::string& p, const std::string& m) const { doc->fail(at + p, m); }
  std::string name() const {
    const json& v = value();
    return v.contains("metadata") && v["metadata"].is_object() && v["metadata"].contains("name") &&
                   v["metadata"]["name"].is_string()
               ? v["metadata"]["name"].get<std::string>()
               : "";
  }
  std::string kind() const { return value().value("kind", ""); }
  Where where() const { return {doc->file, doc->line(at)}; }
  std::string label() const { return kind() + " " + name() + " (" + where().str() + ")"; }
};

bool selects(const json& selector, const std::map<std::string, std::string>& labels) {
  if (!selector.is_object() || selector.empty()) return false;
  for (const auto& [k, v] : selector.items()) {
    auto it = labels.find(k);
    if (it == labels.end() || !v.is_string() || it->second != v.get<std::string>()) return false;
  }
  return true;
}

json direction(const Object& o, const json& d, const std::string& p) {
  if (!d.is_object()) o.fail(p, "expected a map (stabilizationWindowSeconds, selectPolicy, policies)");
  json out = json::object();
  for (const auto& [k, v] : d.items()) {
    const std::string q = p + "/" + k;
    if (k == "stabilizationWindowSeconds") {
      if (!v.is_number_integer() || v < 0 || v > 3600) o.fail(q, "expected whole seconds from 0 to 3600");
      out["stabilization_window"] = std::to_string(v.get<long long>()) + "s";
    } else if (k == "selectPolicy") {
      if (v != "Max" && v != "Min" && v != "Disabled") o.fail(q, "expected Max, Min or Disabled");
      out["select_policy"] = v == "Max" ? "max" : v == "Min" ? "min" : "disabled";
    } else if (k == "tolerance") {
      auto t = k8s_quantity(v);
      if (!t || *t < 0) o.fail(q, "expected a quantity >= 0 such as 0.05 or \"50m\"");
      out["tolerance"] = *t;
    } else if (k == "policies") {
      if (!v.is_array()) o.fail(q, "expected a list of {type, value, periodSeconds}");
      json list = json::array();
      for (std::size_t i = 0; i < v.size(); ++i) {
        const json& pol = v[i];
        const std::string r = q + "/" + std::to_string(i);
        if (!pol.is_object()) o.fail(r, "expected {type, value, periodSeconds}");
        const std::string type = pol.value("type", "");
        if (type != "Pods" && type != "Percent") o.fail(r + "/type", "expected Pods or Percent");
        if (!pol.contains("value") || !pol["value"].is_number_integer() || pol["value"] < 1)
          o.fail(r + "/value", "expected a whole number >= 1");
        if (!pol.contains("periodSeconds") || !pol["periodSeconds"].is_number_integer() || pol["periodSeconds"] < 1 ||
            pol["periodSeconds"] > 1800)
          o.fail(r + "/periodSeconds", "expected whole seconds from 1 to 1800");
        list.push_back({{"type", type == "Pods" ? "pods" : "percent"},
                        {"value", pol["value"]},
                        {"period", std::to_string(pol["periodSeconds"].get<long long>()) + "s"}});
      }
      out["policies"] = list;
    } else {
      o.fail(q, "not a field of HPAScalingRules" +
                    did_you_mean(k, {"stabilizationWindowSeconds", "selectPolicy", "policies", "tolerance"}));
    }
  }
  return out;
}

HpaSpec read_hpa(const Object& o) {
  const json& v = o.value();
  const json spec = v.value("spec", json::object());
  HpaSpec h;
  h.name = o.name();
  h.where = o.where();
  if (spec.contains("minReplicas")) {
    if (!spec["minReplicas"].is_number_integer() || spec["minReplicas"] < 0) o.fail("/spec/minReplicas", "expected a whole number >= 0");
    h.min_replicas = spec["minReplicas"].get<int>();
  }
  if (!spec.contains("maxReplicas") || !spec["maxReplicas"].is_number_integer() || spec["maxReplicas"] < 1 ||
      spec["maxReplicas"] > 100000)
    o.fail("/spec/maxReplicas", "required: a whole number from 1 to 100000");
  h.max_replicas = spec["maxReplicas"].get<int>();
  if (h.min_replicas > h.max_replicas) o.fail("/spec/minReplicas", "is larger than maxReplicas");
  // autoscaling/v1: one CPU target, a percentage of the request.
  if (spec.contains("targetCPUUtilizationPercentage"))
    h.metrics.push_back({"Resource", "cpu", "Utilization", spec["targetCPUUtilizationPercentage"].get<double>(),
                         "targetCPUUtilizationPercentage"});
  if (spec.contains("metrics")) {
    const json& ms = spec["metrics"];
    if (!ms.is_array()) o.fail("/spec/metrics", "expected a list of metric specs");
    for (std::size_t i = 0; i < ms.size(); ++i) {
      const std::string p = "/spec/metrics/" + std::to_string(i);
      const json& m = ms[i];
      const std::string type = m.value("type", "");
      static const std::map<std::string, std::string> kField = {{"Resource", "resource"},
                                                                {"ContainerResource", "containerResource"},
                                                                {"Pods", "pods"},
                                                                {"Object", "object"},
                                                                {"External", "external"}};
      auto f = kField.find(type);
      if (f == kField.end())
        o.fail(p + "/type", "expected Resource, ContainerResource, Pods, Object or External" +
                                did_you_mean(type, {"Resource", "ContainerResource", "Pods", "Object", "External"}));
      if (!m.contains(f->second) || !m[f->second].is_object()) o.fail(p, "a " + type + " metric needs its \"" + f->second + "\" map");
      const json& body = m[f->second];
      HpaSpec::Metric metric;
      metric.kind = type;
      metric.where = "metrics[" + std::to_string(i) + "]";
      metric.name = type == "Resource" || type == "ContainerResource"
                        ? body.value("name", "")
                        : (body.contains("metric") && body["metric"].is_object() ? body["metric"].value("name", "") : "");
      if (metric.name.empty()) o.fail(p + "/" + f->second, "the metric has no name");
      const json target = body.value("target", json::object());
      metric.target_type = target.value("type", "");
      const std::string tp = p + "/" + f->second + "/target";
      if (metric.target_type == "Utilization") {
        if (!target.contains("averageUtilization") || !target["averageUtilization"].is_number() || target["averageUtilization"] <= 0)
          o.fail(tp + "/averageUtilization", "expected a percentage > 0");
        metric.value = target["averageUtilization"].get<double>();
      } else if (metric.target_type == "AverageValue" || metric.target_type == "Value") {
        const char* key = metric.target_type == "Value" ? "value" : "averageValue";
        auto q = target.contains(key) ? k8s_quantity(target[key]) : std::nullopt;
        if (!q || *q <= 0) o.fail(tp + "/" + key, "expected a quantity > 0 such as 100 or \"500m\"");
        metric.value = *q;
      } else {
        o.fail(tp + "/type", "expected Utilization, AverageValue or Value");
      }
      h.metrics.push_back(metric);
    }
  }
  if (h.metrics.empty()) h.metrics.push_back({"Resource", "cpu", "Utilization", 80, "(the default: 80% CPU)"});
  if (spec.contains("behavior") && !spec["behavior"].is_null()) {
    const json& b = spec["behavior"];
    if (!b.is_object()) o.fail("/spec/behavior", "expected a map (scaleUp, scaleDown)");
    h.behavior = json::object();
    for (const auto& [k, d] : b.items()) {
      if (k == "scaleUp") h.behavior["scale_up"] = direction(o, d, "/spec/behavior/scaleUp");
      else if (k == "scaleDown") h.behavior["scale_down"] = direction(o, d, "/spec/behavior/scaleDown");
      else o.fail("/spec/behavior/" + k, "expected scaleUp or scaleDown" + did_you_mean(k, {"scaleUp", "scaleDown"}));
    }
  }
  return h;
}

}  // namespace

void read_kubernetes(const std::vector<const YamlDocument*>& docs, Inventory& inv) {
  // Flatten `kind: List` and check every kind first.
  std::vector<Object> objects;
  for (const YamlDocument* d : docs) {
    std::vector<Object> todo{{d, ""}};
    while (!todo.empty()) {
      Object o = todo.back();
      todo.pop_back();
      const json& v = o.value();
      if (!v.is_object()) o.fail("", "expected a Kubernetes object (apiVersion, kind, metadata, spec)");
      if (!v.contains("kind") || !v["kind"].is_string()) o.fail("", "no \"kind\": not a Kubernetes object");
      const std::string kind = v["kind"].get<std::string>();
      if (kind == "List") {
        if (!v.contains("items") || !v["items"].is_array()) o.fail("/items", "a List needs its items");
        for (std::size_t i = v["items"].size(); i-- > 0;) todo.push_back({d, o.at + "/items/" + std::to_string(i)});
        continue;
      }
      if (std::find(kSkipped.begin(), kSkipped.end(), kind) != kSkipped.end()) {
        inv.notes.push_back(o.label() + ": skipped (a " + kind + " does not shape the traffic archsim simulates)");
        continue;
      }
      if (std::find(kRead.begin(), kRead.end(), kind) == kRead.end()) {
        std::vector<std::string> known = kRead;
        known.insert(known.end(), kSkipped.begin(), kSkipped.end());
        o.fail("/kind", "unknown kind \"" + kind + "\"" + did_you_mean(kind, known) +
                            ": archsim import reads Deployment, StatefulSet, ReplicaSet, Pod, Service, "
                            "HorizontalPodAutoscaler, PodDisruptionBudget, Ingress and List (leave other files out)");
      }
      if (o.name().empty()) o.fail("/metadata/name", "every object needs metadata.name");
      objects.push_back(o);
    }
  }
  std::sort(objects.begin(), objects.end(), [](const Object& a, const Object& b) {
    return a.doc->file != b.doc->file ? a.doc->file < b.doc->file : a.doc->index < b.doc->index || (a.doc->index == b.doc->index && a.at < b.at);
  });

  // Workloads first: the other kinds point at them.
  for (const Object& o : objects) {
    const std::string kind = o.kind();
    if (kind != "Deployment" && kind != "StatefulSet" && kind != "ReplicaSet" && kind != "Pod") continue;
    if (inv.find(o.name())) o.fail("/metadata/name", "a workload named \"" + o.name() + "\" is already defined");
    Workload w;
    w.name = o.name();
    w.kind = kind;
    w.where = o.where();
    read_workload(*o.doc, o.at, w, inv);
    inv.workloads.push_back(std::move(w));
  }
  std::vector<std::string> names;
  for (const Workload& w : inv.workloads) names.push_back(w.name);

  for (const Object& o : objects) {
    const std::string kind = o.kind();
    const json& v = o.value();
    const json spec = v.value("spec", json::object());
    if (kind == "Service") {
      const json selector = spec.value("selector", json::object());
      const std::string type = spec.value("type", "ClusterIP");
      bool matched = false;
      for (Workload& w : inv.workloads) {
        if (!selects(selector, w.labels)) continue;
        matched = true;
        if (w.name != o.name() && std::find(w.aliases.begin(), w.aliases.end(), o.name()) == w.aliases.end())
          w.aliases.push_back(o.name());
        if (type == "LoadBalancer" || type == "NodePort") w.exposed = "Service " + o.name() + " of type " + type;
      }
      if (!matched) inv.notes.push_back(o.label() + ": selects no workload of these manifests; skipped");
    } else if (kind == "Ingress") {
      std::vector<std::string> backends;
      auto backend = [&](const json& b) {
        if (b.contains("service") && b["service"].is_object() && b["service"].contains("name"))
          backends.push_back(b["service"]["name"].get<std::string>());
        else if (b.contains("serviceName") && b["serviceName"].is_string())
          backends.push_back(b["serviceName"].get<std::string>());
      };
      if (spec.contains("defaultBackend")) backend(spec["defaultBackend"]);
      if (spec.contains("rules") && spec["rules"].is_array())
        for (const auto& rule : spec["rules"])
          if (rule.contains("http") && rule["http"].contains("paths"))
            for (const auto& path : rule["http"]["paths"])
              if (path.contains("backend")) backend(path["backend"]);
      for (const std::string& b : backends)
        if (Workload* w = inv.find(b)) w->exposed = "Ingress " + o.name();
    } else if (kind == "HorizontalPodAutoscaler") {
      const json ref = spec.value("scaleTargetRef", json::object());
      const std::string target = ref.value("name", "");
      Workload* w = inv.find(target);
      if (!w || (w->name != target))
        o.fail("/spec/scaleTargetRef/name", "scales \"" + target + "\", which is no Deployment or StatefulSet of these manifests" +
                                                did_you_mean(target, names));
      if (w->hpa) o.fail("", "a second HorizontalPodAutoscaler for " + target + " (the first: " + w->hpa->where.str() + ")");
      w->hpa = read_hpa(o);
    } else if (kind == "PodDisruptionBudget") {
      const json sel = spec.value("selector", json::object());
      const json labels = sel.value("matchLabels", json::object());
      if (sel.contains("matchExpressions"))
        inv.notes.push_back(o.label() + ": selector.matchExpressions not read; matched on matchLabels only");
      const bool min = spec.contains("minAvailable"), max = spec.contains("maxUnavailable");
      if (min == max) o.fail("/spec", "a PodDisruptionBudget sets exactly one of minAvailable and maxUnavailable");
      const char* key = min ? "minAvailable" : "maxUnavailable";
      auto value = int_or_percent(spec[key]);
      if (!value) o.fail(std::string("/spec/") + key, "expected a whole number >= 0 or a percentage such as \"25%\"");
      bool matched = false;
      for (Workload& w : inv.workloads) {
        if (!selects(labels, w.labels)) continue;
        matched = true;
        w.disruption_budget = {{min ? "min_available" : "max_unavailable", *value}};
        w.budget_from = o.label();
      }
      if (!matched) inv.notes.push_back(o.label() + ": selects no workload of these manifests; skipped");
    }
  }
}

}  // namespace archsim::import
