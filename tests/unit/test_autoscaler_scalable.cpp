// The autoscaler drives anything Scalable (models/contracts/capabilities.h), not only the
// service. No family but the service implements Scalable yet, so the target here is a test
// component: a pool whose instances start after `start_time` and share a fixed number of
// requests in flight. The real autoscaler model (registered as in the CLI) scales it on the
// in_flight metric, worked out by hand from the HPA rules (models/autoscaler/autoscaler.h):
//   t = 15 s: 1 ready pod holding 12, target 2 -> ratio 6 -> 6 pods, but the legacy limit
//             max(2 x 1, 4) allows 4: scale_to(4); the 3 new pods are ready at 20 s;
//   t = 30 s: 4 pods x 3 -> ratio 1.5 -> 6 (limit max(8, 4)): scale_to(6), ready at 35 s;
//   t = 45 s on: 6 pods x 2 -> ratio 1: no change.
// The pool's startup timers must land on the pool although the autoscaler calls scale_to
// (the context switch every capability method makes).
#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "models/contracts/capabilities.h"
#include "models/register_builtin.h"
#include "tests/unit/harness.h"
#include "scenario/build.h"
#include "sim/context.h"
#include "sim/results.h"
#include "sim/simulation.h"

using namespace archsim;
using archsim::test::fig;

namespace {

class Pool final : public Component, public HasCapabilities, public Scalable {
 public:
  Pool(Params& p, BuildContext&)
      : load_(static_cast<std::uint32_t>(p.integer("load", 0, 0, 1'000'000))),
        cpu_load_(static_cast<std::uint32_t>(p.integer("cpu_load", 0, 0, 1'000'000))),
        start_time_(p.duration("start_time", 0)) {
    const auto n = static_cast<std::uint32_t>(p.integer("replicas", 1, 0, 1000));
    for (std::uint32_t i = 0; i < n; ++i) instances_.push_back(Instance{next_serial_++, true, 0, 0, 0});
  }

  Capabilities capabilities() override {
    Capabilities c;
    c.scalable = this;
    return c;
  }
  bool accepts_calls() const override { return false; }
  void on_request(Context& ctx, CallId call) override { ctx.reply(call, Status::Error); }

  void on_timer(Context& ctx, std::uint16_t, std::uint64_t serial) override {
    ++timers_;
    advance(ctx.now());
    for (Instance& i : instances_)
      if (i.serial == serial) {
        i.ready = true;
        i.ready_since = i.changed = ctx.now();
      }
  }

  void finish(Context&, ComponentReport& r) override {
    r.add("replicas", replicas());
    r.add("ready_replicas", ready_replicas());
    r.add("scale_calls", static_cast<double>(history_.size()));
    r.add("startup_timers", timers_);
    for (std::size_t k = 0; k < history_.size(); ++k) r.add("scaled_to." + std::to_string(k), history_[k]);
  }

  // ---- Scalable ----
  std::uint32_t replicas() const override { return static_cast<std::uint32_t>(instances_.size()); }
  std::uint32_t ready_replicas() const override {
    std::uint32_t n = 0;
    for (const Instance& i : instances_) n += i.ready ? 1 : 0;
    return n;
  }
  std::uint32_t concurrency() const override { return 1000; }
  double memory_limit_mb() const override { return 0; }

  void scale_to(Context& ctx, std::uint32_t n) override {
    Context::ActingAs acting(ctx, index());
    history_.push_back(n);
    advance(ctx.now());
    while (instances_.size() > n) instances_.pop_back();
    while (instances_.size() < n) {
      Instance i{next_serial_++, start_time_ == 0, ctx.now(), ctx.now(), ctx.now()};
      instances_.push_back(i);
      if (!i.ready) ctx.schedule(start_time_, 1, i.serial);
    }
  }

  void instance_stats(Time now, std::vector<InstanceStat>& out) const override {
    out.clear();
    const std::uint32_t ready = ready_replicas();
    std::uint32_t k = 0;
    for (const Instance& i : instances_) {
      InstanceStat s;
      s.serial = i.serial;
      s.ready = i.ready;
      s.starting = !i.ready;
      s.launched = i.launched;
      s.ready_since = i.ready_since;
      s.readiness_changed = i.changed;
      s.cpu_area = i.cpu_area + (i.ready ? cpu_rate() * static_cast<double>(now - last_) : 0.0);
      // The load shared by the ready pods, the remainder on the first ones.
      if (i.ready && ready > 0) s.busy = load_ / ready + (k++ < load_ % ready ? 1 : 0);
      out.push_back(s);
    }
  }

 private:
  struct Instance {
    std::uint64_t serial;
    bool ready;
    Time launched, ready_since, changed;
    double cpu_area = 0;  // worker-ns of CPU up to last_
  };
  // The CPU load (in workers) shared evenly by the ready pods, integrated between changes.
  double cpu_rate() const {
    const std::uint32_t ready = ready_replicas();
    return ready > 0 ? static_cast<double>(cpu_load_) / ready : 0.0;
  }
  void advance(Time now) {
    const double rate = cpu_rate();
    for (Instance& i : instances_)
      if (i.ready) i.cpu_area += rate * static_cast<double>(now - last_);
    last_ = now;
  }
  std::uint32_t load_;
  std::uint32_t cpu_load_ = 0;
  Time last_ = 0;
  Time start_time_;
  std::vector<Instance> instances_;
  std::uint64_t next_serial_ = 1;
  std::vector<std::uint32_t> history_;
  double timers_ = 0;
};

RunResult run(const std::string& text) {
  Registry reg;
  register_builtin_models(reg);
  reg.add("pool", [](Params& p, BuildContext& bc) { return std::make_unique<Pool>(p, bc); });
  Simulation sim(nlohmann::json::parse(text), reg);
  sim.run();
  return sim.result();
}

std::string scenario(const std::string& hpa_extra) {
  return R"({"name": "pool", "duration": "2m", "components": [
    {"id": "pool", "type": "pool", "replicas": 1, "load": 12, "start_time": "5s"},
    {"id": "hpa", "type": "autoscaler", "target": "pool", "metrics": [{"type": "in_flight", "target": 2}]
     )" + hpa_extra + R"(}]})";
}

}  // namespace

TEST_CASE("autoscaler: scales a Scalable that is not a service, 1 -> 4 -> 6 by the HPA rules") {
  RunResult r = run(scenario(R"(, "max_replicas": 20)"));
  CHECK(fig(r, "pool", "scale_calls") == 2);
  CHECK(fig(r, "pool", "scaled_to.0") == 4);
  CHECK(fig(r, "pool", "scaled_to.1") == 6);
  CHECK(fig(r, "pool", "replicas") == 6);
  CHECK(fig(r, "pool", "ready_replicas") == 6);
  // 3 + 2 new pods, each made ready by a timer the pool scheduled from inside scale_to.
  CHECK(fig(r, "pool", "startup_timers") == 5);
  CHECK(fig(r, "hpa", "scale_ups") == 2);
  CHECK(fig(r, "hpa", "desired_replicas") == 6);
}

TEST_CASE("autoscaler: max_replicas bounds a non-service Scalable too") {
  RunResult r = run(scenario(R"(, "max_replicas": 5)"));
  CHECK(fig(r, "pool", "scaled_to.0") == 4);
  CHECK(fig(r, "pool", "scaled_to.1") == 5);
  CHECK(fig(r, "pool", "replicas") == 5);
  CHECK(fig(r, "hpa", "desired_replicas") == 5);
}

// groupPods' CPU rule on a run (hpa_algorithm.h, cpu_sample_unready). 2 workers of CPU shared
// by the ready pods of a pool whose concurrency is 1000: 2.0 pod-equivalents against a 50 %
// target needs 4 pods. New pods start in 20 s, not a multiple of the 15 s sync:
//   t = 15 s: 1 pod at 200 % -> ratio 4 -> 4 (legacy limit max(2, 4)); 3 pods ready at 35 s;
//   t = 30 s: 3 pods starting: unready, counted at 0 % in a scale-up: 2.0 / (4 x 0.5) = 1.0,
//             within tolerance: stays 4;
//   t = 45 s: the 3 became ready 10 s ago, inside their CPU initialization period, and a
//             whole 15 s window has not passed since: still unready. The old pod averaged
//             100 % over 30..45 s (200 % until 35, then 50 %): ratio 2, but with the others
//             at 0 % it is 1.0 / 2.0 = 0.5, and a ratio that flips direction keeps 4;
//   t = 60 s on: every pod at 50 %: ratio 1, no change.
// A controller that read the new pods' 10 s of samples (50 % each) would see
// (1.0 + 3 x 0.5) / 4 = 62.5 % against 50 %, ratio 1.25 -> 5 pods at 45 s: one too many.
TEST_CASE("autoscaler: CPU samples of pods that became ready inside the window are not trusted") {
  const std::string text = R"({"name": "pool", "duration": "2m", "components": [
    {"id": "pool", "type": "pool", "replicas": 1, "cpu_load": 2000, "start_time": "20s"},
    {"id": "hpa", "type": "autoscaler", "target": "pool", "max_replicas": 20,
     "metrics": [{"type": "cpu", "target": 0.5}]}]})";
  RunResult r = run(text);
  CHECK(fig(r, "pool", "scale_calls") == 1);
  CHECK(fig(r, "pool", "scaled_to.0") == 4);
  CHECK(fig(r, "hpa", "peak_desired_replicas") == 4);
}
