// Balancer (`type: balancer`): an explicit load balancer in front of other components, as an
// NGINX `upstream`, an HAProxy `backend`, an Envoy cluster or an AWS ALB/NLB target group.
//
// What it follows:
//  - Algorithms: the pickers of lib/picker/picker.h (NGINX smooth WRR and
//    least_conn, Envoy RANDOM / LEAST_REQUEST / RING_HASH / MAGLEV, NGINX ip_hash / hash,
//    and with `distinct_choices` NGINX's `random two least_conn` for power_of_two);
//    `sticky` (StickyTable, NGINX Plus `sticky cookie`) on top of any of them.
//  - Proxy overhead: a per-request `latency` before forwarding. Defaults, from published
//    figures: L7 (HTTP parsing, routing, header rewrite) lognormal median 300 us, p99 1 ms —
//    Istio measures Envoy at 0.35 vCPU per 1000 req/s, i.e. ~0.35 ms of CPU per request,
//    and NGINX/HAProxy are of the same order without TLS; L4 (IPVS, NLB, HAProxy `mode
//    tcp`: no request parsing, per-packet forwarding) lognormal median 40 us, p99 150 us.
//  - Capacity: `max_connections` caps requests in flight through the balancer (Envoy's
//    circuit-breaker max_requests / HAProxy maxconn without a queue): beyond it, 503
//    (Status::Rejected). `max_rps`: a token bucket (Envoy local_ratelimit) holding one
//    second of tokens; beyond it, 429 (causes::RateLimited).
//  - Proxy queue (HAProxy `maxconn` on server lines, its backend queue and `timeout queue`;
//    models/balancer/balancer_impl.h queue_): `max_conn` (for every target, or per target) caps the
//    requests in flight to one target; the algorithm chooses among the targets below it, a
//    request that finds all of them full (or others already waiting) waits in one FIFO in
//    the balancer, and a target that frees a slot takes the oldest waiting request at once.
//    `queue_timeout` answers 503 (Status::Rejected) to a request that waited that long.
//    Limited to the algorithms that choose among servers with room (no hashing, no sticky),
//    one worker, no next_upstream, no routes (one queue, as one HAProxy backend).
//  - NGINX worker processes (`workers`, default 1; `shared_zone`, default false): without an
//    upstream `zone`, each worker keeps its own copy of the peers (ngx_http_upstream_round_
//    robin.c, ngx_http_upstream_least_conn_module.c): its own `conns` counts and its own
//    round-robin weights, so least_conn and random two see only the requests that worker
//    sent. Each request is its own connection and the kernel's accept hands it to a worker
//    (`accept`): by default as NGINX on Linux does (EPOLLEXCLUSIVE: the first waiting worker
//    takes the connection, and each worker steps to the back of the kernel's queue after 16
//    connections, ngx_event_accept.c ngx_reorder_accept_events), so workers take runs of 16
//    in rotation; with "reuseport" (`listen ... reuseport`) the kernel hashes each
//    connection to a worker, a uniform draw per request from a stream of its own. Each worker
//    then has a picker and counts of its own. With `shared_zone` all workers share one view,
//    as with one worker. Simplified: the head worker is assumed free to accept (a real worker
//    busy at that instant lets the next one take the connection), and NGINX's max_fails
//    state, also per worker without a zone, stays shared.
//  - Active health checks (Envoy / NGINX Plus / HAProxy / ALB): a probe on route "health"
//    to every target each `interval`, failed by a non-Ok answer or by `timeout`;
//    `unhealthy_threshold` consecutive failures eject the target, `healthy_threshold`
//    consecutive successes bring it back. Targets start healthy (NGINX's default).
//    Defaults are HAProxy's: interval 2s (inter), fall 3, rise 2; timeout 1s.
//  - Passive outlier detection as Envoy's consecutive_5xx: every non-Ok answer except 429
//    (timeouts included: Envoy maps local-origin failures to 5xx) counts; `consecutive_5xx`
//    in a row eject the target at once for base_ejection_time x (times ejected), capped by
//    max_ejection_time (300 s); un-ejection is checked at each `interval` sweep (10 s); at
//    most max_ejection_percent of targets are ejected, but at least one may always be.
//    Both kinds of evidence are judged by lib/health/health_tracker.h; the
//    balancer sends the probes, runs the sweep and keeps the statistics.
//  - NGINX passive health (`max_fails`, `fail_timeout`; ngx_http_upstream_round_robin.c),
//    kept by models/balancer/passive_health.h: an unavailable target is ineligible for the
//    picker. Errors (Unavailable, Dropped) and timeouts always count as failures, HTTP
//    statuses (Error = 500, Rejected/Shed = 503, RateLimited = 429) only when next_upstream
//    names them, as ngx_http_upstream_next is only called for those.
//  - NGINX proxy_next_upstream (`next_upstream`, `next_upstream_tries`,
//    `next_upstream_timeout`; ngx_http_upstream.c, ngx_http_upstream_next): an answer meeting
//    a named condition is sent again, at once, to a target this request has not tried (the
//    tried ones are hidden from the picker for that pick, as NGINX's `tried` bitmap does); at
//    most one try per target of the route, and writes only with `non_idempotent`.
//  - L4 vs L7 (`mode`, default l7): an L7 balancer sees each request: it can route by route
//    name (`routes`), hash the request key and use cookies. An L4 balancer sees connections
//    only: no routes, no request keys, no cookies; it may hash the client (`hash_on:
//    client`, as Maglev and IPVS hash the 5-tuple) and keep source-address affinity
//    (`sticky: {"cookie": false}`).
//
//  - Zones: `zones` lists the zones a cloud load balancer is enabled in (an ALB or NLB has a
//    node per zone); a zone outage takes that zone's node, and the balancer answers
//    Status::Unavailable only while every one of its zones is out (DNS stops returning a
//    failed zone's node). Without it the balancer sits in its component `zone` and a zone
//    outage cuts its links, as for any single-zone component.
//
// Simplifications: a multi-zone balancer's nodes share one capacity (max_connections,
// max_rps) and its links keep the latency of its component zone; an L4 balancer still decides per request (each request is its own
// connection; no keep-alive pinning). No panic threshold
// (with every target ejected, requests fail with Status::Unavailable, as NGINX's 502). The
// client address is the request's (client, session) pair. Probes do the target's normal
// work for route "health" (a service without routes runs its service_time; a service with
// routes needs a "health" or "*" route, otherwise it answers errors and is ejected).
// next_upstream remembers tried targets among the first 64 only; a retry does not add the
// proxy latency again; an L4 balancer retries too (NGINX's stream module retries connects
// only). A retried request bypasses sticky sessions.
// Sticky: when a session's backend is ejected, the session is balanced anew and sticks to
// its new backend even after the old one returns (NGINX Plus and HAProxy ignore a cookie
// naming a server that is down and then overwrite it); figure `sticky.moved` counts these.
//
// Hot path: a request costs one pending-table slot (free list, no allocation in steady
// state), one pick (see picker.h), one call and one reply; O(number of route groups a
// target is in) to keep `active` counts in step. Health checks: one call per target per
// interval.
#pragma once
#include <memory>

#include "scenario/build.h"

namespace archsim {
std::unique_ptr<Component> make_balancer(Params& p, BuildContext& bc);
}
