// The cdn family end to end: one PoP's hit ratio against cache theory that is not ours, the
// purge's propagation window, egress through the cost ledger, and bad CDN input.
//
// Theory: under the independent reference model (IRM) with key probabilities p_i,
//  - an LRU cache of C objects hits key i with probability 1 - exp(-p_i T), T the
//    characteristic time solving sum_i (1 - exp(-p_i T)) = C (Che, Tung, Wang, "Hierarchical
//    Web caching systems: modeling, design and experimental results", IEEE JSAC 2002; Fricker,
//    Robert, Roberts, ITC 2012, on why it is so accurate);
//  - a FIFO or random-eviction cache hits it with probability p_i T / (1 + p_i T), with
//    sum_i p_i T / (1 + p_i T) = C (Martina, Garetto, Leonardi, INFOCOM 2014; Gelenbe 1973);
//  - a cache without a capacity limit whose entries live `ttl` from their fill (a hit does
//    not extend them) hits key i with rate lambda_i with probability lambda_i ttl / (1 +
//    lambda_i ttl) under Poisson arrivals (Jung, Berger, Balakrishnan, "Modeling TTL-based
//    Internet caches", INFOCOM 2003): one miss, then lambda_i ttl hits on average, per cycle.
// The test computes these from the scenario's parameters (no number typed from a run).
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "tests/e2e/run_archsim.h"

using archsim::e2e::describe;
using archsim::e2e::num;
using archsim::e2e::run_archsim;
using archsim::e2e::run_summary;
using archsim::e2e::write_scenario;
using nlohmann::json;

namespace {

// Zipf key probabilities as the client draws them: rank k in [0, n) with (k+1)^-s / H.
std::vector<double> zipf(std::size_t n, double s) {
  std::vector<double> p(n);
  double h = 0;
  for (std::size_t k = 0; k < n; ++k) h += p[k] = std::pow(static_cast<double>(k + 1), -s);
  for (double& x : p) x /= h;
  return p;
}

// Solves occupancy(T) = C by bisection (occupancy increases with T) and returns the hit
// probability sum_i p_i h_i(T).
double characteristic_hit(const std::vector<double>& p, double c, const std::function<double(double)>& h_of_pt) {
  auto occupancy = [&](double t) {
    double s = 0;
    for (double x : p) s += h_of_pt(x * t);
    return s;
  };
  double lo = 0, hi = 1;
  while (occupancy(hi) < c) hi *= 2;
  for (int i = 0; i < 200; ++i) {
    double mid = (lo + hi) / 2;
    (occupancy(mid) < c ? lo : hi) = mid;
  }
  double hit = 0;
  for (double x : p) hit += x * h_of_pt(x * lo);
  return hit;
}
double lru_che(const std::vector<double>& p, double c) {
  return characteristic_hit(p, c, [](double x) { return 1 - std::exp(-x); });
}
double fifo_random(const std::vector<double>& p, double c) {
  return characteristic_hit(p, c, [](double x) { return x / (1 + x); });
}

constexpr std::size_t kKeys = 20000;
constexpr double kSkew = 0.8, kRate = 2000;

// One client, one PoP, an origin that answers at once: the PoP sees the client's IRM stream.
json one_pop(int capacity, const std::string& eviction) {
  json d = json::parse(R"({
    "name": "cdn-che", "seed": 3, "duration": "330s", "warmup": "30s",
    "components": [
      {"id": "viewers", "type": "client", "target": "cdn", "arrivals": {"rate": 2000},
       "routes": [{"name": "segment", "keys": {"count": 20000, "zipf": 0.8}}]},
      {"id": "cdn", "type": "cdn", "origin": "origin", "latency": "0ms", "capacity": 1000,
       "pops": [{"name": "fra"}]},
      {"id": "origin", "type": "service", "replicas": 1, "concurrency": 100000, "service_time": "0ms"}
    ]})");
  d["components"][1]["capacity"] = capacity;
  d["components"][1]["eviction"] = eviction;
  return d;
}

json base_doc() {
  return json::parse(R"({
    "name": "cdn-bad", "duration": "10s",
    "components": [
      {"id": "users", "type": "client", "target": "cdn", "arrivals": {"rate": 10},
       "routes": [{"name": "get", "keys": {"count": 100}}]},
      {"id": "cdn", "type": "cdn", "origin": "origin", "ttl": "1h", "object_kb": 100,
       "pops": [{"name": "fra"}, {"name": "iad"}], "routing": {"users": "fra"}},
      {"id": "origin", "type": "service", "service_time": "1ms"}
    ]})");
}

}  // namespace

TEST_CASE("cdn: one PoP's LRU hit ratio is Che's approximation, and FIFO's is not") {
  const std::vector<double> p = zipf(kKeys, kSkew);
  for (int c : {500, 2000}) {
    const double che = lru_che(p, c), fifo = fifo_random(p, c);
    // The tolerance below tells the two policies apart: a PoP that did not move a hit object
    // to the front (FIFO) would miss by several times the tolerance.
    const double tol = 0.006;
    INFO("C = ", c, ": Che LRU ", che, ", FIFO/random ", fifo);
    REQUIRE(che - fifo > 4 * tol);
    json lru = run_summary(write_scenario("cdn-che", one_pop(c, "lru")), {});
    INFO("simulated LRU ", num(lru, "components.cdn.hit_ratio"));
    CHECK(std::fabs(num(lru, "components.cdn.hit_ratio") - che) < tol);
    json fi = run_summary(write_scenario("cdn-fifo", one_pop(c, "fifo")), {});
    INFO("simulated FIFO ", num(fi, "components.cdn.hit_ratio"));
    CHECK(std::fabs(num(fi, "components.cdn.hit_ratio") - fifo) < tol);
    // Conservation: every request is a hit or an origin fetch (none is in flight: no latency).
    CHECK(num(lru, "components.cdn.requests") == num(lru, "components.cdn.hits") + num(lru, "components.cdn.origin_fetches"));
  }
}

TEST_CASE("cdn: with room for every object, the hit ratio is the TTL-cache formula") {
  const std::vector<double> p = zipf(kKeys, kSkew);
  for (double ttl : {2.0, 20.0}) {
    double expect = 0;
    for (double x : p) expect += x * (kRate * x * ttl) / (1 + kRate * x * ttl);
    json d = one_pop(static_cast<int>(kKeys), "lru");
    d["components"][1]["ttl"] = std::to_string(static_cast<int>(ttl)) + "s";
    json s = run_summary(write_scenario("cdn-ttl", d), {});
    INFO("TTL ", ttl, " s: expected ", expect, ", simulated ", num(s, "components.cdn.hit_ratio"));
    // A TTL renewed on every hit (a sliding expiry) would give 1 - 1/(sum) much higher; no
    // expiry at all would give the cold-start-only misses. Both are > 0.05 away here.
    CHECK(std::fabs(num(s, "components.cdn.hit_ratio") - expect) < 0.006);
    CHECK(num(s, "components.cdn.expired") > 0);
  }
}

TEST_CASE("cdn: a purge serves stale copies exactly until it lands; versioned names never do") {
  // Every object cached (warm, no TTL), then the 10 most popular change at 60 s. Constant
  // arrivals of 1000/s: the requests for those 10 keys during the 5 s the purge takes to land
  // are served stale, none after.
  json d = json::parse(R"({
    "name": "cdn-purge", "seed": 5, "duration": "120s", "warmup": "0s",
    "components": [
      {"id": "viewers", "type": "client", "target": "cdn", "arrivals": {"rate": 1000},
       "routes": [{"name": "get", "keys": {"count": 100, "zipf": 0.8}}]},
      {"id": "cdn", "type": "cdn", "origin": "origin", "latency": "0ms", "capacity": 200,
       "pops": [{"name": "fra"}],
       "invalidation": {"method": "purge", "propagation": "5s", "updates": [{"at": "60s", "keys": 10}]}},
      {"id": "origin", "type": "service", "concurrency": 1000, "service_time": "0ms"}
    ]})");
  const std::vector<double> p = zipf(100, 0.8);
  double top10 = 0;
  for (int k = 0; k < 10; ++k) top10 += p[k];
  const double expect = 1000 * 5 * top10;
  json s = run_summary(write_scenario("cdn-purge", d), {});
  INFO("stale serves ", num(s, "components.cdn.stale_serves"), ", expected ", expect);
  CHECK(std::fabs(num(s, "components.cdn.stale_serves") - expect) < 0.08 * expect);
  CHECK(num(s, "components.cdn.purged") == 10);  // each changed object purged once, at its next request
  // Versioned names: no stale serve; each changed object is fetched once more (there is room
  // for the old copies too: with a full cache, the leftovers would evict other objects).
  d["components"][1]["invalidation"] = json::parse(R"({"method": "versioned", "updates": [{"at": "60s", "keys": 10}]})");
  json v = run_summary(write_scenario("cdn-versioned", d), {});
  CHECK(num(v, "components.cdn.stale_serves") == 0);
  CHECK(num(v, "components.cdn.origin_fetches") == num(s, "components.cdn.origin_fetches"));
  // Without invalidation the old copies are served until they expire: the popular objects,
  // fetched at 0 s and again as each 30 s TTL runs out, are stale from 70 s to 90 s, four
  // times the purge's 5 s.
  d["components"][1]["invalidation"] = json::parse(R"({"method": "ttl", "updates": [{"at": "70s", "keys": 10}]})");
  d["components"][1]["ttl"] = "30s";
  json t = run_summary(write_scenario("cdn-ttl-inval", d), {});
  INFO("ttl method: stale serves ", num(t, "components.cdn.stale_serves"));
  CHECK(std::fabs(num(t, "components.cdn.stale_serves") - 4 * expect) < 0.1 * 4 * expect);
}

TEST_CASE("cdn: egress is billed at the edge and at the origin through the cost ledger") {
  json d = one_pop(1000, "lru");
  d["components"][1]["object_kb"] = 2500;
  d["cost"] = json::parse(R"({"per_gb_egress": 0.09, "per_gb_edge_egress": 0.02})");
  d["duration"] = "60s";
  d["warmup"] = "0s";  // the client's counts then cover the whole run, as egress is billed
  json s = run_summary(write_scenario("cdn-egress", d), {});
  // Whole run (warm-up included, as billed): every request leaves the edge, every fetch the origin.
  const double sent = num(s, "components.viewers.sent");
  const double edge_gb = num(s, "components.cdn.edge_egress_gb");
  const double origin_gb = num(s, "components.cdn.origin_egress_gb");
  CHECK(edge_gb == doctest::Approx(num(s, "components.viewers.ok") * 2.5e6 / 1e9).epsilon(1e-5));
  CHECK(edge_gb <= sent * 2.5e6 / 1e9 * (1 + 1e-5));  // summary figures carry 6 digits
  CHECK(origin_gb == doctest::Approx(num(s, "components.cdn.origin_fetches") * 2.5e6 / 1e9).epsilon(1e-5));
  CHECK(origin_gb < edge_gb);
  CHECK(num(s, "cost.edge_egress_usd") == doctest::Approx(0.02 * edge_gb).epsilon(1e-5));
  CHECK(num(s, "cost.egress_usd") == doctest::Approx(0.09 * origin_gb).epsilon(1e-5));
}

TEST_CASE("cdn: bad input is exit 2 with the file and JSON location") {
  struct Case {
    const char* what;
    std::function<void(json&)> edit;
    const char* pointer;
    const char* word;
  };
  std::vector<Case> cases = {
      {"negative ttl", [](json& d) { d["components"][1]["ttl"] = -5; }, "/components/1/ttl", "negative"},
      {"negative ttl string", [](json& d) { d["components"][1]["ttl"] = "-5s"; }, "/components/1/ttl", "negative"},
      {"unknown PoP", [](json& d) { d["components"][1]["routing"]["users"] = "fr"; }, "/components/1/routing/users", "fra"},
      {"unknown client", [](json& d) { d["components"][1]["routing"] = {{"userz", "fra"}}; }, "/components/1/routing/userz", "users"},
      {"routing a service", [](json& d) { d["components"][1]["routing"] = {{"origin", "fra"}}; }, "/components/1/routing/origin", "clients"},
      {"misspelled field", [](json& d) { d["components"][1]["capacty"] = 5; }, "/components/1", "capacity"},
      {"misspelled PoP field", [](json& d) { d["components"][1]["pops"][0]["capasity"] = 5; }, "/components/1/pops/0", "capacity"},
      {"no PoPs", [](json& d) { d["components"][1]["pops"] = json::array(); }, "/components/1/pops", "at least one"},
      {"duplicate PoP", [](json& d) { d["components"][1]["pops"][1]["name"] = "fra"; }, "/components/1/pops/1/name", "duplicate"},
      {"propagation without purge", [](json& d) { d["components"][1]["invalidation"] = {{"propagation", "5s"}}; },
       "/components/1/invalidation/propagation", "purge"},
      {"update after the end", [](json& d) { d["components"][1]["invalidation"] = json::parse(R"({"updates": [{"at": "1m", "keys": 3}]})"); },
       "/components/1/invalidation/updates/0/at", "end"},
      {"no origin", [](json& d) { d["components"][1].erase("origin"); }, "/components/1/origin", "required"},
  };
  for (const Case& c : cases) {
    json d = base_doc();
    c.edit(d);
    std::string path = write_scenario("bad", d);
    auto r = run_archsim({"run", path, "--json", "--quiet", "--out", archsim::e2e::scratch_dir("cdn-bad-out")}, 30);
    INFO(c.what << ": " << describe(r));
    CHECK(r.exit_code == 2);
    CHECK(r.err.find(path) != std::string::npos);
    CHECK(r.err.find(c.pointer) != std::string::npos);
    CHECK(r.err.find(c.word) != std::string::npos);
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') <= 1);
  }
}
