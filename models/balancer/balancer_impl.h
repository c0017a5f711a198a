// The balancer component (models/balancer/balancer.h states the model). Its work is split by job:
//   balancer.cpp   the component: build, start, timers, and what `analyze` sees
//   params.cpp     its fields: targets, algorithm, workers and the proxy queue, health
//                  checks, outlier detection, NGINX's upstream settings, zones, routes
//   requests.cpp   a request's way through: accept, pick, forward, next_upstream, the
//                  proxy queue (HAProxy), the reply
//   health.cpp     eligibility: active probes, outlier sweeps, NGINX max_fails, zones
//   report.cpp     its figures: declared at build, summed at the end
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "lib/wait_queue.h"
#include "models/balancer/balancer.h"
#include "models/balancer/passive_health.h"
#include "models/balancer/sticky.h"
#include "sim/page_section.h"
#include "models/contracts/capabilities.h"
#include "lib/health/health_tracker.h"
#include "lib/picker/picker.h"
#include "lib/resilience/token_bucket.h"
#include "sim/continuation.h"
#include "sim/figures.h"
#include "scenario/describe.h"
#include "sim/results.h"

namespace archsim::balancer {

enum Tag : std::uint16_t { kForward = 1, kProbe, kSweep, kFailTimeout, kQueueTimeout };

// Tokens of calls this balancer makes: a forwarded request carries its pending slot (the
// balancer's own tokens), a probe its target in the probes' sub-owner range (sim/continuation.h).

// The probing and sweeping schedule; what the results mean is the HealthTracker's.
struct HealthCheck {
  bool on = false;
  Time interval = 2 * kSecond, timeout = kSecond;
  health::ActiveCheckParams thresholds;
};

struct OutlierDetection {
  Time interval = 10 * kSecond;
  health::OutlierParams params;
};

struct Target {
  std::string id;
  RefId ref = 0;
  double weight = 1;
  std::uint64_t bid = 0;  // Backend::id
  std::uint32_t active = 0;
  bool probe_pending = false;  // health: the balancer's HealthTracker
  std::uint64_t ejections = 0;  // health-check and outlier ejections (whole run)
  Time first_ejection = -1;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> places;  // (group, position) of its Backend copies
  std::uint64_t fail_marks = 0;  // failures that (re)started a fail_timeout (NGINX max_fails)
  std::uint32_t max_conn = 0;    // HAProxy's server maxconn; 0 = no limit
  CounterId req_c, err_c;
  GaugeId active_g, down_g;
};

// One worker process's view of a group: its own picker state and, without a shared zone,
// its own count of the requests it has in flight to each backend (NGINX keeps its upstream
// peers, their `conns` and the round-robin weights, in each worker's memory unless the
// upstream has a `zone`).
struct Lane {
  std::vector<Backend> backends;
  std::unique_ptr<Picker> picker;
};

// The targets a request may go to: all of them, or one L7 route's subset. Each group keeps
// its own Backend arrays for its pickers (one lane, or one per worker); `eligible` is copied
// into every lane of every group a target belongs to, `active` into its lane's copies.
struct Group {
  std::vector<std::uint32_t> members;  // target index of each backend
  std::vector<Lane> lanes;
  std::optional<StickyTable> sticky;
};

struct Pending {
  CallId in = 0;
  Time arrived = 0;
  std::uint32_t target = 0;
  std::uint32_t tries = 0;  // upstream attempts so far (next_upstream)
  Time first_try = 0;
  std::uint64_t tried = 0;  // bit t: target t was tried (the first 64 targets)
  Status last = Status::Ok;  // the answer of the last try
  std::uint32_t lane = 0;    // the worker that accepted the request's connection
  bool queued = false;       // waiting in the proxy queue, as entry `queue_seq`
  std::uint32_t queue_seq = 0;
  Time enqueued = 0;
};

// NGINX's proxy_next_upstream conditions, as archsim's statuses show them.
enum NextUpstream : std::uint32_t {
  kNuError = 1u << 0,          // connection refused or reset: Unavailable, Dropped
  kNuTimeout = 1u << 1,        // Timeout
  kNuHttp500 = 1u << 2,        // Error
  kNuHttp503 = 1u << 3,        // Rejected (a full queue), Shed
  kNuHttp429 = 1u << 4,        // RateLimited
  kNuNonIdempotent = 1u << 5,  // writes too (NGINX does not pass POST/PATCH on by default)
};

class Balancer final : public Component, public HasCapabilities, public ZoneAware {
 public:
  Balancer(Params& p, BuildContext& bc);
  void start(Context& ctx) override;
  void on_request(Context& ctx, CallId call) override;
  void on_timer(Context& ctx, std::uint16_t tag, std::uint64_t data) override;
  void on_reply(Context& ctx, CallId, Status status, std::uint64_t token) override;

  // For `archsim analyze` (scenario/describe.h): a forwarder with its targets, the targets of each
  // route that has its own list, overhead and rate limit. Simplified: within a route's
  // targets the request share follows the weights whatever the algorithm.
  void describe(Description& d) const override;
  void finish(Context& ctx, ComponentReport& r) override;

 private:
  // ---------------------------------------------------------------- parsing

  void parse_targets(Params& p, BuildContext& bc);

  // NGINX worker processes (`workers`, `shared_zone`) and HAProxy's maxconn queue
  // (`max_conn` for every target or per target, `queue_timeout`).
  void parse_workers_and_queue(Params& p);
  void parse_algorithm(Params& p);
  void parse_health_check(Params& hc);
  void parse_outlier(Params& od);

  // NGINX's max_fails / fail_timeout (server parameters, here for every target) and
  // proxy_next_upstream / _tries / _timeout.
  void parse_nginx_upstream(Params& p);

  // The proxy_next_upstream condition a failed answer meets (0: none, or a success).
  static std::uint32_t next_upstream_condition(Status s);

  // ngx_http_upstream_next's test: the condition is named, tries are left (at most one per
  // target, as NGINX's tried bitmap allows, and next_upstream_tries when set), the
  // next_upstream_timeout has not passed since the first try, writes only with
  // non_idempotent, and the caller still waits.
  bool wants_next_upstream(Context& ctx, std::uint32_t j, std::uint32_t cond) const;

  // Shows `t`'s NGINX availability in its eligibility, and keeps a timer at the end of its
  // fail_timeout.
  void sync_passive(Context& ctx, std::uint32_t t);
  std::vector<std::uint32_t> all_members() const;

  // ---- zones: a cloud load balancer (ALB, NLB, a GCP forwarding rule) runs nodes in every
  // zone it is enabled in; DNS stops answering with a failed zone's nodes, so it serves
  // while one zone is up. Without "zones" it lives in its component "zone" and a zone
  // outage cuts its links, as for any single-zone component.
  Capabilities capabilities() override;
  const std::vector<std::string>& zones() const override { return zones_; }
  void fail_zone(Context&, const std::string& zone) override { set_zone(zone, false); }
  void restore_zone(Context&, const std::string& zone) override { set_zone(zone, true); }

  void set_zone(const std::string& zone, bool up);
  void parse_zones(Params& p, BuildContext& bc);
  void parse_routes(Params& routes, BuildContext& bc, const PickerOptions& po, std::size_t expected_sessions);

  // For the check before t = 0 (scenario/route_flow.h): a route with its own target list goes
  // to those targets, every other route to all of them.
  void declare_route_flow(BuildContext& bc) const;
  void build_group(const std::vector<std::uint32_t>& members, const PickerOptions& po, std::size_t expected_sessions);
  void register_metrics(BuildContext& bc);
  // The figures in summary.json, in order (report.cpp); finish() reports them.
  void declare_figures(Metrics& m, const std::string& id);

  // ---------------------------------------------------------------- requests

  std::uint32_t new_pending();
  PickInput pick_input(const RequestInfo& req);
  void forward(Context& ctx, std::uint32_t j);

  // A pick among the lane's backends with those `hide(target)` names (and eligible) hidden
  // for this one pick.
  template <class Hide>
  int pick_hiding(Group& g, Lane& lane, const PickInput& in, Hide hide);

  // Sends pending request j to target t.
  void dispatch(Context& ctx, std::uint32_t j, std::uint32_t t, const RequestInfo& req);

  // ---------------------------------------------------------------- proxy queue (HAProxy)

  bool at_max_conn(std::uint32_t t) const { return targets_[t].max_conn > 0 && targets_[t].active >= targets_[t].max_conn; }

  void enqueue(Context& ctx, std::uint32_t j);

  // HAProxy's process_srv_queue: target t has room, so it takes the oldest waiting requests.
  void serve_queue(Context& ctx, std::uint32_t t);

  // `timeout queue`: a request still waiting gets HAProxy's 503.
  void queue_timeout(Context& ctx, std::uint32_t j, std::uint32_t seq);

  // The worker whose accept takes the next connection. NGINX on Linux (EPOLLEXCLUSIVE, no
  // reuseport): the kernel wakes the first worker waiting on the listening socket, and each
  // worker re-adds the socket to its epoll after every 16 connections it accepted, going to
  // the back of the kernel's queue (ngx_event_accept.c, ngx_reorder_accept_events): runs of
  // 16 connections per worker, in rotation. With `listen ... reuseport` each worker has its
  // own socket and the kernel hashes each connection to one: a uniform draw per connection.
  std::uint32_t accepting_worker();
  static constexpr std::uint32_t kAcceptRun = 16;  // NGINX's `c->requests++ % 16`

  // Replies to the caller and frees the slot.
  void complete(Context& ctx, std::uint32_t j, Status status);

  // The target's count, and its count in the worker's lane of every group it is in.
  void set_active(Context& ctx, std::uint32_t t, std::uint32_t lane, int delta);

  // ---------------------------------------------------------------- health

  // Health checks, outlier detection and NGINX's max_fails all agree that `t` may be chosen.
  bool eligible_now(std::uint32_t t) const;
  void update_eligibility(Context& ctx, std::uint32_t t);
  void send_probe(Context& ctx, std::uint32_t t);
  void probe_done(Context& ctx, std::uint32_t t, Status status);
  void sweep(Context& ctx);
  // ---------------------------------------------------------------- state

  std::uint64_t stream_;
  Rng pick_rng_;
  TokenRange probe_tokens_;  // health probes: payload = target index
  std::vector<Target> targets_;
  std::vector<Group> groups_;
  std::vector<std::uint32_t> route_group_;
  std::vector<std::string> zones_;  // empty: a single-zone balancer (its component "zone")
  std::vector<bool> zone_up_;
  std::uint32_t zones_up_ = 0;
  Algorithm algorithm_ = Algorithm::round_robin;
  std::string algorithm_text_;
  double dispatched_ = 0;  // requests sent to any target, summed once by finish() for the shares
  bool l4_ = false, hash_on_client_ = false, sticky_ = false, sticky_alias_ = false;
  Distribution latency_;
  bool latency_zero_ = false;  // latency_ is 0: forward at once, no timer
  std::optional<std::uint64_t> max_connections_;
  std::optional<resilience::TokenBucket> bucket_;
  double max_rps_ = 0;
  Time upstream_timeout_ = 0;
  HealthCheck hc_;
  OutlierDetection od_;
  health::HealthTracker health_;
  std::uint32_t health_route_ = 0;
  bool passive_on_ = false;
  PassiveHealth passive_;
  Time now_ = 0;  // of the last eligibility update (eligible_now reads it)
  std::uint32_t next_upstream_ = 0;  // NextUpstream bits; 0: no retry on another backend
  std::uint32_t next_upstream_tries_ = 0;
  Time next_upstream_timeout_ = 0;
  std::uint64_t probe_seq_ = 0;
  SlotTable<Pending> pending_;  // the most recently freed slot first, as a stack of free indices did
  std::uint64_t in_flight_ = 0;
  std::vector<std::uint32_t> hidden_;  // pick_hiding's scratch, reserved for every target

  std::uint32_t lanes_ = 1;  // NGINX worker processes that each keep their own counts
  Rng worker_rng_;           // which worker accepts a connection (drawn only with reuseport)
  bool reuseport_ = false;   // `accept`: "reuseport", else NGINX's exclusive accept in runs
  std::uint32_t accepted_ = 0, head_worker_ = 0;
  bool queue_on_ = false;    // some target has a max_conn: HAProxy's backend queue
  Time queue_timeout_ = 0;   // HAProxy `timeout queue`; 0 = until the caller's deadline
  // HAProxy's backend queue (src/queue.c: pendconn_add, process_srv_queue): one FIFO for the
  // whole backend, of (pending slot, its queue_seq) in arrival order. A request that left at
  // its `timeout queue` stays in it, told stale by its sequence number when it reaches the
  // head (WaitQueue::pop_live), so a timeout costs no search.
  struct Queued {
    std::uint32_t slot = 0, seq = 0;
  };
  WaitQueue<Queued> queue_;
  std::uint64_t queued_now_ = 0;
  std::uint32_t queue_seq_ = 0;
  CounterId received_c_, ok_c_, err_c_, rejected_c_, rate_limited_c_, unavailable_c_, probe_c_, probe_fail_c_,
      moved_c_, unkeyed_c_, next_upstream_c_, first_tries_c_, queued_c_, queue_timeouts_c_;
  GaugeId in_flight_g_, healthy_g_, queue_len_g_;
  HistogramId latency_h_, queue_wait_h_;
  Figures figures_;  // every figure, reported by finish() in the order declared
};

// What the page shows of a balancer (page.cpp), declared at its end of run.
void declare_page(PageSection& page);

}  // namespace archsim::balancer
