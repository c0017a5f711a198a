// Which shard owns a key: the four strategies of the database model (database.h), kept
// apart from the component so their key movement can be checked against theory.
//
//   hash             hash(key) mod n, as application-side modulo sharding does: adding a
//                    shard moves a key unless hash mod n == hash mod (n+1), i.e. about n/(n+1)
//                    of all keys ((n-1)/n ... the exact share is computed, not assumed).
//   range            split points k_1 < k_2 < ... < k_{n-1}: shard i holds [k_i, k_{i+1})
//                    (Vitess key ranges, HBase/Bigtable regions). Resharding to m shards
//                    splits the key space [0, rows) into m equal ranges.
//   directory        a lookup table from each of 1024 buckets (hash(key) mod 1024, Vitess's
//                    lookup vindex / Redis Cluster's hash slots in spirit) to a shard;
//                    built in contiguous blocks of buckets; resharding reassigns only as many buckets as the new
//                    shards need to be even (the directory is rewritten, not re-hashed).
//   consistent_hash  libketama's ring, 160 MD5 points per shard: the ketama picker of
//                    lib/picker (ring_picker.cpp); a new shard takes ~1/(n+1).
//
// A string key (a client route's keys.format) is placed by its Redis Cluster hash slot
// (lib/hash/key_slot.h) in place of the key: keys that share a hash tag share a
// shard under hash, directory and consistent_hash; range splits the key numbers.
//
// Cost: shard_of() is O(1) for hash/directory, O(log n) for range, O(log R) for the ring (R
// points); no allocation. Building (and rebuilding at a reshard) allocates.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "lib/picker/picker.h"

namespace archsim::database {

enum class Sharding : std::uint8_t { Hash, Range, Directory, ConsistentHash };

class ShardMap {
 public:
  static constexpr std::uint32_t kBuckets = 1024;

  // `split_points` only for Range (n - 1 ascending keys; empty: equal ranges of [0, rows)).
  ShardMap(Sharding s, std::uint32_t shards, std::vector<std::uint64_t> split_points, std::uint64_t rows,
           std::uint64_t salt);
  ShardMap(const ShardMap& o);
  ShardMap& operator=(const ShardMap& o);

  std::uint32_t shards() const { return n_; }
  std::uint32_t shard_of(std::uint64_t key) const;
  // The map after adding or removing shards (what a reshard switches to).
  ShardMap resharded(std::uint32_t shards) const;
  // Fraction of the keys 0 .. keys-1 whose shard differs between `a` and `b`.
  static double moved_fraction(const ShardMap& a, const ShardMap& b, std::uint64_t keys);

 private:
  void build_ring();
  Sharding s_;
  std::uint32_t n_;
  std::vector<std::uint64_t> splits_;
  std::uint64_t rows_, salt_;
  std::vector<std::uint32_t> directory_;
  std::vector<Backend> backends_;
  std::unique_ptr<Picker> ring_;
  mutable Rng unused_rng_{1};
};

}  // namespace archsim::database
