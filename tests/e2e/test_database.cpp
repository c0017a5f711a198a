// The database scenarios run from the command line, and its bad input exits 2 with the JSON
// location. Figures are checked against arithmetic that is not the model's: a reshard of
// hash mod 4 -> 5 moves 4/5 of the keys, a ring about 1/5.
#include <doctest/doctest.h>

#include <string>

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
