// The Client component's state (client.h says what it models): shared by its building and
// reporting (client.cpp) and its run (client_run.cpp). Private to the client family.
#pragma once
#include <algorithm>
#include <cmath>
#include <memory>
#include <optional>
#include <vector>

#include "models/client/fixed_count.h"
#include "models/client/key_format.h"
#include "models/client/key_scramble.h"
#include "models/client/operational.h"
#include "models/client/session_ticket.h"
#include "models/contracts/capabilities.h"
#include "models/server/call_policy/call_policy.h"
#include "models/server/call_policy/on_timeout.h"
#include "scenario/build.h"
#include "sim/figures.h"
#include "sim/results.h"
#include "scenario/describe.h"
#include "sim/exponential.h"
#include "sim/zipf.h"

namespace archsim::client {

struct RouteSpec {
  std::uint32_t route = 0;
  double cumulative = 0;  // cumulative weight, for a pick by binary search
  std::optional<ZipfSampler> zipf;
  std::uint64_t key_count = 0;
  bool scramble = false;  // YCSB's ScrambledZipfian: the rank hashed to a key (key_scramble.h)
  std::optional<KeyFormat> format;  // string keys (keys.format): the number becomes a string key
  bool write = false;
  double response_kb = 0;  // body size of a successful reply, for cost.per_gb_egress
};

enum Tag : std::uint16_t { kArrival = 1, kThinkDone, kUsersTick, kSessionEnd, kWakeClock };

// Memory a user takes with a request in flight: its state, the call record, the timeout and
// one downstream job. Measured (dev build, peak RSS, 0.5/1/2 M closed-loop users all in
// flight through one service with a timeout): 390 bytes per user. More hops hold more.
constexpr double kBytesPerUser = 400;
enum UserState : std::uint8_t { kIdle, kThinking, kWaiting };

class Client final : public Component, public CallSink, public HasCapabilities, public Placement, public LoadSource {
 public:
  Client(Params& p, BuildContext& bc);

  bool accepts_calls() const override { return false; }

  // A load spike (models/faults load_spike) scales an open loop's arrival rate; a closed
  // loop offers none, so the injector refuses the fault at connect.
  Capabilities capabilities() override {
    Capabilities c;
    c.placement = this;
    if (!closed_) c.load_source = this;
    return c;
  }
  bool in_data_centre() const override { return internal_; }
  bool set_load_factor(Context& ctx, double factor) override;
  bool set_key_shift(Context& ctx, std::uint64_t offset) override;
  bool draws_keys() const override;

  void start(Context& ctx) override;

  void on_request(Context& ctx, CallId call) override { ctx.reply(call, Status::Error); }

  void on_timer(Context& ctx, std::uint16_t tag, std::uint64_t data) override;

  void on_reply(Context& ctx, CallId call, Status status, std::uint64_t token) override;

  void call_ended(Context& ctx, std::uint64_t token, Status status, const RequestInfo& req, Result) override;

  // Per user slot: the state byte here and, per closed-loop user, one scheduler event at a
  // time (a think timer or a call): about 43 bytes measured (RSS of 1 and 2 million users),
  // 64 counted. With exponential think times a thinking user holds no event (draw_wake):
  // 1 million users to 60 s, 12 MB of peak RSS against 157 MB with a timer each.
  // Every user may have a request in flight: kBytesPerUser each. An open loop's requests in
  // flight are not charged here: how many there are depends on how the run goes (a stable
  // system holds arrivals x response time, an overloaded one up to arrivals x timeout), so
  // the engine counts them during the run (Simulation::watch_in_flight).
  std::uint64_t memory_estimate() const override {
    return static_cast<std::uint64_t>(static_cast<double>(state_.capacity()) * kBytesPerUser);
  }

  void finish(Context& ctx, ComponentReport& r) override;

 private:
  void schedule_next_arrival(Context& ctx, Time t);
  // The next point of a Poisson process of `rate` after `t`: at least 1 ns on, kTimeMax when
  // the gap overflows Time (a rate so low there is no next point). Both arrival paths draw
  // through it, so the fast path draws what the general one would.
  [[gnu::always_inline]] Time poisson_next(Time t, double rate) {
    return after(t, std::max<Time>(1, from_seconds_saturated(standard_exponential(rng_) / (rate * load_factor_))));
  }
  [[gnu::noinline]] void next_arrival_by_profile(Context& ctx, Time t);

  // Whether the session of `ticket` ends at or before `t` (the exact end read only when the
  // ticket cannot tell).
  bool session_over_before(std::uint64_t ticket, Time t) const {
    const int known = SessionTicket::ends_by(ticket, t);
    return known >= 0 ? known != 0 : t >= session_end_[SessionTicket::user(ticket)];
  }

  void send(Context& ctx, std::uint64_t user, std::uint64_t token);

  const RouteSpec& pick_route() {
    if (routes_.size() == 1) return routes_[0];
    double x = rng_.uniform() * routes_.back().cumulative;
    for (const RouteSpec& r : routes_)
      if (x < r.cumulative) return r;
    return routes_.back();
  }

  void user_cycle(Context& ctx, std::uint64_t data);

  void start_session(Context& ctx);

  void end_session(Context& ctx, std::uint64_t user);

  void adjust_users(Context& ctx);

  void restart_clock(Context& ctx);
  void draw_wake(Context& ctx);
  void wake_clock(Context& ctx);

  void read_fixed_count(Params& p, BuildContext& bc);
  // The figures in summary.json, in order (client.cpp); finish() reports them.
  void declare_figures(Metrics& m, const std::string& id);

  FixedCount fixed_;
  BusinessCounters counters_;
  Time test_end_ = -1;  // when the last iteration ended (-1: the duration cut the test)
  RefId target_ = 0;
  double load_factor_ = 1;      // a load spike's (set_load_factor)
  std::uint64_t key_shift_ = 0;  // a hot-key shift's offset (set_key_shift); 0 costs one test per request
  std::uint64_t arrival_gen_ = 0;  // the pending arrival's: a rate change draws it again
  Time duration_ = 0;
  Time timeout_ = 0;
  bool cancel_ = false;  // "on_timeout": "cancel": the callee stops at each attempt's deadline
  bool internal_ = false;  // runs in the data centre (an internal caller): zone and region outages reach it
  std::unique_ptr<CallPolicy> policy_;
  bool constant_ = false, closed_ = false;
  bool flat_ = false;  // the rate profile is one constant: Poisson arrivals need no thinning
  // Poisson arrivals (or sessions) at a plain rate, a profile of one point: the fast path of
  // schedule_next_arrival.
  bool plain_poisson_ = false;
  Profile rate_, users_;
  Distribution think_;
  // Closed loop with exponential think times: the wake clock (restart_clock). thinking_
  // users think, all of them below span_; the pending tick was drawn with clock_bound_ at
  // clock_at_ (ns) and carries clock_gen_ (a tick of an older generation was replaced and
  // is ignored).
  bool pooled_think_ = false;
  std::uint64_t thinking_ = 0, span_ = 0, clock_bound_ = 0, clock_gen_ = 0;
  double clock_at_ = 0;
  std::vector<std::uint8_t> state_;
  std::uint64_t active_target_ = 0, sessions_ = 1000;
  // Closed loop: every user below this index is thinking or waiting. A user goes idle only
  // at or above the target of its time (user_cycle), which lowers it.
  std::uint64_t first_maybe_idle_ = 0;
  std::vector<RouteSpec> routes_;
  std::vector<double> kb_by_route_;  // response_kb by route index (empty: no egress priced)
  double egress_kb_ = 0;
  // Session mode: per slot the session's end and id; free slots; sessions per day.
  bool sessions_mode_ = false;
  Distribution length_;
  std::vector<Time> session_end_;
  std::vector<std::uint64_t> session_id_;
  std::vector<std::uint32_t> free_;
  std::vector<std::uint64_t> sessions_by_day_;
  std::uint64_t sessions_started_ = 0, active_ = 0;
  double peak_active_ = 0;
  GaugeId active_g_;
  CounterId sessions_c_;
  Rng rng_, key_rng_, session_rng_;
  CounterId sent_c_, ok_c_, failed_c_;
  HistogramId latency_h_, other_h_, latency_all_h_;
  GaugeId in_system_g_;
  Figures figures_;  // every figure but the business counters' and the call policy's, in order

 public:
  void describe(Description& d) const override;
};

}  // namespace archsim::client
