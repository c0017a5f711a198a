// Failure causes that several families share: the refusals of the resilience policies
// (lib/resilience, models/server/call_policy). They are registered first, by register_common_causes(), so
// their values are fixed and can be compared as constants; a family's own causes are
// registered after, with Registry::add_cause, and kept by the family (see the database's
// lock_timeout).
#pragma once
#include "scenario/build.h"
#include "sim/request.h"

namespace archsim::causes {

inline constexpr Status RateLimited{kFirstRegisteredCause + 0};   // 429 from a rate limiter
inline constexpr Status CircuitOpen{kFirstRegisteredCause + 1};   // a circuit breaker refused without sending
inline constexpr Status BulkheadFull{kFirstRegisteredCause + 2};  // a bulkhead had no free slot
inline constexpr Status Shed{kFirstRegisteredCause + 3};          // load shedding refused it
inline constexpr Status PoolTimeout{kFirstRegisteredCause + 4};   // no pooled connection within acquire_timeout

// Registers the causes above under their summary.json names, in this order, before any
// family registers its own. Throws std::logic_error if another cause came first.
void register_common_causes(Registry& r);

// Causes registered after every family's own (register_builtin_models calls it last), so that
// adding one moves no earlier value (run fingerprints hash a reply's status). Their users look
// their values up by name when they are built: stale_endpoint (a request sent to an instance
// the caller's service-discovery view still lists, models/server/pool/discovery.cpp).
void register_late_causes(Registry& r);

// A refusal by the caller's own policy: the request fails with this cause kept (a 429 stays
// a 429) rather than as the downstream error it did not reach.
inline constexpr bool is_policy_refusal(Status s) {
  return s == RateLimited || s == CircuitOpen || s == BulkheadFull || s == PoolTimeout;
}

}  // namespace archsim::causes
