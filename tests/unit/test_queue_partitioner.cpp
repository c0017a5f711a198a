// Kafka's default partitioner: murmur2 on the vectors of Kafka's own UtilsTest.testMurmur2
// (clients/src/test/java/org/apache/kafka/common/utils/UtilsTest.java), toPositive's edge,
// and keys serialized as their decimal text.
#include <doctest/doctest.h>

#include <cstdlib>
#include <cstring>
#include <vector>

#include "models/queue/partitioner.h"

using archsim::queue::murmur2;
using archsim::queue::partition_for_key;
using archsim::queue::to_positive;

namespace {
std::int32_t murmur2_of(const char* s) {
  return murmur2(reinterpret_cast<const unsigned char*>(s), std::strlen(s));
}
}  // namespace

TEST_CASE("queue partitioner: murmur2 matches Kafka's UtilsTest vectors") {
  CHECK(murmur2_of("21") == -973932308);
  CHECK(murmur2_of("foobar") == -790332482);
  CHECK(murmur2_of("a-little-bit-long-string") == -985981536);
  CHECK(murmur2_of("a-little-bit-longer-string") == -1486304829);
  CHECK(murmur2_of("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8") == -58897971);
  CHECK(murmur2_of("abc") == 479470107);  // 3 bytes: only the tail is hashed
}

TEST_CASE("queue partitioner: toPositive clears the sign bit (not abs)") {
  CHECK(to_positive(-973932308) == static_cast<std::uint32_t>(-973932308 & 0x7fffffff));
  CHECK(to_positive(INT32_MIN) == 0u);
  CHECK(to_positive(-1) == 0x7fffffffu);
  CHECK(to_positive(479470107) == 479470107u);
}

TEST_CASE("queue partitioner: a key goes where a string key of its decimal text goes") {
  // "21" hashes to -973932308: toPositive gives 1173551340, so partition 0 of 6 and 3 of 7.
  CHECK(partition_for_key(21, 6) == 0u);
  CHECK(partition_for_key(21, 7) == 3u);
  CHECK(partition_for_key(0, 5) == to_positive(murmur2_of("0")) % 5);
  CHECK(partition_for_key(18446744073709551615ULL, 12) == to_positive(murmur2_of("18446744073709551615")) % 12);
  // Spread: 60,000 consecutive keys over 6 partitions, each within 3% of its share.
  std::vector<int> n(6, 0);
  for (std::uint64_t k = 0; k < 60000; ++k) ++n[partition_for_key(k, 6)];
  for (int c : n) CHECK(std::abs(c - 10000) < 300);
}
