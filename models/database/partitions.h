// Partitions inside one database node (MySQL's PARTITION BY RANGE, LIST and HASH; the
// reference manual's "Partitioning Types" and "Partition Pruning"): a shard's table is split
// into `count` partitions, each its own clustered index (models/database/btree.h) under the
// node's one buffer pool.
//  - range (by date, as PARTITION BY RANGE (TO_DAYS(order_date))): partition 0 holds the
//    oldest period, the last the current one. The loaded rows fill the periods evenly; every
//    new row belongs to the current period, so inserts touch only the last partition's index.
//  - list (PARTITION BY LIST, e.g. by region): a row's value falls in partition p with
//    probability weights[p], for the loaded rows and the new ones alike.
//  - hash (PARTITION BY HASH on the key): a new row goes to any partition alike, the loaded
//    rows are spread evenly.
// A point read of an existing row carries the partition key with probability `pruning` (its
// WHERE clause names the partitioning column): the optimizer prunes the other partitions and
// probes one index. Without it every partition's index is probed: one leaf per partition.
// Simplifications: no dropping or adding of partitions during the run (the current period
// stays current); the loaded rows are split as the weights say, not drawn row by row; a probe
// of a partition that does not hold the row reads one leaf drawn as a row of that partition
// would be (the B-tree's descent reaches a leaf either way).
#pragma once
#include <cstdint>
#include <vector>

#include "scenario/params.h"
#include "sim/random.h"

namespace archsim::database {

enum class PartitionBy : std::uint8_t { Range, List, Hash };

struct PartitionParams {
  std::uint32_t count = 1;  // 1: the table is not partitioned
  PartitionBy by = PartitionBy::Hash;
  std::vector<double> share;  // per partition: its share of the loaded rows (and of new ones, list)
  double pruning = 1;         // the share of point reads that name the partitioning column
};

// Reads "partitions" of the storage object `s` (absent: one partition). Bad input: Params::fail.
PartitionParams read_partition_params(Params& s);

// The partition a new row goes to.
std::uint32_t partition_of_insert(const PartitionParams& pp, Rng& rng);
// How many of `rows` loaded rows partition `p` holds (the shares, the remainder to the last).
std::uint64_t loaded_rows(const PartitionParams& pp, std::uint32_t p, std::uint64_t rows);

}  // namespace archsim::database
