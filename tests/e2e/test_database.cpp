// The database scenarios run from the command line, and its bad input exits 2 with the JSON
// location. Figures are checked against arithmetic that is not the model's: a reshard of
// hash mod 4 -> 5 moves 4/5 of the keys, a ring about 1/5; a scatter query's latency is the
// maximum of its parts' (order statistics); async stale reads follow the lag (M/G/inf).
#include <doctest/doctest.h>

#include <cmath>
#include <string>

#include <nlohmann/json.hpp>

#include "tests/e2e/run_archsim.h"

using archsim::e2e::num;
using archsim::e2e::run_archsim;
using archsim::e2e::run_summary;
using archsim::e2e::source_path;

TEST_CASE("database e2e: reshard 4 -> 5 moves 4/5 of the keys with hash mod n, ~1/5 with a ring") {
  const std::string s = source_path("scenarios/databases/reshard.json");
  auto hash = run_summary(s, {"--set", "duration=35s"});
  CHECK(num(hash, "components.db.keys_moved_fraction") == doctest::Approx(0.8).epsilon(0.02));
  auto ring = run_summary(s, {"--set", "duration=35s", "--set", "db.sharding=consistent_hash"});
  CHECK(num(ring, "components.db.keys_moved_fraction") > 0.15);
  CHECK(num(ring, "components.db.keys_moved_fraction") < 0.25);
}

TEST_CASE("database e2e: failover loses writes with async replication and none with semi_sync") {
  const std::string s = source_path("scenarios/databases/failover.json");
  auto a = run_summary(s, {"--set", "duration=100s"});
  CHECK(num(a, "components.db.lost_writes") > 0);
  CHECK(num(a, "requests.by_cause.not_primary") > 0);
  auto b = run_summary(s, {"--set", "duration=100s", "--set", "db.replication=semi_sync"});
  CHECK(num(b, "components.db.lost_writes") == 0);
}

TEST_CASE("database e2e: bad input exits 2 with the JSON location") {
  const std::string s = source_path("scenarios/databases/sharding.json");
  auto r = run_archsim({"run", s, "--quiet", "--set", "users-db.sharding=modulo"}, 30);
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("/components/1/sharding") != std::string::npos);
  r = run_archsim({"run", s, "--quiet", "--set", "users-db.shards=0"}, 30);
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("/components/1/shards") != std::string::npos);
  r = run_archsim({"run", source_path("scenarios/databases/read-replicas.json"), "--quiet", "--set", "db.replicas=-1"}, 30);
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("/components/1/replicas") != std::string::npos);
}

// A scatter query answers with its slowest part: the maximum of n i.i.d. exponential
// service times (mean 1/mu) has mean H_n / mu (order statistics: the gaps between successive
// finishers are exponential with rates n mu, (n-1) mu, ..., mu). 16 cores per shard at 200
// searches/s x 10 ms keep every shard's core wait at zero, so the latency is the work alone.
// An engine that answered with the first part would print 10/n ms, with a typical part 10 ms.
TEST_CASE("database e2e: a scatter-gather query waits for the slowest shard (H_n / mu)") {
  const std::string s = source_path("scenarios/databases/scatter-gather.json");
  for (int n : {1, 2, 4, 8}) {
    auto r = run_summary(s, {"--set", "duration=100s", "--set", "db.shards=" + std::to_string(n)});
    double h = 0;
    for (int k = 1; k <= n; ++k) h += 1.0 / k;
    INFO("shards = " << n);
    CHECK(num(r, "components.db.latency_ms.mean") == doctest::Approx(10.0 * h).epsilon(0.03));
    if (n > 1) CHECK(num(r, "components.db.scatter_queries") > 15000);
  }
}

// Stale reads against the lag distribution. One key, writes Poisson at rate w, each binlog
// event reaching the one replica after a lag L (i.i.d.; the stream is ordered, so an event
// never overtakes an earlier one). A read of the replica is stale exactly when some
// acknowledged write has not yet been applied there; with one key, the latest write is
// applied only after every earlier one, so that is "the writes in flight are not zero". The
// writes in flight are an M/G/inf queue, Poisson with mean w E[L] whatever L's distribution
// (insensitivity), and Poisson reads see its time average (PASTA):
//   P(stale) = 1 - exp(-w E[L]).
// So a constant 40 ms, an exponential 40 ms and a uniform 0..80 ms lag all give
// 1 - e^-1 = 0.632 at 25 writes/s, and a constant 10 ms gives 1 - e^-0.25 = 0.221. An engine
// that judged staleness by the last lag drawn, or ignored the ordering, would not.
TEST_CASE("database e2e: async stale reads follow the lag (1 - exp(-w E[lag]))") {
  auto scenario = [](const nlohmann::json& lag) {
    nlohmann::json doc = {
        {"name", "stale-reads"},
        {"seed", 3},
        {"duration", "300s"},
        {"warmup", "5s"},
        {"network", {{"latency", "0s"}}},
        {"components",
         {{{"id", "app"},
           {"type", "client"},
           {"target", "db"},
           {"arrivals", {{"process", "poisson"}, {"rate", 225}}},
           {"routes", {{{"name", "read"}, {"weight", 200}}, {{"name", "write"}, {"weight", 25}, {"write", true}}}}},
          {{"id", "db"},
           {"type", "database"},
           {"cores", 8},
           {"queries", {{"read", "100us"}, {"write", "10us"}}},
           {"replicas", 1},
           {"read_from", "replicas"},
           {"replication", "async"},
           {"replication_lag", lag}}}}};
    return archsim::e2e::write_scenario("stale-reads", doc);
  };
  struct Case {
    nlohmann::json lag;
    double mean_s;
  };
  const Case cases[] = {{"40ms", 0.040},
                        {{{"dist", "exponential"}, {"mean", "40ms"}}, 0.040},
                        {{{"dist", "uniform"}, {"min", "0ms"}, {"max", "80ms"}}, 0.040},
                        {"10ms", 0.010}};
  for (const Case& c : cases) {
    auto r = run_summary(scenario(c.lag), {});
    const double reads = num(r, "components.db.throughput_rps") * 295.0 * 200.0 / 225.0;
    const double p = num(r, "components.db.stale_reads") / reads;
    // The window is the lag plus the replica's 10 us apply.
    const double theory = 1.0 - std::exp(-25.0 * (c.mean_s + 10e-6));
    INFO("lag " << c.lag.dump() << ": stale fraction " << p << ", theory " << theory);
    CHECK(p == doctest::Approx(theory).epsilon(0.05));
  }
}

namespace {

// A database 'db' in zone a with one replica in zone b, reached directly by a client in
// zone a; constant costs and lags and a light load, so every figure is a sum of constants.
std::string multi_az(const std::string& name, const nlohmann::json& zones, const std::string& replication,
                     const std::string& route) {
  nlohmann::json client_route = {{"name", route}};
  if (route == "write") client_route["write"] = true;
  nlohmann::json doc = {
      {"name", name},
      {"seed", 1},
      {"duration", "60s"},
      {"warmup", "1s"},
      {"network", {{"latency", "0s"}, {"cross_zone_latency", "5ms"}}},
      {"components",
       {{{"id", "app"},
         {"type", "client"},
         {"zone", "a"},
         {"target", "db"},
         {"arrivals", {{"process", "poisson"}, {"rate", 20}}},
         {"routes", {client_route}}},
        {{"id", "db"},
         {"type", "database"},
         {"zone", "a"},
         {"zones", zones},
         {"queries", {{"read", "1ms"}, {"write", "2ms"}}},
         {"replicas", 1},
         {"read_from", "replicas"},
         {"replication", replication},
         {"replication_lag", "1ms"}}}}};
  return archsim::e2e::write_scenario(name, doc);
}

}  // namespace

// Multi-AZ: with cross_zone_latency 5 ms, a read served by the replica in zone b costs its
// 1 ms plus a round trip (11 ms); a semi_sync write waits for the event to reach zone b
// (1 ms lag + 5 ms) and the acknowledgement to come back (5 ms): 2 + 11 = 13 ms; a sync
// write for the apply too (2 ms): 15 ms; async acknowledges at commit (2 ms) and the replica
// applies 1 + 5 + 2 = 8 ms after it. In one zone the same are 1, 3, 5, 2 and 3 ms.
TEST_CASE("database e2e: replicas in another zone pay the cross-zone latency") {
  const nlohmann::json two = {"a", "b"}, one = {"a", "a"};
  auto mean = [](const std::string& path) {
    auto r = run_summary(path, {});
    return num(r, "components.db.latency_ms.mean");
  };
  CHECK(mean(multi_az("az-read", two, "async", "read")) == doctest::Approx(11.0).epsilon(0.01));
  CHECK(mean(multi_az("az-read1", one, "async", "read")) == doctest::Approx(1.0).epsilon(0.01));
  CHECK(mean(multi_az("az-semi", two, "semi_sync", "write")) == doctest::Approx(13.0).epsilon(0.01));
  CHECK(mean(multi_az("az-semi1", one, "semi_sync", "write")) == doctest::Approx(3.0).epsilon(0.01));
  CHECK(mean(multi_az("az-sync", two, "sync", "write")) == doctest::Approx(15.0).epsilon(0.01));
  auto async = run_summary(multi_az("az-async", two, "async", "write"), {});
  CHECK(num(async, "components.db.latency_ms.mean") == doctest::Approx(2.0).epsilon(0.01));
  CHECK(num(async, "components.db.replication_lag_ms.mean") == doctest::Approx(8.0).epsilon(0.02));
}

// The flash sale as the caller's two steps (stock_read, then on_found: stock_decrement):
// check_then_act oversells (the buys that read the last units before they were taken),
// atomic and optimistic never do; atomic sells exactly the 100 units.
TEST_CASE("database e2e: two-step flash sale oversells only with check_then_act") {
  const std::string s = source_path("scenarios/databases/flash-sale.json");
  auto cta = run_summary(s, {"--set", "duration=5s"});
  CHECK(num(cta, "components.orders-db.oversold") > 0);
  CHECK(num(cta, "components.orders-db.stock_left") < 0);
  auto atomic = run_summary(s, {"--set", "duration=5s", "--set", "orders-db.stock_update=atomic"});
  CHECK(num(atomic, "components.orders-db.oversold") == 0);
  CHECK(num(atomic, "components.orders-db.sold") == 100);
  CHECK(num(atomic, "components.orders-db.stock_left") == 0);
  auto opt = run_summary(s, {"--set", "duration=5s", "--set", "orders-db.stock_update=optimistic"});
  CHECK(num(opt, "components.orders-db.oversold") == 0);
  CHECK(num(opt, "components.orders-db.sold") == 100);
  CHECK(num(opt, "components.orders-db.conflicts") > 0);
}

TEST_CASE("database e2e: bad zones exit 2 with the JSON location") {
  const std::string s = source_path("scenarios/databases/read-replicas.json");
  for (const char* bad : {"db.zones=[]", "db.zones=[\"\"]", "db.zones=\"a\"", "db.zones=[1]"}) {
    auto r = run_archsim({"run", s, "--quiet", "--set", bad}, 30);
    INFO(bad << ": " << r.err);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("/components/1/zones") != std::string::npos);
  }
}
