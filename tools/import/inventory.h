// What the manifests say about a system, before it becomes a scenario: one Workload per
// Compose service or Kubernetes Deployment/StatefulSet, with the fields archsim can use
// already in archsim's units (cores, MB of 2^20 bytes, seconds) and the place each came from.
// The readers (compose_reader.cpp, k8s_reader.cpp) fill it; scenario_writer.cpp turns it into
// components. Nothing here includes yaml-cpp.
#pragma once
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace archsim::import {

// "docker-compose.yaml:12" (services.web), for the guesses list.
struct Where {
  std::string file;
  int line = 0;
  std::string str() const { return line > 0 ? file + ":" + std::to_string(line) : file; }
};

// A kubelet probe or a Compose healthcheck, in the scenario's probe fields.
struct ProbeSpec {
  double initial_delay_s = 0, period_s = 10, timeout_s = 1;
  int failure_threshold = 3, success_threshold = 1;
};

// A HorizontalPodAutoscaler already translated: the scenario's autoscaler fields.
struct HpaSpec {
  std::string name;
  Where where;
  int min_replicas = 1, max_replicas = 1;
  // Metrics as the manifest states them; the writer turns them into archsim's (it knows the
  // target's cores and CPU request, and which components are queues).
  struct Metric {
    std::string kind;         // Resource, ContainerResource, Pods, Object, External
    std::string name;         // cpu, memory, or the custom metric's name
    std::string target_type;  // Utilization, AverageValue, Value
    double value = 0;         // averageUtilization (percent), or the quantity as a number
    std::string where;        // "metrics[0]", for the guesses list
  };
  std::vector<Metric> metrics;
  nlohmann::json behavior;             // scenario "behavior", null when the HPA has none
  std::vector<std::string> notes;      // metrics dropped or approximated, said in the guesses list
};

struct Workload {
  std::string name;   // the component id it becomes
  std::string kind;   // "compose service", "Deployment", "StatefulSet"
  Where where;
  std::string image;
  std::optional<int> replicas;
  std::optional<double> cpu_limit, cpu_request;              // cores
  std::optional<double> memory_limit_mb, memory_request_mb;  // MB (2^20 bytes)
  std::vector<std::string> depends_on;                        // Compose depends_on
  std::vector<std::pair<std::string, std::string>> env;       // environment, command and args words
  std::map<std::string, std::string> labels;                  // pod template labels (selectors)
  std::string exposed;                                        // why it takes outside traffic, "" if not
  std::vector<std::string> published;                         // Compose: the host ports it publishes
  std::string log_driver, log_address;                        // Compose: logging.driver, its options' *-address
  std::string container;                                      // Kubernetes: the container read (the app's)
  std::optional<ProbeSpec> readiness, liveness, startup;
  std::string probes_from;                                    // "healthcheck" or "probes", for notes
  nlohmann::json deployment;                                  // scenario "deployment", or null
  std::optional<double> termination_grace_s;
  nlohmann::json disruption_budget;                           // scenario "disruption_budget", or null
  std::string budget_from;                                    // "PodDisruptionBudget web-pdb (file:line)"
  std::optional<HpaSpec> hpa;
  std::vector<std::string> aliases;  // names callers may use for it (Kubernetes Services selecting it,
                                     // a Compose hostname or container_name)
};

struct Inventory {
  std::vector<Workload> workloads;
  std::vector<std::string> notes;    // kinds skipped, fields not used: said in the guesses list
  Workload* find(const std::string& name);  // by name or alias, null if none
};

}  // namespace archsim::import
