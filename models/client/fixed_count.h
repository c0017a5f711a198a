// A fixed-count load test: a closed-loop client that stops after a number of requests, as
// ApacheBench does (`ab -n 1000 -c 10`: 10 concurrent users share 1,000 requests; support/ab.c
// hands the next request to whichever connection is free until `requests` were started) and as
// k6's iteration executors do (lib/executor/shared_iterations.go: `iterations` shared by `vus`;
// per_vu_iterations.go: each VU runs `iterations` of its own, so the test lasts as long as its
// slowest VU).
//
// An iteration is one request and then the user's think time (k6's `http.get(); sleep(t)`);
// every user starts its first iteration at t = 0 (k6 starts all VUs at once, ab opens all
// connections at once). The test ends when its last iteration ends; the run then ends too
// (Context::test_ended), the scenario's duration being the cap (k6's maxDuration: the
// iterations still to run are reported as interrupted).
// Reported as ab prints it: the time taken, requests per second (complete requests / time
// taken) and time per request (users x time taken / complete requests).
// Simplifications: no connection set-up (ab's and k6's connect time is not modelled); a failed
// or timed-out request ends its iteration like a success (both tools count it and go on);
// no ramping (k6's ramping-vus is the client's `users` profile without `iterations`).
#pragma once
#include <cmath>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "scenario/params.h"
#include "sim/profile.h"
#include "sim/figures.h"
#include "sim/results.h"
#include "sim/time.h"

namespace archsim {

struct FixedCount {
  enum class Executor : std::uint8_t { Shared, PerUser };
  bool on = false;
  Executor executor = Executor::Shared;
  std::uint64_t iterations = 0;  // the test's total (Shared) or each user's (PerUser)
  std::uint64_t users = 0;
  std::uint64_t total = 0;  // iterations the test runs in all
  std::uint64_t started = 0, ended = 0;
  std::vector<std::uint64_t> by_user;  // PerUser: iterations each user has begun

  // Reads `iterations` and `executor` of a closed-loop client of `users` (its profile), in a
  // run with `warmup`; fails at the field at fault.
  void read(Params& p, const Profile& users_profile, Time warmup) {
    if (!p.has("iterations"))
      p.fail("executor", "chooses how \"iterations\" are shared out: give \"iterations\" too");
    const double u = users_profile.max();
    if (users_profile.points.size() != 1 || u < 1 || u != std::floor(u))
      p.fail("users", "a fixed-count test (\"iterations\") runs a whole number of users, at least 1, all the run "
                      "(not a profile)");
    if (warmup > 0)
      p.fail("iterations", "a fixed-count test measures every request it sends (ab and k6 have no warm-up): set the "
                           "scenario's \"warmup\" to 0");
    iterations = static_cast<std::uint64_t>(p.require_integer("iterations", 1, 1'000'000'000'000));  // present: read only then
    executor = p.choice("executor", "shared_iterations", {"shared_iterations", "per_vu_iterations"}) == "per_vu_iterations"
                   ? Executor::PerUser
                   : Executor::Shared;
    users = static_cast<std::uint64_t>(u);
    if (executor == Executor::Shared && iterations < users)  // as k6 and ab refuse it: some users would never send
      p.fail("iterations", "is fewer than the " + std::to_string(users) + " users that share them; give at least one "
                           "iteration per user, or \"executor\": \"per_vu_iterations\"");
    if (executor == Executor::PerUser && static_cast<double>(iterations) * u > 1e12)
      p.fail("iterations", "x users asks for more than 10^12 requests");
    on = true;
    total = executor == Executor::Shared ? iterations : iterations * users;
    if (executor == Executor::PerUser) by_user.assign(users, 0);
  }
  // Whether `user` begins another iteration (counted when it does); false: it is done.
  bool begin(std::uint64_t user) {
    if (executor == Executor::Shared) {
      if (started >= total) return false;
    } else {
      if (by_user[user] >= iterations) return false;
      ++by_user[user];
    }
    ++started;
    return true;
  }
  // An iteration ended; true when it was the test's last.
  bool end() { return ++ended == total; }

  // ab's figures (support/ab.c, output_results): time taken for tests (the test ran from
  // t = 0 to `end`), requests per second (`complete` requests / time taken), time per request
  // (users x time taken / complete requests); and k6's iterations and interrupted iterations.
  // `taken`: the seconds from t = 0 to the test's end; `complete`: the requests that ended.
  void declare(Figures& f, std::function<double(Context&)> taken, std::function<double(Context&)> complete) const {
    f.held("load_test.users", users);
    f.held("load_test.iterations_planned", total);
    f.held("load_test.iterations", ended);
    f.value("load_test.iterations_interrupted", [this] { return static_cast<double>(total - ended); });
    f.derived("load_test.requests", complete);
    f.derived("load_test.duration_s", taken);
    f.derived("load_test.requests_per_s", [taken, complete](Context& ctx) {
      const double t = taken(ctx);
      return t > 0 ? complete(ctx) / t : 0.0;
    });
    f.derived("load_test.iterations_per_s", [this, taken](Context& ctx) {
      const double t = taken(ctx);
      return t > 0 ? static_cast<double>(ended) / t : 0.0;
    });
    f.maybe("load_test.time_per_request_ms", [this, taken, complete](Context& ctx) -> std::optional<double> {
      const double c = complete(ctx);
      if (!(c > 0)) return std::nullopt;
      return static_cast<double>(users) * taken(ctx) * 1e3 / c;
    });
  }
  void report_executor(ComponentReport& r) const {
    r.add_text("load_test.executor", executor == Executor::Shared ? "shared_iterations" : "per_vu_iterations");
  }
};

}  // namespace archsim
