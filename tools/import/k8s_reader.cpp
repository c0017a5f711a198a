// Kubernetes manifests as the API reference defines them (kubernetes.io/docs/reference/
// kubernetes-api): Deployment and StatefulSet (apps/v1: replicas, strategy / updateStrategy,
// the pod template's app container: image, resources, probes, env, args), Service (v1:
// selector, type), HorizontalPodAutoscaler (autoscaling/v2, and v1's targetCPUUtilization),
// PodDisruptionBudget (policy/v1), Ingress (networking.k8s.io/v1) and `kind: List`. Pod
// workload details are in k8s_pod.cpp; this file dispatches the kinds and links them.
// A custom resource (a kind of another API group than Kubernetes' own) is skipped with a note;
// an unknown kind of Kubernetes' own groups is a typo, refused with the nearest kind.
#include <algorithm>
#include <map>
#include <regex>

#include "scenario/errors.h"
#include "tools/import/import_error.h"
#include "tools/import/k8s_pod.h"
#include "tools/import/quantity.h"
#include "tools/import/readers.h"

namespace archsim::import {

namespace {

const std::vector<std::string> kRead = {"Deployment", "StatefulSet", "ReplicaSet", "Pod", "Service",
                                        "HorizontalPodAutoscaler", "PodDisruptionBudget", "Ingress", "List"};
// Kinds that do not shape the traffic archsim simulates: skipped, and said so.
const std::vector<std::string> kSkipped = {
    "ConfigMap", "Secret", "Namespace", "ServiceAccount", "Role", "RoleBinding", "ClusterRole", "ClusterRoleBinding",
    "NetworkPolicy", "PersistentVolumeClaim", "PersistentVolume", "StorageClass", "Job", "CronJob", "DaemonSet",
    "LimitRange", "ResourceQuota", "CustomResourceDefinition", "PriorityClass", "Endpoints", "EndpointSlice",
    "IngressClass", "VerticalPodAutoscaler", "MutatingWebhookConfiguration", "ValidatingWebhookConfiguration",
    "ServiceMonitor", "PodMonitor", "Certificate", "Issuer", "ReplicationController", "Lease", "RuntimeClass",
    "CSIDriver", "VolumeAttachment", "APIService", "PodTemplate", "Event"};
// Kubernetes' own API groups ("" is the core group of apiVersion: v1).
const std::vector<std::string> kGroups = {
    "", "apps", "batch", "autoscaling", "policy", "extensions", "networking.k8s.io", "rbac.authorization.k8s.io",
    "storage.k8s.io", "apiextensions.k8s.io", "admissionregistration.k8s.io", "scheduling.k8s.io",
    "coordination.k8s.io", "discovery.k8s.io", "node.k8s.io", "certificates.k8s.io", "events.k8s.io",
    "flowcontrol.apiserver.k8s.io", "resource.k8s.io", "apiregistration.k8s.io"};

// A DNS-1123 subdomain, as metadata.name must be.
bool valid_k8s_name(const std::string& s) {
  static const std::regex kName("[a-z0-9]([-a-z0-9.]*[a-z0-9])?");
  return s.size() <= 253 && std::regex_match(s, kName);
}

// One object: its document and the pointer of the object inside it ("" or "/items/3").
struct Object {
  const YamlDocument* doc;
  std::string at;
  std::string kind, name;
  YamlNode node() const { return YamlNode::root(*doc, at); }
  Where where() const { return {doc->place(at), 0}; }
  std::string label() const { return kind + " " + name + " (" + where().str() + ")"; }
};

// The workloads a label selector picks (every label of the selector on the pod template),
// through an index of label -> workloads so that thousands of Services stay linear.
struct Selector {
  std::map<std::string, std::vector<std::size_t>> by_label;  // "key=value" -> workloads
  explicit Selector(const Inventory& inv) {
    for (std::size_t i = 0; i < inv.workloads.size(); ++i)
      for (const auto& [k, v] : inv.workloads[i].labels) by_label[k + "=" + v].push_back(i);
  }
  std::vector<std::size_t> pick(const YamlNode& selector, const Inventory& inv) const {
    std::vector<std::pair<std::string, std::string>> want;
    for (const auto& [k, v] : selector.entries("a map of labels")) want.emplace_back(k, v.text("a label value"));
    std::vector<std::size_t> out;
    if (want.empty()) return out;
    auto it = by_label.find(want[0].first + "=" + want[0].second);
    if (it == by_label.end()) return out;
    for (std::size_t i : it->second) {
      bool all = true;
      for (const auto& [k, v] : want) {
        auto l = inv.workloads[i].labels.find(k);
        all = all && l != inv.workloads[i].labels.end() && l->second == v;
      }
      if (all) out.push_back(i);
    }
    return out;
  }
};

nlohmann::json direction(const YamlNode& d) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [k, v] : d.entries("a map (stabilizationWindowSeconds, selectPolicy, policies)")) {
    if (k == "stabilizationWindowSeconds") {
      out["stabilization_window"] = std::to_string(v.whole(0, 3600)) + "s";
    } else if (k == "selectPolicy") {
      const std::string p = v.str("Max, Min or Disabled");
      if (p != "Max" && p != "Min" && p != "Disabled") v.fail("expected Max, Min or Disabled");
      out["select_policy"] = p == "Max" ? "max" : p == "Min" ? "min" : "disabled";
    } else if (k == "tolerance") {
      auto t = k8s_quantity(v.raw());
      if (!t || *t < 0) v.fail("expected a quantity >= 0 such as 0.05 or \"50m\"");
      out["tolerance"] = *t;
    } else if (k == "policies") {
      nlohmann::json list = nlohmann::json::array();
      for (const YamlNode& pol : v.items("a list of {type, value, periodSeconds}")) {
        pol.only({"type", "value", "periodSeconds"}, "HPAScalingPolicy");
        const std::string type = pol["type"].str("Pods or Percent");
        if (type != "Pods" && type != "Percent") pol["type"].fail("expected Pods or Percent");
        const long long value = pol["value"].whole(1, 1'000'000);
        const long long period = pol["periodSeconds"].whole(1, 1800);
        list.push_back({{"type", type == "Pods" ? "pods" : "percent"}, {"value", value}, {"period", std::to_string(period) + "s"}});
      }
      out["policies"] = list;
    } else {
      v.fail("not a field of HPAScalingRules" +
             did_you_mean(k, {"stabilizationWindowSeconds", "selectPolicy", "policies", "tolerance"}));
    }
  }
  return out;
}

HpaSpec read_hpa(const Object& o) {
  const YamlNode spec = o.node()["spec"];
  if (!spec.present()) spec.fail("required: a spec (scaleTargetRef, maxReplicas, ...)");
  spec.only({"scaleTargetRef", "minReplicas", "maxReplicas", "metrics", "behavior", "targetCPUUtilizationPercentage"},
            "HorizontalPodAutoscalerSpec");
  HpaSpec h;
  h.name = o.name;
  h.where = o.where();
  h.min_replicas = static_cast<int>(spec["minReplicas"].whole_or(0, 100000).value_or(1));
  h.max_replicas = static_cast<int>(spec["maxReplicas"].whole(1, 100000));
  if (h.min_replicas > h.max_replicas) spec["minReplicas"].fail("is larger than maxReplicas");
  // autoscaling/v1: one CPU target, a percentage of the request.
  if (spec["targetCPUUtilizationPercentage"].present())
    h.metrics.push_back({"Resource", "cpu", "Utilization", spec["targetCPUUtilizationPercentage"].number(1, 1e6),
                         "targetCPUUtilizationPercentage"});
  std::size_t i = 0;
  for (const YamlNode& m : spec["metrics"].items("a list of metric specs")) {
    static const std::map<std::string, std::string> kField = {{"Resource", "resource"},
                                                              {"ContainerResource", "containerResource"},
                                                              {"Pods", "pods"},
                                                              {"Object", "object"},
                                                              {"External", "external"}};
    const std::vector<std::string> types = {"Resource", "ContainerResource", "Pods", "Object", "External"};
    const std::string type = m["type"].str("the metric's type");
    auto f = kField.find(type);
    if (f == kField.end())
      m["type"].fail("expected Resource, ContainerResource, Pods, Object or External" + did_you_mean(type, types));
    const YamlNode body = m[f->second];
    if (!body.is_map()) body.fail("a " + type + " metric needs its \"" + f->second + "\" map");
    HpaSpec::Metric metric;
    metric.kind = type;
    metric.where = "metrics[" + std::to_string(i++) + "]";
    metric.name = type == "Resource" || type == "ContainerResource" ? body["name"].str("the resource's name (cpu, memory)")
                                                                    : body["metric"]["name"].str("the metric's name");
    if (metric.name.empty()) body.fail("the metric has no name");
    const YamlNode target = body["target"];
    metric.target_type = target["type"].str("Utilization, AverageValue or Value");
    if (metric.target_type == "Utilization") {
      metric.value = target["averageUtilization"].number(1e-9, 1e6);
    } else if (metric.target_type == "AverageValue" || metric.target_type == "Value") {
      const YamlNode q = target[metric.target_type == "Value" ? "value" : "averageValue"];
      auto x = k8s_quantity(q.raw());
      if (!x || *x <= 0) q.fail("expected a quantity > 0 such as 100 or \"500m\"");
      metric.value = *x;
    } else {
      target["type"].fail("expected Utilization, AverageValue or Value");
    }
    h.metrics.push_back(metric);
  }
  if (h.metrics.empty()) h.metrics.push_back({"Resource", "cpu", "Utilization", 80, "(the default: 80% CPU)"});
  if (const YamlNode b = spec["behavior"]; b.present()) {
    h.behavior = nlohmann::json::object();
    for (const auto& [k, d] : b.entries("a map (scaleUp, scaleDown)")) {
      if (k == "scaleUp") h.behavior["scale_up"] = direction(d);
      else if (k == "scaleDown") h.behavior["scale_down"] = direction(d);
      else d.fail("expected scaleUp or scaleDown" + did_you_mean(k, {"scaleUp", "scaleDown"}));
    }
  }
  return h;
}

}  // namespace

void read_kubernetes(const std::vector<const YamlDocument*>& docs, Inventory& inv) {
  // Flatten `kind: List` and check every kind first.
  std::vector<Object> objects;
  for (const YamlDocument* d : docs) {
    std::vector<Object> todo{{d, "", "", ""}};
    while (!todo.empty()) {
      Object o = todo.back();
      todo.pop_back();
      const YamlNode v = o.node();
      if (!v.is_map()) v.fail("expected a Kubernetes object (apiVersion, kind, metadata, spec)");
      o.kind = v["kind"].str("a kind (no \"kind\": not a Kubernetes object)");
      const std::string api = v["apiVersion"].str_or("an apiVersion such as apps/v1").value_or("v1");
      const std::string group = api.find('/') == std::string::npos ? "" : api.substr(0, api.find('/'));
      if (o.kind == "List") {
        for (std::size_t i = v["items"].items("a list of objects").size(); i-- > 0;)
          todo.push_back({d, o.at + "/items/" + std::to_string(i), "", ""});
        continue;
      }
      o.name = v["metadata"]["name"].str_or("a name").value_or("");
      if (std::find(kSkipped.begin(), kSkipped.end(), o.kind) != kSkipped.end()) {
        inv.notes.push_back(o.label() + ": skipped (a " + o.kind + " does not shape the traffic archsim simulates)");
        continue;
      }
      if (std::find(kRead.begin(), kRead.end(), o.kind) == kRead.end()) {
        if (std::find(kGroups.begin(), kGroups.end(), group) == kGroups.end()) {
          inv.notes.push_back(shown(o.kind, 60) + " " + shown(o.name, 60) + " (" + o.where().str() + "): skipped (a custom resource of " +
                              shown(group, 80) + ", which archsim does not read)");
          continue;
        }
        std::vector<std::string> known = kRead;
        known.insert(known.end(), kSkipped.begin(), kSkipped.end());
        v["kind"].fail("unknown kind \"" + shown(o.kind) + "\"" + did_you_mean(o.kind, known) +
                       ": archsim import reads Deployment, StatefulSet, ReplicaSet, Pod, Service, "
                       "HorizontalPodAutoscaler, PodDisruptionBudget, Ingress and List, skips the other kinds of "
                       "Kubernetes and custom resources (of other API groups)");
      }
      v.only(kObjectFields, o.kind);
      v["metadata"].only(kMetadataFields, "ObjectMeta");
      if (o.name.empty()) v["metadata"]["name"].fail("every object needs metadata.name");
      if (!valid_k8s_name(o.name))
        v["metadata"]["name"].fail("\"" + shown(o.name) + "\" is not a Kubernetes name (lower-case letters, digits, "
                                   "'-' and '.', at most 253 characters)");
      objects.push_back(o);
    }
  }
  std::sort(objects.begin(), objects.end(), [](const Object& a, const Object& b) {
    return a.doc->file != b.doc->file ? a.doc->file < b.doc->file : a.doc->index < b.doc->index || (a.doc->index == b.doc->index && a.at < b.at);
  });

  // Workloads first: the other kinds point at them.
  std::map<std::string, std::size_t> workload_of;
  for (const Object& o : objects) {
    if (o.kind != "Deployment" && o.kind != "StatefulSet" && o.kind != "ReplicaSet" && o.kind != "Pod") continue;
    if (workload_of.count(o.name) || inv.find(o.name))
      o.node()["metadata"]["name"].fail("a workload named \"" + o.name + "\" is already defined");
    Workload w;
    w.name = o.name;
    w.kind = o.kind;
    w.where = o.where();
    read_workload(*o.doc, o.at, w, inv);
    workload_of[o.name] = inv.workloads.size();
    inv.workloads.push_back(std::move(w));
  }
  std::vector<std::string> names;
  for (const Workload& w : inv.workloads) names.push_back(w.name);
  const Selector selector_index(inv);

  for (const Object& o : objects) {
    const YamlNode spec = o.node()["spec"];
    if (o.kind == "Service") {
      spec.only({"allocateLoadBalancerNodePorts", "clusterIP", "clusterIPs", "externalIPs", "externalName",
                 "externalTrafficPolicy", "healthCheckNodePort", "internalTrafficPolicy", "ipFamilies", "ipFamilyPolicy",
                 "loadBalancerClass", "loadBalancerIP", "loadBalancerSourceRanges", "ports", "publishNotReadyAddresses",
                 "selector", "sessionAffinity", "sessionAffinityConfig", "trafficDistribution", "type"},
                "ServiceSpec");
      const YamlNode selector = spec["selector"];
      const std::string type = spec["type"].str_or("ClusterIP, NodePort, LoadBalancer or ExternalName").value_or("ClusterIP");
      const std::vector<std::size_t> picked = selector_index.pick(selector, inv);
      const bool matched = !picked.empty();
      for (std::size_t i : picked) {
        Workload& w = inv.workloads[i];
        if (w.name != o.name && std::find(w.aliases.begin(), w.aliases.end(), o.name) == w.aliases.end())
          w.aliases.push_back(o.name);
        if (type == "LoadBalancer" || type == "NodePort") w.exposed = "Service " + o.name + " of type " + type;
      }
      if (!matched) inv.notes.push_back(o.label() + ": selects no workload of these manifests; skipped");
    } else if (o.kind == "Ingress") {
      spec.only({"defaultBackend", "backend", "ingressClassName", "rules", "tls"}, "IngressSpec");
      std::vector<std::string> backends;
      auto backend = [&](const YamlNode& b) {
        if (b["service"].present()) backends.push_back(b["service"]["name"].str("the backend Service's name"));
        else if (b["serviceName"].present()) backends.push_back(b["serviceName"].str("the backend Service's name"));
      };
      backend(spec["defaultBackend"]);
      backend(spec["backend"]);
      for (const YamlNode& rule : spec["rules"].items("a list of rules"))
        for (const YamlNode& path : rule["http"]["paths"].items("a list of paths")) backend(path["backend"]);
      for (const std::string& b : backends)
        if (Workload* w = inv.find(b)) w->exposed = "Ingress " + o.name;
    } else if (o.kind == "HorizontalPodAutoscaler") {
      const std::string target = spec["scaleTargetRef"]["name"].str("the name of the workload it scales");
      Workload* w = inv.find(target);
      if (!w || (w->name != target))
        spec["scaleTargetRef"]["name"].fail("scales \"" + shown(target) + "\", which is no Deployment or StatefulSet of these manifests" +
                                            did_you_mean(target, names));
      if (w->hpa) o.node().fail("a second HorizontalPodAutoscaler for " + target + " (the first: " + w->hpa->where.str() + ")");
      w->hpa = read_hpa(o);
    } else if (o.kind == "PodDisruptionBudget") {
      if (!spec.present()) spec.fail("required: a spec (selector, minAvailable or maxUnavailable)");
      spec.only({"maxUnavailable", "minAvailable", "selector", "unhealthyPodEvictionPolicy"}, "PodDisruptionBudgetSpec");
      const YamlNode sel = spec["selector"];
      sel.only({"matchLabels", "matchExpressions"}, "LabelSelector");
      if (sel["matchExpressions"].present())
        inv.notes.push_back(o.label() + ": selector.matchExpressions not read; matched on matchLabels only");
      const bool min = spec["minAvailable"].present(), max = spec["maxUnavailable"].present();
      if (min == max) spec.fail("a PodDisruptionBudget sets exactly one of minAvailable and maxUnavailable");
      const YamlNode given = spec[min ? "minAvailable" : "maxUnavailable"];
      auto value = int_or_percent(given.raw());
      if (!value) given.fail("expected a whole number >= 0 or a percentage such as \"25%\"");
      const std::vector<std::size_t> picked = selector_index.pick(sel["matchLabels"], inv);
      const bool matched = !picked.empty();
      for (std::size_t i : picked) {
        Workload& w = inv.workloads[i];
        w.disruption_budget = {{min ? "min_available" : "max_unavailable", *value}};
        w.budget_from = o.label();
      }
      if (!matched) inv.notes.push_back(o.label() + ": selects no workload of these manifests; skipped");
    }
  }
}

}  // namespace archsim::import
