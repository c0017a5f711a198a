// Queue: a consumer group's lag and its figures at the end of the run (group.h).
#include <string>

#include "models/queue/group.h"

namespace archsim::queue {

void Group::sample_lag(Context& ctx) {
  double total = 0, oldest = 0;
  if (work_queue_) {
    total = static_cast<double>(ready_.size());
    if (!ready_.empty()) oldest = to_seconds(ctx.now() - msgs_[ready_.front()].published);
  } else {
    for (std::size_t i = 0; i < cursors_.size(); ++i) {
      Cursor& p = cursors_[i];
      double lag = static_cast<double>(p.end() - p.position);
      ctx.metrics().set(part_lag_g_[i], lag, ctx.now());
      total += lag;
      if (p.position < p.end())
        oldest = std::max(oldest, to_seconds(ctx.now() - msgs_[p.log.at(p.position - p.committed)].published));
    }
  }
  ctx.metrics().set(lag_g_, total, ctx.now());
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
  l.lost = lost_before_log + t_.lost_truncated + t_.lost_at_consumer;
  l.retained = retained;
  l.duplicates = t_.duplicates;
  l.order_violations = t_.order_violations;
  l.lag = ctx.metrics().value(lag_g_);
  l.consumed_total = static_cast<double>(ctx.metrics().total(consumed_c_));
  return l;
}

void Group::report_lag(Context& ctx, ComponentReport& r) {
  Metrics& mt = ctx.metrics();
  r.add(prefix_ + "consumer_lag", mt.value(lag_g_));
  r.add(prefix_ + "consumer_lag_mean", mt.average(lag_g_, ctx.end_time()));
  r.add(prefix_ + "consumer_lag_s", mt.value(lag_s_g_));
  if (!work_queue_)
    for (std::size_t i = 0; i < cursors_.size(); ++i) {
      const Cursor& c = cursors_[i];
      r.add(prefix_ + "partition_lag." + (sub_base_.size() > 1 ? sh_.topic_names[c.topic] + "." : std::string()) + "p" +
                std::to_string(c.partition),
            mt.value(part_lag_g_[i]));
    }
}

void Group::report_members(ComponentReport& r) {
  r.add(prefix_ + "members", static_cast<double>(members_.size()));
  r.add(prefix_ + "idle_consumers", static_cast<double>(idle_));
  r.add(prefix_ + "rebalances", static_cast<double>(t_.rebalances));
  r.add(prefix_ + "member_crashes", static_cast<double>(t_.member_crashes));
}

void Group::report_throughput(Context& ctx, ComponentReport& r) {
  Metrics& mt = ctx.metrics();
  double measured = to_seconds(ctx.end_time() - ctx.warmup());
  r.add(prefix_ + "throughput_rps", static_cast<double>(mt.total(consumed_c_)) / measured);
  r.add_latency(prefix_ + "end_to_end_ms", mt.whole(e2e_h_));
}

// A queue's "groups": every figure of the group under groups.<name>., with its own ledger
// (produced = consumed + dead_lettered + lost + retained, over the topics it reads).
void Group::report(Context& ctx, ComponentReport& r, const GroupLedger& l, std::uint64_t lost_before_log) {
  const std::uint64_t lost_at_broker = lost_before_log + t_.lost_truncated;
  r.add(prefix_ + "produced", static_cast<double>(l.produced));
  r.add(prefix_ + "consumed", static_cast<double>(t_.consumed));
  r.add(prefix_ + "dead_lettered", static_cast<double>(t_.dead_lettered));
  r.add(prefix_ + "lost", static_cast<double>(l.lost));
  r.add(prefix_ + "lost_at_broker", static_cast<double>(lost_at_broker));
  r.add(prefix_ + "lost_at_consumer", static_cast<double>(t_.lost_at_consumer));
  r.add(prefix_ + "retained", static_cast<double>(l.retained));
  r.add(prefix_ + "duplicates", static_cast<double>(t_.duplicates));
  r.add(prefix_ + "duplicates_suppressed", static_cast<double>(t_.suppressed));
  r.add(prefix_ + "redelivered", static_cast<double>(t_.redelivered));
  r.add(prefix_ + "retries", static_cast<double>(t_.retries));
  report_lag(ctx, r);
  report_members(r);
  r.add(prefix_ + "order_violations", static_cast<double>(t_.order_violations));
  report_throughput(ctx, r);
}

}  // namespace archsim::queue
