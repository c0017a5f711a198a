#include "models/balancer/balancer_impl.h"

#include <algorithm>

#include "models/contracts/causes.h"
#include "models/contracts/hop_flags.h"

namespace archsim::balancer {

void Balancer::on_request(Context& ctx, CallId call) {
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

void Balancer::on_reply(Context& ctx, CallId, Status status, std::uint64_t token) {
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

std::uint32_t Balancer::next_upstream_condition(Status s) {
  if (served(s)) return 0;
  if (s == Status::Unavailable || s == Status::Dropped) return kNuError;
  if (s == Status::Timeout) return kNuTimeout;
  if (s == Status::Error) return kNuHttp500;
  if (s == Status::Rejected || s == causes::Shed) return kNuHttp503;
  if (s == causes::RateLimited) return kNuHttp429;
  return 0;
}

bool Balancer::wants_next_upstream(Context& ctx, std::uint32_t j, std::uint32_t cond) const {
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

std::uint32_t Balancer::new_pending() {
  const std::uint32_t j = pending_.alloc();
  pending_[j] = Pending{};
  return j;
}

PickInput Balancer::pick_input(const RequestInfo& req) {
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

template <class Hide>
int Balancer::pick_hiding(Group& g, Lane& lane, const PickInput& in, Hide hide) {
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

void Balancer::forward(Context& ctx, std::uint32_t j) {
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

void Balancer::dispatch(Context& ctx, std::uint32_t j, std::uint32_t t, const RequestInfo& req) {
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
  // A message on a client's held connection stays one on the way (models/contracts/hop_flags.h):
  // the service behind serves it where the connection is, as NGINX's upgraded proxy_pass keeps
  // a WebSocket's client and upstream paired.
  ctx.call(targets_[t].ref, req, j, timeout, kNoInstance, req.hop & held_connection::kOnConnection);
}

void Balancer::enqueue(Context& ctx, std::uint32_t j) {
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

void Balancer::serve_queue(Context& ctx, std::uint32_t t) {
  now_ = ctx.now();
  auto waiting = [&](const Queued& q) { return pending_.live(q.slot) && pending_[q.slot].queued && pending_[q.slot].queue_seq == q.seq; };
  while (queued_now_ > 0 && !at_max_conn(t) && eligible_now(t)) {
    const std::optional<Queued> it = queue_.pop_live(waiting);  // those that left at their timeout dropped
    if (!it) break;  // cannot happen while queued_now_ > 0
    Pending& pd = pending_[it->slot];
    pd.queued = false;
    --queued_now_;
    Metrics& m = ctx.metrics();
    m.set(queue_len_g_, static_cast<double>(queued_now_), ctx.now());
    m.record(queue_wait_h_, ctx.now() - pd.enqueued);
    const RequestInfo req = ctx.request(pd.in);
    dispatch(ctx, it->slot, t, req);
  }
}

void Balancer::queue_timeout(Context& ctx, std::uint32_t j, std::uint32_t seq) {
  if (!pending_.live(j) || !pending_[j].queued || pending_[j].queue_seq != seq) return;
  pending_[j].queued = false;
  --queued_now_;
  Metrics& m = ctx.metrics();
  m.set(queue_len_g_, static_cast<double>(queued_now_), ctx.now());
  m.add(queue_timeouts_c_);
  complete(ctx, j, Status::Rejected);
}

std::uint32_t Balancer::accepting_worker() {
  if (reuseport_) return static_cast<std::uint32_t>(worker_rng_.below(lanes_));
  if (++accepted_ > kAcceptRun) {
    accepted_ = 1;
    head_worker_ = (head_worker_ + 1) % lanes_;
  }
  return head_worker_;
}

void Balancer::complete(Context& ctx, std::uint32_t j, Status status) {
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

void Balancer::set_active(Context& ctx, std::uint32_t t, std::uint32_t lane, int delta) {
  Target& tg = targets_[t];
  tg.active = static_cast<std::uint32_t>(static_cast<int>(tg.active) + delta);
  for (auto [g, pos] : tg.places) {
    Backend& b = groups_[g].lanes[lane].backends[pos];
    b.active = static_cast<std::uint32_t>(static_cast<int>(b.active) + delta);
  }
  ctx.metrics().set(tg.active_g, tg.active, ctx.now());
}

}  // namespace archsim::balancer
