// Queue: a consumer group's fields, subscriptions, timers and membership (group.h): its members
// are the consuming service's ready instances; a change of them rebalances the partitions
// (Kafka's eager protocol).
#include "models/queue/group.h"

#include <algorithm>

#include "models/queue/topic.h"

namespace archsim::queue {

Group::Group(Params* consumers, Params& fields, BuildContext& bc, Brokers& sh, bool work_queue, std::uint16_t index,
             std::string prefix)
    : sh_(sh), msgs_(sh.msgs), index_(index), prefix_(std::move(prefix)), queue_index_(bc.index()), work_queue_(work_queue) {
  if (fields.has("route")) {
    has_route_ = true;
    route_ = bc.route_index(fields.string("route"));
  }
  if (work_queue_) {
    visibility_ = fields.duration("visibility_timeout", from_seconds(30));
    if (visibility_ < kMillisecond)
      fields.fail("visibility_timeout", "must be at least 1ms: RabbitMQ's consumer timeout counts milliseconds (SQS's "
                                        "visibility timeout whole seconds), and a shorter one would deliver every message "
                                        "again and again, without end, while its first processing runs");
    prefetch_ = static_cast<std::uint32_t>(fields.integer("prefetch", 1, 1, 100000));
  } else {
    for (const char* k : {"visibility_timeout", "prefetch"})
      if (fields.has(k)) fields.fail(k, "applies to mode \"work_queue\" only");
  }
  if (!consumers) return;
  Params& c = *consumers;
  has_consumers_ = true;
  if (!c.has("service")) c.missing("service");
  consumer_ = bc.reference(c, "service", RefKind::AsyncCall);
  assignor_ = c.choice("assignor", "range", {"range", "round_robin"}) == "range" ? Assignor::Range : Assignor::RoundRobin;
  std::string d = c.choice("delivery", "at_least_once", {"at_most_once", "at_least_once", "effectively_once"});
  delivery_ = d == "at_most_once" ? Delivery::AtMostOnce : d == "at_least_once" ? Delivery::AtLeastOnce : Delivery::EffectivelyOnce;
  max_retries_ = static_cast<std::uint32_t>(c.integer("max_retries", 3, 0, 1000));
  if (c.has("dead_letter")) {
    has_dlq_ = true;
    dlq_ = bc.reference(c, "dead_letter", RefKind::AsyncSend);
  }
  pause_ = c.duration("rebalance_pause", from_seconds(3));
  commit_interval_ = c.duration("commit_interval", from_seconds(5));
  if (commit_interval_ > 0 && commit_interval_ < kMillisecond)
    c.fail("commit_interval", "must be 0s (a commit after every message) or at least 1ms: Kafka's "
                              "auto.commit.interval.ms counts milliseconds, and a shorter period would cost a commit "
                              "event per partition every nanosecond");
  retry_backoff_ = c.duration("retry_backoff", from_seconds(0.1));
  read_resets(c);
}

std::uint32_t Group::subscribe(Topic& t) {
  const std::uint32_t base = static_cast<std::uint32_t>(cursors_.size());
  sub_base_.push_back(base);
  if (base_of_topic_.size() <= t.index()) base_of_topic_.resize(t.index() + 1, UINT32_MAX);
  base_of_topic_[t.index()] = base;
  topic_partitions_.push_back(t.partitions());
  for (std::uint32_t i = 0; i < t.partitions(); ++i) {
    Cursor c;
    c.topic = t.index();
    c.partition = i;
    c.state = &t.partition_state(i);
    cursors_.push_back(std::move(c));
  }
  return base;
}

void Group::register_metrics(Metrics& m, const std::string& id) {
  auto name = [&](const char* n) { return prefix_ + n; };
  consumed_c_ = m.counter(id, name("consumed"), name("consumed_rps"));
  e2e_h_ = m.histogram(id, name("end_to_end"), name("end_to_end"));
  lag_g_ = m.gauge(id, name("consumer_lag"), name("consumer_lag"));
  uncommitted_g_ = m.gauge(id, name("consumer_uncommitted"), name("consumer_uncommitted"));
  lag_s_g_ = m.gauge(id, name("consumer_lag_s"), name("consumer_lag_s"));
  idle_g_ = m.gauge(id, name("idle_consumers"), name("idle_consumers"));
  // A replay's work, beside the first processings (consumed): only a group with resets has
  // the series, so that others keep theirs and count nothing more.
  if (!resets_.empty()) {
    reprocessed_c_ = m.counter(id, name("reprocessed"), name("reprocessed_rps"));
    counts_reprocessed_ = true;
  }
}

void Group::register_partition_metrics(Metrics& m, const std::string& id) {
  if (work_queue_) return;
  for (const Cursor& c : cursors_) {
    // One topic: partition_lag.p<i>; several: partition_lag.<topic>.p<i>.
    std::string n = prefix_ + "partition_lag." + (sub_base_.size() > 1 ? sh_.topic_names[c.topic] + "." : std::string()) +
                    "p" + std::to_string(c.partition);
    part_lag_g_.push_back(m.gauge(id, n, n));
  }
}

void Group::connect(ConnectContext& cc) {
  if (has_consumers_) {
    scalable_ = capabilities_of(cc.target(consumer_)).scalable;
    if (!scalable_) cc.fail(consumer_, "must name a service (its ready instances are the consumer group's members)");
    stats_.reserve(1024);
  }
  if (has_dlq_ && cc.target(dlq_).type() != "queue") cc.fail(dlq_, "must name another queue component");
  if (has_dlq_ && cc.target_index(dlq_) == queue_index_) cc.fail(dlq_, "must name another queue, not this one");
}

// The group forms once every component has started (the service's instances exist). A
// topic's own group is started by its topic, between whose timers its own are set.
void Group::start(Context& ctx) {
  if (has_consumers_) schedule(ctx, 0, kResume);
  if (own_timers_) schedule(ctx, kSecond, kTick);
  for (std::size_t k = 0; k < resets_.size(); ++k)
    if (resets_[k].at <= ctx.end_time()) ctx.schedule(resets_[k].at - ctx.now(), reset_tag_, k);
}

void Group::start_commits(Context& ctx) {
  if (has_consumers_ && !work_queue_ && commit_interval_ > 0 && delivery_ != Delivery::AtMostOnce)
    schedule(ctx, commit_interval_, kCommit);
}

void Group::schedule(Context& ctx, Time delay, Timer kind, std::uint64_t data) { ctx.schedule(delay, tags_.make(kind), data); }

void Group::on_timer(Context& ctx, Timer kind, std::uint64_t data) {
  switch (kind) {
    case kWake:
      if (!wake_pending_ || static_cast<Time>(data) != wake_at_) return;  // replaced by an earlier one
      wake_pending_ = false;
      serve_all(ctx);
      return;
    case kResume:
      if (has_consumers_ && !group_started_) check_group(ctx);
      if (ctx.now() >= resume_at_) serve_all(ctx);
      return;
    case kTick:
      tick(ctx);
      if (ctx.now() + kSecond <= ctx.end_time()) schedule(ctx, kSecond, kTick);
      return;
    case kCommit:
      for (Cursor& c : cursors_) commit(ctx, c, std::min(c.done, c.position));
      if (ctx.now() + commit_interval_ <= ctx.end_time()) schedule(ctx, commit_interval_, kCommit);
      return;
  }
}

void Group::tick(Context& ctx) {
  check(ctx);
  sample_lag(ctx);
  if (watching_ >= 0) watch_replay(ctx);
}

void Group::appended(Context& ctx, std::uint32_t c) {
  if (!has_consumers_) return;
  if (work_queue_) serve_work(ctx);
  else if (cursors_[c].owner >= 0) serve(ctx, static_cast<std::uint32_t>(cursors_[c].owner));
}

void Group::partition_back(Context& ctx, std::uint32_t c) {
  if (has_consumers_ && !work_queue_ && cursors_[c].owner >= 0) serve(ctx, static_cast<std::uint32_t>(cursors_[c].owner));
}

void Group::check_group(Context& ctx) {
  std::uint32_t ready = scalable_->ready_replicas();
  if (ready == known_ready_) return;
  known_ready_ = ready;
  rebalance(ctx);
}

void Group::rebalance(Context& ctx) {
  bool initial = !group_started_;
  group_started_ = true;
  scalable_->instance_stats(ctx.now(), stats_);
  serials_.clear();
  for (const InstanceStat& s : stats_)
    if (s.ready) serials_.push_back(s.serial);
  std::sort(serials_.begin(), serials_.end());
  std::uint32_t desired = scalable_->replicas();
  bool graceful = desired < last_desired_;  // a scale-in: leaving members commit first
  last_desired_ = desired;
  if (work_queue_) {  // competing consumers: no assignment, only the count of members
    std::vector<Member> next(serials_.size());
    for (std::size_t i = 0; i < serials_.size(); ++i) {
      next[i].serial = serials_[i];
      std::int32_t o = member_of(serials_[i]);
      if (o >= 0) next[i].inflight = members_[o].inflight;
    }
    members_.swap(next);
    serve_work(ctx);
    return;
  }
  for (Member& m : members_) {
    bool stays = std::binary_search(serials_.begin(), serials_.end(), m.serial);
    if (!stays && !graceful && !initial) {
      ++t_.member_crashes;
      for (std::uint32_t ci : m.parts) rewind(ctx, cursors_[ci], cursors_[ci].committed);
    }
  }
  for (Cursor& c : cursors_) {
    if (delivery_ != Delivery::AtMostOnce) commit(ctx, c, std::min(c.done, c.position));
    c.owner = -1;
  }
  // Keep in-flight counts of members that stay; the new ones start idle.
  std::vector<std::uint32_t>& keep = old_members_;
  keep.assign(serials_.size(), 0);
  for (std::size_t i = 0; i < serials_.size(); ++i) {
    std::int32_t o = member_of(serials_[i]);
    if (o >= 0) keep[i] = members_[o].inflight;
  }
  members_.resize(serials_.size());
  for (std::size_t i = 0; i < serials_.size(); ++i) {
    members_[i].serial = serials_[i];
    members_[i].inflight = keep[i];
    members_[i].rr = 0;
  }
  // Kafka's assignors over every subscribed topic (subscriptions in the order of their
  // names: the round-robin assignor deals the topics' partitions in that order).
  assign(assignor_, topic_partitions_, static_cast<std::uint32_t>(members_.size()), assignment_);
  std::uint32_t idle = 0;
  for (std::size_t i = 0; i < members_.size(); ++i) {
    members_[i].parts.clear();
    for (const TopicPartition& tp : assignment_[i]) {
      const std::uint32_t ci = sub_base_[tp.topic] + tp.partition;
      members_[i].parts.push_back(ci);
      cursors_[ci].owner = static_cast<std::int32_t>(i);
    }
    if (members_[i].parts.empty()) ++idle;
  }
  idle_ = idle;
  ctx.metrics().set(idle_g_, idle, ctx.now());
  if (initial) {
    serve_all(ctx);
    return;
  }
  ++t_.rebalances;
  resume_at_ = ctx.now() + pause_;
  schedule(ctx, pause_, kResume);
}

}  // namespace archsim::queue
