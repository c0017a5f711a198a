// The server pool (models/server/pool) on its own: a small server written here holds
// each request for `work` on a worker, and a script calls it and acts on its capabilities at
// given times. Lifecycle, the FIFO accept queue, crashes and restarts, draining, zones and
// OOM kills are checked against times worked out by hand.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "models/contracts/capabilities.h"
#include "models/server/pool/server_pool.h"
#include "sim/results.h"
#include "sim/simulation.h"
#include "tests/unit/harness.h"
#include "tests/unit/timed_script.h"

using namespace archsim;
using archsim::test::fig;

namespace {

// The smallest owner of a pool: a request takes `work` on a worker and is answered Ok with
// its key as the result; one refused is answered Rejected, one with no ready instance
// Unavailable, one dropped by the pool Dropped.
class PoolServer final : public Component, public HasCapabilities, public PoolJobs {
 public:
  PoolServer(Params& p, BuildContext& bc) : rng_(bc.rng(3)), pool_(*this, *this, rng_) {
    pool_.read(p, bc);
    work_ = p.duration("work");
    pool_.register_metrics(bc.metrics());
    pool_.register_memory_metrics(bc.metrics());
    figures_ = Figures(bc.metrics(), bc.id());
    pool_.declare_load(figures_);
  }
  Capabilities capabilities() override { return {&pool_, &pool_, &pool_, &pool_, nullptr}; }
  void start(Context& ctx) override { pool_.start(ctx); }
  void on_request(Context& ctx, CallId call) override {
    const int pick = pool_.pick(ctx.request(call));
    if (pick < 0) {
      ctx.reply(call, Status::Unavailable);
      return;
    }
    const auto slot = static_cast<std::uint32_t>(pick);
    if (pool_.full(slot)) {
      ctx.reply(call, Status::Rejected);
      return;
    }
    const auto j = static_cast<std::uint32_t>(jobs_.size());
    jobs_.push_back({call, slot, true});
    if (pool_.admit(ctx, slot, j)) begin(ctx, j);
    pool_.check_memory(ctx, slot);
  }
  void on_timer(Context& ctx, std::uint16_t tag, std::uint64_t data) override {
    if (ServerPool::owns_timer(tag)) return pool_.on_timer(ctx, tag, data);
    const auto j = static_cast<std::uint32_t>(data >> 32);
    Job& job = jobs_[j];
    if (!job.live || static_cast<std::uint32_t>(data) != serial_of(j)) return;  // dropped meanwhile
    job.live = false;
    pool_.add_cpu(ctx, job.slot, -1);
    ctx.reply(job.call, Status::Ok, Result{ctx.request(job.call).key, 0});
    pool_.job_done(ctx, job.slot);
    const std::uint32_t next = pool_.worker_done(ctx, job.slot);
    if (next != ServerPool::kNone) begin(ctx, next);
  }
  void drop_jobs(Context& ctx, std::uint32_t slot) override {
    for (Job& job : jobs_) {
      if (!job.live || job.slot != slot) continue;
      job.live = false;
      ++drops_;
      ctx.reply(job.call, Status::Dropped);
      pool_.job_done(ctx, slot);
    }
  }
  void slot_launched(std::uint32_t) override { ++launches_; }
  void finish(Context& ctx, ComponentReport& r) override {
    figures_.report(ctx, r);
    r.add("launches", launches_);
    r.add("drops", drops_);
    const auto h = pool_.ready_history(ctx.end_time(), ctx.warmup());
    r.add("outages", h.outages);
    r.add("outage_seconds", h.outage_seconds);
    r.add("oom_kills", h.oom_kills);
    pool_.report_billing(ctx, r);
  }

 private:
  struct Job {
    CallId call;
    std::uint32_t slot;
    bool live;
  };
  static std::uint32_t serial_of(std::uint32_t j) { return j ^ 0x5a5a; }
  void begin(Context& ctx, std::uint32_t j) {
    pool_.add_cpu(ctx, jobs_[j].slot, +1);
    ctx.schedule(work_, 1, (static_cast<std::uint64_t>(j) << 32) | serial_of(j));
  }
  Rng rng_;
  ServerPool pool_;
  Figures figures_;  // the pool's load figures
  Time work_ = 0;
  std::vector<Job> jobs_;  // grows per request: fine for a test
  double launches_ = 0, drops_ = 0;
};

// Runs `actions` at their times against "target": {"at", "call": key} calls it (figures
// "status_<key>" and "ms_<key>": the reply's status and time), {"at", "do", "n", "zone",
// "label"} acts on its capabilities; "probe" records "ready_<label>" and "replicas_<label>".
struct ScriptAction {
  Time at = 0;
  std::int64_t key = -1;
  std::string what, zone, label;
  std::uint32_t n = 0;
};

class Script final : public test::TimedScript<ScriptAction> {
 public:
  Script(Params& p, BuildContext& bc)
      : TimedScript(p, bc, [](Params& a, ScriptAction& x) {
          x.key = a.integer("call", -1, -1, 1000);
          x.what = a.string("do", "");
          x.n = static_cast<std::uint32_t>(a.integer("n", 0, 0, 1000));
          x.zone = a.string("zone", "");
          x.label = a.string("label", "");
        }) {}
  void act(Context& ctx, const ScriptAction& a) override {
    if (a.key >= 0) {
      RequestInfo req;
      req.key = static_cast<std::uint64_t>(a.key);
      ctx.call(target_, req, static_cast<std::uint64_t>(a.key), 0);
    } else if (a.what == "scale_to") {
      caps_.scalable->scale_to(ctx, a.n);
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
    } else if (a.what == "probe") {
      r_.add("ready_" + a.label, caps_.scalable->ready_replicas());
      r_.add("replicas_" + a.label, caps_.scalable->replicas());
    } else if (a.what == "stats") {
      std::vector<InstanceStat> v;
      caps_.scalable->instance_stats(ctx.now(), v);
      r_.add("cpu_area_s_" + a.label, v.at(0).cpu_area / 1e9);
      r_.add("busy_area_s_" + a.label, v.at(0).busy_area / 1e9);
    }
  }
  void on_reply(Context& ctx, CallId, Status status, std::uint64_t key) override {
    r_.add("status_" + std::to_string(key), static_cast<double>(status));
    r_.add("ms_" + std::to_string(key), to_seconds(ctx.now()) * 1000);
  }
};

RunResult run(const std::string& server, const std::string& actions, const std::string& duration = "60s") {
  Registry reg;
  reg.add("pool_server", [](Params& p, BuildContext& bc) { return std::make_unique<PoolServer>(p, bc); });
  reg.add("script", [](Params& p, BuildContext& bc) { return std::make_unique<Script>(p, bc); });
  const std::string text = R"({"name": "pool", "duration": ")" + duration + R"(", "components": [
      {"id": "s", "type": "pool_server", )" + server + R"(},
      {"id": "x", "type": "script", "target": "s", "actions": )" + actions + R"(}]})";
  Simulation sim(nlohmann::json::parse(text), reg);
  sim.run();
  return sim.result();
}

double status(Status s) { return static_cast<double>(s); }

}  // namespace

TEST_CASE("server pool: the accept queue is FIFO and bounded; a full one refuses at once") {
  // One worker, room for two in the queue: keys 0..3 arrive at t = 0, each takes 1 s.
  auto r = run(R"("work": "1s", "concurrency": 1, "queue_capacity": 2)",
               R"([{"at": "0s", "call": 0}, {"at": "0s", "call": 1}, {"at": "0s", "call": 2}, {"at": "0s", "call": 3},
                   {"at": "10ms", "call": 4}])");
  CHECK(fig(r, "x", "ms_0") == doctest::Approx(1000));
  CHECK(fig(r, "x", "ms_1") == doctest::Approx(2000));
  CHECK(fig(r, "x", "ms_2") == doctest::Approx(3000));
  CHECK(fig(r, "x", "status_3") == status(Status::Rejected));
  CHECK(fig(r, "x", "ms_3") == doctest::Approx(0));
  CHECK(fig(r, "x", "status_4") == status(Status::Rejected));
  CHECK(fig(r, "x", "status_2") == status(Status::Ok));
  CHECK(fig(r, "s", "launches") == 1);
}

TEST_CASE("server pool: a scaled-up instance is not ready during start-up and gets no traffic") {
  // Two workers per instance; the new instance starts for 5 s. Requests at 1 s go to the
  // one ready instance only (both its workers), the third waits in its queue.
  auto r = run(R"("work": "2s", "concurrency": 2, "replicas": 1, "startup_time": "5s")",
               R"([{"at": "0s", "do": "scale_to", "n": 2}, {"at": "0s", "do": "probe", "label": "0"},
                   {"at": "1s", "call": 0}, {"at": "1s", "call": 1}, {"at": "1s", "call": 2},
                   {"at": "4999ms", "do": "probe", "label": "4"}, {"at": "5001ms", "do": "probe", "label": "5"}])");
  CHECK(fig(r, "x", "replicas_0") == 2);
  CHECK(fig(r, "x", "ready_0") == 1);
  CHECK(fig(r, "x", "ready_4") == 1);
  CHECK(fig(r, "x", "ready_5") == 2);
  CHECK(fig(r, "x", "ms_0") == doctest::Approx(3000));
  CHECK(fig(r, "x", "ms_2") == doctest::Approx(5000));  // queued behind a worker of the first instance
  CHECK(fig(r, "s", "peak_replicas") == 2);
}

TEST_CASE("server pool: a crash drops what the instance held; it is back after restart + start-up") {
  auto r = run(R"("work": "1s", "concurrency": 1, "restart_time": "2s", "startup_time": "1s")",
               R"([{"at": "0s", "call": 0}, {"at": "0s", "call": 1}, {"at": "500ms", "do": "crash", "n": 1},
                   {"at": "600ms", "call": 2}, {"at": "3400ms", "do": "probe", "label": "a"},
                   {"at": "3600ms", "do": "probe", "label": "b"}, {"at": "4s", "call": 3}])");
  CHECK(fig(r, "x", "status_0") == status(Status::Dropped));  // working
  CHECK(fig(r, "x", "status_1") == status(Status::Dropped));  // queued
  CHECK(fig(r, "x", "ms_0") == doctest::Approx(500));
  CHECK(fig(r, "x", "status_2") == status(Status::Unavailable));  // no ready instance
  CHECK(fig(r, "x", "ready_a") == 0);
  CHECK(fig(r, "x", "replicas_a") == 1);  // a restarting instance is still desired
  CHECK(fig(r, "x", "ready_b") == 1);
  CHECK(fig(r, "x", "status_3") == status(Status::Ok));
  CHECK(fig(r, "s", "drops") == 2);
  CHECK(fig(r, "s", "outages") == 1);
  CHECK(fig(r, "s", "outage_seconds") == doctest::Approx(3.0));
}

TEST_CASE("server pool: a failed instance waits for its repair; a crash of none crashes nothing") {
  auto r = run(R"("work": "1s", "replicas": 2, "startup_time": "1s")",
               R"([{"at": "1s", "do": "fail_instance", "n": 0}, {"at": "2s", "do": "probe", "label": "a"},
                   {"at": "10s", "do": "probe", "label": "b"}, {"at": "10s", "do": "repair_instance", "n": 0},
                   {"at": "10500ms", "do": "probe", "label": "c"}, {"at": "11500ms", "do": "probe", "label": "d"}])");
  CHECK(fig(r, "x", "ready_a") == 1);
  CHECK(fig(r, "x", "ready_b") == 1);  // no restart without a repair
  CHECK(fig(r, "x", "ready_c") == 1);  // starting
  CHECK(fig(r, "x", "ready_d") == 2);
  CHECK(fig(r, "s", "outages") == 0);
}

TEST_CASE("server pool: scale-in drains in-flight work within termination_grace, then drops the rest") {
  SUBCASE("the grace suffices: what it held and queued is answered, then it is gone") {
    auto r = run(R"("work": "1s", "concurrency": 1, "replicas": 1, "termination_grace": "30s")",
                 R"([{"at": "0s", "call": 0}, {"at": "0s", "call": 1}, {"at": "500ms", "do": "scale_to", "n": 0},
                     {"at": "600ms", "call": 2}, {"at": "700ms", "do": "probe", "label": "a"}])");
    CHECK(fig(r, "x", "status_0") == status(Status::Ok));
    CHECK(fig(r, "x", "status_1") == status(Status::Ok));
    CHECK(fig(r, "x", "ms_1") == doctest::Approx(2000));
    CHECK(fig(r, "x", "status_2") == status(Status::Unavailable));  // draining: no new work
    CHECK(fig(r, "x", "replicas_a") == 0);
    // Billing: one instance, alive from 0 to 2 s.
    CHECK(fig(r, "s", "instance_seconds") == doctest::Approx(2.0));
  }
  SUBCASE("the grace runs out: what is left is dropped at its end") {
    auto r = run(R"("work": "1s", "concurrency": 1, "replicas": 1, "termination_grace": "1200ms")",
                 R"([{"at": "0s", "call": 0}, {"at": "0s", "call": 1}, {"at": "500ms", "do": "scale_to", "n": 0}])");
    CHECK(fig(r, "x", "status_0") == status(Status::Ok));
    CHECK(fig(r, "x", "status_1") == status(Status::Dropped));
    CHECK(fig(r, "x", "ms_1") == doctest::Approx(1700));
    CHECK(fig(r, "s", "instance_seconds") == doctest::Approx(1.7));
  }
  SUBCASE("an idle instance goes at once; the newest ready one is the victim") {
    auto r = run(R"("work": "1s", "replicas": 3)",
                 R"([{"at": "1s", "do": "scale_to", "n": 1}, {"at": "1s", "do": "probe", "label": "a"}])", "10s");
    CHECK(fig(r, "x", "replicas_a") == 1);
    CHECK(fig(r, "s", "instance_seconds") == doctest::Approx(10 + 1 + 1));
  }
}

TEST_CASE("server pool: a zone outage takes its instances down until it is restored") {
  auto r = run(R"("work": "1s", "replicas": 4, "zones": ["a", "b"], "startup_time": "1s")",
               R"([{"at": "1s", "do": "fail_zone", "zone": "a"}, {"at": "2s", "do": "probe", "label": "down"},
                   {"at": "20s", "do": "probe", "label": "still"}, {"at": "20s", "do": "restore_zone", "zone": "a"},
                   {"at": "21500ms", "do": "probe", "label": "back"}])");
  CHECK(fig(r, "x", "ready_down") == 2);
  CHECK(fig(r, "x", "replicas_down") == 4);
  CHECK(fig(r, "x", "ready_still") == 2);
  CHECK(fig(r, "x", "ready_back") == 4);
}

TEST_CASE("server pool: requests held pass the memory limit: the instance is OOM-killed with everything it holds") {
  // 10 MB + 30 MB per request held, limit 100: the third request fits (100), the fourth kills.
  auto r = run(R"("work": "1s", "concurrency": 1, "memory": {"limit_mb": 100, "base_mb": 10, "per_request_mb": 30})",
               R"([{"at": "0s", "call": 0}, {"at": "0s", "call": 1}, {"at": "0s", "call": 2},
                   {"at": "100ms", "do": "probe", "label": "a"}, {"at": "200ms", "call": 3},
                   {"at": "300ms", "call": 4}])");
  CHECK(fig(r, "x", "ready_a") == 1);
  for (const char* k : {"status_0", "status_1", "status_2", "status_3"}) CHECK(fig(r, "x", k) == status(Status::Dropped));
  CHECK(fig(r, "x", "ms_0") == doctest::Approx(200));
  CHECK(fig(r, "s", "oom_kills") == 1);
  // The first kill restarts at once (no back-off; restart and start-up times are 0).
  CHECK(fig(r, "x", "status_4") == status(Status::Ok));
  CHECK(fig(r, "x", "ms_4") == doctest::Approx(1300));
}

TEST_CASE("server pool: between two changes the autoscaler's CPU area grows as the pool integrates it, shared cores included") {
  // 4 workers on 1 core: one request in work keeps the core busy, which is 4 worker-equivalents
  // (cpu_load), as the pool integrates at each change. Probed 1 s into a 10 s piece of work,
  // with no change in between: 4 worker-seconds of CPU and 1 of busy worker. Counting the
  // workers in work instead (1) is the error this catches; 2 s later, 12 and 3.
  auto r = run(R"("replicas": 1, "concurrency": 4, "cores": 1, "work": "10s")",
               R"([{"at": "0s", "call": 1}, {"at": "1s", "do": "stats", "label": "a"},
                   {"at": "3s", "do": "stats", "label": "b"}])");
  CHECK(fig(r, "x", "cpu_area_s_a") == doctest::Approx(4.0));
  CHECK(fig(r, "x", "busy_area_s_a") == doctest::Approx(1.0));
  CHECK(fig(r, "x", "cpu_area_s_b") == doctest::Approx(12.0));
  // Without shared cores the two areas are the same.
  auto u = run(R"("replicas": 1, "concurrency": 4, "work": "10s")",
               R"([{"at": "0s", "call": 1}, {"at": "1s", "do": "stats", "label": "a"}])");
  CHECK(fig(u, "x", "cpu_area_s_a") == doctest::Approx(1.0));
  CHECK(fig(u, "x", "busy_area_s_a") == doctest::Approx(1.0));
}
