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

}  // namespace

void Balancer::finish(Context& ctx, ComponentReport& r) {
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
}

}  // namespace archsim::balancer
