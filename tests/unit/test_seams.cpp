// The engine's seams for families beyond the service: a reply carries a result, a one-way
// send makes no reply record, a callee can see that its caller gave up. Tested with small
// components written here, so nothing of a real family hides a defect of the engine.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "sim/results.h"
#include "tests/unit/harness.h"
#include "sim/simulation.h"

using namespace archsim;

using archsim::test::fig;

namespace {

// Answers after `delay` with the result {key * 2, flags 5}; counts what it saw.
class Echo : public Component {
 public:
  Echo(Params& p, BuildContext&) : delay_(p.duration("delay", 0)) {}
  void on_request(Context& ctx, CallId call) override {
    if (ctx.one_way(call)) ++one_way_;
    if (delay_ == 0) return answer(ctx, call);
    ctx.schedule(delay_, 1, call);
  }
  void on_timer(Context& ctx, std::uint16_t, std::uint64_t call) override {
    if (ctx.abandoned(call)) ++abandoned_;
    answer(ctx, call);
  }
  void finish(Context&, ComponentReport& r) override {
    r.add("one_way", one_way_);
    r.add("abandoned", abandoned_);
    r.add("answered", answered_);
  }

 private:
  void answer(Context& ctx, CallId call) {
    ++answered_;
    ctx.reply(call, Status::Ok, Result{ctx.request(call).key * 2, 5});
  }
  Time delay_;
  double one_way_ = 0, abandoned_ = 0, answered_ = 0;
};

// At t = 0: calls "target" with key 21 (timeout optional) and sends `sends` one-way messages.
class Asker : public Component {
 public:
  Asker(Params& p, BuildContext& bc)
      : target_(bc.reference(p, "target", RefKind::SyncCall)),
        sink_(p.has("sink") ? bc.reference(p, "sink", RefKind::AsyncSend) : 0),
        has_sink_(p.has("sink")),
        timeout_(p.duration("timeout", 0)),
        sends_(p.integer("sends", 0, 0, 1000)) {}
  bool accepts_calls() const override { return false; }
  void start(Context& ctx) override {
    RequestInfo req;
    req.key = 21;
    req.txn = 7;
    req.bytes = 512;
    ctx.call(target_, req, 99, timeout_);
    for (std::int64_t i = 0; i < sends_ && has_sink_; ++i) ctx.send(sink_, req);
  }
  void on_request(Context&, CallId) override {}
  void on_reply(Context& ctx, CallId call, Status status, std::uint64_t token) override {
    Result res = ctx.result(call);
    RequestInfo req = ctx.request(call);
    r_.add("status", static_cast<double>(status));
    r_.add("value", static_cast<double>(res.value));
    r_.add("flags", res.flags);
    r_.add("token", static_cast<double>(token));
    r_.add("txn", static_cast<double>(req.txn));
    r_.add("bytes", req.bytes);
  }
  void finish(Context&, ComponentReport& r) override { r = r_; }

 private:
  RefId target_, sink_;
  bool has_sink_;
  Time timeout_;
  std::int64_t sends_;
  ComponentReport r_;
};

Registry seam_registry() {
  Registry r;
  r.add("echo", [](Params& p, BuildContext& bc) { return std::make_unique<Echo>(p, bc); });
  r.add("asker", [](Params& p, BuildContext& bc) { return std::make_unique<Asker>(p, bc); });
  return r;
}

RunResult run(const std::string& text) {
  Registry reg = seam_registry();
  Simulation sim(nlohmann::json::parse(text), reg);
  sim.run();
  return sim.result();
}

}  // namespace

TEST_CASE("seams: a reply's result round-trips to the caller, with the request's transaction id and size") {
  RunResult r = run(R"({"duration": "1s", "components": [
    {"id": "a", "type": "asker", "target": "e"},
    {"id": "e", "type": "echo", "delay": "3ms"}]})");
  CHECK(fig(r, "a", "status") == static_cast<double>(Status::Ok));
  CHECK(fig(r, "a", "value") == 42);
  CHECK(fig(r, "a", "flags") == 5);
  CHECK(fig(r, "a", "token") == 99);
  CHECK(fig(r, "a", "txn") == 7);
  CHECK(fig(r, "a", "bytes") == 512);
}

TEST_CASE("seams: a one-way send is delivered, makes no reply and no reply event") {
  // One call (deliver + reply = 2 component events) and 10 one-way sends (10 deliveries):
  // a reply record for the sends would add 10 reply events.
  RunResult r = run(R"({"duration": "1s", "components": [
    {"id": "a", "type": "asker", "target": "e", "sink": "s", "sends": 10},
    {"id": "e", "type": "echo"},
    {"id": "s", "type": "echo"}]})");
  CHECK(fig(r, "s", "one_way") == 10);
  CHECK(fig(r, "s", "answered") == 10);
  CHECK(fig(r, "e", "one_way") == 0);
  CHECK(fig(r, "a", "value") == 42);
  CHECK(r.events == 12);
}

TEST_CASE("seams: a callee sees abandoned() once its caller timed out, and the caller gets an empty result") {
  RunResult r = run(R"({"duration": "1s", "components": [
    {"id": "a", "type": "asker", "target": "e", "timeout": "2ms"},
    {"id": "e", "type": "echo", "delay": "5ms"}]})");
  CHECK(fig(r, "a", "status") == static_cast<double>(Status::Timeout));
  CHECK(fig(r, "a", "value") == 0);
  CHECK(fig(r, "a", "flags") == 0);
  CHECK(fig(r, "e", "abandoned") == 1);
  CHECK(fig(r, "e", "answered") == 1);
  // Answered in time: not abandoned.
  RunResult ok = run(R"({"duration": "1s", "components": [
    {"id": "a", "type": "asker", "target": "e", "timeout": "10ms"},
    {"id": "e", "type": "echo", "delay": "5ms"}]})");
  CHECK(fig(ok, "e", "abandoned") == 0);
  CHECK(fig(ok, "a", "value") == 42);
}
