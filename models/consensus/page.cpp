// What the page shows of a consensus group (sim/page_section.h): its writes over time and the
// members acting as leader, with the figures an operator reads first.
#include "models/consensus/group.h"

namespace archsim::consensus {

void declare_page(PageSection& page) {
  page.panel("Writes committed, failed and lost", "per second", {"committed_rps", "failed_rps", "lost_rps"},
             "Committed: acknowledged by a majority. Failed: no leader, or a leader cut off from its majority. "
             "Lost: acknowledged, then overwritten by a new leader (only with quorum off).")
      .panel("Members acting as leader", "members", {"leaders"},
             "Means over each window. Zero is an election; two is a split brain, which a majority quorum ends within "
             "an election timeout and which, with quorum off, lasts as long as the partition.")
      .varies();
  page.headline("writes_committed", "committed")
      .headline("writes_failed", "failed")
      .headline("writes_lost", "lost")
      .headline("elections", "elections")
      .headline("leader_changes", "leader changes")
      .headline("election_time_max_s", "longest election (s)");
}

}  // namespace archsim::consensus
