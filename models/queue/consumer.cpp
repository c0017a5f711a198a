// Queue: log-mode consumers (models/queue/topic.h): delivery from a member's partitions below
// the high watermark, the processing's reply (retries, dead letters, re-delivery), commits,
// and the message pool's bookkeeping.
#include <algorithm>

#include "models/queue/topic.h"

namespace archsim::queue {

void Topic::serve(Context& ctx, std::uint32_t mi) {
  Member& m = members_[mi];
  if (m.inflight > 0 || ctx.now() < resume_at_ || m.parts.empty()) return;
  std::size_t n = m.parts.size();
  for (std::size_t k = 0; k < n; ++k) {
    std::uint32_t pi = m.parts[(m.rr + k) % n];
    if (try_deliver(ctx, mi, pi)) {
      m.rr = static_cast<std::uint32_t>((m.rr + k + 1) % n);
      return;
    }
  }
}

bool Topic::try_deliver(Context& ctx, std::uint32_t mi, std::uint32_t pi) {
  Partition& p = parts_[pi];
  if (p.busy || !p.available) return false;
  if (ctx.now() < p.blocked_until) {
    wake(ctx, p.blocked_until);
    return false;
  }
  while (p.position < p.end()) {
    Handle h = p.log.at(p.position - p.committed);
    Msg& msg = msgs_[h];
    if (msg.truncated || (msg.settled && delivery_ == Delivery::EffectivelyOnce)) {
      if (!msg.truncated) ++suppressed_;
      if (p.done == p.position) ++p.done;
      ++p.position;
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
    if (msg.settled) ++redelivered_processed_;
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

void Topic::on_reply(Context& ctx, CallId, Status status, std::uint64_t token) {
  Handle h = token;
  if (msgs_[h].write != Msg::Write::None) return write_reply(ctx, h, status);
  set_inflight(h, false);
  Msg& msg = msgs_[h];
  msg.waiting_since = ctx.now();  // if it is delivered again, it waits from now
  std::int32_t mi = member_of(msg.member);
  if (mi >= 0 && members_[mi].inflight > 0) --members_[mi].inflight;
  if (work_queue_) return work_reply(ctx, h, status);
  Partition& p = parts_[msg.partition];
  p.busy = false;
  std::uint64_t off = msg.offset;
  bool advance = false;
  if (status == Status::Ok) {
    if (!msg.settled) {
      settle_consumed(ctx, msg, p);
    } else {
      ++duplicates_;
    }
    advance = true;
  } else if (delivery_ == Delivery::AtMostOnce) {
    if (!msg.settled) settle(msg, lost_at_consumer_);
    advance = true;
  } else if (status == Status::Dropped) {  // the instance died holding it: deliver again
    rewind(p, off);
    ++redelivered_;
  } else if (++msg.attempts > max_retries_) {
    if (has_dlq_) dead_letter(ctx, msg.req);
    if (!msg.settled) settle(msg, dead_lettered_);
    advance = true;
  } else {
    ++retries_;
    rewind(p, off);
    p.blocked_until = ctx.now() + retry_backoff_;
  }
  if (advance && p.done == off && p.position > off) p.done = off + 1;
  if (delivery_ != Delivery::AtMostOnce && commit_interval_ == 0) commit(ctx, p, std::min(p.done, p.position));
  release(h);
  check_group(ctx);
  if (mi >= 0 && static_cast<std::size_t>(mi) < members_.size()) serve(ctx, static_cast<std::uint32_t>(mi));
  if (p.owner >= 0 && p.owner != mi) serve(ctx, static_cast<std::uint32_t>(p.owner));
}

void Topic::settle_consumed(Context& ctx, Msg& msg, Partition& p) {
  settle(msg, consumed_);
  ctx.metrics().add(consumed_c_);
  ctx.metrics().record(e2e_h_, ctx.now() - msg.published);
  if (msg.seq < p.last_seq) ++order_violations_;
  p.last_seq = std::max(p.last_seq, msg.seq);
}

// Commits the partition up to `upto`: the messages below leave the log.
void Topic::commit(Context& ctx, Partition& p, std::uint64_t upto) {
  while (p.committed < upto && !p.log.empty()) {
    Handle h = p.log.pop();
    ++p.committed;
    msgs_[h].in_log = false;
    release(h);
  }
  p.done = std::max(p.done, p.committed);
  admit_blocked(ctx);
}

// A dead letter goes to the dead-letter queue's first topic.
void Topic::dead_letter(Context& ctx, RequestInfo req) {
  req.topic = 0;
  ctx.send(dlq_, req);
}

void Topic::set_inflight(Handle h, bool on) {
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

// A message leaves the pool once it is neither in a log nor being processed.
void Topic::release(Handle h) {
  if (!msgs_.valid(h)) return;  // already released (a commit freed it first)
  Msg& m = msgs_[h];
  if (m.in_log || m.inflight) return;
  if (m.producer != kNoHandle) return;  // its ack timer still refers to it
  msgs_.free(h);
  --held_;
}

std::int32_t Topic::member_of(std::uint64_t serial) const {
  for (std::size_t i = 0; i < members_.size(); ++i)
    if (members_[i].serial == serial) return static_cast<std::int32_t>(i);
  return -1;
}

// One wake-up timer counts: the earliest asked for. A later one it replaced fires stale
// and does nothing; whoever still waits asks again when the earliest one serves them.
void Topic::wake(Context& ctx, Time at) {
  if (wake_pending_ && wake_at_ <= at) return;
  wake_pending_ = true;
  wake_at_ = at;
  schedule(ctx, std::max<Time>(0, at - ctx.now()), kWake, static_cast<std::uint64_t>(at));
}

void Topic::serve_all(Context& ctx) {
  if (!has_group_) return;
  if (work_queue_) return serve_work(ctx);
  for (std::uint32_t i = 0; i < members_.size(); ++i) serve(ctx, i);
}

}  // namespace archsim::queue
