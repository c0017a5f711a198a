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

// A Compose file: a map with `services` and no `kind`. Several are merged first, as Compose
// merges `-f a.yaml -f b.yaml` (compose_merge.h), and read as one.
bool is_compose(const YamlDocument& doc);
void read_compose(const YamlDocument& doc, Inventory& inv);

// Every Kubernetes document at once, since a Service, an HPA or a PDB may sit in another
// file than the workload it refers to. Kinds that do not shape traffic (ConfigMap, Secret,
// Namespace, RBAC, volumes, ...) and custom resources (kinds of other API groups) are noted
// and skipped; an unknown kind of Kubernetes' own groups is an error (a typo).
void read_kubernetes(const std::vector<const YamlDocument*>& docs, Inventory& inv);

// The words of a command line, as environment entries with no name (both formats).
void add_env_words(Workload& w, const std::string& text);

}  // namespace archsim::import
