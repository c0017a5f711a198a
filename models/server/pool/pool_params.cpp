// Server pool: reading its fields of a component (models/server/pool/server_pool.h).
#include "models/server/pool/server_pool.h"

#include <cmath>
#include <cstdlib>
#include <stdexcept>
#include <string>

#include "models/server/instance_types.h"

#include "scenario/errors.h"
#include "sim/text_list.h"

namespace archsim {

void ServerPool::take_tags(Params& p, BuildContext& bc) {
  if (bc.own_tags(kTagBlock, p).first() != 0)
    throw std::logic_error("the server pool must take its component's first timer tags: its numbers are fixed");
}

void ServerPool::read(Params& p, BuildContext& bc) {
  id_ = bc.id();
  take_tags(p, bc);
  initial_replicas_ = static_cast<std::uint32_t>(p.integer("replicas", 1, 0, 100000));
  concurrency_ = static_cast<std::uint32_t>(p.integer("concurrency", 1, 1, 1000000));
  // Threads vs cores: a Tomcat-like instance runs 200 threads on 4 vCPUs; work then shares
  // the cores (processor sharing, run by the owner). Default: a core per worker.
  cores_ = static_cast<std::uint32_t>(p.integer("cores", concurrency_, 1, concurrency_));
  cpu_request_ = cores_;
  // A pod's CPU request (resources.requests.cpu, in cores: 0.5 = 500m). The instance gets
  // exactly that much CPU, as with a limit equal to the request (Guaranteed QoS, a ratio the
  // Vertical Pod Autoscaler keeps), and its CPU utilization is measured against it.
  if (auto res = p.object_opt("resources")) {
    Params req = res->object("requests");
    cpu_request_ = read_cpu_quantity(req, "cpu");
    if (p.has("cores"))
      p.fail("cores", "give either cores or resources.requests.cpu: the request is the instance's cores");
    cpu_request_given_ = true;
  }
  if (static_cast<double>(initial_replicas_) * concurrency_ > 1e8)
    p.fail("concurrency", "replicas x concurrency exceeds 100 million workers");
  if (auto cap = p.integer_or_null("queue_capacity", 0, 1'000'000'000)) queue_capacity_ = static_cast<std::uint64_t>(*cap);
  speed_ = p.number("speed", 1.0, 1e-6, 1e6);  // work time divides by it
  const InstanceTypeSpec* itype = read_instance_type(p, bc, "instance_type");
  if (itype && !p.has("speed")) speed_ = itype->speed;
  startup_ = p.distribution("startup_time", Distribution::constant(0));
  restart_ = p.distribution("restart_time", Distribution::constant(0));
  grace_ = p.duration("termination_grace", 30 * kSecond);
  restart_backoff_ = RestartBackoff::read(p);
  if (auto mem = p.object_opt("memory")) {
    memory_limit_mb_ = mem->number("limit_mb", itype ? itype->memory_mb : 0.0, 0.0, 1e9);
    memory_base_mb_ = mem->number("base_mb", 0.0, 0.0, 1e9);
    memory_per_request_mb_ = mem->number("per_request_mb", 0.0, 0.0, 1e9);
    gc_cost_ = mem->number("gc_cost", 0.0, 0.0, 1e3);
    if (gc_cost_ > 0 && memory_limit_mb_ <= 0)
      mem->fail("gc_cost", "needs memory.limit_mb, the heap the collector works in");
  }
  read_gc(p);
  gc_work_ = gc_cost_ > 0 || (gc_ && gc_->concurrent());
  std::vector<std::string> names;
  for (auto n : algorithm_names()) names.emplace_back(n);
  std::string algo = p.choice("balancer", "round_robin", names);
  picker_ = make_picker(*parse_algorithm(algo));
  zones_ = p.strings("zones");
  if (p.has("zones") && zones_.empty()) p.fail("zones", "expected a non-empty array of zone names");
  if (zones_.empty()) zones_.push_back(bc.zone());
  read_deployment(p, bc);
  read_disruption_budget(p);
  read_probes(p);
  read_discovery(p, bc);
}

// A Kubernetes CPU quantity: cores as a number (0.5) or a string ("500m", "0.5", "2").
double ServerPool::read_cpu_quantity(Params& p, const char* key) {
  Params::Value v = p.value(key);
  double cores = 0;
  if (v.shape() == Params::Shape::absent) p.missing(key);
  if (auto n = v.as_number()) {
    cores = *n;
  } else if (auto s = v.as_string()) {
    std::string text = *s;
    const bool milli = !text.empty() && text.back() == 'm';
    if (milli) text.pop_back();
    char* end = nullptr;
    cores = text.empty() ? -1 : std::strtod(text.c_str(), &end);
    if (text.empty() || *end != '\0' || !std::isfinite(cores))
      v.fail("expected a CPU quantity in cores, as 0.5, \"500m\" or \"2\", found \"" + *s + "\"");
    if (milli) cores /= 1000;
  } else {
    v.fail("expected a CPU quantity in cores, as 0.5, \"500m\" or \"2\"");
  }
  if (!(cores >= 0.001 && cores <= 1e4)) v.fail("must be between 0.001 (1m) and 10000 cores");
  return cores;
}

const InstanceTypeSpec* ServerPool::read_instance_type(Params& p, BuildContext& bc, const char* field) {
  instance_type_ = *field ? p.string(field, "") : std::string();
  types_.push_back(instance_type_);
  // The scenario's instance-type catalogue: a named type gives the speed (an explicit
  // "speed" wins) and, in memory.limit_mb's absence, the memory limit.
  const InstanceTypeSpec* itype = instance_type_.empty() ? nullptr : archsim::instance_type(bc, instance_type_);
  if (!instance_type_.empty() && !itype) {
    std::vector<std::string> known = instance_type_names(bc);
    if (!known.empty()) {
      const std::string list = join_items(known, ", ");
      p.fail(field, "unknown instance type \"" + instance_type_ + "\"" + did_you_mean(instance_type_, known) +
                        "; the scenario's instance_types are: " + list);
    }
  }
  return itype;
}

}  // namespace archsim
