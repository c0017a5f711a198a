// Service: resilience policies on call steps, load shedding and idempotent writes.
#include "models/service/service_impl.h"
#include "models/contracts/result_flags.h"
#include "models/contracts/causes.h"

namespace archsim::service_internal {

// A call of a step ended (directly, or through its policy after retries / fallback).
void Service::step_ended(Context& ctx, std::uint64_t token, Status status, Result result) {
  std::uint32_t j = slot_of(token);
  if (jobs_.find(token) == kNoSlot) return;  // a late reply of an earlier step
  Job& job = jobs_[j];
  --job.pending;
  if (served(status)) {
    ++job.oks;
    job.last = result;
  } else {
    ++job.fails;
  }
  if (status == Status::Degraded) job.status = Status::Degraded;  // a fallback answered: so do we
  std::uint32_t issued = job.oks + job.fails + job.pending;
  {
    const Step& st = programs_[job.program].steps[job.pc];
    if (st.kind == Step::Parallel && st.continue_on_failure) [[unlikely]] {  // 2PC: every vote counts
      if (job.pending > 0) return;
      jobs_.supersede(j);
      job.last = Result{0, job.fails ? result_flags::kCallFailed : 0u};
      ++job.pc;
      advance(ctx, j);
      return;
    }
  }
  if (job.oks >= job.needed) {
    jobs_.supersede(j);  // the rest of a k-of-n fan-out is no longer waited for
    const Step& st = programs_[job.program].steps[job.pc];
    if (st.token_cache) [[unlikely]]
      token_answered(ctx, job, st);
    ++job.pc;
    advance(ctx, j);
  } else if (issued - job.fails < job.needed) {
    jobs_.supersede(j);
    const Step& st = programs_[job.program].steps[job.pc];
    if (st.kind == Step::Call && st.continue_on_failure) {
      // "on_failure": "continue" (cache-aside around a dead cache): the route goes on as if
      // the reply had been a miss.
      job.last = Result{0, result_flags::kCallFailed};
      ++job.pc;
      advance(ctx, j);
      return;
    }
    // A caller's own policy refusals keep their cause (429 stays 429); the rest is a 5xx.
    job.status = causes::is_policy_refusal(status) ? status : Status::Error;
    complete(ctx, j);
  }
}

bool Service::call_wanted(std::uint64_t token) const {
  return jobs_.find(token) != kNoSlot;
}

std::uint32_t Service::add_policy(Params& s, BuildContext& bc, Time timeout) {
  std::string label = s.string("call");
  int same = 0;
  for (const std::string& l : policy_labels_)
    if (l == label || l.rfind(label + "_", 0) == 0) ++same;
  if (same) label += "_" + std::to_string(same + 1);
  policy_labels_.push_back(label);
  auto index = static_cast<std::uint32_t>(policies_.size());
  const SubOwner sub = bc.sub_owner(s);  // policies_[k] is sub-owner k (is_policy_token)
  assert(sub.index == index);
  policies_.push_back(std::make_unique<CallPolicy>(s, bc, CallPolicy::Site::CallStep, id_ + "->" + label,
                                                   "calls." + label, sub, *this, timeout));
  return index + 1;
}

void Service::read_resilience(Params& p, Metrics& m) {
  if (auto shed = p.object_opt("shed")) {
    // Shed before the queue is full: a request that finds `queue_length` waiting is refused
    // at once with its own cause, so callers can tell overload from a broken server.
    shed_queue_ = static_cast<std::uint64_t>(shed->require_integer("queue_length", 0, 1'000'000'000));
    shed_c_ = m.counter(id_, "shed", "shed_rps");
  }
  idempotent_ = p.boolean("idempotent", false);
  Time ttl = p.duration("idempotency_ttl", 10 * kMinute, kSecond);
  writes_ = resilience::WriteLedger(ttl);
  writes_c_ = m.counter(id_, "writes");
  duplicate_c_ = m.counter(id_, "duplicate_writes");
  dedup_c_ = m.counter(id_, "deduplicated_writes");
}

// True when the request was answered here: shed, or a repeat of an applied idempotent write.
bool Service::shed_or_deduplicate(Context& ctx, CallId call, const RequestInfo& req, std::uint32_t inst) {
  if (shed_queue_ != kNoShed && pool_.saturated(inst, shed_queue_)) {
    ctx.metrics().add(shed_c_);
    ctx.metrics().add(err_c_);
    ctx.reply(call, causes::Shed);
    return true;
  }
  if (idempotent_ && req.write && writes_.applied(req, ctx.now())) {
    ctx.metrics().add(dedup_c_);
    ctx.reply(call, Status::Ok);  // the saved result of the first request with this key
    return true;
  }
  return false;
}

// A write was answered successfully: applied once, or again (duplicate / deduplicated).
void Service::record_write(Context& ctx, const RequestInfo& req) {
  const bool first = writes_.apply(req, ctx.now());
  if (first) ctx.metrics().add(writes_c_);
  else ctx.metrics().add(idempotent_ ? dedup_c_ : duplicate_c_);
  // Event sourcing: an applied command appends its event; a deduplicated repeat appends none.
  if (es_.on && (first || !idempotent_)) ++es_.appended;
}

void Service::resilience_figures(Context& ctx, ComponentReport& r) {
  Metrics& m = ctx.metrics();
  if (shed_queue_ != kNoShed) r.add("shed", static_cast<double>(m.total(shed_c_)));
  std::uint64_t w = m.total(writes_c_), d = m.total(duplicate_c_), dd = m.total(dedup_c_);
  if (w + d + dd > 0 || idempotent_) {
    r.add("writes", static_cast<double>(w));
    r.add("duplicate_writes", static_cast<double>(d));
    if (idempotent_) r.add("deduplicated_writes", static_cast<double>(dd));
  }
  for (const auto& pol : policies_) pol->finish(ctx, r);
  for (const TokenCacheSite& t : token_caches_) {
    const auto hits = m.total(t.hits), misses = m.total(t.misses);
    r.add("token_cache." + t.label + ".hits", static_cast<double>(hits));
    r.add("token_cache." + t.label + ".misses", static_cast<double>(misses));
    r.add("token_cache." + t.label + ".hit_ratio",
          hits + misses ? static_cast<double>(hits) / static_cast<double>(hits + misses) : 0.0);
  }
}

std::uint32_t Service::add_token_cache(Params& s, Params& tc, BuildContext& bc) {
  const Time ttl = tc.duration("ttl");
  if (ttl <= 0) tc.fail("ttl", "expected a positive duration, such as \"5m\"");
  std::string label = s.string("call");
  int same = 0;
  for (const TokenCacheSite& t : token_caches_)
    if (t.label == label || t.label.rfind(label + "_", 0) == 0) ++same;
  if (same) label += "_" + std::to_string(same + 1);
  Metrics& m = bc.metrics();
  CounterId hits = m.counter(id_, "token_cache_hits_" + label);
  CounterId misses = m.counter(id_, "token_cache_misses_" + label);
  token_caches_.push_back(TokenCacheSite{security::TokenCache(ttl), label, hits, misses});
  return static_cast<std::uint32_t>(token_caches_.size());
}

bool Service::token_cached(Context& ctx, const Job& job, const Step& st) {
  TokenCacheSite& t = token_caches_[st.token_cache - 1];
  if (t.cache.fresh(job.instance, job.req.session, ctx.now())) {
    ctx.metrics().add(t.hits);
    return true;
  }
  ctx.metrics().add(t.misses);
  return false;
}

}  // namespace archsim::service_internal
