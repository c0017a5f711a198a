#include "models/balancer/balancer_impl.h"

#include <cmath>

namespace archsim::balancer {
namespace {

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

double total(const Metrics& m, CounterId c) { return static_cast<double>(m.total(c)); }

}  // namespace

void Balancer::finish(Context& ctx, ComponentReport& r) {
  r.add_text("algorithm", algorithm_text_);
  r.add_text("mode", l4_ ? "l4" : "l7");
  // Once, not per target's share: 100,000 targets summed 100,000 times took hours.
  dispatched_ = 0;
  for (const Target& u : targets_) dispatched_ += total(ctx.metrics(), u.req_c);
  figures_.report(ctx, r);
  declare_page(r.page());
}

void Balancer::register_metrics(BuildContext& bc) {
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
  declare_figures(m, id);
}

void Balancer::declare_figures(Metrics& m, const std::string& id) {
  figures_ = Figures(m, id);
  Figures& f = figures_;
  f.rate("throughput_rps", ok_c_);
  f.total("requests", received_c_);
  f.total("ok", ok_c_);
  f.total("errors", err_c_);
  f.total("rejected", rejected_c_);
  f.total("rate_limited", rate_limited_c_);
  f.total("unavailable", unavailable_c_);
  f.mean("in_flight", in_flight_g_);
  if (max_connections_)
    f.derived("utilization", [this](Context& ctx) {
      return ctx.metrics().average(in_flight_g_, ctx.end_time()) / static_cast<double>(*max_connections_);
    });
  f.summary("latency_ms", latency_h_);

  for (std::size_t i = 0; i < targets_.size(); ++i) {
    const Target& t = targets_[i];
    f.derived("share." + t.id, [this, i](Context& ctx) {
      return dispatched_ > 0 ? total(ctx.metrics(), targets_[i].req_c) / dispatched_ : 0.0;
    });
    const std::string b = "backends." + t.id + ".";
    f.value(b + "weight", [this, i] { return targets_[i].weight; });
    f.total(b + "requests", t.req_c);
    f.total(b + "errors", t.err_c);
    f.mean(b + "in_flight", t.active_g);
    f.value(b + "ejections", [this, i] { return static_cast<double>(targets_[i].ejections); });
    f.mean(b + "ejected_fraction", t.down_g);
    f.maybe(b + "first_ejection_s", [this, i](Context&) -> std::optional<double> {
      if (targets_[i].first_ejection < 0) return std::nullopt;
      return to_seconds(targets_[i].first_ejection);
    });
  }
  // The balancer cannot see inside its targets, so "utilization" is what it can see: the
  // time-average of requests in flight to each target, per unit of weight (weights state
  // intended capacity). Its coefficient of variation is 0 when load follows the weights.
  f.derived("imbalance_cv", [this](Context& ctx) {
    std::vector<double> load_per_weight;
    for (const Target& t : targets_) load_per_weight.push_back(ctx.metrics().average(t.active_g, ctx.end_time()) / t.weight);
    return cv(load_per_weight);
  });
  f.derived("imbalance_cv_requests", [this](Context& ctx) {
    std::vector<double> reqs_per_weight;
    for (const Target& t : targets_) reqs_per_weight.push_back(total(ctx.metrics(), t.req_c) / t.weight);
    return cv(reqs_per_weight);
  });
  f.value("ejections", [this] {
    std::uint64_t ejections = 0;
    for (const Target& t : targets_) ejections += t.ejections;
    return static_cast<double>(ejections);
  });
  if (passive_on_)
    for (std::size_t i = 0; i < targets_.size(); ++i)
      f.value("backends." + targets_[i].id + ".fail_timeouts", [this, i] { return static_cast<double>(targets_[i].fail_marks); });
  if (next_upstream_ != 0) {
    f.total("next_upstream.retries", next_upstream_c_);
    f.derived("next_upstream.tries_per_request", [this](Context& ctx) {
      const double forwarded = total(ctx.metrics(), first_tries_c_);
      return forwarded > 0 ? (forwarded + total(ctx.metrics(), next_upstream_c_)) / forwarded : 0.0;
    });
  }
  if (hc_.on) {
    f.total("health_check.probes", probe_c_);
    f.total("health_check.failed", probe_fail_c_);
  }
  if (sticky_) {
    f.value("sticky.sessions", [this] {
      std::size_t sessions = 0;
      for (const Group& g : groups_) sessions += g.sticky ? g.sticky->size() : 0;
      return static_cast<double>(sessions);
    });
    f.total("sticky.moved", moved_c_);
  }
  if (key_source(algorithm_) == KeySource::request_key && !hash_on_client_) f.total("unkeyed_requests", unkeyed_c_);
  if (lanes_ > 1) f.value("workers", [this] { return static_cast<double>(lanes_); });
  if (queue_on_) {
    f.total("queue.waited", queued_c_);
    f.derived("queue.waited_fraction", [this](Context& ctx) {
      const Metrics& mt = ctx.metrics();
      const double first = total(mt, first_tries_c_), waited = total(mt, queued_c_);
      return first + mt.total(queue_timeouts_c_) > 0 ? waited / (first + total(mt, queue_timeouts_c_)) : 0.0;
    });
    f.total("queue.timeouts", queue_timeouts_c_);
    f.mean("queue.length", queue_len_g_);
    f.summary("queue.wait_ms", queue_wait_h_);
  }
}

}  // namespace archsim::balancer
