// A cache in front of a database: what it sends its backend reaches a query the database
// defines, and write-behind conserves its writes. Ground truth: conservation (every write
// acknowledged to a client is flushed, still buffered, or lost: nothing else) and the
// database's own count of completed writes (one per batch).
#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <utility>

#include "tests/unit/harness.h"

using archsim::test::build_error;
using archsim::test::fig;
using archsim::test::run;

namespace {

// 400 writes/s over 1,000 keys through a write-behind cache flushing every second to a
// database, no crash: every batch must reach the database's "write" query.
std::string write_behind(const std::string& cache_extra, const std::string& db_queries) {
  return R"({"duration": "30s", "warmup": "0s", "components": [
    {"id": "c", "type": "client", "target": "cache", "arrivals": {"process": "constant", "rate": 400},
     "routes": [{"name": "set", "write": true, "keys": {"count": 1000}}]},
    {"id": "cache", "type": "cache", "pattern": "write_behind", "backend": "db", "flush_interval": "1s")" +
         cache_extra + R"(},
    {"id": "db", "type": "database", "queries": )" + db_queries + R"(}]})";
}

}  // namespace

TEST_CASE("cache write-behind in front of a database: batches reach its write query, writes are conserved") {
  auto r = run(write_behind("", R"({"read": "1ms", "write": "2ms"})"));
  const double writes = fig(r, "cache", "writes");
  CHECK(writes == doctest::Approx(400 * 30).epsilon(0.001));
  // Conservation: acknowledged = flushed + buffered + lost.
  CHECK(fig(r, "cache", "flushed_writes") + fig(r, "cache", "unflushed_writes") + fig(r, "cache", "lost_writes") == writes);
  CHECK(fig(r, "cache", "unflushed_writes") >= 0);
  CHECK(fig(r, "cache", "flush_failures") == 0);
  // 30 flushes (t = 1 s ... 30 s; the last one's write may still run at the end): 29 or 30
  // batches completed by the database, each one write query.
  CHECK(fig(r, "db", "throughput_rps") * 30 >= 29);
  CHECK(fig(r, "cache", "flushed_writes") >= writes - 400);
}

TEST_CASE("cache write-behind: backend_routes.write names the database's query; a route it lacks is refused at load") {
  auto r = run(write_behind(R"(, "backend_routes": {"write": "upsert"})", R"({"read": "1ms", "upsert": "2ms"})"));
  CHECK(fig(r, "cache", "flushed_writes") >= fig(r, "cache", "writes") - 400);
  // The default route is "write", which every database defines (docs/families/database.md).
  auto d = run(write_behind("", R"({"read": "1ms", "upsert": "2ms"})"));
  CHECK(d.outcomes.failed() == 0);
  CHECK(fig(d, "cache", "flush_failures") == 0);
  // A typo in backend_routes: refused there, with the query it meant.
  auto e = build_error(write_behind(R"(, "backend_routes": {"write": "upsret"})", R"({"read": "1ms", "upsert": "2ms"})"));
  CHECK(e.pointer() == "/components/1/backend_routes/write");
  CHECK(std::string(e.what()).find("did you mean \"upsert\"") != std::string::npos);
}

TEST_CASE("cache read-through in front of a database: reads go to backend_routes.read") {
  const std::string s = R"({"duration": "20s", "warmup": "0s", "components": [
    {"id": "c", "type": "client", "target": "cache", "arrivals": {"rate": 200},
     "routes": [{"name": "get", "keys": {"count": 100}}]},
    {"id": "cache", "type": "cache", "pattern": "read_through", "backend": "db", "backend_routes": {"read": "read"}},
    {"id": "db", "type": "database", "queries": {"read": "1ms", "write": "2ms"}}]})";
  auto r = run(s);
  CHECK(r.outcomes.failed() == 0);
  CHECK(fig(r, "cache", "backend_reads") == doctest::Approx(100).epsilon(0.05));  // each key once (no TTL)
  // Without backend_routes the client's route "get" would reach the database: refused at load.
  std::string bad = s;
  bad.replace(bad.find(R"(, "backend_routes": {"read": "read"})"), std::string(R"(, "backend_routes": {"read": "read"})").size(), "");
  const archsim::ScenarioError e = build_error(bad);
  CHECK(e.pointer() == "/components/0/routes/0/name");
  // The message says how to fix it: the field that names the database's read query.
  CHECK(std::string(e.what()).find("\"backend_routes\": {\"read\": ...}") != std::string::npos);
}

// Stale reads when writers go around a shared cache (they update the database and leave the
// cached copy). One key of K, reads Poisson at r per key, database writes Poisson at w per
// key, TTL tau, no invalidation. A copy filled at age 0 serves the reads of the next tau
// seconds; Poisson reads see its age uniform on [0, tau) (PASTA), and a read at age a is
// stale when a write fell in those a seconds: P = 1 - e^{-w a}. So
//   stale / hits = 1 - (1 - e^{-w tau}) / (w tau),
// e^{-1} = 0.368 at w tau = 1, 0.0952 at w tau = 0.2. The cache learns the writes from its
// "source" (the database's commit times); before, it counted 0 stale reads.
TEST_CASE("cache-aside: writers that bypass the cache make its reads stale, 1 - (1 - e^-w tau) / (w tau)") {
  auto scenario = [](const std::string& ttl, const std::string& source) {
    return R"({"duration": "300s", "warmup": "20s", "components": [
      {"id": "readers", "type": "client", "target": "api", "arrivals": {"rate": 500},
       "routes": [{"name": "get", "keys": {"count": 100}}]},
      {"id": "writers", "type": "client", "target": "api", "arrivals": {"rate": 10},
       "routes": [{"name": "update", "keys": {"count": 100}}]},
      {"id": "api", "type": "service", "concurrency": 1000, "routes": {
        "get": [{"call": "cache", "route": "get",
                 "on_miss": [{"call": "db", "route": "read"}, {"call": "cache", "route": "set"}]}],
        "update": [{"call": "db", "route": "write"}]}},
      {"id": "cache", "type": "cache", "ttl": ")" + ttl + R"(")" + source + R"(},
      {"id": "db", "type": "database", "cores": 64, "queries": {"read": "100us", "write": "100us"}}]})";
  };
  for (const auto& tw : {std::pair{"10s", 1.0}, std::pair{"2s", 0.2}}) {
    const char* ttl = tw.first;  // not a structured binding: INFO's capture of one needs C++20 P1091, which Clang 14 lacks
    const double wt = tw.second;
    auto r = run(scenario(ttl, R"(, "source": "db")"));
    const double want = 1 - (1 - std::exp(-wt)) / wt;
    INFO("ttl " << ttl << ": stale " << fig(r, "cache", "stale_reads") << " of " << fig(r, "cache", "hits"));
    CHECK(fig(r, "cache", "stale_reads") / fig(r, "cache", "hits") == doctest::Approx(want).epsilon(0.06));
  }
  // Without a source the cache knows only its own writes: none here.
  CHECK(fig(run(scenario("10s", "")), "cache", "stale_reads") == 0);
  // A source that keeps no write times (a service) is refused where it is named.
  std::string svc = scenario("10s", R"(, "source": "api")");
  CHECK(build_error(svc).pointer() == "/components/3/source");
}
