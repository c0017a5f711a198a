// Queue: what the brokers do to a topic's partitions (models/queue/topic.h): a leader's crash
// and the truncation of what it had not replicated, a crashed follower's ISR shrink, leader
// elections (clean from the ISR, or unclean), a returning broker's ISR expand.
#include <algorithm>

#include "models/queue/topic.h"

namespace archsim::queue {

// Broker `b` crashed: the partitions it led lose their leader until an election.
void Topic::leader_down(Context& ctx, std::uint32_t b) {
  for (std::uint32_t pi = 0; pi < partitions_; ++pi) {
    PartitionState& p = parts_[pi];
    if (p.leader != b || !p.available) continue;
    p.available = false;
    p.offline_since = ctx.now();
    p.last_leader = b;
    p.leader = kNoBroker;
    p.elected_at = ctx.now() + election_;
    truncate_unreplicated(ctx, pi);
    schedule(ctx, election_, kElect, pi);
  }
}

// The new leader has only what was replicated: the tail above the high watermark is gone, from
// every group's log (the group holding the message first: the producer's side is its).
void Topic::truncate_unreplicated(Context& ctx, std::uint32_t pi) {
  for (const Sub& s : subs_) {
    Cursor& p = s.group->cursor(s.base + pi);
    std::uint64_t off = p.end();
    while (off > p.position && off > p.committed) {
      --off;
      const Handle h = p.log.at(off - p.committed);
      Msg& m = msgs_[h];
      if (m.replicated <= ctx.now()) break;
      if (m.gone) continue;
      m.gone = Msg::kCut;
      if (m.origin != kNoHandle) {  // a copy: lost to its group if the message counted
        if (counted(msgs_, m)) s.group->lost_truncated(m);
      } else if (outbox_ && acks_ == Acks::All) {  // the relay was not acknowledged: it sends it again
        const RequestInfo req = m.req;
        const Time published = m.published;
        m.counted = false;
        Handle again = new_msg();  // may move the pool: `m` is not used after it
        Msg& copy = msgs_[again];
        copy.req = req;
        copy.published = published;
        copy.counted = true;
        copy.in_log = true;
        outbox_q_.push(again);
        ++held_;
        ++aborted_;
      } else if (m.counted) {
        ++lost_truncated_;
        s.group->lost_truncated(m);
      } else if (m.producer != kNoHandle) {  // acks=all: never acknowledged, the producer is told
        abort_unacked(ctx, m);
      }
    }
  }
  parts_[pi].last_replicated = ctx.now();
}

// Kafka's controlled shutdown (KafkaController.doControlledShutdown with the controlled-shutdown
// leader election: the first live ISR replica other than the stopping broker leads, and the
// stopping broker leaves the ISR): no election timeout, since the controller acts on the
// broker's own request instead of noticing its session expire, and no wait for
// replica_lag_time_max, since the broker leaves the ISRs it follows at once. The new leader has
// only what it had fetched: a tail appended to the old leader and not yet replicated is cut,
// as after a crash (acks=1 loses it, acks=all tells its producers).
void Topic::controlled_shutdown(Context& ctx, std::uint32_t b) {
  const std::uint32_t bit = 1u << b;
  for (std::uint32_t pi = 0; pi < partitions_; ++pi) {
    PartitionState& p = parts_[pi];
    if (!p.available || !(p.isr & bit)) continue;
    if (p.leader != b) {
      p.isr &= ~bit;
      ++isr_shrinks_;
      continue;
    }
    std::uint32_t chosen = kNoBroker;
    for (std::uint32_t j = 0; j < brokers_ && chosen == kNoBroker; ++j) {
      const std::uint32_t c = (pi + topic_ + j) % brokers_;
      if (c != b && sh_.alive(c) && (p.isr & (1u << c))) chosen = c;
    }
    if (chosen == kNoBroker) continue;  // nobody to hand it to: the controller gives up on it
    truncate_unreplicated(ctx, pi);
    p.leader = chosen;
    p.isr &= ~bit;
    ++isr_shrinks_;
    ++leader_moves_;
  }
  serve_subscribers(ctx);  // the high watermark no longer waits for it
}

// A crashed follower leaves the ISR of the partitions it follows replica_lag_time_max after
// its crash (the leader's ISR shrink). Partitions without a leader keep theirs: nobody
// shrinks it, and their last in-sync replicas stay the ones eligible for a clean election.
void Topic::isr_shrink(Context& ctx, std::uint32_t b) {
  for (PartitionState& p : parts_) {
    if (!p.available || !(p.isr & (1u << b)) || p.leader == b) continue;
    p.isr &= ~(1u << b);
    ++isr_shrinks_;
  }
  serve_subscribers(ctx);  // the high watermark moves on
}

// Leader election from the partition's ISR (Kafka's controller, unclean election off): the
// first live in-sync replica leads and the old leader leaves the ISR. With none alive the
// partition stays offline until one returns, unless unclean_leader_election lets a live
// out-of-sync replica lead: what it lacks (appended after its crash) is gone, acks=all too.
void Topic::elect(Context& ctx, std::uint32_t pi) {
  PartitionState& p = parts_[pi];
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
    truncate_after(ctx, pi, sh_.crash_seq[chosen]);
    p.isr = 1u << chosen;
  } else {
    return;
  }
  p.leader = chosen;
  p.available = true;
  offline_s_ += to_seconds(ctx.now() - p.offline_since);
  ++elections_;
  for (const Sub& s : subs_) s.group->partition_back(ctx, s.base + pi);
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
// committed or not (the acknowledged ones are lost, acks=all's included), from every group's
// log but what that group's consumers already read.
void Topic::truncate_after(Context& ctx, std::uint32_t pi, std::uint64_t seq) {
  for (const Sub& s : subs_) {
    Cursor& p = s.group->cursor(s.base + pi);
    std::uint64_t off = p.end();
    while (off > p.position && off > p.committed) {  // what consumers already read stays read
      --off;
      Msg& m = msgs_[p.log.at(off - p.committed)];
      if (m.seq <= seq) break;
      if (m.gone) continue;
      m.gone = Msg::kCut;
      if (counted(msgs_, m) && !m.settled) {
        s.group->lost_truncated(m);
        if (m.origin == kNoHandle) {
          ++lost_truncated_;
          ++lost_unclean_;
        }
      } else if (m.producer != kNoHandle) {
        abort_unacked(ctx, m);
      }
    }
  }
  parts_[pi].last_replicated = ctx.now();
}

// Broker `b` returned: it catches up from the leaders (the time it takes is not modelled)
// and rejoins their ISR; partitions with no replica left come back with it (their log
// survived on disk).
void Topic::broker_up(Context& ctx, std::uint32_t b) {
  for (PartitionState& p : parts_) {
    if (!p.available || (p.isr & (1u << b))) continue;
    p.isr |= 1u << b;
    ++isr_expands_;
  }
  for (std::uint32_t pi = 0; pi < partitions_; ++pi)
    if (!parts_[pi].available && ctx.now() >= parts_[pi].elected_at) elect(ctx, pi);
}

}  // namespace archsim::queue
