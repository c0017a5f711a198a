#include "models/register_builtin.h"

#include "models/autoscaler/autoscaler.h"
#include "models/balancer/balancer.h"
#include "models/cache/cache.h"
#include "models/client/client.h"
#include "models/common/causes.h"
#include "models/database/database.h"
#include "models/faults/faults.h"
#include "models/queue/queue.h"
#include "models/service/service.h"

namespace archsim {

void register_builtin_models(Registry& r) {
  causes::register_common_causes(r);  // first: their values are constants
  r.add("client", make_client);
  r.add("service", make_service);
  r.add("balancer", make_balancer);
  // Top-level "faults" and every component's "failures" are played by one hidden injector.
  r.add_section("faults", {"failures"}, make_fault_injector);
  r.add("autoscaler", make_autoscaler);
  r.add("cache", make_cache);
  r.add("queue", make_queue);
  register_database(r);
}

}  // namespace archsim
