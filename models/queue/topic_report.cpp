// Queue: a topic's figures at the end of the run and its ledger (models/queue/topic.h).
#include <string>

#include "models/queue/topic.h"

namespace archsim::queue {

TopicLedger Topic::finish(Context& ctx, ComponentReport& r) {
  sample_lag(ctx);
  std::uint64_t retained = 0;
  auto count = [&](Handle h) {
    const Msg& m = msgs_[h];
    if (m.counted && !m.settled) ++retained;
  };
  std::uint64_t inflight_unsettled = 0;  // counted apart: they are in no log
  for (std::size_t i = 0; i < outbox_q_.size(); ++i) count(outbox_q_.at(i));
  if (work_queue_) {
    for (std::size_t i = 0; i < ready_.size(); ++i) count(ready_.at(i));
  } else {
    for (Partition& p : parts_)
      for (std::size_t i = 0; i < p.log.size(); ++i) count(p.log.at(i));
  }
  // Deliveries in flight that already left the log (at-most-once, work queue).
  for (Handle h : inflight_) {
    const Msg& m = msgs_[h];
    if (!m.in_log && m.counted && !m.settled) ++inflight_unsettled;
  }
  retained += inflight_unsettled;
  Metrics& mt = ctx.metrics();
  r.add(prefix_ + "produced", static_cast<double>(produced_));
  r.add(prefix_ + "consumed", static_cast<double>(consumed_));
  r.add(prefix_ + "dead_lettered", static_cast<double>(dead_lettered_));
  r.add(prefix_ + "lost", static_cast<double>(lost_ + lost_at_consumer_));
  r.add(prefix_ + "lost_at_broker", static_cast<double>(lost_));
  r.add(prefix_ + "lost_at_consumer", static_cast<double>(lost_at_consumer_));
  r.add(prefix_ + "retained", static_cast<double>(retained));
  r.add(prefix_ + "duplicates", static_cast<double>(duplicates_));
  r.add(prefix_ + "duplicates_suppressed", static_cast<double>(suppressed_));
  r.add(prefix_ + "redelivered", static_cast<double>(redelivered_));
  r.add(prefix_ + "retries", static_cast<double>(retries_));
  r.add(prefix_ + "dropped", static_cast<double>(dropped_));
  r.add(prefix_ + "refused", static_cast<double>(refused_));
  r.add(prefix_ + "aborted", static_cast<double>(aborted_));
  r.add(prefix_ + "blocked_producers", static_cast<double>(blocked_.size()));
  r.add(prefix_ + "expired", static_cast<double>(expired_));
  // Dual write: business writes whose event never reached the broker (refused, or lost
  // after the ack, or not acknowledged). With the outbox, events wait instead.
  if (!outbox_) r.add(prefix_ + "events_missing", static_cast<double>(refused_ + lost_ + aborted_ + not_enough_));
  // With the business write here both halves of the dual write are seen: a committed write
  // whose event was refused, given up or lost at the broker (write first; the outbox only
  // loses relayed events a leader's crash cut with acks 0/1), and an acknowledged event
  // whose write then failed (publish first).
  if (has_write_) {
    r.add(prefix_ + "business_writes", static_cast<double>(writes_));
    r.add(prefix_ + "business_writes_failed", static_cast<double>(writes_failed_));
    r.add(prefix_ + "writes_without_event", static_cast<double>(writes_without_event_ + lost_));
    r.add(prefix_ + "events_without_write", static_cast<double>(events_without_write_));
  }
  if (outbox_) {
    r.add(prefix_ + "outbox_relayed", static_cast<double>(relayed_));
    r.add(prefix_ + "outbox_waiting", static_cast<double>(outbox_q_.size()));
  }
  r.add(prefix_ + "consumer_lag", mt.value(lag_g_));
  r.add(prefix_ + "consumer_lag_mean", mt.average(lag_g_, ctx.end_time()));
  r.add(prefix_ + "consumer_lag_s", mt.value(lag_s_g_));
  if (!work_queue_)
    for (std::uint32_t i = 0; i < partitions_; ++i)
      r.add(prefix_ + "partition_lag.p" + std::to_string(i), mt.value(part_lag_g_[i]));
  r.add(prefix_ + "members", static_cast<double>(members_.size()));
  r.add(prefix_ + "idle_consumers", static_cast<double>(idle_));
  r.add(prefix_ + "rebalances", static_cast<double>(rebalances_));
  r.add(prefix_ + "member_crashes", static_cast<double>(member_crashes_));
  if (prefix_.empty()) r.add("broker_crashes", static_cast<double>(sh_.crashes));
  r.add(prefix_ + "leader_elections", static_cast<double>(elections_));
  r.add(prefix_ + "not_enough_replicas", static_cast<double>(not_enough_));
  r.add(prefix_ + "not_enough_replicas_after_append", static_cast<double>(not_enough_after_));
  r.add(prefix_ + "isr_shrinks", static_cast<double>(isr_shrinks_));
  r.add(prefix_ + "isr_expands", static_cast<double>(isr_expands_));
  r.add(prefix_ + "isr_min", mt.value(isr_g_));
  r.add(prefix_ + "unclean_elections", static_cast<double>(unclean_elections_));
  r.add(prefix_ + "lost_unclean", static_cast<double>(lost_unclean_));
  double offline = offline_s_;
  std::uint32_t offline_now = 0;
  for (const Partition& p : parts_)
    if (!p.available) {
      offline += to_seconds(ctx.end_time() - p.offline_since);
      ++offline_now;
    }
  r.add(prefix_ + "partition_offline_s", offline);
  r.add(prefix_ + "offline_partitions", static_cast<double>(offline_now));
  r.add(prefix_ + "order_violations", static_cast<double>(order_violations_));
  double measured = to_seconds(ctx.end_time() - ctx.warmup());
  r.add(prefix_ + "throughput_rps", static_cast<double>(mt.total(consumed_c_)) / measured);
  r.add_latency(prefix_ + "end_to_end_ms", mt.whole(e2e_h_));
  TopicLedger l;
  l.produced = produced_;
  l.consumed = consumed_;
  l.dead_lettered = dead_lettered_;
  l.lost = lost_ + lost_at_consumer_;
  l.retained = retained;
  l.duplicates = duplicates_;
  l.order_violations = order_violations_;
  l.lag = mt.value(lag_g_);
  l.consumed_total = static_cast<double>(mt.total(consumed_c_));
  return l;
}

}  // namespace archsim::queue
