// The cache component: build, figures, and the requests, timers and replies it routes to its
// jobs (models/cache/cache_impl.h lists the files by job; cache.h states the model).
#include "models/cache/cache.h"

#include <algorithm>
#include <cassert>

#include "models/cache/cache_impl.h"
#include "models/server/peak_instances.h"
#include "models/contracts/result_flags.h"
#include "scenario/describe.h"
#include "sim/results.h"

namespace archsim {
namespace cache {

namespace rf = result_flags;

Cache::Cache(Params& p, BuildContext& bc)
    : PoolDriven(*this, bc.rng(2)), p_(read_cache_params(p, bc)), persist_(read_persistence(p, p_.local)), rng_(bc.rng(0)),
      sentinel_rng_(bc.rng(3)), fault_rng_(bc.rng(13)) {
  const std::uint32_t nodes = p_.nodes;
  local_config_ = p_.store;
  local_seed_ = bc.stream_seed(300);
  nodes_.resize(nodes);
  for (std::uint32_t n = 0; n < nodes; ++n) {
    const SubOwner sub = bc.sub_owner(p);  // node n is sub-owner n (batch_done reads n back)
    assert(sub.index == n);
    nodes_[n].batches = sub.tokens;
    nodes_[n].inst.resize(1 + p_.replicas);
    for (std::uint32_t i = 0; i <= p_.replicas; ++i) {
      // Replica stores draw from their own streams (seed 100 + n is the primary's, as before).
      const std::uint64_t seed = i == 0 ? bc.stream_seed(100 + n) : bc.stream_seed(100000 + n * 16 + i);
      nodes_[n].inst[i].store = std::make_unique<CacheStore>(p_.store, seed);
    }
    if (p_.replicas > 0) nodes_[n].log.reserve(1024);
  }
  init_disks(bc);
  if (!p_.local) {
    // Every process (a node's primary and replicas) is a slot of the server pool, addressed
    // (pool_slot): `concurrency` workers and an unbounded FIFO each, restarted after
    // restart_time, billed by instance_type (its speed divides `latency`).
    per_node_ = 1 + p_.replicas;
    PoolNodes spec;
    spec.nodes = nodes * per_node_;
    spec.workers = p_.concurrency;
    spec.restart = p_.restart_time;
    spec.memory_limit_mb = p_.memory_limit_mb;
    spec.memory_base_mb = p_.memory_base_mb;
    pool_.configure(p, bc, spec);
  }
  tags_ = bc.own_tags(kTagCount, p);  // after the pool's block, which a local cache does not take
  jobs_.reserve(1024);
  flights_.reserve(256);

  set_route_ = bc.route_index("set");
  put_route_ = bc.route_index("put");
  delete_route_ = bc.route_index("delete");
  invalidate_route_ = bc.route_index("invalidate");
  register_figures(bc);
  if (p_.has_backend) declare_backend_routes(bc);
  ready_ = nodes;
  ready_ledger_ = ReadyLedger(nodes, nodes + 1);
}

// The figures in summary.json, in order; finish() reports them.
void Cache::register_figures(BuildContext& bc) {
  const std::string& id = bc.id();
  Metrics& m = bc.metrics();
  figures_ = Figures(m, id);
  Figures& f = figures_;
  ops_c_ = f.per_second("throughput_rps", "ops", "throughput_rps");
  // A local cache has no workers or queue of its own: the table prints "-".
  if (!p_.local) f.custom([this](Context& ctx, ComponentReport& r) { pool_.report_utilization(ctx, r); });
  f.ratio("hit_ratio", &hits_c_, &lookups_c_);
  lookups_c_ = f.count("lookups", "lookups_rps");
  hits_c_ = f.count("hits");
  misses_c_ = f.count("misses");
  evictions_c_ = f.count("evictions", "evictions_rps");
  expired_c_ = f.count("expired");
  stale_c_ = f.count("stale_reads", "stale_reads_rps");
  writes_c_ = f.count("writes");
  lost_c_ = f.count("lost_writes");
  backend_reads_c_ = f.count("backend_reads", "backend_reads_rps");
  backend_writes_c_ = f.count("backend_writes", "backend_writes_rps");
  if (p_.pattern == Pattern::WriteBehind) {
    flushed_c_ = f.count("flushed_writes");
    flush_failures_c_ = f.count("flush_failures");
  }
  early_c_ = f.count("early_refreshes");
  coalesced_c_ = f.count("coalesced");
  lock_retries_c_ = f.count("lock_retries");
  dropped_c_ = f.count("dropped");
  cancelled_c_ = f.count("cancelled", "", Figures::Show::IfAny);
  unavailable_c_ = f.count("unavailable");
  fault_errors_c_ = f.count("fault_errors", "", Figures::Show::IfAny);
  oom_c_ = f.count("oom_errors", "", Figures::Show::IfAny);
  entries_g_ = f.level("entries", "entries");
  f.mean("entries_mean", entries_g_);
  bytes_g_ = f.level("memory_bytes", "memory_bytes");
  flights_g_ = f.level("keys_in_flight", "keys_in_flight", Figures::Show::Never);
  f.value("keys_in_flight_max", [this] { return static_cast<double>(max_flights_); });
  pending_g_ = f.level("unflushed_writes", "unflushed_writes");
  f.value("crashes", [this] { return static_cast<double>(crashes_); });
  if (p_.replicas == 0 && !p_.local) f.value("shutdowns", [this] { return static_cast<double>(shutdowns_); });
  // With memory.limit_mb: the OOM kills after warm-up (the pool's, as a service's).
  if (p_.memory_limit_mb > 0) f.custom([this](Context& ctx, ComponentReport& r) { pool_.report_memory(ctx, r); });
  register_durability_figures(f);
  if (p_.local) {
    f.value("local_copies", [this] { return static_cast<double>(nodes_.size()); });
    inconsistent_c_ = f.count("local_inconsistent_reads", "local_inconsistent_reads_rps");
    cold_starts_c_ = f.count("local_cold_starts");
  }
  if (p_.replicas > 0) {
    failovers_c_ = f.count("failovers");
    replica_reads_c_ = f.count("replica_reads", "replica_reads_rps");
    unreplicated_c_ = f.count("unreplicated_lost");
  }
  // Every process billed for the run, down or not.
  if (!p_.local) f.custom([this](Context& ctx, ComponentReport& r) { pool_.report_billing(ctx, r); });

  hits_pulse_g_ = m.gauge(id, "hit_pulse");
  lookups_pulse_g_ = m.gauge(id, "lookup_pulse");
  m.ratio_series(id, "hit_ratio", hits_pulse_g_, lookups_pulse_g_);
  // Workers, queue and nodes are the pool's (a local cache has none: it runs on its callers' threads).
  if (!p_.local) {
    pool_.register_metrics(m);
    pool_.register_memory_metrics(m);  // memory_mb and oom_kills, with memory.limit_mb only
  }
}

// What reaches the backend, for the route check before t = 0 (scenario/route_flow.h): a backend
// that serves only named routes (a database's queries) refuses a route it lacks at load, not
// as a failed call per request. Read-through sends the reads (every route but the write and
// delete ones); write-through the writes; write-behind its batches on one route.
void Cache::declare_backend_routes(BuildContext& bc) {
  RouteFlow::Rule rule;
  rule.ref = p_.backend;
  switch (p_.pattern) {
    case Pattern::ReadThrough:
      rule.routes = {set_route_, put_route_, delete_route_, invalidate_route_};
      if (p_.has_read_route) {
        rule.rename = p_.read_route;
        rule.pointer = p_.read_route_pointer;
      }
      rule.advice = "a read-through cache reads its backend on the request's own route unless "
                    "\"backend_routes\": {\"read\": ...} names the backend's read route";
      bc.forwards_routes(std::move(rule));
      break;
    case Pattern::WriteThrough:
      rule.only = true;
      rule.routes = {set_route_, put_route_};
      if (p_.has_write_route) {
        rule.rename = p_.write_route;
        rule.pointer = p_.write_route_pointer;
      }
      rule.advice = "a write-through cache writes its backend on the request's own route unless "
                    "\"backend_routes\": {\"write\": ...} names the backend's write route";
      bc.forwards_routes(std::move(rule));
      break;
    case Pattern::WriteBehind: bc.sends_route(p_.backend, p_.write_route, p_.write_route_pointer); break;
    case Pattern::CacheAside: break;
  }
}

Capabilities Cache::capabilities() {
  Capabilities c;
  if (!p_.local) c.crashable = this;  // a local cache crashes with its instance, not by itself
  if (!p_.local) c.disruptable = this;
  c.degradable = this;
  c.keyed_store = this;
  return c;
}

// A local cache lives inside the instances of one service: only a service names the
// instance that calls (models/contracts/caller_instance.h).
void Cache::connect(ConnectContext& cc) {
  if (p_.has_source) {
    source_ = capabilities_of(cc.target(p_.source)).key_writes;
    if (source_) source_->keep_write_times();
    else if (p_.pattern == Pattern::CacheAside)
      cc.fail(p_.source, "\"" + cc.target(p_.source).id() + "\" (a " + cc.target(p_.source).type() +
                             ") keeps no write times: a cache's source is a database");
  }
  if (!p_.local) return;
  std::uint32_t caller = kNone;
  for (const std::uint32_t from : cc.callers(index())) {
    const Component& c = cc.component(from);
    if (c.type() != "service")
      throw ScenarioError(p_.local_pointer, "a local cache lives inside the instances of the service that calls it, but \"" +
                                                c.id() + "\" (a " + c.type() + ") calls it; put a service in between or make "
                                                "the cache shared (false)");
    if (caller != kNone && caller != from)
      throw ScenarioError(p_.local_pointer, "a local cache belongs to the instances of one service, but both \"" +
                                                cc.component(caller).id() + "\" and \"" + c.id() +
                                                "\" call it; give each service its own local cache");
    caller = from;
  }
  if (caller != kNone) local_copies_ = peak_instances(cc, caller);
}

// What its stores will hold (CacheStore::footprint): every node's primary and replicas, or a
// local cache's copy in each instance of its caller.
std::uint64_t Cache::memory_estimate() const {
  // A persistent node also holds its disk's image (durability.h).
  const std::uint64_t images = !persist_.on ? 0 : nodes_.size();
  const std::uint64_t stores = p_.local ? local_copies_ : nodes_.size() * (1 + std::uint64_t{p_.replicas}) + images;
  return stores * CacheStore::footprint(local_config_);
}

void Cache::start(Context& ctx) {
  if (!p_.local) pool_.start(ctx);
  if (p_.preload > 0) preload(ctx);
  if (p_.pattern == Pattern::WriteBehind) arm(ctx, p_.flush_interval, kFlush);
  start_persistence(ctx);
  window_ = ctx.metrics().window();
  schedule_pulse(ctx, ctx.now() + window_);  // the first window's end (now() is the run's start)
}

void Cache::on_request(Context& ctx, CallId call) {
  RequestInfo req = ctx.request(call);
  std::uint32_t n = p_.local ? local_node(ctx, call) : node_of(req.key);
  if (cluster_failed_ > 0) {  // CLUSTERDOWN: a slot is uncovered and full coverage is required
    ctx.metrics().add(unavailable_c_);
    ctx.reply(call, Status::Unavailable);
    return;
  }
  const Op op = req.route == set_route_ || req.route == put_route_ ? Op::Set
              : req.route == delete_route_ || req.route == invalidate_route_ ? Op::Delete
              : req.write ? Op::Set : Op::Get;
  if (op == Op::Set && req.bytes == 0)  // a route's own value size (route_value_bytes)
    for (const CacheParams::RouteSize& r : p_.route_sizes)
      if (r.route == req.route) req.bytes = r.sizes.of(req.key);
  if (faulted(op != Op::Get, fault_rng_)) {
    ctx.metrics().add(fault_errors_c_);
    ctx.reply(call, Status::Error);
    return;
  }
  const int i = p_.local ? (n == kNone ? -1 : 0) : serving_instance(nodes_[n], op);
  if (i < 0) {
    ctx.metrics().add(unavailable_c_);
    ctx.reply(call, Status::Unavailable);
    return;
  }
  // The operation looks the key up after its service time, other events later: ask for the
  // map's bucket now, so that a store larger than the CPU's caches does not miss it then.
  nodes_[n].inst[static_cast<std::size_t>(i)].store->prefetch(req.key);
  std::uint32_t j = alloc_job();
  Job& job = jobs_[j];
  job.req = req;
  job.call = call;
  job.node = n;
  job.inst = static_cast<std::uint8_t>(i);
  job.has_caller = true;
  job.looked = false;
  job.op = op;
  job.in_pool = !p_.local;  // a local cache runs on the caller's own thread
  ctx.metrics().add(ops_c_);
  job.since = ctx.now();
  if (p_.local) begin_service(ctx, j);
  else accept(ctx, pool_slot(n, static_cast<std::uint32_t>(i)), j);  // an unbounded queue: never Rejected
}

void Cache::on_timer(Context& ctx, std::uint16_t tag, std::uint64_t data) {
  if (!tags_.owns(tag)) {
    // A local cache has no pool, and its own block is the component's first tags.
    if (!p_.local) pool_timer(ctx, tag, data);
    return;
  }
  switch (static_cast<Tag>(tags_.index(tag))) {
    case kServe: {
      std::uint32_t j = job_of(data);
      if (j == kNone) return;
      if (!p_.local) {  // its worker goes to the oldest operation queued on the instance, before it answers
        jobs_[j].in_pool = false;
        finish_service(ctx, pool_slot(jobs_[j].node, jobs_[j].inst));
      }
      execute(ctx, j);
      break;
    }
    case kRetry: {
      std::uint32_t j = job_of(data);
      if (j != kNone) execute(ctx, j);
      break;
    }
    case kFlush: flush(ctx); break;
    case kReplicate: replicate(ctx, static_cast<std::uint32_t>(data)); break;
    case kClusterFail: cluster_fail(data); break;
    case kFailover: {
      auto n = static_cast<std::uint32_t>(data & 0xffff);
      if (nodes_[n].down && nodes_[n].epoch == static_cast<std::uint32_t>(data >> 16)) failover(ctx, n);
      break;
    }
    case kPulseSet:
      ctx.metrics().set(hits_pulse_g_, static_cast<double>(window_hits_), ctx.now());
      ctx.metrics().set(lookups_pulse_g_, static_cast<double>(window_lookups_), ctx.now());
      window_hits_ = window_lookups_ = 0;
      break;
    case kPulseClear:
      ctx.metrics().set(hits_pulse_g_, 0, ctx.now());
      ctx.metrics().set(lookups_pulse_g_, 0, ctx.now());
      schedule_pulse(ctx, ctx.now() + 1 + window_);
      break;
    case kLease: lease_expired(ctx, data); break;
    case kPersist: persist_tick(ctx); break;
    case kTagCount: break;
  }
}

void Cache::on_reply(Context& ctx, CallId call, Status status, std::uint64_t token) {
  if (ContinuationSpace::is_sub_token(token)) {
    batch_done(ctx, status, token);
    return;
  }
  std::uint32_t j = job_of(token);
  if (j == kNone) return;  // its node crashed meanwhile
  if (jobs_[j].op == Op::Set) write_through_done(ctx, call, status, j);
  else fill_done(ctx, call, status, j);
}

void Cache::finish(Context& ctx, ComponentReport& r) {
  figures_.report(ctx, r);
  declare_page(r.page());
}

void Cache::describe(Description& d) const {
  // What its hit ratio depends on: analyze estimates it (tools/analysis/cache_model.h) and
  // weights the callers' on_miss branches and a read-through's backend reads by it.
  const Eviction ev = local_config_.eviction;
  d.is_cache = true;
  d.cache_capacity = static_cast<double>(local_config_.capacity) * static_cast<double>(p_.local ? 1 : nodes_.size());
  d.cache_ttl_s = p_.ttl == kTimeMax ? 0 : to_seconds(p_.ttl);
  d.cache_eviction = ev == Eviction::Lru || ev == Eviction::SampledLru ? "lru" : ev == Eviction::Fifo || ev == Eviction::Random ? "fifo" : "lfu";
  d.cache_reads_through = p_.pattern == Pattern::ReadThrough;
  d.cache_backend = p_.backend;
  // Analysed as a server: every operation is one `latency` on a node's workers.
  if (p_.local) {  // in-process lookups on the caller's own threads: no queue, and it fails with its pods
    d.in_process = true;
    return;
  }
  d.kind = Description::Kind::Server;
  d.replicas = static_cast<std::uint32_t>(static_cast<double>(nodes_.size()) * serving_per_node());
  d.concurrency = p_.concurrency;
  Description::Program prog;
  prog.any_route = true;
  prog.work_s = p_.latency.mean() / 1e9;
  d.programs.push_back(prog);
}

// Per-window hit ratio: the window's hits and lookups are held for 1 ns just before the
// window closes, so the engine's ratio series (integral / integral) is hits / lookups.
void Cache::schedule_pulse(Context& ctx, Time window_end) {
  Time end = std::min(window_end, ctx.end_time());
  if (end - 2 < ctx.now()) return;
  arm(ctx, end - 2 - ctx.now(), kPulseSet);
  arm(ctx, end - 1 - ctx.now(), kPulseClear);
}

}  // namespace cache

std::unique_ptr<Component> make_cache(Params& p, BuildContext& bc) { return std::make_unique<cache::Cache>(p, bc); }

}  // namespace archsim
