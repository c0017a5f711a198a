// Write policies past the store: write-through answers its caller when the backend acks;
// write-behind answers at once, holds the node's writes and sends them to the backend in one
// batch call every flush_interval. A failed batch is written again at the next flush; a crash
// loses exactly the writes acked and not yet flushed.
#include <algorithm>

#include "models/cache/cache_impl.h"

namespace archsim::cache {

void Cache::write_through_done(Context& ctx, CallId call, Status status, std::uint32_t j) {
  ctx.reply(jobs_[j].call, status, ctx.result(call));
  free_job(j);
}

void Cache::buffer_write(Context& ctx, Node& nd) {
  ++nd.pending;
  ctx.metrics().add(pending_g_, 1, ctx.now());
}

void Cache::flush(Context& ctx) {
  for (std::uint32_t n = 0; n < nodes_.size(); ++n) {
    Node& nd = nodes_[n];
    if (nd.down || nd.pending == 0) continue;
    RequestInfo r;
    r.id = ctx.next_request_id();
    r.start = ctx.now();
    r.write = true;
    r.route = static_cast<std::uint16_t>(p_.write_route);
    r.bytes = static_cast<std::uint32_t>(std::min<std::uint64_t>(nd.pending, 0xffffffffu));
    std::uint64_t count = std::min<std::uint64_t>(nd.pending, 0xffffffffu);
    nd.pending -= count;
    ctx.metrics().add(pending_g_, -static_cast<double>(count), ctx.now());
    ctx.metrics().add(backend_writes_c_);
    ctx.call(p_.backend, r, nd.batches.make((static_cast<std::uint64_t>(nd.epoch & 0xffff) << 32) | count));
  }
  if (ctx.now() + p_.flush_interval <= ctx.end_time()) arm(ctx, p_.flush_interval, kFlush);
}

// The backend answered a batch. Conservation: every write acked to a client is flushed (once
// its batch succeeds), unflushed, or lost.
void Cache::batch_done(Context& ctx, Status status, std::uint64_t token) {
  Node& nd = nodes_[ContinuationSpace::sub_of_token(token)];
  const std::uint64_t payload = nd.batches.payload(token);
  auto epoch = static_cast<std::uint32_t>(payload >> 32);
  std::uint64_t count = payload & 0xffffffff;
  if (served(status)) {
    ctx.metrics().add(flushed_c_, count);
    return;
  }
  ctx.metrics().add(flush_failures_c_);
  // A failed batch is written again at the next flush, unless its node crashed since.
  if (!nd.down && (nd.epoch & 0xffff) == epoch) {
    nd.pending += count;
    ctx.metrics().add(pending_g_, static_cast<double>(count), ctx.now());
  } else {
    ctx.metrics().add(lost_c_, count);
  }
}

// The node's primary crashed: exactly the writes acked and not yet flushed are lost.
void Cache::lose_unflushed(Context& ctx, Node& nd) {
  if (nd.pending == 0) return;
  ctx.metrics().add(lost_c_, nd.pending);
  ctx.metrics().add(pending_g_, -static_cast<double>(nd.pending), ctx.now());
  nd.pending = 0;
}

}  // namespace archsim::cache
