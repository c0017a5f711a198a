// The consensus group's state and its handlers (one class; its files each hold one job:
// group.cpp builds and reports, writes.cpp takes and commits writes, election.cpp runs
// heartbeats, elections and the group's faults). Contracts in consensus.h.
#pragma once
#include <cstdint>
#include <vector>

#include "scenario/build.h"
#include "sim/distribution.h"
#include "sim/figures.h"
#include "sim/page_section.h"
#include "sim/random.h"

namespace archsim::consensus {

enum Tag : std::uint16_t {
  kCommit = 1,     // data: write slot
  kElectionTimer,  // data: member | generation << 8
  kHeartbeat,      // data: leader | generation << 8
  kAppend,         // data: leader | follower << 8 | term << 16 (a heartbeat arriving)
  kStale,          // data: leader | term << 16 (a follower told a stale leader of a higher term)
  kVoteRequest,    // data: candidate | voter << 8 | term << 16
  kVoteReply,      // data: candidate | voter << 8 | term << 16
  kCrash,
  kRecover,
  kPartition,
  kHeal,
};

// What the page shows of a group (page.cpp).
void declare_page(PageSection& page);

enum class Role : std::uint8_t { Follower, Candidate, Leader };

struct Member {
  bool up = true;
  std::uint8_t side = 0;          // 0 or 1 while a partition lasts
  Role role = Role::Follower;
  int known_leader = -1;
  std::uint64_t term = 0;
  std::uint64_t voted_term = 0;   // the last term it granted a vote in
  std::uint32_t votes = 0;        // as a candidate, this term
  Time last_heard = 0;            // from a leader (or granting a vote)
  Time timeout = 0;               // its current randomised election timeout
  Time last_quorum = 0;           // as leader: last tick a majority was reachable
  std::uint32_t gen = 0;          // cancels its election timer / heartbeat ticks
  std::uint64_t acked_in_cut = 0;  // writes it acknowledged while the partition lasts
};

enum class WriteState : std::uint8_t { Free, Waiting, Scheduled };

struct Write {
  WriteState state = WriteState::Free;
  CallId call{};
  int leader = -1;
  std::uint64_t term = 0;
  Time accepted = 0;   // at the leader
  Time forward = 0;    // the hop back to the member the client reached (0 at the leader)
};

class Group final : public Component {
 public:
  Group(Params& p, BuildContext& bc);
  void start(Context& ctx) override;
  void on_request(Context& ctx, CallId call) override;
  void on_timer(Context& ctx, std::uint16_t tag, std::uint64_t data) override;
  void finish(Context& ctx, ComponentReport& r) override;
  // For `archsim analyze`: a server of `members` instances, of which a majority must be up,
  // taking every write at once (M/G/inf: writes never wait for one another here), each held
  // for its commit: the leader's fsync beside the round trip and fsync of the followers, both
  // at their means (2 network + fsync), as the majority's order statistic of constants is.
  void describe(Description& d) const override;

 private:
  // writes.cpp
  void commit(Context& ctx, std::uint32_t slot);
  void schedule_commit(Context& ctx, std::uint32_t slot);
  void fail_writes_of(Context& ctx, int leader);
  std::uint32_t new_slot();
  // election.cpp
  void dispatch(Context& ctx, std::uint16_t tag, std::uint64_t data);
  // The leaders gauge: members up and leading, whatever their term (two while a cut-off
  // leader has not yet stepped down, or for good with quorum off: split brain).
  void note_leaders(Context& ctx);
  bool reachable(int a, int b) const;
  int reachable_count(int m) const;  // members m can reach, itself included
  void reset_timer(Context& ctx, int m);
  void election_timer(Context& ctx, int m, std::uint32_t gen);
  void campaign(Context& ctx, int m);
  void vote_request(Context& ctx, int c, int v, std::uint64_t term);
  void vote_reply(Context& ctx, int c, std::uint64_t term);
  void become_leader(Context& ctx, int m);
  void heartbeat(Context& ctx, int m, std::uint32_t gen);
  void append(Context& ctx, int leader, int f, std::uint64_t term);
  void step_down(Context& ctx, int m, bool higher_term);
  void see_term(Context& ctx, int m, std::uint64_t term);
  void crash(Context& ctx);
  void recover(Context& ctx);
  void partition(Context& ctx);
  void heal(Context& ctx);
  Time net() { return network_.sample_time(rng_); }

  int n_ = 5, majority_ = 3;
  bool quorum_ = true;
  Time heartbeat_ = 0, election_timeout_ = 0;
  Distribution network_, fsync_;
  Time crash_at_ = -1, crash_for_ = -1, cut_at_ = -1, cut_for_ = 0;
  std::vector<std::uint8_t> cut_members_;
  std::vector<Member> m_;
  std::vector<Write> writes_;
  std::vector<std::uint32_t> free_;
  std::vector<Time> acks_;  // scratch: one commit's follower acknowledgements
  std::uint32_t next_member_ = 0;
  int crashed_ = -1;
  bool cut_ = false;
  Time leader_lost_at_ = -1;
  std::uint64_t sent_ = 0, committed_ = 0, failed_ = 0, lost_ = 0, not_leader_ = 0;
  std::uint64_t elections_ = 0, campaigns_ = 0, leader_changes_ = 0;
  Time election_min_ = 0, election_max_ = 0;
  double election_sum_s_ = 0, commit_sum_s_ = 0;
  std::uint64_t commit_n_ = 0;
  Rng rng_;
  CounterId committed_c_, failed_c_, lost_c_;
  GaugeId leaders_g_;
  int leaders_ = -1;
  Figures figures_;  // every figure, reported by finish() in the order declared
  void declare_figures(Metrics& m, const std::string& id);
};

}  // namespace archsim::consensus
