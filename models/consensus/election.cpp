// Heartbeats, elections, terms and the group's own faults (a leader crash, a partition).
// See consensus.h for the rules followed.
#include <algorithm>

#include "models/consensus/group.h"

namespace archsim::consensus {
namespace {

std::uint64_t pack(int a, int b, std::uint64_t term) {
  return static_cast<std::uint64_t>(a) | static_cast<std::uint64_t>(b) << 8 | term << 16;
}
int first(std::uint64_t d) { return static_cast<int>(d & 0xff); }
int second(std::uint64_t d) { return static_cast<int>((d >> 8) & 0xff); }
std::uint64_t term_of(std::uint64_t d) { return d >> 16; }

}  // namespace

void Group::start(Context& ctx) {
  // A group already running: member 0 leads term 1, the others follow it.
  for (int k = 0; k < n_; ++k) {
    Member& x = m_[static_cast<std::size_t>(k)];
    x.term = 1;
    x.voted_term = 1;
    x.known_leader = 0;
    if (k > 0) reset_timer(ctx, k);
  }
  m_[0].role = Role::Leader;
  m_[0].last_quorum = 0;
  ctx.schedule(0, kHeartbeat, pack(0, 0, 0) | static_cast<std::uint64_t>(m_[0].gen) << 8);
  // At scenario times; none before a later start (Simulation::start_at).
  if (crash_at_ >= ctx.now()) ctx.schedule(crash_at_ - ctx.now(), kCrash);
  if (cut_at_ >= ctx.now()) ctx.schedule(cut_at_ - ctx.now(), kPartition);
  note_leaders(ctx);
}

void Group::on_timer(Context& ctx, std::uint16_t tag, std::uint64_t d) {
  dispatch(ctx, tag, d);
  if (tag != kCommit) note_leaders(ctx);  // a commit changes no role
}

void Group::note_leaders(Context& ctx) {
  int n = 0;
  for (const Member& x : m_) n += x.up && x.role == Role::Leader ? 1 : 0;
  if (n == leaders_) return;
  leaders_ = n;
  ctx.metrics().set(leaders_g_, n, ctx.now());
}

void Group::dispatch(Context& ctx, std::uint16_t tag, std::uint64_t d) {
  switch (tag) {
    case kCommit: return commit(ctx, static_cast<std::uint32_t>(d));
    case kElectionTimer: return election_timer(ctx, first(d), static_cast<std::uint32_t>(d >> 8));
    case kHeartbeat: return heartbeat(ctx, first(d), static_cast<std::uint32_t>(d >> 8));
    case kAppend: return append(ctx, first(d), second(d), term_of(d));
    case kStale: {
      Member& l = m_[static_cast<std::size_t>(first(d))];
      if (l.up && l.role == Role::Leader && l.term < term_of(d)) see_term(ctx, first(d), term_of(d));
      return;
    }
    case kVoteRequest: return vote_request(ctx, first(d), second(d), term_of(d));
    case kVoteReply: return vote_reply(ctx, first(d), term_of(d));
    case kCrash: return crash(ctx);
    case kRecover: return recover(ctx);
    case kPartition: return partition(ctx);
    case kHeal: return heal(ctx);
    default: return;
  }
}

bool Group::reachable(int a, int b) const {
  const Member& x = m_[static_cast<std::size_t>(a)];
  const Member& y = m_[static_cast<std::size_t>(b)];
  return x.up && y.up && x.side == y.side;
}

int Group::reachable_count(int m) const {
  int c = 0;
  for (int k = 0; k < n_; ++k) c += reachable(m, k) ? 1 : 0;
  return c;
}

// etcd's resetRandomizedElectionTimeout: a new draw in [T, 2T) each time.
void Group::reset_timer(Context& ctx, int m) {
  Member& x = m_[static_cast<std::size_t>(m)];
  x.last_heard = ctx.now();
  x.timeout = election_timeout_ + static_cast<Time>(rng_.uniform() * static_cast<double>(election_timeout_));
  ++x.gen;
  ctx.schedule(x.timeout, kElectionTimer, static_cast<std::uint64_t>(m) | static_cast<std::uint64_t>(x.gen) << 8);
}

void Group::election_timer(Context& ctx, int m, std::uint32_t gen) {
  Member& x = m_[static_cast<std::size_t>(m)];
  if (!x.up || x.role == Role::Leader || x.gen != gen) return;
  const Time due = x.last_heard + x.timeout;
  if (ctx.now() < due) {  // heard from a leader since: wait out the rest
    ctx.schedule(due - ctx.now(), kElectionTimer, static_cast<std::uint64_t>(m) | static_cast<std::uint64_t>(gen) << 8);
    return;
  }
  campaign(ctx, m);
}

void Group::campaign(Context& ctx, int m) {
  Member& x = m_[static_cast<std::size_t>(m)];
  x.known_leader = -1;
  if (reachable_count(m) < majority_) {  // pre-vote would fail: keep the term, wait again
    x.role = Role::Follower;
    reset_timer(ctx, m);
    return;
  }
  ++campaigns_;
  ++x.term;
  x.role = Role::Candidate;
  x.voted_term = x.term;
  x.votes = 1;
  reset_timer(ctx, m);  // a split vote: campaign again after a new draw
  for (int v = 0; v < n_; ++v)
    if (v != m && reachable(m, v)) ctx.schedule(net(), kVoteRequest, pack(m, v, x.term));
}

void Group::vote_request(Context& ctx, int c, int v, std::uint64_t term) {
  if (!reachable(c, v)) return;
  Member& y = m_[static_cast<std::size_t>(v)];
  if (term > y.term) see_term(ctx, v, term);
  if (term < y.term || y.voted_term >= term) return;  // one vote per term
  y.voted_term = term;
  reset_timer(ctx, v);
  ctx.schedule(net(), kVoteReply, pack(c, v, term));
}

void Group::vote_reply(Context& ctx, int c, std::uint64_t term) {
  Member& x = m_[static_cast<std::size_t>(c)];
  if (!x.up || x.role != Role::Candidate || x.term != term) return;
  if (++x.votes >= static_cast<std::uint32_t>(majority_)) become_leader(ctx, c);
}

void Group::become_leader(Context& ctx, int m) {
  Member& x = m_[static_cast<std::size_t>(m)];
  x.role = Role::Leader;
  x.known_leader = m;
  x.last_quorum = ctx.now();
  x.acked_in_cut = 0;
  ++x.gen;
  ++leader_changes_;
  if (leader_lost_at_ >= 0) {
    const Time took = ctx.now() - leader_lost_at_;
    election_min_ = elections_ == 0 ? took : std::min(election_min_, took);
    election_max_ = std::max(election_max_, took);
    election_sum_s_ += to_seconds(took);
    ++elections_;
    leader_lost_at_ = -1;
  }
  heartbeat(ctx, m, x.gen);
}

void Group::heartbeat(Context& ctx, int m, std::uint32_t gen) {
  Member& x = m_[static_cast<std::size_t>(m)];
  if (!x.up || x.role != Role::Leader || x.gen != gen) return;
  for (int f = 0; f < n_; ++f)
    if (f != m) ctx.schedule(net(), kAppend, pack(m, f, x.term));
  // etcd's CheckQuorum: a leader that has not reached a majority for an election timeout
  // steps down. An asynchronous primary (quorum off) never checks.
  if (reachable_count(m) >= majority_) x.last_quorum = ctx.now();
  else if (quorum_ && ctx.now() - x.last_quorum >= election_timeout_) return step_down(ctx, m, false);
  ctx.schedule(heartbeat_, kHeartbeat, static_cast<std::uint64_t>(m) | static_cast<std::uint64_t>(gen) << 8);
}

void Group::append(Context& ctx, int leader, int f, std::uint64_t term) {
  if (!reachable(leader, f)) return;  // lost on the way
  Member& y = m_[static_cast<std::size_t>(f)];
  if (term < y.term) {  // the reply tells the stale leader the newer term
    ctx.schedule(net(), kStale, pack(leader, 0, y.term));
    return;
  }
  if (term > y.term || y.role != Role::Follower) see_term(ctx, f, term);
  y.known_leader = leader;
  y.last_heard = ctx.now();
}

// Raft's rule for every message: a higher term makes the member a follower of that term.
void Group::see_term(Context& ctx, int m, std::uint64_t term) {
  Member& x = m_[static_cast<std::size_t>(m)];
  const bool was_leader = x.role == Role::Leader;
  x.term = std::max(x.term, term);
  if (was_leader) return step_down(ctx, m, true);
  if (x.role == Role::Candidate) {
    x.role = Role::Follower;
    reset_timer(ctx, m);
  }
  x.known_leader = -1;
}

// `higher_term`: it learned of a newer leader. An asynchronous primary's writes acknowledged
// while the partition cut it off were never seen by the newer leader's side: discarded.
void Group::step_down(Context& ctx, int m, bool higher_term) {
  Member& x = m_[static_cast<std::size_t>(m)];
  x.role = Role::Follower;
  x.known_leader = -1;
  if (higher_term && !quorum_ && x.acked_in_cut > 0) {
    lost_ += x.acked_in_cut;
    committed_ -= x.acked_in_cut;
    ctx.metrics().add(lost_c_, static_cast<double>(x.acked_in_cut));
  }
  x.acked_in_cut = 0;
  fail_writes_of(ctx, m);
  if (leader_lost_at_ < 0) leader_lost_at_ = ctx.now();
  if (x.up) reset_timer(ctx, m);
}

void Group::crash(Context& ctx) {
  int l = -1;
  for (int k = 0; k < n_; ++k)
    if (m_[static_cast<std::size_t>(k)].up && m_[static_cast<std::size_t>(k)].role == Role::Leader && (l < 0 || m_[static_cast<std::size_t>(k)].term > m_[static_cast<std::size_t>(l)].term)) l = k;
  if (l < 0) return;  // no leader at that instant: nothing to crash
  crashed_ = l;
  Member& x = m_[static_cast<std::size_t>(l)];
  x.up = false;
  ++x.gen;
  x.role = Role::Follower;
  x.known_leader = -1;
  x.acked_in_cut = 0;
  fail_writes_of(ctx, l);
  leader_lost_at_ = ctx.now();
  if (crash_for_ >= 0) ctx.schedule(crash_for_, kRecover);
}

void Group::recover(Context& ctx) {
  if (crashed_ < 0) return;
  Member& x = m_[static_cast<std::size_t>(crashed_)];
  x.up = true;  // its term and vote were on disk
  reset_timer(ctx, crashed_);
  crashed_ = -1;
}

void Group::partition(Context& ctx) {
  cut_ = true;
  for (int k = 0; k < n_; ++k) {
    m_[static_cast<std::size_t>(k)].side = cut_members_[static_cast<std::size_t>(k)];
    m_[static_cast<std::size_t>(k)].acked_in_cut = 0;
  }
  // A leader cut off from the majority is lost to it from now (the election time's start).
  for (int k = 0; k < n_; ++k)
    if (m_[static_cast<std::size_t>(k)].role == Role::Leader && reachable_count(k) < majority_ && leader_lost_at_ < 0) leader_lost_at_ = ctx.now();
  ctx.schedule(cut_for_, kHeal);
}

void Group::heal(Context& ctx) {
  cut_ = false;
  for (Member& x : m_) x.side = 0;
  // A leader's writes that waited for a majority it could not reach go out now.
  for (std::uint32_t s = 0; s < writes_.size(); ++s) {
    Write& w = writes_[s];
    if (w.state == WriteState::Waiting && m_[static_cast<std::size_t>(w.leader)].role == Role::Leader) schedule_commit(ctx, s);
  }
  // Heartbeats across the healed cut settle the terms: the stale leader steps down.
}

}  // namespace archsim::consensus
