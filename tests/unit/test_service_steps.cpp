// Service route steps beyond work and call: branches on a reply's result (cache-aside's
// on_miss / on_hit, check-then-act's on_not_found / on_found), "on_failure": "continue",
// weighted choices, one-way and acknowledged publishes. The callee that sets the flags is a
// small component written here, so the branch logic is tested on its own.
#include <doctest/doctest.h>

#include <cmath>

#include "models/contracts/result_flags.h"
#include "tests/unit/harness.h"

using namespace archsim;

namespace {

// Replies Ok with a flag for odd keys ("flag": "miss" or "not_found"), Error for keys that
// are multiples of "fail_every" (0: never). Counts what it answered.
class Flagger : public Component {
 public:
  Flagger(Params& p, BuildContext&)
      : flag_(p.choice("flag", "miss", {"miss", "not_found"}) == "miss" ? result_flags::kMiss : result_flags::kNotFound),
        fail_every_(static_cast<std::uint64_t>(p.integer("fail_every", 0, 0, 1000))) {}
  void on_request(Context& ctx, CallId call) override {
    const RequestInfo req = ctx.request(call);
    ++total_;
    if (fail_every_ && req.key % fail_every_ == 0) {
      ++failed_;
      ctx.reply(call, Status::Error);
      return;
    }
    const bool odd = req.key % 2 == 1;
    if (odd) ++flagged_;
    ctx.reply(call, Status::Ok, Result{req.key, odd ? flag_ : 0u});
  }
  void finish(Context&, ComponentReport& r) override {
    r.add("total", total_);
    r.add("flagged", flagged_);
    r.add("failed", failed_);
  }

 private:
  std::uint32_t flag_;
  std::uint64_t fail_every_;
  double total_ = 0, flagged_ = 0, failed_ = 0;
};

RunResult run(const std::string& text) {
  Registry reg;
  register_builtin_models(reg);
  reg.add("flagger", [](Params& p, BuildContext& bc) { return std::make_unique<Flagger>(p, bc); });
  Simulation sim(nlohmann::json::parse(text), reg);
  sim.run();
  return sim.result();
}

std::string branch_scenario(const std::string& flagger, const std::string& call_extra, const std::string& on_a,
                            const std::string& on_b) {
  return R"({"duration": "20s", "components": [
    {"id": "c", "type": "client", "target": "api", "arrivals": {"rate": 200},
     "routes": [{"name": "get", "keys": {"count": 1000}}]},
    {"id": "api", "type": "service", "concurrency": 100, "routes": {"get": [
      {"call": "f")" + call_extra + R"(, ")" + on_a + R"(": [{"call": "a"}], ")" + on_b + R"(": [{"call": "b"}]}]}},
    {"id": "f", "type": "flagger")" + flagger + R"(},
    {"id": "a", "type": "service", "concurrency": 100, "service_time": "1ms"},
    {"id": "b", "type": "service", "concurrency": 100, "service_time": "1ms"}]})";
}

}  // namespace

TEST_CASE("steps: on_miss runs exactly for the replies flagged miss, on_hit for the rest") {
  RunResult r = run(branch_scenario("", "", "on_miss", "on_hit"));
  const double flagged = test::fig(r, "f", "flagged"), total = test::fig(r, "f", "total");
  CHECK(total > 3000);
  CHECK(flagged > 0.4 * total);
  CHECK(test::fig(r, "a", "ok") == flagged);
  CHECK(test::fig(r, "b", "ok") == total - flagged);
  CHECK(r.outcomes.failed() == 0);
}

TEST_CASE("steps: on_not_found / on_found branch on the not-found flag, and ignore the miss flag") {
  RunResult r = run(branch_scenario(R"(, "flag": "not_found")", "", "on_not_found", "on_found"));
  CHECK(test::fig(r, "a", "ok") == test::fig(r, "f", "flagged"));
  // The miss branch does not read the not-found flag: every reply looks like a hit to it.
  RunResult m = run(branch_scenario(R"(, "flag": "not_found")", "", "on_miss", "on_hit"));
  CHECK(test::fig(m, "a", "ok") == 0);
  CHECK(test::fig(m, "b", "ok") == test::fig(m, "f", "total"));
}

TEST_CASE("steps: on_failure continue takes the miss branch for a failed call; fail (the default) fails the request") {
  RunResult r = run(branch_scenario(R"(, "fail_every": 3)", R"(, "on_failure": "continue")", "on_miss", "on_hit"));
  CHECK(test::fig(r, "f", "failed") > 0);
  CHECK(test::fig(r, "a", "ok") == test::fig(r, "f", "flagged") + test::fig(r, "f", "failed"));
  CHECK(r.outcomes.failed() == 0);
  RunResult f = run(branch_scenario(R"(, "fail_every": 3)", "", "on_miss", "on_hit"));
  CHECK(static_cast<double>(f.outcomes.failed()) == test::fig(f, "f", "failed"));
}

TEST_CASE("steps: a weighted choice takes each arm in proportion, and the same arms in every run") {
  const char* text = R"({"duration": "100s", "components": [
    {"id": "c", "type": "client", "target": "api", "arrivals": {"rate": 100}},
    {"id": "api", "type": "service", "concurrency": 100, "routes": {"default": [
      {"choice": [{"weight": 0.8, "steps": [{"call": "x"}]}, {"weight": 0.2, "steps": [{"call": "y"}, {"work": "1ms"}]}]},
      {"work": "1ms"}]}},
    {"id": "x", "type": "service", "concurrency": 100, "service_time": "1ms"},
    {"id": "y", "type": "service", "concurrency": 100, "service_time": "1ms"}]})";
  RunResult r = run(text);
  const double x = test::fig(r, "x", "ok"), y = test::fig(r, "y", "ok"), n = x + y;
  CHECK(n == static_cast<double>(r.outcomes.total()));
  // Binomial(n, 0.2): 4.5 standard deviations.
  CHECK(std::abs(y / n - 0.2) < 4.5 * std::sqrt(0.2 * 0.8 / n));
  CHECK(run(text).latency.mean == r.latency.mean);
}

TEST_CASE("steps: a one-way publish does not wait; an acknowledged one does") {
  auto scenario = [](const char* ack) {
    return std::string(R"({"duration": "20s", "components": [
      {"id": "c", "type": "client", "target": "api", "arrivals": {"process": "constant", "rate": 50}},
      {"id": "api", "type": "service", "concurrency": 100, "routes": {"default": [
        {"publish": "sink", "route": "event")") + ack + R"(}, {"work": "2ms"}]}},
      {"id": "sink", "type": "service", "concurrency": 100, "service_time": "30ms"}]})";
  };
  RunResult one_way = run(scenario(""));
  CHECK(one_way.latency.mean == doctest::Approx(2.0).epsilon(0.01));
  CHECK(test::fig(one_way, "sink", "ok") >= static_cast<double>(one_way.outcomes.total()) - 2);
  RunResult acked = run(scenario(R"(, "ack": true)"));
  CHECK(acked.latency.mean == doctest::Approx(32.0).epsilon(0.01));
}

TEST_CASE("steps: bad branch, choice, publish and repeat input is refused at its JSON location") {
  auto err = [](const std::string& steps) {
    return test::build_error(R"({"components": [
      {"id": "c", "type": "client", "target": "api", "arrivals": {"rate": 1}},
      {"id": "api", "type": "service", "routes": {"default": )" + steps + R"(}},
      {"id": "x", "type": "service", "service_time": "1ms"}]})");
  };
  CHECK(err(R"([{"choice": [{"weight": 0, "steps": []}]}])").pointer() == "/components/1/routes/default/0/choice");
  CHECK(err(R"([{"call": "x", "on_miss": [], "on_found": []}])").pointer() == "/components/1/routes/default/0");
  CHECK(err(R"([{"call": "x", "on_failure": "retry"}])").pointer() == "/components/1/routes/default/0/on_failure");
  CHECK(err(R"([{"parallel": [{"publish": "x"}]}])").pointer() == "/components/1/routes/default/0/parallel/0/publish");
  CHECK(err(R"([{"repeat": [{"call": "x"}], "probability": 1}])").pointer() ==
        "/components/1/routes/default/0/probability");
  CHECK(err(R"([{"repeat": []}])").pointer() == "/components/1/routes/default/0/repeat");
  CHECK(err(R"([{"publish": "x", "ack": "yes"}])").pointer() == "/components/1/routes/default/0/ack");
  CHECK(err(R"([{"call": "x", "on_miss": {"call": "x"}}])").pointer() == "/components/1/routes/default/0/on_miss");
}
