// Queue: the component (models/queue/queue.h states the model): its topics (topic.h) on its
// brokers, which are servers of the shared server pool in its addressed use (slot b = broker
// b): the pool keeps their lifecycle (crash, restart after restart_time, failure until
// repair), their ready history and their billing by instance_type; this file turns a broker's
// loss and return (PoolJobs::slot_down / slot_ready) into what it means for every topic's
// partitions, and routes requests, replies and timers to the topics.
#include "models/queue/queue.h"

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "models/contracts/capabilities.h"
#include "models/server/pool/server_pool.h"
#include "models/queue/brokers.h"
#include "models/queue/group.h"
#include "models/queue/topic.h"
#include "scenario/describe.h"
#include "sim/results.h"

namespace archsim {
namespace {

using queue::Topic;
using queue::GroupLedger;

// The queue component: the brokers and their topics. Without "topics" the queue's own object
// is its one topic (figures unprefixed, as before topics existed); with "topics" every entry
// is one, reported under topics.<name>, and the queue reports the ledger's totals.
class Queue final : public Component,
                    public HasCapabilities,
                    public Crashable,
                    public Degradable,
                    public Disruptable,
                    public Topics,
                    public Backpressure,
                    public PoolJobs {
 public:
  Queue(Params& p, BuildContext& bc, Status not_enough_replicas)
      : pool_rng_(bc.rng(kPoolStream)), pool_(*this, *this, pool_rng_) {
    if (p.has("topics")) {
      // Fields of a topic belong to its entry: said here rather than as unknown fields.
      for (const char* k : {"consumers", "partitions", "mode", "capacity", "when_full", "max_block", "keyless", "sticky_batch", "route",
                            "publish_mode", "outbox", "business_write", "dual_write_order", "visibility_timeout", "prefetch", "retention"})
        if (p.has(k))
          p.fail(k, std::string(k == std::string("consumers") ? "a consumer group belongs to a topic" : "a topic's field") +
                        ": with \"topics\", give it in a topic's entry");
    }
    spec_ = queue::read_broker_spec(p);
    if (p.has("topics")) {
      std::vector<Params> list = p.objects("topics");
      if (list.empty()) p.fail("topics", "expected a non-empty array of {\"name\": ..., ...}");
      if (list.size() > Topic::kMaxTopics) p.fail("topics", "at most " + std::to_string(Topic::kMaxTopics) + " topics");
      for (std::size_t i = 0; i < list.size(); ++i) {
        Params& tp = list[i];
        if (!tp.has("name")) tp.missing("name");
        std::string name = tp.string("name");
        if (name.empty() || name.find('.') != std::string::npos || name.find('/') != std::string::npos)
          tp.fail("name", "a topic's name is non-empty, without '.' or '/'");
        if (std::find(names_.begin(), names_.end(), name) != names_.end())
          tp.fail("name", "duplicate topic name \"" + name + "\"");
        names_.push_back(name);
        sh_.topic_names.push_back(name);
        topics_.push_back(std::make_unique<Topic>(tp, bc, spec_, sh_, static_cast<std::uint16_t>(i), "topics." + name + ".",
                                                  not_enough_replicas));
        sh_.topics.push_back(topics_.back().get());
      }
    } else {
      names_.push_back("");
      sh_.topic_names.push_back("");
      topics_.push_back(std::make_unique<Topic>(p, bc, spec_, sh_, 0, "", not_enough_replicas));
      sh_.topics.push_back(topics_.back().get());
    }
    groups_ = queue::read_groups(p, bc, sh_, topics_);
    sh_.count = spec_.brokers;
    sh_.shrink_at.assign(spec_.brokers, kTimeMax);
    sh_.crash_seq.assign(spec_.brokers, 0);
    sh_.crash_gen.assign(spec_.brokers, 0);
    up_since_.assign(spec_.brokers, 0);
    // The brokers on the server pool, addressed (slot = broker): billed by instance_type; a
    // crashed one returns after restart_time, ready in that event (no start-up of its own). They take no work of
    // the pool's workers: an append costs no broker time (queue.h's simplifications).
    PoolNodes nodes;
    nodes.nodes = spec_.brokers;
    nodes.restart = Distribution::constant(spec_.restart);
    nodes.ready_at_restart = true;  // back in the restart's (or repair's) own event, as before the pool
    nodes.memory_limit_mb = spec_.memory_limit_mb;
    nodes.memory_base_mb = spec_.memory_base_mb;
    pool_.configure(p, bc, nodes);
    pool_.register_metrics(bc.metrics());
    pool_.register_memory_metrics(bc.metrics());
    sh_.pool = &pool_;
    // Own timers, after the pool's block: the ISR shrink's tag, then one block for the topics
    // (topic t's timers are its t-th run of Topic::kTimers tags).
    isr_shrink_tag_ = bc.own_tags(1, p).first();
    topic_tags_ = bc.own_tags(static_cast<std::uint16_t>(Topic::kTimers * topics_.size()), p);
    for (std::size_t t = 0; t < topics_.size(); ++t)
      topics_[t]->set_tags(TagRange(static_cast<std::uint16_t>(topic_tags_.first() + Topic::kTimers * t), Topic::kTimers));
    // After the topics' block, so that the topics' tags keep their numbers.
    const std::uint16_t block_tag = bc.own_tags(1, p).first();
    block_tag_ = block_tag;
    for (auto& t : topics_) {
      t->set_block_tag(block_tag);
      blocking_ = blocking_ || t->blocks();
    }
    // The queue's "groups": a block of Topic::kTimers tags each (they number their timers as
    // a topic does).
    if (!groups_.empty()) {
      group_tags_ = bc.own_tags(static_cast<std::uint16_t>(Topic::kTimers * groups_.size()), p);
      for (std::size_t g = 0; g < groups_.size(); ++g)
        groups_[g]->set_tags(TagRange(static_cast<std::uint16_t>(group_tags_.first() + Topic::kTimers * g), Topic::kTimers));
    }
    // Resets (replay.cpp): a tag for each group that has some, after every other block, so that
    // a queue without them keeps its tags' numbers (the run's fingerprint hashes them).
    for (queue::Group* g : sh_.groups)
      if (g->has_resets()) resetting_.push_back(g);
    if (!resetting_.empty()) {
      reset_tags_ = bc.own_tags(static_cast<std::uint16_t>(resetting_.size()), p);
      for (std::size_t i = 0; i < resetting_.size(); ++i) resetting_[i]->set_reset_tag(reset_tags_.make(static_cast<std::uint16_t>(i)));
    }
    declare_figures(bc);
  }

  Capabilities capabilities() override {
    Capabilities c;
    c.crashable = this;
    c.degradable = this;
    c.disruptable = this;
    if (!names_[0].empty()) c.topics = this;
    if (blocking_) c.backpressure = this;
    return c;
  }

  // Backpressure: a one-way publish to a full topic that blocks waits for room (its producer's
  // send() blocks), so the publishing service asks before it sends.
  bool full(std::uint16_t topic) const override { return topics_[topic < topics_.size() ? topic : 0]->full(); }

  // Topics: a request's `topic` is the index of a name.
  int topic_index(std::string_view name) const override {
    for (std::size_t i = 0; i < names_.size(); ++i)
      if (names_[i] == name) return static_cast<int>(i);
    return -1;
  }
  std::vector<std::string> topic_names() const override { return names_; }

  void connect(ConnectContext& cc) override {
    for (auto& t : topics_) t->connect(cc);
    for (auto& g : groups_) g->connect(cc);
  }
  void start(Context& ctx) override {
    for (auto& t : topics_) t->start(ctx);
    pool_.start(ctx);  // the brokers, ready at once: no timer
    for (auto& g : groups_) {
      g->start(ctx);
      g->start_commits(ctx);
    }
  }
  // analyze describes the first topic only.
  void describe(Description& d) const override { topics_[0]->describe(d); }

  // A message goes to the topic its request names (a publish step's "topic"); one that names
  // none, or a topic this queue does not have (index 0 from a client), to the first.
  void on_request(Context& ctx, CallId call) override {
    std::uint16_t t = topics_.size() == 1 ? 0 : ctx.request(call).topic;
    topics_[t < topics_.size() ? t : 0]->on_request(ctx, call);
  }
  // A reply is a business write's (its topic's) or a delivery's (the group holding the message).
  void on_reply(Context& ctx, CallId, Status status, std::uint64_t token) override {
    const queue::Msg& m = sh_.msgs[token];
    if (m.write != queue::Msg::Write::None) return topics_[m.topic]->write_reply(ctx, token, status);
    sh_.groups[m.group]->on_reply(ctx, token, status);
  }
  void on_timer(Context& ctx, std::uint16_t tag, std::uint64_t data) override {
    if (ServerPool::owns_timer(tag)) return pool_.on_timer(ctx, tag, data);
    if (tag == isr_shrink_tag_) return isr_shrink(ctx, static_cast<std::uint32_t>(data & 0xff), data >> 8);
    if (tag == block_tag_) return topics_[data]->block_timeout(ctx);
    if (group_tags_.owns(tag)) {
      const std::uint32_t i = group_tags_.index(tag);
      return groups_[i / Topic::kTimers]->on_timer(ctx, static_cast<queue::Group::Timer>(i % Topic::kTimers), data);
    }
    if (!topic_tags_.owns(tag)) {
      if (reset_tags_.owns(tag)) resetting_[reset_tags_.index(tag)]->on_reset(ctx, data);
      return;
    }
    const std::uint32_t i = topic_tags_.index(tag);
    topics_[i / Topic::kTimers]->on_timer(ctx, static_cast<Topic::Timer>(i % Topic::kTimers), data);
  }

  // ---- brokers (Crashable): the pool's, addressed ----

  // Crashes the first `count` serving brokers; each returns after restart_time (slot_ready).
  std::uint32_t crash(Context& ctx, std::uint32_t count) override {
    std::uint32_t n = 0;
    for (std::uint32_t b = 0; b < sh_.count && n < count; ++b)
      if (sh_.alive(b) && pool_.crash_node(ctx, b)) ++n;
    return n;
  }
  std::uint32_t instance_slots() const override { return sh_.count; }
  // A failed broker stays down until its repair (then slot_ready); a crashed one, restarting,
  // is not failed again.
  bool fail_instance(Context& ctx, std::uint32_t slot) override {
    if (slot >= sh_.count || !sh_.alive(slot)) return false;
    return pool_.fail_instance(ctx, slot);
  }
  void repair_instance(Context& ctx, std::uint32_t slot) override {
    if (slot < sh_.count && !sh_.alive(slot)) pool_.repair_instance(ctx, slot);
  }
  ReadyHistory ready_history(Time now, Time warmup) const override { return pool_.ready_history(now, warmup); }
  Time crash_over(Time at, Time now) const override { return pool_.crash_over(at, now); }

  // ---- Disruptable: a drain is a rolling restart's step, Kafka's controlled shutdown ----

  // Stops `count` serving brokers cleanly, the longest up first (controlled.shutdown.enable, Kafka's
  // default): each hands the partitions it leads to another live in-sync replica and leaves the
  // ISRs before it stops (Topic::controlled_shutdown), then is down for restart_time (its pod
  // evicted and started again with its volume) and rejoins as after a crash. A partition with
  // no other live in-sync replica goes offline with it, as Kafka's broker stops anyway once its
  // controlled-shutdown retries are spent (their 3 x 5 s are not modelled).
  std::uint32_t drain(Context& ctx, std::uint32_t count) override {
    Context::ActingAs as(ctx, index());  // producers told of a cut tail are answered by the queue
    std::uint32_t n = 0;
    while (n < count) {
      // The broker up the longest, as a drain takes a pool's oldest serving instances: a
      // rolling restart, one drain after another, goes round the brokers.
      std::uint32_t b = sh_.count;
      for (std::uint32_t c = 0; c < sh_.count; ++c)
        if (sh_.alive(c) && (b == sh_.count || up_since_[c] < up_since_[b])) b = c;
      if (b == sh_.count) break;
      for (auto& t : topics_) t->controlled_shutdown(ctx, b);
      sh_.stopping = b;
      const bool stopped = pool_.crash_node(ctx, b, /*replaced=*/true);
      sh_.stopping = ~0u;
      if (!stopped) break;
      ++n;
      ++sh_.controlled_shutdowns;
    }
    return n;
  }

  // ---- Degradable: faults on the brokers (slow, failing, full disks, leaking memory) ----

  // A slow broker (a slow disk, GC pauses): appends (append_time) and replication take
  // `factor` times longer, for every broker.
  void set_slowdown(double factor) override { sh_.slowdown = factor; }
  // That fraction of produce requests is answered error by the brokers.
  void set_error_rate(double rate) override { sh_.error_rate = rate; }
  // A full log directory (Kafka's KafkaStorageException): every produce request fails with
  // error; what is in the logs is still delivered.
  void set_disk_full(bool full) override { sh_.disk_full = full; }
  // A broker out of memory: with memory.limit_mb, a leak gets brokers OOM-killed; a killed
  // broker is down as after a crash (its partitions' leaders move) and restarts after
  // restart_time, with the kubelet's back-off when it is killed again and again.
  bool oom_killable() const override { return pool_.oom_killable(); }
  bool set_memory_leak(Context& ctx, double per_request_mb, double per_second_mb) override {
    return pool_.set_memory_leak(ctx, per_request_mb, per_second_mb);
  }

  // ---- PoolJobs: the pool's lifecycle events ----

  // A broker holds no jobs of the pool (appends take no worker): nothing to drop.
  void drop_jobs(Context&, std::uint32_t) override {}
  void slot_launched(std::uint32_t) override {}
  // A broker's crash reaches every topic: the partitions it led lose their leader, and it
  // leaves the ISR of those it followed replica_lag_time_max later. One stopped by a drain has
  // left the ISRs it could already (drain()): only what it could not hand over loses its leader.
  void slot_down(Context& ctx, std::uint32_t b) override {
    sh_.dead_mask |= 1u << b;
    sh_.crash_seq[b] = sh_.seq;
    if (sh_.stopping == b) {
      sh_.shrink_at[b] = ctx.now();
      ++sh_.crash_gen[b];  // a shrink timer of an earlier crash no longer applies
    } else {
      sh_.shrink_at[b] = ctx.now() + spec_.lag_max;
      ctx.schedule(spec_.lag_max, isr_shrink_tag_, b | (++sh_.crash_gen[b] << 8));
      ++sh_.crashes;
    }
    for (auto& t : topics_) t->leader_down(ctx, b);
  }
  // It is back (restarted or repaired): it rejoins the ISRs and leads what has no leader.
  void slot_ready(Context& ctx, std::uint32_t b) override {
    if (sh_.alive(b)) return;
    sh_.dead_mask &= ~(1u << b);
    sh_.shrink_at[b] = kTimeMax;
    up_since_[b] = ctx.now();
    for (auto& t : topics_) t->broker_up(ctx, b);
  }

  // Every figure is declared at build time (declare_figures); what they read of the ledgers
  // is settled first, then the groups' assignments and the brokers' billing.
  void finish(Context& ctx, ComponentReport& r) override {
    for (auto& t : topics_) t->settle(ctx);
    for (auto& g : groups_) settle_group(ctx, *g);
    if (!names_[0].empty()) sum_ledgers();
    figures_.report(ctx, r);
    for (auto& g : groups_) r.add_text(g->prefix() + "assignment", g->assignment());
    pool_.report_billing(ctx, r);
    queue::declare_page(r.page());
  }

 private:
  static constexpr std::uint64_t kPoolStream = 1u << 20;  // the pool's draws: apart from the topics' streams (their index)

  void isr_shrink(Context& ctx, std::uint32_t b, std::uint64_t gen) {
    if (sh_.alive(b) || gen != sh_.crash_gen[b]) return;  // it came back (and maybe crashed again)
    for (auto& t : topics_) t->isr_shrink(ctx, b);
  }

  // A queue's group under groups.<name>., with its ledger over the topics it reads.
  void settle_group(Context& ctx, queue::Group& g) {
    std::uint64_t produced = 0, lost_before_log = 0, outbox = 0;
    for (auto& t : topics_)
      if (g.reads_topic(t->index())) {
        produced += t->produced();
        lost_before_log += t->lost_before_log();
        outbox += t->outbox_retained();
      }
    g.settle(ctx, produced, lost_before_log, outbox);
  }

  // With topics, the totals over every topic's own group and every group: a message read by
  // two groups counts once in each of their ledgers.
  void sum_ledgers() {
    GroupLedger sum;
    auto add = [&sum](const GroupLedger& l) {
      sum.produced += l.produced;
      sum.consumed += l.consumed;
      sum.dead_lettered += l.dead_lettered;
      sum.lost += l.lost;
      sum.retained += l.retained;
      sum.duplicates += l.duplicates;
      sum.order_violations += l.order_violations;
      sum.key_order_violations += l.key_order_violations;
      sum.lag += l.lag;
      sum.consumed_total += l.consumed_total;
    };
    for (auto& t : topics_) add(t->ledger());
    for (auto& g : groups_) add(g->settled());
    totals_ = sum;
  }

  // The figures in summary.json, in order: each topic's (its own group's), each group's, then
  // with topics the totals; finish() reports them.
  void declare_figures(BuildContext& bc) {
    figures_ = Figures(bc.metrics(), bc.id());
    Figures& f = figures_;
    for (auto& t : topics_) t->declare_figures(f);
    for (auto& g : groups_) g->declare_figures(f);
    if (names_[0].empty()) return;
    f.value("topic_count", [this] { return static_cast<double>(topics_.size()); });
    f.held("produced", totals_.produced);
    f.held("consumed", totals_.consumed);
    f.held("dead_lettered", totals_.dead_lettered);
    f.held("lost", totals_.lost);
    f.held("retained", totals_.retained);
    f.held("duplicates", totals_.duplicates);
    f.held("consumer_lag", totals_.lag);
    f.held("broker_crashes", sh_.crashes);
    f.held("order_violations", totals_.order_violations);
    f.held("key_order_violations", totals_.key_order_violations);
    f.derived("throughput_rps",
              [this](Context& ctx) { return totals_.consumed_total / to_seconds(ctx.end_time() - ctx.warmup()); });
  }

  queue::BrokerSpec spec_;
  queue::Brokers sh_;
  std::vector<std::unique_ptr<Topic>> topics_;
  std::vector<std::string> names_;  // "" for the one-topic shorthand
  Rng pool_rng_;     // the pool's own draws (none with a constant restart_time)
  ServerPool pool_;  // the brokers: slot = broker index
  std::vector<Time> up_since_;  // per broker: when it last became ready (a drain stops the oldest)
  std::uint16_t isr_shrink_tag_ = 0;  // own timers (the constructor takes them after the pool's)
  TagRange topic_tags_, group_tags_, reset_tags_;
  std::vector<queue::Group*> resetting_;  // groups with resets, by their reset tag
  std::vector<std::unique_ptr<queue::Group>> groups_;  // the queue's "groups" (topics own theirs)
  Figures figures_;  // every figure, reported by finish() in the order declared
  GroupLedger totals_;  // with topics: the sum of every ledger, at the end (sum_ledgers)
  std::uint16_t block_tag_ = 0;  // producers blocked too long (data: the topic's index)
  bool blocking_ = false;        // some topic makes producers wait (a bound with when_full "block")
};

}  // namespace

void register_queue(Registry& r) {
  const Status not_enough = r.add_cause("not_enough_replicas");  // Kafka's NotEnoughReplicasException
  r.add("queue", [not_enough](Params& p, BuildContext& bc) -> std::unique_ptr<Component> {
    return std::make_unique<Queue>(p, bc, not_enough);
  });
}

}  // namespace archsim
