// The queue's brokers on the server pool (models/queue/queue.cpp, the pool's addressed use):
// a test-written producer publishes one keyed message per partition at chosen times and
// drives the brokers through the queue's Crashable (crash, fail, repair); which publishes
// are refused tells which partitions had no leader. Checked against the leaders worked out
// by hand (topic t's partition i is led by broker (i + t) mod brokers), the restart and
// repair times, and billing against brokers x hours x the catalogue's hourly price.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "models/contracts/capabilities.h"
#include "models/queue/partitioner.h"
#include "reports/ledgers/ledgers.h"
#include "scenario/errors.h"
#include "sim/results.h"
#include "sim/simulation.h"
#include "tests/unit/harness.h"
#include "tests/unit/timed_script.h"

using namespace archsim;
using archsim::test::fig;

namespace {

constexpr std::uint32_t kPartitions = 6;

// The smallest key Kafka's partitioner sends to partition `p` of kPartitions.
std::uint64_t key_for(std::uint32_t p) {
  for (std::uint64_t k = 1;; ++k)
    if (queue::partition_for_key(k, kPartitions) == p) return k;
}

// At each action's time: {"at", "publish": ["<topic index>", ...]} publishes to every partition of
// each topic (figure "status_<tag>_t<topic>_p<partition>" = the reply's status), or
// {"at", "do": "crash" | "fail" | "repair", "n"} acts on the queue's brokers.
struct ProducerAction {
  Time at = 0;
  std::string what;
  std::uint32_t n = 0, tag = 0;
  std::vector<std::uint16_t> topics;
};

class Producer final : public test::TimedScript<ProducerAction> {
 public:
  Producer(Params& p, BuildContext& bc)
      : TimedScript(p, bc, [](Params& a, ProducerAction& x) {
          x.what = a.string("do", "");
          x.n = static_cast<std::uint32_t>(a.integer("n", 0, 0, 1000));
          x.tag = static_cast<std::uint32_t>(a.integer("tag", 0, 0, 1000));
          for (const std::string& t : a.strings("publish")) x.topics.push_back(static_cast<std::uint16_t>(std::stoi(t)));
        }) {}
  void act(Context& ctx, const ProducerAction& a) override {
    if (a.what == "crash") caps_.crashable->crash(ctx, a.n);
    else if (a.what == "fail") caps_.crashable->fail_instance(ctx, a.n);
    else if (a.what == "repair") caps_.crashable->repair_instance(ctx, a.n);
    for (std::uint16_t t : a.topics)
      for (std::uint32_t p = 0; p < kPartitions; ++p) {
        RequestInfo req;
        req.key = key_for(p);
        req.has_key = true;
        req.topic = t;
        ctx.call(target_, req, (std::uint64_t{a.tag} << 32) | (std::uint64_t{t} << 16) | p, 0);
      }
  }
  void on_reply(Context&, CallId, Status status, std::uint64_t token) override {
    const std::string name = "status_" + std::to_string(token >> 32) + "_t" + std::to_string((token >> 16) & 0xffff) + "_p" +
                             std::to_string(token & 0xffff);
    r_.add(name, static_cast<double>(status));
  }
};

Registry registry() {
  Registry reg = test::registry();
  reg.add("producer", [](Params& p, BuildContext& bc) { return std::make_unique<Producer>(p, bc); });
  return reg;
}

test::Run run(const std::string& text) {
  return test::run(text, ::registry());
}

// A queue "q" of 3 brokers and `queue_fields`, driven by `actions`.
std::string scenario(const std::string& queue_fields, const std::string& actions, const std::string& duration = "60s",
                     const std::string& extra = "") {
  return R"({"name": "brokers", "duration": ")" + duration + R"(", "warmup": "0s", )" + extra + R"( "components": [
      {"id": "q", "type": "queue", "replication_factor": 3, "acks": "1", "leader_election": "5s", "restart_time": "10s", )" +
         queue_fields + R"(},
      {"id": "x", "type": "producer", "target": "q", "actions": )" + actions + R"(}]})";
}

// Partitions of topic `t` whose publish `tag` was refused for want of a leader.
std::vector<std::uint32_t> refused(const RunResult& r, std::uint32_t tag, std::uint32_t t) {
  std::vector<std::uint32_t> out;
  for (std::uint32_t p = 0; p < kPartitions; ++p) {
    const double s = fig(r, "x", "status_" + std::to_string(tag) + "_t" + std::to_string(t) + "_p" + std::to_string(p));
    if (s == static_cast<double>(Status::Unavailable)) out.push_back(p);
    else CHECK(s == static_cast<double>(Status::Ok));
  }
  return out;
}

using Parts = std::vector<std::uint32_t>;

}  // namespace

TEST_CASE("queue on the pool: a broker's crash takes exactly the leadership of the partitions it led") {
  // Broker 1 fails at 1 s: of 6 partitions it led 1 and 4 (i mod 3 = 1). Publishes at 2 s
  // find exactly those without a leader; after the 5 s election (6 s) every partition has
  // one again. Its repair at 20 s brings it back: it rejoins the ISRs (6 expands).
  auto r = run(scenario(R"("partitions": 6)", R"([{"at": "1s", "do": "fail", "n": 1},
      {"at": "500ms", "publish": ["0"], "tag": 0}, {"at": "2s", "publish": ["0"], "tag": 1},
      {"at": "7s", "publish": ["0"], "tag": 2}, {"at": "20s", "do": "repair", "n": 1}])"));
  CHECK(refused(r, 0, 0) == Parts{});
  CHECK(refused(r, 1, 0) == Parts{1, 4});
  CHECK(refused(r, 2, 0) == Parts{});
  CHECK(fig(r, "q", "leader_elections") == 2);
  CHECK(fig(r, "q", "partition_offline_s") == doctest::Approx(2 * 5.0));
  CHECK(fig(r, "q", "broker_crashes") == 1);
  // Followed partitions shrank at 1 s + replica_lag_time_max (30 s): after the repair, so the
  // ISRs it left were only the two it led (by the election); it rejoins those two.
  CHECK(fig(r, "q", "isr_shrinks") == 0);
  CHECK(fig(r, "q", "isr_expands") == 2);
  CHECK(fig(r, "q", "isr_min") == 3);
}

TEST_CASE("queue on the pool: with topics, a broker's crash reaches each topic's partitions it led, and no others") {
  // Topic t's partition i is led by broker (i + t) mod 3: broker 0 leads 0 and 3 of topic 0,
  // 2 and 5 of topic 1. A crash of one broker (the first serving: broker 0) at 1 s; it
  // restarts after restart_time (10 s) and leads again what has no leader then (nothing:
  // elections ended at 6 s).
  auto r = run(scenario(R"("topics": [{"name": "a", "partitions": 6}, {"name": "b", "partitions": 6}])",
                        R"([{"at": "1s", "do": "crash", "n": 1}, {"at": "2s", "publish": ["0", "1"], "tag": 1},
                            {"at": "7s", "publish": ["0", "1"], "tag": 2}])"));
  CHECK(refused(r, 1, 0) == Parts{0, 3});
  CHECK(refused(r, 1, 1) == Parts{2, 5});
  CHECK(refused(r, 2, 0) == Parts{});
  CHECK(refused(r, 2, 1) == Parts{});
  CHECK(fig(r, "q", "topics.a.leader_elections") == 2);
  CHECK(fig(r, "q", "topics.b.leader_elections") == 2);
  CHECK(fig(r, "q", "broker_crashes") == 1);
  // Back at 11 s (restart_time 10 s): it rejoins the ISR of the 4 partitions it led (a
  // follower's shrink waits 30 s: it had not left the others).
  CHECK(fig(r, "q", "topics.a.isr_expands") == 2);
  CHECK(fig(r, "q", "topics.b.isr_expands") == 2);
}

TEST_CASE("queue on the pool: a crashed broker restarts after restart_time; with one broker its partitions wait for it") {
  // One broker: its crash at 1 s leaves every partition offline until it returns at 11 s
  // (restart_time 10 s): a publish at 10.5 s is refused, one at 11.5 s is not.
  auto r = run(R"({"name": "one", "duration": "30s", "warmup": "0s", "components": [
      {"id": "q", "type": "queue", "replication_factor": 1, "partitions": 6, "leader_election": "1s", "restart_time": "10s"},
      {"id": "x", "type": "producer", "target": "q", "actions": [{"at": "1s", "do": "crash", "n": 5},
          {"at": "10500ms", "publish": ["0"], "tag": 1}, {"at": "11500ms", "publish": ["0"], "tag": 2}]}]})");
  CHECK(refused(r, 1, 0) == Parts{0, 1, 2, 3, 4, 5});
  CHECK(refused(r, 2, 0) == Parts{});
  CHECK(fig(r, "q", "broker_crashes") == 1);  // one broker to crash, though 5 were asked for
  CHECK(fig(r, "q", "partition_offline_s") == doctest::Approx(6 * 10.0));
}

TEST_CASE("queue on the pool: brokers are billed by instance_type for the whole run, crashed or not") {
  // 3 kafka.m5.large brokers (0.21 $/h, Amazon MSK us-east-1) for one hour, one crashed for
  // 10 s: 3 x 1 h x 0.21 = 0.63 $.
  const std::string types = R"("instance_types": {"kafka.m5.large": {"price_per_hour": 0.21}},)";
  auto r = run(scenario(R"("instance_type": "kafka.m5.large")", R"([{"at": "5s", "do": "crash", "n": 1}])", "1h", types));
  REQUIRE(r.cost.by_component.size() == 1);
  CHECK(r.cost.by_component[0].first == "q");
  CHECK(r.cost.by_component[0].second == doctest::Approx(0.63));
  CHECK(fig(r, "q", "instance_seconds") == doctest::Approx(3 * 3600.0));
  // Twice the brokers, twice the bill; without a catalogue a type is priced by cost.prices_per_hour.
  auto six = run(R"({"name": "six", "duration": "2h", "cost": {"prices_per_hour": {"kafka.m5.xlarge": 0.42}}, "components": [
      {"id": "q", "type": "queue", "replication_factor": 6, "instance_type": "kafka.m5.xlarge"},
      {"id": "x", "type": "producer", "target": "q", "actions": []}]})");
  CHECK(six.cost.by_component[0].second == doctest::Approx(6 * 2 * 0.42));
}

TEST_CASE("queue on the pool: a bad instance_type is refused at its JSON pointer") {
  const std::string types = R"("instance_types": {"kafka.m5.large": {"price_per_hour": 0.21}},)";
  auto error = [&](const std::string& field) {
    try {
      Simulation sim(nlohmann::json::parse(scenario(field, "[]", "1s", types)), ::registry());
    } catch (const ScenarioError& e) {
      return e;
    }
    FAIL("no error for " << field);
    return ScenarioError("", "");
  };
  ScenarioError unknown = error(R"("instance_type": "kafka.m5.huge")");
  CHECK(unknown.pointer() == "/components/0/instance_type");
  CHECK(std::string(unknown.what()).find("kafka.m5.huge") != std::string::npos);
  ScenarioError number = error(R"("instance_type": 5)");
  CHECK(number.pointer() == "/components/0/instance_type");
}
