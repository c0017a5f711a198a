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
#include <vector>

namespace archsim::kv_store {

class Ring {
 public:
  // `nodes` >= 1, 1 <= `replicas` <= nodes, `vnodes` >= 1.
  Ring(std::uint32_t nodes, std::uint32_t replicas, std::uint32_t vnodes);
  std::uint32_t nodes() const { return nodes_; }
  std::uint32_t replicas() const { return rf_; }
  // The range a key falls in: an index for replicas_of(). O(log tokens), no allocation.
  std::uint32_t range_of(std::uint64_t key) const;
  // The range's preference list: every node once, in ring order from the token's owner; the
  // first `replicas()` are the key's replicas.
  const std::uint8_t* replicas_of(std::uint32_t range) const { return &lists_[static_cast<std::size_t>(range) * nodes_]; }
  std::uint32_t ranges() const { return static_cast<std::uint32_t>(tokens_.size()); }
  // The share of the ring node `n` holds a replica of (for tests: about rf / nodes each).
  double share(std::uint32_t n) const;

 private:
  std::uint32_t nodes_, rf_;
  std::vector<std::uint64_t> tokens_;  // sorted
  std::vector<std::uint8_t> lists_;    // nodes_ nodes per token
};

// The consistency levels (Cassandra's ConsistencyLevel.blockFor): how many replica answers a
// coordinator waits for, out of `rf`. LOCAL_* levels need data centres, which this store has
// not (one data centre: they would equal QUORUM and ONE), so they are not offered.
enum class Level : std::uint8_t { One, Two, Three, Quorum, All };
std::optional<Level> parse_level(std::string_view name);
std::string_view level_name(Level l);
std::vector<std::string> level_names();
// Answers needed: ONE 1, TWO 2, THREE 3, QUORUM floor(rf / 2) + 1, ALL rf.
std::uint32_t block_for(Level l, std::uint32_t rf);

}  // namespace archsim::kv_store
