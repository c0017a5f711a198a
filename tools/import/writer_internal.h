// The scenario writer's shared state (scenario_writer.cpp, writer_*.cpp): the components
// being built, the names that lead to them, and the calls the steps make.
#pragma once
#include <map>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tools/import/calibrate.h"
#include "tools/import/fit.h"
#include "tools/import/guesses.h"
#include "tools/import/inventory.h"

namespace archsim::import {

using ojson = nlohmann::ordered_json;

struct Component {
  std::string id;
  std::string family;                 // client, service, balancer, cache, database, queue
  std::string family_why;             // "image redis:7", "archsim.component.type", ...
  const Workload* workload = nullptr;
  const ServiceModel* traced = nullptr;
  std::string consumes;               // the queue this service consumes (guessed from manifests)
  double work_scale = 1;              // traced own times -> work: the cores' sharing at the traced load taken out
  ojson json = ojson::object();
};

struct Writer {
  Inventory& inv;
  const Calibration& cal;
  Guesses& g;
  std::vector<Component> comps;
  std::map<std::string, std::string> name_to_id;        // workload names, aliases, trace names
  std::set<std::pair<std::string, std::string>> edges;  // calls the steps make (from, to)
  std::map<std::string, std::size_t> index;             // component id -> comps position
  // Without traces: the calls each service or balancer is guessed to make (callee id, why),
  // from depends_on and the names in its environment, cycles left out (writer_manifest.cpp).
  std::map<std::string, std::vector<std::pair<std::string, std::string>>> guessed;
  bool heavy_tails = false;  // fits may be heavy-tailed from few samples (--heavy-tails)

  Component* find(const std::string& name);
  std::string id_of(const std::string& name) const;  // "" when no component has that name
  // The components a workload names: depends_on, then the host names in its environment and
  // command line (words between punctuation: "postgres://shop@postgres:5432" names postgres),
  // each with why, in order, itself left out.
  std::vector<std::pair<std::string, std::string>> named_by(const Workload& w) const;

  // writer_families.cpp
  void classify();                          // comps from workloads and traced services
  void capacity(Component& c);              // replicas, concurrency, cores, speed, memory
  void shared_cores_scale(Component& c, long long cores);  // c.work_scale, when workers share traced cores
  void lifecycle(Component& c);             // probes, deployment, grace, disruption budget
  void data_family(Component& c);           // cache / database / queue / balancer fields
  // writer_steps.cpp
  ojson traced_steps(Component& c, const std::string& route, const OperationModel& op);
  // A retry policy seen on any call of an operation to a callee and route, given to all of them.
  using CallPolicies = std::map<std::pair<std::string, std::string>, CallModel>;
  // A path's (or a loop pass's) steps appended to `steps`, `at` the path of the first one,
  // work scaled by `scale` (the folded paths' own time).
  void model_steps(Component& c, const std::string& route, const std::vector<StepModel>& model, const std::string& at,
                   double scale, const CallPolicies& policy, ojson& steps);
  void loop_steps(Component& c, const std::string& route, const StepModel& loop, const std::string& at, double scale,
                  const CallPolicies& policy, ojson& steps);
  ojson call_step(const std::string& from, const CallModel& m, const std::string& where);
  ojson work_step(const std::vector<double>& samples, const std::string& path, const std::string& what);
  void guessed_steps(Component& c);         // from depends_on and environment
  ojson fitted(const std::vector<double>& samples, const std::string& path, const std::string& what);
  // writer_manifest.cpp
  // Where requests enter when no trace says (`asked`: --entry); throws ImportError when
  // nothing in the manifests says and several services could be it.
  std::vector<std::string> entry_points(const std::vector<std::string>& asked);
  void plan_guessed_calls(const std::vector<std::string>& entries);
  // A warning for each component of the written scenario that no client's request reaches.
  void warn_unreached(const ojson& components);
  // writer_autoscaler.cpp
  void autoscaler(const Component& c, ojson& components);
};

// The image's own name, without registry, path, tag or digest: "docker.io/bitnami/redis:7.2" -> redis.
std::string image_base(const std::string& image);
// What a tag after its version names, lower-cased, for projects publishing every component
// from one repository ("ghcr.io/open-telemetry/demo:2.1.3-kafka" -> "kafka"); "" when the tag
// is a plain version or its first word is not one ("mysql:8.0-debian").
std::string image_tag_component(const std::string& image);
// The family an image names ("" for none), e.g. "docker.io/bitnami/redis:7.2" -> cache; when
// its name names none, the component its tag names ("demo:latest-kafka" -> queue).
std::string family_of_image(const std::string& image);
// What a well-known piece of infrastructure is ("a tracing agent or collector", "service
// discovery or configuration", ...) from its image or name; "" for the app's own.
std::string infrastructure_role(const std::string& image, const std::string& name);
// A proxy or API gateway image (nginx, openresty, envoy, traefik, haproxy, kong, ...).
bool gateway_image(const std::string& image);

}  // namespace archsim::import
