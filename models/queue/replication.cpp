// Queue: what the brokers do to a topic's partitions (models/queue/topic.h): a leader's crash
// and the truncation of what it had not replicated, a crashed follower's ISR shrink, leader
// elections (clean from the ISR, or unclean), a returning broker's ISR expand.
#include <algorithm>

#include "models/queue/topic.h"

namespace archsim::queue {

// Broker `b` crashed: the partitions it led lose their leader until an election.
void Topic::leader_down(Context& ctx, std::uint32_t b) {
  for (std::uint32_t pi = 0; pi < partitions_; ++pi) {
    Partition& p = parts_[pi];
    if (p.leader != b || !p.available) continue;
    p.available = false;
    p.offline_since = ctx.now();
    p.last_leader = b;
    p.leader = kNoBroker;
    p.elected_at = ctx.now() + election_;
    truncate_unreplicated(ctx, p);
    schedule(ctx, election_, kElect, pi);
  }
}

// The new leader has only what was replicated: the tail above the high watermark is gone.
void Topic::truncate_unreplicated(Context& ctx, Partition& p) {
  std::uint64_t off = p.end();
  while (off > p.position && off > p.committed) {
    --off;
    Msg& m = msgs_[p.log.at(off - p.committed)];
    if (m.replicated <= ctx.now()) break;
    if (m.truncated) continue;
    m.truncated = true;
    if (outbox_ && acks_ == Acks::All) {  // the relay was not acknowledged: it sends it again
      Handle again = new_msg();
      Msg& copy = msgs_[again];
      Msg& old = msgs_[p.log.at(off - p.committed)];
      copy.req = old.req;
      copy.published = old.published;
      copy.counted = true;
      copy.in_log = true;
      old.counted = false;
      outbox_q_.push(again);
      ++held_;
      ++aborted_;
    } else if (m.counted) {
      settle(m, lost_);
    } else if (m.producer != kNoHandle) {  // acks=all: never acknowledged, the producer is told
      abort_unacked(ctx, m);
    }
  }
  p.last_replicated = ctx.now();
}

// A crashed follower leaves the ISR of the partitions it follows replica_lag_time_max after
// its crash (the leader's ISR shrink). Partitions without a leader keep theirs: nobody
// shrinks it, and their last in-sync replicas stay the ones eligible for a clean election.
void Topic::isr_shrink(Context& ctx, std::uint32_t b) {
  for (Partition& p : parts_) {
    if (!p.available || !(p.isr & (1u << b)) || p.leader == b) continue;
    p.isr &= ~(1u << b);
    ++isr_shrinks_;
  }
  if (has_group_) serve_all(ctx);  // the high watermark moves on
}

// Leader election from the partition's ISR (Kafka's controller, unclean election off): the
// first live in-sync replica leads and the old leader leaves the ISR. With none alive the
// partition stays offline until one returns, unless unclean_leader_election lets a live
// out-of-sync replica lead: what it lacks (appended after its crash) is gone, acks=all too.
void Topic::elect(Context& ctx, std::uint32_t pi) {
  Partition& p = parts_[pi];
  if (p.available) return;
  std::uint32_t chosen = kNoBroker;
  for (std::uint32_t j = 0; j < brokers_ && chosen == kNoBroker; ++j) {
    std::uint32_t b = (pi + topic_ + j) % brokers_;
    if (sh_.alive(b) && (p.isr & (1u << b))) chosen = b;
  }
  if (chosen != kNoBroker) {
    if (p.isr != (1u << p.last_leader)) p.isr &= ~(1u << p.last_leader);
    p.isr |= 1u << chosen;
  } else if (unclean_) {
    for (std::uint32_t j = 0; j < brokers_ && chosen == kNoBroker; ++j)
      if (sh_.alive((pi + topic_ + j) % brokers_)) chosen = (pi + topic_ + j) % brokers_;
    if (chosen == kNoBroker) return;
    ++unclean_elections_;
    truncate_after(ctx, p, sh_.crash_seq[chosen]);
    p.isr = 1u << chosen;
  } else {
    return;
  }
  p.leader = chosen;
  p.available = true;
  offline_s_ += to_seconds(ctx.now() - p.offline_since);
  ++elections_;
  if (has_group_ && p.owner >= 0 && !work_queue_) serve(ctx, static_cast<std::uint32_t>(p.owner));
}

// An acks=all message lost before it was acknowledged (its leader crashed, or an unclean
// leader cut it): its producer is answered Unavailable, and the event will not reach the log.
void Topic::abort_unacked(Context& ctx, Msg& m) {
  CallId call = m.producer;
  m.producer = kNoHandle;
  ctx.trace_span(call, TraceSpan::Replicate, m.published, ctx.now());
  ++aborted_;
  missing_event();
  ctx.reply(call, Status::Unavailable);
}

// An unclean leader has the partition's log only up to append order `seq`: the rest is cut,
// committed or not (the acknowledged ones are lost, acks=all's included).
void Topic::truncate_after(Context& ctx, Partition& p, std::uint64_t seq) {
  std::uint64_t off = p.end();
  while (off > p.position && off > p.committed) {  // what consumers already read stays read
    --off;
    Msg& m = msgs_[p.log.at(off - p.committed)];
    if (m.seq <= seq) break;
    if (m.truncated) continue;
    m.truncated = true;
    if (m.counted && !m.settled) {
      settle(m, lost_);
      ++lost_unclean_;
    } else if (m.producer != kNoHandle) {
      abort_unacked(ctx, m);
    }
  }
  p.last_replicated = ctx.now();
}

// Broker `b` returned: it catches up from the leaders (the time it takes is not modelled)
// and rejoins their ISR; partitions with no replica left come back with it (their log
// survived on disk).
void Topic::broker_up(Context& ctx, std::uint32_t b) {
  for (Partition& p : parts_) {
    if (!p.available || (p.isr & (1u << b))) continue;
    p.isr |= 1u << b;
    ++isr_expands_;
  }
  for (std::uint32_t pi = 0; pi < partitions_; ++pi)
    if (!parts_[pi].available && ctx.now() >= parts_[pi].elected_at) elect(ctx, pi);
}

}  // namespace archsim::queue
