// Queue: producers (models/queue/topic.h): the bound, the business write of the dual-write
// anomaly, publish and append at the leader (to every group's log), the outbox relay, the
// partitioner, and a message's release once no group holds it.
#include <algorithm>

#include "models/server/pool/server_pool.h"
#include "models/queue/partitioner.h"
#include "models/queue/topic.h"

namespace archsim::queue {

void Topic::on_request(Context& ctx, CallId call) {
  for (const Sub& s : subs_) s.group->check(ctx);
  if (has_write_ && !publish_first_) return start_write(ctx, call, Msg::Write::Before);
  admit(ctx, call);
}

// The capacity check, then the publish (after the business write when it goes first). A
// full topic that blocks holds the producer, as Kafka's send() blocks while the producer's
// buffer is full, at most max_block (max.block.ms); then it fails (a TimeoutException).
void Topic::admit(Context& ctx, CallId call) {
  if (capacity_ > 0 && held_ >= capacity_) {
    if (!block_) {
      ++dropped_;
      missing_event();
      ctx.reply(call, Status::Rejected);
      return;
    }
    if (max_block_ == 0) return expire(ctx, call, ctx.now());
    blocked_.push(Blocked{call, ctx.now()});
    if (!block_timer_) {
      block_timer_ = true;
      ctx.schedule(max_block_, block_tag_, topic_);
    }
    return;
  }
  publish(ctx, call, ctx.now());
}

// A blocked producer's max_block is over: it is told (a one-way message is gone).
void Topic::expire(Context& ctx, CallId call, Time since) {
  ctx.trace_span(call, TraceSpan::Queue, since, ctx.now());
  ++expired_;
  missing_event();
  ctx.reply(call, Status::Timeout);
}

// The block timer: the producers blocked for max_block give up; it is set again for the
// next one to (producers wait in arrival order, each for max_block).
void Topic::block_timeout(Context& ctx) {
  block_timer_ = false;
  while (!blocked_.empty() && blocked_.front().since + max_block_ <= ctx.now()) {
    const auto [call, since] = blocked_.pop();
    expire(ctx, call, since);
  }
  if (blocked_.empty()) return;
  block_timer_ = true;
  ctx.schedule(blocked_.front().since + max_block_ - ctx.now(), block_tag_, topic_);
}

void Topic::start_write(Context& ctx, CallId call, Msg::Write phase) {
  Handle h = new_msg();
  Msg& m = msgs_[h];
  m.req = ctx.request(call);
  if (write_has_route_) m.req.route = write_route_;
  m.req.write = true;
  m.producer = call;
  m.write = phase;
  ctx.call(write_ref_, m.req, h, write_timeout_);
}

// Write first (or the outbox's transaction): a failed write is answered, nothing published.
// Publish first: the event is already acknowledged, so a failed write leaves it orphaned.
// A write that timed out counts as failed (the queue cannot see whether it committed later).
void Topic::write_reply(Context& ctx, Handle h, Status status) {
  const CallId call = msgs_[h].producer;
  const bool before = msgs_[h].write == Msg::Write::Before;
  msgs_.free(h);
  if (status == Status::Ok) {
    ++writes_;
    if (before) admit(ctx, call);
    else ctx.reply(call, Status::Ok);
    return;
  }
  ++writes_failed_;
  if (!before) ++events_without_write_;
  ctx.reply(call, status);
}

// The event the producer has just been promised is in the log (or the outbox): with publish
// first the business write comes now, and the producer is answered after it.
void Topic::acked(Context& ctx, CallId call) {
  if (has_write_ && publish_first_) start_write(ctx, call, Msg::Write::After);
  else ctx.reply(call, Status::Ok);
}

// `since`: when the producer sent it (before any wait for room: Kafka's record timestamp is
// taken in send(), before it blocks), the start of its end-to-end time.
void Topic::publish(Context& ctx, CallId call, Time since) {
  RequestInfo req = ctx.request(call);
  // A one-way publish whose producer waited for room (RequestInfo::send_only) is answered
  // once the message is in, whatever the acks: nobody waits for more.
  const bool one_way = ctx.one_way(call) || req.send_only;
  req.send_only = false;
  if (outbox_) {  // committed with the business write: the producer never sees the broker
    Handle h = new_msg();
    Msg& m = msgs_[h];
    m.req = req;
    m.published = since;
    m.in_log = true;
    outbox_q_.push(h);
    ++held_;
    count_produced(ctx, m);
    ctx.reply(call, Status::Ok);
    return;
  }
  std::uint32_t pi = pick_partition(req);
  if (pi == kNoBroker) {  // no partition has a leader
    if (acks_ == Acks::None || one_way) {
      lost_before_log(ctx);
      acked(ctx, call);
    } else {
      ++refused_;
      missing_event();
      ctx.reply(call, Status::Unavailable);
    }
    return;
  }
  if (storage_refuses()) {  // a full log directory (KafkaStorageException), or an injected error
    if (one_way) {  // nobody hears the error: the event is gone
      lost_before_log(ctx);
      acked(ctx, call);
    } else {
      ++produce_errors_;
      missing_event();
      ctx.reply(call, Status::Error);
    }
    return;
  }
  if (below_min_isr(parts_[pi])) {  // Kafka's broker refuses acks=all writes: NotEnoughReplicas
    ++not_enough_;
    if (one_way) {  // nobody hears the error: the event is gone
      lost_before_log(ctx);
      acked(ctx, call);
    } else {
      missing_event();
      ctx.reply(call, not_enough_status_);
    }
    return;
  }
  Handle h = new_msg();
  msgs_[h].req = req;
  msgs_[h].published = since;
  const Time at_leader = append(ctx, h, pi);
  ++held_;
  Msg& m = msgs_[h];
  // acks=0 is answered at once, acks=1 once the leader wrote it, acks=all once replicated.
  const Time ack_at = acks_ == Acks::All ? m.replicated : acks_ == Acks::Leader ? at_leader : ctx.now();
  if (one_way || ack_at <= ctx.now()) {
    count_produced(ctx, m);
    acked(ctx, call);
  } else {
    m.producer = call;
    schedule(ctx, ack_at - ctx.now(), kAck, h);
  }
  appended(ctx, pi);
}

// Appends message `h` to partition `pi` (or the work queue) at the leader: the message goes
// to the log of the first group that reads the topic, a copy of it to every other one's.
Time Topic::append(Context& ctx, Handle h, std::uint32_t pi) {
  PartitionState& p = parts_[pi];
  const Time write = broker_time(append_time_);
  Time lag = brokers_ > 1 ? broker_time(replication_) : 0;
  Msg& m = msgs_[h];
  if (sh_.pool) sh_.pool->served(p.leader);
  // The high watermark also waits for every in-sync follower, a crashed one included until
  // it is dropped from the ISR (replica_lag_time_max after its crash).
  m.replicated = std::max({after(ctx.now(), after(write, lag)), p.last_replicated, isr_wait(p)});
  p.last_replicated = m.replicated;
  m.seq = ++sh_.seq;
  m.partition = pi;
  m.offset = subs_[0].group->cursor(subs_[0].base + pi).end();
  m.in_log = true;
  m.waiting_since = m.published;  // the outbox's wait included
  m.group = subs_[0].group->index();
  subs_[0].group->push(ctx, h, subs_[0].base + pi);
  for (std::size_t k = 1; k < subs_.size(); ++k) {
    const Handle c = new_msg();  // may move the pool: no reference held across it
    Msg copy = msgs_[h];
    copy.origin = h;
    copy.copies = 0;
    copy.producer = kNoHandle;
    copy.group = subs_[k].group->index();
    msgs_[c] = copy;
    ++msgs_[h].copies;
    subs_[k].group->push(ctx, c, subs_[k].base + pi);
  }
  if (retains_) keep(h, pi);
  return after(ctx.now(), write);
}

// The outbox relay's poll: every waiting event goes to its partition, or waits for the
// next poll when the partition has no leader (nothing is lost while the broker is down).
void Topic::relay(Context& ctx) {
  for (std::size_t n = outbox_q_.size(); n > 0; --n) {
    Handle h = outbox_q_.pop();
    std::uint32_t pi = pick_partition(msgs_[h].req);
    if (pi == kNoBroker || below_min_isr(parts_[pi]) || sh_.disk_full) {
      outbox_q_.push(h);
      continue;
    }
    append(ctx, h, pi);
    ++relayed_;
    appended(ctx, pi);
  }
}

std::uint32_t Topic::pick_partition(const RequestInfo& req) {
  if (req.has_key) {
    std::uint32_t pi = partition_for_key(req.key, partitions_);
    return parts_[pi].available ? pi : kNoBroker;
  }
  if (sticky_) {
    if (sticky_left_ > 0 && parts_[sticky_part_].available) {
      --sticky_left_;
      return sticky_part_;
    }
    std::uint32_t avail = 0;
    for (const PartitionState& q : parts_) avail += q.available ? 1 : 0;
    if (avail == 0) return kNoBroker;
    bool exclude = avail > 1 && parts_[sticky_part_].available;
    std::uint64_t k = rng_.below(exclude ? avail - 1 : avail);
    for (std::uint32_t i = 0; i < partitions_; ++i) {
      if (!parts_[i].available || (exclude && i == sticky_part_)) continue;
      if (k-- == 0) {
        sticky_part_ = i;
        break;
      }
    }
    sticky_left_ = sticky_batch_ - 1;
    return sticky_part_;
  }
  for (std::uint32_t n = 0; n < partitions_; ++n) {
    std::uint32_t pi = rr_next_;
    rr_next_ = (rr_next_ + 1) % partitions_;
    if (parts_[pi].available) return pi;
  }
  return kNoBroker;
}

// When the crashed followers still in the ISR leave it: the high watermark waits for them.
Time Topic::isr_wait(const PartitionState& p) const {
  std::uint32_t waiting = p.isr & sh_.dead_mask;
  Time t = 0;
  for (std::uint32_t b = 0; waiting != 0; ++b, waiting >>= 1)
    if (waiting & 1u) t = std::max(t, sh_.shrink_at[b]);
  return t;
}

void Topic::admit_blocked(Context& ctx) {
  while (!blocked_.empty() && (capacity_ == 0 || held_ < capacity_)) {
    const auto [call, since] = blocked_.pop();
    // A producer that gave up waiting (its own timeout) sent nothing.
    if (!ctx.one_way(call) && ctx.abandoned(call)) {
      expire(ctx, call, since);
      continue;
    }
    ctx.trace_span(call, TraceSpan::Queue, since, ctx.now());
    publish(ctx, call, since);
  }
}

}  // namespace archsim::queue

namespace archsim::queue {

// A message leaves the pool once it is neither in a log nor being processed, and its ack timer
// no longer refers to it; the message itself waits for its copies (it counts in the bound
// until every group is done with it).
void Topic::release(Handle h) {
  if (!msgs_.valid(h)) return;  // already released (a commit freed it first)
  Msg& m = msgs_[h];
  if (m.in_log || m.inflight || m.producer != kNoHandle) return;
  if (m.origin != kNoHandle) {  // a copy
    const Handle o = m.origin;
    msgs_.free(h);
    Msg& om = msgs_[o];
    if (--om.copies == 0 && om.released) {
      msgs_.free(o);
      --held_;
    }
    return;
  }
  if (m.copies > 0) {
    m.released = true;
    return;
  }
  msgs_.free(h);
  --held_;
}

// The retained log holds its message as a copy does (Msg::copies): the message outlives
// every group's use of it until retention deletes it.
void Topic::keep(Handle h, std::uint32_t pi) {
  Msg& m = msgs_[h];
  kept_[pi].append(h, m.published, retention_.message_bytes, retention_.segment_bytes);
  ++m.copies;
}

void Topic::unkeep(Handle h) {
  Msg& m = msgs_[h];
  if (--m.copies == 0 && m.released) {
    msgs_.free(h);
    --held_;
  }
}

std::uint64_t Topic::outbox_retained() const {
  std::uint64_t n = 0;
  for (std::size_t i = 0; i < outbox_q_.size(); ++i) {
    const Msg& m = msgs_[outbox_q_.at(i)];
    if (m.counted && !m.settled) ++n;
  }
  return n;
}

}  // namespace archsim::queue
