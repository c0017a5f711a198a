// Delays past the end of time: now + delay used to overflow int64 in Context::schedule,
// call and reply (a sampled delay that saturates at kTimeMax, a huge constant latency late
// in a long run), scheduling the event in the past. Saturated, it is due after the end of
// the run and never fires.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "sim/results.h"
#include "tests/unit/harness.h"
#include "sim/simulation.h"

using namespace archsim;

using archsim::test::fig;

namespace {

// At `at` (1 s) sets a timer kTimeMax ahead and a 1 ms one (which must still fire), and
// calls `target` (when given) over a link whose latency is what the scenario says.
class Sleeper : public Component {
 public:
  Sleeper(Params& p, BuildContext& bc)
      : at_(p.duration("at", kSecond)), has_target_(p.has("target")),
        target_(has_target_ ? bc.reference(p, "target", RefKind::SyncCall) : 0) {}
  bool accepts_calls() const override { return true; }
  void start(Context& ctx) override { ctx.schedule(at_, 0); }
  void on_request(Context& ctx, CallId call) override {
    ++delivered_;
    ctx.reply(call, Status::Ok);
  }
  void on_reply(Context&, CallId, Status, std::uint64_t) override { ++replies_; }
  void on_timer(Context& ctx, std::uint16_t tag, std::uint64_t) override {
    if (ctx.now() < last_) ++backwards_;
    last_ = ctx.now();
    if (tag == 0) {
      ctx.schedule(kTimeMax, 1);
      ctx.schedule(kMillisecond, 2);
      if (has_target_) ctx.call(target_, RequestInfo{}, 0);
    } else {
      ++fired_[tag];
    }
  }
  void finish(Context&, ComponentReport& r) override {
    r.add("far_fired", fired_[1]);
    r.add("near_fired", fired_[2]);
    r.add("backwards", backwards_);
    r.add("delivered", delivered_);
    r.add("replies", replies_);
  }

 private:
  Time at_;
  bool has_target_;
  RefId target_;
  Time last_ = 0;
  double fired_[3] = {0, 0, 0}, backwards_ = 0, delivered_ = 0, replies_ = 0;
};

RunResult run(const std::string& text) {
  Registry reg;
  reg.add("sleeper", [](Params& p, BuildContext& bc) { return std::make_unique<Sleeper>(p, bc); });
  Simulation sim(nlohmann::json::parse(text), reg);
  sim.run();
  return sim.result();
}

}  // namespace

TEST_CASE("saturation: a timer set kTimeMax ahead never fires, and time never runs backwards") {
  const RunResult r = run(R"({"duration": "10s", "components": [{"id": "s", "type": "sleeper"}]})");
  CHECK(fig(r, "s", "far_fired") == 0);
  CHECK(fig(r, "s", "near_fired") == 1);
  CHECK(fig(r, "s", "backwards") == 0);
}

TEST_CASE("saturation: a link latency that takes a call past the end of time leaves it in flight") {
  // A latency of 104,000 days is a valid duration; sent at day 2,800 it ends past 2^63 ns.
  const RunResult r = run(R"({"duration": "3000d", "network": {"latency": "104000d"}, "components": [
      {"id": "a", "type": "sleeper", "target": "b", "at": "2800d"},
      {"id": "b", "type": "sleeper"}]})");
  CHECK(fig(r, "b", "delivered") == 0);
  CHECK(fig(r, "a", "replies") == 0);
  CHECK(fig(r, "a", "backwards") == 0);
  CHECK(fig(r, "b", "backwards") == 0);
}
