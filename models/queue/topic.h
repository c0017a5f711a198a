// Queue: one topic (models/queue/queue.h states the model): its partitions, consumer group,
// bound and ledger, on the queue's brokers (brokers.h). The queue component (queue.cpp) owns
// the topics and routes requests, replies and timers to them. The topic's work is split by
// what it does:
//   topic.cpp         its fields, connect, start, its timers, the lag sample, describe
//   producer.cpp      producers: the bound, the business write, publish, the outbox relay,
//                     the partitioner
//   consumer.cpp      log-mode consumers: delivery, replies, retries, commits, dead letters
//   group.cpp         the consumer group: membership and rebalances
//   work_queue.cpp    work_queue mode: competing consumers, prefetch, visibility timeout
//   replication.cpp   what brokers do to partitions: leaders lost, truncation, ISR shrink and
//                     expand, elections (clean and unclean)
//   topic_report.cpp  its figures at the end and its ledger
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "models/common/capabilities.h"
#include "models/queue/assignor.h"
#include "models/queue/brokers.h"
#include "models/queue/log.h"
#include "sim/build.h"
#include "sim/context.h"
#include "sim/describe.h"
#include "sim/metrics.h"
#include "sim/random.h"
#include "sim/results.h"
#include "sim/ring.h"

namespace archsim::queue {

class Topic {
 public:
  // A topic's timers: kind k is the k-th tag of the block the queue hands it (set_tags; the
  // queue routes a tag back by its block, queue.cpp).
  enum Timer : std::uint16_t { kAck, kWake, kResume, kTick, kCommit, kElect, kRelay, kTimers };
  static constexpr std::uint32_t kMaxTopics = 4096;  // kTimers x 4096 tags fit one block of own tags

  // The topic's own fields are read from `tp` (one entry of "topics", or the queue's object
  // itself for the one-topic shorthand), the brokers' from `spec`. Figures are named `prefix`
  // + name.
  Topic(Params& tp, BuildContext& bc, const BrokerSpec& spec, Brokers& sh, std::uint16_t index, std::string prefix,
        Status not_enough_replicas);

  // Its block of kTimers own timer tags, handed out by the queue once its server pool has taken
  // the component's first tags (sim/continuation.h).
  void set_tags(TagRange tags) { tags_ = tags; }
  void connect(ConnectContext& cc);
  void start(Context& ctx);
  void describe(Description& d) const;
  void on_request(Context& ctx, CallId call);
  void on_reply(Context& ctx, CallId call, Status status, std::uint64_t token);
  void on_timer(Context& ctx, Timer kind, std::uint64_t data);
  // Its figures (under its prefix) and its ledger, for the queue's totals.
  TopicLedger finish(Context& ctx, ComponentReport& r);

  // ---- brokers (replication.cpp; the queue calls these for every topic) ----
  void leader_down(Context& ctx, std::uint32_t b);
  void isr_shrink(Context& ctx, std::uint32_t b);
  void broker_up(Context& ctx, std::uint32_t b);

 private:
  // topic.cpp
  void schedule(Context& ctx, Time delay, Timer kind, std::uint64_t data = 0);
  Handle new_msg() {
    Handle h = msgs_.alloc();
    msgs_[h].topic = topic_;
    return h;
  }
  void sample_lag(Context& ctx);

  // producer.cpp
  void admit(Context& ctx, CallId call);
  void start_write(Context& ctx, CallId call, Msg::Write phase);
  void write_reply(Context& ctx, Handle h, Status status);
  void acked(Context& ctx, CallId call);
  void missing_event() {  // an event that will not reach the log after its write committed (write first)
    if (has_write_ && !publish_first_) ++writes_without_event_;
  }
  void publish(Context& ctx, CallId call);
  void append(Context& ctx, Handle h, std::uint32_t pi);
  void relay(Context& ctx);
  std::uint32_t pick_partition(const RequestInfo& req);
  // acks=all writes need min_insync_replicas in the partition's ISR (Kafka checks at append).
  bool below_min_isr(const Partition& p) const {
    return acks_ == Acks::All && static_cast<std::uint32_t>(__builtin_popcount(p.isr)) < min_isr_;
  }
  Time isr_wait(const Partition& p) const;
  void count_produced(Context& ctx, Msg& m) {
    m.counted = true;
    ++produced_;
    ctx.metrics().add(produced_c_);
  }
  void admit_blocked(Context& ctx);

  // consumer.cpp
  void serve(Context& ctx, std::uint32_t mi);
  bool try_deliver(Context& ctx, std::uint32_t mi, std::uint32_t pi);
  void settle_consumed(Context& ctx, Msg& msg, Partition& p);
  void settle(Msg& msg, std::uint64_t& counter) {
    msg.settled = true;
    if (msg.counted) ++counter;
  }
  static void rewind(Partition& p, std::uint64_t to) {
    p.position = std::min(p.position, std::max(to, p.committed));
    p.done = std::min(p.done, p.position);
  }
  void commit(Context& ctx, Partition& p, std::uint64_t upto);
  void dead_letter(Context& ctx, RequestInfo req);
  void set_inflight(Handle h, bool on);
  void release(Handle h);
  std::int32_t member_of(std::uint64_t serial) const;
  void wake(Context& ctx, Time at);
  void serve_all(Context& ctx);

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

  // replication.cpp
  void truncate_unreplicated(Context& ctx, Partition& p);
  void elect(Context& ctx, std::uint32_t pi);
  void truncate_after(Context& ctx, Partition& p, std::uint64_t seq);
  // Answers the unacknowledged producer of `m` (m.producer set) Unavailable.
  void abort_unacked(Context& ctx, Msg& m);

  // ---- state ----
  // Shared with the queue's other topics (brokers.h).
  Brokers& sh_;
  Pool<Msg>& msgs_;
  std::uint16_t topic_ = 0;
  TagRange tags_;  // its timers: tags_.make(Timer)
  std::string prefix_;
  std::uint32_t queue_index_ = 0;

  bool work_queue_ = false;
  std::uint32_t partitions_ = 1, brokers_ = 1;
  Acks acks_ = Acks::Leader;
  std::uint64_t capacity_ = 0;
  bool block_ = true, sticky_ = true;
  std::uint32_t sticky_batch_ = 16, sticky_left_ = 0, sticky_part_ = 0, rr_next_ = 0;
  Distribution replication_;
  Time election_ = 0, visibility_ = 0;
  std::uint32_t prefetch_ = 1;
  bool has_route_ = false;
  std::uint32_t route_ = 0;
  bool has_group_ = false, has_dlq_ = false;
  RefId consumer_ = 0, dlq_ = 0;
  Assignor assignor_ = Assignor::Range;
  Delivery delivery_ = Delivery::AtLeastOnce;
  std::uint32_t max_retries_ = 3;
  Time pause_ = 0, commit_interval_ = 0, retry_backoff_ = 0;

  Rng rng_;
  std::vector<Partition> parts_;
  Ring<Handle> ready_;       // work_queue: visible messages
  struct Blocked {
    CallId call;
    Time since;  // when it began to wait (traces)
  };
  Ring<Blocked> blocked_;    // producers waiting for room (when_full "block")
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
  std::uint32_t min_isr_ = 1;
  bool unclean_ = false;
  Status not_enough_status_;
  double offline_s_ = 0;
  std::uint64_t not_enough_after_ = 0;  // acks=all writes replicated with the ISR below the minimum
  std::uint64_t not_enough_ = 0, isr_shrinks_ = 0, isr_expands_ = 0, unclean_elections_ = 0, lost_unclean_ = 0;

  std::uint64_t produced_ = 0, consumed_ = 0, dead_lettered_ = 0, lost_ = 0, lost_at_consumer_ = 0;
  std::uint64_t duplicates_ = 0, suppressed_ = 0, redelivered_ = 0, redelivered_processed_ = 0, retries_ = 0;
  std::uint64_t expired_ = 0;  // blocked producers that gave up before room freed
  std::uint64_t dropped_ = 0, refused_ = 0, aborted_ = 0, order_violations_ = 0;
  std::uint64_t rebalances_ = 0, member_crashes_ = 0, elections_ = 0;

  CounterId produced_c_, consumed_c_;
  HistogramId e2e_h_;
  GaugeId lag_g_, lag_s_g_, idle_g_, isr_g_;
  std::vector<GaugeId> part_lag_g_;
};

}  // namespace archsim::queue
