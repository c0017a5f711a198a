// Queue: a topic's retention (its "retention" object), as Kafka keeps a partition's log: the
// log is a run of segments, the last one active; a segment is closed (rolled) when the next
// message would take it past `segment_bytes`; every `check_interval` the broker deletes whole
// segments from the oldest on, those whose newest message is older than `time`
// (retention.ms), then while the log would still hold at least `bytes` without the oldest
// (retention.bytes, per partition). A partition's log start offset is the first offset it
// still holds; a consumer group whose next offset to read fell below it is out of range and
// jumps as its auto.offset.reset says (group.h). Messages do not carry sizes elsewhere in the
// model: every message counts `message_bytes` here.
//
// Sources read: Apache Kafka core/.../log/UnifiedLog.scala (deleteOldSegments,
// deleteRetentionMsBreachedSegments: segment.largestTimestamp older than retention.ms;
// deleteRetentionSizeBreachedSegments: delete while size - retention.bytes - segment size >=
// 0; deleteSegments rolls a new active segment first when every segment goes), LocalLog /
// UnifiedLog.maybeRoll (a segment rolls when it is full for the next batch), LogConfig's
// defaults (retention.ms 7 days, retention.bytes -1, segment.bytes 1 GiB) and LogManager's
// log.retention.check.interval.ms (5 minutes).
// Simplifications: no segment.ms roll (only size rolls a segment, and a time-expired active
// segment is deleted whole, as Kafka does after rolling it); no file.delete.delay.ms (a
// deleted segment is unreadable at once); the check runs on the topic's one-second sample, so
// an interval is rounded up to whole seconds; the broker's clock compares the messages' send
// times (CreateTime, Kafka's default timestamp type).
//
// Cost: a topic without "retention" keeps nothing (a committed message leaves the pool as
// before). With it, an append pushes a handle and counts bytes in the active segment: O(1),
// no allocation once the ring is grown; a check is O(partitions + messages deleted).
#pragma once
#include <cstdint>

#include "scenario/params.h"
#include "sim/pool.h"
#include "sim/ring.h"
#include "sim/time.h"

namespace archsim::queue {

struct RetentionSpec {
  Time time = 7 * 24 * 3600 * kSecond;       // retention.ms
  std::uint64_t bytes = 0;                   // retention.bytes per partition (0: none, Kafka's -1)
  std::uint64_t segment_bytes = 1ull << 30;  // segment.bytes
  std::uint64_t message_bytes = 1024;        // what one message takes in a segment
  Time check = 5 * 60 * kSecond;             // log.retention.check.interval.ms
};
// Reads a topic's "retention" object (bad input: Params::fail at the field).
RetentionSpec read_retention(Params& r);

// One partition's log as the broker keeps it, from its log start offset to its end: the
// messages' handles (offset order) and its segments.
class RetainedLog {
 public:
  // The next offset: message `h`, sent at `timestamp`, `bytes` long.
  void append(Handle h, Time timestamp, std::uint64_t bytes, std::uint64_t segment_bytes);
  // Deletes the segments the retention `spec` lets go at `now` (oldest first, whole
  // segments): drop(h) for every message deleted. Returns how many were.
  template <class Drop>
  std::uint64_t expire(const RetentionSpec& spec, Time now, Drop drop);

  std::uint64_t start() const { return start_; }  // the log start offset
  std::uint64_t end() const { return start_ + msgs_.size(); }
  std::uint64_t bytes() const { return bytes_; }
  std::size_t segments() const { return segs_.size(); }
  Handle at(std::uint64_t offset) const { return msgs_.at(offset - start_); }

 private:
  struct Segment {
    std::uint64_t count = 0, bytes = 0;
    Time newest = 0;  // its largest timestamp
  };
  bool expired(const Segment& s, const RetentionSpec& spec, Time now, std::uint64_t& over) const;

  Ring<Handle> msgs_;
  Ring<Segment> segs_;  // the last is the active one
  std::uint64_t start_ = 0, bytes_ = 0;
};

template <class Drop>
std::uint64_t RetainedLog::expire(const RetentionSpec& spec, Time now, Drop drop) {
  // Bytes over the retention, as Kafka's `diff`: a segment goes while what is left after it
  // still holds retention.bytes.
  std::uint64_t over = spec.bytes > 0 && bytes_ > spec.bytes ? bytes_ - spec.bytes : 0;
  std::uint64_t gone = 0;
  while (!segs_.empty() && expired(segs_.front(), spec, now, over)) {
    const Segment s = segs_.pop();
    for (std::uint64_t i = 0; i < s.count; ++i) drop(msgs_.pop());
    start_ += s.count;
    bytes_ -= s.bytes;
    gone += s.count;
  }
  return gone;
}

}  // namespace archsim::queue
