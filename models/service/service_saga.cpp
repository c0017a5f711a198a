// Service: a route's saga block, orchestrated as in the saga pattern (Garcia-Molina and
// Salem, "Sagas", SIGMOD 1987; the orchestration form of Richardson's microservices.io
// pattern, as Temporal's and Camunda's saga samples run it).
//
// {"saga": [{"call": "payments", "route": "charge", "compensate": {"call": "payments",
//            "route": "refund", "retry": {...}}}, ...]} runs its calls in order. When call k
// fails (after its own retries), the compensating calls of the steps before it that
// succeeded run in reverse order, k-1 down to 0, and the request fails with the cause
// "saga_compensated": a business failure, not a success. A compensating call that fails
// after its retries makes the saga "saga_inconsistent" (the orchestrator gives up on it and
// goes on with the others); the request fails with that cause instead.
// The block is compiled into the route's flat program (service_impl.h):
//   Begin  Call_0 Check_0  Call_1 Check_1 ...  Call_n-1 Check_n-1  Commit  Jump(end)
//   E_n-1: Comp_n-2 Compensated   E_n-2: Comp_n-3 Compensated ...   E_1: Comp_0 Compensated
//   E_0:   Abort
//   end:
// Check_k jumps to E_k when Call_k failed: from there the program falls through the
// compensations of steps k-1 ... 0 to the Abort.
// Simplifications: the failed step itself is not compensated (a call that timed out may
// have done its work downstream: that case, which real sagas handle with idempotent
// retries or a compensation of the uncertain step, is left out); the orchestrator's state is
// in memory, so a saga whose instance crashes is lost with its request, not resumed.
#include "models/contracts/result_flags.h"
#include "models/service/service_impl.h"
#include "scenario/errors.h"

namespace archsim::service_internal {

void Service::parse_saga(Params& s, BuildContext& bc, Program& prog, std::vector<Step>& out) {
  std::vector<Params> list = s.objects("saga");
  if (list.empty()) s.fail("saga", "expected a non-empty array of call steps, each with an optional \"compensate\" call");
  // One call step, as parse_steps reads it, with no branch and no on_failure of its own.
  auto one_call = [&](Params& x, const char* what) {
    if (!x.has("call"))
      x.fail_here(std::string("a saga's ") + what + " is a call: {\"call\": \"<component>\", \"route\": \"...\"}");
    for (const char* key : {"on_miss", "on_hit", "on_found", "on_not_found", "on_failure"})
      if (x.has(key)) x.fail(key, std::string("a saga's ") + what + " cannot have \"" + key + "\": the saga decides what follows it");
    std::vector<Params> single{x};
    std::vector<Step> tmp;
    parse_steps(single, bc, prog, tmp, false);
    tmp.front().continue_on_failure = true;  // a failure goes on to the saga's Check, not out
    return tmp.front();
  };
  Step begin;
  begin.kind = Step::Saga;
  begin.saga_op = Step::Begin;
  out.push_back(begin);
  std::vector<std::size_t> checks;
  std::vector<std::optional<Step>> comps;
  for (Params& x : list) {
    std::optional<Params> c = x.object_opt("compensate");
    out.push_back(one_call(x, "step"));
    checks.push_back(out.size());
    Step check;
    check.kind = Step::Saga;
    check.saga_op = Step::Check;
    out.push_back(check);
    comps.push_back(c ? std::optional<Step>(one_call(*c, "compensation")) : std::nullopt);
  }
  Step commit;
  commit.kind = Step::Saga;
  commit.saga_op = Step::Commit;
  out.push_back(commit);
  const std::size_t jump_pc = out.size();
  Step jump;
  jump.kind = Step::Jump;
  out.push_back(jump);
  std::vector<std::uint32_t> entry(list.size(), 0);
  for (std::size_t k = list.size(); k-- > 0;) {
    entry[k] = static_cast<std::uint32_t>(out.size());
    if (k == 0 || !comps[k - 1]) continue;
    out.push_back(*comps[k - 1]);
    Step done;
    done.kind = Step::Saga;
    done.saga_op = Step::Compensated;
    out.push_back(done);
  }
  Step abort;
  abort.kind = Step::Saga;
  abort.saga_op = Step::Abort;
  out.push_back(abort);
  out[jump_pc].target = static_cast<std::uint32_t>(out.size());
  for (std::size_t k = 0; k < checks.size(); ++k) out[checks[k]].target = entry[k];
  if (!sagas_) {
    sagas_ = true;
    // Registered last of all causes (register_service_late_causes): found by name, once.
    const std::vector<std::string>& names = bc.cause_names();
    for (std::size_t k = 0; k < names.size(); ++k)
      if (names[k] == "saga_compensated") compensated_ = static_cast<Status>(k);
      else if (names[k] == "saga_inconsistent") inconsistent_ = static_cast<Status>(k);
    Metrics& m = bc.metrics();
    saga_begun_c_ = m.counter(id_, "sagas");
    saga_committed_c_ = m.counter(id_, "sagas_committed");
    saga_compensated_c_ = m.counter(id_, "sagas_compensated", "sagas_compensated_rps");
    saga_inconsistent_c_ = m.counter(id_, "sagas_inconsistent", "sagas_inconsistent_rps");
    compensations_c_ = m.counter(id_, "compensations");
    compensation_failures_c_ = m.counter(id_, "compensation_failures");
  }
}

bool Service::saga_step(Context& ctx, std::uint32_t j, const Step& st) {
  Job& job = jobs_[j];
  Metrics& m = ctx.metrics();
  const bool failed = (job.last.flags & result_flags::kCallFailed) != 0;
  switch (st.saga_op) {
    case Step::Begin:
      m.add(saga_begun_c_);
      job.inconsistent = false;
      break;
    case Step::Check:
      if (failed) {
        job.pc = st.target;
        return true;
      }
      break;
    case Step::Compensated:
      m.add(compensations_c_);
      if (failed) {
        m.add(compensation_failures_c_);
        job.inconsistent = true;
      }
      break;
    case Step::Commit:
      m.add(saga_committed_c_);
      break;
    case Step::Abort:
      m.add(job.inconsistent ? saga_inconsistent_c_ : saga_compensated_c_);
      job.status = job.inconsistent ? inconsistent_ : compensated_;
      complete(ctx, j);
      return false;
  }
  ++job.pc;
  return true;
}

void Service::saga_figures(Context& ctx, ComponentReport& r) {
  if (!sagas_) return;
  const Metrics& m = ctx.metrics();
  r.add("sagas", static_cast<double>(m.total(saga_begun_c_)));
  r.add("sagas_committed", static_cast<double>(m.total(saga_committed_c_)));
  r.add("sagas_compensated", static_cast<double>(m.total(saga_compensated_c_)));
  r.add("sagas_inconsistent", static_cast<double>(m.total(saga_inconsistent_c_)));
  r.add("compensations", static_cast<double>(m.total(compensations_c_)));
  r.add("compensation_failures", static_cast<double>(m.total(compensation_failures_c_)));
}

}  // namespace archsim::service_internal
