// Taking a client's write at a member, replicating it, and answering it. See consensus.h.
#include <algorithm>

#include "models/consensus/group.h"

namespace archsim::consensus {

std::uint32_t Group::new_slot() {
  if (!free_.empty()) {
    const std::uint32_t s = free_.back();
    free_.pop_back();
    return s;
  }
  writes_.emplace_back();  // grows to the most writes in flight at once, then reuses
  return static_cast<std::uint32_t>(writes_.size() - 1);
}

void Group::on_request(Context& ctx, CallId call) {
  ++sent_;
  // The client reaches the next live member (a partition inside the group does not cut it
  // off from any member).
  int at = -1;
  for (int k = 0; k < n_; ++k) {
    const int c = static_cast<int>((next_member_ + static_cast<std::uint32_t>(k)) % static_cast<std::uint32_t>(n_));
    if (m_[static_cast<std::size_t>(c)].up) {
      at = c;
      break;
    }
  }
  next_member_ = (next_member_ + 1) % static_cast<std::uint32_t>(n_);
  const int leader = at < 0 ? -1 : (m_[static_cast<std::size_t>(at)].role == Role::Leader ? at : m_[static_cast<std::size_t>(at)].known_leader);
  // A follower forwards only to a leader it can reach that still leads (one that stepped
  // down answers the forward with a refusal, which comes to the same).
  if (leader < 0 || (leader != at && !reachable(at, leader)) || m_[static_cast<std::size_t>(leader)].role != Role::Leader) {
    ++failed_;
    ++not_leader_;
    ctx.metrics().add(failed_c_);
    ctx.reply(call, Status::Unavailable);
    return;
  }
  const std::uint32_t s = new_slot();
  Write& w = writes_[s];
  w.call = call;
  w.leader = leader;
  w.term = m_[static_cast<std::size_t>(leader)].term;
  w.forward = leader == at ? 0 : net() + net();  // to the leader and back
  w.accepted = ctx.now();
  schedule_commit(ctx, s);
}

// When the write commits at its leader: its own fsync, and (with quorum) the
// floor(n/2)-th fastest acknowledgement of the followers it can reach now.
void Group::schedule_commit(Context& ctx, std::uint32_t s) {
  Write& w = writes_[s];
  Time at = fsync_.sample_time(rng_);
  if (quorum_) {
    acks_.clear();
    for (int f = 0; f < n_; ++f)
      if (f != w.leader && reachable(w.leader, f)) acks_.push_back(net() + fsync_.sample_time(rng_) + net());
    const std::size_t need = static_cast<std::size_t>(majority_ - 1);
    if (acks_.size() < need) {
      w.state = WriteState::Waiting;  // until the leader steps down or the partition heals
      return;
    }
    std::nth_element(acks_.begin(), acks_.begin() + static_cast<std::ptrdiff_t>(need - 1), acks_.end());
    if (need > 0) at = std::max(at, acks_[need - 1]);
  }
  w.state = WriteState::Scheduled;
  ctx.schedule(at + w.forward, kCommit, s);
}

void Group::commit(Context& ctx, std::uint32_t s) {
  Write& w = writes_[s];
  if (w.state != WriteState::Scheduled) return;  // failed when its leader stepped down
  const Member& l = m_[static_cast<std::size_t>(w.leader)];
  if (l.up && l.role == Role::Leader && l.term == w.term) {
    ++committed_;
    ctx.metrics().add(committed_c_);
    commit_sum_s_ += to_seconds(ctx.now() - w.accepted - w.forward);
    ++commit_n_;
    if (cut_) ++m_[static_cast<std::size_t>(w.leader)].acked_in_cut;
    ctx.reply(w.call, Status::Ok);
  } else {
    ++failed_;
    ctx.metrics().add(failed_c_);
    ctx.reply(w.call, Status::Unavailable);
  }
  w.state = WriteState::Free;
  free_.push_back(s);
}

// A leader stepped down or crashed: its writes not yet committed fail (a client sees etcd's
// "leader changed" error). Scheduled ones fail when their commit timer finds it.
void Group::fail_writes_of(Context& ctx, int leader) {
  for (std::uint32_t s = 0; s < writes_.size(); ++s) {
    Write& w = writes_[s];
    if (w.state != WriteState::Waiting || w.leader != leader) continue;
    ++failed_;
    ctx.metrics().add(failed_c_);
    ctx.reply(w.call, Status::Unavailable);
    w.state = WriteState::Free;
    free_.push_back(s);
  }
}

}  // namespace archsim::consensus
