// Queue: a topic's retention (retention.h): reading it, a partition's segments.
#include "models/queue/retention.h"

#include <algorithm>
#include <string>

namespace archsim::queue {

RetentionSpec read_retention(Params& r) {
  RetentionSpec s;
  // Kafka's defaults: 7 days, no size limit (retention.bytes -1).
  s.time = r.duration("time", s.time, 1);
  if (auto b = r.integer_or_null("bytes", 1, 1'000'000'000'000'000)) s.bytes = static_cast<std::uint64_t>(*b);
  s.segment_bytes = static_cast<std::uint64_t>(r.integer("segment_bytes", 1ll << 30, 1, 1'000'000'000'000'000));
  s.message_bytes = static_cast<std::uint64_t>(r.integer("message_bytes", 1024, 1, 1'000'000'000));
  if (s.message_bytes > s.segment_bytes)
    r.fail("message_bytes", "is larger than segment_bytes (" + std::to_string(s.segment_bytes) + "): a segment holds at least one message");
  s.check = r.duration("check_interval", s.check, kSecond);
  return s;
}

void RetainedLog::append(Handle h, Time timestamp, std::uint64_t bytes, std::uint64_t segment_bytes) {
  // Kafka rolls the active segment when the batch would take it past segment.bytes.
  if (segs_.empty() || segs_.at(segs_.size() - 1).bytes + bytes > segment_bytes) segs_.push(Segment{});
  Segment& s = segs_.at(segs_.size() - 1);
  ++s.count;
  s.bytes += bytes;
  s.newest = std::max(s.newest, timestamp);
  msgs_.push(h);
  bytes_ += bytes;
}

// Time first (Kafka deletes the segments past retention.ms, then by size what is left).
bool RetainedLog::expired(const Segment& s, const RetentionSpec& spec, Time now, std::uint64_t& over) const {
  if (now - s.newest > spec.time) {
    over = over > s.bytes ? over - s.bytes : 0;
    return true;
  }
  if (over >= s.bytes && over > 0) {
    over -= s.bytes;
    return true;
  }
  return false;
}

}  // namespace archsim::queue
