// Service: what faults do to it (crash, zone outage, memory leak and OOM kill) and its ready history.
#include "models/service/service_impl.h"

namespace archsim::service_internal {

bool Service::fail_instance(Context& ctx, std::uint32_t slot) {
  Context::ActingAs as(ctx, index());  // timers and metrics it sets are the service's, whoever calls
  if (slot >= instances_.size()) return false;
  Instance& in = instances_[slot];
  if (in.state == Instance::Gone || in.state == Instance::Draining) return false;
  if (in.state != Instance::Down) {
    drop_jobs(ctx, slot);
    set_state(ctx, slot, Instance::Down);
  }
  ++instances_[slot].timer_gen;  // no restart until repaired
  return true;
}

void Service::repair_instance(Context& ctx, std::uint32_t slot) {
  Context::ActingAs as(ctx, index());  // timers and metrics it sets are the service's, whoever calls
  if (slot >= instances_.size()) return;
  Instance& in = instances_[slot];
  if (in.state == Instance::Down && !in.zone_down) begin_startup(ctx, slot);
}

bool Service::set_memory_leak(Context& ctx, double per_request_mb, double per_second_mb) {
  Context::ActingAs as(ctx, index());  // timers and metrics it sets are the service's, whoever calls
  if (memory_limit_mb_ <= 0) return false;
  bool was = memory_watched();
  leak_request_mb_ = per_request_mb;
  leak_second_mb_ = per_second_mb;
  for (Instance& in : instances_) in.leak_mark = in.completed;
  if (!was && memory_watched()) ctx.schedule(kMemoryTickPeriod, kMemoryTick);
  return true;
}

std::uint32_t Service::crash(Context& ctx, std::uint32_t count) {
  Context::ActingAs as(ctx, index());  // timers and metrics it sets are the service's, whoever calls
  std::uint32_t n = 0;
  for (std::uint32_t i = 0; i < instances_.size() && n < count; ++i) {
    Instance::State st = instances_[i].state;
    if (st != Instance::Ready && st != Instance::Starting) continue;
    go_down(ctx, i);
    ++n;
  }
  update_counts(ctx);
  return n;
}

void Service::fail_zone(Context& ctx, const std::string& zone) {
  Context::ActingAs as(ctx, index());  // timers and metrics it sets are the service's, whoever calls
  for (std::uint32_t i = 0; i < instances_.size(); ++i) {
    Instance& in = instances_[i];
    if (zones_[in.zone] != zone || in.state == Instance::Gone) continue;
    in.zone_down = true;
    if (in.state == Instance::Draining) {
      drop_jobs(ctx, i);
      set_state(ctx, i, Instance::Gone);
    } else if (in.state != Instance::Down) {
      go_down(ctx, i);
    }
  }
  update_counts(ctx);
}

void Service::restore_zone(Context& ctx, const std::string& zone) {
  Context::ActingAs as(ctx, index());  // timers and metrics it sets are the service's, whoever calls
  for (std::uint32_t i = 0; i < instances_.size(); ++i) {
    Instance& in = instances_[i];
    if (zones_[in.zone] != zone || !in.zone_down) continue;
    in.zone_down = false;
    if (in.state == Instance::Down) begin_startup(ctx, i);
  }
  update_counts(ctx);
}

// Time at each ready level and outages (no ready instance), since warm-up, for the
// availability report; update_counts runs after every change of ready_.
void Service::track_ready(const Context& ctx) {
  if (ready_ == ready_level_) return;
  Time now = ctx.now(), w = ctx.warmup();
  Time from = std::max(ready_last_, w);
  if (now > from) {
    if (ready_seconds_.size() <= ready_level_) ready_seconds_.resize(ready_level_ + 1, 0.0);
    ready_seconds_[ready_level_] += to_seconds(now - from);
  }
  if (ready_level_ == 0 && outage_start_ != kTimeMax && now > std::max(outage_start_, w))
    outage_seconds_ += to_seconds(now - std::max(outage_start_, w));
  outage_start_ = kTimeMax;
  if (ready_ == 0 && replicas_ > 0) {
    outage_start_ = now;
    if (now >= w) ++outages_;
  }
  ready_level_ = ready_;
  ready_last_ = now;
}

// Memory is sampled every 100 ms while it can change: a leak is active, or requests take
// memory of their own (then an admission that passes the limit also kills at once:
// check_memory). The sample feeds the memory_mb series; a leak kills at the sample, up to
// 100 ms after the allocation that would have.
void Service::memory_tick(Context& ctx) {
  if (!memory_watched()) return;
  double peak = 0;
  for (std::uint32_t i = 0; i < instances_.size(); ++i) {
    Instance& in = instances_[i];
    if (in.state == Instance::Down || in.state == Instance::Gone) {
      in.leaked_mb = 0;  // the process restarts with fresh memory
      in.leak_mark = in.completed;
      continue;
    }
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

// OOMKilled: the container restarts after restart_time plus the kubelet's back-off: at once
// after the first kill, then 10 s doubling per consecutive kill up to 5 min, reset after
// 10 min of running (Kubernetes pod lifecycle, "Container restart policy"; Kubernetes in
// Action 2nd ed. 6.2.1: CrashLoopBackOff).
void Service::oom_kill(Context& ctx, std::uint32_t i) {
  Instance& in = instances_[i];
  if (in.oom_restarts > 0 && in.state == Instance::Ready && ctx.now() - in.ready_since >= 10 * kMinute) in.oom_restarts = 0;
  Time backoff = in.oom_restarts == 0 ? 0 : std::min<Time>((10 * kSecond) << std::min<std::uint32_t>(in.oom_restarts - 1, 5), 5 * kMinute);
  ++in.oom_restarts;
  ++oom_kills_;
  ctx.metrics().add(oom_c_);
  drop_jobs(ctx, i);
  set_state(ctx, i, Instance::Down);
  Instance& after = instances_[i];
  after.leaked_mb = 0;
  after.leak_mark = after.completed;
  ++after.timer_gen;
  if (!after.zone_down)
    ctx.schedule(restart_.sample_time(rng_) + backoff, kRestart, (static_cast<std::uint64_t>(i) << 32) | after.timer_gen);
}

Crashable::ReadyHistory Service::ready_history(Time now, Time warmup) const {
  ReadyHistory h;
  h.seconds_at = ready_seconds_;
  Time from = std::max(ready_last_, warmup);
  if (now > from) {
    if (h.seconds_at.size() <= ready_level_) h.seconds_at.resize(ready_level_ + 1, 0.0);
    h.seconds_at[ready_level_] += to_seconds(now - from);
  }
  h.outages = outages_;
  h.outage_seconds = outage_seconds_;
  if (ready_level_ == 0 && outage_start_ != kTimeMax && now > std::max(outage_start_, warmup))
    h.outage_seconds += to_seconds(now - std::max(outage_start_, warmup));
  h.oom_kills = oom_kills_;
  return h;
}

}  // namespace archsim::service_internal

namespace archsim::service_internal {

// Requests in memory: working, queued, or waiting on calls without a worker (io async).
double Service::instance_memory_mb(const Instance& in) const {
  const double held = static_cast<double>(in.busy) + static_cast<double>(in.queue.size()) + static_cast<double>(in.detached);
  return memory_base_mb_ + memory_per_request_mb_ * held + in.leaked_mb;
}

// After a request was admitted: an instance whose requests pass its memory limit is
// OOMKilled at once, taking every request it holds with it. True when it was killed.
bool Service::check_memory(Context& ctx, std::uint32_t inst) {
  if (memory_limit_mb_ <= 0 || memory_per_request_mb_ <= 0) return false;
  if (instance_memory_mb(instances_[inst]) <= memory_limit_mb_) return false;
  oom_kill(ctx, inst);
  return true;
}

}  // namespace archsim::service_internal
