// Server pool: the instance lifecycle (Kubernetes pod phases), scaling, rollouts of instance
// types, and the pool's timers (models/server/pool/server_pool.h).
#include "models/server/pool/server_pool.h"

namespace archsim {

void ServerPool::start(Context& ctx) {
  for (std::uint32_t i = 0; i < initial_replicas_; ++i) launch(ctx, /*already_ready=*/true);
  if (probe_period_)
    for (std::uint32_t i = 0; i < instances_.size(); ++i) arm_probe(ctx, i, probe_delay_ + probe_period_);
  if (readiness_.period)  // the initial replicas have passed it (the run starts in steady state)
    for (std::uint32_t i = 0; i < instances_.size(); ++i)
      ctx.schedule(readiness_.delay + readiness_.period, kReadinessProbe, timer_data(i, instances_[i].timer_gen));
  update_counts(ctx);
  if (memory_watched()) ctx.schedule(kMemoryTickPeriod, kMemoryTick);
  if (deploy_)
    for (std::uint32_t k = 0; k < deploy_->spec.rollouts.size(); ++k)  // at scenario times; none before a later start
      if (deploy_->spec.rollouts[k].at >= ctx.now()) ctx.schedule(deploy_->spec.rollouts[k].at - ctx.now(), kRolloutBegin, k);
}

void ServerPool::on_timer(Context& ctx, std::uint16_t tag, std::uint64_t data) {
  const auto i = static_cast<std::uint32_t>(data >> 32);
  const auto gen = static_cast<std::uint32_t>(data);
  switch (tag) {
    case kReady: {
      Instance& in = instances_[i];
      if (in.timer_gen != gen || in.state != Instance::Starting) return;
      if (startup_probe_.period) in.app_up = true;  // started when the startup probe sees it
      else container_started(ctx, i);
      break;
    }
    case kGraceOver: {
      Instance& in = instances_[i];
      if (in.timer_gen != gen || in.state != Instance::Draining) return;
      drop(ctx, i);
      set_state(ctx, i, Instance::Gone);
      break;
    }
    case kRestart: {
      Instance& in = instances_[i];
      if (in.timer_gen != gen || in.state != Instance::Down || in.zone_down) return;
      begin_startup(ctx, i);
      break;
    }
    case kMemoryTick:
      memory_tick(ctx);
      break;
    case kGcEnd:
      gc_end(ctx);
      break;
    case kRolloutBegin:
      begin_rollout(ctx, static_cast<std::uint32_t>(data));
      break;
    case kAnalysis:
      analysis_tick(ctx, static_cast<std::uint32_t>(data));
      break;
    case kProbe:
    case kProbeCheck: {
      const Instance& in = instances_[i];
      if (in.timer_gen != gen || !running(in)) return;  // restarted, drained or gone since
      tag == kProbe ? probe(ctx, i) : probe_check(ctx, i);
      break;
    }
    case kReadinessProbe:
    case kReadinessCheck: {
      Instance& in = instances_[i];
      if (in.timer_gen != gen || (in.state != Instance::Starting && !running(in))) return;
      if (tag == kReadinessProbe) readiness_probe(ctx, i);
      else if (running(in)) readiness_result(ctx, i, in.completed - in.ready_mark >= in.ready_need);
      break;
    }
    case kStartupProbe: {
      const Instance& in = instances_[i];
      if (in.timer_gen != gen || in.state != Instance::Starting) return;
      startup_probe(ctx, i);
      break;
    }
    case kSwitch:
    case kScaleDown:
      blue_green_timer(ctx, tag, data);
      break;
    case kEndpointSync:
      endpoint_sync(data);
      break;
    case kEvictRetry:
      disrupt_->retry_scheduled = false;
      evict_pending(ctx);
      break;
  }
}

void ServerPool::set_instance_type(const std::string& type, double speed) {
  auto it = std::find(types_.begin(), types_.end(), type);
  type_ = static_cast<std::uint32_t>(it - types_.begin());
  if (it == types_.end()) types_.push_back(type);
  instance_type_ = type;
  speed_ = speed;
}

void ServerPool::surge(Context& ctx) {
  Context::ActingAs as(ctx, self_->index());  // timers and metrics it sets are the owner's, whoever calls
  launch(ctx, false);
  update_counts(ctx);
}

bool ServerPool::retire_outdated(Context& ctx) {
  Context::ActingAs as(ctx, self_->index());
  int best = -1;
  for (std::uint32_t i = 0; i < instances_.size(); ++i) {
    const Instance& in = instances_[i];
    if (in.state == Instance::Gone || in.state == Instance::Draining || in.type == type_) continue;
    if (best < 0) {
      best = static_cast<int>(i);
      continue;
    }
    const Instance& b = instances_[static_cast<std::uint32_t>(best)];
    bool in_ready = in.state == Instance::Ready, b_ready = b.state == Instance::Ready;
    if (in_ready != b_ready ? !in_ready : in.launched < b.launched) best = static_cast<int>(i);
  }
  if (best < 0) return false;
  retire(ctx, static_cast<std::uint32_t>(best));
  update_counts(ctx);
  return true;
}

void ServerPool::scale_to(Context& ctx, std::uint32_t target) {
  Context::ActingAs as(ctx, self_->index());
  if (deploy_ && deploy_->in_progress) {  // the rollout aims at the new count (rollout.h)
    deploy_->desired = target;
    run_rollout(ctx);
    return;
  }
  while (replicas_ < target) launch(ctx, false);
  while (replicas_ > target) {
    int victim = pick_victim();
    if (victim < 0) break;
    retire(ctx, static_cast<std::uint32_t>(victim));
  }
  update_counts(ctx);
}

void ServerPool::instance_stats(Time now, std::vector<InstanceStat>& out) const {
  out.clear();
  for (const Instance& in : instances_) {
    if (in.state == Instance::Gone || in.state == Instance::Draining) continue;
    InstanceStat s;
    s.serial = in.serial;
    s.ready = in.state == Instance::Ready;
    s.starting = in.state == Instance::Starting || in.state == Instance::Down;
    s.launched = in.launched;
    s.ready_since = in.ready_since;
    s.readiness_changed = in.readiness_changed;
    double dt = static_cast<double>(now - in.area_last);
    s.busy_area = in.busy_area + in.busy * dt;
    s.cpu_area = in.cpu_area + cpu_load(in, in.cpu) * dt;  // as touch() integrates it
    s.cpu_request = in.cores;
    s.completed = in.completed;
    s.busy = in.busy;
    s.queued = static_cast<std::uint32_t>(in.queue.size());
    // The pod's working set, as metrics-server reads it from cAdvisor: everything the pod
    // holds (its base, the requests working, queued or waiting on calls, what a leak took).
    s.memory_mb = instance_memory_mb(in);
    s.zone = in.zone;
    s.speed = in.speed;
    s.outdated = in.type != type_;
    out.push_back(s);
  }
}

// A new instance in the first free slot: ready at once (the run's initial replicas) or
// starting for startup_time.
void ServerPool::launch(Context& ctx, bool already_ready) {
  // The lowest free slot; one whose terminated instance callers still list is not reused
  // (discovery.cpp): it joins free_slots_ when their last update lands.
  auto i = static_cast<std::uint32_t>(instances_.size());
  while (!free_slots_.empty()) {
    const std::uint32_t s = free_slots_.top();
    free_slots_.pop();
    if (instances_[s].state == Instance::Gone && !(discovery_delay_ && listed(s))) {
      i = s;
      break;
    }
  }
  if (i == instances_.size()) {
    instances_.emplace_back();
    backends_.emplace_back();
  }
  Instance& in = instances_[i];
  std::uint32_t gen = in.timer_gen + 1;
  in = Instance{};
  in.timer_gen = gen;
  in.serial = next_serial_++;
  in.zone = i < zone_of_.size() ? zone_of_[i] : static_cast<std::uint32_t>(in.serial % zones_.size());
  in.launched = ctx.now();
  in.started = ctx.now();
  in.readiness_changed = ctx.now();
  in.area_last = ctx.now();
  in.speed = speed_;
  in.cores = cpu_request_given_ ? cpu_request_ : cores_;  // the admission controller's request
  in.type = type_;
  if (gc_) gc_launched(in);
  if (deploy_) {
    const PodVersion& v = deploy_->spec.versions[deploy_->target];
    in.version = deploy_->target;
    in.speed = speed_ / v.work_factor;
    in.error_rate = v.error_rate;
    // blue-green: the new set waits out of the endpoints until the switch
    in.parked = deploy_->in_progress && deploy_->spec.strategy == DeploymentSpec::BlueGreen && !deploy_->switched;
  }
  jobs_->slot_launched(i);
  backends_[i] = Backend{1.0, 0, false, backend_id(id_, in.serial)};
  membership_changed_ = true;
  set_alive(ctx, +1);
  ++replicas_;
  in.state = already_ready ? Instance::Ready : Instance::Starting;
  if (deploy_) deploy_->index.add(i, index_view(in));  // before begin_startup, which may change its state
  if (already_ready) {
    in.ready_since = ctx.now();
    backends_[i].eligible = true;
    ++ready_;
  } else {
    begin_startup(ctx, i);
  }
}

void ServerPool::begin_startup(Context& ctx, std::uint32_t i) {
  Instance& in = instances_[i];
  if (deploy_) deploy_->index.remove(i, index_view(in));
  in.state = Instance::Starting;
  if (deploy_) deploy_->index.add(i, index_view(in));
  ++in.timer_gen;
  backoff_over(ctx, i);
  if (ready_at_restart_) return container_started(ctx, i);  // addressed, no start-up and no probes
  Time d = startup_.sample_time(*rng_);
  d = after(d, jobs_->startup_work(ctx, i));
  ctx.schedule(d, kReady, timer_data(i, in.timer_gen));
  if (readiness_.period || startup_probe_.period) arm_container_probes(ctx, i);
}

void ServerPool::set_state(Context& ctx, std::uint32_t i, Instance::State st) {
  Instance& in = instances_[i];
  const Instance::State before = in.state;
  bool was_ready = in.state == Instance::Ready;
  bool counted_before = in.state != Instance::Draining && in.state != Instance::Gone;
  if ((in.state == Instance::Draining) != (st == Instance::Draining)) draining_ += st == Instance::Draining ? 1 : -1;
  if ((in.state == Instance::Unready) != (st == Instance::Unready)) unready_ += st == Instance::Unready ? 1 : -1;
  if (deploy_) deploy_->index.remove(i, index_view(in));
  in.state = st;
  if (deploy_) deploy_->index.add(i, index_view(in));
  bool now_ready = st == Instance::Ready;
  bool counted_after = st != Instance::Draining && st != Instance::Gone;
  if (now_ready) in.ready_since = ctx.now();
  // Liveness runs from the container's start (start-up over, startup probe passed).
  if (probe_period_ && before == Instance::Starting && running(in)) arm_probe(ctx, i, probe_delay_ + probe_period_);
  if (was_ready != now_ready) {
    ready_ += now_ready ? 1 : -1;
    in.readiness_changed = ctx.now();
  }
  // In the endpoints: ready and not parked (blue-green); callers see a change at once, or
  // propagation_delay later (discovery.cpp).
  const bool listed_before = was_ready && !in.parked, listed_after = now_ready && !in.parked;
  if (!discovery_delay_) backends_[i].eligible = listed_after;
  else if (listed_before != listed_after) endpoint_changed(ctx, i, listed_after);
  if (counted_before != counted_after) replicas_ += counted_after ? 1 : -1;
  if (st == Instance::Gone) {
    backoff_over(ctx, i);
    bills_.emplace_back(in.type, to_seconds(ctx.now() - in.launched));
    set_alive(ctx, -1);
    if (!discovery_delay_ || !listed(i)) {  // else when the callers' last update lands
      backends_[i] = Backend{1.0, 0, false, 0};
      membership_changed_ = true;
      free_slots_.push(i);
    }
  }
  // Back from an OOM kill or a crash (ready, or removed for good): their records end here.
  if ((now_ready || st == Instance::Gone) && (in.oom_record != ~0u || in.crash_record != ~0u)) instance_back(i, ctx.now());
  update_counts(ctx);
  // The owner hears of a node leaving and rejoining (addressed use; no-ops for a service).
  if (st == Instance::Down && before != Instance::Down) jobs_->slot_down(ctx, i);
  else if (now_ready && !was_ready) jobs_->slot_ready(ctx, i);
}

// Not-ready before ready, then the most recently started (the ReplicaSet's ranking).
int ServerPool::pick_victim() const {
  int best = -1;
  for (std::uint32_t i = 0; i < instances_.size(); ++i) {
    const Instance& in = instances_[i];
    if (in.state == Instance::Gone || in.state == Instance::Draining) continue;
    if (best < 0) {
      best = static_cast<int>(i);
      continue;
    }
    const Instance& b = instances_[static_cast<std::uint32_t>(best)];
    bool in_ready = in.state == Instance::Ready, b_ready = b.state == Instance::Ready;
    if (in_ready != b_ready) {
      if (!in_ready) best = static_cast<int>(i);
      continue;
    }
    if (in.launched >= b.launched) best = static_cast<int>(i);
  }
  return best;
}

// Scale-in: an instance that holds nothing (or is not ready) goes at once; one that holds
// requests drains for termination_grace.
void ServerPool::retire(Context& ctx, std::uint32_t i) {
  Instance& in = instances_[i];
  if (!running(in) || (in.busy == 0 && in.queue.empty() && in.detached == 0)) {
    drop(ctx, i);
    set_state(ctx, i, Instance::Gone);
    return;
  }
  set_state(ctx, i, Instance::Draining);
  ++in.timer_gen;
  ctx.schedule(grace_, kGraceOver, timer_data(i, in.timer_gen));
}

// A crash or a kill: what it held is dropped; unless its zone is down it restarts after the
// kubelet's back-off and restart_time. A replaced pod (a planned stop) is a new container to
// the kubelet: no back-off, and none carried over.
void ServerPool::go_down(Context& ctx, std::uint32_t i, bool replaced) {
  drop(ctx, i);
  set_state(ctx, i, Instance::Down);
  Instance& in = instances_[i];
  ++in.timer_gen;
  if (replaced) in.crash_loops = 0;
  if (!in.zone_down) ctx.schedule(restart_.sample_time(*rng_) + (replaced ? 0 : restart_wait(ctx, i)), kRestart, timer_data(i, in.timer_gen));
}

// The owner answers every request the instance holds (connection reset); the instance is
// then empty.
void ServerPool::drop(Context& ctx, std::uint32_t i) {
  jobs_->drop_jobs(ctx, i);
  Instance& in = instances_[i];
  if (!in.queue.empty()) ctx.metrics().add(queued_g_, -static_cast<double>(in.queue.size()), ctx.now());
  in.queue.clear();
  in.detached = 0;
  if (in.busy) set_busy(ctx, in, -static_cast<int>(in.busy));
  if (in.cpu) add_cpu(ctx, i, -static_cast<int>(in.cpu));
  backends_[i].active = 0;
}

void ServerPool::update_counts(Context& ctx) {
  track_ready(ctx);
  if (picker_) {  // none when addressed: the owner chooses the node
    if (membership_changed_) {
      picker_->rebuild(backends_);
      membership_changed_ = false;
    } else {
      picker_->eligibility_changed(backends_);
    }
  }
  Metrics& m = ctx.metrics();
  m.set(replicas_g_, replicas_, ctx.now());
  m.set(ready_g_, ready_, ctx.now());
  // A draining instance keeps its workers until its last request ends: they stay in the
  // capacity, or utilization would pass 1 while a scale-in drains; so does an instance out of
  // the endpoints by its readiness probe (it works off what it holds).
  m.set(capacity_g_, static_cast<double>(ready_ + draining_ + unready_) * concurrency_, ctx.now());
  peak_replicas_ = std::max(peak_replicas_, replicas_);
  if (disrupt_ && disrupt_->pending) {  // a drain under way: the lowest ready count it caused
    DrainRecord& d = disrupt_->drains.back();
    d.min_ready = std::min(d.min_ready, ready_);
  }
  // The deployment controller syncs after every change of the pods (its informers' events).
  if (deploy_ && deploy_->in_progress) {
    if (!deploy_->syncing) run_rollout(ctx);
    else track_rollout(ctx);
  }
}

void ServerPool::set_alive(Context& ctx, int delta) {
  instance_area_ += alive_ * static_cast<double>(ctx.now() - alive_last_);
  alive_last_ = ctx.now();
  alive_ += delta;
  ctx.metrics().set(alive_g_, alive_, ctx.now());
}

}  // namespace archsim
