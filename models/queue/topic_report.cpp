// Queue: a topic's figures at the end of the run, with its own group's when that group reads
// it, and the ledger for the queue's totals (models/queue/topic.h).
#include <string>

#include "models/queue/topic.h"

namespace archsim::queue {

GroupLedger Topic::finish(Context& ctx, ComponentReport& r) {
  const bool own_reads = subs_[0].group == own_.get();  // else only other groups read it (group_report.cpp)
  Group& g = *own_;
  GroupLedger l;
  if (own_reads) l = g.ledger(ctx, produced_, lost_before_log_, outbox_retained());
  sample_isr(ctx);
  const Group::Tally& t = g.tally();
  Metrics& mt = ctx.metrics();
  r.add(prefix_ + "produced", static_cast<double>(produced_));
  if (own_reads) g.report_ledger(r, l, lost_before_log_);
  r.add(prefix_ + "dropped", static_cast<double>(dropped_));
  r.add(prefix_ + "refused", static_cast<double>(refused_));
  r.add(prefix_ + "aborted", static_cast<double>(aborted_));
  r.add(prefix_ + "blocked_producers", static_cast<double>(blocked_.size()));
  r.add(prefix_ + "expired", static_cast<double>(expired_));
  r.add(prefix_ + "produce_errors", static_cast<double>(produce_errors_));
  const std::uint64_t lost_here = lost_before_log_ + lost_truncated_;  // the messages themselves, once
  // Dual write: business writes whose event never reached the broker (refused, or lost
  // after the ack, or not acknowledged). With the outbox, events wait instead.
  if (!outbox_)
    r.add(prefix_ + "events_missing", static_cast<double>(refused_ + lost_here + aborted_ + not_enough_ + produce_errors_));
  // With the business write here both halves of the dual write are seen: a committed write
  // whose event was refused, given up or lost at the broker (write first; the outbox only
  // loses relayed events a leader's crash cut with acks 0/1), and an acknowledged event
  // whose write then failed (publish first).
  if (has_write_) {
    r.add(prefix_ + "business_writes", static_cast<double>(writes_));
    r.add(prefix_ + "business_writes_failed", static_cast<double>(writes_failed_));
    r.add(prefix_ + "writes_without_event", static_cast<double>(writes_without_event_ + lost_here));
    r.add(prefix_ + "events_without_write", static_cast<double>(events_without_write_));
  }
  if (outbox_) {
    r.add(prefix_ + "outbox_relayed", static_cast<double>(relayed_));
    r.add(prefix_ + "outbox_waiting", static_cast<double>(outbox_q_.size()));
  }
  if (own_reads) {
    g.report_lag(ctx, r);
    g.report_members(r);
  }
  if (prefix_.empty()) {
    r.add("broker_crashes", static_cast<double>(sh_.crashes));
    r.add("controlled_shutdowns", static_cast<double>(sh_.controlled_shutdowns));
  }
  r.add(prefix_ + "leader_elections", static_cast<double>(elections_));
  r.add(prefix_ + "leader_moves", static_cast<double>(leader_moves_));
  r.add(prefix_ + "not_enough_replicas", static_cast<double>(not_enough_));
  r.add(prefix_ + "not_enough_replicas_after_append", static_cast<double>(not_enough_after_));
  r.add(prefix_ + "isr_shrinks", static_cast<double>(isr_shrinks_));
  r.add(prefix_ + "isr_expands", static_cast<double>(isr_expands_));
  r.add(prefix_ + "isr_min", mt.value(isr_g_));
  r.add(prefix_ + "unclean_elections", static_cast<double>(unclean_elections_));
  r.add(prefix_ + "lost_unclean", static_cast<double>(lost_unclean_));
  double offline = offline_s_;
  std::uint32_t offline_now = 0;
  for (const PartitionState& p : parts_)
    if (!p.available) {
      offline += to_seconds(ctx.end_time() - p.offline_since);
      ++offline_now;
    }
  r.add(prefix_ + "partition_offline_s", offline);
  r.add(prefix_ + "offline_partitions", static_cast<double>(offline_now));
  if (own_reads) {
    r.add(prefix_ + "order_violations", static_cast<double>(t.order_violations));
    r.add(prefix_ + "key_order_violations", static_cast<double>(t.key_order_violations));
    g.report_throughput(ctx, r);
  }
  return l;
}

}  // namespace archsim::queue
