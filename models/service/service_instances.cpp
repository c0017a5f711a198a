// Service: the instance lifecycle (Kubernetes pod phases), scaling, instance types and billing.
#include "models/service/service_impl.h"

namespace archsim::service_internal {

void Service::set_instance_type(const std::string& type, double speed) {
  auto it = std::find(types_.begin(), types_.end(), type);
  type_ = static_cast<std::uint32_t>(it - types_.begin());
  if (it == types_.end()) types_.push_back(type);
  instance_type_ = type;
  speed_ = speed;
}

void Service::surge(Context& ctx) {
  Context::ActingAs as(ctx, index());  // timers and metrics it sets are the service's, whoever calls
  launch(ctx, false);
  update_counts(ctx);
}

bool Service::retire_outdated(Context& ctx) {
  Context::ActingAs as(ctx, index());  // timers and metrics it sets are the service's, whoever calls
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

void Service::scale_to(Context& ctx, std::uint32_t target) {
  Context::ActingAs as(ctx, index());  // timers and metrics it sets are the service's, whoever calls
  while (replicas_ < target) launch(ctx, false);
  while (replicas_ > target) {
    int victim = pick_victim();
    if (victim < 0) break;
    retire(ctx, static_cast<std::uint32_t>(victim));
  }
  update_counts(ctx);
}

void Service::instance_stats(Time now, std::vector<InstanceStat>& out) const {
  out.clear();
  for (std::uint32_t i = 0; i < instances_.size(); ++i) {
    const Instance& in = instances_[i];
    if (in.state == Instance::Gone || in.state == Instance::Draining) continue;
    InstanceStat s;
    s.serial = in.serial;
    s.ready = in.state == Instance::Ready;
    s.starting = in.state == Instance::Starting || in.state == Instance::Down;
    s.launched = in.launched;
    s.ready_since = in.ready_since;
    double dt = static_cast<double>(now - in.area_last);
    s.busy_area = in.busy_area + in.busy * dt;
    s.cpu_area = in.cpu_area + in.cpu * dt;
    s.completed = in.completed;
    s.busy = in.busy;
    s.queued = static_cast<std::uint32_t>(in.queue.size());
    s.memory_mb = memory_base_mb_ + memory_per_request_mb_ * (in.busy + in.queue.size());
    s.zone = in.zone;
    s.speed = in.speed;
    s.outdated = in.type != type_;
    out.push_back(s);
  }
}

void Service::launch(Context& ctx, bool already_ready) {
  std::uint32_t i = 0;
  while (i < instances_.size() && instances_[i].state != Instance::Gone) ++i;
  if (i == instances_.size()) {
    instances_.emplace_back();
    backends_.emplace_back();
  }
  Instance& in = instances_[i];
  std::uint32_t gen = in.timer_gen + 1;
  in = Instance{};
  in.timer_gen = gen;
  in.serial = next_serial_++;
  in.zone = static_cast<std::uint32_t>(in.serial % zones_.size());
  in.launched = ctx.now();
  in.area_last = ctx.now();
  in.speed = speed_;
  in.type = type_;
  backends_[i] = Backend{1.0, 0, false, backend_id(id_, in.serial)};
  membership_changed_ = true;
  set_alive(ctx, +1);
  ++replicas_;
  if (already_ready) {
    in.state = Instance::Ready;
    in.ready_since = ctx.now();
    backends_[i].eligible = true;
    ++ready_;
  } else {
    in.state = Instance::Starting;
    begin_startup(ctx, i);
  }
}

void Service::begin_startup(Context& ctx, std::uint32_t i) {
  Instance& in = instances_[i];
  in.state = Instance::Starting;
  ++in.timer_gen;
  Time d = startup_.sample_time(rng_);
  ctx.schedule(d, kReady, (static_cast<std::uint64_t>(i) << 32) | in.timer_gen);
}

void Service::set_state(Context& ctx, std::uint32_t i, Instance::State st) {
  Instance& in = instances_[i];
  bool was_ready = in.state == Instance::Ready;
  bool counted_before = in.state != Instance::Draining && in.state != Instance::Gone;
  in.state = st;
  bool now_ready = st == Instance::Ready;
  bool counted_after = st != Instance::Draining && st != Instance::Gone;
  if (now_ready) in.ready_since = ctx.now();
  if (was_ready != now_ready) ready_ += now_ready ? 1 : -1;
  if (counted_before != counted_after) replicas_ += counted_after ? 1 : -1;
  backends_[i].eligible = now_ready;
  if (st == Instance::Gone) {
    bills_.emplace_back(in.type, to_seconds(ctx.now() - in.launched));
    set_alive(ctx, -1);
    backends_[i] = Backend{1.0, 0, false, 0};
    membership_changed_ = true;
  }
  update_counts(ctx);
}

// Not-ready before ready, then the most recently started (the ReplicaSet's ranking).
int Service::pick_victim() const {
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

void Service::retire(Context& ctx, std::uint32_t i) {
  Instance& in = instances_[i];
  if (in.state != Instance::Ready || (in.busy == 0 && in.queue.empty() && in.detached == 0)) {
    drop_jobs(ctx, i);
    set_state(ctx, i, Instance::Gone);
    return;
  }
  set_state(ctx, i, Instance::Draining);
  ++in.timer_gen;
  ctx.schedule(grace_, kGraceOver, (static_cast<std::uint64_t>(i) << 32) | in.timer_gen);
}

void Service::go_down(Context& ctx, std::uint32_t i) {
  drop_jobs(ctx, i);
  set_state(ctx, i, Instance::Down);
  Instance& in = instances_[i];
  ++in.timer_gen;
  if (!in.zone_down) ctx.schedule(restart_.sample_time(rng_), kRestart, (static_cast<std::uint64_t>(i) << 32) | in.timer_gen);
}

// Answers every request the instance holds with Status::Dropped (connection reset).
void Service::drop_jobs(Context& ctx, std::uint32_t i) {
  Instance& in = instances_[i];
  for (std::uint32_t j = 0; j < jobs_.size(); ++j) {
    Job& job = jobs_[j];
    if (!job.live || job.instance != i) continue;
    ctx.metrics().add(dropped_c_);
    if (job.queued) ctx.metrics().add(queued_g_, -1, ctx.now());
    job.status = Status::Dropped;
    finish_job(ctx, j);
  }
  in.queue.clear();
  in.detached = 0;
  ps_clear(in);
  if (in.busy) set_busy(ctx, in, -static_cast<int>(in.busy));
  if (in.cpu) set_cpu(ctx, in, -static_cast<int>(in.cpu));
  backends_[i].active = 0;
}

void Service::update_counts(Context& ctx) {
  track_ready(ctx);
  if (membership_changed_) {
    picker_->rebuild(backends_);
    membership_changed_ = false;
  } else {
    picker_->eligibility_changed(backends_);
  }
  Metrics& m = ctx.metrics();
  m.set(replicas_g_, replicas_, ctx.now());
  m.set(ready_g_, ready_, ctx.now());
  m.set(capacity_g_, static_cast<double>(ready_) * concurrency_, ctx.now());
  peak_replicas_ = std::max(peak_replicas_, replicas_);
}

void Service::set_alive(Context& ctx, int delta) {
  instance_area_ += alive_ * static_cast<double>(ctx.now() - alive_last_);
  alive_last_ = ctx.now();
  alive_ += delta;
  ctx.metrics().set(alive_g_, alive_, ctx.now());
}

void Service::touch(const Context& ctx, Instance& in) {
  double dt = static_cast<double>(ctx.now() - in.area_last);
  in.busy_area += in.busy * dt;
  in.cpu_area += cpu_load(in.cpu) * dt;
  in.area_last = ctx.now();
}

void Service::set_busy(Context& ctx, Instance& in, int delta) {
  touch(ctx, in);
  in.busy = static_cast<std::uint32_t>(static_cast<int>(in.busy) + delta);
  ctx.metrics().add(busy_g_, delta, ctx.now());
}

void Service::set_cpu(Context& ctx, Instance& in, int delta) {
  touch(ctx, in);
  const double before = cpu_load(in.cpu);
  in.cpu = static_cast<std::uint32_t>(static_cast<int>(in.cpu) + delta);
  ctx.metrics().add(cpu_g_, cpu_load(in.cpu) - before, ctx.now());
}

}  // namespace archsim::service_internal
