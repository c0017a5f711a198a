// The server pool's addressed use (server_pool.h: PoolNodes, configure): an owner written
// here whose nodes are not interchangeable. A request's key is the node it must go to (as a
// database sends a write to its shard's primary); the owner reads its own fields ("nodes",
// "threads", "machine", "recovery", "boot", "placement"), hears slot_down / slot_ready and
// records when. Checked against times worked out by hand, and billing against
// nodes x hours x the catalogue's hourly price.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>

#include <nlohmann/json.hpp>

#include "models/contracts/capabilities.h"
#include "models/server/pool/server_pool.h"
#include "reports/ledgers/ledgers.h"
#include "scenario/errors.h"
#include "sim/results.h"
#include "sim/simulation.h"
#include "tests/unit/harness.h"
#include "tests/unit/timed_script.h"

using namespace archsim;
using archsim::test::fig;

namespace {

// A request takes `work` (divided by the node's speed) on a worker of the node its key
// names. A node that is not serving answers Unavailable at once. Crashable: crash(n) crashes
// node n (a test's shorthand), fail_instance / repair_instance are the pool's.
class NodeServer final : public Component, public HasCapabilities, public Crashable, public PoolJobs {
 public:
  NodeServer(Params& p, BuildContext& bc) : rng_(bc.rng(3)), pool_(*this, *this, rng_) {
    PoolNodes spec;
    spec.nodes = static_cast<std::uint32_t>(p.integer("nodes", 1, 1, 100));
    spec.workers = static_cast<std::uint32_t>(p.integer("threads", 1, 1, 100));
    spec.type_field = "machine";
    spec.restart = p.distribution("recovery", Distribution::constant(0));
    spec.startup = p.distribution("boot", Distribution::constant(0));
    spec.zones = p.strings("zones");
    for (const std::string& z : p.strings("placement"))  // a zone name per node
      spec.zone_of.push_back(static_cast<std::uint32_t>(std::find(spec.zones.begin(), spec.zones.end(), z) - spec.zones.begin()));
    pool_.configure(p, bc, spec);
    work_ = p.duration("work");
    pool_.register_metrics(bc.metrics());
  }
  Capabilities capabilities() override {
    Capabilities c;
    c.crashable = this;
    c.zone_aware = &pool_;
    return c;
  }
  void start(Context& ctx) override { pool_.start(ctx); }
  void on_request(Context& ctx, CallId call) override {
    const auto slot = static_cast<std::uint32_t>(ctx.request(call).key);
    if (!pool_.serving(slot)) {
      ctx.reply(call, Status::Unavailable);
      return;
    }
    const auto j = static_cast<std::uint32_t>(jobs_.size());
    jobs_.push_back({call, slot, true});
    if (pool_.admit(ctx, slot, j)) begin(ctx, j);
  }
  void on_timer(Context& ctx, std::uint16_t tag, std::uint64_t data) override {
    if (ServerPool::owns_timer(tag)) return pool_.on_timer(ctx, tag, data);
    Job& job = jobs_[data];
    if (!job.live) return;  // dropped meanwhile
    job.live = false;
    ctx.reply(job.call, Status::Ok);
    pool_.job_done(ctx, job.slot);
    const std::uint32_t next = pool_.worker_done(ctx, job.slot);
    if (next != ServerPool::kNone) begin(ctx, next);
  }
  void drop_jobs(Context& ctx, std::uint32_t slot) override {
    for (Job& job : jobs_) {
      if (!job.live || job.slot != slot) continue;
      job.live = false;
      ctx.reply(job.call, Status::Dropped);
      pool_.job_done(ctx, slot);
    }
  }
  void slot_launched(std::uint32_t) override { ++launches_; }
  void slot_down(Context& ctx, std::uint32_t slot) override {
    r_.add("down_" + std::to_string(slot) + "_ms", to_seconds(ctx.now()) * 1000);
  }
  void slot_ready(Context& ctx, std::uint32_t slot) override {
    // The first time "ready_<slot>_ms", then "ready_<slot>_ms_<k>" for the k-th.
    const int k = ++readies_[slot];
    r_.add("ready_" + std::to_string(slot) + "_ms" + (k > 1 ? "_" + std::to_string(k) : ""), to_seconds(ctx.now()) * 1000);
  }
  void finish(Context& ctx, ComponentReport& r) override {
    r = r_;
    r.add("launches", launches_);
    r.add("zone_of_2", pool_.instance(2 % pool_.slots()).zone);
    pool_.report_billing(ctx, r);
  }

  // Node n + 100: a planned stop of node n whose pod is replaced (a drain), not a crash.
  std::uint32_t crash(Context& ctx, std::uint32_t node) override {
    return pool_.crash_node(ctx, node % 100, /*replaced=*/node >= 100) ? 1 : 0;
  }
  std::uint32_t instance_slots() const override { return pool_.slots(); }
  bool fail_instance(Context& ctx, std::uint32_t slot) override { return pool_.fail_instance(ctx, slot); }
  void repair_instance(Context& ctx, std::uint32_t slot) override { pool_.repair_instance(ctx, slot); }
  ReadyHistory ready_history(Time now, Time warmup) const override { return pool_.ready_history(now, warmup); }
  Time crash_over(Time at, Time now) const override { return pool_.crash_over(at, now); }

 private:
  struct Job {
    CallId call;
    std::uint32_t slot;
    bool live;
  };
  void begin(Context& ctx, std::uint32_t j) {
    ctx.schedule(static_cast<Time>(static_cast<double>(work_) / pool_.instance(jobs_[j].slot).speed), 1, j);
  }
  Rng rng_;
  ServerPool pool_;
  Time work_ = 0;
  std::vector<Job> jobs_;  // grows per request: fine for a test
  double launches_ = 0;
  std::map<std::uint32_t, int> readies_;
  ComponentReport r_;
};

// Runs `actions` at their times against "db": {"at", "call": node, "tag"} sends a request to
// that node (figures "status_<tag>", "ms_<tag>"); {"at", "do", "n", "zone"} acts on it.
struct ScriptAction {
  Time at = 0;
  std::int64_t node = -1, tag = 0;
  std::string what, zone;
  std::uint32_t n = 0;
};

class Script final : public test::TimedScript<ScriptAction> {
 public:
  Script(Params& p, BuildContext& bc)
      : TimedScript(p, bc, [](Params& a, ScriptAction& x) {
          x.node = a.integer("call", -1, -1, 1000);
          x.tag = a.integer("tag", 0, 0, 1000);
          x.what = a.string("do", "");
          x.n = static_cast<std::uint32_t>(a.integer("n", 0, 0, 1000));
          x.zone = a.string("zone", "");
        }) {}
  void act(Context& ctx, const ScriptAction& a) override {
    if (a.node >= 0) {
      RequestInfo req;
      req.key = static_cast<std::uint64_t>(a.node);
      ctx.call(target_, req, static_cast<std::uint64_t>(a.tag), 0);
    } else if (a.what == "crash") {
      caps_.crashable->crash(ctx, a.n);
    } else if (a.what == "fail_instance") {
      caps_.crashable->fail_instance(ctx, a.n);
    } else if (a.what == "repair_instance") {
      caps_.crashable->repair_instance(ctx, a.n);
    } else if (a.what == "fail_zone") {
      caps_.zone_aware->fail_zone(ctx, a.zone);
    } else if (a.what == "restore_zone") {
      caps_.zone_aware->restore_zone(ctx, a.zone);
    }
  }
  void on_reply(Context& ctx, CallId, Status status, std::uint64_t tag) override {
    r_.add("status_" + std::to_string(tag), static_cast<double>(status));
    r_.add("ms_" + std::to_string(tag), to_seconds(ctx.now()) * 1000);
  }
};

// The built-in registry (its instance_types and cost readers) plus the two test components.
Registry registry() {
  Registry reg = test::registry();
  reg.add("node_server", [](Params& p, BuildContext& bc) { return std::make_unique<NodeServer>(p, bc); });
  reg.add("script", [](Params& p, BuildContext& bc) { return std::make_unique<Script>(p, bc); });
  return reg;
}

std::string scenario(const std::string& server, const std::string& actions, const std::string& duration = "60s",
                     const std::string& extra = "") {
  return R"({"name": "addressed", "duration": ")" + duration + R"(", )" + extra + R"( "components": [
      {"id": "db", "type": "node_server", )" + server + R"(},
      {"id": "x", "type": "script", "target": "db", "actions": )" + actions + R"(}]})";
}

test::Run run(const std::string& text) {
  return test::run(text, ::registry());
}

bool has_fig(const RunResult& r, const std::string& id, const std::string& name) {
  for (const ComponentResult& c : r.components)
    if (c.id == id)
      for (const auto& [k, v] : c.report.figures())
        if (k == name) return true;
  return false;
}

double status(Status s) { return static_cast<double>(s); }

}  // namespace

TEST_CASE("addressed pool: each request goes to the node it names; every node has its own workers and FIFO") {
  // Three nodes of one worker: three requests to node 2 at t = 0 queue there (1, 2, 3 s);
  // one to node 0 at the same time is served at once (1 s), not behind them.
  auto r = run(scenario(R"("nodes": 3, "work": "1s")",
                        R"([{"at": "0s", "call": 2, "tag": 0}, {"at": "0s", "call": 2, "tag": 1},
                            {"at": "0s", "call": 2, "tag": 2}, {"at": "0s", "call": 0, "tag": 3}])"));
  CHECK(fig(r, "x", "ms_0") == doctest::Approx(1000));
  CHECK(fig(r, "x", "ms_1") == doctest::Approx(2000));
  CHECK(fig(r, "x", "ms_2") == doctest::Approx(3000));
  CHECK(fig(r, "x", "ms_3") == doctest::Approx(1000));
  CHECK(fig(r, "db", "launches") == 3);
  // Initial nodes are launched ready: no slot_ready for them.
  CHECK_FALSE(has_fig(r, "db", "ready_0_ms"));
}

TEST_CASE("addressed pool: a crashed node drops what it held, is down for recovery + boot, then says it is ready") {
  // Node 1 holds one request working and one queued when it crashes at 1.5 s; it recovers
  // for 2 s and boots for 1 s: slot_down at 1500 ms, slot_ready at 4500 ms. A request at
  // 3 s finds it not serving; one at 5 s is served by 6 s. Node 0 is not touched.
  auto r = run(scenario(R"("nodes": 2, "work": "1s", "recovery": "2s", "boot": "1s")",
                        R"([{"at": "1s", "call": 1, "tag": 0}, {"at": "1s", "call": 1, "tag": 1},
                            {"at": "1s", "call": 0, "tag": 2}, {"at": "1500ms", "do": "crash", "n": 1},
                            {"at": "3s", "call": 1, "tag": 3}, {"at": "5s", "call": 1, "tag": 4}])"));
  CHECK(fig(r, "x", "status_0") == status(Status::Dropped));
  CHECK(fig(r, "x", "ms_0") == doctest::Approx(1500));
  CHECK(fig(r, "x", "status_1") == status(Status::Dropped));
  CHECK(fig(r, "x", "status_2") == status(Status::Ok));
  CHECK(fig(r, "x", "ms_2") == doctest::Approx(2000));
  CHECK(fig(r, "db", "down_1_ms") == doctest::Approx(1500));
  CHECK(fig(r, "db", "ready_1_ms") == doctest::Approx(4500));
  CHECK_FALSE(has_fig(r, "db", "down_0_ms"));
  CHECK(fig(r, "x", "status_3") == status(Status::Unavailable));
  CHECK(fig(r, "x", "ms_4") == doctest::Approx(6000));
  CHECK(fig(r, "db", "launches") == 2);  // restarted in its slot, not relaunched
}

TEST_CASE("addressed pool: a failed node waits for its repair; a zone outage downs the nodes placed there") {
  // fail_instance at 1 s: down until the repair at 10 s, ready after a 1 s boot (11 s).
  auto r = run(scenario(R"("nodes": 2, "work": "1s", "boot": "1s")",
                        R"([{"at": "1s", "do": "fail_instance", "n": 0}, {"at": "10s", "do": "repair_instance", "n": 0}])"));
  CHECK(fig(r, "db", "down_0_ms") == doctest::Approx(1000));
  CHECK(fig(r, "db", "ready_0_ms") == doctest::Approx(11000));
  // Placement by the owner (nodes 0 and 2 in zone b, node 1 in zone a), not round robin
  // (which would put node 2 in zone a).
  auto z = run(scenario(R"("nodes": 3, "work": "1s", "boot": "500ms", "zones": ["a", "b"], "placement": ["b", "a", "b"])",
                        R"([{"at": "1s", "do": "fail_zone", "zone": "b"}, {"at": "4s", "do": "restore_zone", "zone": "b"}])"));
  CHECK(fig(z, "db", "zone_of_2") == 1);
  CHECK(fig(z, "db", "down_0_ms") == doctest::Approx(1000));
  CHECK(fig(z, "db", "down_2_ms") == doctest::Approx(1000));
  CHECK_FALSE(has_fig(z, "db", "down_1_ms"));
  CHECK(fig(z, "db", "ready_2_ms") == doctest::Approx(4500));
}

TEST_CASE("addressed pool: a node crashed again waits the kubelet's back-off; a replaced one starts afresh") {
  // No recovery or boot: the first restart is at once (1 s), the second waits 10 s (2 s ->
  // 12 s), the third 20 s (20 s -> 40 s).
  auto r = run(scenario(R"("nodes": 1, "work": "1s")",
                        R"([{"at": "1s", "do": "crash", "n": 0}, {"at": "2s", "do": "crash", "n": 0},
                            {"at": "20s", "do": "crash", "n": 0}])"));
  CHECK(fig(r, "db", "ready_0_ms") == doctest::Approx(1000));
  CHECK(fig(r, "db", "ready_0_ms_2") == doctest::Approx(12000));
  CHECK(fig(r, "db", "ready_0_ms_3") == doctest::Approx(40000));
  // A planned stop at 2 s (the pod replaced) restarts at once and forgets the loop: the crash
  // at 3 s is a new container's first, restarted at once too.
  auto p = run(scenario(R"("nodes": 1, "work": "1s")",
                        R"([{"at": "1s", "do": "crash", "n": 0}, {"at": "2s", "do": "crash", "n": 100},
                            {"at": "3s", "do": "crash", "n": 0}])"));
  CHECK(fig(p, "db", "ready_0_ms_2") == doctest::Approx(2000));
  CHECK(fig(p, "db", "ready_0_ms_3") == doctest::Approx(3000));
}

TEST_CASE("addressed pool: nodes are billed by the owner's instance type, crashed or not; its speed applies") {
  // Three db.large nodes (speed 2, 0.5 $/h) for one hour, one of them crashed for a while:
  // a node is billed from launch to the end, down or not (the machine is still rented):
  // 3 x 1 h x 0.5 = 1.5 $. 1 s of work takes 0.5 s at speed 2.
  const std::string types = R"("instance_types": {"db.large": {"speed": 2, "price_per_hour": 0.5}},)";
  auto r = run(scenario(R"("nodes": 3, "work": "1s", "machine": "db.large", "recovery": "10s")",
                        R"([{"at": "1s", "call": 0, "tag": 0}, {"at": "5s", "do": "crash", "n": 1}])", "1h", types));
  CHECK(fig(r, "x", "ms_0") == doctest::Approx(1500));
  REQUIRE(r.cost.by_component.size() == 1);
  CHECK(r.cost.by_component[0].first == "db");
  CHECK(r.cost.by_component[0].second == doctest::Approx(1.5));
  CHECK(fig(r, "db", "instance_seconds") == doctest::Approx(3 * 3600.0));
  // The owner's field is blamed for an unknown type, at its JSON pointer.
  try {
    Simulation sim(nlohmann::json::parse(scenario(R"("nodes": 1, "work": "1s", "machine": "db.hug")", "[]", "1s", types)),
                   ::registry());
    FAIL("no error for an unknown instance type");
  } catch (const ScenarioError& e) {
    CHECK(e.pointer() == "/components/0/machine");
    CHECK(std::string(e.what()).find("db.hug") != std::string::npos);
  }
}
