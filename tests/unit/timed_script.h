// A component for unit tests that acts at given times against one target (the pool, cache and
// queue tests drive their owner this way): it reads "target" and the scenario's "actions"
// (each with "at"), schedules every action at its time and hands it to act(). The target's
// capabilities are at hand for faults and scaling, and a report collects what the test reads.
#pragma once
#include <cstdint>
#include <vector>

#include "models/contracts/capabilities.h"
#include "scenario/build.h"
#include "sim/component.h"
#include "sim/context.h"
#include "scenario/params.h"
#include "sim/results.h"

namespace archsim::test {

// Action: a struct with `Time at` and whatever the subclass's reader fills in.
template <class Action>
class TimedScript : public Component {
 public:
  bool accepts_calls() const override { return false; }
  void connect(ConnectContext& cc) override { caps_ = capabilities_of(cc.target(target_)); }
  void start(Context& ctx) override {
    for (std::uint64_t i = 0; i < actions_.size(); ++i) ctx.schedule(actions_[i].at, 1, i);
  }
  void on_request(Context&, CallId) override {}
  void on_timer(Context& ctx, std::uint16_t, std::uint64_t i) override { act(ctx, actions_[i]); }
  void finish(Context&, ComponentReport& r) override { r = r_; }

 protected:
  // `read(params, action)` fills an action's own fields ("at" is read here).
  template <class Read>
  TimedScript(Params& p, BuildContext& bc, Read read) : target_(bc.reference(p, "target", RefKind::SyncCall)) {
    for (Params& a : p.objects("actions")) {
      Action x;
      x.at = a.duration("at");
      read(a, x);
      actions_.push_back(x);
    }
  }
  virtual void act(Context& ctx, const Action& a) = 0;

  RefId target_;
  Capabilities caps_;
  ComponentReport r_;

 private:
  std::vector<Action> actions_;
};

}  // namespace archsim::test
