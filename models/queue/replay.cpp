// Queue: a consumer group and its topics' retention (retention.h): the group out of range when
// retention deletes what it has not read (Kafka's auto.offset.reset), and its scheduled resets
// (kafka-consumer-groups --reset-offsets), whose replay re-reads the retained log.
//
// What it follows (sources read: Apache Kafka's consumer configuration docs for
// auto.offset.reset, the consumer's Fetcher / SubscriptionState handling of
// OFFSET_OUT_OF_RANGE, and tools' ConsumerGroupCommand resetOffsets: --to-earliest,
// --to-latest, --to-datetime (the earliest offset whose timestamp is at or after it, the log
// end when none is), --shift-by (per partition, clamped to the log's start and end); it
// refuses a group that has active members):
//  - out of range: a group whose next offset to fetch fell below the log start jumps to the
//    log start ("earliest") or to the log end ("latest", Kafka's default); what it jumped
//    over unread is lost (lost_to_retention). Offsets it read but has not committed stay
//    read (the consumer holds its position; only its commits lag).
//  - a reset: the operator stops the group's consumers, resets and starts them again: the
//    group stops consuming for its `rebalance_pause` (the group forming again), every
//    partition's committed offset is set to the target, and consumption resumes from there.
//    Moved back, the messages between the target and the old committed offset are read again
//    (rewound: the replay's backlog B); each was processed before, so its processing again
//    counts as a duplicate (effectively_once recognises and skips them: duplicates_suppressed).
//    Moved forward, what it passes over unread is lost (skipped_by_reset).
// Simplifications: one reset's catching up is watched at a time (a later reset ends the
// watch of an earlier one); the reset takes effect at its instant, deliveries in flight finish (and
// are read again after the reset if they are above its target); a message cut from the log
// by a leader's crash stays cut for a replay (the model does not reuse offsets).
#include <algorithm>
#include <string>

#include "models/queue/group.h"
#include "models/queue/topic.h"

namespace archsim::queue {

void Group::read_resets(Params& c) {
  if (c.has("auto_offset_reset")) {
    if (work_queue_) c.fail("auto_offset_reset", "applies to mode \"log\" only (a work queue has no offsets)");
    sets_offset_reset_ = true;
    latest_on_range_ = c.choice("auto_offset_reset", "latest", {"earliest", "latest"}) == "latest";
  }
  if (!c.has("resets")) {
    c.known("resets");
    return;
  }
  if (work_queue_) c.fail("resets", "applies to mode \"log\" only (a work queue deletes what it delivered)");
  std::vector<Params> list = c.objects("resets");
  if (list.empty()) c.fail("resets", "expected a non-empty array of {\"at\": ..., \"to\": \"earliest\"}");
  for (Params& r : list) {
    Reset x;
    if (!r.has("at")) r.missing("at");
    x.at = r.duration("at");
    const int given = r.has("to") + r.has("to_time") + r.has("shift_by");
    if (given != 1)
      r.fail_here("give one of \"to\" (\"earliest\" or \"latest\"), \"to_time\" (a time of the run) or \"shift_by\" (offsets)");
    if (r.has("to")) {
      x.to = r.choice("to", "earliest", {"earliest", "latest"}) == "earliest" ? Reset::To::Earliest : Reset::To::Latest;
    } else if (r.has("to_time")) {
      x.to = Reset::To::Time;
      x.time = r.duration("to_time");
      if (x.time > x.at) r.fail("to_time", "is after the reset's \"at\": no message has that time yet");
    } else {
      x.to = Reset::To::Shift;
      x.shift = r.integer("shift_by", 0, -1'000'000'000'000, 1'000'000'000'000);
      if (x.shift == 0) r.fail("shift_by", "must move the offsets (a negative count re-reads, a positive one skips)");
    }
    resets_.push_back(x);
  }
}

void Group::out_of_range(Context& ctx, std::uint32_t ci, std::uint64_t start) {
  Cursor& p = cursors_[ci];
  if (p.position >= start) return;
  const std::uint64_t to = latest_on_range_ && has_consumers_ ? p.end() : start;  // nobody reads: only the deleted go
  for (std::uint64_t off = p.position; off < to; ++off) {
    Msg& m = msgs_[p.log.at(off - p.committed)];
    if (m.gone) continue;
    m.gone |= Msg::kSkipped;
    if (!m.settled) settle(m, t_.lost_retention);
  }
  // With a delivery in flight, delivery passes over them once it is done (try_deliver).
  if (p.busy || p.done != p.position) return;
  lag_moved(ctx, 0, static_cast<std::int64_t>(to - p.position));
  p.position = p.done = to;
  if (!has_consumers_) commit(ctx, p, to);  // nobody reads: the deleted leave at once
}

// The offset reset `k` moves cursor `c` to, within the partition's retained log.
std::uint64_t Group::reset_target(const Cursor& c, std::size_t k) const {
  const RetainedLog& log = sh_.topics[c.topic]->kept(c.partition);
  const Reset& r = resets_[k];
  switch (r.to) {
    case Reset::To::Earliest:
      return log.start();
    case Reset::To::Latest:
      return log.end();
    case Reset::To::Time:
      for (std::uint64_t off = log.start(); off < log.end(); ++off)
        if (msgs_[log.at(off)].published >= r.time) return off;
      return log.end();
    case Reset::To::Shift: {
      const std::int64_t to = static_cast<std::int64_t>(c.committed) + r.shift;
      return static_cast<std::uint64_t>(std::clamp(to, static_cast<std::int64_t>(log.start()), static_cast<std::int64_t>(log.end())));
    }
  }
  return c.committed;
}

void Group::on_reset(Context& ctx, std::uint64_t k) {
  Reset& r = resets_[k];
  r.unread_before = unread();
  for (Cursor& c : cursors_) {
    const std::uint64_t to = reset_target(c, k);
    if (to < c.committed) {
      r.rewound += c.committed - to;
      rewind_log(ctx, c, to);
    } else {
      skip_to(ctx, c, to, r);
    }
  }
  r.lag_after = lag_n_;
  // The group was stopped to be reset: it forms again after its rebalance pause.
  resume_at_ = ctx.now() + pause_;
  schedule(ctx, pause_, kResume);
  watching_ = static_cast<std::int32_t>(k);
}

// Back to `to`, below the committed offset: the retained messages from `to` on join the
// group's log again, as copies it has already processed.
void Group::rewind_log(Context& ctx, Cursor& c, std::uint64_t to) {
  const RetainedLog& log = sh_.topics[c.topic]->kept(c.partition);
  Ring<Handle> again;
  for (std::uint64_t off = to; off < c.committed; ++off) {
    const Handle origin = log.at(off);
    const Handle h = msgs_.alloc();  // may move the pool: copy by value
    Msg copy = msgs_[origin];
    copy.origin = origin;
    copy.copies = 0;
    copy.released = false;
    copy.producer = kNoHandle;
    copy.group = index_;
    copy.gone &= Msg::kCut;  // what another group skipped is still in the log
    copy.settled = true;     // processed (or dead-lettered) before: again is a duplicate
    copy.attempts = 0;
    copy.in_log = true;
    copy.inflight = false;
    copy.waiting_since = ctx.now();
    msgs_[h] = copy;
    ++msgs_[origin].copies;
    again.push(h);
  }
  for (std::size_t i = 0; i < c.log.size(); ++i) again.push(c.log.at(i));
  c.log = std::move(again);
  const auto back = static_cast<std::int64_t>(c.committed - to);
  lag_moved(ctx, back, -static_cast<std::int64_t>(c.position - c.committed));
  c.committed = c.position = c.done = to;
}

// Forward to `to` (at or above the committed offset), which is committed: what the group had
// read above it is read again; what it passes over unread is lost.
void Group::skip_to(Context& ctx, Cursor& c, std::uint64_t to, Reset& r) {
  if (to < c.position) {
    rewind(ctx, c, to);
  } else {
    for (std::uint64_t off = c.position; off < to; ++off) {
      Msg& m = msgs_[c.log.at(off - c.committed)];
      if (m.gone) continue;
      m.gone |= Msg::kSkipped;
      if (!m.settled) {
        settle(m, t_.skipped_by_reset);
        ++r.skipped;
      }
    }
    lag_moved(ctx, 0, static_cast<std::int64_t>(to - c.position));
    c.position = to;
  }
  commit(ctx, c, to);
}

// Offsets not yet delivered, over the group's partitions.
std::uint64_t Group::unread() const {
  std::uint64_t n = 0;
  for (const Cursor& c : cursors_) n += c.end() - c.position;
  return n;
}

void Group::watch_replay(Context& ctx) {
  Reset& r = resets_[static_cast<std::size_t>(watching_)];
  if (unread() > r.unread_before) return;
  r.caught_up_s = to_seconds(ctx.now() - r.at);
  watching_ = -1;
}

// Per reset k: resets.<k>.rewound (B, the replay's backlog), skipped, lag_after, and
// caught_up_s when the replay caught up before the end.
void Group::declare_resets(Figures& f) {
  for (std::size_t k = 0; k < resets_.size(); ++k) {
    const std::string p = prefix_ + "resets." + std::to_string(k) + ".";
    const Reset& r = resets_[k];
    f.value(p + "at_s", [&r] { return to_seconds(r.at); });
    f.held(p + "rewound", r.rewound);
    f.held(p + "skipped", r.skipped);
    f.held(p + "lag_after", r.lag_after);
    f.maybe(p + "caught_up_s", [&r](Context&) { return r.caught_up_s; });
  }
}

}  // namespace archsim::queue
