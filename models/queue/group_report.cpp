// Queue: a consumer group's lag, and its figures declared once at build time and read at the
// end of the run (group.h).
#include <algorithm>
#include <string>

#include "models/queue/group.h"

namespace archsim::queue {

// Kafka's consumer lag, as kafka-consumer-groups, Burrow and KEDA's Kafka scaler read it: per
// partition the log end offset minus the group's committed offset, summed. Messages fetched
// and processed but not yet committed (auto-commit every commit_interval) are in it; they are
// also counted apart (consumer_uncommitted). Both gauges change with every append, delivery,
// rewind and commit, so a reader (an autoscaler's sync, a window's average) sees them as they
// are at that instant.
void Group::lag_moved(Context& ctx, std::int64_t log, std::int64_t uncommitted) {
  lag_n_ = static_cast<std::uint64_t>(static_cast<std::int64_t>(lag_n_) + log);
  uncommitted_n_ = static_cast<std::uint64_t>(static_cast<std::int64_t>(uncommitted_n_) + uncommitted);
  if (log) ctx.metrics().set(lag_g_, static_cast<double>(lag_n_), ctx.now());
  if (uncommitted) ctx.metrics().set(uncommitted_g_, static_cast<double>(uncommitted_n_), ctx.now());
}

// A work queue's lag is every message not yet acknowledged, visible or in flight (SQS's
// visible + not visible, as KEDA's SQS scaler counts them; RabbitMQ's ready + unacked).
void Group::note_work_lag(Context& ctx) {
  ctx.metrics().set(lag_g_, static_cast<double>(ready_.size() + inflight_.size()), ctx.now());
  ctx.metrics().set(uncommitted_g_, static_cast<double>(inflight_.size()), ctx.now());
}

// Every second: each partition's lag and the age of the oldest message not committed (in a
// work queue, the oldest visible one).
void Group::sample_lag(Context& ctx) {
  double oldest = 0;
  if (work_queue_) {
    if (!ready_.empty()) oldest = to_seconds(ctx.now() - msgs_[ready_.front()].published);
  } else {
    for (std::size_t i = 0; i < cursors_.size(); ++i) {
      Cursor& p = cursors_[i];
      ctx.metrics().set(part_lag_g_[i], static_cast<double>(p.log.size()), ctx.now());
      if (!p.log.empty()) oldest = std::max(oldest, to_seconds(ctx.now() - msgs_[p.log.front()].published));
    }
  }
  ctx.metrics().set(lag_s_g_, oldest, ctx.now());
}

GroupLedger Group::ledger(Context& ctx, std::uint64_t produced, std::uint64_t lost_before_log, std::uint64_t outbox_retained) {
  sample_lag(ctx);
  std::uint64_t retained = outbox_retained;
  auto count = [&](Handle h) {
    const Msg& m = msgs_[h];
    if (counted(msgs_, m) && !m.settled) ++retained;
  };
  if (work_queue_) {
    for (std::size_t i = 0; i < ready_.size(); ++i) count(ready_.at(i));
  } else {
    for (const Cursor& p : cursors_)
      for (std::size_t i = 0; i < p.log.size(); ++i) count(p.log.at(i));
  }
  // Deliveries in flight that already left the log (at-most-once, work queue): in no log.
  for (Handle h : inflight_) {
    const Msg& m = msgs_[h];
    if (!m.in_log && counted(msgs_, m) && !m.settled) ++retained;
  }
  GroupLedger l;
  l.produced = produced;
  l.consumed = t_.consumed;
  l.dead_lettered = t_.dead_lettered;
  l.lost = lost_before_log + t_.lost_truncated + t_.lost_at_consumer + t_.lost_retention + t_.skipped_by_reset;
  l.retained = retained;
  l.duplicates = t_.duplicates;
  l.order_violations = t_.order_violations;
  l.key_order_violations = t_.key_order_violations;
  l.lag = ctx.metrics().value(lag_g_);
  l.consumed_total = static_cast<double>(ctx.metrics().total(consumed_c_));
  return l;
}

void Group::declare_lag(Figures& f) {
  const std::string& p = prefix_;
  f.last(p + "consumer_lag", lag_g_);
  f.mean(p + "consumer_lag_mean", lag_g_);
  f.last(p + "consumer_uncommitted", uncommitted_g_);
  f.mean(p + "consumer_uncommitted_mean", uncommitted_g_);
  f.last(p + "consumer_lag_s", lag_s_g_);
  if (!work_queue_)
    for (std::size_t i = 0; i < cursors_.size(); ++i) {
      const Cursor& c = cursors_[i];
      f.last(p + "partition_lag." + (sub_base_.size() > 1 ? sh_.topic_names[c.topic] + "." : std::string()) + "p" +
                 std::to_string(c.partition),
             part_lag_g_[i]);
    }
}

void Group::declare_members(Figures& f) {
  f.value(prefix_ + "members", [this] { return static_cast<double>(members_.size()); });
  f.held(prefix_ + "idle_consumers", idle_);
  f.held(prefix_ + "rebalances", t_.rebalances);
  f.held(prefix_ + "member_crashes", t_.member_crashes);
  declare_resets(f);
}

void Group::declare_throughput(Figures& f) {
  f.rate(prefix_ + "throughput_rps", consumed_c_);
  f.summary(prefix_ + "end_to_end_ms", e2e_h_);
}

// A queue's "groups": every figure of the group under groups.<name>., with its own ledger
// (produced = consumed + dead_lettered + lost + retained, over the topics it reads).
void Group::declare_figures(Figures& f) {
  f.held(prefix_ + "produced", settled_.produced);
  declare_ledger(f, settled_, settled_lost_before_log_);
  declare_lag(f);
  declare_members(f);
  f.held(prefix_ + "order_violations", t_.order_violations);
  f.held(prefix_ + "key_order_violations", t_.key_order_violations);
  declare_throughput(f);
}

// Where every message it got went (its ledger but `produced`), and what it cost to get there.
void Group::declare_ledger(Figures& f, const GroupLedger& l, const std::uint64_t& lost_before_log) {
  const std::string& p = prefix_;
  f.held(p + "consumed", t_.consumed);
  f.held(p + "dead_lettered", t_.dead_lettered);
  f.held(p + "lost", l.lost);
  f.value(p + "lost_at_broker", [this, &lost_before_log] { return static_cast<double>(lost_before_log + t_.lost_truncated); });
  f.held(p + "lost_at_consumer", t_.lost_at_consumer);
  f.held(p + "lost_to_retention", t_.lost_retention, Figures::Show::IfAny);
  f.held(p + "skipped_by_reset", t_.skipped_by_reset, Figures::Show::IfAny);
  f.held(p + "retained", l.retained);
  f.held(p + "duplicates", t_.duplicates);
  f.held(p + "duplicates_suppressed", t_.suppressed);
  f.held(p + "redelivered", t_.redelivered);
  f.held(p + "retries", t_.retries);
}

// The partitions each member reads at the end, member by member (in join order), as
// "<topic>-<partition>" (a one-topic queue: "p<partition>"), members apart by " | ".
std::string Group::assignment() const {
  std::string out;
  for (std::size_t i = 0; i < members_.size(); ++i) {
    if (i) out += " | ";
    for (std::size_t k = 0; k < members_[i].parts.size(); ++k) {
      const Cursor& c = cursors_[members_[i].parts[k]];
      if (k) out += " ";
      out += (sh_.topic_names[c.topic].empty() ? std::string("p") : sh_.topic_names[c.topic] + "-") + std::to_string(c.partition);
    }
  }
  return out;
}

}  // namespace archsim::queue
