// A HorizontalPodAutoscaler as archsim's autoscaler (models/autoscaler: the HPA's replica
// calculation and behavior policies). Kubernetes' CPU utilization is a percentage of the
// container's request; archsim's `cpu` is the busy fraction of the instance's cores, so a
// target of U% becomes U/100 x request / (cores x speed). Memory likewise against the limit.
// Custom metrics are matched by name to archsim's per-pod ones; what has no match is dropped.
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "tools/import/text.h"
#include "tools/import/writer_internal.h"

namespace archsim::import {

namespace {

bool mentions(std::string name, std::initializer_list<const char*> words) {
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const char* w : words)
    if (name.find(w) != std::string::npos) return true;
  return false;
}


}  // namespace

void Writer::autoscaler(const Component& c, ojson& components) {
  const Workload* w = c.workload;
  if (!w || !w->hpa) return;
  const HpaSpec& h = *w->hpa;
  std::string id = h.name;
  while (!id_of(id).empty() || id == c.id) id += "-hpa";
  const std::string p = id + ".";
  if (c.family != "service") {
    g.add(Guess::Skipped, "", "HorizontalPodAutoscaler " + h.name + " (" + h.where.str() + "): it scales " + c.id +
                                  ", a " + c.family + "; archsim's autoscaler scales services");
    return;
  }
  const ojson& j = c.json;
  const double capacity = static_cast<double>(j.value("cores", j.value("concurrency", 1))) * j.value("speed", 1.0);
  const double limit_mb = j.contains("memory") ? j["memory"].value("limit_mb", 0.0) : 0.0;
  std::string queue;
  for (const Component& k : comps)
    if (k.family == "queue" && queue.empty()) queue = k.id;

  ojson metrics = ojson::array();
  for (const HpaSpec::Metric& m : h.metrics) {
    const std::string where = "HPA " + h.name + " " + m.where + " (" + m.kind + " " + m.name + ", " + m.target_type + " " +
                              number(m.value, 4) + ")";
    const std::string mp = p + "metrics." + std::to_string(metrics.size()) + ".target";
    const bool resource = m.kind == "Resource" || m.kind == "ContainerResource";
    if (resource && m.name == "cpu") {
      const std::optional<double> basis = w->cpu_request ? w->cpu_request : w->cpu_limit;
      double target = m.target_type == "Utilization" ? m.value / 100 * basis.value_or(capacity) / capacity : m.value / capacity;
      const double raw = target;
      // Rounded to a millionth: 40 / 100 * 0.2 / 0.2 is 0.4000000000000001 in a double.
      target = std::round(std::clamp(target, 0.01, 1.0) * 1e6) / 1e6;
      metrics.push_back({{"type", "cpu"}, {"target", target}});
      g.add(Guess::Approximate, mp,
            number(target, 4) + " of the instance's cores busy, from " + where +
                (m.target_type == "Utilization" ? (w->cpu_request ? ": the utilization is of the CPU request (" + number(*w->cpu_request, 4) + ")"
                                                                  : ": no CPU request, taken of the limit or the cores")
                                                : ": an average in cores") +
                (raw != target ? " (clamped from " + number(raw, 4) + ")" : ""));
    } else if (resource && m.name == "memory") {
      if (limit_mb <= 0) {
        g.add(Guess::Skipped, "", where + ": archsim's memory metric needs a memory limit, and " + c.id + " has none");
        continue;
      }
      const double basis_mb = w->memory_request_mb ? *w->memory_request_mb : limit_mb;
      double target = m.target_type == "Utilization" ? m.value / 100 * basis_mb / limit_mb : m.value / 1048576.0 / limit_mb;
      target = std::round(std::clamp(target, 0.01, 1.0) * 1e6) / 1e6;
      metrics.push_back({{"type", "memory"}, {"target", target}});
      g.add(Guess::Approximate, mp, number(target, 4) + " of the memory limit, from " + where);
    } else if (!resource) {
      std::string type;
      if (m.kind == "External" && !queue.empty() && mentions(m.name, {"lag", "backlog", "messages", "queue"}))
        type = queue + ".consumer_lag";
      else if (mentions(m.name, {"request", "rps", "qps", "throughput"})) type = "rps";
      else if (mentions(m.name, {"queue", "backlog", "pending", "waiting"})) type = "queue_length";
      else if (mentions(m.name, {"inflight", "in_flight", "concurrent", "active", "connections"})) type = "in_flight";
      if (type.empty()) {
        g.add(Guess::Skipped, "", where + ": no archsim metric matches its name");
        continue;
      }
      double target = m.value;
      std::string how = "matched by its name";
      if (m.target_type == "Value") {
        const int replicas = std::max(1, j.value("replicas", 1));
        target = m.value / replicas;
        how += "; a total target divided by the " + std::to_string(replicas) + " replicas (archsim's are per pod)";
      }
      metrics.push_back({{"type", type}, {"target", target}});
      g.add(Guess::Approximate, mp, type + " " + number(target, 4) + " per pod from " + where + ": " + how);
    } else {
      g.add(Guess::Skipped, "", where + ": archsim reads cpu and memory resources only");
    }
  }
  for (const std::string& n : h.notes) g.add(Guess::Skipped, "", n);
  if (metrics.empty()) {
    g.add(Guess::Skipped, "", "HorizontalPodAutoscaler " + h.name + " (" + h.where.str() + "): none of its metrics can be read");
    return;
  }
  ojson a = {{"id", id},
             {"type", "autoscaler"},
             {"target", c.id},
             {"min_replicas", h.min_replicas},
             {"max_replicas", h.max_replicas},
             {"metrics", metrics}};
  if (!h.behavior.is_null()) a["behavior"] = h.behavior;
  components.push_back(a);
}

}  // namespace archsim::import
