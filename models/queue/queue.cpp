#include "models/queue/queue.h"

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>


#include "models/common/capabilities.h"
#include "models/queue/assignor.h"
#include "models/queue/partitioner.h"
#include "sim/describe.h"
#include "sim/pool.h"
#include "sim/results.h"
#include "sim/ring.h"

namespace archsim {
namespace {

enum Tag : std::uint16_t { kAck = 1, kWake, kResume, kTick, kCommit, kElect, kBrokerUp, kRelay, kIsrShrink };
enum class Acks : std::uint8_t { None, Leader, All };
enum class Delivery : std::uint8_t { AtMostOnce, AtLeastOnce, EffectivelyOnce };
constexpr std::uint32_t kNoBroker = UINT32_MAX;
constexpr Time kLagSample = kSecond;

struct Msg {
  RequestInfo req;
  Time published = 0, replicated = 0;
  CallId producer = kNoHandle;  // acks=all: the call answered once replicated
  std::uint64_t seq = 0;        // append order over the whole queue
  std::uint64_t offset = 0;
  std::uint64_t member = 0;     // serial of the member processing it
  std::uint32_t partition = 0;
  std::uint16_t attempts = 0;   // failed processings
  std::uint16_t topic = 0;      // index of its topic in the queue
  bool counted = false;         // in `produced`
  bool settled = false;         // consumed, dead-lettered or lost (once)
  bool truncated = false;       // cut from the log by a leader's crash
  bool in_log = false, inflight = false;
  std::uint32_t inflight_at = 0;  // index in Queue::inflight_ while inflight
  // A record of the business write in flight for `producer` (never in a log): before the
  // event is published (write first, outbox) or after its ack (publish first).
  enum class Write : std::uint8_t { None, Before, After } write = Write::None;
};

struct Partition {
  Ring<Handle> log;                // messages from offset `committed` on
  std::uint64_t committed = 0;     // the group's committed offset = offset of log.front()
  std::uint64_t position = 0;      // next offset to deliver
  std::uint64_t done = 0;          // offsets below were processed (or skipped), in order
  std::uint64_t last_seq = 0;      // seq of the last message processed first-time (order check)
  Time last_replicated = 0;        // replication is in order: the high watermark only grows
  Time blocked_until = 0;          // retry back-off
  Time elected_at = 0;             // a leader election in progress ends then
  Time offline_since = 0;          // when it last lost its leader (while !available)
  std::uint32_t leader = 0, last_leader = 0;
  std::uint32_t isr = 0;           // in-sync replicas, a bit per broker (the leader's included)
  std::int32_t owner = -1;         // member index
  bool available = true, busy = false;
  std::uint64_t end() const { return committed + log.size(); }
};

struct Member {
  std::uint64_t serial = 0;
  std::vector<std::uint32_t> parts;
  std::uint32_t rr = 0;
  std::uint32_t inflight = 0;
};

// What the topics of one queue share: the brokers (every topic's partitions are led and
// followed by them, so a broker's crash reaches them all), the append order (a broker's
// crash_seq compares messages of any topic) and the message pool (a reply's token names a
// message, whose `topic` says whose it is).
struct Brokers {
  std::uint32_t count = 1;
  std::vector<bool> alive;
  std::uint32_t dead_mask = 0;            // a bit per crashed broker
  std::vector<Time> shrink_at;            // per broker: when a crashed one leaves the ISRs
  std::vector<std::uint64_t> crash_seq;   // per broker: append order it had when it crashed
  std::vector<std::uint64_t> crash_gen;   // per broker: crashes so far (stale shrink timers)
  std::vector<std::pair<Time, std::uint32_t>> alive_changes;
  std::uint64_t seq = 0, crashes = 0;
  Pool<Msg> msgs;
};

// A topic's ledger at the end, for the queue's totals.
struct TopicLedger {
  std::uint64_t produced = 0, consumed = 0, dead_lettered = 0, lost = 0, retained = 0, duplicates = 0, order_violations = 0;
  double lag = 0, consumed_total = 0;
};

// One topic: its partitions, consumer group and ledger, on the queue's brokers. Broker-level
// fields are read from `p` (the queue's object), the topic's own from `tp` (one entry of
// "topics", or the queue's object itself for the one-topic shorthand). Its timers carry its
// index in the tag's high bits; figures are named `prefix` + name.
class Topic {
 public:
  Topic(Params& p, Params& tp, BuildContext& bc, Brokers& sh, std::uint16_t index, std::string prefix, Status not_enough_replicas)
      : msgs_(sh.msgs), seq_(sh.seq), alive_(sh.alive), dead_mask_(sh.dead_mask), shrink_at_(sh.shrink_at),
        crash_seq_(sh.crash_seq), broker_crashes_(sh.crashes), topic_(index), prefix_(std::move(prefix)),
        queue_index_(bc.index()), rng_(bc.rng(index)), not_enough_status_(not_enough_replicas) {
    work_queue_ = tp.choice("mode", "log", {"log", "work_queue"}) == "work_queue";
    partitions_ = static_cast<std::uint32_t>(tp.integer("partitions", work_queue_ ? 1 : 6, 1, 100000));
    if (work_queue_ && partitions_ != 1) tp.fail("partitions", "a work_queue has no partitions (give mode \"log\")");
    brokers_ = static_cast<std::uint32_t>(p.integer("replication_factor", 1, 1, 32));
    const Params::Value a = p.value("acks");
    std::string acks = a.shape() == Params::Shape::absent ? "1"
                       : a.as_integer()                   ? std::to_string(*a.as_integer())
                                                          : a.as_string().value_or("?");
    if (acks == "0") acks_ = Acks::None;
    else if (acks == "1") acks_ = Acks::Leader;
    else if (acks == "all" || acks == "-1") acks_ = Acks::All;
    else p.fail("acks", "expected \"0\", \"1\" or \"all\" (Kafka's producer acks)");
    if (auto c = tp.integer_or_null("capacity", 1, 1'000'000'000'000)) capacity_ = static_cast<std::uint64_t>(*c);
    block_ = tp.choice("when_full", "block", {"block", "drop"}) == "block";
    sticky_ = tp.choice("keyless", "sticky", {"sticky", "round_robin"}) == "sticky";
    sticky_batch_ = static_cast<std::uint32_t>(tp.integer("sticky_batch", 16, 1, 1'000'000));
    replication_ = p.distribution("replication_latency", Distribution::constant(from_seconds(0.001)));
    election_ = p.duration("leader_election", from_seconds(5));
    restart_ = p.duration("restart_time", from_seconds(60));
    // The ISR (Kafka's replica.lag.time.max.ms, min.insync.replicas, unclean.leader.election.enable).
    min_isr_ = static_cast<std::uint32_t>(p.integer("min_insync_replicas", 1, 1, 32));
    if (min_isr_ > brokers_)
      p.fail("min_insync_replicas", "cannot exceed replication_factor (" + std::to_string(brokers_) + ")");
    lag_max_ = p.duration("replica_lag_time_max", from_seconds(30), 1);
    unclean_ = p.boolean("unclean_leader_election", false);
    // The transactional outbox: events are written with the business write and relayed by a
    // poller (Debezium / a polling publisher), or written to the broker directly (dual write).
    std::string mode = tp.choice("publish_mode", tp.has("outbox") ? "outbox" : "dual_write", {"dual_write", "outbox"});
    outbox_ = mode == "outbox";
    poll_ = from_seconds(0.5);
    if (auto o = tp.object_opt("outbox")) poll_ = o->duration("poll_interval", poll_, 1);
    if (tp.has("outbox") && !outbox_) tp.fail("publish_mode", "\"dual_write\" has no outbox: drop \"outbox\" or say \"outbox\"");
    // The producer's business write, done here so that the queue sees both halves of the dual
    // write: {"call": "<component>", "route": "<route>", "timeout": "<duration>"}.
    if (auto w = tp.object_opt("business_write")) {
      has_write_ = true;
      if (!w->has("call")) w->missing("call");
      write_ref_ = bc.reference(*w, "call", RefKind::SyncCall);
      if (w->has("route")) {
        write_has_route_ = true;
        write_route_ = bc.route_index(w->string("route"));
      }
      write_timeout_ = w->duration("timeout", 0);
    }
    if (tp.has("dual_write_order")) {
      publish_first_ = tp.choice("dual_write_order", "write_first", {"write_first", "publish_first"}) == "publish_first";
      if (!has_write_) tp.fail("dual_write_order", "needs \"business_write\" (the write the event goes with)");
      if (outbox_) tp.fail("dual_write_order", "applies to publish_mode \"dual_write\" only (the outbox writes both at once)");
    }
    if (tp.has("route")) {
      has_route_ = true;
      route_ = bc.route_index(tp.string("route"));
    }
    if (work_queue_) {
      visibility_ = tp.duration("visibility_timeout", from_seconds(30), 1);
      prefetch_ = static_cast<std::uint32_t>(tp.integer("prefetch", 1, 1, 100000));
    } else {
      for (const char* k : {"visibility_timeout", "prefetch"})
        if (tp.has(k)) tp.fail(k, "applies to mode \"work_queue\" only");
    }
    if (auto c = tp.object_opt("consumers")) {
      has_group_ = true;
      if (!c->has("service")) c->missing("service");
      consumer_ = bc.reference(*c, "service", RefKind::AsyncCall);
      assignor_ = c->choice("assignor", "range", {"range", "round_robin"}) == "range" ? queue::Assignor::Range
                                                                                      : queue::Assignor::RoundRobin;
      std::string d = c->choice("delivery", "at_least_once", {"at_most_once", "at_least_once", "effectively_once"});
      delivery_ = d == "at_most_once" ? Delivery::AtMostOnce : d == "at_least_once" ? Delivery::AtLeastOnce : Delivery::EffectivelyOnce;
      max_retries_ = static_cast<std::uint32_t>(c->integer("max_retries", 3, 0, 1000));
      if (c->has("dead_letter")) {
        has_dlq_ = true;
        dlq_ = bc.reference(*c, "dead_letter", RefKind::AsyncSend);
        dlq_pointer_ = c->path("dead_letter");
      }
      pause_ = c->duration("rebalance_pause", from_seconds(3));
      commit_interval_ = c->duration("commit_interval", from_seconds(5));
      retry_backoff_ = c->duration("retry_backoff", from_seconds(0.1));
    }
    parts_.resize(partitions_);
    const std::uint32_t everyone = brokers_ == 32 ? UINT32_MAX : (1u << brokers_) - 1;
    // Topic t's partition i is led by broker (i + t) mod brokers: each topic starts one broker
    // further (Kafka starts each topic's replica assignment at a random broker).
    for (std::uint32_t i = 0; i < partitions_; ++i) {
      parts_[i].leader = (i + topic_) % brokers_;
      parts_[i].isr = everyone;
    }
    const std::string& id = bc.id();
    Metrics& m = bc.metrics();
    auto name = [&](const char* n) { return prefix_ + n; };
    produced_c_ = m.counter(id, name("produced"), name("produced_rps"));
    consumed_c_ = m.counter(id, name("consumed"), name("consumed_rps"));
    e2e_h_ = m.histogram(id, name("end_to_end"), name("end_to_end"));
    lag_g_ = m.gauge(id, name("consumer_lag"), name("consumer_lag"));
    lag_s_g_ = m.gauge(id, name("consumer_lag_s"), name("consumer_lag_s"));
    idle_g_ = m.gauge(id, name("idle_consumers"), name("idle_consumers"));
    isr_g_ = m.gauge(id, name("isr_min"), name("isr_min"));
    if (!work_queue_)
      for (std::uint32_t i = 0; i < partitions_; ++i) {
        std::string n = prefix_ + "partition_lag.p" + std::to_string(i);
        part_lag_g_.push_back(m.gauge(id, n, n));
      }
  }

  std::uint32_t brokers() const { return brokers_; }
  Time restart() const { return restart_; }
  Time lag_max() const { return lag_max_; }

  void connect(ConnectContext& cc) {
    if (has_group_) {
      scalable_ = capabilities_of(cc.target(consumer_)).scalable;
      if (!scalable_) cc.fail(consumer_, "must name a service (its ready instances are the consumer group's members)");
      stats_.reserve(1024);
    }
    if (has_dlq_ && cc.target(dlq_).type() != "queue") cc.fail(dlq_, "must name another queue component");
    if (has_dlq_ && cc.target_index(dlq_) == queue_index_) cc.fail(dlq_, "must name another queue, not this one");
  }

  void start(Context& ctx) {
    // The group forms once every component has started (the service's instances exist).
    if (has_group_) schedule(ctx, 0, kResume);
    schedule(ctx, kLagSample, kTick);
    if (outbox_) schedule(ctx, poll_, kRelay);
    if (has_group_ && !work_queue_ && commit_interval_ > 0 && delivery_ != Delivery::AtMostOnce)
      schedule(ctx, commit_interval_, kCommit);
  }

  // This topic's timers: its index above the tag's low 4 bits (Queue::on_timer routes them).
  void schedule(Context& ctx, Time delay, std::uint16_t tag, std::uint64_t data = 0) {
    ctx.schedule(delay, static_cast<std::uint16_t>(tag | (topic_ << 4)), data);
  }

  Handle new_msg() {
    Handle h = msgs_.alloc();
    msgs_[h].topic = topic_;
    return h;
  }

  // For `archsim analyze` (sim/describe.h): a broker delivering each message once to the
  // group. Producers that wait pay the replication with acks=all; consumers see a message
  // once replicated, and with the outbox after half a poll interval on average.
  void describe(Description& d) const {
    d.kind = Description::Kind::Broker;
    const double replication = brokers_ > 1 ? replication_.mean() / 1e9 : 0.0;
    d.ack_s = outbox_ ? 0.0 : acks_ == Acks::All ? replication : 0.0;
    d.delivery_delay_s = replication + (outbox_ ? to_seconds(poll_) / 2 : 0.0);
    d.has_consumers = has_group_;
    d.consumer = consumer_;
    d.consumer_same_route = !has_route_;
    d.consumer_route = route_;
    d.partitions = work_queue_ ? 0 : partitions_;
    d.prefetch = work_queue_ ? prefetch_ : 1;
  }

  // ---- producers ----

  void on_request(Context& ctx, CallId call) {
    if (has_group_ && group_started_) check_group(ctx);
    if (has_write_ && !publish_first_) return start_write(ctx, call, Msg::Write::Before);
    admit(ctx, call);
  }

  // The capacity check, then the publish (after the business write when it goes first).
  void admit(Context& ctx, CallId call) {
    if (capacity_ > 0 && held_ >= capacity_) {
      if (!block_) {
        ++dropped_;
        missing_event();
        ctx.reply(call, Status::Rejected);
        return;
      }
      blocked_.push(call);
      return;
    }
    publish(ctx, call);
  }

  // ---- the business write (business_write) ----

  void start_write(Context& ctx, CallId call, Msg::Write phase) {
    Handle h = new_msg();
    Msg& m = msgs_[h];
    m.req = ctx.request(call);
    if (write_has_route_) m.req.route = write_route_;
    m.req.write = true;
    m.producer = call;
    m.write = phase;
    ctx.call(write_ref_, m.req, h, write_timeout_);
  }

  // Write first (or the outbox's transaction): a failed write is answered, nothing published.
  // Publish first: the event is already acknowledged, so a failed write leaves it orphaned.
  // A write that timed out counts as failed (the queue cannot see whether it committed later).
  void write_reply(Context& ctx, Handle h, Status status) {
    const CallId call = msgs_[h].producer;
    const bool before = msgs_[h].write == Msg::Write::Before;
    msgs_.free(h);
    if (status == Status::Ok) {
      ++writes_;
      if (before) admit(ctx, call);
      else ctx.reply(call, Status::Ok);
      return;
    }
    ++writes_failed_;
    if (!before) ++events_without_write_;
    ctx.reply(call, status);
  }

  // The event the producer has just been promised is in the log (or the outbox): with publish
  // first the business write comes now, and the producer is answered after it.
  void acked(Context& ctx, CallId call) {
    if (has_write_ && publish_first_) start_write(ctx, call, Msg::Write::After);
    else ctx.reply(call, Status::Ok);
  }

  // An event that will not reach the log after its business write committed (write first).
  void missing_event() {
    if (has_write_ && !publish_first_) ++writes_without_event_;
  }

  void publish(Context& ctx, CallId call) {
    RequestInfo req = ctx.request(call);
    bool one_way = ctx.one_way(call);
    if (outbox_) {  // committed with the business write: the producer never sees the broker
      Handle h = new_msg();
      Msg& m = msgs_[h];
      m.req = req;
      m.published = ctx.now();
      m.in_log = true;
      outbox_q_.push(h);
      ++held_;
      count_produced(ctx, m);
      ctx.reply(call, Status::Ok);
      return;
    }
    std::uint32_t pi = pick_partition(req);
    if (pi == kNoBroker) {  // no partition has a leader
      if (acks_ == Acks::None || one_way) {
        ++produced_;
        ++lost_;
        ctx.metrics().add(produced_c_);
        acked(ctx, call);
      } else {
        ++refused_;
        missing_event();
        ctx.reply(call, Status::Unavailable);
      }
      return;
    }
    if (below_min_isr(parts_[pi])) {  // Kafka's broker refuses acks=all writes: NotEnoughReplicas
      ++not_enough_;
      if (one_way) {  // nobody hears the error: the event is gone
        ++produced_;
        ++lost_;
        ctx.metrics().add(produced_c_);
        acked(ctx, call);
      } else {
        missing_event();
        ctx.reply(call, not_enough_status_);
      }
      return;
    }
    Handle h = new_msg();
    msgs_[h].req = req;
    msgs_[h].published = ctx.now();
    append(ctx, h, pi);
    ++held_;
    Msg& m = msgs_[h];
    if (acks_ != Acks::All || one_way || m.replicated <= ctx.now()) {
      count_produced(ctx, m);
      acked(ctx, call);
    } else {
      m.producer = call;
      schedule(ctx, m.replicated - ctx.now(), kAck, h);
    }
    if (!has_group_) return;
    if (work_queue_) serve_work(ctx);
    else if (parts_[pi].owner >= 0) serve(ctx, static_cast<std::uint32_t>(parts_[pi].owner));
  }

  // Appends message `h` to partition `pi` (or the work queue) at the leader.
  void append(Context& ctx, Handle h, std::uint32_t pi) {
    Partition& p = parts_[pi];
    Msg& m = msgs_[h];
    Time lag = brokers_ > 1 ? replication_.sample_time(rng_) : 0;
    // The high watermark also waits for every in-sync follower, a crashed one included until
    // it is dropped from the ISR (replica_lag_time_max after its crash).
    m.replicated = std::max({after(ctx.now(), lag), p.last_replicated, isr_wait(p)});
    p.last_replicated = m.replicated;
    m.seq = ++seq_;
    m.partition = pi;
    m.offset = p.end();
    m.in_log = true;
    if (work_queue_) ready_.push(h);
    else p.log.push(h);
  }

  // The outbox relay's poll: every waiting event goes to its partition, or waits for the
  // next poll when the partition has no leader (nothing is lost while the broker is down).
  void relay(Context& ctx) {
    for (std::size_t n = outbox_q_.size(); n > 0; --n) {
      Handle h = outbox_q_.pop();
      std::uint32_t pi = pick_partition(msgs_[h].req);
      if (pi == kNoBroker || below_min_isr(parts_[pi])) {
        outbox_q_.push(h);
        continue;
      }
      append(ctx, h, pi);
      ++relayed_;
      if (!has_group_) continue;
      if (work_queue_) serve_work(ctx);
      else if (parts_[pi].owner >= 0) serve(ctx, static_cast<std::uint32_t>(parts_[pi].owner));
    }
  }

  std::uint32_t pick_partition(const RequestInfo& req) {
    if (req.has_key) {
      std::uint32_t pi = queue::partition_for_key(req.key, partitions_);
      return parts_[pi].available ? pi : kNoBroker;
    }
    if (sticky_) {
      if (sticky_left_ > 0 && parts_[sticky_part_].available) {
        --sticky_left_;
        return sticky_part_;
      }
      std::uint32_t avail = 0;
      for (const Partition& q : parts_) avail += q.available ? 1 : 0;
      if (avail == 0) return kNoBroker;
      bool exclude = avail > 1 && parts_[sticky_part_].available;
      std::uint64_t k = rng_.below(exclude ? avail - 1 : avail);
      for (std::uint32_t i = 0; i < partitions_; ++i) {
        if (!parts_[i].available || (exclude && i == sticky_part_)) continue;
        if (k-- == 0) {
          sticky_part_ = i;
          break;
        }
      }
      sticky_left_ = sticky_batch_ - 1;
      return sticky_part_;
    }
    for (std::uint32_t n = 0; n < partitions_; ++n) {
      std::uint32_t pi = rr_next_;
      rr_next_ = (rr_next_ + 1) % partitions_;
      if (parts_[pi].available) return pi;
    }
    return kNoBroker;
  }

  // acks=all writes need min_insync_replicas in the partition's ISR (Kafka checks at append).
  bool below_min_isr(const Partition& p) const {
    return acks_ == Acks::All && static_cast<std::uint32_t>(__builtin_popcount(p.isr)) < min_isr_;
  }

  // When the crashed followers still in the ISR leave it: the high watermark waits for them.
  Time isr_wait(const Partition& p) const {
    std::uint32_t waiting = p.isr & dead_mask_;
    Time t = 0;
    for (std::uint32_t b = 0; waiting != 0; ++b, waiting >>= 1)
      if (waiting & 1u) t = std::max(t, shrink_at_[b]);
    return t;
  }

  void count_produced(Context& ctx, Msg& m) {
    m.counted = true;
    ++produced_;
    ctx.metrics().add(produced_c_);
  }

  // ---- consumers (log mode) ----

  void serve(Context& ctx, std::uint32_t mi) {
    Member& m = members_[mi];
    if (m.inflight > 0 || ctx.now() < resume_at_ || m.parts.empty()) return;
    std::size_t n = m.parts.size();
    for (std::size_t k = 0; k < n; ++k) {
      std::uint32_t pi = m.parts[(m.rr + k) % n];
      if (try_deliver(ctx, mi, pi)) {
        m.rr = static_cast<std::uint32_t>((m.rr + k + 1) % n);
        return;
      }
    }
  }

  bool try_deliver(Context& ctx, std::uint32_t mi, std::uint32_t pi) {
    Partition& p = parts_[pi];
    if (p.busy || !p.available) return false;
    if (ctx.now() < p.blocked_until) {
      wake(ctx, p.blocked_until);
      return false;
    }
    while (p.position < p.end()) {
      Handle h = p.log.at(p.position - p.committed);
      Msg& msg = msgs_[h];
      if (msg.truncated || (msg.settled && delivery_ == Delivery::EffectivelyOnce)) {
        if (!msg.truncated) ++suppressed_;
        if (p.done == p.position) ++p.done;
        ++p.position;
        continue;
      }
      if (msg.replicated > ctx.now()) {  // above the high watermark: not readable yet
        wake(ctx, msg.replicated);
        return false;
      }
      Member& m = members_[mi];
      set_inflight(h, true);
      msg.member = m.serial;
      p.busy = true;
      ++m.inflight;
      ++p.position;
      if (msg.settled) ++redelivered_processed_;
      RequestInfo req = msg.req;
      if (has_route_) req.route = route_;
      req.deadline = kTimeMax;
      if (delivery_ == Delivery::AtMostOnce) commit(ctx, p, p.position);  // before processing
      ctx.call(consumer_, req, h);
      return true;
    }
    return false;
  }

  void on_reply(Context& ctx, CallId, Status status, std::uint64_t token) {
    Handle h = token;
    if (msgs_[h].write != Msg::Write::None) return write_reply(ctx, h, status);
    set_inflight(h, false);
    Msg& msg = msgs_[h];
    std::int32_t mi = member_of(msg.member);
    if (mi >= 0 && members_[mi].inflight > 0) --members_[mi].inflight;
    if (work_queue_) return work_reply(ctx, h, status);
    Partition& p = parts_[msg.partition];
    p.busy = false;
    std::uint64_t off = msg.offset;
    bool advance = false;
    if (status == Status::Ok) {
      if (!msg.settled) {
        settle_consumed(ctx, msg, p);
      } else {
        ++duplicates_;
      }
      advance = true;
    } else if (delivery_ == Delivery::AtMostOnce) {
      if (!msg.settled) settle(msg, lost_at_consumer_);
      advance = true;
    } else if (status == Status::Dropped) {  // the instance died holding it: deliver again
      rewind(p, off);
      ++redelivered_;
    } else if (++msg.attempts > max_retries_) {
      if (has_dlq_) dead_letter(ctx, msg.req);
      if (!msg.settled) settle(msg, dead_lettered_);
      advance = true;
    } else {
      ++retries_;
      rewind(p, off);
      p.blocked_until = ctx.now() + retry_backoff_;
    }
    if (advance && p.done == off && p.position > off) p.done = off + 1;
    if (delivery_ != Delivery::AtMostOnce && commit_interval_ == 0) commit(ctx, p, std::min(p.done, p.position));
    release(h);
    check_group(ctx);
    if (mi >= 0 && static_cast<std::size_t>(mi) < members_.size()) serve(ctx, static_cast<std::uint32_t>(mi));
    if (p.owner >= 0 && p.owner != mi) serve(ctx, static_cast<std::uint32_t>(p.owner));
  }

  void settle_consumed(Context& ctx, Msg& msg, Partition& p) {
    settle(msg, consumed_);
    ctx.metrics().add(consumed_c_);
    ctx.metrics().record(e2e_h_, ctx.now() - msg.published);
    if (msg.seq < p.last_seq) ++order_violations_;
    p.last_seq = std::max(p.last_seq, msg.seq);
  }

  void settle(Msg& msg, std::uint64_t& counter) {
    msg.settled = true;
    if (msg.counted) ++counter;
  }

  static void rewind(Partition& p, std::uint64_t to) {
    p.position = std::min(p.position, std::max(to, p.committed));
    p.done = std::min(p.done, p.position);
  }

  // Commits the partition up to `upto`: the messages below leave the log.
  void commit(Context& ctx, Partition& p, std::uint64_t upto) {
    while (p.committed < upto && !p.log.empty()) {
      Handle h = p.log.pop();
      ++p.committed;
      msgs_[h].in_log = false;
      release(h);
    }
    p.done = std::max(p.done, p.committed);
    admit_blocked(ctx);
  }

  // A dead letter goes to the dead-letter queue's first topic.
  void dead_letter(Context& ctx, RequestInfo req) {
    req.topic = 0;
    ctx.send(dlq_, req);
  }

  void set_inflight(Handle h, bool on) {
    Msg& m = msgs_[h];
    if (on == m.inflight) return;
    m.inflight = on;
    if (on) {
      m.inflight_at = static_cast<std::uint32_t>(inflight_.size());
      inflight_.push_back(h);
    } else {
      Handle last = inflight_.back();
      inflight_[m.inflight_at] = last;
      msgs_[last].inflight_at = m.inflight_at;
      inflight_.pop_back();
    }
  }

  // A message leaves the pool once it is neither in a log nor being processed.
  void release(Handle h) {
    if (!msgs_.valid(h)) return;  // already released (a commit freed it first)
    Msg& m = msgs_[h];
    if (m.in_log || m.inflight) return;
    if (m.producer != kNoHandle) return;  // its ack timer still refers to it
    msgs_.free(h);
    --held_;
  }

  void admit_blocked(Context& ctx) {
    while (!blocked_.empty() && (capacity_ == 0 || held_ < capacity_)) {
      CallId call = blocked_.pop();
      // A producer that gave up waiting (Kafka's max.block.ms) sent nothing.
      if (!ctx.one_way(call) && ctx.abandoned(call)) {
        ++expired_;
        missing_event();
        ctx.reply(call, Status::Timeout);
        continue;
      }
      publish(ctx, call);
    }
  }

  std::int32_t member_of(std::uint64_t serial) const {
    for (std::size_t i = 0; i < members_.size(); ++i)
      if (members_[i].serial == serial) return static_cast<std::int32_t>(i);
    return -1;
  }

  // One wake-up timer counts: the earliest asked for. A later one it replaced fires stale
  // and does nothing; whoever still waits asks again when the earliest one serves them.
  void wake(Context& ctx, Time at) {
    if (wake_pending_ && wake_at_ <= at) return;
    wake_pending_ = true;
    wake_at_ = at;
    schedule(ctx, std::max<Time>(0, at - ctx.now()), kWake, static_cast<std::uint64_t>(at));
  }

  void serve_all(Context& ctx) {
    if (!has_group_) return;
    if (work_queue_) return serve_work(ctx);
    for (std::uint32_t i = 0; i < members_.size(); ++i) serve(ctx, i);
  }

  // ---- the group: membership and rebalances ----

  void check_group(Context& ctx) {
    std::uint32_t ready = scalable_->ready_replicas();
    if (ready == known_ready_) return;
    known_ready_ = ready;
    rebalance(ctx);
  }

  void rebalance(Context& ctx) {
    bool initial = !group_started_;
    group_started_ = true;
    scalable_->instance_stats(ctx.now(), stats_);
    serials_.clear();
    for (const InstanceStat& s : stats_)
      if (s.ready) serials_.push_back(s.serial);
    std::sort(serials_.begin(), serials_.end());
    std::uint32_t desired = scalable_->replicas();
    bool graceful = desired < last_desired_;  // a scale-in: leaving members commit first
    last_desired_ = desired;
    if (work_queue_) {  // competing consumers: no assignment, only the count of members
      std::vector<Member> next(serials_.size());
      for (std::size_t i = 0; i < serials_.size(); ++i) {
        next[i].serial = serials_[i];
        std::int32_t o = member_of(serials_[i]);
        if (o >= 0) next[i].inflight = members_[o].inflight;
      }
      members_.swap(next);
      serve_work(ctx);
      return;
    }
    for (Member& m : members_) {
      bool stays = std::binary_search(serials_.begin(), serials_.end(), m.serial);
      if (!stays && !graceful && !initial) {
        ++member_crashes_;
        for (std::uint32_t pi : m.parts) rewind(parts_[pi], parts_[pi].committed);
      }
    }
    for (Partition& p : parts_) {
      if (delivery_ != Delivery::AtMostOnce) commit(ctx, p, std::min(p.done, p.position));
      p.owner = -1;
    }
    // Keep in-flight counts of members that stay; the new ones start idle.
    std::vector<std::uint32_t>& keep = old_members_;
    keep.assign(serials_.size(), 0);
    for (std::size_t i = 0; i < serials_.size(); ++i) {
      std::int32_t o = member_of(serials_[i]);
      if (o >= 0) keep[i] = members_[o].inflight;
    }
    members_.resize(serials_.size());
    for (std::size_t i = 0; i < serials_.size(); ++i) {
      members_[i].serial = serials_[i];
      members_[i].inflight = keep[i];
      members_[i].rr = 0;
    }
    queue::assign(assignor_, {partitions_}, static_cast<std::uint32_t>(members_.size()), assignment_);
    std::uint32_t idle = 0;
    for (std::size_t i = 0; i < members_.size(); ++i) {
      members_[i].parts.clear();
      for (const queue::TopicPartition& tp : assignment_[i]) {
        members_[i].parts.push_back(tp.partition);
        parts_[tp.partition].owner = static_cast<std::int32_t>(i);
      }
      if (members_[i].parts.empty()) ++idle;
    }
    idle_ = idle;
    ctx.metrics().set(idle_g_, idle, ctx.now());
    if (initial) {
      serve_all(ctx);
      return;
    }
    ++rebalances_;
    resume_at_ = ctx.now() + pause_;
    schedule(ctx, pause_, kResume);
  }

  // ---- work_queue mode ----

  void serve_work(Context& ctx) {
    std::size_t n = members_.size();
    if (n == 0) return;
    for (std::size_t tries = 0; tries < n && !ready_.empty(); ++tries) {
      Member& m = members_[work_rr_ % n];
      if (m.inflight >= prefetch_) {
        work_rr_ = (work_rr_ + 1) % n;
        continue;
      }
      Handle h = ready_.front();
      Msg& msg = msgs_[h];
      if (msg.settled && delivery_ == Delivery::EffectivelyOnce) {  // a late first delivery already did it
        ready_.pop();
        ++suppressed_;
        msg.in_log = false;
        release(h);
        tries = 0;
        continue;
      }
      if (msg.replicated > ctx.now()) {
        wake(ctx, msg.replicated);
        return;
      }
      ready_.pop();
      msg.in_log = false;
      set_inflight(h, true);
      msg.member = m.serial;
      ++m.inflight;
      RequestInfo req = msg.req;
      if (has_route_) req.route = route_;
      req.deadline = kTimeMax;
      ctx.call(consumer_, req, h, visibility_);
      tries = 0;  // the same member may take more, up to its prefetch
    }
  }

  void work_reply(Context& ctx, Handle h, Status status) {
    Msg& msg = msgs_[h];
    if (status == Status::Ok) {
      if (!msg.settled) {
        settle(msg, consumed_);
        ctx.metrics().add(consumed_c_);
        ctx.metrics().record(e2e_h_, ctx.now() - msg.published);
      } else {
        ++duplicates_;
      }
    } else if (status == Status::Timeout) {  // the visibility timeout: visible again, the work goes on
      if (delivery_ == Delivery::EffectivelyOnce) ++suppressed_;
      else ++duplicates_;
      ++redelivered_;
      requeue(h);
    } else if (delivery_ == Delivery::AtMostOnce) {
      if (!msg.settled) settle(msg, lost_at_consumer_);
    } else if (status == Status::Dropped) {
      ++redelivered_;
      requeue(h);
    } else if (++msg.attempts > max_retries_) {
      if (has_dlq_) dead_letter(ctx, msg.req);
      if (!msg.settled) settle(msg, dead_lettered_);
    } else {
      ++retries_;
      requeue(h);
    }
    release(h);
    admit_blocked(ctx);
    check_group(ctx);
    serve_work(ctx);
  }

  void requeue(Handle h) {
    msgs_[h].in_log = true;
    ready_.push(h);
  }

  // ---- timers ----

  void on_timer(Context& ctx, std::uint16_t tag, std::uint64_t data) {
    switch (tag) {
      case kAck: {
        Handle h = data;
        if (!msgs_.valid(h)) return;
        Msg& m = msgs_[h];
        if (m.producer == kNoHandle) return;  // truncated before it was replicated
        CallId call = m.producer;
        m.producer = kNoHandle;
        count_produced(ctx, m);  // in the log either way: consumers read it
        if (below_min_isr(parts_[m.partition])) {
          // Replicated, but the ISR shrank below min_insync_replicas meanwhile: Kafka answers
          // NotEnoughReplicasAfterAppend (Partition.checkEnoughReplicasReachOffset). Publish
          // first, the write is not made: an event without its write.
          ++not_enough_after_;
          if (has_write_ && publish_first_) ++events_without_write_;
          ctx.reply(call, not_enough_status_);
        } else {
          acked(ctx, call);
        }
        release(h);
        return;
      }
      case kWake:
        if (!wake_pending_ || static_cast<Time>(data) != wake_at_) return;  // replaced by an earlier one
        wake_pending_ = false;
        serve_all(ctx);
        return;
      case kResume:
        if (has_group_ && !group_started_) check_group(ctx);
        if (ctx.now() >= resume_at_) serve_all(ctx);
        return;
      case kTick:
        if (has_group_ && group_started_) check_group(ctx);
        sample_lag(ctx);
        if (ctx.now() + kLagSample <= ctx.end_time()) schedule(ctx, kLagSample, kTick);
        return;
      case kCommit:
        for (Partition& p : parts_) commit(ctx, p, std::min(p.done, p.position));
        if (ctx.now() + commit_interval_ <= ctx.end_time()) schedule(ctx, commit_interval_, kCommit);
        return;
      case kElect:
        elect(ctx, static_cast<std::uint32_t>(data));
        return;
      case kRelay:
        relay(ctx);
        if (ctx.now() + poll_ <= ctx.end_time()) schedule(ctx, poll_, kRelay);
        return;
    }
  }

  void sample_lag(Context& ctx) {
    double total = 0, oldest = 0;
    if (work_queue_) {
      total = static_cast<double>(ready_.size());
      if (!ready_.empty()) oldest = to_seconds(ctx.now() - msgs_[ready_.front()].published);
    } else {
      for (std::uint32_t i = 0; i < partitions_; ++i) {
        Partition& p = parts_[i];
        double lag = static_cast<double>(p.end() - p.position);
        ctx.metrics().set(part_lag_g_[i], lag, ctx.now());
        total += lag;
        if (p.position < p.end())
          oldest = std::max(oldest, to_seconds(ctx.now() - msgs_[p.log.at(p.position - p.committed)].published));
      }
    }
    ctx.metrics().set(lag_g_, total, ctx.now());
    ctx.metrics().set(lag_s_g_, oldest, ctx.now());
    std::uint32_t smallest = brokers_;
    for (const Partition& p : parts_) smallest = std::min(smallest, static_cast<std::uint32_t>(__builtin_popcount(p.isr)));
    ctx.metrics().set(isr_g_, smallest, ctx.now());
  }

  // ---- brokers (Queue calls these for every topic) ----

  // Broker `b` crashed: the partitions it led lose their leader until an election.
  void leader_down(Context& ctx, std::uint32_t b) {
    for (std::uint32_t pi = 0; pi < partitions_; ++pi) {
      Partition& p = parts_[pi];
      if (p.leader != b || !p.available) continue;
      p.available = false;
      p.offline_since = ctx.now();
      p.last_leader = b;
      p.leader = kNoBroker;
      p.elected_at = ctx.now() + election_;
      truncate_unreplicated(ctx, p);
      schedule(ctx, election_, kElect, pi);
    }
  }

  // The new leader has only what was replicated: the tail above the high watermark is gone.
  void truncate_unreplicated(Context& ctx, Partition& p) {
    std::uint64_t off = p.end();
    while (off > p.position && off > p.committed) {
      --off;
      Msg& m = msgs_[p.log.at(off - p.committed)];
      if (m.replicated <= ctx.now()) break;
      if (m.truncated) continue;
      m.truncated = true;
      if (outbox_ && acks_ == Acks::All) {  // the relay was not acknowledged: it sends it again
        Handle again = new_msg();
        Msg& copy = msgs_[again];
        Msg& old = msgs_[p.log.at(off - p.committed)];
        copy.req = old.req;
        copy.published = old.published;
        copy.counted = true;
        copy.in_log = true;
        old.counted = false;
        outbox_q_.push(again);
        ++held_;
        ++aborted_;
      } else if (m.counted) {
        settle(m, lost_);
      } else if (m.producer != kNoHandle) {  // acks=all: never acknowledged, the producer is told
        CallId call = m.producer;
        m.producer = kNoHandle;
        ++aborted_;
        missing_event();
        ctx.reply(call, Status::Unavailable);
      }
    }
    p.last_replicated = ctx.now();
  }

  // A crashed follower leaves the ISR of the partitions it follows replica_lag_time_max after
  // its crash (the leader's ISR shrink). Partitions without a leader keep theirs: nobody
  // shrinks it, and their last in-sync replicas stay the ones eligible for a clean election.
  void isr_shrink(Context& ctx, std::uint32_t b) {
    for (Partition& p : parts_) {
      if (!p.available || !(p.isr & (1u << b)) || p.leader == b) continue;
      p.isr &= ~(1u << b);
      ++isr_shrinks_;
    }
    if (has_group_) serve_all(ctx);  // the high watermark moves on
  }

  // Leader election from the partition's ISR (Kafka's controller, unclean election off): the
  // first live in-sync replica leads and the old leader leaves the ISR. With none alive the
  // partition stays offline until one returns, unless unclean_leader_election lets a live
  // out-of-sync replica lead: what it lacks (appended after its crash) is gone, acks=all too.
  void elect(Context& ctx, std::uint32_t pi) {
    Partition& p = parts_[pi];
    if (p.available) return;
    std::uint32_t chosen = kNoBroker;
    for (std::uint32_t j = 0; j < brokers_ && chosen == kNoBroker; ++j) {
      std::uint32_t b = (pi + topic_ + j) % brokers_;
      if (alive_[b] && (p.isr & (1u << b))) chosen = b;
    }
    if (chosen != kNoBroker) {
      if (p.isr != (1u << p.last_leader)) p.isr &= ~(1u << p.last_leader);
      p.isr |= 1u << chosen;
    } else if (unclean_) {
      for (std::uint32_t j = 0; j < brokers_ && chosen == kNoBroker; ++j)
        if (alive_[(pi + topic_ + j) % brokers_]) chosen = (pi + topic_ + j) % brokers_;
      if (chosen == kNoBroker) return;
      ++unclean_elections_;
      truncate_after(ctx, p, crash_seq_[chosen]);
      p.isr = 1u << chosen;
    } else {
      return;
    }
    p.leader = chosen;
    p.available = true;
    offline_s_ += to_seconds(ctx.now() - p.offline_since);
    ++elections_;
    if (has_group_ && p.owner >= 0 && !work_queue_) serve(ctx, static_cast<std::uint32_t>(p.owner));
  }

  // An unclean leader has the partition's log only up to append order `seq`: the rest is cut,
  // committed or not (the acknowledged ones are lost, acks=all's included).
  void truncate_after(Context& ctx, Partition& p, std::uint64_t seq) {
    std::uint64_t off = p.end();
    while (off > p.position && off > p.committed) {  // what consumers already read stays read
      --off;
      Msg& m = msgs_[p.log.at(off - p.committed)];
      if (m.seq <= seq) break;
      if (m.truncated) continue;
      m.truncated = true;
      if (m.counted && !m.settled) {
        settle(m, lost_);
        ++lost_unclean_;
      } else if (m.producer != kNoHandle) {
        CallId call = m.producer;
        m.producer = kNoHandle;
        ++aborted_;
        missing_event();
        ctx.reply(call, Status::Unavailable);
      }
    }
    p.last_replicated = ctx.now();
  }

  // Broker `b` returned: it catches up from the leaders (the time it takes is not modelled)
  // and rejoins their ISR; partitions with no replica left come back with it (their log
  // survived on disk).
  void broker_up(Context& ctx, std::uint32_t b) {
    for (Partition& p : parts_) {
      if (!p.available || (p.isr & (1u << b))) continue;
      p.isr |= 1u << b;
      ++isr_expands_;
    }
    for (std::uint32_t pi = 0; pi < partitions_; ++pi)
      if (!parts_[pi].available && ctx.now() >= parts_[pi].elected_at) elect(ctx, pi);
  }

  // ---- end of run ----

  TopicLedger finish(Context& ctx, ComponentReport& r) {
    sample_lag(ctx);
    std::uint64_t retained = 0;
    auto count = [&](Handle h) {
      const Msg& m = msgs_[h];
      if (m.counted && !m.settled) ++retained;
    };
    std::uint64_t inflight_unsettled = 0;  // counted apart: they are in no log
    for (std::size_t i = 0; i < outbox_q_.size(); ++i) count(outbox_q_.at(i));
    if (work_queue_) {
      for (std::size_t i = 0; i < ready_.size(); ++i) count(ready_.at(i));
    } else {
      for (Partition& p : parts_)
        for (std::size_t i = 0; i < p.log.size(); ++i) count(p.log.at(i));
    }
    // Deliveries in flight that already left the log (at-most-once, work queue).
    for (Handle h : inflight_) {
      const Msg& m = msgs_[h];
      if (!m.in_log && m.counted && !m.settled) ++inflight_unsettled;
    }
    retained += inflight_unsettled;
    Metrics& mt = ctx.metrics();
    r.add(prefix_ + "produced", static_cast<double>(produced_));
    r.add(prefix_ + "consumed", static_cast<double>(consumed_));
    r.add(prefix_ + "dead_lettered", static_cast<double>(dead_lettered_));
    r.add(prefix_ + "lost", static_cast<double>(lost_ + lost_at_consumer_));
    r.add(prefix_ + "lost_at_broker", static_cast<double>(lost_));
    r.add(prefix_ + "lost_at_consumer", static_cast<double>(lost_at_consumer_));
    r.add(prefix_ + "retained", static_cast<double>(retained));
    r.add(prefix_ + "duplicates", static_cast<double>(duplicates_));
    r.add(prefix_ + "duplicates_suppressed", static_cast<double>(suppressed_));
    r.add(prefix_ + "redelivered", static_cast<double>(redelivered_));
    r.add(prefix_ + "retries", static_cast<double>(retries_));
    r.add(prefix_ + "dropped", static_cast<double>(dropped_));
    r.add(prefix_ + "refused", static_cast<double>(refused_));
    r.add(prefix_ + "aborted", static_cast<double>(aborted_));
    r.add(prefix_ + "blocked_producers", static_cast<double>(blocked_.size()));
    r.add(prefix_ + "expired", static_cast<double>(expired_));
    // Dual write: business writes whose event never reached the broker (refused, or lost
    // after the ack, or not acknowledged). With the outbox, events wait instead.
    if (!outbox_) r.add(prefix_ + "events_missing", static_cast<double>(refused_ + lost_ + aborted_ + not_enough_));
    // With the business write here both halves of the dual write are seen: a committed write
    // whose event was refused, given up or lost at the broker (write first; the outbox only
    // loses relayed events a leader's crash cut with acks 0/1), and an acknowledged event
    // whose write then failed (publish first).
    if (has_write_) {
      r.add(prefix_ + "business_writes", static_cast<double>(writes_));
      r.add(prefix_ + "business_writes_failed", static_cast<double>(writes_failed_));
      r.add(prefix_ + "writes_without_event", static_cast<double>(writes_without_event_ + lost_));
      r.add(prefix_ + "events_without_write", static_cast<double>(events_without_write_));
    }
    if (outbox_) {
      r.add(prefix_ + "outbox_relayed", static_cast<double>(relayed_));
      r.add(prefix_ + "outbox_waiting", static_cast<double>(outbox_q_.size()));
    }
    r.add(prefix_ + "consumer_lag", mt.value(lag_g_));
    r.add(prefix_ + "consumer_lag_mean", mt.average(lag_g_, ctx.end_time()));
    r.add(prefix_ + "consumer_lag_s", mt.value(lag_s_g_));
    if (!work_queue_)
      for (std::uint32_t i = 0; i < partitions_; ++i)
        r.add(prefix_ + "partition_lag.p" + std::to_string(i), mt.value(part_lag_g_[i]));
    r.add(prefix_ + "members", static_cast<double>(members_.size()));
    r.add(prefix_ + "idle_consumers", static_cast<double>(idle_));
    r.add(prefix_ + "rebalances", static_cast<double>(rebalances_));
    r.add(prefix_ + "member_crashes", static_cast<double>(member_crashes_));
    if (prefix_.empty()) r.add("broker_crashes", static_cast<double>(broker_crashes_));
    r.add(prefix_ + "leader_elections", static_cast<double>(elections_));
    r.add(prefix_ + "not_enough_replicas", static_cast<double>(not_enough_));
    r.add(prefix_ + "not_enough_replicas_after_append", static_cast<double>(not_enough_after_));
    r.add(prefix_ + "isr_shrinks", static_cast<double>(isr_shrinks_));
    r.add(prefix_ + "isr_expands", static_cast<double>(isr_expands_));
    r.add(prefix_ + "isr_min", mt.value(isr_g_));
    r.add(prefix_ + "unclean_elections", static_cast<double>(unclean_elections_));
    r.add(prefix_ + "lost_unclean", static_cast<double>(lost_unclean_));
    double offline = offline_s_;
    std::uint32_t offline_now = 0;
    for (const Partition& p : parts_)
      if (!p.available) {
        offline += to_seconds(ctx.end_time() - p.offline_since);
        ++offline_now;
      }
    r.add(prefix_ + "partition_offline_s", offline);
    r.add(prefix_ + "offline_partitions", static_cast<double>(offline_now));
    r.add(prefix_ + "order_violations", static_cast<double>(order_violations_));
    double measured = to_seconds(ctx.end_time() - ctx.warmup());
    r.add(prefix_ + "throughput_rps", static_cast<double>(mt.total(consumed_c_)) / measured);
    r.add_latency(prefix_ + "end_to_end_ms", mt.whole(e2e_h_));
    TopicLedger l;
    l.produced = produced_;
    l.consumed = consumed_;
    l.dead_lettered = dead_lettered_;
    l.lost = lost_ + lost_at_consumer_;
    l.retained = retained;
    l.duplicates = duplicates_;
    l.order_violations = order_violations_;
    l.lag = mt.value(lag_g_);
    l.consumed_total = static_cast<double>(mt.total(consumed_c_));
    return l;
  }
  // ---- state ----
  // Shared with the queue's other topics (Brokers).
  Pool<Msg>& msgs_;
  std::uint64_t& seq_;
  const std::vector<bool>& alive_;
  const std::uint32_t& dead_mask_;
  const std::vector<Time>& shrink_at_;
  const std::vector<std::uint64_t>& crash_seq_;
  const std::uint64_t& broker_crashes_;
  std::uint16_t topic_ = 0;
  std::string prefix_;
  std::uint32_t queue_index_ = 0;

  bool work_queue_ = false;
  std::uint32_t partitions_ = 1, brokers_ = 1;
  Acks acks_ = Acks::Leader;
  std::uint64_t capacity_ = 0;
  bool block_ = true, sticky_ = true;
  std::uint32_t sticky_batch_ = 16, sticky_left_ = 0, sticky_part_ = 0, rr_next_ = 0;
  Distribution replication_;
  Time election_ = 0, restart_ = 0, visibility_ = 0;
  std::uint32_t prefetch_ = 1;
  bool has_route_ = false;
  std::uint32_t route_ = 0;
  bool has_group_ = false, has_dlq_ = false;
  RefId consumer_ = 0, dlq_ = 0;
  std::string dlq_pointer_;
  queue::Assignor assignor_ = queue::Assignor::Range;
  Delivery delivery_ = Delivery::AtLeastOnce;
  std::uint32_t max_retries_ = 3;
  Time pause_ = 0, commit_interval_ = 0, retry_backoff_ = 0;

  Rng rng_;
  std::vector<Partition> parts_;
  Ring<Handle> ready_;       // work_queue: visible messages
  Ring<CallId> blocked_;     // producers waiting for room (when_full "block")
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
  std::vector<std::vector<queue::TopicPartition>> assignment_;
  std::vector<InstanceStat> stats_;
  std::vector<std::uint64_t> serials_;
  std::vector<std::uint32_t> old_members_;
  std::vector<Handle> inflight_;  // messages being processed (unordered; Msg::inflight_at)
  Scalable* scalable_ = nullptr;
  std::uint32_t known_ready_ = UINT32_MAX, last_desired_ = 0, idle_ = 0, work_rr_ = 0;
  bool group_started_ = false, wake_pending_ = false;
  Time resume_at_ = 0, wake_at_ = 0;
  std::uint32_t min_isr_ = 1;
  Time lag_max_ = 0;
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


// The queue component: the brokers and their topics. Without "topics" the queue's own object
// is its one topic (figures unprefixed, as before topics existed); with "topics" every entry
// is one, reported under topics.<name>, and the queue reports the ledger's totals.
class Queue final : public Component, public HasCapabilities, public Crashable, public Topics {
 public:
  Queue(Params& p, BuildContext& bc, Status not_enough_replicas) {
    if (p.has("topics")) {
      // Fields of a topic belong to its entry: said here rather than as unknown fields.
      for (const char* k : {"consumers", "partitions", "mode", "capacity", "when_full", "keyless", "sticky_batch", "route",
                            "publish_mode", "outbox", "business_write", "dual_write_order", "visibility_timeout", "prefetch"})
        if (p.has(k))
          p.fail(k, std::string(k == std::string("consumers") ? "a consumer group belongs to a topic" : "a topic's field") +
                        ": with \"topics\", give it in a topic's entry");
      std::vector<Params> list = p.objects("topics");
      if (list.empty()) p.fail("topics", "expected a non-empty array of {\"name\": ..., ...}");
      if (list.size() > 4096) p.fail("topics", "at most 4096 topics");
      for (std::size_t i = 0; i < list.size(); ++i) {
        Params& tp = list[i];
        if (!tp.has("name")) tp.missing("name");
        std::string name = tp.string("name");
        if (name.empty() || name.find('.') != std::string::npos || name.find('/') != std::string::npos)
          tp.fail("name", "a topic's name is non-empty, without '.' or '/'");
        if (std::find(names_.begin(), names_.end(), name) != names_.end())
          tp.fail("name", "duplicate topic name \"" + name + "\"");
        names_.push_back(name);
        topics_.push_back(std::make_unique<Topic>(p, tp, bc, sh_, static_cast<std::uint16_t>(i), "topics." + name + ".",
                                                  not_enough_replicas));
      }
    } else {
      names_.push_back("");
      topics_.push_back(std::make_unique<Topic>(p, p, bc, sh_, 0, "", not_enough_replicas));
    }
    const std::uint32_t brokers = topics_[0]->brokers();
    sh_.count = brokers;
    sh_.alive.assign(brokers, true);
    sh_.shrink_at.assign(brokers, kTimeMax);
    sh_.crash_seq.assign(brokers, 0);
    sh_.crash_gen.assign(brokers, 0);
    sh_.alive_changes.push_back({0, brokers});
    restart_ = topics_[0]->restart();
    lag_max_ = topics_[0]->lag_max();
  }

  Capabilities capabilities() override {
    Capabilities c;
    c.crashable = this;
    if (!names_[0].empty()) c.topics = this;
    return c;
  }

  // Topics: a request's `topic` is the index of a name.
  int topic_index(std::string_view name) const override {
    for (std::size_t i = 0; i < names_.size(); ++i)
      if (names_[i] == name) return static_cast<int>(i);
    return -1;
  }
  std::vector<std::string> topic_names() const override { return names_; }

  void connect(ConnectContext& cc) override {
    for (auto& t : topics_) t->connect(cc);
  }
  void start(Context& ctx) override {
    for (auto& t : topics_) t->start(ctx);
  }
  // analyze describes the first topic only.
  void describe(Description& d) const override { topics_[0]->describe(d); }

  // A message goes to the topic its request names (a publish step's "topic"); one that names
  // none, or a topic this queue does not have (index 0 from a client), to the first.
  void on_request(Context& ctx, CallId call) override {
    std::uint16_t t = topics_.size() == 1 ? 0 : ctx.request(call).topic;
    topics_[t < topics_.size() ? t : 0]->on_request(ctx, call);
  }
  void on_reply(Context& ctx, CallId call, Status status, std::uint64_t token) override {
    topics_[sh_.msgs[token].topic]->on_reply(ctx, call, status, token);
  }
  void on_timer(Context& ctx, std::uint16_t tag, std::uint64_t data) override {
    switch (tag) {
      case kBrokerUp:
        broker_up(ctx, static_cast<std::uint32_t>(data));
        return;
      case kIsrShrink:
        isr_shrink(ctx, static_cast<std::uint32_t>(data & 0xff), data >> 8);
        return;
      default:
        topics_[tag >> 4]->on_timer(ctx, static_cast<std::uint16_t>(tag & 0xf), data);
    }
  }

  // ---- brokers (Crashable) ----

  std::uint32_t crash(Context& ctx, std::uint32_t count) override {
    Context::ActingAs acting(ctx, index());
    std::uint32_t n = 0;
    for (std::uint32_t b = 0; b < sh_.count && n < count; ++b) {
      if (!sh_.alive[b]) continue;
      broker_down(ctx, b);
      ctx.schedule(restart_, kBrokerUp, b);
      ++n;
    }
    return n;
  }
  std::uint32_t instance_slots() const override { return sh_.count; }
  bool fail_instance(Context& ctx, std::uint32_t slot) override {
    Context::ActingAs acting(ctx, index());
    if (slot >= sh_.count || !sh_.alive[slot]) return false;
    broker_down(ctx, slot);
    return true;
  }
  void repair_instance(Context& ctx, std::uint32_t slot) override {
    Context::ActingAs acting(ctx, index());
    if (slot < sh_.count && !sh_.alive[slot]) broker_up(ctx, slot);
  }
  ReadyHistory ready_history(Time now, Time warmup) const override {
    ReadyHistory h;
    h.seconds_at.assign(sh_.count + 1, 0.0);
    const auto& changes = sh_.alive_changes;
    for (std::size_t i = 0; i < changes.size(); ++i) {
      Time from = std::max(changes[i].first, warmup);
      Time to = i + 1 < changes.size() ? changes[i + 1].first : now;
      to = std::min(to, now);
      if (to <= from) continue;
      std::uint32_t up = changes[i].second;
      h.seconds_at[up] += to_seconds(to - from);
      if (up == 0) {
        ++h.outages;
        h.outage_seconds += to_seconds(to - from);
      }
    }
    return h;
  }

  // A broker's crash reaches every topic: the partitions it led lose their leader, and it
  // leaves the ISR of those it followed replica_lag_time_max later.
  void broker_down(Context& ctx, std::uint32_t b) {
    sh_.alive[b] = false;
    sh_.dead_mask |= 1u << b;
    sh_.crash_seq[b] = sh_.seq;
    sh_.shrink_at[b] = ctx.now() + lag_max_;
    ctx.schedule(lag_max_, kIsrShrink, b | (++sh_.crash_gen[b] << 8));
    ++sh_.crashes;
    note_alive(ctx);
    for (auto& t : topics_) t->leader_down(ctx, b);
  }

  void isr_shrink(Context& ctx, std::uint32_t b, std::uint64_t gen) {
    if (sh_.alive[b] || gen != sh_.crash_gen[b]) return;  // it came back (and maybe crashed again)
    for (auto& t : topics_) t->isr_shrink(ctx, b);
  }

  void broker_up(Context& ctx, std::uint32_t b) {
    if (sh_.alive[b]) return;
    sh_.alive[b] = true;
    sh_.dead_mask &= ~(1u << b);
    sh_.shrink_at[b] = kTimeMax;
    note_alive(ctx);
    for (auto& t : topics_) t->broker_up(ctx, b);
  }

  void note_alive(Context& ctx) {
    std::uint32_t up = 0;
    for (bool a : sh_.alive) up += a ? 1 : 0;
    sh_.alive_changes.push_back({ctx.now(), up});
  }

  // With topics, each topic reports under topics.<name> and the queue its ledger's totals.
  void finish(Context& ctx, ComponentReport& r) override {
    if (names_[0].empty()) {
      topics_[0]->finish(ctx, r);
      return;
    }
    TopicLedger sum;
    for (auto& t : topics_) {
      TopicLedger l = t->finish(ctx, r);
      sum.produced += l.produced;
      sum.consumed += l.consumed;
      sum.dead_lettered += l.dead_lettered;
      sum.lost += l.lost;
      sum.retained += l.retained;
      sum.duplicates += l.duplicates;
      sum.order_violations += l.order_violations;
      sum.lag += l.lag;
      sum.consumed_total += l.consumed_total;
    }
    r.add("topic_count", static_cast<double>(topics_.size()));
    r.add("produced", static_cast<double>(sum.produced));
    r.add("consumed", static_cast<double>(sum.consumed));
    r.add("dead_lettered", static_cast<double>(sum.dead_lettered));
    r.add("lost", static_cast<double>(sum.lost));
    r.add("retained", static_cast<double>(sum.retained));
    r.add("duplicates", static_cast<double>(sum.duplicates));
    r.add("consumer_lag", sum.lag);
    r.add("broker_crashes", static_cast<double>(sh_.crashes));
    r.add("order_violations", static_cast<double>(sum.order_violations));
    r.add("throughput_rps", sum.consumed_total / to_seconds(ctx.end_time() - ctx.warmup()));
  }

 private:
  Brokers sh_;
  std::vector<std::unique_ptr<Topic>> topics_;
  std::vector<std::string> names_;  // "" for the one-topic shorthand
  Time restart_ = 0, lag_max_ = 0;
};

}  // namespace

void register_queue(Registry& r) {
  const Status not_enough = r.add_cause("not_enough_replicas");  // Kafka's NotEnoughReplicasException
  r.add("queue", [not_enough](Params& p, BuildContext& bc) -> std::unique_ptr<Component> {
    return std::make_unique<Queue>(p, bc, not_enough);
  });
}

}  // namespace archsim
