// A partition's retained log (models/queue/retention.h) against Kafka's rules: segments roll
// when the next message would take them past segment.bytes (UnifiedLog.maybeRoll), time
// retention deletes whole segments whose largest timestamp is older than retention.ms (the
// active one too, once all of it expired), size retention deletes the oldest segments while
// size - retention.bytes - segment size >= 0 (deleteRetentionSizeBreachedSegments), and the
// log start offset moves by whole segments.
#include <doctest/doctest.h>

#include <vector>

#include "models/queue/retention.h"

using archsim::Handle;
using archsim::kSecond;
using archsim::Time;
using archsim::queue::RetainedLog;
using archsim::queue::RetentionSpec;

namespace {
// `n` messages of 100 bytes, one a second from t = 1 s, in segments of 1000 bytes (10 each).
RetainedLog filled(int n, std::uint64_t segment_bytes = 1000) {
  RetainedLog log;
  for (int i = 0; i < n; ++i) log.append(static_cast<Handle>(i), (i + 1) * kSecond, 100, segment_bytes);
  return log;
}
std::vector<Handle> expire(RetainedLog& log, const RetentionSpec& spec, Time now) {
  std::vector<Handle> gone;
  log.expire(spec, now, [&](Handle h) { gone.push_back(h); });
  return gone;
}
}  // namespace

TEST_CASE("queue retention: a segment rolls when the next message would pass segment_bytes") {
  RetainedLog log = filled(25);
  CHECK(log.segments() == 3);  // 10 + 10 + 5
  CHECK(log.bytes() == 2500);
  CHECK(log.start() == 0);
  CHECK(log.end() == 25);
  // 250-byte segments hold two 100-byte messages, not three.
  RetainedLog small = filled(5, 250);
  CHECK(small.segments() == 3);
  // A message as large as the segment fills it alone.
  RetainedLog whole = filled(3, 100);
  CHECK(whole.segments() == 3);
}

TEST_CASE("queue retention: time deletes whole segments, by their newest message") {
  RetainedLog log = filled(25);  // segments: t 1..10 s, 11..20 s, 21..25 s
  RetentionSpec spec;
  spec.time = 12 * kSecond;
  // At 22 s: the first segment's newest (10 s) is 12 s old, not older: kept.
  CHECK(expire(log, spec, 22 * kSecond).empty());
  // At 22.5 s it is older: its 10 messages go at once, though message 10 (t = 11 s) of the
  // second segment is as old as they nearly are.
  const std::vector<Handle> gone = expire(log, spec, 22 * kSecond + kSecond / 2);
  CHECK(gone.size() == 10);
  CHECK(gone.front() == 0);
  CHECK(gone.back() == 9);
  CHECK(log.start() == 10);
  CHECK(log.at(10) == 10);
  CHECK(log.bytes() == 1500);
  // Once all of it expired, the active segment goes too (Kafka rolls a new one first).
  CHECK(expire(log, spec, 40 * kSecond).size() == 15);
  CHECK(log.start() == 25);
  CHECK(log.end() == 25);
  CHECK(log.segments() == 0);
  log.append(25, 41 * kSecond, 100, 1000);
  CHECK(log.start() == 25);
  CHECK(log.at(25) == 25);
}

TEST_CASE("queue retention: bytes delete the oldest segments while the rest still holds retention.bytes") {
  RetainedLog log = filled(25);  // 2500 bytes: 1000 + 1000 + 500
  RetentionSpec spec;
  spec.time = 1000 * kSecond;
  spec.bytes = 1600;
  // diff = 900 < 1000: nothing goes (the log stays above the limit by less than a segment).
  CHECK(expire(log, spec, 30 * kSecond).empty());
  spec.bytes = 1500;  // diff = 1000 >= 1000: the first segment goes, leaving exactly 1500
  CHECK(expire(log, spec, 30 * kSecond).size() == 10);
  CHECK(log.bytes() == 1500);
  spec.bytes = 1;  // diff = 1499: the second segment goes; the active one never does by size
  CHECK(expire(log, spec, 30 * kSecond).size() == 10);
  CHECK(log.bytes() == 500);
  CHECK(log.start() == 20);
  CHECK(expire(log, spec, 30 * kSecond).empty());
}
