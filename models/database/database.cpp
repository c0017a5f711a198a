// The database component: build, figures, requests routed to their shards (a keyless query to
// every shard, scatter-gather) and timers routed to their jobs. What it follows and simplifies
// is in database.h; the files by job are listed in database_impl.h.
#include "models/database/database.h"

#include <algorithm>
#include <limits>

#include "models/database/database_impl.h"
#include "scenario/describe.h"
#include "sim/results.h"

namespace archsim {
namespace database {

Database::Database(Params& p, BuildContext& bc, const Causes& causes)
    : PoolDriven(*this, bc.rng(7)), p_(read_database_params(p, bc)), causes_(causes), fault_rng_(bc.rng(13)) {
  const std::string id = bc.id();
  stream_ = bc.stream_seed(0);
  apply_cost_ = p_.queries.at("write").cost;
  locks_p_ = read_lock_params(p, p_);  // adds the transactions to the queries
  cdc_ = read_cdc_params(p, bc, p_);
  if (const StorageParams sp = read_storage_params(p, p_); sp.on) storage_ = std::make_unique<Storage>(sp, p_.shards, p_.rows, bc);
  if (locks_p_.any) {
    row_locks_.reserve(256);
    cycle_.reserve(64);
  }
  if (locks_p_.leases) {
    leases_.reserve(64);
    lease_notes_.assign(kReadSlots, ReadNote{});
  }
  if (locks_p_.max_prepared) {
    prepared_.reserve(std::min<std::uint32_t>(locks_p_.max_prepared, 4096));
    aborted_ids_.assign(kReadSlots, 0);
  }
  if (p_.has_stock) {
    reads_.assign(kReadSlots, ReadNote{});
    stock_ = p_.stock_initial;
  }
  std::vector<std::uint32_t> served;
  for (const auto& [name, x] : p_.queries) {
    std::uint32_t r = bc.route_index(name);
    if (route_query_.size() <= r) route_query_.resize(r + 1, -1);
    route_query_[r] = static_cast<std::int32_t>(queries_.size());
    queries_.push_back(x);
    served.push_back(r);
  }
  // A call to a query it does not define is refused before t = 0, where the route is named
  // (scenario/route_flow.h); one that reaches it through an undeclared hop fails as unknown_query.
  bc.serves_only(std::move(served));
  map_ = std::make_unique<ShardMap>(p_.sharding, p_.shards, p_.split_points, p_.rows, hash_name(id));
  std::uint32_t total_shards = p_.shards;
  if (p_.has_reshard) {
    plan_reshard(p_.reshard_to);
    total_shards = std::max(total_shards, p_.reshard_to);
  }
  register_figures(bc);

  // Nodes: every shard that will ever exist, primary first.
  Metrics& m = bc.metrics();
  shard_.resize(total_shards);
  for (std::uint32_t s2 = 0; s2 < total_shards; ++s2) {
    Shard& sh = shard_[s2];
    sh.versions.assign(kVersionSlots, 0);
    sh.load = m.counter(id, "shard" + std::to_string(s2), total_shards > 1 ? "shard" + std::to_string(s2) + "_rps" : "");
    for (std::uint32_t k = 0; k <= p_.replicas; ++k) {
      Node n;
      n.shard = s2;
      n.primary = k == 0;
      n.rng = bc.rng(1000 + nodes_.size());
      n.zone = p_.zone_of.empty() ? 0 : p_.zone_of[k % p_.zone_of.size()];
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
  spec.workers = p_.cores;
  spec.restart = p_.restart_time;
  spec.memory_limit_mb = p_.memory_limit_mb;
  spec.memory_base_mb = p_.memory_base_mb;
  spec.zones = p_.zone_names;
  for (const Node& n : nodes_) spec.zone_of.push_back(n.zone);
  pool_.configure(p, bc, spec);
  tags_ = bc.own_tags(kTagCount, p);
  pool_.register_metrics(m);
  pool_.register_memory_metrics(m);  // memory_mb and oom_kills, with memory.limit_mb only
  sessions_.assign(kSessionSlots, std::numeric_limits<Time>::min() / 2);
  jobs_.reserve(256);
  const auto nodes = static_cast<std::uint32_t>(nodes_.size());
  ready_ledger_ = ReadyLedger(nodes, nodes + 1);  // every node up from the start
}

// The figures in summary.json, in order; finish() reports them.
void Database::register_figures(BuildContext& bc) {
  using Show = Figures::Show;
  const std::string& id = bc.id();
  Metrics& m = bc.metrics();
  const bool replicas = p_.replicas > 0;
  const Show stock = p_.has_stock ? Show::Always : Show::Never;
  const Show locks = p_.has_stock || locks_p_.any || locks_p_.leases ? Show::Always : Show::Never;
  primary_busy_g_ = m.gauge(id, "primary_busy");
  replica_busy_g_ = m.gauge(id, "replica_busy");
  primary_cap_g_ = m.gauge(id, "primary_cores");
  replica_cap_g_ = m.gauge(id, "replica_cores");

  figures_ = Figures(m, id);
  Figures& f = figures_;
  ok_c_ = f.per_second("throughput_rps", "completed", "throughput_rps");
  latency_h_ = f.latency("latency_ms", "latency", "latency");
  f.ratio("utilization", primary_busy_g_, primary_cap_g_);
  f.ratio("primary_utilization", primary_busy_g_, primary_cap_g_);
  if (replicas) f.ratio("replica_utilization", replica_busy_g_, replica_cap_g_);
  lag_h_ = f.latency("replication_lag_ms", "replication_lag", "replication_lag", replicas ? Show::Always : Show::Never);
  stale_c_ = f.count("stale_reads", "stale_reads_rps", replicas ? Show::Always : Show::Never);
  conns_g_ = f.mean_level("connections_in_use", "connections", "connections_in_use");
  refused_c_ = f.count("too_many_connections", "refused_rps");
  not_primary_c_ = f.count("not_primary");
  dropped_c_ = f.count("dropped");
  lost_c_ = f.count("lost_writes");
  f.value("failovers", [this] { return failovers_; });
  switchovers_c_ = f.count("switchovers", "", Show::IfAny);
  replica_drains_c_ = f.count("replica_drains", "", Show::IfAny);
  unknown_c_ = f.count("unknown_query", "", Show::IfAny);
  fault_errors_c_ = f.count("fault_errors", "", Show::IfAny);
  scatter_c_ = f.count("scatter_queries", "", Show::IfAny);
  // As a service's (models/service/service_deadline.cpp): core-seconds of queries nobody
  // waited for any more (answered after their caller gave up, or cancelled part way).
  wasted_c_ = m.counter(id, "wasted_cpu_ns", "wasted_cpu_s", Metrics::kSecondsSeries);
  f.custom([this](Context& ctx, ComponentReport& r) {
    r.add("wasted_cpu_s", static_cast<double>(ctx.metrics().total(wasted_c_)) / static_cast<double>(kSecond));
  });
  cancelled_c_ = f.count("cancelled", "", Show::IfAny);
  const std::uint32_t shards = std::max(p_.shards, p_.has_reshard ? p_.reshard_to : 0u);  // every shard that will exist
  if (shards > 1) f.custom([this](Context& ctx, ComponentReport& r) { report_shards(ctx, r); });
  if (p_.has_reshard) f.custom([this](Context&, ComponentReport& r) { report_reshard(r); });
  oversold_c_ = f.count("oversold", "", stock);
  sold_c_ = f.count("sold", "", stock);
  if (p_.has_stock) f.value("stock_left", [this] { return static_cast<double>(stock_); });
  lock_waits_c_ = f.count("lock_waits", "", stock);
  lock_timeouts_c_ = f.count("lock_timeouts", "", locks);
  if (locks_p_.any) {
    row_waits_c_ = f.count("row_lock_waits", "row_lock_waits_rps");
    row_wait_h_ = f.latency("row_lock_wait_ms", "row_lock_wait", "");
    deadlocks_c_ = f.count("deadlocks", "deadlocks_rps");
  }
  if (locks_p_.max_prepared) {
    prepares_c_ = f.count("prepared_transactions");
    prepared_commits_c_ = f.count("commit_prepared");
    prepared_rollbacks_c_ = f.count("rollback_prepared");
    prepare_refused_c_ = f.count("prepare_refused");
    prepared_g_ = f.level("prepared_in_place", "prepared_in_place");
    prepared_hold_h_ = f.latency("prepared_lock_held_ms", "prepared_lock_held", "");
    prepared_held_c_ = m.counter(id, "prepared_lock_held_ns", "", Metrics::kSecondsSeries);
    f.custom([this](Context& ctx, ComponentReport& r) {
      r.add("prepared_lock_held_s", static_cast<double>(ctx.metrics().total(prepared_held_c_)) / static_cast<double>(kSecond));
    });
  }
  if (cdc_.on) {
    cdc_events_c_ = f.count("cdc_events", "cdc_events_rps");
    cdc_capture_h_ = f.latency("cdc_capture_ms", "cdc_capture", "");
    cdc_pending_g_ = f.level("cdc_pending", "cdc_pending");
  }
  if (locks_p_.leases) {
    lease_grants_c_ = f.count("lease_grants");
    lease_expiries_c_ = f.count("lease_expiries");
    unsafe_c_ = f.count("unsafe_writes");
    fenced_c_ = f.count("fenced_writes");
  }
  conflicts_c_ = f.count("conflicts", "conflicts_rps", stock);
  lock_wait_h_ = f.latency("lock_wait_ms", "lock_wait", "", p_.has_stock ? Show::IfAny : Show::Never);
  copied_c_ = m.counter(id, "reshard_copied_rows");
  f.custom([this](Context& ctx, ComponentReport& r) {
    for (const Interval& i : intervals_) r.add_interval("failover", i.label, i.start, i.end < 0 ? ctx.end_time() : i.end);
  });
  // With memory.limit_mb: the OOM kills after warm-up (the pool's, as a service's).
  if (p_.memory_limit_mb > 0) f.custom([this](Context& ctx, ComponentReport& r) { pool_.report_memory(ctx, r); });
  if (storage_) storage_->register_figures(f);
  f.custom([this](Context& ctx, ComponentReport& r) { pool_.report_billing(ctx, r); });

  m.ratio_series(id, "primary_utilization", primary_busy_g_, primary_cap_g_);
  if (replicas) m.ratio_series(id, "replica_utilization", replica_busy_g_, replica_cap_g_);
}

// Requests per shard and the busiest shard's share over an even share (1 = perfectly even).
void Database::report_shards(Context& ctx, ComponentReport& r) const {
  const Metrics& m = ctx.metrics();
  double mx = 0, sum = 0;
  for (std::size_t s = 0; s < shard_.size(); ++s) {
    double v = static_cast<double>(m.total(shard_[s].load));
    r.add("shard" + std::to_string(s) + ".requests", v);
    mx = std::max(mx, v);
    sum += v;
  }
  if (sum > 0) r.add("shard_imbalance", mx / (sum / static_cast<double>(shards_now())));
}

// For `archsim analyze` (scenario/describe.h): each node is `cores` servers whose connections
// past the cores wait (M/M/c/K with K = max_connections: refusals are its blocking).
// Writes go to the primaries; with read_from replicas the reads go to the replicas, and
// every replica applies every write: the shard's nodes are pooled (one station per node,
// the load spread evenly), so a write's work counts the replicas' applies too, and the
// figures are the shard's average node (the busiest one is above it). Scatter queries
// (keyless) and the stock row are left out.
void Database::describe(Description& d) const {
  d.kind = Description::Kind::Server;
  const std::uint32_t per_shard = p_.read_from_replicas ? 1 + p_.replicas : 1;
  d.replicas = p_.shards * per_shard;
  d.concurrency = std::min(p_.cores, p_.max_connections);
  d.queue_capacity = static_cast<long long>(p_.max_connections - d.concurrency);
  d.zones = p_.zone_names;
  const double apply = apply_cost_.mean() / 1e9, apply_var = apply_cost_.scv() * apply * apply;
  for (std::uint32_t r = 0; r < route_query_.size(); ++r) {
    if (route_query_[r] < 0) continue;
    const Query& q = queries_[static_cast<std::size_t>(route_query_[r])];
    Description::Program prog;
    prog.route = r;
    const double m = q.cost.mean() / 1e9;
    double var = q.cost.scv() * m * m;
    prog.work_s = m;
    if (q.write && p_.read_from_replicas) {
      prog.work_s += p_.replicas * apply;
      var += p_.replicas * apply_var;
    }
    prog.work_scv = prog.work_s > 0 ? var / (prog.work_s * prog.work_s) : 1.0;
    d.programs.push_back(std::move(prog));
  }
}

Capabilities Database::capabilities() {
  Capabilities c;
  c.crashable = this;
  c.key_writes = this;
  c.degradable = this;
  c.disruptable = this;
  c.zone_aware = &pool_;  // a zone outage downs the nodes placed there (slot_down)
  if (locks_p_.max_prepared) c.prepared_transactions = this;  // a participant of two-phase commit
  return c;
}

void Database::start(Context& ctx) {
  Metrics& m = ctx.metrics();
  // Every node that exists counts, a reshard's new shards included: they are provisioned (and
  // billed) from t = 0 and take the copy's writes before the cutover, so a capacity of the
  // old shards alone read utilizations above 1.
  const double shards = static_cast<double>(shard_.size());
  m.set(primary_cap_g_, p_.cores * shards, 0);
  m.set(replica_cap_g_, p_.cores * shards * p_.replicas, 0);
  if (p_.has_reshard) arm(ctx, p_.reshard_at, kReshard);
  if (cdc_.on) arm(ctx, cdc_.poll_interval, kCdcPoll);
  up_count_ = static_cast<std::uint32_t>(nodes_.size());
  pool_.start(ctx);
}

void Database::on_request(Context& ctx, CallId call) {
  RequestInfo req = ctx.request(call);
  std::int32_t qi = req.route < route_query_.size() ? route_query_[req.route] : -1;
  if (qi < 0) {
    ctx.metrics().add(unknown_c_);
    ctx.reply(call, causes_.unknown_query);
    return;
  }
  const Query& q = queries_[static_cast<std::size_t>(qi)];
  req.write = q.write || req.write;
  if (faulted(req.write, fault_rng_)) {
    ctx.metrics().add(fault_errors_c_);
    ctx.reply(call, Status::Error);
    return;
  }
  if (req.cancel_at_deadline && ctx.now() >= req.deadline) [[unlikely]] {  // its cancel came with it
    ctx.metrics().add(cancelled_c_);
    ctx.reply(call, Status::Timeout);
    return;
  }
  const bool stock = is_stock(q.kind);
  if (!stock && !req.has_key && shards_now() > 1) {
    scatter(ctx, call, req, static_cast<std::uint32_t>(qi));
    return;
  }
  std::uint32_t s = stock ? 0 : map_->shard_of(req.has_key ? req.key : 0);
  Status st = admit(ctx, call, req, static_cast<std::uint32_t>(qi), s, -1);
  if (st != Status::Ok) ctx.reply(call, st);
}

// One part per shard of the current map; the caller's reply waits for the slowest part.
void Database::scatter(Context& ctx, CallId call, const RequestInfo& req, std::uint32_t qi) {
  const std::uint32_t n = shards_now();
  const std::uint32_t g = gathers_.alloc();
  gathers_[g] = Gather{call, ctx.now(), n + 1, Status::Ok, Result{}, 0};  // +1: held while sending
  ctx.metrics().add(scatter_c_);
  for (std::uint32_t s = 0; s < n; ++s) {
    Status st = admit(ctx, call, req, qi, s, static_cast<std::int32_t>(g));
    if (st != Status::Ok) part_done(ctx, g, st, Result{});
  }
  part_done(ctx, g, Status::Ok, Result{});
}

void Database::part_done(Context& ctx, std::uint32_t g, Status st, const Result& res) {
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
  const Time cpu = ga.cpu;
  gathers_.free(g);
  if (ctx.reply(call, out, out == Status::Ok ? r : Result{})) count_wasted(ctx, cpu);
}

void Database::on_timer(Context& ctx, std::uint16_t tag, std::uint64_t data) {
  // Timer data is slot_payload(slot, generation) (sim/continuation.h): a job and its
  // generation, or a node and its epoch.
  if (pool_timer(ctx, tag, data)) return;
  if (!tags_.owns(tag)) return;
  const std::uint32_t lo = slot_of(data), hi = static_cast<std::uint32_t>(data);
  switch (static_cast<Tag>(tags_.index(tag))) {
    case kWorkDone:
      if (lo < jobs_.size() && jobs_[lo].gen == hi && jobs_[lo].state == JobState::Working) work_done(ctx, lo);
      break;
    case kLockTimeout:
      if (lo < jobs_.size() && jobs_[lo].gen == hi && jobs_[lo].state == JobState::WaitLock) lock_timed_out(ctx, lo);
      break;
    case kTransit:
      if (nodes_[lo].up && nodes_[lo].epoch == hi) arrive(ctx, lo);
      break;
    case kApplyDone:
      if (nodes_[lo].up && nodes_[lo].epoch == hi) apply_done(ctx, lo);
      break;
    case kFailover: {
      if (lo & kReplicaStop) {
        replica_stop_step(ctx, lo & (kReplicaStop - 1));  // drain.cpp
        break;
      }
      const std::uint32_t s = lo & (kSwitchPromote - 1);
      if (shard_[s].epoch != hi) break;
      if (lo & (kSwitchCatchUp | kSwitchPromote))
        switchover_step(ctx, s, (lo & kSwitchPromote) != 0);  // drain.cpp
      else
        failover(ctx, s);
      break;
    }
      break;
    case kReshard: reshard_start(ctx); break;
    case kCopy: copy_one(ctx); break;
    case kReply:
      if (lo < jobs_.size() && jobs_[lo].gen == hi && jobs_[lo].state == JobState::WaitReply)
        end_job(ctx, lo, jobs_[lo].reply_status, jobs_[lo].reply_result);
      break;
    case kLeaseExpire: lease_expired(ctx, data); break;
    case kCdcPoll: cdc_poll(ctx); break;
    case kCancel:
      if (lo < jobs_.size() && jobs_[lo].gen == hi && jobs_[lo].state != JobState::Free) cancel_query(ctx, lo);
      break;
    case kAck:
      if (nodes_[lo].up && nodes_[lo].epoch == hi) ack_arrived(ctx, lo);
      break;
    case kTagCount: break;
  }
}

void Database::finish(Context& ctx, ComponentReport& r) {
  figures_.report(ctx, r);
  declare_page(r.page());
}

}  // namespace database

void register_database(Registry& r) {
  database::Causes c;
  c.too_many_connections = r.add_cause("too_many_connections");
  c.not_primary = r.add_cause("not_primary");
  c.lock_timeout = r.add_cause("lock_timeout");
  c.write_conflict = r.add_cause("write_conflict");
  c.unknown_query = r.add_cause("unknown_query");
  r.add("database", [c](Params& p, BuildContext& bc) -> std::unique_ptr<Component> {
    // "deadlock" is registered last (register_database_late_causes), so that adding it kept
    // the values of the causes registered after the database's: found by name here, once.
    database::Causes cc = c;
    const std::vector<std::string>& names = bc.cause_names();
    for (std::size_t k = 0; k < names.size(); ++k)
      if (names[k] == "deadlock") cc.deadlock = static_cast<Status>(k);
      else if (names[k] == "fenced") cc.fenced = static_cast<Status>(k);
    auto db = std::make_unique<database::Database>(p, bc, cc);
    db->set_routes(bc.route_index("read"), bc.route_index("write"));
    return db;
  });
}

void register_database_late_causes(Registry& r) {
  r.add_cause("deadlock");
  r.add_cause("fenced");
}

}  // namespace archsim
