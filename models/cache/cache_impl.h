// The cache component (models/cache/cache.h states the model). Its work is split by job:
//   cache.cpp         the component: build, figures, requests, timers and replies routed
//   params.{h,cpp}    its parameters, read into CacheParams
//   operations.cpp    get / set / delete on a node's store, staleness, backend reads
//   stampede.cpp      keys in flight: coalesced waiters, lock retries, leases
//   write_policy.cpp  write-through acks and the write-behind buffer and its batches
//   replication.cpp   the stream from a node's primary to its replicas, replica reads
//   failover.cpp      crashes and restarts (the pool's), Sentinel and Redis Cluster failover
//   local.cpp         local (in-process) copies, one per calling instance
//   durability.{h,cpp} Redis persistence: RDB snapshots, the append-only file, restarts from disk
//   memory.cpp        the container memory limit: data set + baseline + a leak, the OOM kill
// Eviction is the store's (lib/cache_store); key -> slot -> node is lib/hash/key_slot.h.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "models/cache/durability.h"
#include "models/cache/params.h"
#include "lib/cache_store/cache_store.h"
#include "lib/cache_store/key_map.h"
#include "lib/wait_queue.h"
#include "models/contracts/capabilities.h"
#include "models/contracts/ready_ledger.h"
#include "models/server/pool/pool_driven.h"
#include "sim/continuation.h"
#include "sim/figures.h"
#include "sim/page_section.h"

namespace archsim::cache {

enum class Op : std::uint8_t { Get, Set, Delete };
// Own timers: indexes into the block of tags the cache takes after its server pool's (tags_,
// from the BuildContext); restarts are the pool's.
enum Tag : std::uint16_t { kServe, kRetry, kFlush, kPulseSet, kPulseClear, kLease, kReplicate, kFailover, kClusterFail, kPersist, kTagCount };

inline constexpr std::uint32_t kNone = KeyMap::kNone;
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
  WaitList waiters;                          // waiting jobs (coalesce), linked by Job::next
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
  std::uint32_t life = kNone;     // a local copy: the life of its instance (models/contracts/caller_instance.h)
  Disk disk;                      // persistence: what a restart loads (durability.h)
  CacheStore& store() { return *inst[primary].store; }
};

// The processes of a shared cache are a server pool's slots (pool_slot), and the pool drives
// each operation through them (PoolDriven: accept, then start_service; finish_service hands the
// worker on). A local cache has no pool: its operations run on the caller's thread.
class Cache final : public Component, public HasCapabilities, public Crashable, public PoolDriven<Cache>, public KeyedStore,
                    public Disruptable {
 public:
  Cache(Params& p, BuildContext& bc);

  // ---- Degradable (PoolDriven's: the same faults as a service's) ----
  // slowdown: every operation's latency x factor (a slow Redis: a saturated host, swapping);
  // error_rate: that fraction of operations answered Error at once; disk_full: Redis with
  // stop-writes-on-bgsave-error refuses every command that writes (SET, DEL, a fill) with
  // MISCONF while the disk cannot take its snapshot, and serves reads. memory_leak: with
  // memory.limit_mb, a process's RSS grows until it is OOM-killed (memory.cpp); without, refused.

  // ---- KeyedStore (operations.cpp): the cache_flush fault ----
  // Every process of every node (replicas too) and every local copy loses keys [first, end),
  // or everything; the entries series follows the primaries, as store_value's does.
  std::uint64_t drop_keys(Context& ctx, std::uint64_t first, std::uint64_t end) override;

  // ---- the component (cache.cpp) ----
  Capabilities capabilities() override;
  void connect(ConnectContext& cc) override;
  std::uint64_t memory_estimate() const override;
  void start(Context& ctx) override;
  void on_request(Context& ctx, CallId call) override;
  void on_timer(Context& ctx, std::uint16_t tag, std::uint64_t data) override;
  void on_reply(Context& ctx, CallId call, Status status, std::uint64_t token) override;
  void finish(Context& ctx, ComponentReport& r) override;
  void describe(Description& d) const override;

  // ---- Crashable (failover.cpp): slots are nodes (hash-slot ranges); the pool crashes their primaries ----
  std::uint32_t crash(Context& ctx, std::uint32_t count) override;
  std::uint32_t instance_slots() const override { return static_cast<std::uint32_t>(nodes_.size()); }
  bool fail_instance(Context& ctx, std::uint32_t slot) override;
  void repair_instance(Context& ctx, std::uint32_t slot) override;

  // ---- Disruptable (failover.cpp): a manual failover (CLUSTER FAILOVER) of the first `count`
  // nodes; without replicas, their SHUTDOWN and restart ----
  std::uint32_t drain(Context& ctx, std::uint32_t count) override;

  // ---- PoolJobs (failover.cpp): the pool's lifecycle changes, in the cache's terms ----
  void drop_jobs(Context& ctx, std::uint32_t slot) override;
  void slot_launched(std::uint32_t) override {}
  void slot_down(Context& ctx, std::uint32_t slot) override;
  void slot_ready(Context& ctx, std::uint32_t slot) override;
  double data_mb(std::uint32_t slot) const override;  // memory.cpp
  ReadyHistory ready_history(Time now, Time warmup) const override { return ready_ledger_.history(now, warmup); }
  // A crash lasts until the processes it took down are ready again.
  Time crash_over(Time at, Time now) const override { return pool_.crash_over(at, now); }

 private:
  // cache.cpp
  void register_figures(BuildContext& bc);
  void declare_backend_routes(BuildContext& bc);
  // Own timer `t` after `delay`.
  void arm(Context& ctx, Time delay, Tag t, std::uint64_t data = 0) { ctx.schedule(delay, tags_.make(t), data); }
  void schedule_pulse(Context& ctx, Time window_end);

  // ---- the pool's hooks (PoolDriven calls them; pool_driven.h states their contracts) ----
  friend class PoolDriven<Cache>;
  // operations.cpp: the operation's service time on its worker (begin_service), after its
  // wait for one traced.
  void start_service(Context& ctx, std::uint32_t slot, std::uint32_t j, bool waited);
  // cancel.cpp: a queued operation whose caller cancelled it at its deadline is dropped as
  // its worker reaches it.
  bool dropped(Context& ctx, std::uint32_t slot, std::uint32_t j);

  // operations.cpp
  std::uint32_t node_of(std::uint64_t key) const;
  std::uint32_t alloc_job();
  void free_job(std::uint32_t j) { jobs_.free(j); }
  std::uint64_t token(std::uint32_t j) const { return ContinuationSpace::kOwnTokens.make(jobs_.payload(j)); }
  std::uint32_t job_of(std::uint64_t t) const { return jobs_.find(t); }
  void begin_service(Context& ctx, std::uint32_t j);
  void execute(Context& ctx, std::uint32_t j);
  void get(Context& ctx, std::uint32_t j);
  void set(Context& ctx, std::uint32_t j);
  void del(Context& ctx, std::uint32_t j);
  void count_miss(Context& ctx, bool first);
  void fetch(Context& ctx, std::uint32_t j);
  void fill_done(Context& ctx, CallId call, Status status, std::uint32_t j);
  Time expiry_from(Time now);
  void preload(Context& ctx);
  bool store_value(Context& ctx, Node& nd, std::uint64_t key, std::uint32_t value, Time read_at, Time delta,
                   bool write = false);
  void erase_key(Context& ctx, Node& nd, std::uint32_t slot, bool write = false);
  void size_changed(Context& ctx, double entries, double bytes);
  Time last_write(std::uint64_t key) const;
  void record_write(std::uint64_t key, Time now);

  // stampede.cpp
  void wait_on(Context& ctx, std::uint32_t j, std::uint32_t f);
  std::uint32_t open_flight(Context& ctx, std::uint64_t key, std::uint32_t node);
  // Whether job j leads flight f (the read-through read of its key).
  bool owns(std::uint32_t f, std::uint32_t j) const { return flights_[f].live && flights_[f].leader == j; }
  void release_flight(Context& ctx, std::uint32_t f, Status status, Result r);
  void close_flight(Context& ctx, std::uint32_t f);
  void lease_expired(Context& ctx, std::uint64_t data);
  void unlink_waiters(std::uint32_t n, std::uint32_t i);
  // The link of a flight's WaitList: job w's next.
  auto waiter_link() {
    return [this](std::uint32_t w) -> std::uint32_t& { return jobs_[w].next; };
  }

  // write_policy.cpp
  void write_through_done(Context& ctx, CallId call, Status status, std::uint32_t j);
  void buffer_write(Context& ctx, Node& nd);
  void flush(Context& ctx);
  void batch_done(Context& ctx, Status status, std::uint64_t token);
  void lose_unflushed(Context& ctx, Node& nd);

  // replication.cpp
  double serving_per_node() const { return 1.0 + (p_.read_replicas ? p_.replicas : 0); }
  int serving_instance(Node& nd, Op op);
  void replicate_later(Context& ctx, Node& nd, ReplOp op);
  void replicate(Context& ctx, std::uint32_t n);
  void lose_unreplicated(Context& ctx, Node& nd);

  // failover.cpp
  // Pool slot of node n's process i (0 = the node's first primary).
  std::uint32_t pool_slot(std::uint32_t n, std::uint32_t i) const { return n * per_node_ + i; }
  void take_down(Context& ctx, std::uint32_t n);
  void bring_up(Context& ctx, std::uint32_t n);
  void cluster_fail(std::uint64_t data);
  void failover(Context& ctx, std::uint32_t n);
  void clear_cluster_fail(Node& nd);
  void restart_instance(Context& ctx, std::uint32_t n, std::uint32_t i);
  void set_ready(Context& ctx, std::uint32_t n);

  // durability.cpp
  void init_disks(BuildContext& bc);
  void register_durability_figures(Figures& f);
  void start_persistence(Context& ctx);
  Time fsync_cost(Op op);
  void persist_tick(Context& ctx);
  void persist_at_crash(Node& nd);
  void save_at_shutdown(Context& ctx, Node& nd);
  void restore(Context& ctx, std::uint32_t n);

  // local.cpp
  std::uint32_t local_node(Context& ctx, CallId call);
  bool disagrees(std::uint32_t n, std::uint64_t key, bool current, Time written, Time now) const;
  // Flights (keys being computed) are per copy for a local cache: each instance loads alone.
  std::uint64_t flight_key(std::uint64_t key, std::uint32_t node) const { return p_.local ? mix64(key, node) : key; }

  // ---- state ----
  CacheParams p_;
  PersistenceParams persist_;  // read after p_ (durability.h)
  StoreConfig local_config_;
  std::uint64_t local_copies_ = 0;  // a local cache: its caller's most instances (memory_estimate)
  std::uint64_t local_seed_ = 0;
  Time window_ = 0;
  std::uint32_t cluster_failed_ = 0;  // nodes flagged FAIL and not yet failed over
  std::uint32_t set_route_ = 0, put_route_ = 0, delete_route_ = 0, invalidate_route_ = 0;
  std::vector<Node> nodes_;
  SlotTable<Job> jobs_;  // operations in progress; a slot's generation names its token
  std::vector<Flight> flights_;
  std::uint32_t free_flights_ = kNone;
  KeyMap flights_map_{256};
  KeyWrites* source_ = nullptr;  // the store of record's write times (connect), or none
  KeyMap writes_map_{1024};
  std::vector<Time> write_times_;
  std::uint64_t live_flights_ = 0, max_flights_ = 0;
  std::uint64_t window_hits_ = 0, window_lookups_ = 0;
  Rng rng_, sentinel_rng_;  // the pool's draws (restart times) are PoolDriven's pool_rng_
  Rng fault_rng_;  // error_rate's draws (its own stream)
  TagRange tags_;  // own timers: tags_.make(Tag)
  std::uint32_t per_node_ = 1;             // processes per node: 1 + replicas
  // Ready-node history for the availability report.
  std::uint32_t ready_ = 0;
  ReadyLedger ready_ledger_;  // nodes serving over time, outages (models/contracts/ready_ledger.h)
  std::uint32_t crashes_ = 0, shutdowns_ = 0;
  bool shutting_down_ = false;  // a drain is stopping a node: take_down counts no crash

  Figures figures_;  // every figure below, reported by finish() in the order declared
  CounterId fault_errors_c_, oom_c_, lookups_c_, hits_c_, misses_c_, evictions_c_, stale_c_, lost_c_, backend_reads_c_, backend_writes_c_,
      expired_c_, early_c_, coalesced_c_, lock_retries_c_, dropped_c_, unavailable_c_, writes_c_, ops_c_,
      flushed_c_, flush_failures_c_, failovers_c_{}, replica_reads_c_{}, unreplicated_c_{}, inconsistent_c_{}, cold_starts_c_{},
      snapshots_c_{}, fsyncs_c_{}, unpersisted_c_{}, restored_c_{}, cancelled_c_{};
  GaugeId entries_g_, bytes_g_, flights_g_, pending_g_, hits_pulse_g_, lookups_pulse_g_;
};

// What the page shows of a cache (page.cpp), declared at its end of run.
void declare_page(PageSection& page);

}  // namespace archsim::cache
