#include "models/balancer/balancer.h"
#include "models/common/causes.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "models/balancer/passive_health.h"
#include "models/balancer/proxy_queue.h"
#include "models/balancer/sticky.h"
#include "models/common/capabilities.h"
#include "models/common/health/health_tracker.h"
#include "models/common/picker/picker.h"
#include "models/common/resilience/token_bucket.h"
#include "sim/continuation.h"
#include "sim/describe.h"
#include "sim/results.h"
#include "sim/text_list.h"

namespace archsim {
namespace {

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

double cv(const std::vector<double>& xs) {
  if (xs.size() < 2) return 0;
  double mean = 0;
  for (double x : xs) mean += x;
  mean /= static_cast<double>(xs.size());
  if (mean <= 0) return 0;
  double var = 0;
  for (double x : xs) var += (x - mean) * (x - mean);
  var /= static_cast<double>(xs.size());
  return std::sqrt(var) / mean;
}

// What NGINX, HAProxy and Envoy call the algorithms, for suggestions.
const char* real_system_alias(std::string name) {
  for (char& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  static const std::pair<const char*, const char*> kAliases[] = {
      {"least_conn", "least_connections"},    {"leastconn", "least_connections"},   // NGINX, HAProxy
      {"least_request", "power_of_two"},      {"p2c", "power_of_two"},              // Envoy
      {"roundrobin", "round_robin"},          {"rr", "round_robin"},                // HAProxy
      {"static-rr", "weighted_round_robin"},  {"wrr", "weighted_round_robin"},
      {"weighted", "weighted_round_robin"},   {"consistent", "ketama"},             // NGINX
      {"source", "ip_hash"},                  {"uri", "hash"},                      // HAProxy
      {"cookie", "sticky"},
  };
  for (const auto& [from, to] : kAliases)
    if (name == from) return to;
  return nullptr;
}

class Balancer final : public Component, public HasCapabilities, public ZoneAware {
 public:
  Balancer(Params& p, BuildContext& bc)
      : stream_(bc.stream_seed(3)), pick_rng_(bc.rng(2)), probe_tokens_(bc.sub_owner(p).tokens), worker_rng_(bc.rng(4)) {
    parse_zones(p, bc);
    parse_targets(p, bc);
    parse_algorithm(p);
    l4_ = p.choice("mode", "l7", {"l4", "l7"}) == "l4";
    hash_on_client_ = p.choice("hash_on", "key", {"key", "client"}) == "client";
    if (l4_ && key_source(algorithm_) == KeySource::request_key && !hash_on_client_) {
      std::string msg = "\"" + std::string(algorithm_name(algorithm_)) +
                        "\" hashes the request key, which an L4 balancer never sees (it balances connections): "
                        "set \"mode\": \"l7\", or \"hash_on\": \"client\" to hash the client connection as Maglev and IPVS do";
      if (p.has("hash_on")) p.fail("hash_on", msg);
      p.fail("algorithm", msg);
    }
    latency_ = p.distribution("latency", l4_ ? Distribution::lognormal_median_p99(40e3, 150e3)
                                             : Distribution::lognormal_median_p99(300e3, 1e6));
    latency_zero_ = latency_.is_constant_zero();
    if (auto mc = p.integer_or_null("max_connections", 1, 1'000'000'000)) max_connections_ = static_cast<std::uint64_t>(*mc);
    if (p.has("max_rps")) {
      double rate = p.number("max_rps", 0, 0.001, 1e9);
      max_rps_ = rate;
      resilience::TokenBucketParams tb;
      tb.rate = rate;
      tb.burst = std::clamp<std::int64_t>(static_cast<std::int64_t>(std::ceil(rate)), 1, 9'000'000);
      bucket_.emplace(tb, 0);
    } else {
      p.known("max_rps");
    }
    upstream_timeout_ = p.duration("timeout", 0);
    std::size_t expected_sessions = 1024;
    if (auto s = p.object_opt("sticky")) {
      sticky_ = true;
      bool cookie = s->boolean("cookie", true);
      if (l4_ && cookie)
        s->fail("cookie", "an L4 balancer cannot read cookies; use {\"cookie\": false} for source-address affinity, or \"mode\": \"l7\"");
      expected_sessions = static_cast<std::size_t>(s->integer("expected_sessions", 1024, 1, 100'000'000));
    }
    if (sticky_alias_) sticky_ = true;
    if (auto hc = p.object_opt("health_check")) parse_health_check(*hc);
    parse_nginx_upstream(p);
    if (auto od = p.object_opt("outlier_detection")) parse_outlier(*od);
    health_ = health::HealthTracker(targets_.size(), hc_.thresholds, od_.params);
    health_route_ = bc.route_index("health");

    PickerOptions po;
    po.hash_seed = hash_name(bc.id());
    if (algorithm_ == Algorithm::power_of_two) {  // Envoy least_request's two settings, or NGINX's rule
      po.choice_count = static_cast<std::uint32_t>(p.integer("choice_count", 2, 1, 100));
      po.active_request_bias = p.number("active_request_bias", 1.0, 0, 100);
      po.distinct_choices = p.boolean("distinct_choices", false);
      if (po.distinct_choices)
        for (const char* f : {"choice_count", "active_request_bias"})
          if (p.has(f))
            p.fail(f, std::string(f) + " is Envoy's; \"distinct_choices\" is NGINX's `random two least_conn`, which "
                                       "draws exactly two servers and compares connections per weight: remove one of them");
    } else {
      for (const char* f : {"choice_count", "active_request_bias", "distinct_choices"})
        if (p.has(f)) p.fail(f, std::string(f) + " applies to \"power_of_two\" only");
    }
    parse_workers_and_queue(p);
    build_group(all_members(), po, expected_sessions);
    if (auto routes = p.object_opt("routes")) {
      if (l4_) p.fail("routes", "an L4 balancer sees connections, not requests: it cannot route by route name; use \"mode\": \"l7\"");
      if (queue_on_)
        p.fail("routes", "the proxy queue (max_conn) is one queue for all the targets, as an HAProxy backend's; give each "
                         "route its own balancer");
      parse_routes(*routes, bc, po, expected_sessions);
    }
    declare_route_flow(bc);
    register_metrics(bc);
  }

  void start(Context& ctx) override {
    Metrics& m = ctx.metrics();
    m.set(healthy_g_, static_cast<double>(targets_.size()), 0);
    if (hc_.on) {
      // Probes of different targets are spread over the interval, as Envoy's jitter spreads them.
      const Time n = static_cast<Time>(targets_.size());
      for (std::size_t i = 0; i < targets_.size(); ++i)
        ctx.schedule(hc_.interval * static_cast<Time>(i) / n, kProbe, i);
    }
    if (od_.params.on) ctx.schedule(od_.interval, kSweep);
  }

  void on_request(Context& ctx, CallId call) override {
    Metrics& m = ctx.metrics();
    const Time now = ctx.now();
    // The kernel's accept spreads new connections over the worker processes; each request
    // is its own connection here.
    const std::uint32_t lane = lanes_ > 1 ? accepting_worker() : 0;
    m.add(received_c_);
    if (zones_up_ == 0 && !zones_.empty()) {  // every zone it runs in is out
      m.add(unavailable_c_);
      m.add(err_c_);
      ctx.reply(call, Status::Unavailable);
      return;
    }
    if (max_connections_ && in_flight_ >= *max_connections_) {
      m.add(rejected_c_);
      m.add(err_c_);
      ctx.reply(call, Status::Rejected);
      return;
    }
    if (bucket_ && !bucket_->try_acquire(now)) {
      m.add(rate_limited_c_);
      m.add(err_c_);
      ctx.reply(call, causes::RateLimited);
      return;
    }
    std::uint32_t j = new_pending();
    pending_[j].in = call;
    pending_[j].arrived = now;
    pending_[j].lane = lane;
    ++in_flight_;
    m.set(in_flight_g_, static_cast<double>(in_flight_), now);
    if (latency_zero_) {
      forward(ctx, j);
      return;
    }
    const RequestInfo& req = ctx.request(call);
    Rng r = Context::keyed_rng(stream_, req.id, req.attempt);
    ctx.schedule(latency_.sample_time(r), kForward, j);
  }

  void on_timer(Context& ctx, std::uint16_t tag, std::uint64_t data) override {
    switch (tag) {
      case kFailTimeout:  // a server's fail_timeout may be over: look again
        update_eligibility(ctx, static_cast<std::uint32_t>(data));
        break;
      case kForward:
        forward(ctx, static_cast<std::uint32_t>(data));
        break;
      case kQueueTimeout:
        queue_timeout(ctx, static_cast<std::uint32_t>(data), static_cast<std::uint32_t>(data >> 32));
        break;
      case kProbe:
        send_probe(ctx, static_cast<std::uint32_t>(data));
        ctx.schedule(hc_.interval, kProbe, data);
        break;
      case kSweep:
        sweep(ctx);
        ctx.schedule(od_.interval, kSweep);
        break;
    }
  }

  void on_reply(Context& ctx, CallId, Status status, std::uint64_t token) override {
    if (probe_tokens_.owns(token)) {
      probe_done(ctx, static_cast<std::uint32_t>(probe_tokens_.payload(token)), status);
      return;
    }
    std::uint32_t j = static_cast<std::uint32_t>(token);
    std::uint32_t t = pending_[j].target;
    Target& tg = targets_[t];
    Metrics& m = ctx.metrics();
    set_active(ctx, t, pending_[j].lane, -1);
    if (!served(status)) m.add(tg.err_c);
    // Every non-Ok answer but 429 counts against the target (Envoy's consecutive_5xx).
    const health::Outcome outcome = served(status)                     ? health::Outcome::success
                                    : status == causes::RateLimited   ? health::Outcome::neutral
                                                                      : health::Outcome::failure;
    if (health_.request_result(t, outcome, ctx.now())) update_eligibility(ctx, t);
    const std::uint32_t cond = next_upstream_condition(status);
    if (passive_on_) {
      // NGINX: an error or a timeout always fails the peer; an HTTP status only when
      // proxy_next_upstream names it (ngx_http_upstream_next is called for it then).
      const bool failed = (cond & (kNuError | kNuTimeout)) != 0 || (cond & next_upstream_) != 0;
      passive_.on_result(t, ctx.now(), failed);
      if (failed && passive_.fails(t) >= passive_.params().max_fails) ++tg.fail_marks;  // a fail_timeout (re)starts
      sync_passive(ctx, t);
    }
    pending_[j].last = status;
    if (cond != 0 && wants_next_upstream(ctx, j, cond)) {
      m.add(next_upstream_c_);
      forward(ctx, j);
      return;
    }
    complete(ctx, j, status);
    if (queue_on_) serve_queue(ctx, t);
  }

  // For `archsim analyze` (sim/describe.h): a forwarder with its targets, the targets of each
  // route that has its own list, overhead and rate limit. Simplified: within a route's
  // targets the request share follows the weights whatever the algorithm.
  void describe(Description& d) const override {
    d.kind = Description::Kind::Forwarder;
    d.zones = zones_;
    for (const Target& t : targets_) d.targets.push_back(Description::Target{t.ref, t.weight});
    d.route_targets.resize(route_group_.size());
    for (std::size_t r = 0; r < route_group_.size(); ++r)
      if (route_group_[r] != 0) d.route_targets[r] = groups_[route_group_[r]].members;
    d.latency_s = latency_.mean() / 1e9;
    d.max_rps = max_rps_;
    d.algorithm = algorithm_text_;
  }

  void finish(Context& ctx, ComponentReport& r) override {
    Metrics& m = ctx.metrics();
    const Time now = ctx.end_time();
    const double measured = to_seconds(now - ctx.warmup());
    r.add_text("algorithm", algorithm_text_);
    r.add_text("mode", l4_ ? "l4" : "l7");
    r.add("throughput_rps", static_cast<double>(m.total(ok_c_)) / measured);
    r.add("requests", static_cast<double>(m.total(received_c_)));
    r.add("ok", static_cast<double>(m.total(ok_c_)));
    r.add("errors", static_cast<double>(m.total(err_c_)));
    r.add("rejected", static_cast<double>(m.total(rejected_c_)));
    r.add("rate_limited", static_cast<double>(m.total(rate_limited_c_)));
    r.add("unavailable", static_cast<double>(m.total(unavailable_c_)));
    r.add("in_flight", m.average(in_flight_g_, now));
    if (max_connections_) r.add("utilization", m.average(in_flight_g_, now) / static_cast<double>(*max_connections_));
    r.add_latency("latency_ms", m.whole(latency_h_));

    double dispatched = 0;
    for (const Target& t : targets_) dispatched += static_cast<double>(m.total(t.req_c));
    std::vector<double> load_per_weight, reqs_per_weight;
    std::uint64_t ejections = 0;
    for (const Target& t : targets_) {
      const double n = static_cast<double>(m.total(t.req_c));
      const double active = m.average(t.active_g, now);
      r.add("share." + t.id, dispatched > 0 ? n / dispatched : 0.0);
      const std::string b = "backends." + t.id + ".";
      r.add(b + "weight", t.weight);
      r.add(b + "requests", n);
      r.add(b + "errors", static_cast<double>(m.total(t.err_c)));
      r.add(b + "in_flight", active);
      r.add(b + "ejections", static_cast<double>(t.ejections));
      r.add(b + "ejected_fraction", m.average(t.down_g, now));
      if (t.first_ejection >= 0) r.add(b + "first_ejection_s", to_seconds(t.first_ejection));
      load_per_weight.push_back(active / t.weight);
      reqs_per_weight.push_back(n / t.weight);
      ejections += t.ejections;
    }
    // The balancer cannot see inside its targets, so "utilization" is what it can see: the
    // time-average of requests in flight to each target, per unit of weight (weights state
    // intended capacity). Its coefficient of variation is 0 when load follows the weights.
    r.add("imbalance_cv", cv(load_per_weight));
    r.add("imbalance_cv_requests", cv(reqs_per_weight));
    r.add("ejections", static_cast<double>(ejections));
    if (passive_on_) {
      for (const Target& t : targets_) r.add("backends." + t.id + ".fail_timeouts", static_cast<double>(t.fail_marks));
    }
    if (next_upstream_ != 0) {
      const double forwarded = static_cast<double>(m.total(first_tries_c_));
      r.add("next_upstream.retries", static_cast<double>(m.total(next_upstream_c_)));
      r.add("next_upstream.tries_per_request",
            forwarded > 0 ? (forwarded + static_cast<double>(m.total(next_upstream_c_))) / forwarded : 0.0);
    }
    if (hc_.on) {
      r.add("health_check.probes", static_cast<double>(m.total(probe_c_)));
      r.add("health_check.failed", static_cast<double>(m.total(probe_fail_c_)));
    }
    if (sticky_) {
      std::size_t sessions = 0;
      for (const Group& g : groups_) sessions += g.sticky ? g.sticky->size() : 0;
      r.add("sticky.sessions", static_cast<double>(sessions));
      r.add("sticky.moved", static_cast<double>(m.total(moved_c_)));
    }
    if (key_source(algorithm_) == KeySource::request_key && !hash_on_client_)
      r.add("unkeyed_requests", static_cast<double>(m.total(unkeyed_c_)));
    if (lanes_ > 1) r.add("workers", static_cast<double>(lanes_));
    if (queue_on_) {
      const double first = static_cast<double>(m.total(first_tries_c_));
      const double waited = static_cast<double>(m.total(queued_c_));
      r.add("queue.waited", waited);
      r.add("queue.waited_fraction", first + m.total(queue_timeouts_c_) > 0
                                         ? waited / (first + static_cast<double>(m.total(queue_timeouts_c_))) : 0.0);
      r.add("queue.timeouts", static_cast<double>(m.total(queue_timeouts_c_)));
      r.add("queue.length", m.average(queue_len_g_, now));
      r.add_latency("queue.wait_ms", m.whole(queue_wait_h_));
    }
  }

 private:
  // ---------------------------------------------------------------- parsing

  void parse_targets(Params& p, BuildContext& bc) {
    const Params::Value list = p.value("targets");
    if (list.shape() == Params::Shape::absent) p.fail("targets", "is required: the components this balancer sends requests to, e.g. [\"web-1\", {\"id\": \"web-2\", \"weight\": 2}]");
    if (list.shape() != Params::Shape::array) p.fail("targets", "expected an array of component ids or {\"id\": ..., \"weight\": ...}");
    const std::vector<Params::Value> items = list.items();
    if (items.empty()) p.fail("targets", "is empty: a balancer needs at least one target");
    for (const Params::Value& item : items) {
      Target t;
      std::string id_ptr = item.pointer();
      if (auto id = item.as_string()) {
        t.id = *id;
      } else if (item.shape() == Params::Shape::object) {
        Params tp = item.object();
        t.id = tp.string("id");
        id_ptr = tp.path("id");
        t.weight = tp.number("weight", 1.0, -Params::kInf, 1e6);
        if (!(t.weight > 0))
          tp.fail("weight", "must be positive (a target with weight 0 would never be picked; remove it instead)");
        if (auto mc = tp.integer_or_null("max_conn", 1, 1'000'000)) t.max_conn = static_cast<std::uint32_t>(*mc);
        tp.finish();
      } else {
        item.fail("a target is a component id or {\"id\": ..., \"weight\": ...}");
      }
      if (t.id.empty()) throw ScenarioError(id_ptr, "must name a component");
      for (const Target& o : targets_)
        if (o.id == t.id) throw ScenarioError(id_ptr, "\"" + t.id + "\" is listed twice; give it a weight instead");
      t.ref = bc.reference_to(t.id, id_ptr, RefKind::SyncCall);
      t.bid = backend_id(t.id, 0);
      targets_.push_back(std::move(t));
    }
  }

  // NGINX worker processes (`workers`, `shared_zone`) and HAProxy's maxconn queue
  // (`max_conn` for every target or per target, `queue_timeout`).
  void parse_workers_and_queue(Params& p) {
    const auto workers = static_cast<std::uint32_t>(p.integer("workers", 1, 1, 256));
    const bool shared = p.boolean("shared_zone", false);
    if (p.has("shared_zone") && workers == 1)
      p.fail("shared_zone", "applies with \"workers\" above 1 (NGINX's worker processes, which share their counts "
                            "only through an upstream `zone`)");
    lanes_ = shared ? 1 : workers;
    reuseport_ = p.choice("accept", "exclusive", {"exclusive", "reuseport"}) == "reuseport";
    if (p.has("accept") && lanes_ == 1)
      p.fail("accept", "says how connections are spread over NGINX's worker processes: give \"workers\" above 1 "
                       "(without \"shared_zone\")");
    if (auto mc = p.integer_or_null("max_conn", 1, 1'000'000))
      for (Target& t : targets_)
        if (t.max_conn == 0) t.max_conn = static_cast<std::uint32_t>(*mc);
    for (const Target& t : targets_) queue_on_ = queue_on_ || t.max_conn > 0;
    hidden_.reserve(targets_.size());
    if (!queue_on_) {
      if (p.has("queue_timeout")) p.fail("queue_timeout", "applies with \"max_conn\" (HAProxy's `timeout queue` for the backend queue)");
      p.known("queue_timeout");  // null: as if absent
      return;
    }
    queue_timeout_ = p.duration("queue_timeout", 0);
    const char* field = p.has("max_conn") ? "max_conn" : "targets";
    if (key_source(algorithm_) != KeySource::none || sticky_ || sticky_alias_)
      p.fail(field, "the proxy queue (HAProxy's maxconn) is modelled for algorithms that choose among the servers "
                    "with room (round_robin, weighted_round_robin, least_connections, random, power_of_two); HAProxy "
                    "queues a hashed or sticky request on its own server, which is not modelled");
    if (lanes_ > 1)
      p.fail(field, "the proxy queue follows HAProxy, whose threads share one count per server: give \"workers\" 1 "
                    "or \"shared_zone\": true");
    if (next_upstream_ != 0)
      p.fail(field, "the proxy queue (HAProxy's maxconn) and NGINX's next_upstream are not modelled together");
  }

  void parse_algorithm(Params& p) {
    std::string name = p.string("algorithm", "round_robin");
    if (name == "sticky") {  // "sticky" as users name it: round robin with cookie affinity
      sticky_alias_ = true;
      name = "round_robin";
    }
    auto a = archsim::parse_algorithm(name);
    if (!a) {
      std::vector<std::string> names;
      std::string list;
      for (auto n : algorithm_names()) {
        names.emplace_back(n);
        append_item(list, ", ", n);
      }
      names.emplace_back("sticky");
      std::string hint = did_you_mean(name, names);
      if (const char* alias = real_system_alias(name))
        hint = " (did you mean \"" + std::string(alias) + "\"? that is archsim's name for it)";
      p.fail("algorithm", "unknown algorithm \"" + name + "\"" + hint + "; known: " + list + ", sticky");
    }
    algorithm_ = *a;
    algorithm_text_ = sticky_alias_ ? "sticky" : name;
  }

  void parse_health_check(Params& hc) {
    hc_.on = true;
    hc_.interval = hc.duration("interval", 2 * kSecond, kMillisecond);
    hc_.timeout = hc.duration("timeout", std::min<Time>(kSecond, hc_.interval), kMicrosecond);
    if (hc_.timeout > hc_.interval)
      hc.fail("timeout", "must not exceed the interval (" + format_duration(hc_.interval) +
                             "): one probe per target is in flight at a time");
    hc_.thresholds.unhealthy_threshold = static_cast<std::uint32_t>(hc.integer("unhealthy_threshold", 3, 1, 1000));
    hc_.thresholds.healthy_threshold = static_cast<std::uint32_t>(hc.integer("healthy_threshold", 2, 1, 1000));
  }

  void parse_outlier(Params& od) {
    health::OutlierParams& o = od_.params;
    o.on = true;
    o.consecutive_failures = static_cast<std::uint32_t>(od.integer("consecutive_5xx", 5, 1, 1'000'000));
    o.base_ejection = od.duration("base_ejection_time", 30 * kSecond, kMillisecond);
    od_.interval = od.duration("interval", 10 * kSecond, kMillisecond);
    o.max_ejection = od.duration("max_ejection_time", std::max<Time>(300 * kSecond, o.base_ejection), o.base_ejection);
    o.max_ejection_percent = od.number("max_ejection_percent", 10, 0, 100);
  }

  // NGINX's max_fails / fail_timeout (server parameters, here for every target) and
  // proxy_next_upstream / _tries / _timeout.
  void parse_nginx_upstream(Params& p) {
    if (p.has("max_fails") || p.has("fail_timeout")) {
      PassiveHealthParams pp;
      pp.max_fails = static_cast<std::uint32_t>(p.integer("max_fails", 1, 0, 1'000'000));
      pp.fail_timeout = p.duration("fail_timeout", 10 * kSecond);
      if (targets_.size() == 1)
        p.fail(p.has("max_fails") ? "max_fails" : "fail_timeout",
               "NGINX ignores max_fails and fail_timeout when an upstream has a single server (it is never "
               "considered unavailable); give the balancer two targets or more, or remove the field");
      passive_on_ = pp.max_fails > 0;
      passive_ = PassiveHealth(targets_.size(), pp);
    }
    if (p.has("next_upstream")) {
      static const std::vector<std::pair<std::string, std::uint32_t>> kConditions = {
          {"error", kNuError},     {"timeout", kNuTimeout},   {"http_500", kNuHttp500},
          {"http_503", kNuHttp503}, {"http_429", kNuHttp429}, {"non_idempotent", kNuNonIdempotent},
          {"off", 0}};
      std::vector<std::string> names;
      for (const auto& c : kConditions) names.push_back(c.first);
      const std::vector<std::string> list = p.strings("next_upstream");
      if (list.empty()) p.fail("next_upstream", "name the conditions, e.g. [\"error\", \"timeout\"], or [\"off\"]");
      for (std::size_t i = 0; i < list.size(); ++i) {
        auto it = std::find_if(kConditions.begin(), kConditions.end(), [&](const auto& c) { return c.first == list[i]; });
        if (it == kConditions.end()) {
          const std::string known = join_items(names, ", ");
          throw ScenarioError(p.path("next_upstream") + "/" + std::to_string(i),
                              "unknown condition \"" + list[i] + "\"" + did_you_mean(list[i], names) + "; known: " + known);
        }
        if (it->second == 0 && list.size() > 1)
          throw ScenarioError(p.path("next_upstream") + "/" + std::to_string(i), "\"off\" cannot be combined with other conditions");
        next_upstream_ |= it->second;
      }
      if (next_upstream_ == kNuNonIdempotent)
        p.fail("next_upstream", "\"non_idempotent\" only widens other conditions; add \"error\", \"timeout\", ...");
    }
    const bool retrying = next_upstream_ != 0;
    for (const char* f : {"next_upstream_tries", "next_upstream_timeout"})
      if (!retrying && p.has(f)) p.fail(f, std::string(f) + " applies when \"next_upstream\" names conditions");
    next_upstream_tries_ = static_cast<std::uint32_t>(p.integer("next_upstream_tries", 0, 0, 1'000'000));
    next_upstream_timeout_ = p.duration("next_upstream_timeout", 0);
  }

  // The proxy_next_upstream condition a failed answer meets (0: none, or a success).
  static std::uint32_t next_upstream_condition(Status s) {
    if (served(s)) return 0;
    if (s == Status::Unavailable || s == Status::Dropped) return kNuError;
    if (s == Status::Timeout) return kNuTimeout;
    if (s == Status::Error) return kNuHttp500;
    if (s == Status::Rejected || s == causes::Shed) return kNuHttp503;
    if (s == causes::RateLimited) return kNuHttp429;
    return 0;
  }

  // ngx_http_upstream_next's test: the condition is named, tries are left (at most one per
  // target, as NGINX's tried bitmap allows, and next_upstream_tries when set), the
  // next_upstream_timeout has not passed since the first try, writes only with
  // non_idempotent, and the caller still waits.
  bool wants_next_upstream(Context& ctx, std::uint32_t j, std::uint32_t cond) const {
    if ((next_upstream_ & cond) == 0) return false;
    const Pending& pd = pending_[j];
    const RequestInfo& req = ctx.request(pd.in);
    if (req.write && (next_upstream_ & kNuNonIdempotent) == 0) return false;
    const std::uint32_t gi = req.route < route_group_.size() ? route_group_[req.route] : 0;
    if (pd.tries >= groups_[gi].members.size()) return false;
    if (next_upstream_tries_ > 0 && pd.tries >= next_upstream_tries_) return false;
    if (next_upstream_timeout_ > 0 && ctx.now() - pd.first_try >= next_upstream_timeout_) return false;
    return req.deadline == kTimeMax || ctx.now() < req.deadline;
  }

  // Shows `t`'s NGINX availability in its eligibility, and keeps a timer at the end of its
  // fail_timeout.
  void sync_passive(Context& ctx, std::uint32_t t) {
    update_eligibility(ctx, t);
    const Time again = passive_.available_again(t);
    if (again != kTimeMax && !passive_.available(t, ctx.now()))
      ctx.schedule(std::max<Time>(0, again - ctx.now()), kFailTimeout, t);
  }

  std::vector<std::uint32_t> all_members() const {
    std::vector<std::uint32_t> all(targets_.size());
    for (std::size_t i = 0; i < all.size(); ++i) all[i] = static_cast<std::uint32_t>(i);
    return all;
  }

  // ---- zones: a cloud load balancer (ALB, NLB, a GCP forwarding rule) runs nodes in every
  // zone it is enabled in; DNS stops answering with a failed zone's nodes, so it serves
  // while one zone is up. Without "zones" it lives in its component "zone" and a zone
  // outage cuts its links, as for any single-zone component.
  Capabilities capabilities() override {
    Capabilities c;
    if (!zones_.empty()) c.zone_aware = this;
    return c;
  }
  const std::vector<std::string>& zones() const override { return zones_; }
  void fail_zone(Context&, const std::string& zone) override { set_zone(zone, false); }
  void restore_zone(Context&, const std::string& zone) override { set_zone(zone, true); }

  void set_zone(const std::string& zone, bool up) {
    for (std::size_t z = 0; z < zones_.size(); ++z)
      if (zones_[z] == zone && zone_up_[z] != up) {
        zone_up_[z] = up;
        zones_up_ += up ? 1 : -1;
      }
  }

  void parse_zones(Params& p, BuildContext& bc) {
    if (!p.has("zones")) return;
    if (!bc.zone().empty())
      p.fail("zones", "give either \"zone\" (one zone) or \"zones\" (a balancer enabled in several), not both");
    const Params::Value list = p.value("zones");
    if (list.shape() != Params::Shape::array || list.items().empty())
      p.fail("zones", "expected a non-empty array of zone names, e.g. [\"a\", \"b\"]");
    for (const Params::Value& item : list.items()) {
      const std::optional<std::string> z = item.as_string();
      if (!z || z->empty()) item.fail("expected a zone name");
      if (std::find(zones_.begin(), zones_.end(), *z) != zones_.end()) item.fail("\"" + *z + "\" is listed twice");
      zones_.push_back(*z);
    }
    zone_up_.assign(zones_.size(), true);
    zones_up_ = static_cast<std::uint32_t>(zones_.size());
  }

  void parse_routes(Params& routes, BuildContext& bc, const PickerOptions& po, std::size_t expected_sessions) {
    std::vector<std::string> ids;
    for (const Target& t : targets_) ids.push_back(t.id);
    for (const std::string& name : routes.keys()) {
      const Params::Value list = routes.value(name);
      if (list.shape() != Params::Shape::array || list.items().empty())
        routes.fail(name, "expected a non-empty array of target ids, e.g. [\"" + targets_.front().id + "\"]");
      std::vector<std::uint32_t> members;
      for (const Params::Value& item : list.items()) {
        const std::optional<std::string> id = item.as_string();
        if (!id) item.fail("expected a target id");
        auto it = std::find(ids.begin(), ids.end(), *id);
        if (it == ids.end()) item.fail("\"" + *id + "\" is not one of this balancer's targets" + did_you_mean(*id, ids));
        auto idx = static_cast<std::uint32_t>(it - ids.begin());
        if (std::find(members.begin(), members.end(), idx) != members.end()) item.fail("\"" + *id + "\" is listed twice");
        members.push_back(idx);
      }
      std::uint32_t route = bc.route_index(name);
      if (route_group_.size() <= route) route_group_.resize(route + 1, 0);
      route_group_[route] = static_cast<std::uint32_t>(groups_.size());
      build_group(members, po, expected_sessions);
    }
  }

  // For the check before t = 0 (sim/route_flow.h): a route with its own target list goes
  // to those targets, every other route to all of them.
  void declare_route_flow(BuildContext& bc) const {
    std::vector<std::uint32_t> routed;
    for (std::uint32_t r = 0; r < route_group_.size(); ++r)
      if (route_group_[r] != 0) routed.push_back(r);
    for (std::uint32_t t = 0; t < targets_.size(); ++t) {
      RouteFlow::Rule rest;
      rest.ref = targets_[t].ref;
      rest.routes = routed;
      bc.forwards_routes(rest);
      RouteFlow::Rule own;
      own.ref = targets_[t].ref;
      own.only = true;
      for (std::uint32_t r : routed) {
        const std::vector<std::uint32_t>& members = groups_[route_group_[r]].members;
        if (std::find(members.begin(), members.end(), t) != members.end()) own.routes.push_back(r);
      }
      if (!own.routes.empty()) bc.forwards_routes(own);
    }
  }

  void build_group(const std::vector<std::uint32_t>& members, const PickerOptions& po, std::size_t expected_sessions) {
    const auto gi = static_cast<std::uint32_t>(groups_.size());
    Group g;
    g.members = members;
    g.lanes.resize(lanes_);
    for (std::size_t pos = 0; pos < members.size(); ++pos) {
      const std::uint32_t t = members[pos];
      Backend b;
      b.weight = targets_[t].weight;
      b.id = targets_[t].bid;
      targets_[t].places.emplace_back(gi, static_cast<std::uint32_t>(pos));
      for (Lane& lane : g.lanes) lane.backends.push_back(b);
    }
    for (Lane& lane : g.lanes) {
      lane.picker = make_picker(algorithm_, po);
      lane.picker->rebuild(lane.backends);
    }
    if (sticky_) g.sticky.emplace(expected_sessions);
    groups_.push_back(std::move(g));
  }

  void register_metrics(BuildContext& bc) {
    const std::string id = bc.id();
    Metrics& m = bc.metrics();
    received_c_ = m.counter(id, "received", "offered_rps");
    ok_c_ = m.counter(id, "ok", "throughput_rps");
    err_c_ = m.counter(id, "errors", "errors_rps");
    rejected_c_ = m.counter(id, "rejected");
    rate_limited_c_ = m.counter(id, "rate_limited");
    unavailable_c_ = m.counter(id, "unavailable");
    probe_c_ = m.counter(id, "probes");
    probe_fail_c_ = m.counter(id, "probe_failures");
    moved_c_ = m.counter(id, "sticky_moved");
    unkeyed_c_ = m.counter(id, "unkeyed");
    next_upstream_c_ = m.counter(id, "next_upstream");
    first_tries_c_ = m.counter(id, "first_tries");
    if (queue_on_) {
      queued_c_ = m.counter(id, "queued");
      queue_timeouts_c_ = m.counter(id, "queue_timeouts");
      queue_len_g_ = m.gauge(id, "queue_length", "queue_length");
      queue_wait_h_ = m.histogram(id, "queue_wait", "queue_wait");
    }
    in_flight_g_ = m.gauge(id, "in_flight", "in_flight");
    healthy_g_ = m.gauge(id, "healthy_backends", "healthy_backends");
    latency_h_ = m.histogram(id, "latency", "latency");
    for (Target& t : targets_) {
      t.req_c = m.counter(id, "requests_" + t.id, "rps_" + t.id);
      t.err_c = m.counter(id, "errors_" + t.id);
      t.active_g = m.gauge(id, "active_" + t.id, "active_" + t.id);
      t.down_g = m.gauge(id, "ejected_" + t.id);
    }
  }

  // ---------------------------------------------------------------- requests

  std::uint32_t new_pending() {
    const std::uint32_t j = pending_.alloc();
    pending_[j] = Pending{};
    return j;
  }

  PickInput pick_input(const RequestInfo& req) {
    PickInput in;
    // The client address: one per (client component, session), as a browser's connection.
    in.client = hash64(req.session, 0x1000000ULL + req.client);
    if (hash_on_client_) {
      in.key = in.client;
      in.has_key = true;
    } else {
      in.key = req.key;
      in.has_key = req.has_key;
    }
    if (sticky_) in.session = in.client == 0 ? 1 : in.client;
    return in;
  }

  void forward(Context& ctx, std::uint32_t j) {
    Metrics& m = ctx.metrics();
    // A copy: calling below may grow the engine's call pool and move what request() refers to.
    const RequestInfo req = ctx.request(pending_[j].in);
    const std::uint32_t gi = req.route < route_group_.size() ? route_group_[req.route] : 0;
    Group& g = groups_[gi];
    Lane& lane = g.lanes[pending_[j].lane];
    const PickInput in = pick_input(req);
    Pending& pd = pending_[j];
    const bool retry = pd.tries > 0;
    if (!retry && !in.has_key && key_source(algorithm_) == KeySource::request_key) m.add(unkeyed_c_);
    int k;
    if (retry) {
      // NGINX skips the servers this request already tried (its `tried` bitmap): they are
      // hidden from the picker for this one pick.
      k = pick_hiding(g, lane, in, [&](std::uint32_t t) { return t < 64 && ((pd.tried >> t) & 1u); });
      if (k < 0) {  // no untried server left: the last try's answer stands
        complete(ctx, j, pd.last);
        return;
      }
    } else if (queue_on_) {
      // HAProxy: a request queues behind those already waiting; otherwise the algorithm
      // chooses among the servers below their maxconn, and it queues when all are full.
      bool full = queued_now_ > 0;
      now_ = ctx.now();
      k = -1;
      if (!full) {
        k = pick_hiding(g, lane, in, [&](std::uint32_t t) { return at_max_conn(t); });
        if (k < 0)
          for (std::uint32_t t : g.members) full = full || (at_max_conn(t) && eligible_now(t));
      }
      if (full) {
        enqueue(ctx, j);
        return;
      }
    } else if (g.sticky) {
      std::optional<std::uint64_t> before = g.sticky->find(in.session);
      k = pick_sticky(*g.sticky, *lane.picker, lane.backends, in, pick_rng_);
      if (before && k >= 0 && *before != lane.backends[static_cast<std::size_t>(k)].id) m.add(moved_c_);
    } else {
      k = lane.picker->pick(lane.backends, in, pick_rng_);
    }
    if (k < 0) {
      m.add(unavailable_c_);
      complete(ctx, j, Status::Unavailable);
      return;
    }
    dispatch(ctx, j, g.members[static_cast<std::size_t>(k)], req);
  }

  // A pick among the lane's backends with those `hide(target)` names (and eligible) hidden
  // for this one pick.
  template <class Hide>
  int pick_hiding(Group& g, Lane& lane, const PickInput& in, Hide hide) {
    hidden_.clear();  // positions that were eligible and are hidden now (capacity reserved)
    for (std::size_t b = 0; b < g.members.size(); ++b)
      if (lane.backends[b].eligible && hide(g.members[b])) {
        lane.backends[b].eligible = false;
        hidden_.push_back(static_cast<std::uint32_t>(b));
      }
    const int k = lane.picker->pick(lane.backends, in, pick_rng_);
    for (std::uint32_t b : hidden_) lane.backends[b].eligible = true;
    return k;
  }

  // Sends pending request j to target t.
  void dispatch(Context& ctx, std::uint32_t j, std::uint32_t t, const RequestInfo& req) {
    Metrics& m = ctx.metrics();
    pending_[j].target = t;
    if (pending_[j].tries++ == 0) {
      pending_[j].first_try = ctx.now();
      m.add(first_tries_c_);
    }
    if (t < 64) pending_[j].tried |= std::uint64_t{1} << t;
    if (passive_on_ && passive_.on_chosen(t, ctx.now())) sync_passive(ctx, t);
    m.add(targets_[t].req_c);
    set_active(ctx, t, pending_[j].lane, +1);
    Time timeout = upstream_timeout_;
    if (req.deadline != kTimeMax) {
      // Nobody waits beyond the deadline; Envoy would see the downstream reset and cancel.
      Time left = std::max<Time>(1, req.deadline - ctx.now());
      timeout = timeout > 0 ? std::min(timeout, left) : left;
    }
    ctx.call(targets_[t].ref, req, j, timeout);
  }

  // ---------------------------------------------------------------- proxy queue (HAProxy)

  bool at_max_conn(std::uint32_t t) const { return targets_[t].max_conn > 0 && targets_[t].active >= targets_[t].max_conn; }

  void enqueue(Context& ctx, std::uint32_t j) {
    Metrics& m = ctx.metrics();
    Pending& pd = pending_[j];
    pd.queued = true;
    pd.queue_seq = ++queue_seq_;
    pd.enqueued = ctx.now();
    queue_.push({j, pd.queue_seq});
    ++queued_now_;
    m.add(queued_c_);
    m.set(queue_len_g_, static_cast<double>(queued_now_), ctx.now());
    if (queue_timeout_ > 0)
      ctx.schedule(queue_timeout_, kQueueTimeout, (static_cast<std::uint64_t>(pd.queue_seq) << 32) | j);
  }

  // HAProxy's process_srv_queue: target t has room, so it takes the oldest waiting requests.
  void serve_queue(Context& ctx, std::uint32_t t) {
    now_ = ctx.now();
    while (queued_now_ > 0 && !at_max_conn(t) && eligible_now(t)) {
      const ProxyQueue::Item it = queue_.pop();
      Pending& pd = pending_[it.slot];
      if (!pending_.live(it.slot) || !pd.queued || pd.queue_seq != it.seq) continue;  // left at its timeout
      pd.queued = false;
      --queued_now_;
      Metrics& m = ctx.metrics();
      m.set(queue_len_g_, static_cast<double>(queued_now_), ctx.now());
      m.record(queue_wait_h_, ctx.now() - pd.enqueued);
      const RequestInfo req = ctx.request(pd.in);
      dispatch(ctx, it.slot, t, req);
    }
  }

  // `timeout queue`: a request still waiting gets HAProxy's 503.
  void queue_timeout(Context& ctx, std::uint32_t j, std::uint32_t seq) {
    if (!pending_.live(j) || !pending_[j].queued || pending_[j].queue_seq != seq) return;
    pending_[j].queued = false;
    --queued_now_;
    Metrics& m = ctx.metrics();
    m.set(queue_len_g_, static_cast<double>(queued_now_), ctx.now());
    m.add(queue_timeouts_c_);
    complete(ctx, j, Status::Rejected);
  }

  // The worker whose accept takes the next connection. NGINX on Linux (EPOLLEXCLUSIVE, no
  // reuseport): the kernel wakes the first worker waiting on the listening socket, and each
  // worker re-adds the socket to its epoll after every 16 connections it accepted, going to
  // the back of the kernel's queue (ngx_event_accept.c, ngx_reorder_accept_events): runs of
  // 16 connections per worker, in rotation. With `listen ... reuseport` each worker has its
  // own socket and the kernel hashes each connection to one: a uniform draw per connection.
  std::uint32_t accepting_worker() {
    if (reuseport_) return static_cast<std::uint32_t>(worker_rng_.below(lanes_));
    if (++accepted_ > kAcceptRun) {
      accepted_ = 1;
      head_worker_ = (head_worker_ + 1) % lanes_;
    }
    return head_worker_;
  }
  static constexpr std::uint32_t kAcceptRun = 16;  // NGINX's `c->requests++ % 16`

  // Replies to the caller and frees the slot.
  void complete(Context& ctx, std::uint32_t j, Status status) {
    Metrics& m = ctx.metrics();
    const Time now = ctx.now();
    if (served(status)) {
      m.add(ok_c_);
      m.record(latency_h_, now - pending_[j].arrived);
    } else {
      m.add(err_c_);
    }
    ctx.reply(pending_[j].in, status);
    --in_flight_;
    m.set(in_flight_g_, static_cast<double>(in_flight_), now);
    pending_.free(j);
  }

  // The target's count, and its count in the worker's lane of every group it is in.
  void set_active(Context& ctx, std::uint32_t t, std::uint32_t lane, int delta) {
    Target& tg = targets_[t];
    tg.active = static_cast<std::uint32_t>(static_cast<int>(tg.active) + delta);
    for (auto [g, pos] : tg.places) {
      Backend& b = groups_[g].lanes[lane].backends[pos];
      b.active = static_cast<std::uint32_t>(static_cast<int>(b.active) + delta);
    }
    ctx.metrics().set(tg.active_g, tg.active, ctx.now());
  }

  // ---------------------------------------------------------------- health

  // Health checks, outlier detection and NGINX's max_fails all agree that `t` may be chosen.
  bool eligible_now(std::uint32_t t) const {
    return health_.eligible(t) && (!passive_on_ || passive_.available(t, now_));
  }

  void update_eligibility(Context& ctx, std::uint32_t t) {
    Target& tg = targets_[t];
    now_ = ctx.now();
    const bool eligible = eligible_now(t);
    for (auto [g, pos] : tg.places)
      for (Lane& lane : groups_[g].lanes) {
        Backend& b = lane.backends[pos];
        if (b.eligible == eligible) continue;
        b.eligible = eligible;
        lane.picker->eligibility_changed(lane.backends);
      }
    const Time now = ctx.now();
    Metrics& m = ctx.metrics();
    const bool was_down = m.value(tg.down_g) > 0;
    if (was_down != !eligible) {
      m.set(tg.down_g, eligible ? 0.0 : 1.0, now);
      m.add(healthy_g_, eligible ? 1.0 : -1.0, now);
      if (!eligible) {
        ++tg.ejections;
        if (tg.first_ejection < 0) tg.first_ejection = now;
      }
    }
    if (eligible && queue_on_) serve_queue(ctx, t);  // HAProxy's pendconn_grab_from_px
  }

  void send_probe(Context& ctx, std::uint32_t t) {
    Target& tg = targets_[t];
    if (tg.probe_pending) return;  // cannot happen with timeout <= interval; kept as a guard
    RequestInfo r;
    // Probe ids live apart from client request ids (which count up from 1).
    r.id = (1ULL << 62) | (static_cast<std::uint64_t>(ctx.self()) << 40) | ++probe_seq_;
    r.route = health_route_;
    r.start = ctx.now();
    r.deadline = ctx.now() + hc_.timeout;
    r.client = ctx.self();
    tg.probe_pending = true;
    ctx.metrics().add(probe_c_);
    ctx.call(tg.ref, r, probe_tokens_.make(t), hc_.timeout);
  }

  void probe_done(Context& ctx, std::uint32_t t, Status status) {
    targets_[t].probe_pending = false;
    if (!served(status)) ctx.metrics().add(probe_fail_c_);
    if (health_.probe_result(t, served(status))) update_eligibility(ctx, t);
  }

  void sweep(Context& ctx) {
    health_.sweep(ctx.now(), [&](std::uint32_t t) { update_eligibility(ctx, t); });
  }

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
  ProxyQueue queue_;
  std::uint64_t queued_now_ = 0;
  std::uint32_t queue_seq_ = 0;

  CounterId received_c_, ok_c_, err_c_, rejected_c_, rate_limited_c_, unavailable_c_, probe_c_, probe_fail_c_,
      moved_c_, unkeyed_c_, next_upstream_c_, first_tries_c_, queued_c_, queue_timeouts_c_;
  GaugeId in_flight_g_, healthy_g_, queue_len_g_;
  HistogramId latency_h_, queue_wait_h_;
};

}  // namespace

std::unique_ptr<Component> make_balancer(Params& p, BuildContext& bc) { return std::make_unique<Balancer>(p, bc); }

}  // namespace archsim
