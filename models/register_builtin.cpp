#include "models/register_builtin.h"

#include "models/balancer/balancer.h"
#include "models/client/client.h"
#include "models/service/service.h"

namespace archsim {

void register_builtin_models(Registry& r) {
  r.add("client", make_client);
  r.add("service", make_service);
  r.add("balancer", make_balancer);
}

}  // namespace archsim
