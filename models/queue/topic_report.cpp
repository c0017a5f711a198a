// Queue: a topic's figures, with its own group's when that group reads it, declared once at
// build time into the queue's and read at the end of the run; and what they read that is
// settled only then (its own group's ledger, the smallest ISR) (models/queue/topic.h).
#include <string>

#include "models/queue/topic.h"

namespace archsim::queue {

void Topic::settle(Context& ctx) {
  if (own_reads()) ledger_ = own_->ledger(ctx, produced_, lost_before_log_, outbox_retained());
  sample_isr(ctx);
}

void Topic::declare_figures(Figures& f) {
  const bool own_reads = this->own_reads();  // else only other groups read it (group_report.cpp)
  Group& g = *own_;
  const Group::Tally& t = g.tally();
  const std::string& p = prefix_;
  f.held(p + "produced", produced_);
  if (own_reads) g.declare_ledger(f, ledger_, lost_before_log_);
  f.held(p + "dropped", dropped_);
  f.held(p + "refused", refused_);
  f.held(p + "aborted", aborted_);
  f.value(p + "blocked_producers", [this] { return static_cast<double>(blocked_.size()); });
  f.held(p + "expired", expired_);
  f.held(p + "produce_errors", produce_errors_);
  // The messages lost here themselves, once: before any log had them, or cut from a log.
  auto lost_here = [this] { return lost_before_log_ + lost_truncated_; };
  // Dual write: business writes whose event never reached the broker (refused, or lost
  // after the ack, or not acknowledged). With the outbox, events wait instead.
  if (!outbox_)
    f.value(p + "events_missing", [this, lost_here] {
      return static_cast<double>(refused_ + lost_here() + aborted_ + not_enough_ + produce_errors_);
    });
  // With the business write here both halves of the dual write are seen: a committed write
  // whose event was refused, given up or lost at the broker (write first; the outbox only
  // loses relayed events a leader's crash cut with acks 0/1), and an acknowledged event
  // whose write then failed (publish first).
  if (has_write_) {
    f.held(p + "business_writes", writes_);
    f.held(p + "business_writes_failed", writes_failed_);
    f.value(p + "writes_without_event", [this, lost_here] { return static_cast<double>(writes_without_event_ + lost_here()); });
    f.held(p + "events_without_write", events_without_write_);
  }
  if (outbox_) {
    f.held(p + "outbox_relayed", relayed_);
    f.value(p + "outbox_waiting", [this] { return static_cast<double>(outbox_q_.size()); });
  }
  if (retains_) {  // what the retained logs hold at the end, over the partitions
    f.held(p + "retention_deleted", deleted_);
    f.value(p + "log_messages", [this] { return sum_kept([](const RetainedLog& l) { return l.end() - l.start(); }); });
    f.value(p + "log_segments", [this] { return sum_kept([](const RetainedLog& l) { return l.segments(); }); });
    f.value(p + "log_bytes", [this] { return sum_kept([](const RetainedLog& l) { return l.bytes(); }); });
  }
  if (own_reads) {
    g.declare_lag(f);
    g.declare_members(f);
  }
  if (p.empty()) {
    f.held("broker_crashes", sh_.crashes);
    f.held("controlled_shutdowns", sh_.controlled_shutdowns);
  }
  f.held(p + "leader_elections", elections_);
  f.held(p + "leader_moves", leader_moves_);
  f.held(p + "not_enough_replicas", not_enough_);
  f.held(p + "not_enough_replicas_after_append", not_enough_after_);
  f.held(p + "isr_shrinks", isr_shrinks_);
  f.held(p + "isr_expands", isr_expands_);
  f.last(p + "isr_min", isr_g_);
  f.held(p + "unclean_elections", unclean_elections_);
  f.held(p + "lost_unclean", lost_unclean_);
  // Seconds without a leader, the partitions still offline counted to the end.
  f.derived(p + "partition_offline_s", [this](Context& ctx) {
    double offline = offline_s_;
    for (const PartitionState& q : parts_)
      if (!q.available) offline += to_seconds(ctx.end_time() - q.offline_since);
    return offline;
  });
  f.value(p + "offline_partitions", [this] {
    std::uint32_t offline_now = 0;
    for (const PartitionState& q : parts_) offline_now += q.available ? 0 : 1;
    return static_cast<double>(offline_now);
  });
  if (own_reads) {
    f.held(p + "order_violations", t.order_violations);
    f.held(p + "key_order_violations", t.key_order_violations);
    g.declare_throughput(f);
  }
}

}  // namespace archsim::queue
