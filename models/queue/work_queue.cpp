// Queue: a consumer group in work_queue mode (group.h): one FIFO, competing consumers with a
// prefetch each, re-delivery past the visibility timeout (RabbitMQ / SQS).
#include "models/queue/group.h"
#include "models/queue/topic.h"

namespace archsim::queue {

void Group::serve_work(Context& ctx) {
  std::size_t n = members_.size();
  if (n == 0) return;
  for (std::size_t tries = 0; tries < n && !ready_.empty(); ++tries) {
    Member& m = members_[work_rr_ % n];
    if (m.inflight >= prefetch_) {
      work_rr_ = (work_rr_ + 1) % n;
      continue;
    }
    Handle h = ready_.front();
    Msg& msg = msgs_[h];
    if (msg.settled && delivery_ == Delivery::EffectivelyOnce) {  // a late first delivery already did it
      ready_.pop();
      ++t_.suppressed;
      msg.in_log = false;
      release(h);
      tries = 0;
      continue;
    }
    if (msg.replicated > ctx.now()) {
      wake(ctx, msg.replicated);
      return;
    }
    ready_.pop();
    msg.in_log = false;
    set_inflight(h, true);
    msg.member = m.serial;
    ++m.inflight;
    RequestInfo req = msg.req;
    if (has_route_) req.route = route_;
    req.deadline = kTimeMax;
    if (msg.waiting_since < ctx.now()) ctx.trace_mark(msg.req, TraceSpan::Queue, msg.waiting_since, ctx.now());  // its time in the queue
    ctx.call(consumer_, req, h, visibility_);
    tries = 0;  // the same member may take more, up to its prefetch
  }
  note_work_lag(ctx);
}

void Group::work_reply(Context& ctx, Handle h, Status status) {
  Msg& msg = msgs_[h];
  if (status == Status::Ok) {
    if (!msg.settled) {
      settle_consumed(ctx, msg, nullptr);
    } else {
      ++t_.duplicates;
    }
  } else if (status == Status::Timeout) {  // the visibility timeout: visible again, the work goes on
    if (delivery_ == Delivery::EffectivelyOnce) ++t_.suppressed;
    else ++t_.duplicates;
    ++t_.redelivered;
    requeue(h);
  } else if (delivery_ == Delivery::AtMostOnce) {
    if (!msg.settled) settle(msg, t_.lost_at_consumer);
  } else if (status == Status::Dropped) {
    ++t_.redelivered;
    requeue(h);
  } else if (++msg.attempts > max_retries_) {
    if (has_dlq_) dead_letter(ctx, msg.req);
    if (!msg.settled) settle(msg, t_.dead_lettered);
  } else {
    ++t_.retries;
    requeue(h);
  }
  Topic& t = topic_of(msg);
  release(h);
  note_work_lag(ctx);
  t.admit_blocked(ctx);
  check_group(ctx);
  serve_work(ctx);
}

}  // namespace archsim::queue
