// The token ring and the consistency levels of a leaderless store (see kv_store.h), apart
// from the component so that they are tested on their own (tests/unit/test_kv_store.cpp).
//
// Ring: Cassandra's SimpleStrategy over a ring of virtual nodes (num_tokens per node).
// Each node owns `vnodes` tokens; a key's hash falls in the range (previous token, token],
// owned by the node of that token, and its replicas are that node and the next distinct
// nodes met walking the ring clockwise, `replication_factor` in all
// (SimpleStrategy.calculateNaturalReplicas). The ring never changes during a run (a node
// that is down keeps its ranges: that is why hints exist), so every token's replica list is
// computed once, and a lookup is one binary search.
// Simplified: tokens are xxHash64 of "<node>_<k>" (Cassandra draws random Murmur3 tokens, or
// since 4.0 allocates them for balance); a key's hash is mix64 of its 64 bits (Cassandra:
// Murmur3 of the partition key).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace archsim::kv_store {

class Ring {
 public:
  // `nodes` >= 1, 1 <= `replicas` <= nodes, `vnodes` >= 1.
  Ring(std::uint32_t nodes, std::uint32_t replicas, std::uint32_t vnodes);
  // Several data centres (NetworkTopologyStrategy): node n is in data centre `node_dc[n]`, and
  // data centre d holds `dc_replicas[d]` replicas of every key (at most its nodes): for each
  // data centre in turn, the ring is walked from the key's token taking that centre's next
  // distinct nodes. The list is then the replicas alone, grouped by data centre in order.
  Ring(std::uint32_t vnodes, const std::vector<std::uint8_t>& node_dc, const std::vector<std::uint32_t>& dc_replicas);
  std::uint32_t nodes() const { return nodes_; }
  std::uint32_t replicas() const { return rf_; }
  // The range a key falls in: an index for replicas_of(). O(log tokens), no allocation.
  std::uint32_t range_of(std::uint64_t key) const;
  // The range's preference list: every node once, in ring order from the token's owner; the
  // first `replicas()` are the key's replicas (with data centres: the replicas alone).
  const std::uint8_t* replicas_of(std::uint32_t range) const { return &lists_[static_cast<std::size_t>(range) * width_]; }
  std::uint32_t ranges() const { return static_cast<std::uint32_t>(tokens_.size()); }
  // The share of the ring node `n` holds a replica of (for tests: about rf / nodes each).
  double share(std::uint32_t n) const;

 private:
  void place_tokens(std::uint32_t vnodes, std::vector<std::pair<std::uint64_t, std::uint8_t>>& points);
  std::uint32_t nodes_, rf_, width_;
  std::vector<std::uint64_t> tokens_;  // sorted
  std::vector<std::uint8_t> lists_;    // width_ nodes per token
};

// The consistency levels (Cassandra's ConsistencyLevel.blockFor): how many replica answers a
// coordinator waits for, out of `rf`: all the key's replicas, or for LOCAL_ONE and
// LOCAL_QUORUM those of the coordinator's data centre.
enum class Level : std::uint8_t { One, Two, Three, Quorum, All, LocalOne, LocalQuorum };
inline constexpr std::size_t kLevels = 7;
inline bool is_local(Level l) { return l == Level::LocalOne || l == Level::LocalQuorum; }
std::optional<Level> parse_level(std::string_view name);
std::string_view level_name(Level l);
std::vector<std::string> level_names();
// Answers needed: ONE and LOCAL_ONE 1, TWO 2, THREE 3, QUORUM and LOCAL_QUORUM
// floor(rf / 2) + 1, ALL rf.
std::uint32_t block_for(Level l, std::uint32_t rf);

}  // namespace archsim::kv_store
