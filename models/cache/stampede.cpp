// Stampede control: keys in flight (a read-through backend read, or a cache-aside lease held
// by the first caller that missed), the misses that wait for them (coalesce) or poll them
// (lock), and the lease that expires when its holder never sets the key.
#include <algorithm>
#include <utility>

#include "models/cache/cache_impl.h"
#include "models/contracts/result_flags.h"

namespace archsim::cache {

namespace rf = result_flags;

// A miss that finds the key in flight: coalesce waits for the value, lock polls.
void Cache::wait_on(Context& ctx, std::uint32_t j, std::uint32_t f) {
  if (p_.stampede == Stampede::Lock) {
    ctx.metrics().add(lock_retries_c_);
    ctx.trace_span(jobs_[j].call, TraceSpan::Lock, ctx.now(), after(ctx.now(), p_.lock_retry));
    arm(ctx, p_.lock_retry, kRetry, token(j));
    return;
  }
  ctx.metrics().add(coalesced_c_);
  Flight& fl = flights_[f];
  jobs_[j].since = ctx.now();
  fl.waiters.push(j, waiter_link());
}

std::uint32_t Cache::open_flight(Context& ctx, std::uint64_t key, std::uint32_t node) {
  std::uint32_t f;
  if (free_flights_ != kNone) {
    f = free_flights_;
    free_flights_ = flights_[f].next_free;
  } else {
    f = static_cast<std::uint32_t>(flights_.size());
    flights_.emplace_back();
  }
  Flight& fl = flights_[f];
  fl.key = flight_key(key, node);
  fl.node = node;
  fl.waiters = WaitList{};
  fl.leader = kNone;
  fl.live = true;
  flights_map_.put(fl.key, f);
  ++live_flights_;
  max_flights_ = std::max(max_flights_, live_flights_);
  ctx.metrics().set(flights_g_, static_cast<double>(live_flights_), ctx.now());
  return f;
}

// Answers every waiter of flight f and closes it.
void Cache::release_flight(Context& ctx, std::uint32_t f, Status status, Result r) {
  Flight& fl = flights_[f];
  // Taken off the flight first: a reply may open flights (flights_ grows, `fl` moves).
  WaitList waiting = std::exchange(fl.waiters, WaitList{});
  for (std::uint32_t w; (w = waiting.pop(waiter_link())) != kNone;) {
    ctx.trace_span(jobs_[w].call, TraceSpan::Lock, jobs_[w].since, ctx.now());
    ctx.reply(jobs_[w].call, status, r);
    free_job(w);
  }
  close_flight(ctx, f);
}

void Cache::close_flight(Context& ctx, std::uint32_t f) {
  Flight& fl = flights_[f];
  flights_map_.erase(fl.key);
  fl.live = false;
  ++fl.gen;
  fl.waiters = WaitList{};
  fl.next_free = free_flights_;
  free_flights_ = f;
  --live_flights_;
  ctx.metrics().set(flights_g_, static_cast<double>(live_flights_), ctx.now());
}

// The lease holder never set the key: the waiters go to the database themselves.
void Cache::lease_expired(Context& ctx, std::uint64_t data) {
  const std::uint32_t f = slot_of(data);
  if (f < flights_.size() && flights_[f].live && current_gen(data, flights_[f].gen))
    release_flight(ctx, f, Status::Ok, Result{0, rf::kMiss});
}

// A replica process going down leaves the flights it waited on (unreachable today: only
// primaries crash; kept so that any slot may go down).
void Cache::unlink_waiters(std::uint32_t n, std::uint32_t i) {
  for (Flight& fl : flights_) {
    if (!fl.live || fl.node != n) continue;
    WaitList kept;  // the waiters of other instances, in their order
    for (std::uint32_t w; (w = fl.waiters.pop(waiter_link())) != kNone;)
      if (jobs_[w].inst != i) kept.push(w, waiter_link());
    fl.waiters = kept;
  }
}

}  // namespace archsim::cache
