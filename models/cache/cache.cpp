#include "models/cache/cache.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <optional>
#include <memory>
#include <string>
#include <vector>


#include "models/common/cache_store/cache_store.h"
#include "models/cache/hash_slot.h"
#include "models/cache/sentinel.h"
#include "models/common/cache_store/key_map.h"
#include "sim/continuation.h"
#include "models/common/capabilities.h"
#include "models/common/ready_ledger.h"
#include "models/common/caller_instance.h"
#include "models/common/result_flags.h"
#include "models/common/server_pool/server_pool.h"
#include "sim/describe.h"
#include "sim/results.h"

namespace archsim {
namespace {

using cache::CacheStore;
using cache::Entry;
using cache::Eviction;
using cache::KeyMap;
using cache::StoreConfig;
namespace rf = result_flags;

enum class Pattern : std::uint8_t { CacheAside, ReadThrough, WriteThrough, WriteBehind };
enum class Stampede : std::uint8_t { None, Lock, Coalesce, EarlyRefresh, TtlJitter };
enum class Op : std::uint8_t { Get, Set, Delete };
// Own timers: indexes into the block of tags the cache takes after its server pool's (tags_,
// from the BuildContext); restarts are the pool's.
enum Tag : std::uint16_t { kServe, kRetry, kFlush, kPulseSet, kPulseClear, kLease, kReplicate, kFailover, kClusterFail, kTagCount };

constexpr std::uint32_t kNone = KeyMap::kNone;
// Backend calls carry a token (sim/continuation.h): a job (slot, generation) in the cache's
// own range, or a write-behind batch of node n in node n's sub-owner range (epoch, count).

struct Job {
  RequestInfo req;
  CallId call{};
  Time t0 = 0;               // when its backend read was sent
  Time since = 0;            // when its wait began: for a worker, or for a key another request fills (traces)
  std::uint32_t next = kNone;  // waiters of a flight
  std::uint32_t node = 0;     // a local cache: the calling instance's copy
  std::uint8_t inst = 0;      // the node's instance serving it (Node::inst)
  Op op = Op::Get;
  bool in_pool = false;       // admitted to its instance's pool slot (waiting for a worker or in service)
  bool has_caller = true;     // false for a background refresh
  bool looked = false;        // its first look is counted (a lock retry is not a new lookup)
};

// A key whose value is being computed: a backend read in flight (read_through) or a lease
// held by the caller that missed first (cache_aside).
struct Flight {
  std::uint64_t key = 0;
  std::uint32_t head = kNone, tail = kNone;  // waiting jobs (coalesce)
  std::uint32_t leader = kNone;              // the job reading the backend (read_through)
  std::uint32_t gen = 0;
  std::uint32_t next_free = kNone;
  std::uint32_t node = 0;
  bool live = false;
};

// One process of a node: its primary or one of its replicas. Its workers, FIFO, crashes,
// restarts and billing are a slot of the cache's server pool (Cache::pool_slot); what it holds
// and its part in replication are kept here.
struct Instance {
  std::unique_ptr<CacheStore> store;
  bool up = true;    // running and holding its data set (false from its crash until it rejoins)
  bool lost = false; // its operations were dropped: slot_down has yet to act on its data
};

// A write the primary applied and its replicas will apply `replication_lag` later.
struct ReplOp {
  Time due = 0;
  std::uint64_t key = 0;
  Time read_at = 0, expiry = kTimeMax, delta = 0;
  std::uint32_t bytes = 0;
  bool erase = false;
  bool write = false;  // a client's write (a fill is not)
};

struct Node {
  std::vector<Instance> inst;     // 1 + replicas; inst[primary] takes the writes
  std::uint8_t primary = 0;
  std::uint8_t next_read = 0;     // round robin over the replicas (read_from replicas)
  bool down = false;              // no live primary
  std::uint32_t epoch = 0;        // bumped at each crash: stale failovers and batches are known
  std::uint64_t pending = 0;      // write-behind writes acked and not yet flushed
  TokenRange batches;             // this node's write-behind batch tokens (sub-owner n)
  std::vector<ReplOp> log;        // replication stream, oldest first from log_head
  std::size_t log_head = 0;
  bool repl_armed = false;
  bool cluster_fail = false;      // flagged FAIL by the cluster (counts in Cache::cluster_failed_)
  std::uint32_t life = kNone;     // a local copy: the life of its instance (models/common/caller_instance.h)
  CacheStore& store() { return *inst[primary].store; }
};

class Cache final : public Component, public HasCapabilities, public Crashable, public PoolJobs {
 public:
  Cache(Params& p, BuildContext& bc)
      : rng_(bc.rng(0)), restart_rng_(bc.rng(2)), sentinel_rng_(bc.rng(3)), pool_(*this, *this, restart_rng_) {
    static const std::vector<std::string> kPatterns{"cache_aside", "read_through", "write_through", "write_behind"};
    static const std::vector<std::string> kEvictions{"lru", "lfu", "fifo", "random", "sampled_lru", "sampled_lfu", "tinylfu"};
    static const std::vector<std::string> kStampedes{"none", "lock", "coalesce", "early_refresh", "ttl_jitter"};
    std::string pat = p.choice("pattern", "cache_aside", kPatterns);
    pattern_ = static_cast<Pattern>(std::find(kPatterns.begin(), kPatterns.end(), pat) - kPatterns.begin());
    local_ = p.boolean("local", false);
    if (local_) {
      // One in-process copy per calling instance: no nodes, replicas, failover, workers or
      // restarts of its own (it lives and dies with its instance).
      for (const char* f : {"nodes", "replicas", "read_from", "replication_lag", "sentinels", "quorum", "down_after",
                            "promotion_time", "failover", "cluster_node_timeout", "require_full_coverage", "concurrency",
                            "restart_time", "instance_type"})
        if (p.has(f))
          p.fail(f, "makes no sense for a local cache (\"local\": true: one in-process copy inside each instance of the "
                    "calling service, which lives and dies with it); remove it or make the cache shared");
      if (pattern_ == Pattern::WriteBehind)
        p.fail("pattern", "\"write_behind\" is not modelled for a local cache (a write buffer in each instance); use "
                          "cache_aside, read_through or write_through, or a shared cache");
      local_pointer_ = p.pointer() + "/local";
      bc.in_process();
    }
    if (p.has("backend")) {
      backend_ = bc.reference(p, "backend", RefKind::SyncCall);
      has_backend_ = true;
    } else if (pattern_ != Pattern::CacheAside) {
      p.fail("pattern", "\"" + pat + "\" needs a \"backend\" (the component the cache reads or writes through)");
    }
    std::int64_t capacity = p.integer("capacity", 10000, 1, 1'000'000'000);
    std::optional<std::int64_t> cap_bytes = p.integer_or_null("capacity_bytes", 1, std::int64_t{1} << 50);
    std::string ev = p.choice("eviction", "lru", kEvictions);
    if (ev == "tinylfu" && cap_bytes)
      p.fail("capacity_bytes", "W-TinyLFU (eviction \"tinylfu\") counts entries here: omit capacity_bytes or pick another eviction");
    StoreConfig sc;
    sc.eviction = ev == "lru" ? Eviction::Lru : ev == "lfu" ? Eviction::Lfu : ev == "fifo" ? Eviction::Fifo
                : ev == "random" ? Eviction::Random : ev == "sampled_lru" ? Eviction::SampledLru
                : ev == "sampled_lfu" ? Eviction::SampledLfu : Eviction::TinyLfu;
    sc.samples = static_cast<std::uint32_t>(p.integer("samples", 5, 1, 1024));
    sc.lfu_log_factor = p.number("lfu_log_factor", 10, 0, 1e6);
    sc.lfu_decay = p.duration("lfu_decay_time", 60 * kSecond);
    if (sc.lfu_decay > 0 && sc.lfu_decay < 60 * kSecond) p.fail("lfu_decay_time", "is counted in whole minutes as in Redis: give 0 (no decay) or at least 1m");
    sc.lru_clock = p.duration("lru_clock", 0);
    if (sc.lru_clock > 0 && sc.eviction != Eviction::SampledLru)
      p.fail("lru_clock", "is Redis's LRU clock (its tick, 1s in Redis), read by \"sampled_lru\" only");

    std::string st = p.choice("stampede", "none", kStampedes);
    stampede_ = static_cast<Stampede>(std::find(kStampedes.begin(), kStampedes.end(), st) - kStampedes.begin());
    if (auto ttl = p.duration_opt("ttl")) {
      if (*ttl <= 0) p.fail("ttl", "must be positive (omit it for no expiry)");
      ttl_ = *ttl;
    }
    if (p.has("ttl_jitter")) {
      const Params::Value j = p.value("ttl_jitter");
      if (ttl_ == kTimeMax) p.fail("ttl_jitter", "needs a \"ttl\" to spread");
      if (auto fraction = j.as_number()) {
        double f = *fraction;
        if (!(f >= 0) || f > 1) p.fail("ttl_jitter", "a fraction of the TTL must be in [0, 1] (a jitter above the TTL would give negative TTLs)");
        jitter_ = static_cast<Time>(f * static_cast<double>(ttl_));
      } else {
        jitter_ = j.duration();
        if (jitter_ > ttl_) p.fail("ttl_jitter", "is above the ttl: expiries would fall in the past");
      }
    } else if (stampede_ == Stampede::TtlJitter) {
      if (ttl_ == kTimeMax) p.fail("stampede", "\"ttl_jitter\" needs a \"ttl\" to spread");
      jitter_ = ttl_ / 10;
    }
    if (stampede_ == Stampede::EarlyRefresh && ttl_ == kTimeMax) p.fail("stampede", "\"early_refresh\" needs a \"ttl\" (it refreshes before expiry)");
    beta_ = p.number("early_refresh_beta", 1.0, 0.0, 1e6);
    lock_retry_ = p.duration("lock_retry", 50 * kMillisecond, 1);
    lease_timeout_ = p.duration("lease_timeout", 2 * kSecond, 1);
    flush_interval_ = p.duration("flush_interval", kSecond, 1);
    update_on_write_ = p.choice("on_write", "invalidate", {"invalidate", "update"}) == "update";
    // A shared cache's default is a Redis round trip's server side; a local one's an
    // in-process hash lookup (Caffeine's get is well under a microsecond).
    latency_ = p.distribution("latency", Distribution::constant(local_ ? 1'000 : 20'000));
    concurrency_ = static_cast<std::uint32_t>(p.integer("concurrency", 1, 1, 1'000'000));
    // A local cache's copies (its "nodes") appear as instances call it (local_node).
    auto nodes = local_ ? 0u : static_cast<std::uint32_t>(p.integer("nodes", 1, 1, cache::kHashSlots));
    replicas_ = static_cast<std::uint32_t>(p.integer("replicas", 0, 0, 15));
    if (replicas_ > 0) {
      read_replicas_ = p.choice("read_from", "primary", {"primary", "replicas"}) == "replicas";
      replication_lag_ = p.duration("replication_lag", kMillisecond);
      cluster_failover_ = p.choice("failover", "sentinel", {"sentinel", "cluster"}) == "cluster";
      if (cluster_failover_) {
        for (const char* f : {"sentinels", "quorum", "down_after", "promotion_time"})
          if (p.has(f)) p.fail(f, "is a Sentinel setting; with \"failover\": \"cluster\" give cluster_node_timeout");
        node_timeout_ = p.duration("cluster_node_timeout", 15 * kSecond, 1);
        full_coverage_ = p.boolean("require_full_coverage", true);
      } else {
        for (const char* f : {"cluster_node_timeout", "require_full_coverage"})
          if (p.has(f)) p.fail(f, "is a Redis Cluster setting: give \"failover\": \"cluster\"");
        sentinels_ = static_cast<std::uint32_t>(p.integer("sentinels", 3, 1, cache::kMaxSentinels));
        quorum_ = static_cast<std::uint32_t>(p.integer("quorum", 2, 1, cache::kMaxSentinels));
        if (quorum_ > sentinels_) p.fail("quorum", "is above sentinels: that many sentinels can never agree the primary is down");
        down_after_ = p.duration("down_after", 30 * kSecond, 1);
        promotion_time_ = p.duration("promotion_time", kSecond);
      }
    } else {
      for (const char* f : {"read_from", "replication_lag", "sentinels", "quorum", "down_after", "promotion_time", "failover",
                            "cluster_node_timeout", "require_full_coverage"})
        if (p.has(f)) p.fail(f, "needs \"replicas\" >= 1 (it configures replication and Sentinel failover)");
    }
    restart_time_ = p.distribution("restart_time", Distribution::constant(10.0 * kSecond));
    if (p.has("concurrency") && concurrency_ == 0) p.fail("concurrency", "must be >= 1");

    // Capacity is the whole tier's, split evenly over the nodes (each at least one entry); a
    // local cache's is each copy's.
    const std::int64_t split = std::max<std::uint32_t>(nodes, 1);
    sc.capacity = static_cast<std::uint32_t>(std::max<std::int64_t>(1, (capacity + split - 1) / split));
    if (cap_bytes) sc.capacity_bytes = static_cast<std::uint64_t>(std::max<std::int64_t>(1, (*cap_bytes + split - 1) / split));
    local_config_ = sc;
    local_seed_ = bc.stream_seed(300);
    nodes_.resize(nodes);
    for (std::uint32_t n = 0; n < nodes; ++n) {
      const SubOwner sub = bc.sub_owner(p);  // node n is sub-owner n (batch_done reads n back)
      assert(sub.index == n);
      nodes_[n].batches = sub.tokens;
      nodes_[n].inst.resize(1 + replicas_);
      for (std::uint32_t i = 0; i <= replicas_; ++i) {
        // Replica stores draw from their own streams (seed 100 + n is the primary's, as before).
        const std::uint64_t seed = i == 0 ? bc.stream_seed(100 + n) : bc.stream_seed(100000 + n * 16 + i);
        nodes_[n].inst[i].store = std::make_unique<CacheStore>(sc, seed);
      }
      if (replicas_ > 0) nodes_[n].log.reserve(1024);
    }
    if (!local_) {
      // Every process (a node's primary and replicas) is a slot of the server pool, addressed
      // (pool_slot): `concurrency` workers and an unbounded FIFO each, restarted after
      // restart_time, billed by instance_type (its speed divides `latency`).
      per_node_ = 1 + replicas_;
      PoolNodes spec;
      spec.nodes = nodes * per_node_;
      spec.workers = concurrency_;
      spec.restart = restart_time_;
      pool_.configure(p, bc, spec);
    }
    tags_ = bc.own_tags(kTagCount, p);  // after the pool's block, which a local cache does not take
    jobs_.reserve(1024);
    flights_.reserve(256);

    set_route_ = bc.route_index("set");
    put_route_ = bc.route_index("put");
    delete_route_ = bc.route_index("delete");
    invalidate_route_ = bc.route_index("invalidate");

    const std::string& id = bc.id();
    Metrics& m = bc.metrics();
    lookups_c_ = m.counter(id, "lookups", "lookups_rps");
    hits_c_ = m.counter(id, "hits");
    misses_c_ = m.counter(id, "misses");
    evictions_c_ = m.counter(id, "evictions", "evictions_rps");
    stale_c_ = m.counter(id, "stale_reads", "stale_reads_rps");
    lost_c_ = m.counter(id, "lost_writes");
    backend_reads_c_ = m.counter(id, "backend_reads", "backend_reads_rps");
    backend_writes_c_ = m.counter(id, "backend_writes", "backend_writes_rps");
    expired_c_ = m.counter(id, "expired");
    early_c_ = m.counter(id, "early_refreshes");
    coalesced_c_ = m.counter(id, "coalesced");
    lock_retries_c_ = m.counter(id, "lock_retries");
    dropped_c_ = m.counter(id, "dropped");
    unavailable_c_ = m.counter(id, "unavailable");
    writes_c_ = m.counter(id, "writes");
    entries_g_ = m.gauge(id, "entries", "entries");
    bytes_g_ = m.gauge(id, "memory_bytes", "memory_bytes");
    flights_g_ = m.gauge(id, "keys_in_flight", "keys_in_flight");
    pending_g_ = m.gauge(id, "unflushed_writes", "unflushed_writes");
    hits_pulse_g_ = m.gauge(id, "hit_pulse");
    lookups_pulse_g_ = m.gauge(id, "lookup_pulse");
    m.ratio_series(id, "hit_ratio", hits_pulse_g_, lookups_pulse_g_);
    ops_c_ = m.counter(id, "ops", "throughput_rps");
    // Workers, queue and nodes are the pool's (a local cache has none: it runs on its callers' threads).
    if (!local_) pool_.register_metrics(m);
    if (replicas_ > 0) {
      failovers_c_ = m.counter(id, "failovers");
      replica_reads_c_ = m.counter(id, "replica_reads", "replica_reads_rps");
      unreplicated_c_ = m.counter(id, "unreplicated_lost");
    }
    if (local_) {
      inconsistent_c_ = m.counter(id, "local_inconsistent_reads", "local_inconsistent_reads_rps");
      cold_starts_c_ = m.counter(id, "local_cold_starts");
    }
    ready_ = nodes;
    ready_ledger_ = ReadyLedger(nodes, nodes + 1);
  }

  Capabilities capabilities() override {
    Capabilities c;
    if (!local_) c.crashable = this;  // a local cache crashes with its instance, not by itself
    return c;
  }

  // A local cache lives inside the instances of one service: only a service names the
  // instance that calls (models/common/caller_instance.h).
  void connect(ConnectContext& cc) override {
    if (!local_) return;
    std::uint32_t caller = kNone;
    for (const auto& [from, to] : cc.links()) {
      if (to != index()) continue;
      const Component& c = cc.component(from);
      if (c.type() != "service")
        throw ScenarioError(local_pointer_, "a local cache lives inside the instances of the service that calls it, but \"" +
                                                c.id() + "\" (a " + c.type() + ") calls it; put a service in between or make "
                                                "the cache shared (false)");
      if (caller != kNone && caller != from)
        throw ScenarioError(local_pointer_, "a local cache belongs to the instances of one service, but both \"" +
                                                cc.component(caller).id() + "\" and \"" + c.id() +
                                                "\" call it; give each service its own local cache");
      caller = from;
    }
  }

  void start(Context& ctx) override {
    if (!local_) pool_.start(ctx);
    if (pattern_ == Pattern::WriteBehind) arm(ctx, flush_interval_, kFlush);
    window_ = ctx.metrics().window();
    schedule_pulse(ctx, window_);
  }

  void on_request(Context& ctx, CallId call) override {
    RequestInfo req = ctx.request(call);
    std::uint32_t n = local_ ? local_node(ctx, call) : node_of(req.key);
    if (cluster_failed_ > 0) {  // CLUSTERDOWN: a slot is uncovered and full coverage is required
      ctx.metrics().add(unavailable_c_);
      ctx.reply(call, Status::Unavailable);
      return;
    }
    const Op op = req.route == set_route_ || req.route == put_route_ ? Op::Set
                : req.route == delete_route_ || req.route == invalidate_route_ ? Op::Delete
                : req.write ? Op::Set : Op::Get;
    const int i = local_ ? (n == kNone ? -1 : 0) : serving_instance(nodes_[n], op);
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
    job.in_pool = !local_;  // a local cache runs on the caller's own thread
    ctx.metrics().add(ops_c_);
    job.since = ctx.now();
    if (local_ || pool_.admit(ctx, pool_slot(n, static_cast<std::uint32_t>(i)), j)) begin_service(ctx, j);
  }

  // Own timer `t` after `delay`.
  void arm(Context& ctx, Time delay, Tag t, std::uint64_t data = 0) { ctx.schedule(delay, tags_.make(t), data); }

  void on_timer(Context& ctx, std::uint16_t tag, std::uint64_t data) override {
    if (!tags_.owns(tag)) {
      // A local cache has no pool, and its own block is the component's first tags.
      if (!local_ && ServerPool::owns_timer(tag)) pool_.on_timer(ctx, tag, data);
      return;
    }
    switch (static_cast<Tag>(tags_.index(tag))) {
      case kServe: {
        std::uint32_t j = job_of(data);
        if (j == kNone) return;
        if (!local_) {  // the worker goes to the oldest operation queued on the instance
          jobs_[j].in_pool = false;
          const std::uint32_t slot = pool_slot(jobs_[j].node, jobs_[j].inst);
          pool_.job_done(ctx, slot);
          const std::uint32_t next = pool_.worker_done(ctx, slot);
          if (next != ServerPool::kNone) {
            ctx.trace_span(jobs_[next].call, TraceSpan::Queue, jobs_[next].since, ctx.now());
            begin_service(ctx, next);
          }
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
      case kClusterFail: {
        auto n = static_cast<std::uint32_t>(data & 0xffff);
        if (nodes_[n].down && nodes_[n].epoch == static_cast<std::uint32_t>(data >> 16) && !nodes_[n].cluster_fail) {
          nodes_[n].cluster_fail = true;
          ++cluster_failed_;
        }
        break;
      }
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
      case kLease: {
        const std::uint32_t f = slot_of(data);
        if (f < flights_.size() && flights_[f].live && current_gen(data, flights_[f].gen)) {
          // The lease holder never set the key: the waiters go to the database themselves.
          release_flight(ctx, f, Status::Ok, Result{0, rf::kMiss});
        }
        break;
      }
      case kTagCount: break;
    }
  }

  void on_reply(Context& ctx, CallId call, Status status, std::uint64_t token) override {
    if (ContinuationSpace::is_sub_token(token)) {
      batch_done(ctx, status, token);
      return;
    }
    std::uint32_t j = job_of(token);
    if (j == kNone) return;  // its node crashed meanwhile
    Job& job = jobs_[j];
    if (job.op == Op::Set) {  // write-through: the backend answered
      ctx.reply(job.call, status, ctx.result(call));
      free_job(j);
      return;
    }
    // A read-through fill (or a background refresh).
    Node& nd = nodes_[job.node];
    std::uint32_t f = flights_map_.find(flight_key(job.req.key, job.node));
    if (served(status)) {
      Time read_at = job.t0;
      store_value(ctx, nd, job.req.key, job.req.bytes, read_at, ctx.now() - job.t0);
      Result r{static_cast<std::uint64_t>(read_at), 0};
      if (job.has_caller) ctx.reply(job.call, Status::Ok, r);
      if (f != kNone && owns(f, j)) release_flight(ctx, f, Status::Ok, r);
    } else {
      if (job.has_caller) ctx.reply(job.call, status);
      if (f != kNone && owns(f, j)) release_flight(ctx, f, status, Result{});
    }
    free_job(j);
  }

  void finish(Context& ctx, ComponentReport& r) override {
    Metrics& m = ctx.metrics();
    auto tot = [&](CounterId c) { return static_cast<double>(m.total(c)); };
    double lookups = tot(lookups_c_);
    double measured = to_seconds(ctx.end_time() - ctx.warmup());
    r.add("throughput_rps", measured > 0 ? tot(ops_c_) / measured : 0.0);
    if (!local_) pool_.report_utilization(ctx, r);  // a local cache has no workers or queue of its own: the table prints "-"
    r.add("hit_ratio", lookups > 0 ? tot(hits_c_) / lookups : 0.0);
    r.add("lookups", lookups);
    r.add("hits", tot(hits_c_));
    r.add("misses", tot(misses_c_));
    r.add("evictions", tot(evictions_c_));
    r.add("expired", tot(expired_c_));
    r.add("stale_reads", tot(stale_c_));
    r.add("writes", tot(writes_c_));
    r.add("lost_writes", tot(lost_c_));
    r.add("backend_reads", tot(backend_reads_c_));
    r.add("backend_writes", tot(backend_writes_c_));
    r.add("early_refreshes", tot(early_c_));
    r.add("coalesced", tot(coalesced_c_));
    r.add("lock_retries", tot(lock_retries_c_));
    r.add("dropped", tot(dropped_c_));
    r.add("unavailable", tot(unavailable_c_));
    r.add("entries", m.value(entries_g_));
    r.add("entries_mean", m.average(entries_g_, ctx.end_time()));
    r.add("memory_bytes", m.value(bytes_g_));
    r.add("keys_in_flight_max", static_cast<double>(max_flights_));
    r.add("unflushed_writes", m.value(pending_g_));
    r.add("crashes", static_cast<double>(crashes_));
    if (local_) {
      r.add("local_copies", static_cast<double>(nodes_.size()));
      r.add("local_inconsistent_reads", tot(inconsistent_c_));
      r.add("local_cold_starts", tot(cold_starts_c_));
    }
    if (replicas_ > 0) {
      r.add("failovers", tot(failovers_c_));
      r.add("replica_reads", tot(replica_reads_c_));
      r.add("unreplicated_lost", tot(unreplicated_c_));
    }
    if (!local_) pool_.report_billing(ctx, r);  // every process billed for the run, down or not
  }

  void describe(Description& d) const override {
    // What its hit ratio depends on: analyze estimates it (tools/analysis/cache_model.h) and
    // weights the callers' on_miss branches and a read-through's backend reads by it.
    const Eviction ev = local_config_.eviction;
    d.is_cache = true;
    d.cache_capacity = static_cast<double>(local_config_.capacity) * static_cast<double>(local_ ? 1 : nodes_.size());
    d.cache_ttl_s = ttl_ == kTimeMax ? 0 : to_seconds(ttl_);
    d.cache_eviction = ev == Eviction::Lru || ev == Eviction::SampledLru ? "lru" : ev == Eviction::Fifo || ev == Eviction::Random ? "fifo" : "lfu";
    d.cache_reads_through = pattern_ == Pattern::ReadThrough;
    d.cache_backend = backend_;
    // Analysed as a server: every operation is one `latency` on a node's workers.
    if (local_) {  // in-process lookups on the caller's own threads: no queue, and it fails with its pods
      d.in_process = true;
      return;
    }
    d.kind = Description::Kind::Server;
    d.replicas = static_cast<std::uint32_t>(static_cast<double>(nodes_.size()) * serving_per_node());
    d.concurrency = concurrency_;
    Description::Program prog;
    prog.any_route = true;
    prog.work_s = latency_.mean() / 1e9;
    d.programs.push_back(prog);
  }

  // ---- Crashable: slots are nodes (hash-slot ranges); the pool crashes their primaries ----

  // Crashes the primaries of the first `count` nodes that have one: the pool drops what they
  // hold (drop_jobs), slot_down loses their contents and starts the failover, and the pool
  // restarts them after restart_time (slot_ready).
  std::uint32_t crash(Context& ctx, std::uint32_t count) override {
    std::uint32_t done = 0;
    for (std::uint32_t n = 0; n < nodes_.size() && done < count; ++n) {
      if (nodes_[n].down) continue;
      if (pool_.crash_node(ctx, pool_slot(n, nodes_[n].primary))) ++done;
    }
    return done;
  }
  std::uint32_t instance_slots() const override { return static_cast<std::uint32_t>(nodes_.size()); }
  // Node `slot`'s primary fails and waits for its repair.
  bool fail_instance(Context& ctx, std::uint32_t slot) override {
    if (slot >= nodes_.size() || nodes_[slot].down) return false;
    return pool_.fail_instance(ctx, pool_slot(slot, nodes_[slot].primary));
  }
  // Every process of node `slot` that is down starts again (and rejoins: slot_ready).
  void repair_instance(Context& ctx, std::uint32_t slot) override {
    if (slot >= nodes_.size()) return;
    for (std::uint32_t i = 0; i < nodes_[slot].inst.size(); ++i)
      if (!nodes_[slot].inst[i].up) pool_.repair_instance(ctx, pool_slot(slot, i));
  }

  // ---- PoolJobs: the pool's lifecycle changes, in the cache's terms ----

  // The process in `slot` is going down (crash or failure): what it serves dies with it. A
  // primary takes its node out of service first (no live primary until a failover or its
  // restart) and closes the node's flights, whose waiters (on replicas too) are dropped.
  void drop_jobs(Context& ctx, std::uint32_t slot) override {
    const std::uint32_t n = slot / per_node_, i = slot % per_node_;
    Node& nd = nodes_[n];
    Instance& in = nd.inst[i];
    if (!in.up) return;
    in.up = false;
    in.lost = true;
    if (i == nd.primary) {
      nd.down = true;
      ++nd.epoch;
      for (std::uint32_t f = 0; f < flights_.size(); ++f) {
        if (!flights_[f].live || flights_[f].node != n) continue;
        for (std::uint32_t w = flights_[f].head; w != kNone; w = jobs_[w].next) jobs_[w].inst = static_cast<std::uint8_t>(i);
        close_flight(ctx, f);
      }
    } else {
      unlink_waiters(n, i);
    }
    for (std::uint32_t j = 0; j < jobs_.size(); ++j) {
      Job& job = jobs_[j];
      if (!jobs_.live(j) || job.node != n || job.inst != i) continue;
      if (job.in_pool) pool_.job_done(ctx, slot);  // the pool empties the slot's queue and workers itself
      if (job.has_caller) {
        ctx.metrics().add(dropped_c_);
        ctx.reply(job.call, Status::Dropped);
      }
      free_job(j);
    }
  }
  void slot_launched(std::uint32_t) override {}
  // The process is down: its contents are gone (no persistence). A primary's node loses its
  // unflushed write-behind writes and the replication stream not yet sent, and Sentinel or
  // the cluster starts the failover.
  void slot_down(Context& ctx, std::uint32_t slot) override {
    const std::uint32_t n = slot / per_node_, i = slot % per_node_;
    Node& nd = nodes_[n];
    Instance& in = nd.inst[i];
    if (!in.lost) return;
    in.lost = false;
    if (i != nd.primary) {  // a replica's copy is not in the entries gauge; it resyncs when back
      in.store->clear();
      return;
    }
    take_down(ctx, n);
  }
  // The process is back (restart or repair): it rejoins (restart_instance).
  void slot_ready(Context& ctx, std::uint32_t slot) override { restart_instance(ctx, slot / per_node_, slot % per_node_); }
  ReadyHistory ready_history(Time now, Time warmup) const override { return ready_ledger_.history(now, warmup); }
  Time crash_over(Time at, Time now) const override { return pool_.crash_over(at, now); }

 private:

  // ---- local (in-process) copies ----

  // The copy of the calling instance (its pool slot), made on its first call; a new life of
  // the slot (a restart or a new instance) starts it cold. kNone for a caller that names no
  // instance (connect() lets only services call, and they always do).
  std::uint32_t local_node(Context& ctx, CallId call) {
    const std::uint32_t from = ctx.caller_instance(call);
    if (from == kNoInstance) return kNone;
    const std::uint32_t n = caller_instance::slot(from), life = caller_instance::life(from);
    while (nodes_.size() <= n) {
      Node& nd = nodes_.emplace_back();
      nd.inst.resize(1);
      nd.inst[0].store = std::make_unique<CacheStore>(local_config_, mix64(local_seed_, nodes_.size() - 1));
    }
    Node& nd = nodes_[n];
    if (nd.life != life) {
      if (nd.life != kNone) {
        ctx.metrics().add(cold_starts_c_);
        const double entries = static_cast<double>(nd.store().size()), bytes = static_cast<double>(nd.store().bytes());
        nd.store().clear();
        size_changed(ctx, -entries, -bytes);
      }
      nd.life = life;
    }
    return n;
  }
  // Whether another instance's live copy of `key` is on the other side of its latest write
  // (`written`) from this one (`current`: this copy was read after it): two pods would answer
  // the same read differently. Two copies both older than the latest write count as agreeing
  // (only the latest write's time is kept). O(instances) per hit on a written key.
  bool disagrees(std::uint32_t n, std::uint64_t key, bool current, Time written, Time now) const {
    for (std::uint32_t m = 0; m < nodes_.size(); ++m) {
      if (m == n) continue;
      const CacheStore& st = *nodes_[m].inst[0].store;
      const std::uint32_t slot = st.find(key);
      if (slot == kNone) continue;
      const Entry& e = st.at(slot);
      if (now < e.expiry && (e.read_at >= written) != current) return true;
    }
    return false;
  }
  // Flights (keys being computed) are per copy for a local cache: each instance loads alone.
  std::uint64_t flight_key(std::uint64_t key, std::uint32_t node) const { return local_ ? mix64(key, node) : key; }

  std::uint32_t node_of(std::uint64_t key) const {
    if (nodes_.size() == 1) return 0;
    return static_cast<std::uint32_t>(static_cast<std::uint64_t>(cache::hash_slot(key)) * nodes_.size() / cache::kHashSlots);
  }

  // ---- jobs ----
  std::uint32_t alloc_job() {
    const std::uint32_t j = jobs_.alloc();
    jobs_[j].next = kNone;
    jobs_[j].in_pool = false;
    return j;
  }
  void free_job(std::uint32_t j) { jobs_.free(j); }
  std::uint64_t token(std::uint32_t j) const { return ContinuationSpace::kOwnTokens.make(jobs_.payload(j)); }
  static_assert(kNoSlot == kNone);
  std::uint32_t job_of(std::uint64_t t) const { return jobs_.find(t); }

  // The operation has a worker (a shared cache's, in the pool) or the caller's thread (local):
  // `latency`, divided by the speed of the node's instance type.
  void begin_service(Context& ctx, std::uint32_t j) {
    Time t = latency_.sample_time(rng_);
    if (!local_) {
      const double speed = pool_.instance(pool_slot(jobs_[j].node, jobs_[j].inst)).speed;
      if (speed != 1.0) t = static_cast<Time>(static_cast<double>(t) / speed);
    }
    ctx.trace_span(jobs_[j].call, TraceSpan::Work, ctx.now(), after(ctx.now(), t));
    arm(ctx, t, kServe, token(j));
  }

  // ---- operations ----
  void execute(Context& ctx, std::uint32_t j) {
    switch (jobs_[j].op) {
      case Op::Get: get(ctx, j); break;
      case Op::Set: set(ctx, j); break;
      case Op::Delete: del(ctx, j); break;
    }
  }

  Time expiry_from(Time now) {
    if (ttl_ == kTimeMax) return kTimeMax;
    Time t = ttl_;
    if (jitter_ > 0) t += static_cast<Time>(static_cast<double>(jitter_) * (2 * rng_.uniform() - 1));
    return now + std::max<Time>(1, t);
  }

  void store_value(Context& ctx, Node& nd, std::uint64_t key, std::uint32_t bytes, Time read_at, Time delta,
                   bool write = false) {
    if (nd.down) return;  // a fill that arrives after the primary died has nowhere to go
    CacheStore& s = nd.store();
    std::uint64_t ev = s.evictions();
    std::size_t before = s.size();
    std::uint64_t bytes_before = s.bytes();
    std::uint32_t slot = s.put(key, bytes, ctx.now());
    if (slot != kNone) {
      Entry& e = s.at(slot);
      e.read_at = read_at;
      e.delta = delta;
      e.expiry = expiry_from(ctx.now());
      if (replicas_ > 0) replicate_later(ctx, nd, ReplOp{0, key, read_at, e.expiry, delta, bytes, false, write});
    }
    if (s.evictions() > ev) ctx.metrics().add(evictions_c_, s.evictions() - ev);
    size_changed(ctx, static_cast<double>(s.size()) - static_cast<double>(before),
                 static_cast<double>(s.bytes()) - static_cast<double>(bytes_before));
  }
  void erase_key(Context& ctx, Node& nd, std::uint32_t slot, bool write = false) {
    CacheStore& s = nd.store();
    double b = static_cast<double>(s.at(slot).bytes);
    if (replicas_ > 0) replicate_later(ctx, nd, ReplOp{0, s.at(slot).key, 0, kTimeMax, 0, 0, true, write});
    s.erase(slot);
    size_changed(ctx, -1, -b);
  }
  void size_changed(Context& ctx, double entries, double bytes) {
    if (entries != 0) ctx.metrics().add(entries_g_, entries, ctx.now());
    if (bytes != 0) ctx.metrics().add(bytes_g_, bytes, ctx.now());
  }

  Time last_write(std::uint64_t key) const {
    std::uint32_t w = writes_map_.find(key);
    return w == kNone ? -1 : write_times_[w];
  }
  void record_write(std::uint64_t key, Time now) {
    std::uint32_t w = writes_map_.find(key);
    if (w == kNone) {
      writes_map_.put(key, static_cast<std::uint32_t>(write_times_.size()));
      write_times_.push_back(now);
    } else {
      write_times_[w] = now;
    }
  }

  void get(Context& ctx, std::uint32_t j) {
    Job& job = jobs_[j];
    Node& nd = nodes_[job.node];
    const std::uint64_t key = job.req.key;
    const bool first = !job.looked;
    job.looked = true;
    if (first) {
      ctx.metrics().add(lookups_c_);
      ++window_lookups_;
    }
    // A replica serves from its own copy; it reports an expired key missing without
    // deleting it (Redis replicas wait for the primary's DEL).
    const bool on_replica = job.inst != nd.primary;
    CacheStore& st = *nd.inst[job.inst].store;
    if (first && on_replica) ctx.metrics().add(replica_reads_c_);
    std::uint32_t slot = st.find(key);
    if (slot != kNone && ctx.now() >= st.at(slot).expiry) {  // lazy expiry
      if (!on_replica) erase_key(ctx, nd, slot);
      ctx.metrics().add(expired_c_);
      slot = kNone;
    }
    if (slot != kNone) {
      Entry& e = st.at(slot);
      bool refresh = false;
      if (stampede_ == Stampede::EarlyRefresh && e.expiry != kTimeMax) {
        // XFetch: recompute early when now - delta * beta * ln(U) >= expiry.
        double early = static_cast<double>(e.delta) * beta_ * -std::log(rng_.uniform_pos());
        refresh = static_cast<double>(ctx.now()) + early >= static_cast<double>(e.expiry);
      }
      if (refresh && pattern_ != Pattern::ReadThrough) {
        ctx.metrics().add(early_c_);
        count_miss(ctx, first);
        ctx.reply(job.call, Status::Ok, Result{static_cast<std::uint64_t>(e.read_at), rf::kMiss});
        free_job(j);
        return;
      }
      st.touch(slot, ctx.now());
      std::uint32_t flags = 0;
      const Time written = last_write(key);
      if (e.read_at < written) {
        flags |= rf::kStale;
        ctx.metrics().add(stale_c_);
      }
      if (local_ && written >= 0 && disagrees(job.node, key, e.read_at >= written, written, ctx.now()))
        ctx.metrics().add(inconsistent_c_);
      if (first) {
        ctx.metrics().add(hits_c_);
        ++window_hits_;
      }
      Result r{static_cast<std::uint64_t>(e.read_at), flags};
      if (refresh && flights_map_.find(flight_key(key, job.node)) == kNone) {
        // Read-through early refresh: answer now, refresh in the background.
        ctx.metrics().add(early_c_);
        const RequestInfo req = job.req;
        const CallId call = job.call;
        const std::uint32_t node = job.node;
        std::uint32_t b = alloc_job();  // may move jobs_: `job` is not used after this
        jobs_[b].req = req;
        jobs_[b].node = node;
        jobs_[b].inst = nd.primary;
        jobs_[b].op = Op::Get;
        jobs_[b].has_caller = false;
        flights_[open_flight(ctx, key, node)].leader = b;
        fetch(ctx, b);
        ctx.reply(call, Status::Ok, r);
        free_job(j);
        return;
      }
      ctx.reply(job.call, Status::Ok, r);
      free_job(j);
      return;
    }
    if (first) count_miss(ctx, true);
    std::uint32_t f = flights_map_.find(flight_key(key, job.node));
    if (pattern_ == Pattern::ReadThrough) {
      if (f != kNone && (stampede_ == Stampede::Coalesce || stampede_ == Stampede::Lock)) {
        wait_on(ctx, j, f);
        return;
      }
      if (stampede_ == Stampede::Coalesce || stampede_ == Stampede::Lock) flights_[open_flight(ctx, key, job.node)].leader = j;
      fetch(ctx, j);
      return;
    }
    // Cache-aside: the caller reads the database and sets the key.
    if (stampede_ == Stampede::Coalesce || stampede_ == Stampede::Lock) {
      if (f != kNone) {
        wait_on(ctx, j, f);
        return;
      }
      std::uint32_t nf = open_flight(ctx, key, job.node);
      arm(ctx, lease_timeout_, kLease, slot_payload(nf, flights_[nf].gen));
    }
    ctx.reply(job.call, Status::Ok, Result{0, rf::kMiss});
    free_job(j);
  }

  void count_miss(Context& ctx, bool first) {
    if (first) ctx.metrics().add(misses_c_);
  }

  // A miss that finds the key in flight: coalesce waits for the value, lock polls.
  void wait_on(Context& ctx, std::uint32_t j, std::uint32_t f) {
    if (stampede_ == Stampede::Lock) {
      ctx.metrics().add(lock_retries_c_);
      ctx.trace_span(jobs_[j].call, TraceSpan::Lock, ctx.now(), after(ctx.now(), lock_retry_));
      arm(ctx, lock_retry_, kRetry, token(j));
      return;
    }
    ctx.metrics().add(coalesced_c_);
    Flight& fl = flights_[f];
    jobs_[j].next = kNone;
    jobs_[j].since = ctx.now();
    if (fl.tail == kNone) fl.head = j;
    else jobs_[fl.tail].next = j;
    fl.tail = j;
  }

  void fetch(Context& ctx, std::uint32_t j) {
    Job& job = jobs_[j];
    job.t0 = ctx.now();
    ctx.metrics().add(backend_reads_c_);
    RequestInfo r = job.req;
    r.write = false;
    ctx.call(backend_, r, token(j));
  }

  std::uint32_t open_flight(Context& ctx, std::uint64_t key, std::uint32_t node) {
    std::uint32_t f;
    if (free_flights_ != kNone) {
      f = free_flights_;
      free_flights_ = flights_[f].next_free;
    } else {
      f = static_cast<std::uint32_t>(flights_.size());
      flights_.emplace_back();
    }
    Flight& fl = flights_[f];
    fl.key = flight_key(key, node);
    fl.node = node;
    fl.head = fl.tail = kNone;
    fl.leader = kNone;
    fl.live = true;
    flights_map_.put(fl.key, f);
    ++live_flights_;
    max_flights_ = std::max(max_flights_, live_flights_);
    ctx.metrics().set(flights_g_, static_cast<double>(live_flights_), ctx.now());
    return f;
  }
  // Whether job j leads flight f (the read-through read of its key).
  bool owns(std::uint32_t f, std::uint32_t j) const { return flights_[f].live && flights_[f].leader == j; }

  // Answers every waiter of flight f and closes it.
  void release_flight(Context& ctx, std::uint32_t f, Status status, Result r) {
    Flight& fl = flights_[f];
    std::uint32_t w = fl.head;
    while (w != kNone) {
      std::uint32_t next = jobs_[w].next;
      ctx.trace_span(jobs_[w].call, TraceSpan::Lock, jobs_[w].since, ctx.now());
      ctx.reply(jobs_[w].call, status, r);
      free_job(w);
      w = next;
    }
    close_flight(ctx, f);
  }
  void close_flight(Context& ctx, std::uint32_t f) {
    Flight& fl = flights_[f];
    flights_map_.erase(fl.key);
    fl.live = false;
    ++fl.gen;
    fl.head = fl.tail = kNone;
    fl.next_free = free_flights_;
    free_flights_ = f;
    --live_flights_;
    ctx.metrics().set(flights_g_, static_cast<double>(live_flights_), ctx.now());
  }

  void set(Context& ctx, std::uint32_t j) {
    Job& job = jobs_[j];
    Node& nd = nodes_[job.node];
    const std::uint64_t key = job.req.key;
    if (!job.req.write) {
      // A fill after a miss: the value was read from the source after the request began.
      store_value(ctx, nd, key, job.req.bytes, job.req.start, ctx.now() - job.req.start);
      std::uint32_t f = flights_map_.find(flight_key(key, job.node));
      if (f != kNone) release_flight(ctx, f, Status::Ok, Result{static_cast<std::uint64_t>(job.req.start), 0});
      ctx.reply(job.call, Status::Ok);
      free_job(j);
      return;
    }
    ctx.metrics().add(writes_c_);
    record_write(key, ctx.now());
    if (update_on_write_) {
      store_value(ctx, nd, key, job.req.bytes, ctx.now(), 0, true);
    } else {
      std::uint32_t slot = nd.store().find(key);
      if (slot != kNone) erase_key(ctx, nd, slot, true);
    }
    switch (pattern_) {
      case Pattern::WriteThrough:
        ctx.metrics().add(backend_writes_c_);
        ctx.call(backend_, job.req, token(j));
        return;  // answered when the backend acks
      case Pattern::WriteBehind:
        ++nd.pending;
        ctx.metrics().add(pending_g_, 1, ctx.now());
        break;
      default: break;
    }
    ctx.reply(job.call, Status::Ok);
    free_job(j);
  }

  void del(Context& ctx, std::uint32_t j) {
    Job& job = jobs_[j];
    Node& nd = nodes_[job.node];
    record_write(job.req.key, ctx.now());
    std::uint32_t slot = nd.store().find(job.req.key);
    if (slot != kNone) erase_key(ctx, nd, slot, true);
    ctx.reply(job.call, Status::Ok);
    free_job(j);
  }

  // ---- write-behind ----
  void flush(Context& ctx) {
    for (std::uint32_t n = 0; n < nodes_.size(); ++n) {
      Node& nd = nodes_[n];
      if (nd.down || nd.pending == 0) continue;
      RequestInfo r;
      r.id = ctx.next_request_id();
      r.start = ctx.now();
      r.write = true;
      r.route = set_route_;
      r.bytes = static_cast<std::uint32_t>(std::min<std::uint64_t>(nd.pending, 0xffffffffu));
      std::uint64_t count = std::min<std::uint64_t>(nd.pending, 0xffffffffu);
      nd.pending -= count;
      ctx.metrics().add(pending_g_, -static_cast<double>(count), ctx.now());
      ctx.metrics().add(backend_writes_c_);
      ctx.call(backend_, r, nd.batches.make((static_cast<std::uint64_t>(nd.epoch & 0xffff) << 32) | count));
    }
    if (ctx.now() + flush_interval_ <= ctx.end_time()) arm(ctx, flush_interval_, kFlush);
  }
  void batch_done(Context& ctx, Status status, std::uint64_t token) {
    if (served(status)) return;
    Node& nd = nodes_[ContinuationSpace::sub_of_token(token)];
    const std::uint64_t payload = nd.batches.payload(token);
    auto epoch = static_cast<std::uint32_t>(payload >> 32);
    std::uint64_t count = payload & 0xffffffff;
    // A failed batch is written again at the next flush, unless its node crashed since.
    if (!nd.down && (nd.epoch & 0xffff) == epoch) nd.pending += count;
    else ctx.metrics().add(lost_c_, count);
  }

  // ---- crash and restart ----

  // Pool slot of node n's process i (0 = the node's first primary).
  std::uint32_t pool_slot(std::uint32_t n, std::uint32_t i) const { return n * per_node_ + i; }

  // A replica process going down leaves the flights it waited on (unreachable today: only
  // primaries crash; kept so that any slot may go down).
  void unlink_waiters(std::uint32_t n, std::uint32_t i) {
    for (Flight& fl : flights_) {
      if (!fl.live || fl.node != n) continue;
      std::uint32_t head = kNone, tail = kNone;
      for (std::uint32_t w = fl.head, next; w != kNone; w = next) {
        next = jobs_[w].next;
        if (jobs_[w].inst == i) continue;
        jobs_[w].next = kNone;
        if (tail == kNone) head = w;
        else jobs_[tail].next = w;
        tail = w;
      }
      fl.head = head;
      fl.tail = tail;
    }
  }

  // Node n's primary went down (drop_jobs has dropped its operations): its data set, its
  // unflushed writes and unsent stream are lost, and the failover starts.
  void take_down(Context& ctx, std::uint32_t n) {
    Node& nd = nodes_[n];
    if (ctx.now() >= ctx.warmup()) ++crashes_;
    double entries = static_cast<double>(nd.store().size()), bytes = static_cast<double>(nd.store().bytes());
    nd.store().clear();
    size_changed(ctx, -entries, -bytes);
    // Exactly the writes acked and not yet flushed are lost.
    if (nd.pending > 0) {
      ctx.metrics().add(lost_c_, nd.pending);
      ctx.metrics().add(pending_g_, -static_cast<double>(nd.pending), ctx.now());
      nd.pending = 0;
    }
    if (replicas_ > 0) lose_unreplicated(ctx, nd);
    set_ready(ctx, ready_ - 1);
    // Sentinel: the quorum-th sentinel to see the primary silent for down_after declares it
    // down; the elected leader promotes a replica promotion_time later.
    if (replicas_ > 0 && cluster_failover_) {
      // Redis Cluster (cluster.c): the others flag the node PFAIL after cluster-node-timeout
      // and FAIL once a majority of primaries agree; a replica then waits 500 ms + random
      // 0-500 ms (rank 0) and is elected by that majority. No majority of live primaries: no
      // failover at all (the node waits for its restart).
      const std::uint64_t data = n | (static_cast<std::uint64_t>(nd.epoch) << 16);
      if (ready_ >= nodes_.size() / 2 + 1) {
        if (full_coverage_) arm(ctx, node_timeout_, kClusterFail, data);
        const Time election = 500 * kMillisecond + static_cast<Time>(sentinel_rng_.uniform() * 500.0 * kMillisecond);
        arm(ctx, node_timeout_ + election, kFailover, data);
      } else if (full_coverage_) {
        arm(ctx, node_timeout_, kClusterFail, data);  // never FAIL by vote, but its slots stay uncovered
      }
    } else if (replicas_ > 0) {
      const Time at = cache::odown_delay(sentinels_, quorum_, down_after_, sentinel_rng_) + promotion_time_;
      arm(ctx, at, kFailover, n | (static_cast<std::uint64_t>(nd.epoch) << 16));
    }
  }
  void bring_up(Context& ctx, std::uint32_t n) {
    nodes_[n].down = false;
    nodes_[n].inst[nodes_[n].primary].up = true;
    set_ready(ctx, ready_ + 1);
  }

  // ---- replication and Sentinel failover ----
  double serving_per_node() const { return 1.0 + (read_replicas_ ? replicas_ : 0); }
  // The instance an operation goes to, or -1 (Unavailable): gets round robin over the live
  // replicas with read_from replicas (the primary when none is live), the rest the primary.
  int serving_instance(Node& nd, Op op) {
    if (op == Op::Get && read_replicas_) {
      const auto count = static_cast<std::uint32_t>(nd.inst.size());
      for (std::uint32_t k = 0; k < count; ++k) {
        const std::uint32_t i = (nd.next_read + k) % count;
        if (i != nd.primary && nd.inst[i].up) {
          nd.next_read = static_cast<std::uint8_t>(i + 1);
          return static_cast<int>(i);
        }
      }
    }
    return nd.down ? -1 : static_cast<int>(nd.primary);
  }
  void replicate_later(Context& ctx, Node& nd, ReplOp op) {
    op.due = ctx.now() + replication_lag_;
    nd.log.push_back(op);
    if (!nd.repl_armed) {
      nd.repl_armed = true;
      arm(ctx, replication_lag_, kReplicate, static_cast<std::uint64_t>(&nd - nodes_.data()));
    }
  }
  // Applies the replication stream's due operations to every live replica.
  void replicate(Context& ctx, std::uint32_t n) {
    Node& nd = nodes_[n];
    nd.repl_armed = false;
    while (nd.log_head < nd.log.size() && nd.log[nd.log_head].due <= ctx.now()) {
      const ReplOp& op = nd.log[nd.log_head++];
      for (std::uint32_t i = 0; i < nd.inst.size(); ++i) {
        if (i == nd.primary || !nd.inst[i].up) continue;
        CacheStore& st = *nd.inst[i].store;
        if (op.erase) {
          const std::uint32_t slot = st.find(op.key);
          if (slot != kNone) st.erase(slot);
        } else if (const std::uint32_t slot = st.put(op.key, op.bytes, ctx.now()); slot != kNone) {
          Entry& e = st.at(slot);
          e.read_at = op.read_at;
          e.expiry = op.expiry;
          e.delta = op.delta;
        }
      }
    }
    if (nd.log_head == nd.log.size()) {
      nd.log.clear();
      nd.log_head = 0;
    } else {
      if (nd.log_head > 4096 && 2 * nd.log_head > nd.log.size()) {
        nd.log.erase(nd.log.begin(), nd.log.begin() + static_cast<std::ptrdiff_t>(nd.log_head));
        nd.log_head = 0;
      }
      nd.repl_armed = true;
      arm(ctx, nd.log[nd.log_head].due - ctx.now(), kReplicate, n);
    }
  }
  // The primary died holding the stream it had not sent yet: those operations never reach a
  // replica; the client writes among them were acknowledged and are lost.
  void lose_unreplicated(Context& ctx, Node& nd) {
    std::uint64_t ops = 0, writes = 0;
    for (std::size_t k = nd.log_head; k < nd.log.size(); ++k) {
      ++ops;
      writes += nd.log[k].write;
    }
    if (ops > 0) ctx.metrics().add(unreplicated_c_, ops);
    if (writes > 0) ctx.metrics().add(lost_c_, writes);
    nd.log.clear();
    nd.log_head = 0;
  }
  void clear_cluster_fail(Node& nd) {
    if (!nd.cluster_fail) return;
    nd.cluster_fail = false;
    --cluster_failed_;
  }
  // Sentinel promotes the first live replica (equal priorities and offsets here).
  void failover(Context& ctx, std::uint32_t n) {
    Node& nd = nodes_[n];
    std::uint32_t best = kNone;
    for (std::uint32_t i = 0; i < nd.inst.size() && best == kNone; ++i)
      if (i != nd.primary && nd.inst[i].up) best = i;
    if (best == kNone) return;  // nothing to promote: the node waits for its primary's restart
    nd.primary = static_cast<std::uint8_t>(best);
    nd.down = false;
    clear_cluster_fail(nd);
    set_ready(ctx, ready_ + 1);
    ctx.metrics().add(failovers_c_);
    size_changed(ctx, static_cast<double>(nd.store().size()), static_cast<double>(nd.store().bytes()));
  }
  // A crashed instance is back. Before any failover it is the primary again, empty (no
  // persistence), and its replicas resynchronise to its empty data set; after one it rejoins
  // as a replica with a full copy of the new primary's data.
  void restart_instance(Context& ctx, std::uint32_t n, std::uint32_t i) {
    Node& nd = nodes_[n];
    Instance& in = nd.inst[i];
    if (in.up) return;
    if (replicas_ == 0) {
      if (nd.down) bring_up(ctx, n);
      return;
    }
    in.up = true;
    if (nd.down) {
      nd.primary = static_cast<std::uint8_t>(i);
      nd.down = false;
      clear_cluster_fail(nd);
      ++nd.epoch;  // the pending failover is moot
      set_ready(ctx, ready_ + 1);
      for (std::uint32_t k = 0; k < nd.inst.size(); ++k)
        if (k != i && nd.inst[k].up) nd.inst[k].store->clear();
    } else {
      *in.store = nd.store();
    }
  }

  // The number of nodes serving (a primary up) is now `n`: the availability report's ledger.
  void set_ready(Context& ctx, std::uint32_t n) {
    ready_ = n;
    ready_ledger_.set(ctx.now(), ctx.warmup(), n);
  }

  // Per-window hit ratio: the window's hits and lookups are held for 1 ns just before the
  // window closes, so the engine's ratio series (integral / integral) is hits / lookups.
  void schedule_pulse(Context& ctx, Time window_end) {
    Time end = std::min(window_end, ctx.end_time());
    if (end - 2 < ctx.now()) return;
    arm(ctx, end - 2 - ctx.now(), kPulseSet);
    arm(ctx, end - 1 - ctx.now(), kPulseClear);
  }

  Pattern pattern_ = Pattern::CacheAside;
  bool local_ = false;
  std::string local_pointer_;
  StoreConfig local_config_;
  std::uint64_t local_seed_ = 0;
  Stampede stampede_ = Stampede::None;
  RefId backend_ = 0;
  bool has_backend_ = false;
  Time ttl_ = kTimeMax, jitter_ = 0;
  double beta_ = 1;
  Time lock_retry_ = 0, lease_timeout_ = 0, flush_interval_ = 0, window_ = 0;
  bool update_on_write_ = false;
  Distribution latency_, restart_time_;
  std::uint32_t concurrency_ = 1;
  std::uint32_t replicas_ = 0, sentinels_ = 3, quorum_ = 2;
  bool read_replicas_ = false;
  bool cluster_failover_ = false, full_coverage_ = true;
  Time node_timeout_ = 0;
  std::uint32_t cluster_failed_ = 0;  // nodes flagged FAIL and not yet failed over
  Time replication_lag_ = 0, down_after_ = 0, promotion_time_ = 0;
  std::uint32_t set_route_ = 0, put_route_ = 0, delete_route_ = 0, invalidate_route_ = 0;
  std::vector<Node> nodes_;
  SlotTable<Job> jobs_;  // operations in progress; a slot's generation names its token
  std::vector<Flight> flights_;
  std::uint32_t free_flights_ = kNone;
  KeyMap flights_map_{256};
  KeyMap writes_map_{1024};
  std::vector<Time> write_times_;
  std::uint64_t live_flights_ = 0, max_flights_ = 0;
  std::uint64_t window_hits_ = 0, window_lookups_ = 0;
  Rng rng_, restart_rng_, sentinel_rng_;  // restart_rng_: the pool's draws (restart times)
  ServerPool pool_;                        // the processes: pool_slot(node, instance)
  TagRange tags_;  // own timers: tags_.make(Tag)
  std::uint32_t per_node_ = 1;             // processes per node: 1 + replicas
  // Ready-node history for the availability report.
  std::uint32_t ready_ = 0;
  ReadyLedger ready_ledger_;  // nodes serving over time, outages (models/common/ready_ledger.h)
  std::uint32_t crashes_ = 0;

  CounterId lookups_c_, hits_c_, misses_c_, evictions_c_, stale_c_, lost_c_, backend_reads_c_, backend_writes_c_,
      expired_c_, early_c_, coalesced_c_, lock_retries_c_, dropped_c_, unavailable_c_, writes_c_, ops_c_,
      failovers_c_{}, replica_reads_c_{}, unreplicated_c_{}, inconsistent_c_{}, cold_starts_c_{};
  GaugeId entries_g_, bytes_g_, flights_g_, pending_g_, hits_pulse_g_, lookups_pulse_g_;
};

}  // namespace

std::unique_ptr<Component> make_cache(Params& p, BuildContext& bc) { return std::make_unique<Cache>(p, bc); }

}  // namespace archsim
