#include "tools/analysis/queueing.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace archsim::analysis {
namespace {
constexpr double kInf = std::numeric_limits<double>::infinity();
}

double erlang_b(std::uint32_t c, double a) {
  if (a <= 0) return 0;
  double b = 1.0;
  for (std::uint32_t k = 1; k <= c; ++k) b = a * b / (k + a * b);
  return b;
}

double erlang_c(std::uint32_t c, double a) {
  if (a <= 0) return 0;
  if (a >= c) return 1.0;
  const double b = erlang_b(c, a);
  const double rho = a / c;
  return b / (1.0 - rho * (1.0 - b));
}

StationEstimate mmck(std::uint32_t c, std::uint64_t k, double lambda, double mean_s) {
  StationEstimate out;
  out.formula = "M/M/c/K";
  out.validity = "Poisson arrivals, exponential service, finite queue";
  const double a = lambda * mean_s;
  if (c == 0 || a <= 0) {
    out.blocking = c == 0 && lambda > 0 ? 1.0 : 0.0;
    return out;
  }
  k = std::max<std::uint64_t>(k, c);
  // Unnormalised probabilities in logs: p_n ~ a^n / n! up to c, then x (a / c) each place.
  std::vector<double> logp(k + 1);
  logp[0] = 0;
  for (std::uint64_t n = 1; n <= k; ++n)
    logp[n] = logp[n - 1] + std::log(a) - std::log(static_cast<double>(std::min<std::uint64_t>(n, c)));
  const double top = *std::max_element(logp.begin(), logp.end());
  double sum = 0, lq = 0;
  for (std::uint64_t n = 0; n <= k; ++n) {
    const double p = std::exp(logp[n] - top);
    sum += p;
    if (n > c) lq += static_cast<double>(n - c) * p;
  }
  out.blocking = std::exp(logp[k] - top) / sum;
  lq /= sum;
  const double admitted = lambda * (1 - out.blocking);
  out.wait_s = admitted > 0 ? lq / admitted : 0;
  out.utilization = admitted * mean_s / c;
  return out;
}

StationEstimate station(std::uint32_t servers, long long queue, double lambda, double mean_s, double scv) {
  StationEstimate out;
  const double a = lambda * mean_s;
  if (servers == UINT32_MAX) {  // Description::kUnlimited: nothing waits, nothing is refused
    out.formula = "M/G/inf";
    out.validity = "every request served at once: the response is the service time";
    return out;
  }
  if (queue == 0) {
    out.formula = "Erlang B";
    out.validity = "no queue: exact for any service distribution";
    out.blocking = servers == 0 ? (lambda > 0 ? 1.0 : 0.0) : erlang_b(servers, a);
    out.utilization = servers > 0 ? a * (1 - out.blocking) / servers : 0;
    return out;
  }
  if (queue > 0) return mmck(servers, static_cast<std::uint64_t>(servers) + static_cast<std::uint64_t>(queue), lambda, mean_s);
  out.utilization = servers > 0 ? a / servers : (lambda > 0 ? kInf : 0);
  if (servers == 1) {
    out.formula = "Pollaczek-Khinchine";
    out.validity = "M/G/1: exact for any service distribution";
  } else {
    out.formula = "Allen-Cunneen";
    out.validity = "M/G/c: exact for exponential service, approximate otherwise";
  }
  if (out.utilization >= 1) {
    out.wait_s = kInf;
    return out;
  }
  if (a <= 0) return out;
  // M/M/c's wait C(c, a) E[S] / (c - a), scaled by (1 + Cs^2) / 2; for c = 1 this is P-K:
  // rho E[S] (1 + Cs^2) / (2 (1 - rho)).
  out.wait_s = erlang_c(servers, a) * mean_s / (servers - a) * (1.0 + scv) / 2.0;
  return out;
}

MultiMvaResult mva_multiclass(const std::vector<std::uint32_t>& servers, const std::vector<MvaClass>& classes) {
  const std::size_t m = servers.size(), nc = classes.size();
  MultiMvaResult out;
  out.throughput.assign(nc, 0.0);
  out.response_s.assign(nc, 0.0);
  out.residence_s.assign(nc, std::vector<double>(m, 0.0));
  if (nc == 1) {
    std::vector<MvaStation> st(m);
    for (std::size_t k = 0; k < m; ++k) st[k] = {classes[0].demand_s[k], servers[k]};
    const MvaResult r = mva(st, classes[0].users, classes[0].think_s);
    out.throughput[0] = r.throughput;
    out.response_s[0] = r.response_s;
    out.residence_s[0] = r.residence_s;
    out.exact = r.exact;
    return out;
  }
  // Seidmann, per class: a queue of demand D / c and a delay of D (c - 1) / c.
  std::vector<std::vector<double>> qd(nc, std::vector<double>(m)), dl(nc, std::vector<double>(m));
  for (std::size_t c = 0; c < nc; ++c)
    for (std::size_t k = 0; k < m; ++k) {
      const double d = classes[c].demand_s[k];
      qd[c][k] = servers[k] == 0 ? 0.0 : d / servers[k];
      dl[c][k] = d - qd[c][k];
    }
  double states = 1;
  for (const auto& cl : classes) states *= static_cast<double>(cl.users) + 1;
  if (states > static_cast<double>(kExactMultiStates)) {
    // Bard-Schweitzer: an arriving class-c customer sees Q_k - Q_ck / N_c of the
    // time-average queue (itself removed), iterated to a fixed point.
    out.exact = false;
    std::vector<std::vector<double>> q(nc, std::vector<double>(m, 0.0));
    for (std::size_t c = 0; c < nc; ++c)
      for (std::size_t k = 0; k < m; ++k) q[c][k] = static_cast<double>(classes[c].users) / static_cast<double>(m);
    for (int iter = 0; iter < 100000; ++iter) {
      std::vector<double> total(m, 0.0);
      for (std::size_t c = 0; c < nc; ++c)
        for (std::size_t k = 0; k < m; ++k) total[k] += q[c][k];
      double change = 0;
      for (std::size_t c = 0; c < nc; ++c) {
        const double n = static_cast<double>(classes[c].users);
        if (n == 0) continue;
        double r = 0;
        for (std::size_t k = 0; k < m; ++k) {
          out.residence_s[c][k] = qd[c][k] * (1.0 + total[k] - q[c][k] / n) + dl[c][k];
          r += out.residence_s[c][k];
        }
        const double x = n / (classes[c].think_s + r);
        out.throughput[c] = x;
        out.response_s[c] = r;
        for (std::size_t k = 0; k < m; ++k) {
          const double nq = x * (out.residence_s[c][k] - dl[c][k]);
          change = std::max(change, std::abs(nq - q[c][k]) / std::max(1.0, nq));
          q[c][k] = 0.5 * (q[c][k] + nq);  // damped, as in mva()
        }
      }
      if (change < 1e-9) break;
    }
    return out;
  }
  // Exact: queue lengths (queue parts only) for every population vector, indexed in mixed
  // radix, filled in order of increasing index (n - e_c always has a smaller index).
  std::vector<std::size_t> radix(nc);
  std::size_t count = 1;
  for (std::size_t c = 0; c < nc; ++c) {
    radix[c] = count;
    count *= static_cast<std::size_t>(classes[c].users + 1);
  }
  std::vector<double> q(count * m, 0.0);
  std::vector<std::uint64_t> n(nc, 0);
  for (std::size_t idx = 1; idx < count; ++idx) {
    // The next population vector (odometer).
    for (std::size_t c = 0; c < nc; ++c) {
      if (n[c] < classes[c].users) {
        ++n[c];
        break;
      }
      n[c] = 0;
    }
    double* qn = &q[idx * m];
    for (std::size_t c = 0; c < nc; ++c) {
      if (n[c] == 0) continue;
      const double* prev = &q[(idx - radix[c]) * m];
      double r = 0;
      for (std::size_t k = 0; k < m; ++k) {
        out.residence_s[c][k] = qd[c][k] * (1.0 + prev[k]) + dl[c][k];
        r += out.residence_s[c][k];
      }
      const double x = static_cast<double>(n[c]) / (classes[c].think_s + r);
      out.throughput[c] = x;
      out.response_s[c] = r;
      for (std::size_t k = 0; k < m; ++k) qn[k] += x * (out.residence_s[c][k] - dl[c][k]);
    }
  }
  return out;
}

MvaResult mva(const std::vector<MvaStation>& stations, std::uint64_t users, double think_s) {
  // Seidmann: a c-server station of demand D is a queue of demand D / c in series with a
  // delay of D (c - 1) / c.
  const std::size_t m = stations.size();
  std::vector<double> queue_demand(m), delay(m), queue_len(m, 0.0);
  for (std::size_t k = 0; k < m; ++k) {
    const MvaStation& s = stations[k];
    if (s.servers == 0) {
      queue_demand[k] = 0;
      delay[k] = s.demand_s;
    } else {
      queue_demand[k] = s.demand_s / s.servers;
      delay[k] = s.demand_s - queue_demand[k];
    }
  }
  MvaResult out;
  out.residence_s.assign(m, 0.0);
  if (users > kExactMvaUsers) {
    out.exact = false;
    const double n = static_cast<double>(users);
    for (std::size_t k = 0; k < m; ++k) queue_len[k] = m > 0 ? n / static_cast<double>(m) : 0;
    for (int iter = 0; iter < 100000; ++iter) {
      double r = 0;
      for (std::size_t k = 0; k < m; ++k) {
        out.residence_s[k] = queue_demand[k] * (1.0 + queue_len[k] * (n - 1) / n) + delay[k];
        r += out.residence_s[k];
      }
      const double x = n / (think_s + r);
      double change = 0;
      for (std::size_t k = 0; k < m; ++k) {
        const double q = x * queue_demand[k] * (1.0 + queue_len[k] * (n - 1) / n);
        change = std::max(change, std::abs(q - queue_len[k]) / std::max(1.0, q));
        // Damped: near saturation the plain iteration oscillates.
        queue_len[k] = 0.5 * (queue_len[k] + q);
      }
      out.throughput = x;
      out.response_s = r;
      if (change < 1e-9) break;
    }
    return out;
  }
  for (std::uint64_t n = 1; n <= users; ++n) {
    double r = 0;
    for (std::size_t k = 0; k < m; ++k) {
      out.residence_s[k] = queue_demand[k] * (1.0 + queue_len[k]) + delay[k];
      r += out.residence_s[k];
    }
    const double x = static_cast<double>(n) / (think_s + r);
    for (std::size_t k = 0; k < m; ++k) queue_len[k] = x * queue_demand[k] * (1.0 + queue_len[k]);
    out.throughput = x;
    out.response_s = r;
  }
  return out;
}

}  // namespace archsim::analysis
