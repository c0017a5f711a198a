#include "models/database/sharding.h"

#include <algorithm>

#include "lib/hash/key_slot.h"

namespace archsim::database {

ShardMap::ShardMap(Sharding s, std::uint32_t shards, std::vector<std::uint64_t> split_points, std::uint64_t rows,
                   std::uint64_t salt)
    : s_(s), n_(std::max<std::uint32_t>(shards, 1)), splits_(std::move(split_points)), rows_(std::max<std::uint64_t>(rows, 1)),
      salt_(salt) {
  if (s_ == Sharding::Range && splits_.size() + 1 != n_) {
    splits_.clear();
    for (std::uint32_t i = 1; i < n_; ++i) splits_.push_back(rows_ * i / n_);
  }
  if (s_ == Sharding::Directory) {
    directory_.resize(kBuckets);
    for (std::uint32_t b = 0; b < kBuckets; ++b) directory_[b] = static_cast<std::uint32_t>(std::uint64_t{b} * n_ / kBuckets);
  }
  if (s_ == Sharding::ConsistentHash) build_ring();
}

ShardMap::ShardMap(const ShardMap& o)
    : s_(o.s_), n_(o.n_), splits_(o.splits_), rows_(o.rows_), salt_(o.salt_), directory_(o.directory_) {
  if (s_ == Sharding::ConsistentHash) build_ring();
}

ShardMap& ShardMap::operator=(const ShardMap& o) {
  if (this == &o) return *this;
  s_ = o.s_;
  n_ = o.n_;
  splits_ = o.splits_;
  rows_ = o.rows_;
  salt_ = o.salt_;
  directory_ = o.directory_;
  ring_.reset();
  backends_.clear();
  if (s_ == Sharding::ConsistentHash) build_ring();
  return *this;
}

void ShardMap::build_ring() {
  backends_.assign(n_, Backend{});
  // A shard's ring points depend on its number only: shard i keeps them when others join.
  for (std::uint32_t i = 0; i < n_; ++i) backends_[i].id = hash64(salt_ ^ 0x5368617264ULL, i);
  // libketama's ring: 160 points per shard whatever their number, so a joining shard
  // leaves the others' points where they were.
  ring_ = make_picker(Algorithm::ketama);
  ring_->rebuild(backends_);
}

std::uint32_t ShardMap::shard_of(std::uint64_t key) const {
  // A string key (lib/hash/key_slot.h) is placed by its hash slot, so keys that
  // share a hash tag share a shard; range sharding splits its key numbers.
  if (is_string_key(key)) key = s_ == Sharding::Range ? key_number(key) : key_slot(key);
  switch (s_) {
    case Sharding::Hash: return static_cast<std::uint32_t>(hash64(key, salt_) % n_);
    case Sharding::Range:
      return static_cast<std::uint32_t>(std::upper_bound(splits_.begin(), splits_.end(), key) - splits_.begin());
    case Sharding::Directory: return directory_[hash64(key, salt_) % kBuckets];
    case Sharding::ConsistentHash: {
      PickInput in;
      in.key = key;
      in.has_key = true;
      int i = ring_->pick(backends_, in, unused_rng_);
      return i < 0 ? 0 : static_cast<std::uint32_t>(i);
    }
  }
  return 0;
}

ShardMap ShardMap::resharded(std::uint32_t shards) const {
  ShardMap out(s_, shards, {}, rows_, salt_);
  if (s_ != Sharding::Directory) return out;
  // Directory: keep every bucket where it is unless its shard is gone or holds more than
  // its even share; those buckets go to the shards below their share, in bucket order.
  const std::uint32_t m = out.n_;
  std::vector<std::uint32_t> count(m, 0);
  std::vector<std::uint32_t> dir = directory_;
  std::vector<std::uint32_t> loose;
  for (std::uint32_t b = 0; b < kBuckets; ++b) {
    std::uint32_t share = kBuckets / m + (dir[b] < kBuckets % m ? 1 : 0);
    if (dir[b] >= m || count[dir[b]] >= share) loose.push_back(b);
    else ++count[dir[b]];
  }
  std::uint32_t s = 0;
  for (std::uint32_t b : loose) {
    while (count[s] >= kBuckets / m + (s < kBuckets % m ? 1 : 0)) ++s;
    dir[b] = s;
    ++count[s];
  }
  out.directory_ = std::move(dir);
  return out;
}

double ShardMap::moved_fraction(const ShardMap& a, const ShardMap& b, std::uint64_t keys) {
  if (keys == 0) return 0;
  std::uint64_t moved = 0;
  for (std::uint64_t k = 0; k < keys; ++k) moved += a.shard_of(k) != b.shard_of(k);
  return static_cast<double>(moved) / static_cast<double>(keys);
}

}  // namespace archsim::database
