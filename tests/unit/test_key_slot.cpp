// Redis Cluster's key -> hash slot against the specification's own numbers: CRC16/XMODEM's
// check value, and the hash-tag examples of the cluster spec ("Hash tags"). Then string keys
// end to end: a client's keys.format places keys that share a tag on one node of a sharded
// cache and on one shard of a database.
#include <doctest/doctest.h>

#include <set>
#include <string>

#include "models/client/key_format.h"
#include "lib/hash/key_slot.h"
#include "tests/unit/harness.h"

using namespace archsim;
using archsim::test::build_error;
using archsim::test::fig;
using archsim::test::run;

TEST_CASE("key slot: CRC16/XMODEM check value and keyHashSlot of integer keys") {
  CHECK(crc16_xmodem("123456789", 9) == 0x31C3);  // the cluster spec's reference output
  CHECK(key_hash_slot("123456789") == (0x31C3 & 16383));
  CHECK(integer_key_slot(123456789) == (0x31C3 & 16383));
  CHECK(key_slot(0) == key_hash_slot("0"));
  CHECK(key_slot(1000) == key_hash_slot("1000"));
}

TEST_CASE("key slot: the cluster spec's hash-tag examples") {
  // {user1000}.following and {user1000}.followers hash "user1000": one slot.
  CHECK(key_hash_slot("{user1000}.following") == key_hash_slot("user1000"));
  CHECK(key_hash_slot("{user1000}.followers") == key_hash_slot("user1000"));
  // foo{}{bar}: the first '{' is followed by '}' with nothing between: the whole key is hashed.
  CHECK(key_hash_slot("foo{}{bar}") == (crc16_xmodem("foo{}{bar}", 10) & 16383));
  // foo{{bar}}: the substring between the first '{' and the first '}' after it is "{bar".
  CHECK(key_hash_slot("foo{{bar}}") == key_hash_slot("{bar"));
  CHECK(key_hash_slot("foo{{bar}}") == (crc16_xmodem("{bar", 4) & 16383));
  // foo{bar}{zap}: only the first tag counts.
  CHECK(key_hash_slot("foo{bar}{zap}") == key_hash_slot("bar"));
  // No closing brace: the whole key.
  CHECK(key_hash_slot("foo{bar") == (crc16_xmodem("foo{bar", 7) & 16383));
  // Different tags, different slots here (a wrong rule that hashed the whole key would
  // separate the first pair above; one that ignored tags would merge nothing).
  CHECK(key_hash_slot("{user1000}.x") != key_hash_slot("{user1001}.x"));
}

TEST_CASE("key slot: a string key carries its format, slot and number") {
  KeyFormat followers("{user%d}.followers", 3, 5000), following("{user%d}.following", 4, 5000);
  CHECK(followers.text(1000) == "{user1000}.followers");
  for (std::uint64_t n : {0ull, 7ull, 1000ull, 4999ull}) {
    const std::uint64_t a = followers.key(n), b = following.key(n);
    CHECK(is_string_key(a));
    CHECK(a != b);  // two keys ...
    CHECK(key_slot(a) == key_slot(b));  // ... on one slot
    CHECK(key_slot(a) == key_hash_slot("user" + std::to_string(n)));
    CHECK(key_number(a) == n);
  }
  // Beyond the table (a key space over kTableKeys) the slot is computed per draw, alike.
  KeyFormat big("item:%d", 0, KeyFormat::kTableKeys + 10);
  const std::uint64_t n = KeyFormat::kTableKeys + 5;
  CHECK(key_slot(big.key(n)) == key_hash_slot("item:" + std::to_string(n)));
  CHECK(key_slot(big.key(12345)) == key_hash_slot("item:12345"));
  CHECK(!KeyFormat::problem("user").empty());
  CHECK(!KeyFormat::problem("%d%d").empty());
  CHECK(!KeyFormat::problem("a%s%d").empty());
  CHECK(KeyFormat::problem("{user%d}.followers").empty());
}

namespace {

// Gets on a 3-node cache cluster (constant 2 ms an operation, one worker a node), Poisson
// arrivals at 300/s over 3,000 keys named by `format`.
std::string cluster(const std::string& format) {
  return R"({"duration": "400s", "warmup": "20s", "components": [
    {"id": "users", "type": "client", "target": "cache", "arrivals": {"rate": 300},
     "routes": [{"name": "get", "keys": {"count": 3000, "format": ")" + format + R"("}}]},
    {"id": "cache", "type": "cache", "nodes": 3, "concurrency": 1,
     "latency": {"dist": "constant", "value": "2ms"}}]})";
}

// Reads of 4 hash shards, the keys named by `format`.
std::string shards(const std::string& format) {
  return R"({"duration": "60s", "components": [
    {"id": "users", "type": "client", "target": "db", "arrivals": {"rate": 200},
     "routes": [{"name": "read", "keys": {"count": 3000, "format": ")" + format + R"("}}]},
    {"id": "db", "type": "database", "shards": 4, "sharding": "hash"}]})";
}

// Pollaczek-Khinchine for M/D/1: mean number waiting rho^2 / (2 (1 - rho)).
double md1_waiting(double rho) { return rho * rho / (2 * (1 - rho)); }

}  // namespace

TEST_CASE("string keys: keys that share a hash tag are served by one cache node (M/D/1 queue)") {
  // Tag {feed}: every key on one slot, so one node takes all 300/s: rho = 0.6, 0.45 waiting.
  // Without a tag the keys spread over the three nodes: three queues at rho = 0.2, 0.075
  // waiting in all. A cache that ignored the tag would show the second figure for both.
  auto tagged = run(cluster("{feed}.item%d"));
  CHECK(fig(tagged, "cache", "queue_length") == doctest::Approx(md1_waiting(0.6)).epsilon(0.15));
  auto spread = run(cluster("feed.item%d"));
  CHECK(fig(spread, "cache", "queue_length") == doctest::Approx(3 * md1_waiting(0.2)).epsilon(0.25));
}

TEST_CASE("string keys: a database shards by hash slot, so one tag is one shard") {
  // shard_imbalance is the busiest shard's requests over the mean: 4 when one of 4 takes all.
  CHECK(fig(run(shards("{tenant7}:order%d")), "db", "shard_imbalance") == doctest::Approx(4));
  CHECK(fig(run(shards("tenant7:order%d")), "db", "shard_imbalance") < 1.1);
  // {user%d}.following and {user%d}.followers of one user: one shard (the tag is "user<n>").
  CHECK(fig(run(shards("{user%d}.followers")), "db", "shard_imbalance") < 1.1);
}

TEST_CASE("string keys: bad formats are refused at the field") {
  const ScenarioError e = build_error(cluster("user"));
  CHECK(e.pointer() == "/components/0/routes/0/keys/format");
  CHECK(std::string(e.what()).find("has no %d") != std::string::npos);
  CHECK(std::string(build_error(cluster("u%s%d")).what()).find("other than its one %d") != std::string::npos);
}
