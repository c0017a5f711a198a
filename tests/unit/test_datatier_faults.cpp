// The faults a service takes, on a cache and a database (through the same Degradable
// capability): a slow Redis or database, a full disk, errors. Each is checked by its plain
// arithmetic effect where nothing else varies: constant arrivals spaced far wider than a
// constant operation (no queueing), so a request's latency is its operation's time exactly.
#include <doctest/doctest.h>

#include <string>

#include "tests/unit/harness.h"

using namespace archsim;
using archsim::test::build_error;
using archsim::test::fig;

namespace {

// 50 reads/s and 10 writes/s (constant spacing) straight to `target`, for 20 s.
RunResult run_tier(const std::string& target, const std::string& fault) {
  const std::string text = R"({"duration": "20s", "network": {"latency": "0s"}, "components": [
      {"id": "readers", "type": "client", "target": ")" + target + R"(", "arrivals": {"process": "constant", "rate": 50},
       "routes": [{"name": "read", "keys": {"count": 100}}]},
      {"id": "writers", "type": "client", "target": ")" + target + R"(", "arrivals": {"process": "constant", "rate": 10},
       "routes": [{"name": "write", "write": true, "keys": {"count": 100}}]},
      {"id": "cache", "type": "cache", "latency": "2ms", "concurrency": 4},
      {"id": "db", "type": "database", "cores": 4, "queries": {"read": "2ms", "write": "2ms"}}],
    "faults": [)" + fault + "]}";
  return archsim::test::run(text);
}

const RouteResult& route(const RunResult& r, const std::string& name) {
  for (const RouteResult& x : r.routes)
    if (x.name == name) return x;
  FAIL("no route " << name);
  return r.routes.front();
}

}  // namespace

TEST_CASE("data-tier faults: slowdown multiplies a cache's and a database's operation times while it lasts") {
  for (const char* target : {"cache", "db"}) {
    INFO(target);
    // 10 s of 20 at 4x: half the operations take 8 ms, half 2 ms: mean 5 ms, max 8 ms.
    RunResult r = run_tier(target, std::string(R"({"at": "5s", "duration": "10s", "kind": "slowdown", "target": ")") + target +
                                       R"(", "factor": 4})");
    CHECK(r.outcomes.ok() == r.outcomes.total());
    CHECK(r.latency.mean == doctest::Approx(5.0).epsilon(0.02));
    CHECK(r.latency.max == doctest::Approx(8.0).epsilon(0.01));
  }
}

TEST_CASE("data-tier faults: a full disk fails a cache's and a database's writes and serves their reads") {
  for (const char* target : {"cache", "db"}) {
    INFO(target);
    // Writes every 100 ms; the disk is full from 5 s to 15 s: the 100 writes sent then fail.
    RunResult r = run_tier(target, std::string(R"({"at": "5s", "duration": "10s", "kind": "disk_full", "target": ")") + target + "\"}");
    CHECK(route(r, "read").outcomes.ok() == route(r, "read").outcomes.total());
    CHECK(route(r, "write").outcomes.failed() == doctest::Approx(100).epsilon(0.02));
    CHECK(fig(r, target, "fault_errors") == route(r, "write").outcomes.failed());
  }
}

TEST_CASE("data-tier faults: error_rate on a cache or a database answers that share of its operations with Error") {
  for (const char* target : {"cache", "db"}) {
    INFO(target);
    // 1,199 operations, each failing with probability 0.3: 360 +- 3 sigma (sigma = 15.9).
    RunResult r = run_tier(target, std::string(R"({"at": "0s", "duration": "20s", "kind": "error_rate", "target": ")") + target +
                                       R"(", "rate": 0.3})");
    const double failed = static_cast<double>(r.outcomes.failed());
    CHECK(failed > 360 - 48);
    CHECK(failed < 360 + 48);
  }
}

TEST_CASE("data-tier faults: a memory leak is refused on a database without memory.limit_mb (nothing it could reach)") {
  const std::string text = R"({"duration": "5s", "components": [
      {"id": "c", "type": "client", "target": "db", "arrivals": {"rate": 10}, "routes": [{"name": "read"}]},
      {"id": "db", "type": "database"}],
    "faults": [{"at": "1s", "duration": "1s", "kind": "memory_leak", "target": "db", "per_second_mb": 10}]})";
  CHECK(build_error(text).pointer() == "/faults/0/target");
}
