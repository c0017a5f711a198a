// Queue: the consumer group (models/queue/topic.h): its members are the consuming service's
// ready instances; a change of them rebalances the partitions (Kafka's eager protocol).
#include <algorithm>

#include "models/queue/topic.h"

namespace archsim::queue {

void Topic::check_group(Context& ctx) {
  std::uint32_t ready = scalable_->ready_replicas();
  if (ready == known_ready_) return;
  known_ready_ = ready;
  rebalance(ctx);
}

void Topic::rebalance(Context& ctx) {
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
      ++member_crashes_;
      for (std::uint32_t pi : m.parts) rewind(parts_[pi], parts_[pi].committed);
    }
  }
  for (Partition& p : parts_) {
    if (delivery_ != Delivery::AtMostOnce) commit(ctx, p, std::min(p.done, p.position));
    p.owner = -1;
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
  assign(assignor_, {partitions_}, static_cast<std::uint32_t>(members_.size()), assignment_);
  std::uint32_t idle = 0;
  for (std::size_t i = 0; i < members_.size(); ++i) {
    members_[i].parts.clear();
    for (const TopicPartition& tp : assignment_[i]) {
      members_[i].parts.push_back(tp.partition);
      parts_[tp.partition].owner = static_cast<std::int32_t>(i);
    }
    if (members_[i].parts.empty()) ++idle;
  }
  idle_ = idle;
  ctx.metrics().set(idle_g_, idle, ctx.now());
  if (initial) {
    serve_all(ctx);
    return;
  }
  ++rebalances_;
  resume_at_ = ctx.now() + pause_;
  schedule(ctx, pause_, kResume);
}

}  // namespace archsim::queue
