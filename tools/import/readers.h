// The manifest readers of `archsim import`: Compose files (the Compose specification) and
// Kubernetes manifests (apps/v1 Deployment and StatefulSet, v1 Service, autoscaling/v2
// HorizontalPodAutoscaler, policy/v1 PodDisruptionBudget, networking.k8s.io/v1 Ingress, and
// `kind: List`). Each fills the Inventory; anything they cannot read is an ImportError naming
// the file, line and column.
#pragma once
#include <vector>

#include "tools/import/inventory.h"
#include "tools/import/yaml_json.h"

namespace archsim::import {

// A Compose file: a map with `services` and no `kind`.
bool is_compose(const YamlDocument& doc);
void read_compose(const YamlDocument& doc, Inventory& inv);

// Every Kubernetes document at once, since a Service, an HPA or a PDB may sit in another
// file than the workload it refers to. Kinds that do not shape traffic (ConfigMap, Secret,
// Namespace, RBAC, volumes, ...) are noted and skipped; a kind that is none of these is an error.
void read_kubernetes(const std::vector<const YamlDocument*>& docs, Inventory& inv);

// The number of cores of a CPU limit or request, and the environment words a workload
// carries, are read the same way for both formats (reader_common.cpp).
void add_env_words(Workload& w, const std::string& text);

}  // namespace archsim::import
