#include "models/register_builtin.h"

#include <utility>

#include "models/autoscaler/autoscaler.h"
#include "models/autoscaler/vpa.h"
#include "models/balancer/balancer.h"
#include "models/cache/cache.h"
#include "models/cdn/cdn.h"
#include "models/client/client.h"
#include "models/contracts/causes.h"
#include "models/server/instance_types.h"
#include "models/consensus/consensus.h"
#include "models/database/database.h"
#include "models/dns/dns.h"
#include "models/faults/faults.h"
#include "models/function/function.h"
#include "models/kv_store/kv_store.h"
#include "models/queue/queue.h"
#include "models/service/service.h"

namespace archsim {

void register_builtin_models(Registry& r) {
  causes::register_common_causes(r);  // first: their values are constants
  register_instance_types(r);          // "instance_types": services take their speed from it
  r.add("client", make_client);
  r.add("service", make_service);
  r.add("balancer", make_balancer);
  // Top-level "faults" and every component's "failures" are played by one hidden injector;
  // the kinds of scheduled fault are a table (a family with kinds of its own adds them here).
  FaultKindRegistry fault_kinds;
  register_fault_kinds(fault_kinds);
  r.add_section("faults", {"failures"}, fault_injector(std::move(fault_kinds)));
  r.add("autoscaler", make_autoscaler);
  r.add("vpa", make_vpa);
  r.add("cache", make_cache);
  r.add("cdn", make_cdn);
  r.add("dns", make_dns);
  r.add("function", make_function);
  r.add("consensus", make_consensus);
  r.add("kv_store", make_kv_store);
  register_database(r);
  register_queue(r);  // after the database: causes keep their values
  causes::register_late_causes(r);  // last, for the same reason
  register_database_late_causes(r);  // after those: "deadlock"
  register_service_late_causes(r);   // after those: "saga_compensated", "saga_inconsistent", "terminated"
}

}  // namespace archsim
