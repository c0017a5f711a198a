// The formulas `archsim analyze` uses (tools/analysis/queueing.h) against textbook values
// computed independently: closed forms written out here in their own algebra, and
// published table values (Erlang B tables; Kleinrock's M/M/1/K; the M/M/1//N machine
// repair model for MVA).
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "tools/analysis/queueing.h"

using namespace archsim::analysis;

namespace {
double factorial(int n) { return n <= 1 ? 1.0 : n * factorial(n - 1); }
}  // namespace

TEST_CASE("Erlang B against its closed form and a published table value") {
  // B(c, a) = (a^c / c!) / sum_k a^k / k!
  for (int c : {1, 2, 5, 10}) {
    for (double a : {0.5, 2.0, 7.5}) {
      double sum = 0;
      for (int k = 0; k <= c; ++k) sum += std::pow(a, k) / factorial(k);
      CHECK(erlang_b(static_cast<std::uint32_t>(c), a) == doctest::Approx(std::pow(a, c) / factorial(c) / sum).epsilon(1e-12));
    }
  }
  // Erlang B tables: 10 circuits at 5 erlangs block 1.84 %.
  CHECK(erlang_b(10, 5.0) == doctest::Approx(0.018385).epsilon(1e-4));
  CHECK(erlang_b(0, 1.0) == 1.0);
}

TEST_CASE("Erlang C: M/M/1 waits with probability rho; M/M/2 at a = 1 with 1/3") {
  CHECK(erlang_c(1, 0.7) == doctest::Approx(0.7));
  CHECK(erlang_c(2, 1.0) == doctest::Approx(1.0 / 3.0));
  CHECK(erlang_c(3, 3.0) == 1.0);
}

TEST_CASE("Pollaczek-Khinchine: M/M/1, M/D/1 and a high-variance M/G/1") {
  // Wq = rho E[S] (1 + Cs^2) / (2 (1 - rho)); rho = 0.9, E[S] = 10 ms.
  StationEstimate mm1 = station(1, -1, 90, 0.01, 1.0);
  CHECK(mm1.wait_s == doctest::Approx(0.9 * 0.01 / 0.1));  // M/M/1: rho S / (1 - rho) = 90 ms
  StationEstimate md1 = station(1, -1, 90, 0.01, 0.0);
  CHECK(md1.wait_s == doctest::Approx(0.045));  // half of M/M/1
  StationEstimate mg1 = station(1, -1, 90, 0.01, 4.0);
  CHECK(mg1.wait_s == doctest::Approx(0.225));  // (1 + 4) / 2 = 2.5 x M/M/1
  CHECK(std::string(mg1.formula) == "Pollaczek-Khinchine");
  CHECK(mm1.utilization == doctest::Approx(0.9));
  CHECK(std::isinf(station(1, -1, 110, 0.01, 1.0).wait_s));
}

TEST_CASE("Allen-Cunneen: exact M/M/c at Cs^2 = 1, scaled by (1 + Cs^2) / 2 otherwise") {
  // M/M/2, lambda = 1.5/s, E[S] = 1 s: a = 1.5, C(2, 1.5) = 0.642857, Wq = C / (2 - 1.5) = 1.2857 s.
  StationEstimate mmc = station(2, -1, 1.5, 1.0, 1.0);
  CHECK(mmc.wait_s == doctest::Approx(0.642857 / 0.5).epsilon(1e-5));
  CHECK(std::string(mmc.formula) == "Allen-Cunneen");
  CHECK(station(2, -1, 1.5, 1.0, 0.0).wait_s == doctest::Approx(mmc.wait_s / 2));
}

TEST_CASE("A station with no queue is Erlang B: carried load, no wait") {
  StationEstimate s = station(10, 0, 5.0, 1.0, 0.3);
  CHECK(std::string(s.formula) == "Erlang B");
  CHECK(s.blocking == doctest::Approx(0.018385).epsilon(1e-4));
  CHECK(s.wait_s == 0);
  CHECK(s.utilization == doctest::Approx(5.0 * (1 - s.blocking) / 10));
}

TEST_CASE("M/M/c/K: M/M/1/K's closed form, and utilization below 1 when overloaded") {
  // M/M/1/K: p_n = (1 - rho) rho^n / (1 - rho^(K+1)); K = 5, rho = 0.8.
  const double rho = 0.8;
  const int k = 5;
  const double norm = (1 - rho) / (1 - std::pow(rho, k + 1));
  double lq = 0;
  for (int n = 2; n <= k; ++n) lq += (n - 1) * norm * std::pow(rho, n);
  const double pk = norm * std::pow(rho, k);
  StationEstimate s = station(1, k - 1, 0.8, 1.0, 1.0);  // 1 serving + 4 waiting places
  CHECK(std::string(s.formula) == "M/M/c/K");
  CHECK(s.blocking == doctest::Approx(pk).epsilon(1e-9));
  CHECK(s.wait_s == doctest::Approx(lq / (0.8 * (1 - pk))).epsilon(1e-9));
  // Offered twice the capacity: it carries at most all of it, and turns the rest away.
  StationEstimate over = station(4, 10, 8.0, 1.0, 1.0);
  CHECK(over.utilization < 1.0);
  CHECK(over.utilization > 0.95);
  CHECK(over.blocking == doctest::Approx(1 - over.utilization * 4 / 8.0).epsilon(1e-9));
  // A large station does not overflow (logs throughout).
  StationEstimate big = station(2000, 5000, 1900.0, 1.0, 1.0);
  CHECK(std::isfinite(big.wait_s));
  CHECK(big.blocking < 1e-6);
}

TEST_CASE("MVA: the machine-repair model (M/M/1//N) and the asymptotic bounds") {
  // One exponential server (D = 1 s), N users thinking Z = 4 s: the finite-source queue's
  // throughput is (1 - p0) / D with p0 = 1 / sum_{n=0}^{N} N! / (N - n)! (D / Z)^n.
  for (int n : {1, 3, 8}) {
    double sum = 0;
    for (int j = 0; j <= n; ++j) sum += factorial(n) / factorial(n - j) * std::pow(0.25, j);
    const MvaResult r = mva({{1.0, 1}}, static_cast<std::uint64_t>(n), 4.0);
    CHECK(r.throughput == doctest::Approx(1.0 - 1.0 / sum).epsilon(1e-12));
    CHECK(r.exact);
  }
  // Many users: the bottleneck bound 1 / D_max; few: N / (Z + D).
  CHECK(mva({{0.5, 1}, {0.2, 1}}, 1000, 1.0).throughput == doctest::Approx(2.0).epsilon(1e-6));
  CHECK(mva({{0.5, 1}, {0.2, 1}}, 1, 1.0).throughput == doctest::Approx(1.0 / 1.7));
  // A delay station (0 servers) never queues.
  CHECK(mva({{3.0, 0}}, 50, 0.0).throughput == doctest::Approx(50.0 / 3.0));
  // Schweitzer's approximation for a huge population meets the same bottleneck bound.
  const MvaResult big = mva({{0.001, 1}, {0.0005, 4}}, kExactMvaUsers + 1, 30.0);
  CHECK_FALSE(big.exact);
  CHECK(big.throughput == doctest::Approx(1000.0).epsilon(1e-3));
}
