// The leaderless store's ring and consistency levels (models/kv_store/ring.h): replica lists
// as SimpleStrategy builds them (the owner of the key's range, then the next distinct nodes
// clockwise), checked against a walk of the ring done here by brute force, and the levels'
// block-for counts as Cassandra's ConsistencyLevel.blockFor gives them.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "lib/hash/digests.h"
#include "models/kv_store/ring.h"
#include "sim/random.h"

using archsim::kv_store::block_for;
using archsim::kv_store::Level;
using archsim::kv_store::level_name;
using archsim::kv_store::parse_level;
using archsim::kv_store::Ring;

TEST_CASE("kv_store ring: a key's preference list is its range's owner and the next distinct nodes clockwise") {
  const std::uint32_t nodes = 5, rf = 3, vnodes = 4;
  Ring ring(nodes, rf, vnodes);
  // The ring again, by hand: every node's tokens, sorted.
  std::vector<std::pair<std::uint64_t, std::uint32_t>> points;
  for (std::uint32_t n = 0; n < nodes; ++n)
    for (std::uint32_t k = 0; k < vnodes; ++k) points.emplace_back(archsim::xxhash64(std::to_string(n) + "_" + std::to_string(k)), n);
  std::sort(points.begin(), points.end());
  REQUIRE(ring.ranges() == points.size());
  for (std::uint64_t key = 0; key < 2000; ++key) {
    const std::uint64_t h = archsim::mix64(key, 0x6b76);
    std::size_t first = 0;
    while (first < points.size() && points[first].first < h) ++first;
    if (first == points.size()) first = 0;  // past the last token: the ring wraps
    std::vector<std::uint32_t> want;
    for (std::size_t s = 0; want.size() < nodes; ++s) {
      const std::uint32_t n = points[(first + s) % points.size()].second;
      if (std::find(want.begin(), want.end(), n) == want.end()) want.push_back(n);
    }
    const std::uint8_t* got = ring.replicas_of(ring.range_of(key));
    CAPTURE(key);
    for (std::uint32_t i = 0; i < nodes; ++i) CHECK(got[i] == want[i]);  // the replicas, then the stand-ins
  }
}

TEST_CASE("kv_store ring: every list has N distinct nodes, then the others, and the shares of the ring sum to N") {
  for (std::uint32_t nodes : {1u, 3u, 5u, 12u}) {
    for (std::uint32_t rf = 1; rf <= std::min(nodes, 5u); ++rf) {
      Ring ring(nodes, rf, 16);
      for (std::uint32_t r = 0; r < ring.ranges(); ++r) {
        const std::uint8_t* list = ring.replicas_of(r);
        std::set<std::uint8_t> distinct(list, list + rf);
        CHECK(distinct.size() == rf);
        CHECK(*distinct.rbegin() < nodes);
        // The preference list goes on past the replicas with every other node once.
        std::set<std::uint8_t> all(list, list + nodes);
        CHECK(all.size() == nodes);
      }
      double sum = 0;
      for (std::uint32_t n = 0; n < nodes; ++n) sum += ring.share(n);
      CAPTURE(nodes);
      CAPTURE(rf);
      CHECK(sum == doctest::Approx(rf).epsilon(1e-9));
      if (rf == nodes)
        for (std::uint32_t n = 0; n < nodes; ++n) CHECK(ring.share(n) == doctest::Approx(1.0));
    }
  }
  // With 16 tokens a node, five nodes each hold a replica of about 3/5 of the ring (random
  // tokens: within a third of it).
  Ring ring(5, 3, 16);
  for (std::uint32_t n = 0; n < 5; ++n) {
    CHECK(ring.share(n) > 0.4);
    CHECK(ring.share(n) < 0.8);
  }
}

TEST_CASE("kv_store ring: with data centres, each centre's replicas are its next distinct nodes clockwise") {
  // NetworkTopologyStrategy without racks: for each centre in turn, walk the ring from the
  // key's token and take that centre's nodes. Nodes 0-2 in centre 0, 3-7 in centre 1.
  const std::vector<std::uint8_t> node_dc = {0, 0, 0, 1, 1, 1, 1, 1};
  const std::vector<std::uint32_t> rf = {2, 3};
  const std::uint32_t vnodes = 4;
  Ring ring(vnodes, node_dc, rf);
  CHECK(ring.replicas() == 5);
  std::vector<std::pair<std::uint64_t, std::uint32_t>> points;
  for (std::uint32_t n = 0; n < node_dc.size(); ++n)
    for (std::uint32_t k = 0; k < vnodes; ++k) points.emplace_back(archsim::xxhash64(std::to_string(n) + "_" + std::to_string(k)), n);
  std::sort(points.begin(), points.end());
  for (std::uint64_t key = 0; key < 1000; ++key) {
    const std::uint64_t h = archsim::mix64(key, 0x6b76);
    std::size_t first = 0;
    while (first < points.size() && points[first].first < h) ++first;
    if (first == points.size()) first = 0;
    std::vector<std::uint32_t> want;
    for (std::uint32_t d = 0; d < rf.size(); ++d) {
      std::vector<std::uint32_t> mine;
      for (std::size_t s = 0; mine.size() < rf[d]; ++s) {
        const std::uint32_t n = points[(first + s) % points.size()].second;
        if (node_dc[n] == d && std::find(mine.begin(), mine.end(), n) == mine.end()) mine.push_back(n);
      }
      want.insert(want.end(), mine.begin(), mine.end());
    }
    const std::uint8_t* got = ring.replicas_of(ring.range_of(key));
    CAPTURE(key);
    for (std::size_t i = 0; i < want.size(); ++i) CHECK(got[i] == want[i]);
  }
}

TEST_CASE("kv_store levels: blockFor as Cassandra counts it") {
  // QUORUM is floor(rf / 2) + 1 (ConsistencyLevel.quorumFor).
  const std::uint32_t quorum[] = {0, 1, 2, 2, 3, 3, 4, 4, 5, 5};
  for (std::uint32_t rf = 1; rf <= 9; ++rf) {
    CAPTURE(rf);
    CHECK(block_for(Level::One, rf) == 1);
    CHECK(block_for(Level::Two, rf) == 2);
    CHECK(block_for(Level::Three, rf) == 3);
    CHECK(block_for(Level::Quorum, rf) == quorum[rf]);
    CHECK(block_for(Level::All, rf) == rf);
    // Two quorums always overlap: the read of a quorum sees every write a quorum acknowledged.
    CHECK(2 * block_for(Level::Quorum, rf) > rf);
  }
  CHECK(block_for(Level::LocalOne, 3) == 1);
  CHECK(block_for(Level::LocalQuorum, 3) == 2);
  CHECK(block_for(Level::LocalQuorum, 5) == 3);
  for (const char* name : {"ONE", "TWO", "THREE", "QUORUM", "ALL", "LOCAL_ONE", "LOCAL_QUORUM"}) {
    const auto l = parse_level(name);
    REQUIRE(l.has_value());
    CHECK(level_name(*l) == name);
  }
  CHECK(!parse_level("quorum").has_value());  // Cassandra's names are upper case
  CHECK(!parse_level("EACH_QUORUM").has_value());  // not offered
}
