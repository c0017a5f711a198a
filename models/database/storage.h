// The storage engine under a database's queries ("storage"), after InnoDB: each shard's table
// is a clustered index whose leaf pages (models/database/btree.h) are read through the
// primary's buffer pool (models/database/buffer_pool.h).
//
// With "storage", a query on a shard's primary costs, on top of its drawn cost:
//  - a write inserts one row with a new primary key (key_order "random": UUID v4, any leaf;
//    "sequential": auto-increment or UUID v7, the rightmost leaf): a page read (page_read)
//    when its leaf is not in the buffer pool, a page write (page_write) for the leaf, and when
//    the leaf was full a split: the new page's write and its parent's update, two page_write
//    more;
//  - a read looks up one existing row, drawn uniformly: a page read when its leaf is not in
//    the buffer pool.
// Write cost and misses are thus functions of the key order and of buffer_pool_mb against
// the index's size: sequential inserts touch one leaf (always resident) and fill pages to
// 15/16; random ones touch any leaf and fill them to ln 2, so the index is larger and, once
// larger than the pool, most inserts read their page first.
//
// The table starts with the database's `rows` (split evenly over the shards), loaded by
// inserts in the same key order before t = 0: the index and the pool's content are those the
// load left (uncounted). Figures: page_splits, page_reads (buffer-pool misses), page_writes,
// buffer_pool_hit_ratio, index_pages, fill_factor, index_mb, table_rows; series
// page_reads_rps, page_splits_rps.
//
// With "partitions" each shard's table is several clustered indexes under the one pool
// (models/database/partitions.h): an insert goes to its row's partition, a point read probes
// one partition's index when pruned and every partition's otherwise. Figures
// partition_probes (index probes by point reads) and unpruned_reads.
//
// Simplifications: the I/O time is spent on the query's core (a thread waiting for its read
// holds its connection and its place); it is not scaled by the instance type's speed nor by
// a slowdown fault. Only the primaries have a storage engine: replicas apply and read at the
// queries' drawn cost. A shard keeps its index and pool across a failover (the promoted
// replica's are taken to be the same). Stock rows, leases and a reshard's copy are not
// stored rows (a storage with `reshard` is refused).
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "models/database/btree.h"
#include "models/database/buffer_pool.h"
#include "models/database/partitions.h"
#include "scenario/build.h"
#include "sim/distribution.h"
#include "sim/figures.h"

namespace archsim::database {

struct DatabaseParams;

struct StorageParams {
  bool on = false;
  KeyOrder order = KeyOrder::Sequential;
  std::uint32_t row_bytes = 200;
  double buffer_pool_mb = 128;  // innodb_buffer_pool_size's default
  Distribution page_read, page_write;
  Time old_blocks_time = kSecond;  // innodb_old_blocks_time
  PartitionParams parts;           // "partitions" (models/database/partitions.h)
  // Derived: records per leaf page (full, and as sequential inserts leave it), pool pages.
  std::uint32_t per_page = 0, per_page_sequential = 0, pool_pages = 0;
};

// Reads "storage" (absent: off). Throws ScenarioError on a bad field.
StorageParams read_storage_params(Params& p, const DatabaseParams& d);

class Storage {
 public:
  // Loads `rows` rows over `shards` shards (before t = 0). Draws from streams of `bc`.
  Storage(const StorageParams& sp, std::uint32_t shards, std::uint64_t rows, BuildContext& bc);

  // Declares the figures (after the database's own).
  void register_figures(Figures& f);
  // The I/O time of one statement on shard `shard`'s primary: an insert when `insert`, else a
  // point read. Draws the new key and the I/O times from `rng` (the request's).
  Time io(Context& ctx, std::uint32_t shard, bool insert, Rng& rng);

 private:
  // One partition's clustered index, and its leaves' ids in the shard's pool (dense over
  // the shard's partitions, in creation order).
  struct Part {
    LeafLevel index;
    std::vector<std::uint32_t> pool_id;
  };
  struct Shard {
    std::vector<Part> parts;
    BufferPool pool;
    Rng split_rng;
    std::uint32_t pages = 0;  // pool ids given out
    PrefixSums part_rows;     // with partitions: each one's rows, to draw a read's partition
  };
  static std::uint32_t pool_id(Shard& sh, Part& pt, std::uint32_t leaf);
  double index_pages() const;
  // One page access through the pool: its read time on a miss.
  Time touch(Context& ctx, Shard& sh, std::uint32_t page, Rng& rng);
  Time insert(Context& ctx, Shard& sh, Rng& rng);
  Time read(Context& ctx, Shard& sh, Rng& rng);
  StorageParams p_;
  std::vector<Shard> shards_;
  CounterId splits_c_{}, reads_c_{}, writes_c_{}, hits_c_{}, accesses_c_{}, probes_c_{}, unpruned_c_{};
};

}  // namespace archsim::database
