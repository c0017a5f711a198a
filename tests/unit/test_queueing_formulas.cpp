// The formulas `archsim analyze` uses (tools/analysis/queueing.h) against textbook values
// computed independently: closed forms written out here in their own algebra, and
// published table values (Erlang B tables; Kleinrock's M/M/1/K; the M/M/1//N machine
// repair model for MVA).
#include <doctest/doctest.h>

#include <cmath>
#include <functional>
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

namespace {
// The product-form normalisation constant of a closed network of single-server queueing
// stations and one delay (think) station per class, summed over every state:
//   G(N) = sum over states of prod_k [ n_k! prod_c D_ck^n_ck / n_ck! ] * prod_c Z_c^m_c / m_c!
// where n_ck users of class c are at queue k and m_c think. Throughput X_c = G(N - e_c) / G(N)
// (Lazowska et al., ch. 7; Buzen's convolution computes the same sum). A second, independent
// route to what multi-class MVA computes by recursion.
double normaliser(const std::vector<std::vector<double>>& d, const std::vector<double>& z, std::vector<int> n) {
  const std::size_t classes = n.size(), queues = d[0].size();
  // Distribute each class's users over the queues and the think station, recursively.
  std::vector<std::vector<int>> at(classes, std::vector<int>(queues, 0));
  std::function<double(std::size_t, std::size_t, int)> walk = [&](std::size_t c, std::size_t k, int left) -> double {
    if (c == classes) {
      double w = 1;
      for (std::size_t q = 0; q < queues; ++q) {
        int total = 0;
        for (std::size_t cc = 0; cc < classes; ++cc) {
          total += at[cc][q];
          w *= std::pow(d[cc][q], at[cc][q]) / factorial(at[cc][q]);
        }
        w *= factorial(total);
      }
      return w;
    }
    if (k == queues) {  // the rest think
      const double w = std::pow(z[c], left) / factorial(left);
      return w * walk(c + 1, 0, c + 1 < classes ? n[c + 1] : 0);
    }
    double sum = 0;
    for (int x = 0; x <= left; ++x) {
      at[c][k] = x;
      sum += walk(c, k + 1, left - x);
    }
    at[c][k] = 0;
    return sum;
  };
  return walk(0, 0, n[0]);
}
}  // namespace

TEST_CASE("multi-class MVA: exact against the product-form normalisation constant, summed state by state") {
  // Two classes with different demands at two single-server queues (a CPU-heavy and an
  // I/O-heavy class), think times 1 s and 0.5 s, populations 4 and 3.
  const std::vector<std::vector<double>> d = {{0.20, 0.05}, {0.04, 0.30}};
  const std::vector<double> z = {1.0, 0.5};
  const std::vector<int> n = {4, 3};
  std::vector<MvaClass> classes(2);
  for (std::size_t c = 0; c < 2; ++c) {
    classes[c].users = static_cast<std::uint64_t>(n[c]);
    classes[c].think_s = z[c];
    classes[c].demand_s = d[c];
  }
  const MultiMvaResult r = mva_multiclass({1, 1}, classes);
  CHECK(r.exact);
  const double g = normaliser(d, z, n);
  for (std::size_t c = 0; c < 2; ++c) {
    CAPTURE(c);
    std::vector<int> less = n;
    --less[c];
    const double x = normaliser(d, z, less) / g;
    CHECK(r.throughput[c] == doctest::Approx(x).epsilon(1e-9));
    // Little's law over the loop: N_c = X_c (Z_c + R_c).
    CHECK(r.throughput[c] * (z[c] + r.response_s[c]) == doctest::Approx(n[c]).epsilon(1e-9));
  }
  // A class whose demand is all at the other queue is slowed by the first class only through
  // the queue they share: its throughput falls when the other class grows.
  classes[0].users = 8;
  const MultiMvaResult more = mva_multiclass({1, 1}, classes);
  CHECK(more.throughput[1] < r.throughput[1]);
}

TEST_CASE("multi-class MVA: identical classes are one class; Bard-Schweitzer near exact for a large population") {
  // Two identical classes are the single class of their merged population, exactly.
  const std::vector<std::uint32_t> servers = {1, 4, 0};
  MvaClass a{5, 2.0, {0.10, 0.30, 0.05}};
  const MultiMvaResult two = mva_multiclass(servers, {a, a});
  const MvaResult one = mva({{0.10, 1}, {0.30, 4}, {0.05, 0}}, 10, 2.0);
  CHECK(two.exact);
  CHECK(two.throughput[0] + two.throughput[1] == doctest::Approx(one.throughput).epsilon(1e-9));
  CHECK(two.response_s[0] == doctest::Approx(one.response_s).epsilon(1e-9));
  // 700 + 700 users: 491,401 population vectors, past the exact limit: the approximation,
  // within 2 % of the exact single-class answer for 1,400 users.
  a.users = 700;
  a.think_s = 20;
  const MultiMvaResult big = mva_multiclass(servers, {a, a});
  const MvaResult exact = mva({{0.10, 1}, {0.30, 4}, {0.05, 0}}, 1400, 20);
  CHECK(!big.exact);
  CHECK(big.throughput[0] + big.throughput[1] == doctest::Approx(exact.throughput).epsilon(0.02));
  CHECK(big.response_s[0] == doctest::Approx(exact.response_s).epsilon(0.05));
}
