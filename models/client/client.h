// Client: the users of the system, as load generators model them.
//
// Follows the two classic workload models (Schroeder, Wierman & Harchol-Balter, "Open
// Versus Closed: A Cautionary Tale", NSDI 2006):
//  - open loop: requests arrive by a Poisson or constant process whose rate is a number or a
//    piecewise-linear profile (wrk2 / Gatling "constant arrival rate"); a non-homogeneous
//    Poisson process is drawn by thinning (Lewis & Shedler 1979) piece by piece;
//  - closed loop: `users` concurrent users (a number or a profile), each sends, waits for the
//    reply or its timeout, thinks (`think_time`), and sends again (JMeter / Locust users).
//    With exponential think times the thinking users share one wake clock instead of a timer
//    each: a Poisson clock at a bound B of the thinking count / (mean think) whose ticks
//    wake a thinking user, picked uniformly, with probability (thinking) / B (uniformization
//    and thinning: Jensen 1953, Lewis & Shedler 1979). Each thinking user then wakes at rate
//    1 / mean, the law of its own exponential timer, so the model is the same in
//    distribution (not draw for draw); the scheduler holds one event for the population,
//    not one per user.
//  - sessions: users arrive by a Poisson process of sessions (`sessions.rate`, a number or a
//    profile) and stay for a drawn `sessions.length`; within it a user is closed-loop as
//    above. The concurrent users are not an input but follow from arrivals and lengths, as
//    in an M/G/infinity system (L = rate x mean length), the way web analytics see visits:
//    Google Analytics ends a session after its inactivity timeout, and "daily active users"
//    count the users seen in a day. A user whose session ends while thinking leaves at the
//    session's end; one whose request is still in flight leaves when it ends.
//    daily_active_users = sessions started per simulated day (each session is a distinct
//    user: no returning users within a day), averaged over the run's whole days.
//  - fixed count: a closed loop that stops after `iterations` and ends the run when it does
//    (ab -n, k6's shared-iterations and per-vu-iterations executors): fixed_count.h.
//  - operational views: an access log of sampled requests and business counters per route
//    (operational.h).
// Requests pick a route by weight and a key per route (uniform or Zipf, as YCSB does).
// Simplifications: no connection setup cost; a user count that falls lets users finish their
// current request before they leave. Session slots are reused through a free list and grow
// by doubling past the reserved rate x mean length (amortised, no allocation per request).
#pragma once
#include <memory>

#include "scenario/build.h"

namespace archsim {
std::unique_ptr<Component> make_client(Params& p, BuildContext& bc);
}
