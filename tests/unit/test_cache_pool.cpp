// A shared cache's processes on the server pool (models/cache, the pool's addressed use): a
// script written here sets and gets keys at chosen times and crashes nodes, and the figures
// are checked against what the model states: a crashed node loses exactly its own keys and
// answers Unavailable until the pool restarts it, cold; Sentinel promotes the replica (which
// holds the replicated value) after the detection time; every process is billed for the run
// at its instance type's hourly price, and the type's speed divides the latency.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "lib/hash/key_slot.h"
#include "models/contracts/capabilities.h"
#include "models/contracts/result_flags.h"
#include "reports/ledgers/ledgers.h"
#include "sim/results.h"
#include "sim/simulation.h"
#include "tests/unit/harness.h"
#include "tests/unit/timed_script.h"

using namespace archsim;
using archsim::test::fig;

namespace {

// Runs `actions` against "cache": {"at", "key", "route": "set" | "get", "tag"} sends that
// operation (figures status_<tag>, miss_<tag> (1 when the reply says miss), value_<tag> (the
// cached value's version, ns) and ms_<tag>, when it was answered); {"at", "crash": n} crashes
// the primaries of n nodes through the cache's Crashable capability.
struct CacheAction {
  Time at = 0;
  std::uint64_t key = 0, tag = 0;
  bool set = false;
  std::uint32_t crash = 0;
};

class CacheScript final : public test::TimedScript<CacheAction> {
 public:
  CacheScript(Params& p, BuildContext& bc)
      : TimedScript(p, bc,
                    [](Params& a, CacheAction& x) {
                      x.key = static_cast<std::uint64_t>(a.integer("key", 0, 0, 1'000'000));
                      x.set = a.string("route", "get") == "set";
                      x.tag = static_cast<std::uint64_t>(a.integer("tag", 0, 0, 1000));
                      x.crash = static_cast<std::uint32_t>(a.integer("crash", 0, 0, 100));
                    }),
        set_(bc.route_index("set")),
        get_(bc.route_index("get")) {}
  void act(Context& ctx, const CacheAction& a) override {
    if (a.crash > 0) {
      caps_.crashable->crash(ctx, a.crash);
      return;
    }
    RequestInfo req;
    req.id = ctx.next_request_id();
    req.start = ctx.now();
    req.key = a.key;
    req.has_key = true;
    req.route = a.set ? set_ : get_;
    ctx.call(target_, req, a.tag, 0);
  }
  void on_reply(Context& ctx, CallId call, Status status, std::uint64_t tag) override {
    const std::string t = std::to_string(tag);
    const Result res = ctx.result(call);
    r_.add("status_" + t, static_cast<double>(status));
    r_.add("miss_" + t, res.has(result_flags::kMiss) ? 1.0 : 0.0);
    r_.add("value_" + t, static_cast<double>(res.value));
    r_.add("ms_" + t, to_seconds(ctx.now()) * 1000);
  }

 private:
  std::uint32_t set_, get_;
};

Registry registry() {
  Registry reg = test::registry();
  reg.add("cache_script", [](Params& p, BuildContext& bc) { return std::make_unique<CacheScript>(p, bc); });
  return reg;
}

test::Run run(const std::string& cache, const nlohmann::json& actions, const std::string& duration,
              const std::string& extra = "") {
  const std::string text = R"({"name": "cache-pool", "duration": ")" + duration + R"(", )" + extra + R"( "components": [
      {"id": "cache", "type": "cache", )" + cache + R"(},
      {"id": "x", "type": "cache_script", "target": "cache", "actions": )" + actions.dump() + R"(}]})";
  return test::run(text, ::registry());
}

nlohmann::json op(const std::string& at, std::uint64_t key, const char* route, int tag) {
  return {{"at", at}, {"key", key}, {"route", route}, {"tag", tag}};
}

double status(Status s) { return static_cast<double>(s); }

// The first `n` keys from 1 up that Redis Cluster's hash slots put on `node` of `nodes`.
std::vector<std::uint64_t> keys_on(std::uint32_t node, std::uint32_t nodes, int n) {
  std::vector<std::uint64_t> out;
  for (std::uint64_t k = 1; static_cast<int>(out.size()) < n; ++k)
    if (key_slot(k) * nodes / kHashSlots == node) out.push_back(k);
  return out;
}

}  // namespace

TEST_CASE("cache on the pool: a node crash loses exactly its own keys, drops what it serves, restarts cold") {
  // Two nodes, 1 ms per operation, restart 5 s. Three keys set on each node at 1 s; the
  // crash at 3 s takes node 0's primary (the first node up): a get of node 0 in service
  // then (sent at 2999.5 ms) is dropped at 3000 ms; node 0 answers Unavailable until 8 s and
  // then misses all three keys, while node 1 still hits its three: 3 entries at the end.
  const auto a = keys_on(0, 2, 3), b = keys_on(1, 2, 3);
  nlohmann::json acts = nlohmann::json::array();
  for (int i = 0; i < 3; ++i) {
    acts.push_back(op("1s", a[i], "set", 10 + i));
    acts.push_back(op("1s", b[i], "set", 20 + i));
    acts.push_back(op("2s", a[i], "get", 30 + i));
    acts.push_back(op("2s", b[i], "get", 40 + i));
    acts.push_back(op("9s", a[i], "get", 50 + i));
    acts.push_back(op("9s", b[i], "get", 60 + i));
  }
  acts.push_back(op("2999500us", a[0], "get", 1));
  acts.push_back({{"at", "3s"}, {"crash", 1}});
  acts.push_back(op("4s", a[1], "get", 2));
  acts.push_back(op("4s", b[1], "get", 3));
  auto r = run(R"("nodes": 2, "capacity": 100, "restart_time": "5s", "latency": {"dist": "constant", "value": "1ms"})", acts, "20s");
  for (int i = 0; i < 3; ++i) {
    CAPTURE(i);
    CHECK(fig(r, "x", "miss_" + std::to_string(30 + i)) == 0);  // both nodes hit before the crash
    CHECK(fig(r, "x", "miss_" + std::to_string(40 + i)) == 0);
    CHECK(fig(r, "x", "status_" + std::to_string(50 + i)) == status(Status::Ok));
    CHECK(fig(r, "x", "miss_" + std::to_string(50 + i)) == 1);  // node 0 came back empty
    CHECK(fig(r, "x", "miss_" + std::to_string(60 + i)) == 0);  // node 1 kept its keys
  }
  CHECK(fig(r, "x", "status_1") == status(Status::Dropped));
  CHECK(fig(r, "x", "ms_1") == doctest::Approx(3000));
  CHECK(fig(r, "x", "status_2") == status(Status::Unavailable));
  CHECK(fig(r, "x", "status_3") == status(Status::Ok));
  CHECK(fig(r, "x", "miss_3") == 0);
  CHECK(fig(r, "cache", "crashes") == 1);
  CHECK(fig(r, "cache", "dropped") == 1);
  CHECK(fig(r, "cache", "entries") == 3);
  // One process per node, each billed for the whole 20 s, the crashed one too.
  CHECK(fig(r, "cache", "instance_seconds") == doctest::Approx(40));
}

TEST_CASE("cache on the pool: Sentinel promotes the replica after the detection time; the restarted primary rejoins as a replica") {
  // One node, one replica, one sentinel (quorum 1): the crash at 10 s is detected 5 s + the
  // sentinel's ping phase (0-1 s) later and the replica promoted 1 s after: between 16 and
  // 17 s. Gets read the primary: refused at 10.5 s and 15.9 s, served by the promoted
  // replica at 17.5 s with the value set at 1 s (replicated 1 ms later). The old primary is
  // back at 70 s (restart 60 s) with a full copy; the second crash at 80 s takes the new
  // primary, and the old one, promoted in turn, still has the key at 88 s.
  nlohmann::json acts = {op("1s", 7, "set", 1),      op("10500ms", 7, "get", 2), op("15900ms", 7, "get", 3),
                         op("17500ms", 7, "get", 4), op("18s", 8, "set", 5),     op("19s", 8, "get", 6),
                         op("88s", 7, "get", 7),     op("88s", 8, "get", 8)};
  acts.push_back({{"at", "10s"}, {"crash", 1}});
  acts.push_back({{"at", "80s"}, {"crash", 1}});
  auto r = run(R"("replicas": 1, "sentinels": 1, "quorum": 1, "down_after": "5s", "promotion_time": "1s",
                  "replication_lag": "1ms", "restart_time": "60s", "latency": {"dist": "constant", "value": "1ms"})",
               acts, "100s");
  CHECK(fig(r, "x", "status_2") == status(Status::Unavailable));
  CHECK(fig(r, "x", "status_3") == status(Status::Unavailable));
  CHECK(fig(r, "x", "status_4") == status(Status::Ok));
  CHECK(fig(r, "x", "miss_4") == 0);
  CHECK(fig(r, "x", "value_4") == doctest::Approx(1e9));  // the version set at 1 s
  CHECK(fig(r, "x", "miss_6") == 0);
  CHECK(fig(r, "x", "status_7") == status(Status::Ok));
  CHECK(fig(r, "x", "miss_7") == 0);
  CHECK(fig(r, "x", "miss_8") == 0);  // written on the promoted replica, copied to the restarted process
  CHECK(fig(r, "cache", "crashes") == 2);
  CHECK(fig(r, "cache", "failovers") == 2);
  CHECK(fig(r, "cache", "instance_seconds") == doctest::Approx(200));  // 2 processes x 100 s
}

TEST_CASE("cache on the pool: every process is billed hours x its type's price, crashed or not; the type's speed divides latency") {
  // Two nodes with a replica each on cache.r6g.large (0.206 $/h, as cost.prices_per_hour
  // gives it) for an hour, one primary crashed for 10 s: 4 processes x 1 h x 0.206 = 0.824 $.
  const std::string cost = R"("cost": {"prices_per_hour": {"cache.r6g.large": 0.206, "default": 5}},)";
  nlohmann::json acts = nlohmann::json::array({nlohmann::json{{"at", "5s"}, {"crash", 1}}});
  auto r = run(R"("nodes": 2, "replicas": 1, "instance_type": "cache.r6g.large")", acts, "1h", cost);
  REQUIRE(r.cost.by_component.size() == 1);
  CHECK(r.cost.by_component[0].first == "cache");
  CHECK(r.cost.by_component[0].second == doctest::Approx(4 * 0.206));
  CHECK(fig(r, "cache", "instance_seconds") == doctest::Approx(4 * 3600.0));
  // A catalogue type of speed 2: a 1 ms operation takes 0.5 ms; one node, 0.5 $/h: 0.5 $.
  const std::string types = R"("instance_types": {"cache.fast": {"speed": 2, "price_per_hour": 0.5}},)";
  auto f = run(R"("instance_type": "cache.fast", "latency": {"dist": "constant", "value": "1ms"})",
               nlohmann::json::array({op("1s", 3, "get", 1)}), "1h", types);
  CHECK(fig(f, "x", "ms_1") == doctest::Approx(1000.5));
  REQUIRE(f.cost.by_component.size() == 1);
  CHECK(f.cost.by_component[0].second == doctest::Approx(0.5));
}

TEST_CASE("cache preload: the hottest keys are the most recently used, as a warm-up by reads leaves an LRU") {
  // Ground truth: an LRU written here from its definition (the most recent use at the
  // front; a use moves the key there; an insert into a full cache evicts the back), warmed as
  // traffic warms one: under the independent reference model a key's expected time since its
  // last read is 1 / its popularity, so the hottest were read last. Keys 0 .. 9 are the
  // popularity ranks the preload warms (0 the hottest): read 9 first, 0 last. The model's
  // cache, preloaded with the same 10 keys, then takes the same script: new keys set (each
  // evicting), old keys read (hits move them, misses do not fill: nothing is set on a miss).
  // Every read must hit or miss as the reference does; stored hottest first, the first sets
  // evicted keys 0, 1, 2 ... and the hottest reads missed.
  std::vector<std::uint64_t> lru;  // front = most recently used
  auto use = [&](std::uint64_t k) {
    const auto it = std::find(lru.begin(), lru.end(), k);
    const bool hit = it != lru.end();
    if (hit) lru.erase(it);
    lru.insert(lru.begin(), k);
    return hit;
  };
  for (std::uint64_t k = 10; k-- > 0;) use(k);
  auto ref_set = [&](std::uint64_t k) {
    if (std::find(lru.begin(), lru.end(), k) == lru.end() && lru.size() == 10) lru.pop_back();
    use(k);
  };
  auto ref_get = [&](std::uint64_t k) {
    const auto it = std::find(lru.begin(), lru.end(), k);
    if (it == lru.end()) return false;
    use(k);
    return true;
  };
  nlohmann::json acts = nlohmann::json::array();
  std::vector<std::pair<int, bool>> expect;  // (tag, hit)
  int tag = 1, ms = 1000;
  auto at = [&] { return std::to_string(ms++) + "ms"; };
  auto set = [&](std::uint64_t k) {
    acts.push_back(op(at(), k, "set", 0));
    ref_set(k);
  };
  auto get = [&](std::uint64_t k) {
    acts.push_back(op(at(), k, "get", tag));
    expect.emplace_back(tag++, ref_get(k));
  };
  for (std::uint64_t k : {100, 101, 102}) set(k);  // evicts the three coldest
  for (std::uint64_t k : {0, 1, 2, 7, 8, 9}) get(k);
  for (std::uint64_t k : {103, 104, 105, 106}) set(k);
  for (std::uint64_t k = 0; k < 10; ++k) get(k);
  auto r = run(R"("capacity": 10, "preload": 10, "eviction": "lru", "latency": {"dist": "constant", "value": "100us"})", acts, "10s");
  int hits = 0;
  for (const auto& e : expect) {  // not a structured binding: CAPTURE's lambda takes it (clang < 16)
    const int t = e.first;
    const bool hit = e.second;
    CAPTURE(t);
    CHECK(fig(r, "x", "miss_" + std::to_string(t)) == (hit ? 0 : 1));
    hits += hit;
  }
  CHECK(hits == 6);  // 0, 1, 2 hit and 7, 8, 9 miss; then 0, 1, 2 hit, 3 .. 9 miss (the second sets took 3 .. 6)
}
