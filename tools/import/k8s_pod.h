// A Kubernetes workload (Deployment, StatefulSet, ReplicaSet or Pod) read into a Workload:
// replicas, update strategy, the pod template's labels, its first container (image,
// resources, probes, env, command and args) and terminationGracePeriodSeconds.
#pragma once
#include <string>

#include "tools/import/inventory.h"
#include "tools/import/yaml_json.h"

namespace archsim::import {

// `at`: the object's pointer inside the document ("" or "/items/3").
void read_workload(const YamlDocument& doc, const std::string& at, Workload& w, Inventory& inv);

}  // namespace archsim::import
