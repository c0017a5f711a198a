// Client: the users of the system, as load generators model them.
//
// Follows the two classic workload models (Schroeder, Wierman & Harchol-Balter, "Open
// Versus Closed: A Cautionary Tale", NSDI 2006):
//  - open loop: requests arrive by a Poisson or constant process whose rate is a number or a
//    piecewise-linear profile (wrk2 / Gatling "constant arrival rate"); a non-homogeneous
//    Poisson process is drawn by thinning (Lewis & Shedler 1979) piece by piece;
//  - closed loop: `users` concurrent users (a number or a profile), each sends, waits for the
//    reply or its timeout, thinks (`think_time`), and sends again (JMeter / Locust users).
// Requests pick a route by weight and a key per route (uniform or Zipf, as YCSB does).
// Simplifications: no connection setup cost; a user count that falls lets users finish their
// current request before they leave.
#pragma once
#include <memory>

#include "sim/build.h"

namespace archsim {
std::unique_ptr<Component> make_client(Params& p, BuildContext& bc);
}
