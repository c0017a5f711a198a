#include "models/contracts/causes.h"

#include <stdexcept>

namespace archsim::causes {

void register_common_causes(Registry& r) {
  const std::pair<Status, const char*> shared[] = {{RateLimited, "rate_limited"}, {CircuitOpen, "circuit_open"},
                                                   {BulkheadFull, "bulkhead_full"}, {Shed, "shed"},
                                                   {PoolTimeout, "pool_timeout"}};
  for (const auto& [value, name] : shared)
    if (r.add_cause(name) != value) throw std::logic_error(std::string("cause ") + name + " registered out of order");
}

void register_late_causes(Registry& r) { r.add_cause("stale_endpoint"); }

}  // namespace archsim::causes
