// Vertical Pod Autoscaler ("type": "vpa"): Kubernetes' VPA (kubernetes/autoscaler,
// vertical-pod-autoscaler) resizing the CPU request of one service's pods.
//
// Sources read: the VPA's recommender (pkg/recommender: the decaying CPU histogram and its
// estimators, vpa_recommender.h), updater (pkg/updater/logic/updater.go and
// priority/priority_processor.go: a pod whose request lies outside the recommendation's
// [lower bound, upper bound] is evicted; eviction/pods_eviction_restriction.go: at least
// --min-replicas 2 pods, at most int(replicas x --eviction-tolerance 0.5) of them missing at
// once, or one when that is 0 and all run) and admission controller (a pod gets the target as
// its request when it is created), and the VPA docs' update modes.
//
// Every `interval` (1 min: the recommender's and the updater's default loop) it:
//   1. samples each Ready pod seen at the previous interval: its mean CPU usage in cores over
//      the interval (its CPU utilization x its request, as metrics-server reports usage) into
//      the recommender, weighted by its request;
//   2. recomputes the recommendation (target, lower and upper bound);
//   3. by `mode`:
//        Off       recommends only (reported and charted; nothing changes);
//        Initial   pods created from now on get the target (a scale-out, an eviction by
//                  someone else), running ones keep theirs;
//        Recreate  as Initial, and evicts pods whose request is outside the bounds: each drains
//                  as on scale-in and its replacement starts with the target, paying the
//                  service's startup_time (the restart's downtime).
// `half_life` (24 h) scales the recommender's clock for a simulation: the histogram's decay,
// and the "day" its confidence counts history in (a day is one half-life), so a 2 min
// half-life makes 2 min of history weigh as a day does.
//
// The service's request ("resources.requests.cpu") is the CPU each instance gets and what
// CPU utilization is measured against (models/server/pool/server_pool.h); the VPA
// needs one. Combined with a horizontal autoscaler on cpu of the same service, the two act on
// one signal (the Kubernetes docs warn against it): a smaller request raises the HPA's
// utilization, which adds replicas, which lowers each pod's usage, which shrinks the request.
//
// Simplifications: CPU only (no memory recommendation); one container per pod; no
// in-place resize (Kubernetes 1.33's InPlaceOrRecreate); the updater's "significant change
// for a pod older than 12 h" rule is left out (only out-of-bounds pods are evicted); no
// controlled values (limits follow requests: an instance gets exactly its request); eviction
// order is the pods' order, not the priority by relative difference.
#pragma once
#include <memory>

#include "scenario/build.h"
#include "sim/page_section.h"

namespace archsim {

std::unique_ptr<Component> make_vpa(Params& p, BuildContext& bc);

namespace autoscaler {
// What the page shows of a Vertical Pod Autoscaler (page.cpp), declared at its end of run.
void declare_vpa_page(PageSection& page);
}  // namespace autoscaler

}  // namespace archsim
