// Queue: a topic's fields, connection, start, timers and lag sample (models/queue/topic.h).
#include "models/queue/topic.h"

#include <algorithm>
#include <string>

namespace archsim::queue {

namespace {
constexpr Time kLagSample = kSecond;
}

Topic::Topic(Params& tp, BuildContext& bc, const BrokerSpec& spec, Brokers& sh, std::uint16_t index, std::string prefix,
             Status not_enough_replicas)
    : sh_(sh), msgs_(sh.msgs), topic_(index), prefix_(std::move(prefix)), queue_index_(bc.index()), rng_(bc.rng(index)),
      not_enough_status_(not_enough_replicas) {
  work_queue_ = tp.choice("mode", "log", {"log", "work_queue"}) == "work_queue";
  partitions_ = static_cast<std::uint32_t>(tp.integer("partitions", work_queue_ ? 1 : 6, 1, 100000));
  if (work_queue_ && partitions_ != 1) tp.fail("partitions", "a work_queue has no partitions (give mode \"log\")");
  brokers_ = spec.brokers;
  acks_ = spec.acks;
  replication_ = spec.replication;
  election_ = spec.election;
  min_isr_ = spec.min_isr;
  unclean_ = spec.unclean;
  if (auto c = tp.integer_or_null("capacity", 1, 1'000'000'000'000)) capacity_ = static_cast<std::uint64_t>(*c);
  block_ = tp.choice("when_full", "block", {"block", "drop"}) == "block";
  sticky_ = tp.choice("keyless", "sticky", {"sticky", "round_robin"}) == "sticky";
  sticky_batch_ = static_cast<std::uint32_t>(tp.integer("sticky_batch", 16, 1, 1'000'000));
  // The transactional outbox: events are written with the business write and relayed by a
  // poller (Debezium / a polling publisher), or written to the broker directly (dual write).
  std::string mode = tp.choice("publish_mode", tp.has("outbox") ? "outbox" : "dual_write", {"dual_write", "outbox"});
  outbox_ = mode == "outbox";
  poll_ = from_seconds(0.5);
  if (auto o = tp.object_opt("outbox")) poll_ = o->duration("poll_interval", poll_, 1);
  if (tp.has("outbox") && !outbox_) tp.fail("publish_mode", "\"dual_write\" has no outbox: drop \"outbox\" or say \"outbox\"");
  // The producer's business write, done here so that the queue sees both halves of the dual
  // write: {"call": "<component>", "route": "<route>", "timeout": "<duration>"}.
  if (auto w = tp.object_opt("business_write")) {
    has_write_ = true;
    if (!w->has("call")) w->missing("call");
    write_ref_ = bc.reference(*w, "call", RefKind::SyncCall);
    if (w->has("route")) {
      write_has_route_ = true;
      write_route_ = bc.route_index(w->string("route"));
    }
    write_timeout_ = w->duration("timeout", 0);
  }
  if (tp.has("dual_write_order")) {
    publish_first_ = tp.choice("dual_write_order", "write_first", {"write_first", "publish_first"}) == "publish_first";
    if (!has_write_) tp.fail("dual_write_order", "needs \"business_write\" (the write the event goes with)");
    if (outbox_) tp.fail("dual_write_order", "applies to publish_mode \"dual_write\" only (the outbox writes both at once)");
  }
  if (tp.has("route")) {
    has_route_ = true;
    route_ = bc.route_index(tp.string("route"));
  }
  if (work_queue_) {
    visibility_ = tp.duration("visibility_timeout", from_seconds(30), 1);
    prefetch_ = static_cast<std::uint32_t>(tp.integer("prefetch", 1, 1, 100000));
  } else {
    for (const char* k : {"visibility_timeout", "prefetch"})
      if (tp.has(k)) tp.fail(k, "applies to mode \"work_queue\" only");
  }
  if (auto c = tp.object_opt("consumers")) {
    has_group_ = true;
    if (!c->has("service")) c->missing("service");
    consumer_ = bc.reference(*c, "service", RefKind::AsyncCall);
    assignor_ = c->choice("assignor", "range", {"range", "round_robin"}) == "range" ? Assignor::Range : Assignor::RoundRobin;
    std::string d = c->choice("delivery", "at_least_once", {"at_most_once", "at_least_once", "effectively_once"});
    delivery_ = d == "at_most_once" ? Delivery::AtMostOnce : d == "at_least_once" ? Delivery::AtLeastOnce : Delivery::EffectivelyOnce;
    max_retries_ = static_cast<std::uint32_t>(c->integer("max_retries", 3, 0, 1000));
    if (c->has("dead_letter")) {
      has_dlq_ = true;
      dlq_ = bc.reference(*c, "dead_letter", RefKind::AsyncSend);
    }
    pause_ = c->duration("rebalance_pause", from_seconds(3));
    commit_interval_ = c->duration("commit_interval", from_seconds(5));
    retry_backoff_ = c->duration("retry_backoff", from_seconds(0.1));
  }
  parts_.resize(partitions_);
  const std::uint32_t everyone = brokers_ == 32 ? UINT32_MAX : (1u << brokers_) - 1;
  // Topic t's partition i is led by broker (i + t) mod brokers: each topic starts one broker
  // further (Kafka starts each topic's replica assignment at a random broker).
  for (std::uint32_t i = 0; i < partitions_; ++i) {
    parts_[i].leader = (i + topic_) % brokers_;
    parts_[i].isr = everyone;
  }
  const std::string& id = bc.id();
  Metrics& m = bc.metrics();
  auto name = [&](const char* n) { return prefix_ + n; };
  produced_c_ = m.counter(id, name("produced"), name("produced_rps"));
  consumed_c_ = m.counter(id, name("consumed"), name("consumed_rps"));
  e2e_h_ = m.histogram(id, name("end_to_end"), name("end_to_end"));
  lag_g_ = m.gauge(id, name("consumer_lag"), name("consumer_lag"));
  lag_s_g_ = m.gauge(id, name("consumer_lag_s"), name("consumer_lag_s"));
  idle_g_ = m.gauge(id, name("idle_consumers"), name("idle_consumers"));
  isr_g_ = m.gauge(id, name("isr_min"), name("isr_min"));
  if (!work_queue_)
    for (std::uint32_t i = 0; i < partitions_; ++i) {
      std::string n = prefix_ + "partition_lag.p" + std::to_string(i);
      part_lag_g_.push_back(m.gauge(id, n, n));
    }
}

void Topic::connect(ConnectContext& cc) {
  if (has_group_) {
    scalable_ = capabilities_of(cc.target(consumer_)).scalable;
    if (!scalable_) cc.fail(consumer_, "must name a service (its ready instances are the consumer group's members)");
    stats_.reserve(1024);
  }
  if (has_dlq_ && cc.target(dlq_).type() != "queue") cc.fail(dlq_, "must name another queue component");
  if (has_dlq_ && cc.target_index(dlq_) == queue_index_) cc.fail(dlq_, "must name another queue, not this one");
}

void Topic::start(Context& ctx) {
  // The group forms once every component has started (the service's instances exist).
  if (has_group_) schedule(ctx, 0, kResume);
  schedule(ctx, kLagSample, kTick);
  if (outbox_) schedule(ctx, poll_, kRelay);
  if (has_group_ && !work_queue_ && commit_interval_ > 0 && delivery_ != Delivery::AtMostOnce)
    schedule(ctx, commit_interval_, kCommit);
}

void Topic::schedule(Context& ctx, Time delay, Timer kind, std::uint64_t data) {
  ctx.schedule(delay, tags_.make(kind), data);
}

// For `archsim analyze` (sim/describe.h): a broker delivering each message once to the
// group. Producers that wait pay the replication with acks=all; consumers see a message
// once replicated, and with the outbox after half a poll interval on average.
void Topic::describe(Description& d) const {
  d.kind = Description::Kind::Broker;
  const double replication = brokers_ > 1 ? replication_.mean() / 1e9 : 0.0;
  d.ack_s = outbox_ ? 0.0 : acks_ == Acks::All ? replication : 0.0;
  d.delivery_delay_s = replication + (outbox_ ? to_seconds(poll_) / 2 : 0.0);
  d.has_consumers = has_group_;
  d.consumer = consumer_;
  d.consumer_same_route = !has_route_;
  d.consumer_route = route_;
  d.partitions = work_queue_ ? 0 : partitions_;
  d.prefetch = work_queue_ ? prefetch_ : 1;
}

void Topic::on_timer(Context& ctx, Timer kind, std::uint64_t data) {
  switch (kind) {
    case kAck: {
      Handle h = data;
      if (!msgs_.valid(h)) return;
      Msg& m = msgs_[h];
      if (m.producer == kNoHandle) return;  // truncated before it was replicated
      CallId call = m.producer;
      m.producer = kNoHandle;
      ctx.trace_span(call, TraceSpan::Replicate, m.published, ctx.now());
      count_produced(ctx, m);  // in the log either way: consumers read it
      if (below_min_isr(parts_[m.partition])) {
        // Replicated, but the ISR shrank below min_insync_replicas meanwhile: Kafka answers
        // NotEnoughReplicasAfterAppend (Partition.checkEnoughReplicasReachOffset). Publish
        // first, the write is not made: an event without its write.
        ++not_enough_after_;
        if (has_write_ && publish_first_) ++events_without_write_;
        ctx.reply(call, not_enough_status_);
      } else {
        acked(ctx, call);
      }
      release(h);
      return;
    }
    case kWake:
      if (!wake_pending_ || static_cast<Time>(data) != wake_at_) return;  // replaced by an earlier one
      wake_pending_ = false;
      serve_all(ctx);
      return;
    case kResume:
      if (has_group_ && !group_started_) check_group(ctx);
      if (ctx.now() >= resume_at_) serve_all(ctx);
      return;
    case kTick:
      if (has_group_ && group_started_) check_group(ctx);
      sample_lag(ctx);
      if (ctx.now() + kLagSample <= ctx.end_time()) schedule(ctx, kLagSample, kTick);
      return;
    case kCommit:
      for (Partition& p : parts_) commit(ctx, p, std::min(p.done, p.position));
      if (ctx.now() + commit_interval_ <= ctx.end_time()) schedule(ctx, commit_interval_, kCommit);
      return;
    case kElect:
      elect(ctx, static_cast<std::uint32_t>(data));
      return;
    case kRelay:
      relay(ctx);
      if (ctx.now() + poll_ <= ctx.end_time()) schedule(ctx, poll_, kRelay);
      return;
    case kTimers:
      return;
  }
}

void Topic::sample_lag(Context& ctx) {
  double total = 0, oldest = 0;
  if (work_queue_) {
    total = static_cast<double>(ready_.size());
    if (!ready_.empty()) oldest = to_seconds(ctx.now() - msgs_[ready_.front()].published);
  } else {
    for (std::uint32_t i = 0; i < partitions_; ++i) {
      Partition& p = parts_[i];
      double lag = static_cast<double>(p.end() - p.position);
      ctx.metrics().set(part_lag_g_[i], lag, ctx.now());
      total += lag;
      if (p.position < p.end())
        oldest = std::max(oldest, to_seconds(ctx.now() - msgs_[p.log.at(p.position - p.committed)].published));
    }
  }
  ctx.metrics().set(lag_g_, total, ctx.now());
  ctx.metrics().set(lag_s_g_, oldest, ctx.now());
  std::uint32_t smallest = brokers_;
  for (const Partition& p : parts_) smallest = std::min(smallest, static_cast<std::uint32_t>(__builtin_popcount(p.isr)));
  ctx.metrics().set(isr_g_, smallest, ctx.now());
}

}  // namespace archsim::queue
