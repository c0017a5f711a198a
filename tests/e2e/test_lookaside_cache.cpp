// The look-aside scenario of the OSDI 2022 metastability artifact
// (scenarios/metastability/lookaside-cache.json) at steady state, against figures worked by
// hand from the artifact's own numbers, not from the simulator:
//   - the hit ratio of a cache warmed with the k hottest of N keys drawn Zipf(s) is their
//     share of the popularity, sum(r^-s, r <= k) / sum(r^-s, r <= N) (computed here term by
//     term: k = 866,304, N = 34,511,000, s = 1.00001 give 0.7946, the paper's "~80%");
//   - MySQL's utilization is misses/s x 23 ms / 2 cores (the utilization law), so it binds at
//     2 / 23 ms = 87 misses/s, which the web tier's 5 workers can reach.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "tests/e2e/run_archsim.h"

using archsim::e2e::describe;
using archsim::e2e::parse_summary;
using archsim::e2e::run_archsim;
using archsim::e2e::scratch_dir;
using archsim::e2e::source_path;
using nlohmann::json;

namespace {

constexpr double kMissCpuS = 0.023;  // the scenario's MySQL service time per miss
constexpr double kCores = 2;

// The share of Zipf(s) requests that fall on the k hottest of n keys. Summed from the
// smallest terms up so that the 34.5 M-term sum keeps its precision.
double zipf_mass(std::uint64_t k, std::uint64_t n, double s) {
  double head = 0, tail = 0;
  for (std::uint64_t r = n; r > k; --r) tail += std::pow(static_cast<double>(r), -s);
  for (std::uint64_t r = k; r >= 1; --r) head += std::pow(static_cast<double>(r), -s);
  return head / (head + tail);
}

// |got - want| within `rel` of want.
bool within(double got, double want, double rel) { return std::fabs(got - want) <= rel * std::fabs(want); }

// The shipped scenario at `rate` requests/s with its trigger removed, 60 s (55 after warm-up).
json steady_run(int rate) {
  const auto r = run_archsim({"run", source_path("scenarios/metastability/lookaside-cache.json"), "--set", "faults=[]", "--set",
                              "users.arrivals.rate=" + std::to_string(rate), "--json", "--quiet", "--no-report", "--out",
                              scratch_dir("lookaside-steady")});
  return parse_summary(r);
}

}  // namespace

TEST_CASE("look-aside scenario: the warm hit ratio is the cached keys' Zipf mass and MySQL's utilization is misses x 23 ms / 2 cores") {
  const double hit = zipf_mass(866304, 34511000, 1.00001);
  REQUIRE(hit == doctest::Approx(0.7946).epsilon(0.001));
  const json s = steady_run(300);
  const json& cache = s["components"]["memcached"];
  const json& db = s["components"]["mysql"];
  const double span = s["duration_s"].get<double>() - s["warmup_s"].get<double>();
  // About 16,500 lookups, each an independent draw: the hit ratio's standard error is
  // sqrt(0.795 x 0.205 / 16,500) = 0.0031; 4 of them. The misses' own sets do not move it
  // (keys past the 866,304th asked for twice in a minute: under one request).
  CHECK(std::fabs(cache["hit_ratio"].get<double>() - hit) <= 0.0125);
  const double misses_per_s = cache["misses"].get<double>() / span;
  // Every miss reaches MySQL once; its CPU is busy 23 ms for each, on 2 cores (the run's
  // edges: a miss or two in flight).
  CHECK(within(db["ok"].get<double>() / span, misses_per_s, 0.005));
  CHECK(within(db["cpu_utilization"].get<double>(), misses_per_s * kMissCpuS / kCores, 0.01));
  // Against the hand figure from the Zipf mass alone: 300 x 0.2054 x 23 ms / 2 = 0.709. The
  // miss count's standard error is 1.5 %, the arrivals' 0.8 %: 4 of their sum, 7 %.
  CHECK(within(db["cpu_utilization"].get<double>(), 300 * (1 - hit) * kMissCpuS / kCores, 0.07));
  CHECK(s["requests"]["failed"].get<double>() == 0);
}

TEST_CASE("look-aside scenario: at 600 requests/s MySQL binds at 2 cores / 23 ms = 87 misses/s") {
  // 600 x 0.2054 = 123 misses/s offered, more than MySQL can do: the 5 workers keep its 2
  // cores busy (5 chains on 2 cores), it answers 2 / 0.023 = 86.96 a second and no more,
  // and the requests beyond that time out.
  const json s = steady_run(600);
  const json& db = s["components"]["mysql"];
  const double span = s["duration_s"].get<double>() - s["warmup_s"].get<double>();
  CHECK(db["cpu_utilization"].get<double>() > 0.99);
  CHECK(within(db["ok"].get<double>() / span, kCores / kMissCpuS, 0.01));
  CHECK(s["requests"]["by_cause"]["timeout"].get<double>() > 0);
}
