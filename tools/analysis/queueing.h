// Queueing formulas for `archsim analyze`: one station at a time, and exact mean value
// analysis for a closed loop. Pure functions, no scenario, no engine.
//
// Each result names the formula it came from and where that formula holds, so analyze can
// print them beside the figure (a user must know what an estimate assumes):
//   Erlang B           M/G/c/c loss system (no queue): exact for any service distribution
//                      (the blocking probability is insensitive to it).
//   M/M/c/K            c servers, K places in all (c serving + K - c waiting), Poisson
//                      arrivals, exponential service: exact under those assumptions.
//   Pollaczek-Khinchine M/G/1 with an unbounded queue: exact for any service distribution.
//   Allen-Cunneen      M/G/c with an unbounded queue: Erlang C's wait scaled by
//                      (Ca^2 + Cs^2) / 2 with Ca^2 = 1 (Poisson). Exact for exponential
//                      service (Cs^2 = 1); within a few percent for moderate Cs^2 at high
//                      load, poorer at light load and for Cs^2 far from 1.
//   MVA                exact mean value analysis (Reiser and Lavenberg) of a single-class
//                      closed network; a station with c servers enters it by Seidmann's
//                      approximation (a queue with demand D/c plus a delay of D(c-1)/c).
// Sources: Kleinrock, Queueing Systems vol. 1 (Erlang B and C, M/M/c/K, P-K); Allen,
// Probability, Statistics and Queueing Theory (Allen-Cunneen); Lazowska et al.,
// Quantitative System Performance, ch. 6 (MVA) and Seidmann et al. (1987) for multi-server.
#pragma once

#include <cstdint>
#include <vector>

namespace archsim::analysis {

// Blocking probability of c servers offered a erlangs with no queue (the stable recursion
// B(k) = a B(k-1) / (k + a B(k-1))). c = 0 blocks everything.
double erlang_b(std::uint32_t c, double a);

// Probability that an arrival waits in M/M/c offered a erlangs; 1 when a >= c.
double erlang_c(std::uint32_t c, double a);

struct StationEstimate {
  double wait_s = 0;        // mean wait in queue of an admitted arrival (inf: unstable)
  double blocking = 0;      // fraction of arrivals turned away (finite capacity)
  double utilization = 0;   // carried load per server: lambda (1 - blocking) E[S] / c
  const char* formula = "";
  const char* validity = "";
};

// One station of `servers` with Poisson arrivals at `lambda` per second and service of
// mean `mean_s` and squared coefficient of variation `scv`. `queue` is the number of
// waiting places: negative for unbounded. Picks the formula that fits: Erlang B when
// queue == 0, M/M/c/K when it is finite, Pollaczek-Khinchine for one server and
// Allen-Cunneen for several when it is unbounded.
StationEstimate station(std::uint32_t servers, long long queue, double lambda, double mean_s, double scv);

// The M/M/c/K stationary solution: c servers, K >= c places in all.
StationEstimate mmck(std::uint32_t c, std::uint64_t k, double lambda, double mean_s);

struct MvaStation {
  double demand_s = 0;        // visits x mean service per visit
  std::uint32_t servers = 1;  // 0: a pure delay (infinite servers)
};
struct MvaResult {
  double throughput = 0;               // requests per second at N users
  double response_s = 0;               // time in the network per request (think excluded)
  std::vector<double> residence_s;     // per station
  bool exact = true;                   // false: Schweitzer's approximation was used
};
inline constexpr std::uint64_t kExactMvaUsers = 200'000;
// MVA for `users` customers with mean think time `think_s`: exact, iterating n = 1..users
// (O(users x stations)), up to kExactMvaUsers; above, Schweitzer's approximation (a fixed
// point on the queue lengths seen at arrival, (N - 1) / N of the time-average ones).
MvaResult mva(const std::vector<MvaStation>& stations, std::uint64_t users, double think_s);

// Several classes of users (closed-loop clients whose routes differ), each with its own
// population, think time and demand at every station (Lazowska et al. ch. 7). Stations:
// `servers` per station as in MvaStation (0: a delay), demands per class and station in
// `demand_s[c][k]`. Exact multi-class MVA over every population vector while there are at
// most kExactMultiStates of them (the product of (N_c + 1)); above, the Bard-Schweitzer
// approximation. One class is mva() above. A queueing station is taken as product form
// (processor sharing, or FCFS with the same service time for every class): with FCFS and
// class-dependent times the figures are an approximation.
struct MvaClass {
  std::uint64_t users = 0;
  double think_s = 0;
  std::vector<double> demand_s;  // per station
};
struct MultiMvaResult {
  std::vector<double> throughput;                // per class, requests per second
  std::vector<double> response_s;                // per class, think excluded
  std::vector<std::vector<double>> residence_s;  // [class][station]
  bool exact = true;
};
inline constexpr std::uint64_t kExactMultiStates = 400'000;
MultiMvaResult mva_multiclass(const std::vector<std::uint32_t>& servers, const std::vector<MvaClass>& classes);

}  // namespace archsim::analysis
