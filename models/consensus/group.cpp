// Building the group from its parameters, and its report. See consensus.h.
#include <algorithm>
#include <memory>
#include <string>

#include "models/consensus/consensus.h"
#include "models/consensus/group.h"
#include "scenario/describe.h"
#include "sim/results.h"

namespace archsim {
namespace consensus {

Group::Group(Params& p, BuildContext& bc) : rng_(bc.rng(0)) {
  n_ = static_cast<int>(p.integer("members", 5, 1, 9));
  if (n_ % 2 == 0) p.fail("members", "must be odd (3 or 5 as etcd recommends): an even group tolerates no more failures than the odd one below it");
  majority_ = n_ / 2 + 1;
  quorum_ = p.boolean("quorum", true);
  heartbeat_ = p.duration("heartbeat", 100 * kMillisecond, kMillisecond, kMinute);
  election_timeout_ = p.duration("election_timeout", 1000 * kMillisecond, kMillisecond, kHour);
  // etcd refuses an election timeout under five heartbeats; a follower must hear several
  // heartbeats per timeout or it campaigns against a live leader.
  if (election_timeout_ < 2 * heartbeat_) p.fail("election_timeout", "must be at least twice the heartbeat (etcd wants 5 to 10 times)");
  network_ = p.distribution("network", Distribution::constant(0.5 * kMillisecond));
  fsync_ = p.distribution("fsync", Distribution::constant(2 * kMillisecond));
  if (auto c = p.object_opt("crash")) {
    crash_at_ = c->duration("at");
    if (c->has("duration")) crash_for_ = c->duration("duration");
    c->finish();
  }
  cut_members_.assign(static_cast<std::size_t>(n_), 0);
  if (auto c = p.object_opt("partition")) {
    cut_at_ = c->duration("at");
    cut_for_ = c->duration("duration");
    if (!c->has("members")) c->missing("members");
    int cut = 0;
    for (const Params::Value& v : c->value("members").items()) {
      const auto k = v.as_integer();
      if (!k || *k < 0 || *k >= n_) v.fail("expected a member index from 0 to " + std::to_string(n_ - 1));
      if (cut_members_[static_cast<std::size_t>(*k)]) v.fail("names member " + std::to_string(*k) + " twice");
      cut_members_[static_cast<std::size_t>(*k)] = 1;
      ++cut;
    }
    if (cut == 0 || cut == n_) c->fail("members", "must name some members but not all: the ones cut off from the others");
    c->finish();
  }
  m_.resize(static_cast<std::size_t>(n_));
  writes_.reserve(4096);
  free_.reserve(4096);
  acks_.reserve(static_cast<std::size_t>(n_));
  Metrics& m = bc.metrics();
  committed_c_ = m.counter(bc.id(), "writes_committed", "committed_rps");
  failed_c_ = m.counter(bc.id(), "writes_failed", "failed_rps");
  lost_c_ = m.counter(bc.id(), "writes_lost", "lost_rps");
  leaders_g_ = m.gauge(bc.id(), "leaders", "leaders");
  declare_figures(m, bc.id());
}

void Group::describe(Description& d) const {
  d.kind = Description::Kind::Server;
  d.replicas = static_cast<std::uint32_t>(n_);
  d.quorum = static_cast<std::uint32_t>(majority_);
  d.concurrency = Description::kUnlimited;
  Description::Program prog;
  prog.any_route = true;
  const double fsync = fsync_.mean() / 1e9;
  prog.work_s = n_ == 1 ? fsync : std::max(fsync, 2 * network_.mean() / 1e9 + fsync);
  prog.work_scv = 0;
  d.programs.push_back(std::move(prog));
}

void Group::finish(Context& ctx, ComponentReport& r) {
  figures_.report(ctx, r);
  declare_page(r.page());
}

// The figures in summary.json, in order; finish() reports them.
void Group::declare_figures(Metrics& m, const std::string& id) {
  figures_ = Figures(m, id);
  Figures& f = figures_;
  f.per_second("throughput_rps", committed_c_);
  f.held("members", n_);
  f.held("writes", sent_);
  f.held("writes_committed", committed_);
  f.held("writes_failed", failed_);
  f.held("writes_lost", lost_);
  // Accepted and not yet answered when the run ended: the rest of the conservation
  // writes = committed + failed + lost + in flight.
  f.value("writes_in_flight", [this] {
    double in_flight = 0;
    for (const Write& w : writes_) in_flight += w.state == WriteState::Free ? 0 : 1;
    return in_flight;
  });
  f.held("not_leader", not_leader_);
  f.value("commit_latency_mean_s", [this] { return commit_n_ ? commit_sum_s_ / static_cast<double>(commit_n_) : 0.0; });
  f.held("elections", elections_);
  f.held("campaigns", campaigns_);
  f.held("leader_changes", leader_changes_);
  f.value("election_time_min_s", [this] { return to_seconds(election_min_); });
  f.value("election_time_max_s", [this] { return to_seconds(election_max_); });
  f.value("election_time_mean_s", [this] { return elections_ ? election_sum_s_ / static_cast<double>(elections_) : 0.0; });
  f.value("term", [this] {
    std::uint64_t term = 0;
    for (const Member& x : m_) term = std::max(term, x.term);
    return static_cast<double>(term);
  });
}

}  // namespace consensus

std::unique_ptr<Component> make_consensus(Params& p, BuildContext& bc) { return std::make_unique<consensus::Group>(p, bc); }

}  // namespace archsim
