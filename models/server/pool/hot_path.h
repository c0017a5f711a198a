// Server pool: the per-request path (pick, admit, hand a worker on, CPU accounting, finish),
// inline, with no virtual call and no allocation. Declared, with their contracts, in the class
// in server_pool.h, which includes this file at its end; include server_pool.h, not this.
#pragma once

namespace archsim {

inline int ServerPool::pick(const RequestInfo& req) {
  PickInput in;
  in.key = req.key;
  in.has_key = req.has_key;
  in.client = req.session;
  in.session = req.session;
  return picker_->pick(backends_, in, *rng_);
}

inline void ServerPool::observe(Context& ctx, std::uint32_t slot, bool ok, Time latency) {
  if (analysing_) observe_version(ctx, slot, ok, latency);
}

inline bool ServerPool::stale_endpoint(Context& ctx, std::uint32_t slot) {
  if (!discovery_delay_ || running(instances_[slot])) return false;
  ++stale_sent_;
  ctx.metrics().add(stale_c_);
  return true;
}

inline bool ServerPool::saturated(std::uint32_t slot, std::uint64_t depth) const {
  const Instance& in = instances_[slot];
  return in.busy >= concurrency_ && in.queue.size() >= depth;
}

inline bool ServerPool::standing(std::uint32_t slot, Time now, Time interval) const {
  const Instance& in = instances_[slot];
  return !in.queue.empty() && now - in.queue_since > interval;
}

inline bool ServerPool::admit(Context& ctx, std::uint32_t slot, std::uint32_t j) {
  ++backends_[slot].active;
  ctx.metrics().add(in_system_g_, 1, ctx.now());
  return take_free_worker(ctx, slot, j);
}

inline bool ServerPool::reacquire_worker(Context& ctx, std::uint32_t slot, std::uint32_t j) {
  --instances_[slot].detached;
  return take_free_worker(ctx, slot, j);
}

inline std::uint32_t ServerPool::release_worker(Context& ctx, std::uint32_t slot) {
  ++instances_[slot].detached;
  return hand_worker_on(ctx, slot);
}

inline void ServerPool::job_done(Context& ctx, std::uint32_t slot) {
  ++instances_[slot].completed;
  if (backends_[slot].active) --backends_[slot].active;
  ctx.metrics().add(in_system_g_, -1, ctx.now());
  if (gc_) [[unlikely]]
    gc_allocate(ctx, slot);  // its allocation counts towards the next collection
}

inline std::uint32_t ServerPool::worker_done(Context& ctx, std::uint32_t slot) { return hand_worker_on(ctx, slot); }

inline void ServerPool::detached_done(Context& ctx, std::uint32_t slot) {
  Instance& in = instances_[slot];
  --in.detached;
  if (in.state == Instance::Draining && in.busy == 0 && in.detached == 0) set_state(ctx, slot, Instance::Gone);
}

inline void ServerPool::add_cpu(Context& ctx, std::uint32_t slot, int delta) {
  Instance& in = instances_[slot];
  touch(ctx, in);
  const std::uint32_t before = in.cpu;
  in.cpu = static_cast<std::uint32_t>(static_cast<int>(before) + delta);
  // Without shared cores cpu_load is the worker count itself, and the difference of two
  // small integers as doubles is delta exactly: no load to compute twice.
  ctx.metrics().add(cpu_g_, shared_cores() ? cpu_load(in, in.cpu) - cpu_load(in, before) : delta, ctx.now());
}

inline bool ServerPool::check_memory(Context& ctx, std::uint32_t slot) {
  if (memory_limit_mb_ <= 0 || memory_per_request_mb_ <= 0) return false;
  if (instance_memory_mb(instances_[slot]) <= memory_limit_mb_) return false;
  oom_kill(ctx, slot);
  return true;
}

inline bool ServerPool::take_free_worker(Context& ctx, std::uint32_t slot, std::uint32_t j) {
  Instance& in = instances_[slot];
  if (in.busy < concurrency_) {
    set_busy(ctx, in, +1);
    return true;
  }
  return queue_for_worker(ctx, in, j);
}

inline std::uint32_t ServerPool::hand_worker_on(Context& ctx, std::uint32_t slot) {
  Instance& in = instances_[slot];
  if (!in.queue.empty()) {
    const std::uint32_t next =
        lifo_after_ && ctx.now() - in.queue_since > lifo_after_ ? in.queue.pop_back() : in.queue.pop();
    ctx.metrics().add(queued_g_, -1, ctx.now());
    return next;
  }
  set_busy(ctx, in, -1);
  if (in.state == Instance::Draining && in.busy == 0 && in.detached == 0) set_state(ctx, slot, Instance::Gone);
  return kNone;
}

inline void ServerPool::touch(const Context& ctx, Instance& in) const {
  if (ctx.now() == in.area_last) return;
  const double dt = static_cast<double>(ctx.now() - in.area_last);
  in.busy_area += in.busy * dt;
  in.cpu_area += cpu_load(in, in.cpu) * dt;
  in.area_last = ctx.now();
}

inline void ServerPool::set_busy(Context& ctx, Instance& in, int delta) {
  touch(ctx, in);
  in.busy = static_cast<std::uint32_t>(static_cast<int>(in.busy) + delta);
  ctx.metrics().add(busy_g_, delta, ctx.now());
}

inline double ServerPool::cpu_load(const Instance& in, std::uint32_t cpu) const {
  return !shared_cores() ? cpu : std::min<double>(cpu, in.cores) * concurrency_ / in.cores;
}
}  // namespace archsim
