// Queue: a topic's fields, start, timers and description (models/queue/topic.h).
#include "models/queue/topic.h"

#include <algorithm>
#include <string>

namespace archsim::queue {

namespace {
constexpr Time kLagSample = kSecond;
}

Topic::Topic(Params& tp, BuildContext& bc, const BrokerSpec& spec, Brokers& sh, std::uint16_t index, std::string prefix,
             Status not_enough_replicas)
    : sh_(sh), msgs_(sh.msgs), topic_(index), prefix_(std::move(prefix)), not_enough_status_(not_enough_replicas),
      rng_(bc.rng(index)) {
  work_queue_ = tp.choice("mode", "log", {"log", "work_queue"}) == "work_queue";
  partitions_ = static_cast<std::uint32_t>(tp.integer("partitions", work_queue_ ? 1 : 6, 1, 100000));
  if (work_queue_ && partitions_ != 1) tp.fail("partitions", "a work_queue has no partitions (give mode \"log\")");
  brokers_ = spec.brokers;
  acks_ = spec.acks;
  replication_ = spec.replication;
  append_time_ = spec.append;
  election_ = spec.election;
  min_isr_ = spec.min_isr;
  unclean_ = spec.unclean;
  if (auto c = tp.integer_or_null("capacity", 1, 1'000'000'000'000)) capacity_ = static_cast<std::uint64_t>(*c);
  block_ = tp.choice("when_full", "block", {"block", "drop"}) == "block";
  // Kafka's max.block.ms (default 60 s): how long send() blocks on a full buffer before it
  // throws; 0 fails at once.
  max_block_ = tp.duration("max_block", from_seconds(60));
  if (tp.has("max_block") && !block_) tp.fail("max_block", "applies to when_full \"block\" only");
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
  // Retention (retention.h): a log's; a Kafka topic is bounded by it, not by a count.
  if (auto r = tp.object_opt("retention")) {
    if (work_queue_) tp.fail("retention", "applies to mode \"log\" only (a work queue deletes what its consumers acknowledge)");
    if (capacity_ > 0)
      tp.fail("retention", "and \"capacity\" both bound the topic: a Kafka topic keeps what its retention allows, "
                           "read or not (drop \"capacity\")");
    retains_ = true;
    retention_ = read_retention(*r);
  }
  // Its own group: "consumers", or nobody (the messages stay, counted retained).
  std::optional<Params> consumers = tp.object_opt("consumers");
  own_ = std::make_unique<Group>(consumers ? &*consumers : nullptr, tp, bc, sh_, work_queue_,
                                 static_cast<std::uint16_t>(sh_.groups.size()), prefix_);
  if (consumers) needs_retention(*own_, *consumers);
  sh_.groups.push_back(own_.get());
  parts_.resize(partitions_);
  if (retains_) kept_.resize(partitions_);
  const std::uint32_t everyone = brokers_ == 32 ? UINT32_MAX : (1u << brokers_) - 1;
  // Topic t's partition i is led by broker (i + t) mod brokers: each topic starts one broker
  // further (Kafka starts each topic's replica assignment at a random broker).
  for (std::uint32_t i = 0; i < partitions_; ++i) {
    parts_[i].leader = (i + topic_) % brokers_;
    parts_[i].isr = everyone;
  }
  add_subscriber(*own_, own_->subscribe(*this));
  const std::string& id = bc.id();
  Metrics& m = bc.metrics();
  produced_c_ = m.counter(id, prefix_ + "produced", prefix_ + "produced_rps");
  own_->register_metrics(m, id);
  isr_g_ = m.gauge(id, prefix_ + "isr_min", prefix_ + "isr_min");
  own_->register_partition_metrics(m, id);
}

void Topic::needs_retention(const Group& g, const Params& at) const {
  if (retains_) return;
  const std::string topic = sh_.topic_names[topic_].empty() ? "this queue" : "topic \"" + sh_.topic_names[topic_] + "\"";
  if (g.has_resets()) at.fail("resets", "re-read what the log retains: give " + topic + " a \"retention\"");
  if (g.sets_offset_reset())
    at.fail("auto_offset_reset", "applies when retention deletes what the group has not read: give " + topic + " a \"retention\"");
}

void Topic::drop_idle_own_group() {
  if (own_->reads() || subs_.size() < 2) return;
  subs_.erase(subs_.begin());
}

void Topic::start(Context& ctx) {
  // The group forms once every component has started (the service's instances exist).
  own_->start(ctx);
  schedule(ctx, kLagSample, kTick);
  next_check_ = retention_.check;
  if (outbox_) schedule(ctx, poll_, kRelay);
  own_->start_commits(ctx);
}

void Topic::schedule(Context& ctx, Time delay, Timer kind, std::uint64_t data) {
  ctx.schedule(delay, tags_.make(kind), data);
}

// For `archsim analyze` (scenario/describe.h): a broker delivering each message once to its own
// group. Producers that wait pay the replication with acks=all; consumers see a message
// once replicated, and with the outbox after half a poll interval on average.
void Topic::describe(Description& d) const {
  d.kind = Description::Kind::Broker;
  const double replication = brokers_ > 1 ? replication_.mean() / 1e9 : 0.0;
  const double write = append_time_.mean() / 1e9;
  d.ack_s = outbox_ ? 0.0 : acks_ == Acks::All ? write + replication : acks_ == Acks::Leader ? write : 0.0;
  d.delivery_delay_s = write + replication + (outbox_ ? to_seconds(poll_) / 2 : 0.0);
  d.has_consumers = own_->reads();
  d.consumer = own_->consumer();
  d.consumer_same_route = !own_->has_route();
  d.consumer_route = own_->route();
  d.partitions = work_queue_ ? 0 : partitions_;
  d.prefetch = work_queue_ ? own_->prefetch() : 1;
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
    case kResume:
    case kCommit:
      own_->on_timer(ctx, static_cast<Group::Timer>(kind), data);
      return;
    case kTick:
      own_->tick(ctx);
      sample_isr(ctx);
      if (retains_ && ctx.now() >= next_check_) expire_logs(ctx);
      if (ctx.now() + kLagSample <= ctx.end_time()) schedule(ctx, kLagSample, kTick);
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

// The broker's retention check (retention.h): whole segments go; a group whose next offset
// fell below the new log start is out of range (Group::out_of_range).
void Topic::expire_logs(Context& ctx) {
  next_check_ = ctx.now() + retention_.check;
  for (std::uint32_t pi = 0; pi < partitions_; ++pi) {
    const std::uint64_t n = kept_[pi].expire(retention_, ctx.now(), [this](Handle h) { unkeep(h); });
    if (n == 0) continue;
    deleted_ += n;
    for (const Sub& s : subs_) s.group->out_of_range(ctx, s.base + pi, kept_[pi].start());
  }
}

void Topic::sample_isr(Context& ctx) {
  std::uint32_t smallest = brokers_;
  for (const PartitionState& p : parts_)
    smallest = std::min(smallest, static_cast<std::uint32_t>(__builtin_popcount(p.isr)));
  ctx.metrics().set(isr_g_, smallest, ctx.now());
}

}  // namespace archsim::queue
