// Queue: one consumer group (models/queue/queue.h states the model): a service's ready
// instances reading the partitions of the topics it subscribes to, each group with its own
// committed offsets, deliveries, retries, dead letters and ledger, as Kafka's consumer groups
// share a log and keep their own offsets. A topic's "consumers" is its own group (reported
// under the topic's prefix); a queue's "groups" are further ones (fan-out, and subscriptions
// to several topics), reported under groups.<name>.
// The group's work is split by what it does:
//   group.cpp         its fields, subscriptions, start, timers, membership and rebalances
//   consumer.cpp      log mode: delivery, replies, retries, commits, dead letters
//   work_queue.cpp    work_queue mode: competing consumers, prefetch, visibility timeout
//   group_report.cpp  its lag, figures at the end and ledger
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "models/contracts/capabilities.h"
#include "models/queue/assignor.h"
#include "models/queue/brokers.h"
#include "models/queue/key_order.h"
#include "models/queue/log.h"
#include "scenario/build.h"
#include "sim/context.h"
#include "sim/figures.h"
#include "sim/metrics.h"
#include "sim/results.h"
#include "sim/ring.h"

namespace archsim::queue {

class Topic;

class Group {
 public:
  // A group's timers share the numbering of a topic's (topic.h, Topic::Timer), so that a
  // topic's own group uses the topic's block of tags.
  enum Timer : std::uint16_t { kWake = 1, kResume = 2, kTick = 3, kCommit = 4 };

  // `consumers`: the group's consumer fields ("service", "assignor", "delivery", ...), or
  // nullptr for a topic nobody reads; `fields`: where "route", "visibility_timeout" and
  // "prefetch" are read (the topic's object for its own group, the group's object for the
  // queue's "groups"). Figures are named `prefix` + name.
  Group(Params* consumers, Params& fields, BuildContext& bc, Brokers& sh, bool work_queue, std::uint16_t index,
        std::string prefix);

  // Adds the partitions of `t` to what the group reads; returns the cursor index of its
  // partition 0 (partition i is that + i). Subscribe in the order of the topics' names.
  std::uint32_t subscribe(Topic& t);
  // Metrics: the group's figures, then (after the topic's own, to keep the series order) its
  // partitions' lag series.
  void register_metrics(Metrics& m, const std::string& id);
  void register_partition_metrics(Metrics& m, const std::string& id);

  // Its timers: its topic's block (a topic's own group), or a block of its own (set_own_timers:
  // then it also ticks by itself).
  void set_tags(TagRange tags) { tags_ = tags; }
  void set_own_timers() { own_timers_ = true; }
  void connect(ConnectContext& cc);
  // The group forms at t = 0 (kResume) and ticks if it has its own timers; start_commits sets
  // the auto-commit timer (a topic sets it after its own timers, as it always did).
  void start(Context& ctx);
  void start_commits(Context& ctx);
  void on_reply(Context& ctx, Handle h, Status status);
  void on_timer(Context& ctx, Timer kind, std::uint64_t data);
  // The periodic sample (a topic's tick for its own group): membership check and lag.
  void tick(Context& ctx);

  // ---- what topics tell it ----
  bool reads() const { return has_consumers_; }
  bool reads_topic(std::uint16_t t) const { return t < base_of_topic_.size() && base_of_topic_[t] != UINT32_MAX; }
  std::uint16_t index() const { return index_; }
  Cursor& cursor(std::uint32_t c) { return cursors_[c]; }
  // Message `h` joins cursor `c` (at its end; a work queue's FIFO).
  void push(Context& ctx, Handle h, std::uint32_t c) {
    if (work_queue_) {
      ready_.push(h);
      note_work_lag(ctx);
    } else {
      cursors_[c].log.push(h);
      lag_moved(ctx, +1, 0);
    }
  }
  // A message was appended to cursor `c`: its reader may take it.
  void appended(Context& ctx, std::uint32_t c);
  // Membership may have changed (a producer's request, a tick).
  void check(Context& ctx) {
    if (has_consumers_ && group_started_) check_group(ctx);
  }
  // Partition readable again (an election).
  void partition_back(Context& ctx, std::uint32_t c);
  // Everything may move (the high watermark after an ISR shrink, the end of a pause).
  void serve_all(Context& ctx);
  // A copy of a counted message of this group's was cut from the log (a leader's crash).
  void lost_truncated(Msg& m) { settle(m, t_.lost_truncated); }
  // Retention moved cursor `c`'s log start to `start` (replay.cpp): if the group's next offset
  // is below it, it is out of range and jumps to `start` (auto_offset_reset "earliest") or the
  // log end ("latest"); what it jumps over unread is lost (counted lost_to_retention).
  void out_of_range(Context& ctx, std::uint32_t c, std::uint64_t start);

  // ---- resets (replay.cpp): kafka-consumer-groups --reset-offsets, scheduled ----
  // Whether the group has "resets" or "auto_offset_reset": both need its topics' retention.
  bool has_resets() const { return !resets_.empty(); }
  bool sets_offset_reset() const { return sets_offset_reset_; }
  // Its one timer tag for its resets (the queue hands it out after every other block, so
  // that a queue without resets keeps its tags); data: the reset's index.
  void set_reset_tag(std::uint16_t tag) { reset_tag_ = tag; }
  void on_reset(Context& ctx, std::uint64_t k);
  void declare_resets(Figures& f);

  // ---- for analyze (scenario/describe.h) ----
  RefId consumer() const { return consumer_; }
  bool has_route() const { return has_route_; }
  std::uint32_t route() const { return route_; }
  std::uint32_t prefetch() const { return prefetch_; }

  // ---- figures (group_report.cpp) ----
  struct Tally {
    std::uint64_t consumed = 0, dead_lettered = 0, lost_at_consumer = 0, lost_truncated = 0;
    std::uint64_t lost_retention = 0, skipped_by_reset = 0;  // deleted unread / passed over by a reset
    std::uint64_t duplicates = 0, suppressed = 0, redelivered = 0, redelivered_processed = 0, retries = 0;
    std::uint64_t order_violations = 0, rebalances = 0, member_crashes = 0;
    std::uint64_t key_order_violations = 0;  // a keyed message processed after a later one of its key
  };
  const Tally& tally() const { return t_; }
  // Its ledger at the end: `produced`, `lost_before_log` and `outbox_retained` are its
  // topics' (counted produced, lost before any log had them, waiting in the outbox).
  GroupLedger ledger(Context& ctx, std::uint64_t produced, std::uint64_t lost_before_log, std::uint64_t outbox_retained);
  // Its ledger's figures from `consumed` to `retries`, of ledger `l` and its topics'
  // `lost_before_log` as they are at the end (a topic declares its own group's among its own
  // figures with these and the three below).
  void declare_ledger(Figures& f, const GroupLedger& l, const std::uint64_t& lost_before_log);
  void declare_lag(Figures& f);
  void declare_members(Figures& f);  // with its resets' figures
  void declare_throughput(Figures& f);
  // Every figure under its prefix (a queue's "groups"), of the ledger settle() takes.
  void declare_figures(Figures& f);
  // At the end, before its figures are read: its ledger over its topics' (as ledger()).
  void settle(Context& ctx, std::uint64_t produced, std::uint64_t lost_before_log, std::uint64_t outbox_retained) {
    settled_ = ledger(ctx, produced, lost_before_log, outbox_retained);
    settled_lost_before_log_ = lost_before_log;
  }
  const GroupLedger& settled() const { return settled_; }
  const std::string& prefix() const { return prefix_; }
  std::string assignment() const;

 private:
  Topic& topic_of(const Msg& m) const;
  std::uint32_t cursor_of(const Msg& m) const { return base_of_topic_[m.topic] + m.partition; }
  void schedule(Context& ctx, Time delay, Timer kind, std::uint64_t data = 0);
  void sample_lag(Context& ctx);

  // consumer.cpp
  void serve(Context& ctx, std::uint32_t mi);
  bool try_deliver(Context& ctx, std::uint32_t mi, std::uint32_t ci);
  void settle_consumed(Context& ctx, Msg& msg, Cursor* c);
  void settle(Msg& msg, std::uint64_t& counter) {
    msg.settled = true;
    if (counted(msgs_, msg)) ++counter;
  }
  void rewind(Context& ctx, Cursor& c, std::uint64_t to) {
    const std::uint64_t was = c.position;
    c.position = std::min(c.position, std::max(to, c.committed));
    c.done = std::min(c.done, c.position);
    lag_moved(ctx, 0, -static_cast<std::int64_t>(was - c.position));
  }
  // Kafka's lag (log end - committed, summed over the cursors) and the part of it fetched but
  // not committed change by these: the gauges follow every change (group_report.cpp).
  void lag_moved(Context& ctx, std::int64_t log, std::int64_t uncommitted);
  // A work queue's: every message not acknowledged (visible or in flight), and those in flight.
  void note_work_lag(Context& ctx);
  void commit(Context& ctx, Cursor& c, std::uint64_t upto);
  void dead_letter(Context& ctx, RequestInfo req);
  void set_inflight(Handle h, bool on);
  void release(Handle h);
  std::int32_t member_of(std::uint64_t serial) const;
  void wake(Context& ctx, Time at);

  // replay.cpp
  void read_resets(Params& c);
  std::uint64_t reset_target(const Cursor& c, std::size_t k) const;
  void rewind_log(Context& ctx, Cursor& c, std::uint64_t to);
  std::uint64_t unread() const;
  void watch_replay(Context& ctx);

  // group.cpp
  void check_group(Context& ctx);
  void rebalance(Context& ctx);

  // work_queue.cpp
  void serve_work(Context& ctx);
  void work_reply(Context& ctx, Handle h, Status status);
  void requeue(Handle h) {
    msgs_[h].in_log = true;
    ready_.push(h);
  }

  // ---- state ----
  Brokers& sh_;
  Pool<Msg>& msgs_;
  std::uint16_t index_ = 0;
  TagRange tags_;
  bool own_timers_ = false;  // its own block of tags (a queue's "groups"), not its topic's
  std::string prefix_;
  std::uint32_t queue_index_ = 0;
  GroupLedger settled_;  // settle()
  std::uint64_t settled_lost_before_log_ = 0;

  bool work_queue_ = false;
  bool has_consumers_ = false, has_dlq_ = false, has_route_ = false;
  std::uint32_t route_ = 0;
  Time visibility_ = 0;
  std::uint32_t prefetch_ = 1;
  RefId consumer_ = 0, dlq_ = 0;
  Assignor assignor_ = Assignor::Range;
  Delivery delivery_ = Delivery::AtLeastOnce;
  std::uint32_t max_retries_ = 3;
  Time pause_ = 0, commit_interval_ = 0, retry_backoff_ = 0;

  std::vector<Cursor> cursors_;
  std::vector<std::uint32_t> sub_base_;          // cursor index of each subscription's partition 0
  std::vector<std::uint32_t> topic_partitions_;  // partitions of each subscription, in order
  std::vector<std::uint32_t> base_of_topic_;     // by the queue's topic index: its sub_base_ (UINT32_MAX: not read)
  Ring<Handle> ready_;       // work_queue: visible messages
  std::vector<Member> members_;
  std::vector<std::vector<TopicPartition>> assignment_;
  std::vector<InstanceStat> stats_;
  std::vector<std::uint64_t> serials_;
  std::vector<std::uint32_t> old_members_;
  std::vector<Handle> inflight_;  // messages being processed (unordered; Msg::inflight_at)
  Scalable* scalable_ = nullptr;
  std::uint32_t known_ready_ = UINT32_MAX, last_desired_ = 0, idle_ = 0, work_rr_ = 0;
  bool group_started_ = false, wake_pending_ = false;
  Time resume_at_ = 0, wake_at_ = 0;
  Tally t_;
  KeyOrder key_order_;

  // Resets (replay.cpp): what each asks, then what it did.
  struct Reset {
    enum class To : std::uint8_t { Earliest, Latest, Time, Shift } to = To::Earliest;
    Time at = 0, time = 0;     // when; to_time's timestamp
    std::int64_t shift = 0;    // shift_by, per partition
    // What it did: offsets moved back (re-read: B) and forward (skipped) over the
    // partitions, the lag after it, and how long until the unread backlog was back to
    // where it stood just before it (the replay caught up with live traffic).
    std::uint64_t rewound = 0, skipped = 0, lag_after = 0, unread_before = 0;
    std::optional<double> caught_up_s;
  };
  std::vector<Reset> resets_;
  void skip_to(Context& ctx, Cursor& c, std::uint64_t to, Reset& r);
  std::uint16_t reset_tag_ = 0;
  std::int32_t watching_ = -1;  // the reset whose catching up the tick watches
  bool latest_on_range_ = true, sets_offset_reset_ = false;  // auto_offset_reset (Kafka's default "latest")

  CounterId consumed_c_, reprocessed_c_;  // reprocessed: duplicates processed (with resets only)
  bool counts_reprocessed_ = false;
  HistogramId e2e_h_;
  std::uint64_t lag_n_ = 0, uncommitted_n_ = 0;  // log mode: the two gauges' values
  GaugeId lag_g_, uncommitted_g_, lag_s_g_, idle_g_;
  std::vector<GaugeId> part_lag_g_;
};

// A queue's "groups" (groups.cpp): further consumer groups, each reading the topics it names
// ("topics": their names; a queue without "topics" has its one topic) in the order of their
// names, reported under groups.<name>. Each is subscribed to its topics and has its metrics
// registered; tags are the queue's to hand out (set_tags). A topic read by one of them and
// without consumers of its own no longer keeps its messages for nobody.
std::vector<std::unique_ptr<Group>> read_groups(Params& p, BuildContext& bc, Brokers& sh,
                                                const std::vector<std::unique_ptr<Topic>>& topics);

}  // namespace archsim::queue
