// The database on the server pool, from the command line: the connection-budget warning
// (callers' pools summed over their instances against max_connections: one line on stderr,
// exit 0, listed in summary.json), and billing of its nodes by instance_type (nodes x hours x
// price, arithmetic that is not the model's).
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/e2e/run_archsim.h"

using archsim::e2e::describe;
using archsim::e2e::num;
using archsim::e2e::parse_summary;
using archsim::e2e::run_archsim;
using archsim::e2e::source_path;
using archsim::e2e::write_scenario;

namespace {

const std::string kPool = "scenarios/databases/pool-exhaustion.json";

// Lines of `err` holding "warning:".
int warning_lines(const std::string& err) {
  int n = 0;
  for (std::size_t at = err.find("warning:"); at != std::string::npos; at = err.find("warning:", at + 1)) ++n;
  return n;
}

// api (2 replicas) -> db (max_connections 30) through a service-level pool of `size` for db,
// with an autoscaler of max `max` on api when `max` > 0.
std::string shared_pool(const std::string& name, int size, int max) {
  nlohmann::json doc = {
      {"name", name}, {"seed", 1}, {"duration", "5s"},
      {"components",
       {{{"id", "users"}, {"type", "client"}, {"target", "api"}, {"arrivals", {{"process", "poisson"}, {"rate", 50}}}},
        {{"id", "api"}, {"type", "service"}, {"replicas", 2}, {"concurrency", 16},
         {"pool", {{"size", size}, {"for", {"db"}}}},
         {"routes", {{"default", {{{"call", "db"}, {"route", "read"}}}}}}},
        {{"id", "db"}, {"type", "database"}, {"max_connections", 30}}}}};
  if (max > 0)
    doc["components"].push_back({{"id", "hpa"}, {"type", "autoscaler"}, {"target", "api"}, {"min_replicas", 2},
                                 {"max_replicas", max}, {"metrics", {{{"type", "cpu"}, {"target", 0.6}}}}});
  return write_scenario(name, doc);
}

}  // namespace

TEST_CASE("database e2e: pools past max_connections are warned about at load, by how much; exit 0") {
  // pool-exhaustion with its pools raised to 40: 2 api replicas x 40 = 80 connections
  // against max_connections 30: 50 too many.
  const std::string s = source_path(kPool);
  auto r = run_archsim({"run", s, "--quiet", "--json", "--no-report", "--out", archsim::e2e::scratch_dir("pool-warn"),
                        "--set", "duration=15s", "--set", "api.routes.read.1.pool.size=40"},
                       120);
  INFO(describe(r));
  REQUIRE(r.exit_code == 0);
  CHECK(warning_lines(r.err) == 1);
  CHECK(r.err.find(s + ": /components/2/max_connections: warning:") != std::string::npos);
  CHECK(r.err.find("hold up to 80 connections, 50 more than its max_connections (per node) of 30") != std::string::npos);
  CHECK(r.err.find("pool 40 at /components/1/routes/read/1/pool/size x 2 instances (2 at /components/1/replicas)") !=
        std::string::npos);
  const nlohmann::json sum = parse_summary(r);
  REQUIRE(sum.contains("warnings"));
  REQUIRE(sum["warnings"].size() == 1);
  CHECK(sum["warnings"][0]["pointer"] == "/components/2/max_connections");
  CHECK(sum["warnings"][0]["message"].get<std::string>().find("50 more") != std::string::npos);
  // The run itself goes on: the bursts past 30 are refused by the database.
  CHECK(num(sum, "components.db.too_many_connections") >= 0);
}

TEST_CASE("database e2e: no warning within max_connections (the shipped pool-exhaustion: 2 x 6 = 12 <= 30)") {
  const std::string s = source_path(kPool);
  auto v = run_archsim({"validate", s}, 60);
  INFO(describe(v));
  CHECK(v.exit_code == 0);
  CHECK(warning_lines(v.err) == 0);
  auto r = run_archsim({"run", s, "--quiet", "--json", "--no-report", "--out", archsim::e2e::scratch_dir("pool-ok"),
                        "--set", "duration=15s"},
                       120);
  REQUIRE(r.exit_code == 0);
  CHECK(warning_lines(r.err) == 0);
  CHECK_FALSE(parse_summary(r).contains("warnings"));
  // Exactly at the limit is within it: 2 x 15 = 30.
  auto at = run_archsim({"validate", shared_pool("pool-at-limit", 15, 0)}, 60);
  CHECK(at.exit_code == 0);
  CHECK(warning_lines(at.err) == 0);
}

TEST_CASE("database e2e: a service-level pool counts once per instance; an autoscaler's max_replicas replaces replicas") {
  // Shared pool of 20 for db on 2 replicas: 40, 10 past 30.
  const std::string a = shared_pool("pool-shared", 20, 0);
  auto r = run_archsim({"validate", a}, 60);
  INFO(describe(r));
  CHECK(r.exit_code == 0);
  CHECK(warning_lines(r.err) == 1);
  CHECK(r.err.find("hold up to 40 connections, 10 more than") != std::string::npos);
  CHECK(r.err.find("pool 20 at /components/1/pool/size x 2 instances") != std::string::npos);
  // 15 each is 30 on 2 replicas (fine), but an autoscaler may run 5: 75, 45 too many.
  const std::string b = shared_pool("pool-scaled", 15, 5);
  auto s = run_archsim({"validate", b}, 60);
  INFO(describe(s));
  CHECK(s.exit_code == 0);
  CHECK(warning_lines(s.err) == 1);
  CHECK(s.err.find("hold up to 75 connections, 45 more than") != std::string::npos);
  CHECK(s.err.find("x 5 instances (autoscaler max 5 at /components/3/max_replicas)") != std::string::npos);
}

TEST_CASE("database e2e: nodes are billed by instance_type: nodes x hours x the hourly price") {
  // read-replicas: one primary and its replicas, each billed for the whole run at 3.6 $/h
  // (0.001 $/s): 60 s x nodes x 0.001 $.
  const std::string s = source_path("scenarios/databases/read-replicas.json");
  auto r = run_archsim({"run", s, "--quiet", "--json", "--no-report", "--out", archsim::e2e::scratch_dir("db-bill"), "--set",
                        "duration=60s", "--set", "db.instance_type=\"dbx\"", "--set", "cost.prices_per_hour.dbx=3.6"},
                       120);
  INFO(describe(r));
  REQUIRE(r.exit_code == 0);
  const nlohmann::json sum = parse_summary(r);
  // The primary and read-replicas.json's 2 replicas, 60 s each: 180 s, 0.18 $.
  CHECK(num(sum, "components.db.instance_seconds") == doctest::Approx(180.0));
  CHECK(num(sum, "cost.by_component.db") == doctest::Approx(0.18));
  CHECK(sum["components"]["db"]["instance_type"] == "dbx");
}

TEST_CASE("database e2e: bad instance_type and restart_time are refused at their pointer, one line, exit 2") {
  const std::string path = source_path("scenarios/databases/failover.json");
  struct Case {
    std::vector<std::string> sets;
    const char* pointer;
    const char* words;
  };
  const Case cases[] = {
      {{"db.instance_type=5"}, "/components/1/instance_type", "expected a string"},
      {{"db.instance_type=\"nope\"", "instance_types={\"m5.large\":{\"speed\":1,\"memory_mb\":8192}}"},
       "/components/1/instance_type",
       "unknown instance type \"nope\""},
      {{"db.restart_time=\"-1s\""}, "/components/1/restart_time", "must not be negative"},
      {{"db.restart_time=\"abc\""}, "/components/1/restart_time", "is not a duration"},
  };
  for (const Case& c : cases) {
    std::vector<std::string> args{"run", path, "--quiet", "--no-report", "--json"};
    for (const auto& s : c.sets) args.insert(args.end(), {"--set", s});
    const auto r = run_archsim(args);
    INFO(describe(r));
    CHECK(r.exit_code == 2);
    CHECK(r.out.empty());
    const auto ls = archsim::e2e::lines(r.err);
    REQUIRE(ls.size() == 1);
    CHECK(ls[0].rfind(path + ": " + c.pointer + ": ", 0) == 0);
    CHECK(ls[0].find(c.words) != std::string::npos);
  }
}
