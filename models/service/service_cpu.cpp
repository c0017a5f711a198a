// Service: work steps sharing an instance's cores ("cores" < "concurrency", or its CPU
// request "resources.requests.cpu", which may be fractional), as threads of a
// thread pool share the vCPUs under the kernel's scheduler: egalitarian processor sharing.
// With k jobs in work on c cores each progresses at min(1, c / k); a job's work (already
// divided by the instance's speed and multiplied by any slowdown) ends when it has received
// that much CPU. Simplifications: no context-switch cost, no run-queue order (CFS is close to
// egalitarian sharing at this time scale), waiting on calls takes no CPU.
//
// Virtual time (as fair-queueing schedulers keep it): the instance's clock v advances at
// min(1, c / k) per ns; a job entering at v with work w leaves at tag v + w. Only the
// smallest tag needs a timer, re-set whenever k changes: O(log k) per start and end. The
// pool accounts the CPU (ServerPool::add_cpu); the state here is per pool slot (ps_).
#include "models/service/service_impl.h"

#include <algorithm>
#include <cmath>
#include <functional>

namespace archsim::service_internal {

namespace {
using Entry = std::pair<double, std::uint32_t>;
constexpr auto kLater = std::greater<Entry>();  // std heaps are max-heaps: invert for a min-heap
}  // namespace

void Service::ps_advance_clock(PsState& ps, std::uint32_t inst, Time now) const {
  const double k = static_cast<double>(ps.heap.size());
  Time ran = now - ps.last;
  if (pool_.gc_pauses()) [[unlikely]] {  // a collector's pause stops the cores' work
    const Time clock = gc_clock(pool_.instance(inst), now);
    ran -= clock - ps.gc_clock;
    ps.gc_clock = clock;
  }
  if (k > 0) ps.v += static_cast<double>(ran) * std::min(1.0, pool_.instance(inst).cores / k);
  ps.last = now;
}

void Service::ps_start(Context& ctx, std::uint32_t inst, std::uint32_t j, Time work) {
  PsState& ps = ps_[inst];
  ps_advance_clock(ps, inst, ctx.now());
  ps.heap.emplace_back(ps.v + static_cast<double>(work), j);
  std::push_heap(ps.heap.begin(), ps.heap.end(), kLater);
  pool_.add_cpu(ctx, inst, +1);
  ps_reschedule(ctx, inst);
}

void Service::ps_reschedule(Context& ctx, std::uint32_t inst) {
  PsState& ps = ps_[inst];
  ++ps.gen;
  if (ps.heap.empty()) return;
  const double rate = std::min(1.0, pool_.instance(inst).cores / static_cast<double>(ps.heap.size()));
  const double left = std::max(0.0, ps.heap.front().first - ps.v);
  const Time frozen = gc_frozen(pool_.instance(inst), ctx.now());  // no work until a pause under way ends
  ctx.schedule(frozen + static_cast<Time>(std::ceil(left / rate)), kPsDone, slot_payload(inst, ps.gen));
}

void Service::ps_done(Context& ctx, std::uint32_t inst, std::uint32_t gen) {
  PsState& ps = ps_[inst];
  if (gen != ps.gen) return;  // the sharing changed since: a later timer stands
  ps_advance_clock(ps, inst, ctx.now());
  // The timer was rounded up to a whole ns: every tag within half a ns of the clock is done.
  ps_finished_.clear();
  while (!ps.heap.empty() && ps.heap.front().first <= ps.v + 0.5) {
    ps_finished_.push_back(ps.heap.front().second);
    std::pop_heap(ps.heap.begin(), ps.heap.end(), kLater);
    ps.heap.pop_back();
  }
  pool_.add_cpu(ctx, inst, -static_cast<int>(ps_finished_.size()));
  ps_reschedule(ctx, inst);
  // Advancing a job may start another work step here (ps_start) or end jobs; copy the list.
  const std::size_t n = ps_finished_.size();
  for (std::size_t k = 0; k < n; ++k) {
    const std::uint32_t j = ps_finished_[k];
    Job& job = jobs_[j];
    if (!jobs_.live(j) || !job.in_work) continue;
    job.in_work = false;
    work_ended(job);
    advance(ctx, j);
  }
}

void Service::ps_clear(PsState& ps) {
  ps.heap.clear();
  ++ps.gen;
}

}  // namespace archsim::service_internal
