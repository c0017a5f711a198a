// Queue: one topic (models/queue/queue.h states the model): its partitions as the brokers hold
// them (leaders, ISR, high watermark), its producers, its bound, and the consumer groups that
// read it (group.h): its own ("consumers", or a group without consumers that keeps what
// nobody reads) and the queue's "groups" subscribed to it. The queue component (queue.cpp)
// owns the topics and routes requests, replies and timers to them. The topic's work is split
// by what it does:
//   topic.cpp         its fields, start, its timers, describe
//   producer.cpp      producers: the bound, the business write, publish, the outbox relay,
//                     the partitioner, appending to every group's log
//   replication.cpp   what brokers do to partitions: leaders lost, truncation, ISR shrink and
//                     expand, elections (clean and unclean)
//   topic_report.cpp  its figures at the end (with its own group's) and its ledger
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "models/queue/brokers.h"
#include "models/queue/group.h"
#include "models/queue/log.h"
#include "models/queue/retention.h"
#include "scenario/build.h"
#include "sim/context.h"
#include "scenario/describe.h"
#include "sim/metrics.h"
#include "sim/random.h"
#include "sim/results.h"
#include "lib/wait_queue.h"
#include "sim/ring.h"

namespace archsim::queue {

class Topic {
 public:
  // A topic's timers: kind k is the k-th tag of the block the queue hands it (set_tags; the
  // queue routes a tag back by its block, queue.cpp). kWake, kResume and kCommit are its own
  // group's (group.h numbers its timers alike).
  enum Timer : std::uint16_t { kAck, kWake, kResume, kTick, kCommit, kElect, kRelay, kTimers };
  static constexpr std::uint32_t kMaxTopics = 4096;  // kTimers x 4096 tags fit one block of own tags

  // The topic's own fields are read from `tp` (one entry of "topics", or the queue's object
  // itself for the one-topic shorthand), the brokers' from `spec`; its own group from `tp`'s
  // "consumers". Figures are named `prefix` + name.
  Topic(Params& tp, BuildContext& bc, const BrokerSpec& spec, Brokers& sh, std::uint16_t index, std::string prefix,
        Status not_enough_replicas);

  std::uint16_t index() const { return topic_; }
  std::uint32_t partitions() const { return partitions_; }
  bool work_queue() const { return work_queue_; }
  const PartitionState& partition_state(std::uint32_t i) const { return parts_[i]; }
  Group& own_group() { return *own_; }
  // Group `g` reads this topic from its cursor `base` on (Group::subscribe).
  void add_subscriber(Group& g, std::uint32_t base) { subs_.push_back(Sub{&g, base}); }
  // The topic's own group keeps what nobody reads; once another group reads the topic, it
  // leaves (it would hold every message for ever and fill the bound).
  void drop_idle_own_group();
  // A group's "resets" and "auto_offset_reset" need this topic's retention: else the error
  // at `at` (the group's object).
  void needs_retention(const Group& g, const Params& at) const;
  // Retention (retention.h): whether the topic has one, and partition `pi`'s retained log.
  bool retains() const { return retains_; }
  const RetainedLog& kept(std::uint32_t pi) const { return kept_[pi]; }

  // Its block of kTimers own timer tags, handed out by the queue once its server pool has taken
  // the component's first tags (sim/continuation.h).
  void set_tags(TagRange tags) {
    tags_ = tags;
    own_->set_tags(tags);
  }
  void connect(ConnectContext& cc) { own_->connect(cc); }
  void start(Context& ctx);
  void describe(Description& d) const;
  void on_request(Context& ctx, CallId call);
  void write_reply(Context& ctx, Handle h, Status status);
  void on_timer(Context& ctx, Timer kind, std::uint64_t data);
  // Its figures (under its prefix, with its own group's when it reads the topic), declared
  // into the queue's at build time, once every group has subscribed (topic_report.cpp).
  void declare_figures(Figures& f);
  // At the end, before the figures are read: its own group's ledger (when that group reads
  // it) and the smallest ISR.
  void settle(Context& ctx);
  // Its own group's ledger, settled (empty when only other groups read it), for the queue's totals.
  const GroupLedger& ledger() const { return ledger_; }
  // What every group's ledger adds of the topic's: messages counted produced, lost before any
  // log had them, waiting in the outbox.
  std::uint64_t produced() const { return produced_; }
  std::uint64_t lost_before_log() const { return lost_before_log_; }
  std::uint64_t outbox_retained() const;

  // ---- for its groups ----
  // A message leaves the pool once no group holds it in a log or in flight (consumer.cpp).
  void release(Handle h);
  // Producers blocked on the bound get in while there is room.
  void admit_blocked(Context& ctx);
  // Backpressure (models/contracts/capabilities.h): whether a producer would wait now.
  bool full() const { return capacity_ > 0 && block_ && held_ >= capacity_; }
  bool blocks() const { return capacity_ > 0 && block_; }
  // The queue's timer for blocked producers (data: this topic's index): block_timeout().
  void set_block_tag(std::uint16_t tag) { block_tag_ = tag; }
  void block_timeout(Context& ctx);

  // ---- brokers (replication.cpp; the queue calls these for every topic) ----
  void leader_down(Context& ctx, std::uint32_t b);
  // Broker `b` is about to stop cleanly (Kafka's controlled shutdown): the partitions it leads
  // move at once to another live in-sync replica, and it leaves every ISR it is in. A partition
  // with no other live in-sync replica keeps it as leader (its stop is then a crash for it).
  void controlled_shutdown(Context& ctx, std::uint32_t b);
  void isr_shrink(Context& ctx, std::uint32_t b);
  void broker_up(Context& ctx, std::uint32_t b);

 private:
  struct Sub {
    Group* group;
    std::uint32_t base;  // its cursor for partition i is base + i
  };

  // topic.cpp
  void schedule(Context& ctx, Time delay, Timer kind, std::uint64_t data = 0);
  Handle new_msg() {
    Handle h = msgs_.alloc();
    msgs_[h].topic = topic_;
    return h;
  }
  void sample_isr(Context& ctx);
  void expire_logs(Context& ctx);
  template <class F>
  double sum_kept(F f) const {
    double n = 0;
    for (const RetainedLog& l : kept_) n += static_cast<double>(f(l));
    return n;
  }

  // producer.cpp
  void admit(Context& ctx, CallId call);
  void start_write(Context& ctx, CallId call, Msg::Write phase);
  void acked(Context& ctx, CallId call);
  void missing_event() {  // an event that will not reach the log after its write committed (write first)
    if (has_write_ && !publish_first_) ++writes_without_event_;
  }
  void publish(Context& ctx, CallId call, Time since);
  void expire(Context& ctx, CallId call, Time since);
  // Returns when the leader has it (now + append_time).
  Time append(Context& ctx, Handle h, std::uint32_t pi);
  // A draw of `d` stretched by the brokers' slowdown (no draw for a constant 0).
  Time broker_time(const Distribution& d) {
    if (d.is_constant_zero()) return 0;
    const Time t = d.sample_time(rng_);
    return sh_.slowdown == 1 ? t : static_cast<Time>(static_cast<double>(t) * sh_.slowdown);
  }
  // The brokers refuse this produce request (a full disk, an injected error rate).
  bool storage_refuses() {
    return sh_.disk_full || (sh_.error_rate > 0 && rng_.uniform() < sh_.error_rate);
  }
  void appended(Context& ctx, std::uint32_t pi) {
    for (const Sub& s : subs_) s.group->appended(ctx, s.base + pi);
  }
  void relay(Context& ctx);
  void keep(Handle h, std::uint32_t pi);
  void unkeep(Handle h);
  std::uint32_t pick_partition(const RequestInfo& req);
  // acks=all writes need min_insync_replicas in the partition's ISR (Kafka checks at append).
  bool below_min_isr(const PartitionState& p) const {
    return acks_ == Acks::All && static_cast<std::uint32_t>(__builtin_popcount(p.isr)) < min_isr_;
  }
  Time isr_wait(const PartitionState& p) const;
  void count_produced(Context& ctx, Msg& m) {
    m.counted = true;
    ++produced_;
    ctx.metrics().add(produced_c_);
  }
  void lost_before_log(Context& ctx) {  // produced, and gone before any log had it
    ++produced_;
    ++lost_before_log_;
    ctx.metrics().add(produced_c_);
  }

  // replication.cpp
  void truncate_unreplicated(Context& ctx, std::uint32_t pi);
  void elect(Context& ctx, std::uint32_t pi);
  void truncate_after(Context& ctx, std::uint32_t pi, std::uint64_t seq);
  // Answers the unacknowledged producer of `m` (m.producer set) Unavailable.
  void abort_unacked(Context& ctx, Msg& m);
  void serve_subscribers(Context& ctx) {
    for (const Sub& s : subs_) s.group->serve_all(ctx);
  }

  // ---- state ----
  // Shared with the queue's other topics (brokers.h).
  Brokers& sh_;
  Pool<Msg>& msgs_;
  std::uint16_t topic_ = 0;
  TagRange tags_;  // its timers: tags_.make(Timer)
  std::string prefix_;

  bool work_queue_ = false;
  std::uint32_t partitions_ = 1, brokers_ = 1;
  Acks acks_ = Acks::Leader;
  std::uint64_t capacity_ = 0;
  bool block_ = true, sticky_ = true;
  std::uint32_t sticky_batch_ = 16, sticky_left_ = 0, sticky_part_ = 0, rr_next_ = 0;
  Distribution replication_, append_time_;
  Time election_ = 0;
  std::uint32_t min_isr_ = 1;
  bool unclean_ = false;
  Status not_enough_status_;

  Rng rng_;
  std::vector<PartitionState> parts_;
  std::unique_ptr<Group> own_;  // its own group ("consumers"), or one without consumers
  std::vector<Sub> subs_;       // the groups that read it, its own first when it does
  bool own_reads() const { return subs_[0].group == own_.get(); }
  GroupLedger ledger_;  // settle()
  struct Blocked {
    CallId call;
    Time since;  // when it began to wait (traces)
  };
  WaitQueue<Blocked> blocked_;  // producers waiting for room (when_full "block"), in arrival order
  Time max_block_ = 0;       // how long one waits at most (Kafka's max.block.ms)
  std::uint16_t block_tag_ = 0;
  bool block_timer_ = false;  // a block timer is pending
  Ring<Handle> outbox_q_;    // events written with their business write, not yet relayed
  bool outbox_ = false;
  Time poll_ = 0;
  bool has_write_ = false, write_has_route_ = false, publish_first_ = false;
  RefId write_ref_ = 0;
  std::uint32_t write_route_ = 0;
  Time write_timeout_ = 0;
  std::uint64_t writes_ = 0, writes_failed_ = 0, writes_without_event_ = 0, events_without_write_ = 0;
  std::uint64_t relayed_ = 0;
  std::uint64_t held_ = 0;
  double offline_s_ = 0;
  std::uint64_t not_enough_after_ = 0;  // acks=all writes replicated with the ISR below the minimum
  std::uint64_t not_enough_ = 0, isr_shrinks_ = 0, isr_expands_ = 0, unclean_elections_ = 0, lost_unclean_ = 0;

  // Retention (retention.h): with it, every partition's retained log.
  bool retains_ = false;
  RetentionSpec retention_;
  std::vector<RetainedLog> kept_;
  Time next_check_ = 0;  // the next retention check (start(): one interval in, as Kafka schedules it)
  std::uint64_t deleted_ = 0;  // messages retention deleted, read or not

  std::uint64_t produced_ = 0, lost_before_log_ = 0, lost_truncated_ = 0;
  std::uint64_t expired_ = 0;  // blocked producers that gave up before room freed
  std::uint64_t dropped_ = 0, refused_ = 0, aborted_ = 0;
  std::uint64_t produce_errors_ = 0;  // refused by a full disk or an injected error rate
  std::uint64_t elections_ = 0;
  std::uint64_t leader_moves_ = 0;  // leaderships moved by a controlled shutdown

  CounterId produced_c_;
  GaugeId isr_g_;
};

}  // namespace archsim::queue
