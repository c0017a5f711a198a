// Server pool: node drains and the PodDisruptionBudget that holds them
// (models/server/pool/disruption.h says what it follows and where it simplifies).
#include <algorithm>

#include "models/server/pool/server_pool.h"
#include "sim/results.h"

namespace archsim {

void ServerPool::read_disruption_budget(Params& p) {
  std::optional<Params> b = p.object_opt("disruption_budget");
  if (!b) return;
  DisruptionBudget budget;
  budget.set = true;
  const bool min = b->has("min_available"), max = b->has("max_unavailable");
  if (min == max) b->fail_here("a disruption budget takes exactly one of \"min_available\" and \"max_unavailable\"");
  budget.min_available = min;
  const char* key = min ? "min_available" : "max_unavailable";
  budget.value = read_int_or_percent(*b, key, {});
  if (!budget.value.percent && budget.value.value > static_cast<std::int64_t>(initial_replicas_))
    b->fail(key, "is larger than the replicas (" + std::to_string(initial_replicas_) + ")" +
                     (min ? ": no instance could ever be evicted" : ""));
  disrupt_ = std::make_unique<PoolDisruption>();
  disrupt_->budget = budget;
}

std::uint32_t ServerPool::drain(Context& ctx, std::uint32_t count) {
  Context::ActingAs as(ctx, self_->index());
  if (!disrupt_) disrupt_ = std::make_unique<PoolDisruption>();
  PoolDisruption& d = *disrupt_;
  DrainRecord rec;
  rec.started = ctx.now();
  rec.min_ready = ready_;
  rec.desired_healthy = d.budget.set ? d.budget.desired_healthy(replicas_) : 0;
  // The node's instances: the oldest live ones not already on a drained node.
  for (std::uint32_t i = 0; i < instances_.size() && rec.concerned < count; ++i) {
    Instance& in = instances_[i];
    if (in.state == Instance::Gone || in.state == Instance::Draining || in.evicting) continue;
    in.evicting = true;
    ++rec.concerned;
    ++d.pending;
  }
  d.drains.push_back(rec);
  evict_pending(ctx);
  return rec.concerned;
}

// eviction.go: a ready instance may go while healthy - desired > 0; an unready one while
// healthy >= desired (it does not count as healthy).
bool ServerPool::eviction_allowed(const Instance& in) const {
  const DisruptionBudget& b = disrupt_->budget;
  if (!b.set) return true;
  const std::int64_t healthy = ready_, desired = b.desired_healthy(replicas_);
  return in.state == Instance::Ready ? healthy - desired > 0 : healthy >= desired;
}

// Every pending eviction is tried once (kubectl drain evicts a node's pods in parallel); an
// evicted instance drains as on scale-in and its replacement starts at once.
void ServerPool::evict_pending(Context& ctx) {
  PoolDisruption& d = *disrupt_;
  DrainRecord& rec = d.drains.back();
  for (std::uint32_t i = 0; i < instances_.size() && d.pending > 0; ++i) {
    Instance& in = instances_[i];
    if (!in.evicting) continue;
    if (in.state == Instance::Gone || in.state == Instance::Draining) {  // went away otherwise
      in.evicting = false;
      --d.pending;
      continue;
    }
    if (!eviction_allowed(in)) {
      ++rec.refused;  // 429 Too Many Requests
      continue;
    }
    in.evicting = false;
    ++rec.evicted;
    retire(ctx, i);  // counted in the drain's lowest ready count while it is still pending
    --d.pending;
    launch(ctx, false);
  }
  update_counts(ctx);
  if (d.pending == 0) {
    if (rec.completed < 0) rec.completed = ctx.now();
  } else if (!d.retry_scheduled) {
    d.retry_scheduled = true;
    ctx.schedule(5 * kSecond, kEvictRetry);
  }
}

// The Vertical Pod Autoscaler's updater evicts one pod through the eviction API: it drains as
// on scale-in and its controller creates a replacement at once, which the admission controller
// gives the current request (launch()). The disruption budget, if any, may refuse.
bool ServerPool::evict(Context& ctx, std::uint64_t serial) {
  Context::ActingAs as(ctx, self_->index());
  for (std::uint32_t i = 0; i < instances_.size(); ++i) {
    Instance& in = instances_[i];
    if (in.serial != serial) continue;
    if (in.state != Instance::Ready || (disrupt_ && !eviction_allowed(in))) return false;
    retire(ctx, i);
    launch(ctx, false);
    update_counts(ctx);
    return true;
  }
  return false;
}

void ServerPool::report_disruptions(Context&, ComponentReport& r) const {
  if (!disrupt_) return;
  const PoolDisruption& d = *disrupt_;
  if (d.budget.set) r.add("disruption_budget.desired_healthy", static_cast<double>(d.budget.desired_healthy(replicas_)));
  for (std::size_t k = 0; k < d.drains.size(); ++k) {
    const DrainRecord& rec = d.drains[k];
    const std::string base = "drains." + std::to_string(k) + ".";
    r.add(base + "at_s", to_seconds(rec.started));
    r.add(base + "instances", rec.concerned);
    r.add(base + "evicted", rec.evicted);
    r.add(base + "refused", rec.refused);
    r.add(base + "min_ready", rec.min_ready);
    if (d.budget.set) r.add(base + "desired_healthy", static_cast<double>(rec.desired_healthy));
    if (rec.completed >= 0) r.add(base + "completed_s", to_seconds(rec.completed));
  }
}

}  // namespace archsim
