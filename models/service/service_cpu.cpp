// Service: work steps sharing an instance's cores ("cores" < "concurrency"), as threads of a
// thread pool share the vCPUs under the kernel's scheduler: egalitarian processor sharing.
// With k jobs in work on c cores each progresses at min(1, c / k); a job's work (already
// divided by the instance's speed and multiplied by any slowdown) ends when it has received
// that much CPU. Simplifications: no context-switch cost, no run-queue order (CFS is close to
// egalitarian sharing at this time scale), waiting on calls takes no CPU.
//
// Virtual time (as fair-queueing schedulers keep it): the instance's clock ps_v advances at
// min(1, c / k) per ns; a job entering at ps_v with work w leaves at tag ps_v + w. Only the
// smallest tag needs a timer, re-set whenever k changes: O(log k) per start and end.
#include "models/service/service_impl.h"

#include <algorithm>
#include <cmath>
#include <functional>

namespace archsim::service_internal {

namespace {
using Entry = std::pair<double, std::uint32_t>;
constexpr auto kLater = std::greater<Entry>();  // std heaps are max-heaps: invert for a min-heap
}  // namespace

void Service::ps_advance_clock(Instance& in, Time now) const {
  const double k = static_cast<double>(in.ps_heap.size());
  if (k > 0) in.ps_v += static_cast<double>(now - in.ps_last) * std::min(1.0, cores_ / k);
  in.ps_last = now;
}

void Service::ps_start(Context& ctx, std::uint32_t inst, std::uint32_t j, Time work) {
  Instance& in = instances_[inst];
  ps_advance_clock(in, ctx.now());
  in.ps_heap.emplace_back(in.ps_v + static_cast<double>(work), j);
  std::push_heap(in.ps_heap.begin(), in.ps_heap.end(), kLater);
  set_cpu(ctx, in, +1);
  ps_reschedule(ctx, inst);
}

void Service::ps_reschedule(Context& ctx, std::uint32_t inst) {
  Instance& in = instances_[inst];
  ++in.ps_gen;
  if (in.ps_heap.empty()) return;
  const double rate = std::min(1.0, cores_ / static_cast<double>(in.ps_heap.size()));
  const double left = std::max(0.0, in.ps_heap.front().first - in.ps_v);
  ctx.schedule(static_cast<Time>(std::ceil(left / rate)), kPsDone, (static_cast<std::uint64_t>(inst) << 32) | in.ps_gen);
}

void Service::ps_done(Context& ctx, std::uint32_t inst, std::uint32_t gen) {
  Instance& in = instances_[inst];
  if (gen != in.ps_gen) return;  // the sharing changed since: a later timer stands
  ps_advance_clock(in, ctx.now());
  // The timer was rounded up to a whole ns: every tag within half a ns of the clock is done.
  ps_finished_.clear();
  while (!in.ps_heap.empty() && in.ps_heap.front().first <= in.ps_v + 0.5) {
    ps_finished_.push_back(in.ps_heap.front().second);
    std::pop_heap(in.ps_heap.begin(), in.ps_heap.end(), kLater);
    in.ps_heap.pop_back();
  }
  set_cpu(ctx, in, -static_cast<int>(ps_finished_.size()));
  ps_reschedule(ctx, inst);
  // Advancing a job may start another work step here (ps_start) or end jobs; copy the list.
  const std::size_t n = ps_finished_.size();
  for (std::size_t k = 0; k < n; ++k) {
    const std::uint32_t j = ps_finished_[k];
    Job& job = jobs_[j];
    if (!job.live || !job.in_work) continue;
    job.in_work = false;
    ++job.pc;
    advance(ctx, j);
  }
}

void Service::ps_clear(Instance& in) {
  in.ps_heap.clear();
  ++in.ps_gen;
}

}  // namespace archsim::service_internal
