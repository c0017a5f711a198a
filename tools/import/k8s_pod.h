// A Kubernetes workload (Deployment, StatefulSet, ReplicaSet or Pod) read into a Workload:
// replicas, update strategy, the pod template's labels, the app's container (image,
// resources, probes, env, command and args) and terminationGracePeriodSeconds. Fields are
// checked against the API reference's (a typo such as `replica:` is refused with the
// nearest field), every value through YamlNode.
//
// The app's container is chosen by name and ports, not by position: a mesh proxy, a tracing
// agent, a log shipper or an exporter listed first (istio-proxy, linkerd-proxy, jaeger-agent,
// fluent-bit, *-exporter, ...) is a sidecar; of the others, the one named as the workload
// (or its `app` label), else the first with ports, else the first.
#pragma once
#include <string>
#include <vector>

#include "tools/import/inventory.h"
#include "tools/import/yaml_json.h"

namespace archsim::import {

// `at`: the object's pointer inside the document ("" or "/items/3").
void read_workload(const YamlDocument& doc, const std::string& at, Workload& w, Inventory& inv);

// The fields of an object's top level and of its metadata (every kind has them).
extern const std::vector<std::string> kObjectFields, kMetadataFields;

// True when a container's name or image is a well-known sidecar's.
bool is_sidecar(const std::string& name, const std::string& image);

}  // namespace archsim::import
