// Service: a route's two_phase_commit block, the coordinator of two-phase commit (Gray,
// "Notes on Data Base Operating Systems", 1978; the presumed-abort variant of Mohan, Lindsay
// and Obermarck, "Transaction Management in the R* Distributed Database Management System",
// TODS 1986, as the X/Open XA coordinators and PostgreSQL's prepared transactions run it).
//
// {"two_phase_commit": {"participants": [{"call": "accounts_a", "timeout": "1s"}, ...],
//                       "coordinator_crash": {"probability": 0.01, "recovery": "20s"}}}
// Phase 1 sends "prepare" to every participant at once (a database with
// max_prepared_transactions: it takes the request's row lock and votes; models/database/
// two_phase.cpp) and waits for every vote. All yes: phase 2 sends "commit_prepared" to every
// participant and the request succeeds. A no (a refusal, a lock wait timeout, a failed or
// timed-out prepare): "rollback_prepared" to every participant, and the request fails with
// the cause "2pc_aborted". With coordinator_crash, the coordinator of a transaction whose
// votes are in crashes with that probability before it logs its decision: the participants
// that voted yes are in doubt and keep their row locks for the `recovery` it is down; back,
// it finds no decision in its log and rolls the transaction back (presumed abort), and the
// request fails with the cause "2pc_in_doubt".
// Compiled into the route's flat program (service_impl.h):
//   TpcBegin  Parallel(prepare...)  Decide(no vote -> R)  Parallel(commit_prepared...)
//   Committed  Jump(end)   R: Parallel(rollback_prepared...)  Aborted   end:
// The parallel steps wait for every reply (continue_on_failure), unlike a parallel block's.
// A phase 2 with a failed reply (an error, a timeout) is sent again to every participant
// after `retry_interval` (default 1 s), until all answer: a participant answers a
// commit_prepared or rollback_prepared of a transaction it no longer holds with Ok, and a
// coordinator must not leave a prepared participant behind (retries counted, phase2_retries).
// Simplifications: the crash is of one transaction's coordinator state, not of the instance
// (its other requests go on; the request is answered after the recovery, by when its caller
// has usually timed out); a crash fault on the service drops its transactions with its
// requests and their prepared rows stay locked to the end of the run (the coordinator's log
// is not modelled); participants' calls take no retry policy of their own.
#include "models/contracts/result_flags.h"
#include "models/service/service_impl.h"
#include "scenario/errors.h"

namespace archsim::service_internal {

void Service::parse_two_phase(Params& s, BuildContext& bc, Program& prog, std::vector<Step>& out) {
  Params b = s.object("two_phase_commit");
  std::vector<Params> list = b.objects("participants");
  if (list.empty()) b.fail("participants", "expected a non-empty array of participants: {\"call\": \"<database>\", \"timeout\": \"...\"}");
  double crash_p = 0;
  Time recovery = 0;
  if (auto c = b.object_opt("coordinator_crash")) {
    crash_p = c->number("probability", 0.0, 0.0, 1.0);
    recovery = c->duration("recovery");
    if (recovery <= 0) c->fail("recovery", "must be above 0: the coordinator's down time");
  }
  const Time retry = b.duration("retry_interval", kSecond, 1);
  if (tpc_ && retry != tpc_retry_)
    b.fail("retry_interval", "differs from another two_phase_commit block's of this service");
  tpc_retry_ = retry;
  if (tpc_ && (crash_p != tpc_crash_p_ || recovery != tpc_recovery_))
    b.fail("coordinator_crash", "differs from another two_phase_commit block's of this service: its coordinator crashes and recovers as one");
  tpc_crash_p_ = crash_p;
  tpc_recovery_ = recovery;
  std::vector<RefId> refs;
  std::vector<Time> timeouts;
  for (Params& x : list) {
    refs.push_back(bc.reference(x, "call", RefKind::SyncCall));
    tpc_participants_.push_back(refs.back());
    timeouts.push_back(x.duration("timeout", 0));
  }
  // One phase's parallel step: a call of `route` to every participant, every reply waited for.
  auto phase = [&](const char* route) {
    Step st;
    st.kind = Step::Parallel;
    st.continue_on_failure = true;
    st.first_child = static_cast<std::uint32_t>(prog.calls.size());
    st.children = st.wait_for = static_cast<std::uint32_t>(refs.size());
    for (std::size_t k = 0; k < refs.size(); ++k) {
      Step c;
      c.kind = Step::Call;
      c.ref = refs[k];
      c.keep_route = false;
      c.route = bc.route_index(route);
      c.timeout = timeouts[k];
      prog.calls.push_back(c);
    }
    return st;
  };
  auto op = [](Step::TpcOp o) {
    Step st;
    st.kind = Step::TwoPhase;
    st.tpc_op = o;
    return st;
  };
  out.push_back(op(Step::TpcBegin));
  out.push_back(phase("prepare"));
  const std::size_t decide = out.size();
  out.push_back(op(Step::Decide));
  out.push_back(phase("commit_prepared"));
  out.push_back(op(Step::Committed));
  const std::size_t jump = out.size();
  Step j;
  j.kind = Step::Jump;
  out.push_back(j);
  out[decide].target = static_cast<std::uint32_t>(out.size());
  out.push_back(phase("rollback_prepared"));
  out.push_back(op(Step::Aborted));
  out[jump].target = static_cast<std::uint32_t>(out.size());
  if (!tpc_) {
    tpc_ = true;
    // Registered last of all causes (register_service_late_causes): found by name, once.
    const std::vector<std::string>& names = bc.cause_names();
    for (std::size_t k = 0; k < names.size(); ++k)
      if (names[k] == "2pc_aborted") tpc_aborted_ = static_cast<Status>(k);
      else if (names[k] == "2pc_in_doubt") tpc_in_doubt_ = static_cast<Status>(k);
    Metrics& m = bc.metrics();
    tpc_begun_c_ = m.counter(id_, "transactions");
    tpc_committed_c_ = m.counter(id_, "transactions_committed", "transactions_committed_rps");
    tpc_aborted_c_ = m.counter(id_, "transactions_aborted", "transactions_aborted_rps");
    tpc_in_doubt_c_ = m.counter(id_, "transactions_in_doubt", "transactions_in_doubt_rps");
    tpc_retries_c_ = m.counter(id_, "phase2_retries");
  }
}

bool Service::two_phase_step(Context& ctx, std::uint32_t j, const Step& st) {
  Job& job = jobs_[j];
  Metrics& m = ctx.metrics();
  const bool failed = (job.last.flags & result_flags::kCallFailed) != 0;
  switch (st.tpc_op) {
    case Step::TpcBegin:
      m.add(tpc_begun_c_);
      job.was_in_doubt = false;
      break;
    case Step::Decide:
      if (failed) {
        job.pc = st.target;
        return true;
      }
      // Every vote is yes. A crash before the decision is logged: the participants wait in
      // doubt for the coordinator's recovery, which then rolls back (presumed abort).
      if (tpc_crash_p_ > 0 &&
          Rng::first_uniform(Context::keyed_seed(stream_, job.req.id, (std::uint64_t{job.req.attempt} << 20) + job.pc + 0x2bc0)) < tpc_crash_p_) {
        m.add(tpc_in_doubt_c_);
        job.was_in_doubt = job.tpc_wait = true;
        job.pc = st.target;
        ctx.schedule(tpc_recovery_, kWorkDone, jobs_.payload(j));
        return false;
      }
      break;
    case Step::Committed:
    case Step::Aborted:
      if (failed) {  // a participant may still hold the transaction: phase 2 again, to all
        m.add(tpc_retries_c_);
        job.tpc_wait = true;
        --job.pc;
        ctx.schedule(tpc_retry_, kWorkDone, jobs_.payload(j));
        return false;
      }
      if (st.tpc_op == Step::Committed) {
        m.add(tpc_committed_c_);
        break;
      }
      if (!job.was_in_doubt) m.add(tpc_aborted_c_);
      job.status = job.was_in_doubt ? tpc_in_doubt_ : tpc_aborted_;
      complete(ctx, j);
      return false;
  }
  ++job.pc;
  return true;
}

void Service::two_phase_figures(Context& ctx, ComponentReport& r) {
  if (!tpc_) return;
  const Metrics& m = ctx.metrics();
  r.add("transactions", static_cast<double>(m.total(tpc_begun_c_)));
  r.add("transactions_committed", static_cast<double>(m.total(tpc_committed_c_)));
  r.add("transactions_aborted", static_cast<double>(m.total(tpc_aborted_c_)));
  r.add("transactions_in_doubt", static_cast<double>(m.total(tpc_in_doubt_c_)));
  r.add("phase2_retries", static_cast<double>(m.total(tpc_retries_c_)));
}

}  // namespace archsim::service_internal
