// Closed forms of queueing theory that the end-to-end tests hold archsim to. Written from
// the textbook results, not from archsim: Kleinrock, "Queueing Systems, Vol. 1" (M/M/1,
// M/M/c and Erlang C, M/G/1 by Pollaczek-Khinchine, GI/M/1), Erlang's 1909 formula for the
// M/D/1 waiting-time distribution, and Reiser & Lavenberg's exact mean value analysis
// (J. ACM 27(2), 1980) for closed networks.
//
// Units are whatever the caller uses, consistently: rates per second and times in seconds in
// the tests. Every function is pure; each requires a stable system (utilization < 1) where
// an open queue is concerned and throws std::invalid_argument otherwise.
#pragma once
#include <vector>

namespace archsim::theory {

// ---- M/M/1 (FCFS): Poisson arrivals at rate lambda, exponential service at rate mu. ----
// The sojourn time (wait + service) is exponential with rate mu - lambda.
double mm1_mean_sojourn(double lambda, double mu);
// The q-quantile of the sojourn time, -ln(1 - q) / (mu - lambda), 0 <= q < 1.
double mm1_sojourn_quantile(double lambda, double mu, double q);
// Time-average number in system, rho / (1 - rho).
double mm1_mean_in_system(double lambda, double mu);

// ---- M/M/c (FCFS), c identical servers, Erlang C. ----
struct MMc {
  double utilization;       // rho = lambda / (c mu), per server
  double wait_probability;  // Erlang C: P(an arrival waits)
  double mean_wait;         // Wq = C / (c mu - lambda)
  double mean_sojourn;      // W = Wq + 1/mu
  double mean_queue;        // Lq = lambda Wq (time-average waiting)
  double mean_in_system;    // L = lambda W
};
// Erlang C probability of waiting with c servers and offered load a = lambda / mu (< c),
// by the numerically stable Erlang B recursion B(k) = a B(k-1) / (k + a B(k-1)).
double erlang_c(int c, double offered_load);
// Erlang B: blocking of c servers with no queue, (a^c / c!) / sum_{k<=c} a^k / k!.
double erlang_b(int c, double offered_load);
MMc mmc(int c, double lambda, double mu);
// P(sojourn > t): an Exp(mu) service plus, with probability C, an Exp(c mu - lambda) wait.
double mmc_sojourn_tail(int c, double lambda, double mu, double t);
double mmc_sojourn_quantile(int c, double lambda, double mu, double q);

// ---- M/D/1: Poisson arrivals, constant service time d. ----
// Pollaczek-Khinchine: Wq = rho d / (2 (1 - rho)).
double md1_mean_wait(double lambda, double d);
double md1_mean_sojourn(double lambda, double d);
// Erlang (1909): P(Wq <= t) = (1 - rho) sum_{k=0}^{floor(t/d)} (lambda (k d - t))^k / k!
// e^{-lambda (k d - t)}. The alternating sum cancels catastrophically as lambda t grows, so
// beyond lambda t = 10 the Cramer-Lundberg exponential tail takes over (exact there to 1e-9
// of the tail; the two formulas are checked against each other where they meet).
double md1_wait_cdf(double lambda, double d, double t);
double md1_sojourn_quantile(double lambda, double d, double q);

// ---- E_k/M/1: what each server of a k-way round robin sees when the total arrivals are
// Poisson at rate lambda_total: Erlang-k interarrival times with mean k / lambda_total. ----
// GI/M/1: the sojourn time is exponential with rate mu (1 - sigma), where sigma in (0,1)
// solves sigma = A*(mu (1 - sigma)) and A*(s) = (lambda_total / (lambda_total + s))^k.
double ekm1_sigma(int k, double lambda_total, double mu);
double ekm1_mean_sojourn(int k, double lambda_total, double mu);
double ekm1_sojourn_quantile(int k, double lambda_total, double mu, double q);

// ---- Closed network: N users, each thinks (a delay station, mean Z; any distribution, as
// BCMP's infinite-server station is insensitive) and then queues at one FCFS station with
// exponential service of mean s. Exact MVA. ----
struct Mva {
  double throughput;     // X(N), completions per unit time
  double response_time;  // R(N), time at the queueing station (wait + service)
  double queue_length;   // Q(N) = X R, mean number at the station
  double utilization;    // per server: X s / c
};
// Single server: R(n) = s (1 + Q(n-1)), X(n) = n / (Z + R(n)), Q(n) = X(n) R(n).
Mva mva_single_server(int users, double s, double think);
// c servers (a load-dependent station, rate min(j, c)/s with j present), exact MVA with the
// marginal queue-length probabilities. For c = 1 it equals mva_single_server.
Mva mva_multi_server(int users, int c, double s, double think);

}  // namespace archsim::theory
