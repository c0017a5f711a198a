// The database model: what it follows and simplifies is in database.h.
#include "models/database/database.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <string>
#include <vector>


#include "models/common/capabilities.h"
#include "models/common/ready_ledger.h"
#include "models/common/resource.h"
#include "models/common/server_pool/server_pool.h"
#include "models/common/result_flags.h"
#include "models/database/sharding.h"
#include "sim/continuation.h"
#include "sim/describe.h"
#include "sim/results.h"
#include "sim/ring.h"

namespace archsim {
namespace {

using database::ShardMap;
using database::Sharding;
namespace rf = result_flags;

struct Causes {
  Status too_many_connections, not_primary, lock_timeout, write_conflict, unknown_query;
};

enum class Kind : std::uint8_t { Read, Write, StockRead, StockDecrement, Buy };
enum class Replication : std::uint8_t { Async, SemiSync, Sync };
enum class StockUpdate : std::uint8_t { CheckThenAct, Atomic, Optimistic };
// Own timers: indexes into the block of tags the database takes after its server pool's
// (tags_, from the BuildContext).
enum Tag : std::uint16_t { kWorkDone, kLockTimeout, kTransit, kApplyDone, kFailover, kReshard, kCopy, kReply, kAck, kTagCount };

// A replica's applier waits for a core in its node's FIFO as job kApplyJob | node.
constexpr std::uint32_t kApplyJob = 1u << 31;
constexpr std::uint32_t kVersionSlots = 1u << 14;
constexpr std::uint32_t kSessionSlots = 1u << 14;
constexpr std::uint32_t kReadSlots = 1u << 14;

struct Query {
  Distribution cost;
  bool write = false;
  Kind kind = Kind::Read;
};

// What one request's stock_read saw (optimistic updates compare it at their decrement).
struct ReadNote {
  std::uint64_t id = 0, version = 0;
};

struct Transit {
  std::uint64_t pos = 0;
  Time commit = 0;
};

// A replica's acknowledgement on its way back to the primary across zones.
struct AckNote {
  std::uint64_t pos = 0;
  bool applied = false;  // an apply (sync) rather than a receipt (semi_sync)
};

// A node is a slot of the database's server pool (its cores are the pool's workers, its core
// wait the pool's FIFO); what it is to replication is kept here.
struct Node {
  std::uint32_t shard = 0;
  bool up = true, primary = false;
  bool lost = false;           // its jobs were dropped: slot_down has yet to act on the shard
  bool waiting = false;        // back from a restart while its shard's failover runs: joins at its end
  std::uint64_t received = 0;  // last binlog position received
  std::uint64_t applied = 0;   // last position applied (contiguous)
  // What the primary knows of them: equal unless acknowledgements cross zones.
  std::uint64_t ack_received = 0, ack_applied = 0;
  std::uint32_t zone = 0;      // index into zone names; 0 is the endpoint's zone
  std::uint32_t conns = 0, busy = 0;
  std::uint32_t epoch = 0;     // invalidates transit and apply timers
  Time last_arrival = 0;
  Ring<Transit> transit, relay;
  Ring<AckNote> acks;
  bool applying = false, apply_has_core = false;
  Rng rng;
  GaugeId busy_g;
};

struct Shard {
  std::uint32_t primary = 0;
  bool has_primary = true, failover_pending = false;
  std::uint64_t pos = 0, acked = 0;
  Ring<std::uint32_t> pending;  // writes waiting for replica acknowledgement, in position order
  std::vector<std::uint64_t> versions;
  std::vector<std::uint32_t> nodes;  // nodes[0] is the first primary
  std::uint32_t rr = 0, epoch = 0;
  Time down_since = 0;
  CounterId load;
};

enum class JobState : std::uint8_t { Free, WaitLock, WaitCore, Working, WaitAck, WaitReply };

struct Job {
  CallId call = 0;
  RequestInfo req;
  Time arrived = 0, lock_since = 0;
  Time wait_since = 0;   // its wait for a core, then for replicas' acknowledgements, began (traces)
  std::uint32_t node = 0, query = 0, gen = 0;
  JobState state = JobState::Free;
  bool lock_held = false, internal = false;
  bool in_pool = false;  // admitted to its node's pool (waiting for a core or working)
  std::int64_t stock_seen = 0;
  std::uint64_t version_seen = 0, pos = 0;
  std::int32_t gather = -1;  // the scatter-gather query this job is one shard's part of (-1: none)
  std::uint32_t part = 0;    // that part's shard: mixed into the cost draw, so parts differ
  Status reply_status = Status::Ok;  // the answer on its way back across zones (WaitReply)
  Result reply_result;
};

// A query without the shard key, sent to every shard (Vitess scatter): it answers when the
// last part has (the slowest shard), with the first failure if any part failed.
struct Gather {
  CallId call = 0;
  Time arrived = 0;
  std::uint32_t remaining = 0;
  Status status = Status::Ok;
  Result result;
};

class Database final : public Component, public HasCapabilities, public Crashable, public PoolJobs {
 public:
  Database(Params& p, BuildContext& bc, const Causes& causes) : causes_(causes), pool_rng_(bc.rng(7)), pool_(*this, *this, pool_rng_) {
    const std::string id = bc.id();
    stream_ = bc.stream_seed(0);
    cores_ = static_cast<std::uint32_t>(p.integer("cores", 8, 1, 100000));
    max_conns_ = static_cast<std::uint32_t>(p.integer("max_connections", 100, 1, 10'000'000));
    // Callers' pools summed over their instances past this: a warning at load (sim/connection_budget.h).
    bc.limits_connections(max_conns_, p.path("max_connections"), "max_connections (per node)");
    read_from_replicas_ = p.choice("read_from", "primary", {"primary", "replicas"}) == "replicas";
    std::string rep = p.choice("replication", "async", {"async", "semi_sync", "sync"});
    replication_ = rep == "async" ? Replication::Async : rep == "semi_sync" ? Replication::SemiSync : Replication::Sync;
    lag_ = p.distribution("replication_lag", Distribution::constant(from_seconds(0.001)));
    ryw_ = p.duration("read_your_writes", 0);
    lock_wait_timeout_ = p.duration("lock_wait_timeout", from_seconds(50));
    std::int64_t replicas = p.integer("replicas", 0, 0, 64);
    replicas_ = static_cast<std::uint32_t>(replicas);
    if (read_from_replicas_ && replicas_ == 0) p.fail("read_from", "\"replicas\" needs at least one replica");
    if (auto f = p.object_opt("failover")) {
      detection_ = f->duration("detection", from_seconds(10));
      promotion_ = f->duration("promotion", from_seconds(20));
    }
    rows_ = static_cast<std::uint64_t>(p.integer("rows", 100000, 1, 100'000'000));
    // Multi-AZ: node k of every shard (primary first) in zones[k % n]. Callers reach the
    // database at its endpoint, in the component's own `zone` (else zones[0]).
    std::vector<std::string> zones = p.strings("zones");
    if (p.has("zones") && zones.empty()) p.fail("zones", "must name at least one zone");
    for (const std::string& z : zones)
      if (z.empty()) p.fail("zones", "zone names must not be empty");
    std::vector<std::string> zone_names{bc.zone().empty() && !zones.empty() ? zones[0] : bc.zone()};
    std::vector<std::uint32_t> zone_of;
    for (const std::string& z : zones) {
      auto it = std::find(zone_names.begin(), zone_names.end(), z);
      zone_of.push_back(static_cast<std::uint32_t>(it - zone_names.begin()));
      if (it == zone_names.end()) zone_names.push_back(z);
    }
    cross_zone_ = bc.cross_zone_latency();
    zone_names_ = zone_names;
    multi_zone_ = zone_names.size() > 1 && !cross_zone_.is_constant_zero();

    // Queries.
    Distribution def_read = Distribution::exponential(from_seconds(0.001));
    Distribution def_write = Distribution::exponential(from_seconds(0.002));
    std::map<std::string, Query> named;
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
    apply_cost_ = named["write"].cost;  // a replica applies a write at the cost of the "write" query
    if (auto s = p.object_opt("stock")) {
      has_stock_ = true;
      reads_.assign(kReadSlots, ReadNote{});
      stock_ = s->integer("initial", 100, 0, 1'000'000'000'000);
      std::string u = p.choice("stock_update", "atomic", {"check_then_act", "atomic", "optimistic"});
      stock_update_ = u == "check_then_act" ? StockUpdate::CheckThenAct : u == "atomic" ? StockUpdate::Atomic : StockUpdate::Optimistic;
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
    for (auto& [name, x] : named) {
      std::uint32_t r = bc.route_index(name);
      if (route_query_.size() <= r) route_query_.resize(r + 1, -1);
      route_query_[r] = static_cast<std::int32_t>(queries_.size());
      queries_.push_back(x);
      query_names_.push_back(name);
    }

    // Sharding.
    std::string strategy = p.choice("sharding", "hash", {"hash", "range", "directory", "consistent_hash"});
    Sharding s = strategy == "hash" ? Sharding::Hash
                 : strategy == "range" ? Sharding::Range
                 : strategy == "directory" ? Sharding::Directory
                                           : Sharding::ConsistentHash;
    std::vector<std::uint64_t> splits;
    if (p.has("split_points")) {
      if (s != Sharding::Range) p.fail("split_points", "only \"sharding\": \"range\" uses split points");
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
    shards_ = static_cast<std::uint32_t>(p.integer("shards", def_shards, 1, 4096));
    if (!splits.empty() && splits.size() + 1 != shards_)
      p.fail("split_points", std::to_string(shards_) + " shards need " + std::to_string(shards_ - 1) + " split points, not " +
                                 std::to_string(splits.size()));
    const std::uint64_t salt = hash_name(id);
    map_ = std::make_unique<ShardMap>(s, shards_, splits, rows_, salt);
    std::uint32_t total_shards = shards_;
    if (auto r = p.object_opt("reshard")) {
      reshard_at_ = r->duration("at");
      std::uint32_t to = static_cast<std::uint32_t>(r->require_integer("shards", 1, 4096));
      if (to == shards_) r->fail("shards", "is the current number of shards: nothing to reshard");
      copy_rate_ = r->number("copy_rate", 1000, 1e-3, 1e9);
      new_map_ = std::make_unique<ShardMap>(map_->resharded(to));
      total_shards = std::max(total_shards, to);
      keys_moved_ = ShardMap::moved_fraction(*map_, *new_map_, rows_);
      for (std::uint64_t k = 0; k < rows_; ++k) {
        std::uint32_t a = map_->shard_of(k), b = new_map_->shard_of(k);
        if (a != b) moves_.push_back({a, b});
      }
      has_reshard_ = true;
    }

    // Metrics.
    Metrics& m = bc.metrics();
    ok_c_ = m.counter(id, "completed", "throughput_rps");
    refused_c_ = m.counter(id, "too_many_connections", "refused_rps");
    not_primary_c_ = m.counter(id, "not_primary");
    unknown_c_ = m.counter(id, "unknown_query");
    stale_c_ = m.counter(id, "stale_reads", "stale_reads_rps");
    lost_c_ = m.counter(id, "lost_writes");
    dropped_c_ = m.counter(id, "dropped");
    oversold_c_ = m.counter(id, "oversold");
    sold_c_ = m.counter(id, "sold");
    lock_waits_c_ = m.counter(id, "lock_waits");
    lock_timeouts_c_ = m.counter(id, "lock_timeouts");
    conflicts_c_ = m.counter(id, "conflicts", "conflicts_rps");
    copied_c_ = m.counter(id, "reshard_copied_rows");
    scatter_c_ = m.counter(id, "scatter_queries");
    latency_h_ = m.histogram(id, "latency", "latency");
    lag_h_ = m.histogram(id, "replication_lag", "replication_lag");
    lock_wait_h_ = m.histogram(id, "lock_wait");
    conns_g_ = m.gauge(id, "connections", "connections_in_use");
    primary_busy_g_ = m.gauge(id, "primary_busy");
    replica_busy_g_ = m.gauge(id, "replica_busy");
    primary_cap_g_ = m.gauge(id, "primary_cores");
    replica_cap_g_ = m.gauge(id, "replica_cores");
    m.ratio_series(id, "primary_utilization", primary_busy_g_, primary_cap_g_);
    if (replicas_ > 0) m.ratio_series(id, "replica_utilization", replica_busy_g_, replica_cap_g_);

    // Nodes: every shard that will ever exist, primary first.
    shard_.resize(total_shards);
    for (std::uint32_t s2 = 0; s2 < total_shards; ++s2) {
      Shard& sh = shard_[s2];
      sh.versions.assign(kVersionSlots, 0);
      sh.load = m.counter(id, "shard" + std::to_string(s2), total_shards > 1 ? "shard" + std::to_string(s2) + "_rps" : "");
      for (std::uint32_t k = 0; k <= replicas_; ++k) {
        Node n;
        n.shard = s2;
        n.primary = k == 0;
        n.rng = bc.rng(1000 + nodes_.size());
        n.zone = zone_of.empty() ? 0 : zone_of[k % zone_of.size()];
        n.busy_g = m.gauge(id, "busy.s" + std::to_string(s2) + "n" + std::to_string(k));
        sh.nodes.push_back(static_cast<std::uint32_t>(nodes_.size()));
        nodes_.push_back(std::move(n));
      }
      sh.primary = sh.nodes[0];
    }
    // The nodes on the server pool, addressed (slot = node): `cores` workers each, an
    // unbounded FIFO (max_connections bounds it), placed in their zones, billed by instance_type.
    PoolNodes spec;
    spec.nodes = static_cast<std::uint32_t>(nodes_.size());
    spec.workers = cores_;
    spec.restart = p.distribution("restart_time", Distribution::constant(0));  // mysqld restart + crash recovery
    spec.zones = zone_names_;
    for (const Node& n : nodes_) spec.zone_of.push_back(n.zone);
    pool_.configure(p, bc, spec);
    tags_ = bc.own_tags(kTagCount, p);
    pool_.register_metrics(m);
    sessions_.assign(kSessionSlots, std::numeric_limits<Time>::min() / 2);
    jobs_.reserve(256);
    const auto nodes = static_cast<std::uint32_t>(nodes_.size());
    ready_ledger_ = ReadyLedger(nodes, nodes + 1);  // every node up from the start
  }

  // For `archsim analyze` (sim/describe.h): each node is `cores` servers whose connections
  // past the cores wait (M/M/c/K with K = max_connections: refusals are its blocking).
  // Writes go to the primaries; with read_from replicas the reads go to the replicas, and
  // every replica applies every write: the shard's nodes are pooled (one station per node,
  // the load spread evenly), so a write's work counts the replicas' applies too, and the
  // figures are the shard's average node (the busiest one is above it). Scatter queries
  // (keyless) and the stock row are left out.
  void describe(Description& d) const override {
    d.kind = Description::Kind::Server;
    const std::uint32_t per_shard = read_from_replicas_ ? 1 + replicas_ : 1;
    d.replicas = shards_ * per_shard;
    d.concurrency = std::min(cores_, max_conns_);
    d.queue_capacity = static_cast<long long>(max_conns_ - d.concurrency);
    d.zones = zone_names_;
    const double apply = apply_cost_.mean() / 1e9, apply_var = apply_cost_.scv() * apply * apply;
    for (std::uint32_t r = 0; r < route_query_.size(); ++r) {
      if (route_query_[r] < 0) continue;
      const Query& q = queries_[static_cast<std::size_t>(route_query_[r])];
      Description::Program prog;
      prog.route = r;
      const double m = q.cost.mean() / 1e9;
      double var = q.cost.scv() * m * m;
      prog.work_s = m;
      if (q.write && read_from_replicas_) {
        prog.work_s += replicas_ * apply;
        var += replicas_ * apply_var;
      }
      prog.work_scv = prog.work_s > 0 ? var / (prog.work_s * prog.work_s) : 1.0;
      d.programs.push_back(std::move(prog));
    }
  }

  Capabilities capabilities() override {
    Capabilities c;
    c.crashable = this;
    c.zone_aware = &pool_;  // a zone outage downs the nodes placed there (slot_down)
    return c;
  }

  void start(Context& ctx) override {
    Metrics& m = ctx.metrics();
    m.set(primary_cap_g_, static_cast<double>(cores_) * shards_, 0);
    m.set(replica_cap_g_, static_cast<double>(cores_) * shards_ * replicas_, 0);
    if (has_reshard_) arm(ctx, reshard_at_, kReshard);
    up_count_ = static_cast<std::uint32_t>(nodes_.size());
    pool_.start(ctx);
  }

  // ---------------------------------------------------------------- requests

  void on_request(Context& ctx, CallId call) override {
    RequestInfo req = ctx.request(call);
    std::int32_t qi = req.route < route_query_.size() ? route_query_[req.route] : -1;
    if (qi < 0) {
      ctx.metrics().add(unknown_c_);
      ctx.reply(call, causes_.unknown_query);
      return;
    }
    const Query& q = queries_[static_cast<std::size_t>(qi)];
    req.write = q.write || req.write;
    const bool stock = q.kind == Kind::StockRead || q.kind == Kind::StockDecrement || q.kind == Kind::Buy;
    if (!stock && !req.has_key && shards_now() > 1) {
      scatter(ctx, call, req, static_cast<std::uint32_t>(qi));
      return;
    }
    std::uint32_t s = stock ? 0 : map_->shard_of(req.has_key ? req.key : 0);
    Status st = admit(ctx, call, req, static_cast<std::uint32_t>(qi), s, -1);
    if (st != Status::Ok) ctx.reply(call, st);
  }

  // One part per shard of the current map; the caller's reply waits for the slowest part.
  void scatter(Context& ctx, CallId call, const RequestInfo& req, std::uint32_t qi) {
    const std::uint32_t n = shards_now();
    const std::uint32_t g = gathers_.alloc();
    gathers_[g] = Gather{call, ctx.now(), n + 1, Status::Ok, Result{}};  // +1: held while sending
    ctx.metrics().add(scatter_c_);
    for (std::uint32_t s = 0; s < n; ++s) {
      Status st = admit(ctx, call, req, qi, s, static_cast<std::int32_t>(g));
      if (st != Status::Ok) part_done(ctx, g, st, Result{});
    }
    part_done(ctx, g, Status::Ok, Result{});
  }

  void part_done(Context& ctx, std::uint32_t g, Status st, const Result& res) {
    Gather& ga = gathers_[g];
    if (ga.status == Status::Ok && st != Status::Ok) ga.status = st;
    ga.result.value = std::max(ga.result.value, res.value);
    ga.result.flags |= res.flags;
    if (--ga.remaining > 0) return;
    if (ga.status == Status::Ok) {
      ctx.metrics().add(ok_c_);
      ctx.metrics().record(latency_h_, ctx.now() - ga.arrived);
    }
    const CallId call = ga.call;
    const Status out = ga.status;
    const Result r = ga.result;
    gathers_.free(g);
    ctx.reply(call, out, out == Status::Ok ? r : Result{});
  }

  // Starts a job for `req` on shard `s` (a part of gather `g`, or the whole call when g < 0);
  // returns the failure cause when it cannot start.
  Status admit(Context& ctx, CallId call, const RequestInfo& req, std::uint32_t qi, std::uint32_t s, std::int32_t g) {
    const Query& q = queries_[qi];
    const bool stock = q.kind == Kind::StockRead || q.kind == Kind::StockDecrement || q.kind == Kind::Buy;
    Shard& sh = shard_[s];
    ctx.metrics().add(sh.load);
    int node = -1;
    bool to_replica = !req.write && !stock && read_from_replicas_;
    if (to_replica && ryw_ > 0 && ctx.now() - sessions_[session_slot(req.session)] < ryw_) to_replica = false;
    if (to_replica) node = pick_replica(sh);
    if (node < 0) {
      if (!sh.has_primary) {
        ctx.metrics().add(not_primary_c_);
        return causes_.not_primary;
      }
      node = static_cast<int>(sh.primary);
    }
    Node& n = nodes_[static_cast<std::size_t>(node)];
    if (n.conns >= max_conns_) {
      ctx.metrics().add(refused_c_);
      return causes_.too_many_connections;
    }
    std::uint32_t j = alloc_job();
    Job& job = jobs_[j];
    job.call = call;
    job.req = req;
    job.arrived = ctx.now();
    job.node = static_cast<std::uint32_t>(node);
    job.query = qi;
    job.internal = false;
    job.gather = g;
    job.part = g < 0 ? 0 : s;
    ++n.conns;
    ctx.metrics().add(conns_g_, 1, ctx.now());
    if ((q.kind == Kind::Buy || q.kind == Kind::StockDecrement) && stock_update_ == StockUpdate::Atomic) {
      job.lock_since = ctx.now();
      if (!lock_.acquire(j)) {
        job.state = JobState::WaitLock;
        ctx.metrics().add(lock_waits_c_);
        if (lock_wait_timeout_ > 0) arm(ctx, lock_wait_timeout_, kLockTimeout, token(j));
        return Status::Ok;
      }
      job.lock_held = true;
    }
    to_cores(ctx, j);
    return Status::Ok;
  }

  // Own timer `t` after `delay`.
  void arm(Context& ctx, Time delay, Tag t, std::uint64_t data = 0) { ctx.schedule(delay, tags_.make(t), data); }

  void on_timer(Context& ctx, std::uint16_t tag, std::uint64_t data) override {
    // Timer data is slot_payload(slot, generation) (sim/continuation.h): a job and its
    // generation, or a node and its epoch.
    if (ServerPool::owns_timer(tag)) return pool_.on_timer(ctx, tag, data);
    if (!tags_.owns(tag)) return;
    const std::uint32_t lo = slot_of(data), hi = static_cast<std::uint32_t>(data);
    switch (static_cast<Tag>(tags_.index(tag))) {
      case kWorkDone:
        if (lo < jobs_.size() && jobs_[lo].gen == hi && jobs_[lo].state == JobState::Working) work_done(ctx, lo);
        break;
      case kLockTimeout:
        if (lo < jobs_.size() && jobs_[lo].gen == hi && jobs_[lo].state == JobState::WaitLock) {
          lock_.cancel(lo);
          ctx.metrics().add(lock_timeouts_c_);
          ctx.trace_span(jobs_[lo].call, TraceSpan::Lock, jobs_[lo].lock_since, ctx.now());
          end_job(ctx, lo, causes_.lock_timeout);
        }
        break;
      case kTransit:
        if (nodes_[lo].up && nodes_[lo].epoch == hi) arrive(ctx, lo);
        break;
      case kApplyDone:
        if (nodes_[lo].up && nodes_[lo].epoch == hi) apply_done(ctx, lo);
        break;
      case kFailover:
        if (shard_[lo].epoch == hi) failover(ctx, lo);
        break;
      case kReshard:
        reshard_started_ = ctx.now();
        if (moves_.empty()) cutover(ctx);
        else arm(ctx, 0, kCopy);
        break;
      case kCopy: copy_one(ctx); break;
      case kReply:
        if (lo < jobs_.size() && jobs_[lo].gen == hi && jobs_[lo].state == JobState::WaitReply)
          end_job(ctx, lo, jobs_[lo].reply_status, jobs_[lo].reply_result);
        break;
      case kAck:
        if (nodes_[lo].up && nodes_[lo].epoch == hi) ack_arrived(ctx, lo);
        break;
      case kTagCount: break;
    }
  }

  void finish(Context& ctx, ComponentReport& r) override {
    Metrics& m = ctx.metrics();
    const Time now = ctx.end_time();
    double measured = to_seconds(now - ctx.warmup());
    r.add("throughput_rps", static_cast<double>(m.total(ok_c_)) / measured);
    r.add_latency("latency_ms", m.whole(latency_h_));
    double prim = m.ratio(primary_busy_g_, primary_cap_g_, now);
    r.add("utilization", prim);
    r.add("primary_utilization", prim);
    if (replicas_ > 0) {
      r.add("replica_utilization", m.ratio(replica_busy_g_, replica_cap_g_, now));
      r.add_latency("replication_lag_ms", m.whole(lag_h_));
      r.add("stale_reads", static_cast<double>(m.total(stale_c_)));
    }
    r.add("connections_in_use", m.average(conns_g_, now));
    r.add("too_many_connections", static_cast<double>(m.total(refused_c_)));
    r.add("not_primary", static_cast<double>(m.total(not_primary_c_)));
    r.add("dropped", static_cast<double>(m.total(dropped_c_)));
    r.add("lost_writes", static_cast<double>(m.total(lost_c_)));
    r.add("failovers", failovers_);
    if (m.total(unknown_c_) > 0) r.add("unknown_query", static_cast<double>(m.total(unknown_c_)));
    if (m.total(scatter_c_) > 0) r.add("scatter_queries", static_cast<double>(m.total(scatter_c_)));
    if (shard_.size() > 1) {
      double mx = 0, sum = 0;
      for (std::size_t s = 0; s < shard_.size(); ++s) {
        double v = static_cast<double>(m.total(shard_[s].load));
        r.add("shard" + std::to_string(s) + ".requests", v);
        mx = std::max(mx, v);
        sum += v;
      }
      // The busiest shard's share over an even share: 1 = perfectly even.
      if (sum > 0) r.add("shard_imbalance", mx / (sum / static_cast<double>(shards_now())));
    }
    if (has_reshard_) {
      r.add("keys_moved_fraction", keys_moved_);
      r.add("reshard_rows_to_move", static_cast<double>(moves_.size()));
      r.add("reshard_copied_rows", static_cast<double>(copied_));
      if (cutover_at_ >= 0) r.add("reshard_copy_s", to_seconds(cutover_at_ - reshard_started_));
    }
    if (has_stock_) {
      r.add("oversold", static_cast<double>(m.total(oversold_c_)));
      r.add("sold", static_cast<double>(m.total(sold_c_)));
      r.add("stock_left", static_cast<double>(stock_));
      r.add("lock_waits", static_cast<double>(m.total(lock_waits_c_)));
      r.add("lock_timeouts", static_cast<double>(m.total(lock_timeouts_c_)));
      r.add("conflicts", static_cast<double>(m.total(conflicts_c_)));
      if (m.whole(lock_wait_h_).count() > 0) r.add_latency("lock_wait_ms", m.whole(lock_wait_h_));
    }
    for (const Interval& i : intervals_) r.add_interval("failover", i.label, i.start, i.end < 0 ? now : i.end);
    pool_.report_billing(ctx, r);
  }

  // ---------------------------------------------------------------- Crashable

  // A crash takes the primaries of the first `count` shards that have one: the pool drops
  // their jobs and restarts them (restart + start-up); slot_down starts the failover.
  std::uint32_t crash(Context& ctx, std::uint32_t count) override {
    std::uint32_t done = 0;
    for (std::uint32_t s = 0; s < shard_.size() && done < count; ++s) {
      Shard& sh = shard_[s];
      if (!sh.has_primary) continue;
      if (pool_.crash_node(ctx, sh.primary)) ++done;
    }
    return done;
  }
  std::uint32_t instance_slots() const override { return static_cast<std::uint32_t>(nodes_.size()); }
  // A failed node waits for its repair (then starts up and rejoins: slot_ready).
  bool fail_instance(Context& ctx, std::uint32_t slot) override {
    if (slot >= nodes_.size() || !nodes_[slot].up) return false;
    return pool_.fail_instance(ctx, slot);
  }
  void repair_instance(Context& ctx, std::uint32_t slot) override {
    if (slot >= nodes_.size() || nodes_[slot].up) return;
    pool_.repair_instance(ctx, slot);
  }

  // ---------------------------------------------------------------- PoolJobs

  // The node in `slot` is going down (crash, failure, zone outage): it stops serving first,
  // so that nothing below hands its cores or the row lock to its own jobs; its queries die
  // with it (held connections, cores, the row lock) and its replication stream stops.
  void drop_jobs(Context& ctx, std::uint32_t slot) override {
    Node& n = nodes_[slot];
    if (!n.up) return;
    n.up = false;
    n.lost = true;
    set_up_count(ctx, up_count_ - 1);
    reset_replication(ctx, slot);
    for (std::uint32_t j = 0; j < jobs_.size(); ++j) {
      Job& job = jobs_[j];
      if (job.state == JobState::Free || job.node != slot) continue;
      if (job.state == JobState::WaitLock) lock_.cancel(j);
      if (job.lock_held) {
        job.lock_held = false;
        release_lock(ctx);
      }
      drop_job(ctx, j);
    }
    set_busy(ctx, n, -static_cast<int>(n.busy));
  }
  void slot_launched(std::uint32_t) override {}
  // What the node's loss does to its shard: a primary's starts the failover.
  void slot_down(Context& ctx, std::uint32_t slot) override {
    Node& n = nodes_[slot];
    if (!n.lost) return;
    n.lost = false;
    n.waiting = false;
    lose_node(ctx, slot);
  }
  // The node is back from a restart or a repair: during its shard's failover it waits for
  // the failover's end; otherwise it rejoins as a replica cloned from the primary, or as the
  // primary (crash recovery) when the shard has none.
  void slot_ready(Context& ctx, std::uint32_t slot) override {
    Node& n = nodes_[slot];
    if (n.up) return;
    const Shard& sh = shard_[n.shard];
    if (sh.failover_pending) {
      n.waiting = true;
      return;
    }
    bring_up(ctx, slot, !sh.has_primary);
  }
  // A crash lasts until the nodes it took down are back (rejoined as replicas or primaries).
  Time crash_over(Time at, Time now) const override { return pool_.crash_over(at, now); }
  ReadyHistory ready_history(Time now, Time warmup) const override {
    // Nodes up over time from the ledger; an outage is a shard without a primary (a failover
    // interval), which the ledger's level (nodes up) does not see.
    ReadyHistory h = ready_ledger_.history(now, warmup);
    for (const Interval& i : intervals_) {
      Time a = std::max(i.start, warmup), b = i.end < 0 ? now : i.end;
      if (b > a) {
        ++h.outages;
        h.outage_seconds += to_seconds(b - a);
      }
    }
    return h;
  }

 private:
  struct Interval {
    std::string label;
    Time start = 0, end = -1;
  };

  static std::uint64_t token(std::uint32_t j, std::uint32_t gen) { return slot_payload(j, gen); }
  std::uint64_t token(std::uint32_t j) const { return token(j, jobs_[j].gen); }
  static std::uint64_t node_token(std::uint32_t node, std::uint32_t epoch) {
    return slot_payload(node, epoch);
  }
  static std::uint32_t session_slot(std::uint64_t session) {
    return static_cast<std::uint32_t>(mix64(session, 0x5e55) & (kSessionSlots - 1));
  }
  static std::uint32_t read_slot(std::uint64_t id) { return static_cast<std::uint32_t>(mix64(id, 0x5eed) & (kReadSlots - 1)); }
  static std::uint32_t version_slot(std::uint64_t key) { return static_cast<std::uint32_t>(mix64(key, 0x7e75) & (kVersionSlots - 1)); }
  std::uint32_t shards_now() const { return map_->shards(); }

  std::uint32_t alloc_job() {
    std::uint32_t j;
    if (!free_.empty()) {
      j = free_.back();
      free_.pop_back();
    } else {
      j = static_cast<std::uint32_t>(jobs_.size());
      jobs_.emplace_back();
      free_.reserve(jobs_.capacity());
    }
    jobs_[j].state = JobState::WaitCore;
    jobs_[j].lock_held = false;
    return j;
  }

  int pick_replica(Shard& sh) {
    const std::uint32_t n = static_cast<std::uint32_t>(sh.nodes.size());
    for (std::uint32_t i = 0; i < n; ++i) {
      std::uint32_t c = sh.nodes[(sh.rr + i) % n];
      if (c == sh.primary || !nodes_[c].up || nodes_[c].primary) continue;
      sh.rr = (sh.rr + i + 1) % n;
      return static_cast<int>(c);
    }
    return -1;
  }

  void set_busy(Context& ctx, Node& n, int delta) {
    n.busy = static_cast<std::uint32_t>(static_cast<int>(n.busy) + delta);
    ctx.metrics().add(n.busy_g, delta, ctx.now());
    ctx.metrics().add(n.primary ? primary_busy_g_ : replica_busy_g_, delta, ctx.now());
  }

  void to_cores(Context& ctx, std::uint32_t j) {
    Job& job = jobs_[j];
    if (!nodes_[job.node].up) {  // handed the row lock while its node died
      drop_job(ctx, j);
      return;
    }
    job.state = JobState::WaitCore;
    job.in_pool = true;
    job.wait_since = ctx.now();
    if (pool_.admit(ctx, job.node, j)) start_work(ctx, j);
  }

  void start_work(Context& ctx, std::uint32_t j) {
    Job& job = jobs_[j];
    Node& n = nodes_[job.node];
    job.state = JobState::Working;
    set_busy(ctx, n, +1);
    const Query& q = queries_[job.query];
    if (q.kind == Kind::Buy) {
      job.stock_seen = stock_;
      job.version_seen = stock_version_;
    }
    Time cost;
    if (job.internal) {
      cost = q.cost.sample_time(n.rng);
    } else {
      // A scatter's parts mix in their shard (part 0 draws as an ordinary query does).
      Rng rng = Context::keyed_rng(stream_, job.req.id, job.req.attempt * 7919ULL + job.query + job.part * 0x9e3779b1ULL);
      cost = q.cost.sample_time(rng);
      // Traces: its wait for a core (when it had to) and the statement's work.
      if (job.wait_since < ctx.now()) ctx.trace_span(job.call, TraceSpan::Queue, job.wait_since, ctx.now());
      ctx.trace_span(job.call, TraceSpan::Work, ctx.now(), after(ctx.now(), at_speed(cost, job.node)));
    }
    arm(ctx, at_speed(cost, job.node), kWorkDone, token(j));
  }

  // Work of `cost` on `node`: slower or faster by its instance type's speed.
  Time at_speed(Time cost, std::uint32_t node) const {
    const double speed = pool_.instance(node).speed;
    return speed == 1.0 ? cost : static_cast<Time>(static_cast<double>(cost) / speed);
  }

  // A core came free: the next waiter in the node's FIFO (a query or a replica's applier) takes it.
  void release_core(Context& ctx, std::uint32_t node) {
    Node& n = nodes_[node];
    set_busy(ctx, n, -1);
    pool_.job_done(ctx, node);
    const std::uint32_t next = pool_.worker_done(ctx, node);
    if (next == ServerPool::kNone) return;
    if (next & kApplyJob) begin_apply(ctx, next & ~kApplyJob);
    else start_work(ctx, next);
  }

  // The statement ends: its effect first, then the core goes to the next waiter (which must
  // see the effect, e.g. the stock this one decremented).
  void work_done(Context& ctx, std::uint32_t j) {
    const std::uint32_t node = jobs_[j].node;
    jobs_[j].in_pool = false;
    complete(ctx, j);
    release_core(ctx, node);
  }

  void complete(Context& ctx, std::uint32_t j) {
    Job& job = jobs_[j];
    const std::uint32_t node = job.node;
    const Query& q = queries_[job.query];
    if (job.internal) {
      --nodes_[node].conns;
      ctx.metrics().add(conns_g_, -1, ctx.now());
      free_job(j);
      return;
    }
    Node& n = nodes_[node];
    Shard& sh = shard_[n.shard];
    Result res;
    switch (q.kind) {
      case Kind::Read:
      case Kind::Write: break;
      case Kind::StockRead: {
        res.value = stock_ > 0 ? static_cast<std::uint64_t>(stock_) : 0;
        if (stock_ <= 0) res.flags |= rf::kNotFound;
        // The version this request read, for its optimistic decrement.
        ReadNote& note = reads_[read_slot(job.req.id)];
        note = ReadNote{job.req.id, stock_version_};
        end_job(ctx, j, Status::Ok, res);
        return;
      }
      case Kind::StockDecrement: {
        // The caller's second step, after its stock_read. check_then_act: UPDATE stock =
        // stock - 1 (the caller checked; below zero is oversold). atomic: ... WHERE stock > 0
        // under the row lock (0 rows: kNotFound). optimistic: ... WHERE version = the one
        // this request read (else write_conflict).
        if (job.lock_held) {
          job.lock_held = false;
          release_lock(ctx);
        }
        if (stock_update_ == StockUpdate::Optimistic) {
          const ReadNote& note = reads_[read_slot(job.req.id)];
          if (note.id != job.req.id || note.version != stock_version_) {
            ctx.metrics().add(conflicts_c_);
            res.flags |= rf::kConflict;
            end_job(ctx, j, causes_.write_conflict, res);
            return;
          }
        }
        if (stock_update_ != StockUpdate::Atomic || stock_ > 0) decrement(ctx);
        else res.flags |= rf::kNotFound;
        res.value = stock_ > 0 ? static_cast<std::uint64_t>(stock_) : 0;
        end_job(ctx, j, Status::Ok, res);
        return;
      }
      case Kind::Buy: {
        if (job.lock_held) {
          job.lock_held = false;
          release_lock(ctx);
        }
        if (stock_update_ == StockUpdate::Optimistic && job.version_seen != stock_version_) {
          ctx.metrics().add(conflicts_c_);
          res.flags |= rf::kConflict;
          end_job(ctx, j, causes_.write_conflict, res);
          return;
        }
        // check_then_act acts on what it read when it started; atomic and optimistic on now.
        std::int64_t seen = stock_update_ == StockUpdate::CheckThenAct ? job.stock_seen : stock_;
        if (seen > 0) decrement(ctx);
        else res.flags |= rf::kNotFound;
        res.value = stock_ > 0 ? static_cast<std::uint64_t>(stock_) : 0;
        end_job(ctx, j, Status::Ok, res);
        return;
      }
    }
    if (!job.req.write) {
      if (!n.primary) {
        std::uint64_t latest = sh.versions[version_slot(job.req.key)];
        if (latest > n.applied) {
          ctx.metrics().add(stale_c_);
          res.flags |= rf::kStale;
        }
        res.value = std::min(latest, n.applied);
      } else {
        res.value = sh.versions[version_slot(job.req.key)];
      }
      end_job(ctx, j, Status::Ok, res);
      return;
    }
    // A write committed on the primary: binlog position, replication, acknowledgement.
    job.pos = ++sh.pos;
    n.received = n.applied = sh.pos;
    bool any = false;
    for (std::uint32_t r : sh.nodes) {
      Node& rep = nodes_[r];
      if (r == node || !rep.up) continue;
      any = true;
      Time delay = lag_.sample_time(rep.rng);
      if (crosses(r, node)) delay += cross_zone_.sample_time(rep.rng);
      Time arrival = std::max(rep.last_arrival, after(ctx.now(), delay));
      rep.last_arrival = arrival;
      rep.transit.push(Transit{sh.pos, ctx.now()});
      arm(ctx, arrival - ctx.now(), kTransit, node_token(r, rep.epoch));
    }
    if (replication_ == Replication::Async || !any) {
      acknowledge(ctx, j);
      return;
    }
    job.state = JobState::WaitAck;
    job.wait_since = ctx.now();
    sh.pending.push(j);
  }

  void decrement(Context& ctx) {
    if (stock_ <= 0) ctx.metrics().add(oversold_c_);
    --stock_;
    ++stock_version_;
    ctx.metrics().add(sold_c_);
  }

  void release_lock(Context& ctx) {
    auto next = lock_.release();
    if (!next) return;
    std::uint32_t w = static_cast<std::uint32_t>(*next);
    Job& job = jobs_[w];
    job.lock_held = true;
    ctx.metrics().record(lock_wait_h_, ctx.now() - job.lock_since);
    ctx.trace_span(job.call, TraceSpan::Lock, job.lock_since, ctx.now());
    to_cores(ctx, w);
  }

  void acknowledge(Context& ctx, std::uint32_t j) {
    Job& job = jobs_[j];
    Shard& sh = shard_[nodes_[job.node].shard];
    sh.acked = std::max(sh.acked, job.pos);
    sh.versions[version_slot(job.req.key)] = job.pos;
    if (ryw_ > 0) sessions_[session_slot(job.req.session)] = ctx.now();
    end_job(ctx, j, Status::Ok, Result{job.pos, 0});
  }

  void end_job(Context& ctx, std::uint32_t j, Status st, Result res = {}) {
    Job& job = jobs_[j];
    Node& n = nodes_[job.node];
    if (multi_zone_ && n.zone != 0 && job.state != JobState::WaitReply) {
      // The node is in another zone than the endpoint the caller reached: the query and
      // its answer cross zones once each (counted here, after the work, as one delay).
      job.state = JobState::WaitReply;
      job.reply_status = st;
      job.reply_result = res;
      arm(ctx, cross_zone_.sample_time(n.rng) + cross_zone_.sample_time(n.rng), kReply, token(j));
      return;
    }
    --n.conns;
    ctx.metrics().add(conns_g_, -1, ctx.now());
    const std::int32_t g = job.gather;
    if (st == Status::Ok && g < 0) {
      ctx.metrics().add(ok_c_);
      ctx.metrics().record(latency_h_, ctx.now() - job.arrived);
    }
    CallId call = job.call;
    free_job(j);
    if (g >= 0) part_done(ctx, static_cast<std::uint32_t>(g), st, res);
    else ctx.reply(call, st, res);
  }

  void drop_job(Context& ctx, std::uint32_t j) {
    Job& job = jobs_[j];
    if (job.in_pool) pool_.job_done(ctx, job.node);  // the pool empties the node's queue and workers itself
    job.in_pool = false;
    --nodes_[job.node].conns;
    ctx.metrics().add(conns_g_, -1, ctx.now());
    ctx.metrics().add(dropped_c_);
    CallId call = job.call;
    bool internal = job.internal;
    const std::int32_t g = job.gather;
    free_job(j);
    if (g >= 0) part_done(ctx, static_cast<std::uint32_t>(g), Status::Dropped, Result{});
    else if (!internal) ctx.reply(call, Status::Dropped);
  }

  void free_job(std::uint32_t j) {
    jobs_[j].state = JobState::Free;
    ++jobs_[j].gen;
    free_.push_back(j);
  }

  // ---------------------------------------------------------------- replication

  void arrive(Context& ctx, std::uint32_t r) {
    Node& n = nodes_[r];
    if (n.transit.empty()) return;
    Transit t = n.transit.pop();
    n.received = t.pos;
    n.relay.push(t);
    if (replication_ == Replication::SemiSync) send_ack(ctx, r, t.pos, false);
    try_apply(ctx, r);
  }

  void try_apply(Context& ctx, std::uint32_t r) {
    Node& n = nodes_[r];
    if (n.applying || n.relay.empty()) return;
    n.applying = true;
    if (pool_.admit(ctx, r, kApplyJob | r)) begin_apply(ctx, r);
  }

  void begin_apply(Context& ctx, std::uint32_t r) {
    Node& n = nodes_[r];
    n.apply_has_core = true;
    set_busy(ctx, n, +1);
    arm(ctx, at_speed(apply_cost_.sample_time(n.rng), r), kApplyDone, node_token(r, n.epoch));
  }

  void apply_done(Context& ctx, std::uint32_t r) {
    Node& n = nodes_[r];
    n.apply_has_core = false;
    n.applying = false;
    release_core(ctx, r);
    if (!n.relay.empty()) {
      Transit t = n.relay.pop();
      n.applied = t.pos;
      ctx.metrics().record(lag_h_, ctx.now() - t.commit);
      if (replication_ == Replication::Sync) send_ack(ctx, r, t.pos, true);
    }
    try_apply(ctx, r);
  }

  void check_acks(Context& ctx, std::uint32_t s) {
    Shard& sh = shard_[s];
    while (!sh.pending.empty()) {
      std::uint32_t j = sh.pending.front();
      std::uint64_t pos = jobs_[j].pos;
      bool any = false, ok = replication_ == Replication::Sync;
      for (std::uint32_t r : sh.nodes) {
        const Node& rep = nodes_[r];
        if (r == sh.primary || !rep.up) continue;
        any = true;
        if (replication_ == Replication::SemiSync && rep.ack_received >= pos) ok = true;
        if (replication_ == Replication::Sync && rep.ack_applied < pos) ok = false;
      }
      if (!ok && any) return;
      sh.pending.pop();
      ctx.trace_span(jobs_[j].call, TraceSpan::Replicate, jobs_[j].wait_since, ctx.now());
      acknowledge(ctx, j);
    }
  }

  bool crosses(std::uint32_t a, std::uint32_t b) const { return multi_zone_ && nodes_[a].zone != nodes_[b].zone; }

  // A replica tells the primary what it received (semi_sync) or applied (sync); across
  // zones the note arrives a cross-zone delay later (notes are taken in order).
  void send_ack(Context& ctx, std::uint32_t r, std::uint64_t pos, bool applied) {
    Node& n = nodes_[r];
    const Shard& sh = shard_[n.shard];
    if (!crosses(r, sh.primary)) {
      (applied ? n.ack_applied : n.ack_received) = pos;
      check_acks(ctx, n.shard);
      return;
    }
    n.acks.push(AckNote{pos, applied});
    arm(ctx, cross_zone_.sample_time(n.rng), kAck, node_token(r, n.epoch));
  }

  void ack_arrived(Context& ctx, std::uint32_t r) {
    Node& n = nodes_[r];
    if (n.acks.empty()) return;
    AckNote a = n.acks.pop();
    std::uint64_t& known = a.applied ? n.ack_applied : n.ack_received;
    known = std::max(known, a.pos);
    check_acks(ctx, n.shard);
  }

  // Stops a node's replication stream: events in transit are gone, the relay log emptied.
  void reset_replication(Context& ctx, std::uint32_t r) {
    Node& n = nodes_[r];
    ++n.epoch;
    n.transit.clear();
    n.relay.clear();
    n.acks.clear();
    n.last_arrival = 0;
    if (n.applying) {
      n.applying = false;
      const bool had_core = n.apply_has_core;
      n.apply_has_core = false;
      if (!n.up) pool_.job_done(ctx, r);  // going down: the pool empties the node itself
      else if (had_core) release_core(ctx, r);
      else pool_.withdraw(ctx, r, kApplyJob | r);
    }
  }

  // ---------------------------------------------------------------- failures

  // A node lost (its jobs already dropped): a primary leaves its shard without one until
  // the failover; a lost replica may be the acknowledgement a semi_sync / sync write waited for.
  void lose_node(Context& ctx, std::uint32_t r) {
    Node& n = nodes_[r];
    Shard& sh = shard_[n.shard];
    if (n.primary) {
      sh.pending.clear();
      sh.has_primary = false;
      sh.failover_pending = true;
      sh.down_since = ctx.now();
      ++sh.epoch;
      intervals_.push_back(Interval{"shard" + std::to_string(n.shard), ctx.now(), -1});
      // Binlog events still on the wire to the replicas never arrive.
      for (std::uint32_t o : sh.nodes)
        if (o != r && nodes_[o].up) {
          Node& rep = nodes_[o];
          ++rep.epoch;
          rep.transit.clear();
          rep.acks.clear();
          rep.last_arrival = 0;
          // The relay log already received is still applied: re-arm its applier under the new epoch.
          if (rep.applying && rep.apply_has_core)
            arm(ctx, at_speed(apply_cost_.sample_time(rep.rng), o), kApplyDone, node_token(o, rep.epoch));
        }
      arm(ctx, detection_ + promotion_, kFailover, node_token(n.shard, sh.epoch));
    } else if (replication_ != Replication::Async) {
      check_acks(ctx, n.shard);
    }
  }

  void failover(Context& ctx, std::uint32_t s) {
    Shard& sh = shard_[s];
    sh.failover_pending = false;
    int best = -1;
    for (std::uint32_t r : sh.nodes) {
      const Node& n = nodes_[r];
      if (r == sh.primary || !n.up) continue;
      if (best < 0 || n.received > nodes_[static_cast<std::size_t>(best)].received) best = static_cast<int>(r);
    }
    const std::uint32_t old = sh.primary;
    if (best < 0) {
      // No replica: crash recovery of the old primary (its redo log keeps every commit),
      // now if it is back, else when it is (slot_ready).
      if (nodes_[old].waiting) bring_up(ctx, old, true);
      rejoin_waiting(ctx, s);
      return;
    }
    const std::uint32_t b = static_cast<std::uint32_t>(best);
    Node& nb = nodes_[b];
    const std::uint64_t pos = nb.received;
    if (sh.acked > pos) ctx.metrics().add(lost_c_, sh.acked - pos);
    sh.acked = std::min(sh.acked, pos);
    sh.pos = pos;
    for (std::uint64_t& v : sh.versions) v = std::min(v, pos);
    reset_replication(ctx, b);
    nb.applied = nb.received = nb.ack_applied = nb.ack_received = pos;
    set_role(ctx, b, true);
    sh.primary = b;
    sh.has_primary = true;
    for (std::uint32_t r : sh.nodes) {
      if (r == b || !nodes_[r].up) continue;
      reset_replication(ctx, r);
      Node& o = nodes_[r];
      o.applied = o.received = o.ack_applied = o.ack_received = pos;  // resynchronised from the new primary
    }
    close_interval(ctx, s);
    ++failovers_;
    rejoin_waiting(ctx, s);
  }

  // Nodes of the shard back from a restart during its failover rejoin as replicas.
  void rejoin_waiting(Context& ctx, std::uint32_t s) {
    for (std::uint32_t r : shard_[s].nodes)
      if (nodes_[r].waiting) bring_up(ctx, r, !shard_[s].has_primary);
  }

  void set_role(Context& ctx, std::uint32_t r, bool primary) {
    Node& n = nodes_[r];
    if (n.primary == primary) return;
    int busy = static_cast<int>(n.busy);
    ctx.metrics().add(n.primary ? primary_busy_g_ : replica_busy_g_, -busy, ctx.now());
    n.primary = primary;
    ctx.metrics().add(n.primary ? primary_busy_g_ : replica_busy_g_, busy, ctx.now());
  }

  void close_interval(Context& ctx, std::uint32_t s) {
    const std::string label = "shard" + std::to_string(s);
    for (Interval& i : intervals_)
      if (i.end < 0 && i.label == label) i.end = ctx.now();
  }

  // A node comes back: as the primary (crash recovery, nothing lost) or as a replica cloned
  // from the primary at its current position.
  void bring_up(Context& ctx, std::uint32_t r, bool as_primary) {
    Node& n = nodes_[r];
    Shard& sh = shard_[n.shard];
    n.up = true;
    n.waiting = false;
    set_up_count(ctx, up_count_ + 1);
    n.applied = n.received = n.ack_applied = n.ack_received = sh.pos;
    set_role(ctx, r, as_primary);
    if (as_primary) {
      sh.primary = r;
      sh.has_primary = true;
      close_interval(ctx, n.shard);
    }
  }

  // The number of nodes up is now `n` (the availability report's ledger).
  void set_up_count(Context& ctx, std::uint32_t n) {
    up_count_ = n;
    ready_ledger_.set(ctx.now(), ctx.warmup(), n, /*outage=*/false);
  }

  // ---------------------------------------------------------------- resharding

  void copy_one(Context& ctx) {
    if (copied_ >= moves_.size()) return;
    auto [from, to] = moves_[copied_];
    ++copied_;
    ctx.metrics().add(copied_c_);
    internal_job(ctx, from, read_query());
    internal_job(ctx, to, write_query());
    if (copied_ == moves_.size()) cutover(ctx);
    else arm(ctx, std::max<Time>(1, from_seconds(1.0 / copy_rate_)), kCopy);
  }

  void internal_job(Context& ctx, std::uint32_t s, std::uint32_t q) {
    Shard& sh = shard_[s];
    if (!sh.has_primary) return;
    std::uint32_t j = alloc_job();
    Job& job = jobs_[j];
    job.internal = true;
    job.node = sh.primary;
    job.query = q;
    job.req = RequestInfo{};
    job.gather = -1;
    job.part = 0;
    job.arrived = ctx.now();
    ++nodes_[sh.primary].conns;
    ctx.metrics().add(conns_g_, 1, ctx.now());
    to_cores(ctx, j);
  }

  std::uint32_t read_query() const { return static_cast<std::uint32_t>(route_query_[read_route_]); }
  std::uint32_t write_query() const { return static_cast<std::uint32_t>(route_query_[write_route_]); }

  void cutover(Context& ctx) {
    cutover_at_ = ctx.now();
    map_ = std::move(new_map_);
    ctx.metrics().set(primary_cap_g_, static_cast<double>(cores_) * std::max(shards_, map_->shards()), ctx.now());
  }

 public:
  void set_routes(std::uint32_t read_route, std::uint32_t write_route) {
    read_route_ = read_route;
    write_route_ = write_route;
  }

 private:
  Causes causes_;
  Rng pool_rng_;     // the pool's own draws (restart times)
  ServerPool pool_;  // the nodes: slot = node index
  TagRange tags_;  // own timers: tags_.make(Tag)
  std::uint64_t stream_ = 0;
  std::uint32_t cores_ = 8, max_conns_ = 100, replicas_ = 0, shards_ = 1;
  bool read_from_replicas_ = false;
  Replication replication_ = Replication::Async;
  Distribution lag_, apply_cost_, cross_zone_;
  bool multi_zone_ = false;
  std::vector<std::string> zone_names_;
  Time ryw_ = 0, lock_wait_timeout_ = 0, detection_ = from_seconds(10), promotion_ = from_seconds(20);
  std::uint64_t rows_ = 100000;

  std::vector<Query> queries_;
  std::vector<std::string> query_names_;
  std::vector<std::int32_t> route_query_;
  std::uint32_t read_route_ = 0, write_route_ = 0;

  std::unique_ptr<ShardMap> map_, new_map_;
  bool has_reshard_ = false;
  Time reshard_at_ = 0, reshard_started_ = 0, cutover_at_ = -1;
  double copy_rate_ = 1000, keys_moved_ = 0;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> moves_;
  std::uint64_t copied_ = 0;

  bool has_stock_ = false;
  std::int64_t stock_ = 0;
  std::uint64_t stock_version_ = 0;
  StockUpdate stock_update_ = StockUpdate::Atomic;
  std::vector<ReadNote> reads_;
  Resource lock_{1};

  std::vector<Node> nodes_;
  std::vector<Shard> shard_;
  std::vector<Job> jobs_;
  std::vector<std::uint32_t> free_;
  SlotTable<Gather> gathers_;  // scatter-gather queries waiting for their parts
  std::vector<Time> sessions_;

  std::vector<Interval> intervals_;
  ReadyLedger ready_ledger_;  // nodes up over time (models/common/ready_ledger.h)
  std::uint32_t up_count_ = 0;
  double failovers_ = 0;

  CounterId ok_c_, refused_c_, not_primary_c_, unknown_c_, stale_c_, lost_c_, dropped_c_, oversold_c_, sold_c_,
      lock_waits_c_, lock_timeouts_c_, conflicts_c_, copied_c_, scatter_c_;
  HistogramId latency_h_, lag_h_, lock_wait_h_;
  GaugeId conns_g_, primary_busy_g_, replica_busy_g_, primary_cap_g_, replica_cap_g_;
};

}  // namespace

void register_database(Registry& r) {
  Causes c;
  c.too_many_connections = r.add_cause("too_many_connections");
  c.not_primary = r.add_cause("not_primary");
  c.lock_timeout = r.add_cause("lock_timeout");
  c.write_conflict = r.add_cause("write_conflict");
  c.unknown_query = r.add_cause("unknown_query");
  r.add("database", [c](Params& p, BuildContext& bc) -> std::unique_ptr<Component> {
    auto db = std::make_unique<Database>(p, bc, c);
    db->set_routes(bc.route_index("read"), bc.route_index("write"));
    return db;
  });
}

}  // namespace archsim
