// The database's parameters (models/database/database.h states the model), read once from its
// JSON object into DatabaseParams: units, ranges, defaults, the query table and the
// combinations that make no sense (split points without range sharding, a reshard to the
// same number of shards) refused here with the field's location.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "models/database/sharding.h"
#include "scenario/build.h"
#include "sim/distribution.h"
#include "sim/time.h"

namespace archsim::database {

enum class Kind : std::uint8_t {
  Read, Write, StockRead, StockDecrement, Buy, LeaseAcquire, LeaseWrite,
  Prepare, CommitPrepared, RollbackPrepared  // two-phase commit's participant (two_phase.cpp)
};
enum class Replication : std::uint8_t { Async, SemiSync, Sync };
enum class StockUpdate : std::uint8_t { CheckThenAct, Atomic, Optimistic };

struct Query {
  Distribution cost;
  bool write = false;
  Kind kind = Kind::Read;
  // Row locks (locks.h): the rows a keyed write locks (0: none), in descending order or not.
  std::uint8_t rows = 0;
  bool descending = false;
};

struct DatabaseParams {
  // Each node.
  std::uint32_t cores = 8, max_connections = 100;
  Distribution restart_time;
  // "memory" (memory.cpp): each node's container limit and baseline, in MiB; 0 = no limit (a
  // memory_leak fault is then refused).
  double memory_limit_mb = 0, memory_base_mb = 0;

  // Queries by name (route): "read" and "write" always, the stock's three with `stock`.
  std::map<std::string, Query> queries;

  // Replication and failover.
  std::uint32_t replicas = 0;
  bool read_from_replicas = false;
  Replication replication = Replication::Async;
  Distribution lag;
  Time read_your_writes = 0;
  Time detection = 10 * kSecond, promotion = 20 * kSecond;

  // Placement: zone_names[0] is the endpoint's zone; node k of a shard is in zone_of[k % n].
  std::vector<std::string> zone_names;
  std::vector<std::uint32_t> zone_of;
  Distribution cross_zone;
  bool multi_zone = false;

  // Sharding and resharding.
  std::uint64_t rows = 100000;
  Sharding sharding = Sharding::Hash;
  std::vector<std::uint64_t> split_points;
  std::uint32_t shards = 1;
  bool has_reshard = false;
  Time reshard_at = 0;
  std::uint32_t reshard_to = 0;
  double copy_rate = 1000;

  // The stock row.
  bool has_stock = false;
  std::int64_t stock_initial = 0;
  StockUpdate stock_update = StockUpdate::Atomic;
  Time lock_wait_timeout = 50 * kSecond;
};

// Reads the database's fields from `p` (and tells `bc` its connection limit and reads its
// zone and the network's cross-zone latency). Throws ScenarioError on a bad field.
DatabaseParams read_database_params(Params& p, BuildContext& bc);
// Reads "memory" into `d` (memory.cpp). Throws ScenarioError on a bad field.
void read_database_memory(Params& p, DatabaseParams& d);

}  // namespace archsim::database
