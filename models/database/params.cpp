#include "models/database/params.h"

#include <algorithm>
#include <optional>

#include "scenario/params.h"

namespace archsim::database {

DatabaseParams read_database_params(Params& p, BuildContext& bc) {
  DatabaseParams d;
  d.cores = static_cast<std::uint32_t>(p.integer("cores", 8, 1, 100000));
  d.max_connections = static_cast<std::uint32_t>(p.integer("max_connections", 100, 1, 10'000'000));
  // Callers' pools summed over their instances past this: a warning at load (scenario/connection_budget.h).
  bc.limits_connections(d.max_connections, p.path("max_connections"), "max_connections (per node)");
  d.read_from_replicas = p.choice("read_from", "primary", {"primary", "replicas"}) == "replicas";
  std::string rep = p.choice("replication", "async", {"async", "semi_sync", "sync"});
  d.replication = rep == "async" ? Replication::Async : rep == "semi_sync" ? Replication::SemiSync : Replication::Sync;
  d.lag = p.distribution("replication_lag", Distribution::constant(from_seconds(0.001)));
  d.read_your_writes = p.duration("read_your_writes", 0);
  d.lock_wait_timeout = p.duration("lock_wait_timeout", from_seconds(50));
  d.replicas = static_cast<std::uint32_t>(p.integer("replicas", 0, 0, 64));
  if (d.read_from_replicas && d.replicas == 0) p.fail("read_from", "\"replicas\" needs at least one replica");
  if (auto f = p.object_opt("failover")) {
    d.detection = f->duration("detection", from_seconds(10));
    d.promotion = f->duration("promotion", from_seconds(20));
  }
  d.rows = static_cast<std::uint64_t>(p.integer("rows", 100000, 1, 100'000'000));
  // Multi-AZ: node k of every shard (primary first) in zones[k % n]. Callers reach the
  // database at its endpoint, in the component's own `zone` (else zones[0]).
  std::vector<std::string> zones = p.strings("zones");
  if (p.has("zones") && zones.empty()) p.fail("zones", "must name at least one zone");
  for (const std::string& z : zones)
    if (z.empty()) p.fail("zones", "zone names must not be empty");
  d.zone_names = {bc.zone().empty() && !zones.empty() ? zones[0] : bc.zone()};
  for (const std::string& z : zones) {
    auto it = std::find(d.zone_names.begin(), d.zone_names.end(), z);
    d.zone_of.push_back(static_cast<std::uint32_t>(it - d.zone_names.begin()));
    if (it == d.zone_names.end()) d.zone_names.push_back(z);
  }
  d.cross_zone = bc.cross_zone_latency();
  d.multi_zone = d.zone_names.size() > 1 && !d.cross_zone.is_constant_zero();

  // Queries.
  Distribution def_read = Distribution::exponential(from_seconds(0.001));
  Distribution def_write = Distribution::exponential(from_seconds(0.002));
  std::map<std::string, Query>& named = d.queries;
  if (auto q = p.object_opt("queries")) {
    for (const std::string& name : q->keys()) {
      Query x;
      x.cost = q->distribution(name);
      x.write = name == "write" || name == "stock_decrement" || name == "buy";
      named[name] = x;
    }
  }
  if (!named.count("read")) named["read"] = Query{def_read, false, Kind::Read};
  if (!named.count("write")) named["write"] = Query{def_write, true, Kind::Write};
  for (auto& [name, x] : named) x.kind = x.write ? Kind::Write : Kind::Read;
  if (auto s = p.object_opt("stock")) {
    d.has_stock = true;
    d.stock_initial = s->integer("initial", 100, 0, 1'000'000'000'000);
    std::string u = p.choice("stock_update", "atomic", {"check_then_act", "atomic", "optimistic"});
    d.stock_update = u == "check_then_act" ? StockUpdate::CheckThenAct : u == "atomic" ? StockUpdate::Atomic : StockUpdate::Optimistic;
    auto add = [&](const char* name, Kind k, bool write) {
      Query x = named.count(name) ? named[name] : Query{write ? named["write"].cost : named["read"].cost, write, k};
      x.kind = k;
      x.write = write;
      named[name] = x;
    };
    add("stock_read", Kind::StockRead, false);
    add("stock_decrement", Kind::StockDecrement, true);
    add("buy", Kind::Buy, true);
  } else if (p.has("stock_update")) {
    p.fail("stock_update", "needs \"stock\": {\"initial\": N}");
  }

  // Sharding.
  std::string strategy = p.choice("sharding", "hash", {"hash", "range", "directory", "consistent_hash"});
  d.sharding = strategy == "hash" ? Sharding::Hash
               : strategy == "range" ? Sharding::Range
               : strategy == "directory" ? Sharding::Directory
                                         : Sharding::ConsistentHash;
  std::vector<std::uint64_t>& splits = d.split_points;
  if (p.has("split_points")) {
    if (d.sharding != Sharding::Range) p.fail("split_points", "only \"sharding\": \"range\" uses split points");
    const Params::Value a = p.value("split_points");
    if (a.shape() != Params::Shape::array) p.fail("split_points", "must be an array of ascending keys");
    for (const Params::Value& item : a.items()) {
      const std::optional<std::uint64_t> key = item.as_unsigned();
      if (!key) item.fail("must be a whole number >= 0 (a key)");
      std::uint64_t k = *key;
      if (!splits.empty() && k <= splits.back())
        item.fail("split points must be in ascending order: " + std::to_string(k) + " after " + std::to_string(splits.back()));
      splits.push_back(k);
    }
  }
  std::int64_t def_shards = splits.empty() ? 1 : static_cast<std::int64_t>(splits.size()) + 1;
  d.shards = static_cast<std::uint32_t>(p.integer("shards", def_shards, 1, 4096));
  if (!splits.empty() && splits.size() + 1 != d.shards)
    p.fail("split_points", std::to_string(d.shards) + " shards need " + std::to_string(d.shards - 1) + " split points, not " +
                               std::to_string(splits.size()));
  if (auto r = p.object_opt("reshard")) {
    d.reshard_at = r->duration("at");
    d.reshard_to = static_cast<std::uint32_t>(r->require_integer("shards", 1, 4096));
    if (d.reshard_to == d.shards) r->fail("shards", "is the current number of shards: nothing to reshard");
    d.copy_rate = r->number("copy_rate", 1000, 1e-3, 1e9);
    d.has_reshard = true;
  }
  d.restart_time = p.distribution("restart_time", Distribution::constant(0));  // mysqld restart + crash recovery
  read_database_memory(p, d);
  return d;
}

}  // namespace archsim::database
