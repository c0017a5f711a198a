#include "models/balancer/balancer_impl.h"

#include <algorithm>
#include <cmath>

#include "models/contracts/causes.h"

namespace archsim::balancer {

Balancer::Balancer(Params& p, BuildContext& bc)
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

void Balancer::start(Context& ctx) {
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

void Balancer::on_timer(Context& ctx, std::uint16_t tag, std::uint64_t data) {
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

void Balancer::describe(Description& d) const {
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

}  // namespace archsim::balancer

namespace archsim {
std::unique_ptr<Component> make_balancer(Params& p, BuildContext& bc) {
  return std::make_unique<balancer::Balancer>(p, bc);
}
}  // namespace archsim
