// The pool driving a family's jobs (models/server/pool/pool_driven.h): the exact order in
// which it calls its owner's hooks for a small sequence of jobs, as SimPy's tests check a
// Resource's events one by one. The owner here records every hook it is called with, and the
// return of each accept(), at the time of the call; the test compares the whole trace.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "models/server/pool/pool_driven.h"
#include "tests/unit/harness.h"
#include "tests/unit/timed_script.h"

using namespace archsim;

namespace {

std::vector<std::string> g_trace;  // one run at a time: the tests below run one after another

void note(const Context& ctx, const std::string& what) { g_trace.push_back(std::to_string(ctx.now() / kMillisecond) + "ms " + what); }

// One addressed node of one worker and `queue_capacity` waiting places. A request's key is
// its label; a job labelled 100 or more is one whose caller gave up while it was queued (the
// owner drops it at its turn). Work takes `work`; a crash restarts the node after `recovery`.
class TraceServer final : public Component, public HasCapabilities, public PoolDriven<TraceServer> {
 public:
  TraceServer(Params& p, BuildContext& bc) : PoolDriven(*this, bc.rng(3)) {
    PoolNodes spec;
    spec.queue_capacity = p.integer("queue_capacity", -1, -1, 100);
    spec.type_field = "";
    spec.restart = p.distribution("recovery", Distribution::constant(0));
    pool_.configure(p, bc, spec);
    work_ = p.duration("work");
    pool_.register_metrics(bc.metrics());
  }
  Capabilities capabilities() override {
    Capabilities c;
    c.crashable = &pool_;  // the pool's own crashes: its one node
    return c;
  }
  void start(Context& ctx) override { pool_.start(ctx); }
  void on_request(Context& ctx, CallId call) override {
    const auto label = static_cast<std::uint32_t>(ctx.request(call).key);
    if (!pool_.serving(0)) {
      note(ctx, "unavailable " + std::to_string(label));
      ctx.reply(call, Status::Unavailable);
      return;
    }
    const auto j = static_cast<std::uint32_t>(jobs_.size());
    jobs_.push_back({call, label, true});
    switch (accept(ctx, 0, j)) {
      case Accepted::Started: note(ctx, "accept " + std::to_string(label) + ": started"); break;
      case Accepted::Queued: note(ctx, "accept " + std::to_string(label) + ": queued"); break;
      case Accepted::Rejected:
        note(ctx, "accept " + std::to_string(label) + ": rejected");
        jobs_[j].live = false;
        ctx.reply(call, Status::Rejected);
        break;
    }
  }
  void on_timer(Context& ctx, std::uint16_t tag, std::uint64_t data) override {
    if (pool_timer(ctx, tag, data)) return;
    Job& job = jobs_[data];
    if (!job.live) return;  // dropped meanwhile
    job.live = false;
    note(ctx, "work done " + std::to_string(job.label));
    finish_service(ctx, 0);
    ctx.reply(job.call, Status::Ok);
  }
  void finish(Context&, ComponentReport&) override {}

  // ---- the pool's hooks ----
  void start_service(Context& ctx, std::uint32_t slot, std::uint32_t j, bool waited) {
    note(ctx, "start_service " + std::to_string(jobs_[j].label) + " slot " + std::to_string(slot) + (waited ? " waited" : ""));
    ctx.schedule(work_, 1, j);
  }
  bool dropped(Context& ctx, std::uint32_t, std::uint32_t j) {
    if (jobs_[j].label < 100) return false;
    note(ctx, "dropped " + std::to_string(jobs_[j].label));
    jobs_[j].live = false;
    ctx.reply(jobs_[j].call, Status::Timeout);
    return true;
  }

  // ---- PoolJobs ----
  void drop_jobs(Context& ctx, std::uint32_t slot) override {
    for (Job& job : jobs_) {
      if (!job.live) continue;
      note(ctx, "drop_jobs " + std::to_string(job.label));
      job.live = false;
      ctx.reply(job.call, Status::Dropped);
      pool_.job_done(ctx, slot);
    }
  }
  void slot_launched(std::uint32_t) override {}
  void slot_down(Context& ctx, std::uint32_t slot) override { note(ctx, "slot_down " + std::to_string(slot)); }
  void slot_ready(Context& ctx, std::uint32_t slot) override { note(ctx, "slot_ready " + std::to_string(slot)); }

 private:
  struct Job {
    CallId call;
    std::uint32_t label;
    bool live;
  };
  Time work_ = 0;
  std::vector<Job> jobs_;  // grows per request: fine for a test
};

// {"at", "call": label} sends a request labelled so; {"at", "do": "crash"} crashes the node.
struct Action {
  Time at = 0;
  std::int64_t label = -1;
  bool crash = false;
};

class Script final : public test::TimedScript<Action> {
 public:
  Script(Params& p, BuildContext& bc)
      : TimedScript(p, bc, [](Params& a, Action& x) {
          x.label = a.integer("call", -1, -1, 1000);
          x.crash = a.string("do", "") == "crash";
        }) {}
  void act(Context& ctx, const Action& a) override {
    if (a.crash) {
      caps_.crashable->crash(ctx, 1);
      return;
    }
    RequestInfo req;
    req.key = static_cast<std::uint64_t>(a.label);
    ctx.call(target_, req, 0, 0);
  }
  void on_reply(Context&, CallId, Status, std::uint64_t) override {}
};

std::vector<std::string> run_trace(const std::string& server, const std::string& actions) {
  Registry reg = test::registry();
  reg.add("trace_server", [](Params& p, BuildContext& bc) { return std::make_unique<TraceServer>(p, bc); });
  reg.add("script", [](Params& p, BuildContext& bc) { return std::make_unique<Script>(p, bc); });
  g_trace.clear();
  test::run(R"({"name": "hooks", "duration": "1s", "components": [
      {"id": "node", "type": "trace_server", )" + server + R"(},
      {"id": "x", "type": "script", "target": "node", "actions": )" + actions + R"(}]})",
            reg);
  return g_trace;
}

}  // namespace

TEST_CASE("pool driven: the hooks' exact order for start, queue, hand-on, reject, drop at turn and crash") {
  // One worker, two waiting places, 10 ms of work, 50 ms to restart. Job 1 starts at once;
  // 101 (its caller gives up) and 3 queue; 4 finds the queue full. When 1's work ends its
  // worker passes 101 (dropped at its turn) to 3. 5 queues behind 3; the crash at 15 ms
  // drops 3 (working) and 5 (queued), then says the node is down; it is back at 65 ms, and 6
  // at 70 ms starts at once.
  const auto trace = run_trace(R"("queue_capacity": 2, "work": "10ms", "recovery": "50ms")",
                               R"([{"at": "0ms", "call": 1}, {"at": "1ms", "call": 101}, {"at": "2ms", "call": 3},
                                   {"at": "3ms", "call": 4}, {"at": "12ms", "call": 5}, {"at": "15ms", "do": "crash"},
                                   {"at": "20ms", "call": 7}, {"at": "70ms", "call": 6}])");
  const std::vector<std::string> expected = {
      "0ms start_service 1 slot 0",
      "0ms accept 1: started",
      "1ms accept 101: queued",
      "2ms accept 3: queued",
      "3ms accept 4: rejected",
      "10ms work done 1",
      "10ms dropped 101",
      "10ms start_service 3 slot 0 waited",
      "12ms accept 5: queued",
      "15ms drop_jobs 3",
      "15ms drop_jobs 5",
      "15ms slot_down 0",
      "20ms unavailable 7",
      "65ms slot_ready 0",
      "70ms start_service 6 slot 0",
      "70ms accept 6: started",
      "80ms work done 6",
  };
  CHECK(trace == expected);
}

TEST_CASE("pool driven: an unbounded queue never rejects, and a freed worker passes every dropped job in one go") {
  // Without queue_capacity every job is admitted; three given-up jobs in a row are dropped
  // at the one hand-on of 1's worker, which then goes to 2.
  const auto trace = run_trace(R"("work": "10ms")",
                               R"([{"at": "0ms", "call": 1}, {"at": "1ms", "call": 101}, {"at": "1ms", "call": 102},
                                   {"at": "1ms", "call": 103}, {"at": "2ms", "call": 2}])");
  const std::vector<std::string> expected = {
      "0ms start_service 1 slot 0",
      "0ms accept 1: started",
      "1ms accept 101: queued",
      "1ms accept 102: queued",
      "1ms accept 103: queued",
      "2ms accept 2: queued",
      "10ms work done 1",
      "10ms dropped 101",
      "10ms dropped 102",
      "10ms dropped 103",
      "10ms start_service 2 slot 0 waited",
      "20ms work done 2",
  };
  CHECK(trace == expected);
}
