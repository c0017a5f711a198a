// Bad input on the drain fault: what cannot be drained is refused at the fault's target,
// one line, exit 2 (tests/e2e/bad_input.h).
#include <doctest/doctest.h>

#include <string>

#include "tests/e2e/bad_input.h"
#include "tests/e2e/run_archsim.h"

using namespace archsim::e2e::bad_input;

TEST_CASE("bad input: a drain on an in-process cache is refused: it is its service's memory, not a node") {
  const std::string path = archsim::e2e::source_path("scenarios/caching/l1-l2.json");
  check_semantic_error(run_bad(path, {"--set", "faults=[{\"at\":\"10s\",\"kind\":\"drain\",\"target\":\"l1\"}]"}), path,
                       {"", "/faults/0/target", {"a service, a database, a distributed cache or a queue"}});
}

TEST_CASE("bad input: a drain on a client is refused, naming what can be drained") {
  const std::string path = archsim::e2e::source_path("scenarios/caching/maxmemory.json");
  check_semantic_error(run_bad(path, {"--set", "faults=[{\"at\":\"10s\",\"kind\":\"drain\",\"target\":\"users\"}]"}), path,
                       {"", "/faults/0/target", {"a service, a database, a distributed cache or a queue"}});
}

TEST_CASE("bad input: a replica drain needs a database with replicas, and role is primary or replica") {
  const std::string db = archsim::e2e::source_path("scenarios/databases/read-replicas.json");
  check_set_cases(db, {
      {"faults=[{\"at\":\"10s\",\"kind\":\"drain\",\"target\":\"db\",\"role\":\"secondary\"}]",
       {"", "/faults/0/role", {"replica"}}},
  });
  const std::string pool = archsim::e2e::source_path("scenarios/databases/pool-exhaustion.json");
  check_set_cases(pool, {
      {"faults=[{\"at\":\"10s\",\"kind\":\"drain\",\"target\":\"db\",\"role\":\"replica\"}]", {"", "/faults/0/role", {"no replicas"}}},
      {"faults=[{\"at\":\"10s\",\"kind\":\"drain\",\"target\":\"api\",\"role\":\"replica\"}]", {"", "/faults/0/role", {"no replicas"}}},
  });
}
