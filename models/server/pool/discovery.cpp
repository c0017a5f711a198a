// Server pool: service-discovery lag (models/server/pool/server_pool.h).
//
// Follows what callers of a replicated service see of its instances:
//  - Kubernetes: the EndpointSlice controller (pkg/controller/endpointslice) publishes a pod's
//    readiness, and kube-proxy on every node reprograms its rules from the slices it watches
//    (pkg/proxy/endpointslicecache.go, syncProxyRules run at most every minSyncPeriod); until
//    then connections still go to a terminated pod and are refused, and a new ready pod gets
//    none. A terminating pod is removed from the endpoints at once, but its SIGTERM races the
//    removal: an application that stops accepting on SIGTERM refuses what kube-proxy still
//    sends it (the reason for preStop sleeps).
//  - Netflix Eureka: a client's registry cache (client.refresh.interval 30 s) and the
//    server's response cache: a caller learns a changed instance list a refresh later.
// Every readiness change of an instance (ready, or not: draining, crashed, restarting,
// terminated) reaches the callers' view `propagation_delay` after it happened. Between the
// change and its arrival the callers' picker still balances over the old view: a request
// picked to an instance that no longer serves fails at once with `stale_endpoint` (connection
// refused), and a new ready instance gets no traffic. With a delay of 0 the view is the
// instances' own state, as without the field.
//
// Simplifications: one view for every caller (kube-proxy's nodes or Eureka clients all
// refresh at once, with the same delay; real ones are spread over the delay); no retry to
// another endpoint on a refused connection (a caller's retry policy may retry the cause);
// a draining instance refuses new connections (no preStop hook keeping it serving).
//
// Cost: without a delay nothing here runs (set_state tests one value). With one, each
// readiness change schedules one timer; a slot is not reused while callers still list it,
// so a late update always names the instance it was made for.
#include "models/server/pool/server_pool.h"

#include <algorithm>

#include "sim/results.h"

namespace archsim {

void ServerPool::read_discovery(Params& p, BuildContext& bc) {
  std::optional<Params> d = p.object_opt("discovery");
  if (!d) return;
  discovery_delay_ = d->duration("propagation_delay");  // required, >= 0
  // Resolved by name once here (registered by register_late_causes, models/contracts/causes.h).
  const std::vector<std::string>& names = bc.cause_names();
  const auto it = std::find(names.begin(), names.end(), "stale_endpoint");
  if (it == names.end()) d->fail_here("the cause stale_endpoint is not registered");
  stale_cause_ = static_cast<Status>(it - names.begin());
}

// Called by set_state when the instance's readiness flips, with a delay only.
void ServerPool::endpoint_changed(Context& ctx, std::uint32_t i, bool ready) {
  ++instances_[i].endpoint_updates;
  ctx.schedule(discovery_delay_, kEndpointSync, (static_cast<std::uint64_t>(i) << 32) | (ready ? 1u : 0u));
}

// A readiness change reaches the callers. Changes of one instance arrive in the order they
// were made (one delay for all); the last one of a terminated instance frees its slot.
void ServerPool::endpoint_sync(std::uint64_t data) {
  const auto i = static_cast<std::uint32_t>(data >> 32);
  Instance& in = instances_[i];
  --in.endpoint_updates;
  backends_[i].eligible = (data & 1) != 0;
  if (in.state == Instance::Gone && !listed(i)) {
    backends_[i] = Backend{1.0, 0, false, 0};
    membership_changed_ = true;
    free_slots_.push(i);
  }
  if (membership_changed_) {
    picker_->rebuild(backends_);
    membership_changed_ = false;
  } else {
    picker_->eligibility_changed(backends_);
  }
}

void ServerPool::declare_discovery(Figures& f) const {
  if (!discovery_delay_) return;
  f.value("discovery.propagation_delay_s", [this] { return to_seconds(discovery_delay_); });
  f.held("discovery.stale_requests", stale_sent_);
}

}  // namespace archsim
