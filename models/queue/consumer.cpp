// Queue: a consumer group in log mode (group.h): delivery from a member's partitions below
// the high watermark, the processing's reply (retries, dead letters, re-delivery), commits,
// and the message pool's bookkeeping.
#include <algorithm>

#include "models/queue/group.h"
#include "models/queue/topic.h"

namespace archsim::queue {

Topic& Group::topic_of(const Msg& m) const { return *sh_.topics[m.topic]; }

void Group::serve(Context& ctx, std::uint32_t mi) {
  Member& m = members_[mi];
  if (m.inflight > 0 || ctx.now() < resume_at_ || m.parts.empty()) return;
  std::size_t n = m.parts.size();
  for (std::size_t k = 0; k < n; ++k) {
    std::uint32_t ci = m.parts[(m.rr + k) % n];
    if (try_deliver(ctx, mi, ci)) {
      m.rr = static_cast<std::uint32_t>((m.rr + k + 1) % n);
      return;
    }
  }
}

bool Group::try_deliver(Context& ctx, std::uint32_t mi, std::uint32_t ci) {
  Cursor& p = cursors_[ci];
  if (p.busy || !p.state->available) return false;
  if (ctx.now() < p.blocked_until) {
    wake(ctx, p.blocked_until);
    return false;
  }
  while (p.position < p.end()) {
    Handle h = p.log.at(p.position - p.committed);
    Msg& msg = msgs_[h];
    if (msg.gone || (msg.settled && delivery_ == Delivery::EffectivelyOnce)) {
      if (!msg.gone) ++t_.suppressed;
      if (p.done == p.position) ++p.done;
      ++p.position;
      lag_moved(ctx, 0, +1);
      continue;
    }
    if (msg.replicated > ctx.now()) {  // above the high watermark: not readable yet
      wake(ctx, msg.replicated);
      return false;
    }
    Member& m = members_[mi];
    set_inflight(h, true);
    msg.member = m.serial;
    p.busy = true;
    ++m.inflight;
    ++p.position;
    lag_moved(ctx, 0, +1);
    if (msg.settled) ++t_.redelivered_processed;
    RequestInfo req = msg.req;
    if (has_route_) req.route = route_;
    req.deadline = kTimeMax;
    if (delivery_ == Delivery::AtMostOnce) commit(ctx, p, p.position);  // before processing
    if (msg.waiting_since < ctx.now()) ctx.trace_mark(msg.req, TraceSpan::Queue, msg.waiting_since, ctx.now());  // its time in the log
    ctx.call(consumer_, req, h);
    return true;
  }
  return false;
}

void Group::on_reply(Context& ctx, Handle h, Status status) {
  set_inflight(h, false);
  Msg& msg = msgs_[h];
  msg.waiting_since = ctx.now();  // if it is delivered again, it waits from now
  std::int32_t mi = member_of(msg.member);
  if (mi >= 0 && members_[mi].inflight > 0) --members_[mi].inflight;
  if (work_queue_) return work_reply(ctx, h, status);
  Cursor& p = cursors_[cursor_of(msg)];
  p.busy = false;
  std::uint64_t off = msg.offset;
  bool advance = false;
  if (status == Status::Ok) {
    if (!msg.settled) {
      settle_consumed(ctx, msg, &p);
    } else {
      ++t_.duplicates;
      if (counts_reprocessed_) ctx.metrics().add(reprocessed_c_);
    }
    advance = true;
  } else if (delivery_ == Delivery::AtMostOnce) {
    if (!msg.settled) settle(msg, t_.lost_at_consumer);
    advance = true;
  } else if (status == Status::Dropped) {  // the instance died holding it: deliver again
    rewind(ctx, p, off);
    ++t_.redelivered;
  } else if (++msg.attempts > max_retries_) {
    if (has_dlq_) dead_letter(ctx, msg.req);
    if (!msg.settled) settle(msg, t_.dead_lettered);
    advance = true;
  } else {
    ++t_.retries;
    rewind(ctx, p, off);
    p.blocked_until = ctx.now() + retry_backoff_;
  }
  if (advance && p.done == off && p.position > off) p.done = off + 1;
  if (delivery_ != Delivery::AtMostOnce && commit_interval_ == 0) commit(ctx, p, std::min(p.done, p.position));
  release(h);
  check_group(ctx);
  if (mi >= 0 && static_cast<std::size_t>(mi) < members_.size()) serve(ctx, static_cast<std::uint32_t>(mi));
  if (p.owner >= 0 && p.owner != mi) serve(ctx, static_cast<std::uint32_t>(p.owner));
}

// A first successful processing: consumed, its end-to-end time, and whether it came in order
// (within its partition, `c`; a work queue has none) and within its key.
void Group::settle_consumed(Context& ctx, Msg& msg, Cursor* c) {
  settle(msg, t_.consumed);
  ctx.metrics().add(consumed_c_);
  ctx.metrics().record(e2e_h_, ctx.now() - msg.published);
  if (c) {
    if (msg.seq < c->last_seq) ++t_.order_violations;
    c->last_seq = std::max(c->last_seq, msg.seq);
  }
  if (msg.req.has_key && !key_order_.processed(msg.req.key, msg.seq)) ++t_.key_order_violations;
}

// Commits the partition up to `upto`: the messages below leave the group's log.
void Group::commit(Context& ctx, Cursor& p, std::uint64_t upto) {
  const std::uint64_t was = p.committed;
  while (p.committed < upto && !p.log.empty()) {
    Handle h = p.log.pop();
    ++p.committed;
    msgs_[h].in_log = false;
    release(h);
  }
  if (p.committed != was) {
    const auto n = static_cast<std::int64_t>(p.committed - was);
    lag_moved(ctx, -n, -n);
  }
  p.done = std::max(p.done, p.committed);
  sh_.topics[p.topic]->admit_blocked(ctx);
}

// A dead letter goes to the dead-letter queue's first topic.
void Group::dead_letter(Context& ctx, RequestInfo req) {
  req.topic = 0;
  ctx.send(dlq_, req);
}

void Group::set_inflight(Handle h, bool on) {
  Msg& m = msgs_[h];
  if (on == m.inflight) return;
  m.inflight = on;
  if (on) {
    m.inflight_at = static_cast<std::uint32_t>(inflight_.size());
    inflight_.push_back(h);
  } else {
    Handle last = inflight_.back();
    inflight_[m.inflight_at] = last;
    msgs_[last].inflight_at = m.inflight_at;
    inflight_.pop_back();
  }
}

void Group::release(Handle h) {
  if (msgs_.valid(h)) topic_of(msgs_[h]).release(h);  // else already released (a commit freed it first)
}

std::int32_t Group::member_of(std::uint64_t serial) const {
  for (std::size_t i = 0; i < members_.size(); ++i)
    if (members_[i].serial == serial) return static_cast<std::int32_t>(i);
  return -1;
}

// One wake-up timer counts: the earliest asked for. A later one it replaced fires stale
// and does nothing; whoever still waits asks again when the earliest one serves them.
void Group::wake(Context& ctx, Time at) {
  if (wake_pending_ && wake_at_ <= at) return;
  wake_pending_ = true;
  wake_at_ = at;
  schedule(ctx, std::max<Time>(0, at - ctx.now()), kWake, static_cast<std::uint64_t>(at));
}

void Group::serve_all(Context& ctx) {
  if (!has_consumers_) return;
  if (work_queue_) return serve_work(ctx);
  for (std::uint32_t i = 0; i < members_.size(); ++i) serve(ctx, i);
}

}  // namespace archsim::queue
