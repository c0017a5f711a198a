// DNS global balancer: DNS-based routing between regional endpoints (type "dns").
//
// Follows: Amazon Route 53's routing policies and health checks as its developer guide
// describes them. A viewer's resolver asks for the name, gets one endpoint (a "target")
// chosen by the policy among the healthy ones, and caches the answer for the record's TTL;
// every request the viewer sends until then goes to that endpoint, healthy or not. Policies:
//   failover  the first healthy target in the order listed (primary, then secondary, ...);
//   weighted  a healthy target drawn with probability proportional to its weight;
//   latency   the healthy target whose region has the lowest latency from the viewer's region
//             (network.regions; ties: the order listed);
//   geo       the target `geo` names for the viewer's region, else the "*" default (Route 53
//             falls back to the less specific record when the specific one is unhealthy).
// When no target is healthy, Route 53 answers as if all were healthy: so does this model.
// Health checks: every `interval`, one probe (a call on route "health") per target, with
// `timeout`; `failure_threshold` consecutive failures mark it unhealthy, as many successes
// healthy again. So traffic leaves a dead endpoint no earlier than detection (up to
// interval x threshold after the failure) and no later than detection + TTL.
//
// Simplifications: the component stands in for the viewers' resolvers, on the request's
// path: it forwards each request to the answer cached by the viewer's resolver (`resolvers`
// caches, a viewer's being chosen by its client and session), and its link should have no
// latency of its own; the DNS lookup itself takes no time. One health checker probes from
// one place (Route 53 aggregates checkers in several regions). A resolver honours the TTL
// exactly (real resolvers may clamp it).
#pragma once
#include <memory>

#include "scenario/build.h"

namespace archsim {

std::unique_ptr<Component> make_dns(Params& p, BuildContext& bc);

}  // namespace archsim
