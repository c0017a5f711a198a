// Replication (Redis src/replication.c, asynchronous): the primary streams every change to
// its replicas, applied `replication_lag` later; read_from "replicas" serves gets from them
// round robin. A primary that dies loses the stream it had not sent.
#include "models/cache/cache_impl.h"

namespace archsim::cache {

// The instance an operation goes to, or -1 (Unavailable): gets round robin over the live
// replicas with read_from replicas (the primary when none is live), the rest the primary.
int Cache::serving_instance(Node& nd, Op op) {
  if (op == Op::Get && p_.read_replicas) {
    const auto count = static_cast<std::uint32_t>(nd.inst.size());
    for (std::uint32_t k = 0; k < count; ++k) {
      const std::uint32_t i = (nd.next_read + k) % count;
      if (i != nd.primary && nd.inst[i].up) {
        nd.next_read = static_cast<std::uint8_t>(i + 1);
        return static_cast<int>(i);
      }
    }
  }
  return nd.down ? -1 : static_cast<int>(nd.primary);
}

void Cache::replicate_later(Context& ctx, Node& nd, ReplOp op) {
  op.due = ctx.now() + p_.replication_lag;
  nd.log.push_back(op);
  if (!nd.repl_armed) {
    nd.repl_armed = true;
    arm(ctx, p_.replication_lag, kReplicate, static_cast<std::uint64_t>(&nd - nodes_.data()));
  }
}

// Applies the replication stream's due operations to every live replica.
void Cache::replicate(Context& ctx, std::uint32_t n) {
  Node& nd = nodes_[n];
  nd.repl_armed = false;
  while (nd.log_head < nd.log.size() && nd.log[nd.log_head].due <= ctx.now()) {
    const ReplOp& op = nd.log[nd.log_head++];
    for (std::uint32_t i = 0; i < nd.inst.size(); ++i) {
      if (i == nd.primary || !nd.inst[i].up) continue;
      CacheStore& st = *nd.inst[i].store;
      if (op.erase) {
        const std::uint32_t slot = st.find(op.key);
        if (slot != kNone) st.erase(slot);
      } else if (const std::uint32_t slot = st.put(op.key, op.bytes, ctx.now()); slot != kNone) {
        Entry& e = st.at(slot);
        e.read_at = op.read_at;
        e.expiry = op.expiry;
        e.delta = op.delta;
      }
    }
  }
  if (nd.log_head == nd.log.size()) {
    nd.log.clear();
    nd.log_head = 0;
  } else {
    if (nd.log_head > 4096 && 2 * nd.log_head > nd.log.size()) {
      nd.log.erase(nd.log.begin(), nd.log.begin() + static_cast<std::ptrdiff_t>(nd.log_head));
      nd.log_head = 0;
    }
    nd.repl_armed = true;
    arm(ctx, nd.log[nd.log_head].due - ctx.now(), kReplicate, n);
  }
}

// The primary died holding the stream it had not sent yet: those operations never reach a
// replica; the client writes among them were acknowledged and are lost.
void Cache::lose_unreplicated(Context& ctx, Node& nd) {
  std::uint64_t ops = 0, writes = 0;
  for (std::size_t k = nd.log_head; k < nd.log.size(); ++k) {
    ++ops;
    writes += nd.log[k].write;
  }
  if (ops > 0) ctx.metrics().add(unreplicated_c_, ops);
  if (writes > 0) ctx.metrics().add(lost_c_, writes);
  nd.log.clear();
  nd.log_head = 0;
}

}  // namespace archsim::cache
