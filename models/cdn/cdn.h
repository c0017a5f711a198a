// CDN: an edge tier of points of presence (PoPs) in front of an origin (type "cdn").
//
// Follows: Amazon CloudFront and Fastly as their documentation describes them. A request
// reaches one PoP (the one its client is routed to, as DNS / anycast steer a viewer to the
// nearest edge; unrouted clients are spread over the PoPs by session); each PoP is its own
// cache (lib/cache_store: capacity in objects and optionally bytes, an eviction
// policy, CloudFront's default TTL from when the object was fetched, a hit not extending
// it). A miss goes to the optional origin shield (CloudFront Origin Shield, Fastly shielding:
// one more cache tier between every PoP and the origin, so the origin sees one fetch per
// object per shield TTL rather than one per PoP), then to the origin component.
// Content changes at the origin ("updates": the objects of ranks [0, keys) change at `at`)
// reach viewers by one of three methods:
//   versioned  a new object name per version (file-v2.mp4): the cache key is (key, version),
//              so the old copy is never served again; it lingers until evicted or expired.
//   purge      the same name and a purge / invalidation API call whose effect lands at each
//              PoP (and the shield) after `propagation` (drawn per PoP: CloudFront
//              invalidations take seconds to minutes, Fastly's instant purge ~150 ms);
//              until then the PoP serves the old copy (stale_serves, the kStale flag).
//   ttl        no invalidation: the old copy is served until its TTL runs out.
// Egress, billed for the whole run as the provider bills it: bytes delivered to viewers
// (edge_egress_gb, priced at cost.per_gb_edge_egress) and bytes fetched from the origin
// (origin_egress_gb, priced at cost.per_gb_egress) through Usage (sim/results.h); the size of
// an object is the request's payload size when it has one, else `object_kb`.
//
// Simplifications: a PoP has no worker or bandwidth limit (an edge serves what it is sent,
// after `latency`); expiry is lazy, and an expired object is fetched again whole (no
// conditional If-Modified-Since revalidation, no stale-while-revalidate or stale-if-error:
// an origin error is passed on); concurrent misses of one key each go to the next tier (no
// request collapsing); the PoP -> shield hop is the delay `shield.latency`, not a link.
#pragma once
#include <memory>

#include "scenario/build.h"
#include "sim/page_section.h"

namespace archsim {

std::unique_ptr<Component> make_cdn(Params& p, BuildContext& bc);
namespace cdn {
// What the page shows of a CDN (page.cpp), declared at its end of run.
void declare_page(PageSection& page);
}  // namespace cdn

}  // namespace archsim
