// The database component (models/database/database.h states the model). Its work is split by
// job:
//   database.cpp     the component: build, figures, requests routed to shards (scatter-gather
//                    for keyless queries), timers
//   params.{h,cpp}   its parameters, read into DatabaseParams
//   queries.cpp      a query's life on a node: connections (max_connections), the row lock,
//                    cores (the pool's workers), its work, its answer
//   locks.{h,cpp}    row locks of keyed writes, multi-row transactions, deadlock detection
//   leases.cpp       leases (a distributed lock with a time to live) and fencing tokens
//   cdc.cpp          change data capture: committed writes as events into a queue
//   cancel.cpp       a query its caller cancels at its deadline ("on_timeout": "cancel"):
//                    stopped and rolled back; work nobody waits for counted as wasted
//   stock.cpp        the stock row: stock_read, stock_decrement and buy by stock_update
//   replication.cpp  the binlog: commit, transit, relay and apply on replicas, semi-sync and
//                    sync acknowledgements
//   failover.cpp     crashes, restarts and repairs (the pool's), failover and rejoin
//   drain.cpp        the drain fault: a planned switchover (Patroni), nothing lost
//   memory.cpp       the container memory limit: a primary's leak and its OOM kill
//   storage.{h,cpp}  the storage engine (InnoDB): inserts and reads through the clustered
//                    index (btree.{h,cpp}) and the buffer pool (buffer_pool.{h,cpp})
//   resharding.cpp   the copy of moved rows and the cutover
//   sharding.{h,cpp} which shard owns a key (ShardMap)
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "lib/cache_store/key_map.h"
#include "models/contracts/capabilities.h"
#include "models/contracts/ready_ledger.h"
#include "lib/resource.h"
#include "models/server/pool/pool_driven.h"
#include "models/database/locks.h"
#include "models/database/params.h"
#include "models/database/sharding.h"
#include "models/database/storage.h"
#include "sim/continuation.h"
#include "sim/figures.h"
#include "sim/page_section.h"
#include "sim/ring.h"

namespace archsim::database {

struct Causes {
  Status too_many_connections, not_primary, lock_timeout, write_conflict, unknown_query;
  Status deadlock = Status::Error, fenced = Status::Error;  // found by name at build (register_database)
};

// Own timers: indexes into the block of tags the database takes after its server pool's
// (tags_, from the BuildContext).
enum Tag : std::uint16_t {
  kWorkDone, kLockTimeout, kTransit, kApplyDone, kFailover, kReshard, kCopy, kReply, kAck, kLeaseExpire, kCdcPoll,
  kCancel,  // a query's caller sent a cancel at its deadline (cancel.cpp)
  kTagCount
};

// A replica's applier waits for a core in its node's FIFO as job kApplyJob | node.
inline constexpr std::uint32_t kApplyJob = 1u << 31;
inline constexpr std::uint32_t kVersionSlots = 1u << 14;
inline constexpr std::uint32_t kSessionSlots = 1u << 14;
inline constexpr std::uint32_t kReadSlots = 1u << 14;

// What one request's stock_read saw (optimistic updates compare it at their decrement).
struct ReadNote {
  std::uint64_t id = 0, version = 0;
};

struct Transit {
  std::uint64_t pos = 0;
  Time commit = 0;
};

// Change data capture (cdc.cpp): the connector, and one committed write it has yet to send.
struct CdcParams {
  bool on = false;
  RefId queue = 0;
  Time poll_interval = 0;
  std::uint32_t route = 0;  // "change"
};
CdcParams read_cdc_params(Params& p, BuildContext& bc, const DatabaseParams& d);
struct CdcEvent {
  std::uint64_t key = 0;
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
  bool leaving = false;        // drained: takes no new reads, stops once its queries are done
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
  // Row locks (locks.cpp): its rows to lock, those it holds (locks.h: its weight), the row
  // lock it waits for and the next job waiting for that lock.
  std::uint8_t rows = 0, locked = 0;
  std::uint32_t wait_lock = kNoLock, next_waiter = kNoJob;
  std::uint32_t wait_lease = kNoLock;  // the lease it waits to acquire (leases.cpp)
  // Core time its statements took so far (at the node's speed), and when the one in work
  // ends: a cancel mid-statement counts only what was done (cancel.cpp).
  Time cpu = 0, work_end = 0;
};

// A query without the shard key, sent to every shard (Vitess scatter): it answers when the
// last part has (the slowest shard), with the first failure if any part failed.
struct Gather {
  CallId call = 0;
  Time arrived = 0;
  std::uint32_t remaining = 0;
  Status status = Status::Ok;
  Result result;
  Time cpu = 0;  // its parts' core time: wasted when nobody waits for the answer
};

// The nodes are a server pool's slots (slot = node index), and the pool drives each query's
// and each replica's applier through their cores (PoolDriven: accept, then start_service;
// finish_service hands the core on).
class Database final : public Component, public HasCapabilities, public Crashable, public PoolDriven<Database>, public KeyWrites,
                       public Disruptable, public PreparedTransactions {
 public:
  Database(Params& p, BuildContext& bc, const Causes& causes);
  // ---- PreparedTransactions (two_phase.cpp): with max_prepared_transactions only ----
  std::uint32_t max_prepared_transactions() const override { return locks_p_.max_prepared; }

  // ---- the component (database.cpp) ----
  void describe(Description& d) const override;
  Capabilities capabilities() override;
  void start(Context& ctx) override;
  void on_request(Context& ctx, CallId call) override;
  void on_timer(Context& ctx, std::uint16_t tag, std::uint64_t data) override;
  void finish(Context& ctx, ComponentReport& r) override;

  // ---- Crashable (failover.cpp) ----
  std::uint32_t crash(Context& ctx, std::uint32_t count) override;
  std::uint32_t instance_slots() const override { return static_cast<std::uint32_t>(nodes_.size()); }
  bool fail_instance(Context& ctx, std::uint32_t slot) override;
  void repair_instance(Context& ctx, std::uint32_t slot) override;

  // ---- Disruptable (drain.cpp): a planned switchover of the first `count` shards' primaries,
  // or a graceful stop of `count` replicas ----
  std::uint32_t drain(Context& ctx, std::uint32_t count) override;
  bool drains_replicas() const override { return p_.replicas > 0; }
  std::uint32_t drain_replicas(Context& ctx, std::uint32_t count) override;

  // ---- PoolJobs (failover.cpp) ----
  void drop_jobs(Context& ctx, std::uint32_t slot) override;
  void slot_launched(std::uint32_t) override {}
  void slot_down(Context& ctx, std::uint32_t slot) override;
  void slot_ready(Context& ctx, std::uint32_t slot) override;
  bool leaks(std::uint32_t slot) const override;  // memory.cpp
  // A crash lasts until the nodes it took down are back (rejoined as replicas or primaries).
  Time crash_over(Time at, Time now) const override { return pool_.crash_over(at, now); }
  ReadyHistory ready_history(Time now, Time warmup) const override;

  // ---- Degradable (PoolDriven's: the same faults as a service's; queries.cpp applies them) ----
  // slowdown: every query's and apply's cost x factor (a slow disk, a noisy neighbour);
  // error_rate: that fraction of queries answered Error at once; disk_full: writes fail
  // (PostgreSQL's "could not extend file: No space left on device"), reads go on.
  // memory_leak: with memory.limit_mb, a primary's memory grows until it is OOM-killed, a
  // crash of that node (memory.cpp); without, refused.

  // ---- KeyWrites (replication.cpp): the commit time of each key's latest write ----
  void keep_write_times() override { keep_write_times_ = true; }
  Time last_write(std::uint64_t key) const override;

  // The routes the reshard's copy reads and writes with ("read", "write").
  void set_routes(std::uint32_t read_route, std::uint32_t write_route) {
    read_route_ = read_route;
    write_route_ = write_route;
  }

 private:
  struct Interval {
    std::string label;
    Time start = 0, end = -1;
  };

  // database.cpp
  void register_figures(BuildContext& bc);
  void report_shards(Context& ctx, ComponentReport& r) const;
  // Own timer `t` after `delay`.
  void arm(Context& ctx, Time delay, Tag t, std::uint64_t data = 0) { ctx.schedule(delay, tags_.make(t), data); }
  void scatter(Context& ctx, CallId call, const RequestInfo& req, std::uint32_t qi);
  void part_done(Context& ctx, std::uint32_t g, Status st, const Result& res);
  std::uint32_t shards_now() const { return map_->shards(); }

  // queries.cpp
  static std::uint64_t token(std::uint32_t j, std::uint32_t gen) { return slot_payload(j, gen); }
  std::uint64_t token(std::uint32_t j) const { return token(j, jobs_[j].gen); }
  static std::uint64_t node_token(std::uint32_t node, std::uint32_t epoch) { return slot_payload(node, epoch); }
  static std::uint32_t session_slot(std::uint64_t session) {
    return static_cast<std::uint32_t>(mix64(session, 0x5e55) & (kSessionSlots - 1));
  }
  static std::uint32_t version_slot(std::uint64_t key) { return static_cast<std::uint32_t>(mix64(key, 0x7e75) & (kVersionSlots - 1)); }
  Status admit(Context& ctx, CallId call, const RequestInfo& req, std::uint32_t qi, std::uint32_t s, std::int32_t g);
  std::uint32_t alloc_job();
  void free_job(std::uint32_t j);
  int pick_replica(Shard& sh);
  void set_busy(Context& ctx, Node& n, int delta);
  // ---- the pool's hook (PoolDriven calls it; pool_driven.h states its contract) ----
  friend class PoolDriven<Database>;
  // queries.cpp: a core of `node` for query j (start_work) or, for kApplyJob | r, for
  // replica r's applier (begin_apply). Its wait for the core is traced by start_work.
  void start_service(Context& ctx, std::uint32_t node, std::uint32_t j, bool waited);
  void to_cores(Context& ctx, std::uint32_t j);
  void start_work(Context& ctx, std::uint32_t j);
  Time at_speed(Time cost, std::uint32_t node) const;
  void release_core(Context& ctx, std::uint32_t node);
  void work_done(Context& ctx, std::uint32_t j);
  void complete(Context& ctx, std::uint32_t j);
  void end_job(Context& ctx, std::uint32_t j, Status st, Result res = {});
  void drop_job(Context& ctx, std::uint32_t j);

  // cancel.cpp
  void arm_cancel(Context& ctx, std::uint32_t j);
  void cancel_query(Context& ctx, std::uint32_t j);
  void count_wasted(Context& ctx, Time cpu);

  // stock.cpp
  static bool is_stock(Kind k) { return k == Kind::StockRead || k == Kind::StockDecrement || k == Kind::Buy; }
  static std::uint32_t read_slot(std::uint64_t id) { return static_cast<std::uint32_t>(mix64(id, 0x5eed) & (kReadSlots - 1)); }
  bool lock_stock(Context& ctx, std::uint32_t j);
  void lock_timed_out(Context& ctx, std::uint32_t j);
  void complete_stock(Context& ctx, std::uint32_t j);
  void decrement(Context& ctx);
  void release_lock(Context& ctx);

  // locks.cpp
  // The link of the WaitList of jobs waiting for a row lock or a lease: job w's next_waiter.
  auto waiter_link() {
    return [this](std::uint32_t w) -> std::uint32_t& { return jobs_[w].next_waiter; };
  }
  std::uint64_t row_key(const Job& job, std::uint32_t i) const;
  bool begin_row_locks(Context& ctx, std::uint32_t j);
  bool lock_row(Context& ctx, std::uint32_t j);
  bool rows_done(Context& ctx, std::uint32_t j);
  void grant(Context& ctx, std::uint32_t l);
  void release_rows(Context& ctx, std::uint32_t j);
  void leave_wait(std::uint32_t j);
  bool detect_deadlock(Context& ctx, std::uint32_t j);
  void abort_transaction(Context& ctx, std::uint32_t j, Status cause);
  void row_wait_timed_out(Context& ctx, std::uint32_t j);
  void drop_rows(Context& ctx, std::uint32_t j);

  // leases.cpp
  std::uint32_t lease_of(std::uint64_t key);
  void lease_acquire(Context& ctx, std::uint32_t j);
  void grant_lease(Context& ctx, std::uint32_t l, std::uint32_t j);
  void next_lease_holder(Context& ctx, std::uint32_t l);
  void lease_expired(Context& ctx, std::uint64_t data);
  bool lease_write(Context& ctx, std::uint32_t j);
  void leave_lease_wait(std::uint32_t j);
  void lease_wait_timed_out(Context& ctx, std::uint32_t j);

  // two_phase.cpp
  void two_phase_done(Context& ctx, std::uint32_t j);
  void prepare(Context& ctx, std::uint32_t j);
  bool end_prepared(Context& ctx, std::uint64_t id);

  // cdc.cpp
  void capture(Context& ctx, std::uint64_t key);
  void cdc_poll(Context& ctx);

  // replication.cpp
  void commit_write(Context& ctx, std::uint32_t j);
  void acknowledge(Context& ctx, std::uint32_t j);
  void arrive(Context& ctx, std::uint32_t r);
  void try_apply(Context& ctx, std::uint32_t r);
  void begin_apply(Context& ctx, std::uint32_t r);
  void apply_done(Context& ctx, std::uint32_t r);
  void check_acks(Context& ctx, std::uint32_t s);
  bool crosses(std::uint32_t a, std::uint32_t b) const { return p_.multi_zone && nodes_[a].zone != nodes_[b].zone; }
  void send_ack(Context& ctx, std::uint32_t r, std::uint64_t pos, bool applied);
  void ack_arrived(Context& ctx, std::uint32_t r);
  void reset_replication(Context& ctx, std::uint32_t r);

  // failover.cpp
  void lose_node(Context& ctx, std::uint32_t r);
  void failover(Context& ctx, std::uint32_t s);
  void rejoin_waiting(Context& ctx, std::uint32_t s);
  void set_role(Context& ctx, std::uint32_t r, bool primary);
  void close_interval(Context& ctx, std::uint32_t s);
  void bring_up(Context& ctx, std::uint32_t r, bool as_primary);
  void set_up_count(Context& ctx, std::uint32_t n);

  // drain.cpp: a switchover's steps are kFailover timers whose shard index carries a bit
  static constexpr std::uint32_t kSwitchCatchUp = 1u << 30, kSwitchPromote = 1u << 29;
  // A replica's drain: a kFailover timer whose data is the node's index with this bit.
  static constexpr std::uint32_t kReplicaStop = 1u << 28;
  void replica_stop_step(Context& ctx, std::uint32_t r);
  std::uint64_t switch_token(std::uint32_t s, std::uint32_t bit) const;
  int switch_candidate(const Shard& sh) const;
  void switchover_step(Context& ctx, std::uint32_t s, bool promote);

  // resharding.cpp
  void plan_reshard(std::uint32_t to);
  void reshard_start(Context& ctx);
  void copy_one(Context& ctx);
  void internal_job(Context& ctx, std::uint32_t s, std::uint32_t q);
  std::uint32_t read_query() const { return static_cast<std::uint32_t>(route_query_[read_route_]); }
  std::uint32_t write_query() const { return static_cast<std::uint32_t>(route_query_[write_route_]); }
  void cutover(Context& ctx);
  void report_reshard(ComponentReport& r) const;

  // ---- state ----
  DatabaseParams p_;
  Causes causes_;
  TagRange tags_;  // own timers: tags_.make(Tag)
  std::uint64_t stream_ = 0;
  Distribution apply_cost_;  // a replica applies a write at the cost of the "write" query

  std::vector<Query> queries_;
  std::vector<std::int32_t> route_query_;
  std::uint32_t read_route_ = 0, write_route_ = 0;

  std::unique_ptr<ShardMap> map_, new_map_;
  Time reshard_started_ = 0, cutover_at_ = -1;
  double keys_moved_ = 0;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> moves_;
  std::uint64_t copied_ = 0;

  std::int64_t stock_ = 0;
  std::uint64_t stock_version_ = 0;
  std::vector<ReadNote> reads_;
  Resource lock_{1};

  // Row locks (locks.cpp): the held rows by key, their locks, and the cycle being judged.
  LockParams locks_p_;
  cache::KeyMap lock_map_{256};
  std::vector<RowLock> row_locks_;
  std::uint32_t free_locks_ = kNoLock;
  std::vector<std::uint32_t> cycle_;
  // Leases (leases.cpp): by key, the token each request was granted (by request id, 16384
  // slots, as the stock's reads), the last token handed out.
  cache::KeyMap lease_map_{64};
  std::vector<Lease> leases_;
  std::vector<ReadNote> lease_notes_;
  std::uint64_t next_token_ = 0;
  // Prepared transactions (two_phase.cpp): by request id, each its row lock (kNoLock: it
  // locked none) and when it prepared; the ids of rollbacks that found nothing prepared (by
  // request id, 16384 slots, as the stock's reads): a prepare arriving after them is refused.
  struct Prepared {
    std::uint64_t id = 0;
    std::uint32_t lock = kNoLock;
    Time since = 0;
  };
  cache::KeyMap prepared_map_{64};
  std::vector<Prepared> prepared_;
  std::vector<std::uint32_t> free_prepared_;
  std::vector<std::uint64_t> aborted_ids_;
  CounterId prepares_c_{}, prepared_commits_c_{}, prepared_rollbacks_c_{}, prepare_refused_c_{}, prepared_held_c_{};
  HistogramId prepared_hold_h_{};
  GaugeId prepared_g_{};
  // Change data capture (cdc.cpp): committed writes not yet sent, oldest first.
  CdcParams cdc_;
  Ring<CdcEvent> cdc_log_;
  // The storage engine (storage.h), with "storage" only: queries.cpp adds its I/O time.
  std::unique_ptr<Storage> storage_;

  std::vector<Node> nodes_;
  std::vector<Shard> shard_;
  std::vector<Job> jobs_;
  std::vector<std::uint32_t> free_;
  SlotTable<Gather> gathers_;  // scatter-gather queries waiting for their parts
  std::vector<Time> sessions_;

  std::vector<Interval> intervals_;
  ReadyLedger ready_ledger_;  // nodes up over time (models/contracts/ready_ledger.h)
  std::uint32_t up_count_ = 0;
  double failovers_ = 0;

  // Degradable: the draws of error_rate (its own stream; the faults in force are PoolDriven's).
  Rng fault_rng_;
  // KeyWrites: a key's latest commit time (a write with a key), kept once a reader asked.
  bool keep_write_times_ = false;
  cache::KeyMap written_map_{1024};
  std::vector<Time> written_at_;
  Figures figures_;  // every figure below, reported by finish() in the order declared
  CounterId fault_errors_c_, ok_c_, refused_c_, not_primary_c_, unknown_c_, stale_c_, lost_c_, dropped_c_, oversold_c_, sold_c_,
      lock_waits_c_, lock_timeouts_c_, conflicts_c_, copied_c_, scatter_c_, deadlocks_c_{}, row_waits_c_{},
      lease_grants_c_{}, lease_expiries_c_{}, unsafe_c_{}, fenced_c_{}, cdc_events_c_{}, cancelled_c_{}, wasted_c_{},
      switchovers_c_{}, replica_drains_c_{};
  HistogramId latency_h_, lag_h_, lock_wait_h_, row_wait_h_{}, cdc_capture_h_{};
  GaugeId cdc_pending_g_{};
  GaugeId conns_g_, primary_busy_g_, replica_busy_g_, primary_cap_g_, replica_cap_g_;
};

// What the page shows of a database (page.cpp), declared at its end of run.
void declare_page(PageSection& page);

}  // namespace archsim::database
