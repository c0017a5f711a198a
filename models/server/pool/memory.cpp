// Server pool: instance memory, leaks, OOM kills and garbage collection (models/server/pool/server_pool.h).
#include "models/server/pool/server_pool.h"

#include <algorithm>
#include <string>

#include "sim/results.h"

namespace archsim {

// Requests in memory: working, queued, or waiting on calls without a worker (io async), and
// the owner's data (a cache's data set) as last sampled.
double ServerPool::instance_memory_mb(const Instance& in) const {
  const double held = static_cast<double>(in.busy) + static_cast<double>(in.queue.size()) + static_cast<double>(in.detached);
  return memory_base_mb_ + memory_per_request_mb_ * held + in.leaked_mb + in.data_mb;
}

// Garbage collection under memory pressure (memory.gc_cost = c): a work step takes
// 1 + c x m / (limit - m) times as long on an instance using m of its heap `limit_mb`.
// A tracing collector runs once per (heap - live) bytes allocated and each run costs in
// proportion to the live bytes, so its time per byte allocated is c x live / (heap - live)
// (Appel, "Garbage collection can be faster than stack allocation", IPL 1987; Jones,
// Hosking and Moss, The Garbage Collection Handbook, 2012, on copying), c being the cost
// of tracing a byte against that of allocating one. The live bytes are the instance's
// memory (base + per request held: a queued request's buffers count, which is how a queue
// feeds the collector). The heap's last 1% is not used: past it the factor stays at its
// value there (1 + 99c) until the OOM kill at the limit.
double ServerPool::gc_slowdown(const Instance& in) const {
  const double live = std::min(instance_memory_mb(in), 0.99 * memory_limit_mb_);
  return 1.0 + gc_cost_ * live / (memory_limit_mb_ - live);
}

bool ServerPool::set_memory_leak(Context& ctx, double per_request_mb, double per_second_mb) {
  Context::ActingAs as(ctx, self_->index());  // timers and metrics it sets are the owner's, whoever calls
  if (memory_limit_mb_ <= 0) return false;
  bool was = memory_watched();
  leak_request_mb_ = per_request_mb;
  leak_second_mb_ = per_second_mb;
  for (Instance& in : instances_) in.leak_mark = in.completed;
  if (!was && memory_watched()) ctx.schedule(kMemoryTickPeriod, kMemoryTick);
  return true;
}

// Memory is sampled every 100 ms while it can change: a leak is active, or requests take
// memory of their own (then an admission that passes the limit also kills at once:
// check_memory). The sample feeds the memory_mb series; a leak kills at the sample, up to
// 100 ms after the allocation that would have.
void ServerPool::memory_tick(Context& ctx) {
  if (!memory_watched()) return;
  double peak = 0;
  for (std::uint32_t i = 0; i < instances_.size(); ++i) {
    Instance& in = instances_[i];
    if (in.state == Instance::Down || in.state == Instance::Gone) {
      in.leaked_mb = 0;  // the process restarts with fresh memory
      in.data_mb = 0;
      in.leak_mark = in.completed;
      continue;
    }
    in.data_mb = jobs_->data_mb(i);
    if (jobs_->leaks(i))
      in.leaked_mb += leak_second_mb_ * to_seconds(kMemoryTickPeriod) +
                      leak_request_mb_ * static_cast<double>(in.completed - in.leak_mark);
    in.leak_mark = in.completed;
    double mb = instance_memory_mb(in);
    if (mb > memory_limit_mb_) {
      oom_kill(ctx, i);
      continue;
    }
    peak = std::max(peak, mb);
  }
  ctx.metrics().set(memory_g_, peak, ctx.now());
  ctx.schedule(kMemoryTickPeriod, kMemoryTick);
}

// OOMKilled: the container restarts after the kubelet's back-off (restart_backoff.h) and
// restart_time.
void ServerPool::oom_kill(Context& ctx, std::uint32_t i) {
  Instance& in = instances_[i];
  ++oom_kills_;
  ctx.metrics().add(oom_c_);
  if (in.oom_record != ~0u) ooms_[in.oom_record].over = ctx.now();  // killed again before it was ready
  in.oom_record = ~0u;
  if (ooms_.size() < kOomKept) {
    in.oom_record = static_cast<std::uint32_t>(ooms_.size());
    ooms_.push_back(OomRecord{ctx.now(), -1, i});
  }
  drop(ctx, i);
  set_state(ctx, i, Instance::Down);
  Instance& after = instances_[i];
  after.leaked_mb = 0;
  after.data_mb = 0;
  after.leak_mark = after.completed;
  ++after.timer_gen;
  if (!after.zone_down)
    ctx.schedule(restart_.sample_time(*rng_) + restart_wait(ctx, i), kRestart, timer_data(i, after.timer_gen));
}

void ServerPool::report_memory(Context& ctx, ComponentReport& r) const {
  if (memory_limit_mb_ <= 0) return;
  r.add("oom_kills", static_cast<double>(ctx.metrics().total(oom_c_)));  // after warm-up, as every figure
  for (const OomRecord& k : ooms_)
    r.add_interval(kOomKillKind, "OOM kill of " + id_ + " instance " + std::to_string(k.slot + 1), k.at,
                   k.over < 0 ? ctx.end_time() : k.over);
}

}  // namespace archsim
