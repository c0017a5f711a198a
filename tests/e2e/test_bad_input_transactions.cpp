// Bad input on transactions across services (two-phase commit: the coordinator's
// two_phase_commit block, the participants' max_prepared_transactions): each fault at its
// JSON pointer, one line, exit 2 (tests/e2e/bad_input.h).
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "tests/e2e/bad_input.h"
#include "tests/e2e/run_archsim.h"

using namespace archsim::e2e::bad_input;

TEST_CASE("bad input: a two_phase_commit block, each fault at its pointer") {
  const std::string path = archsim::e2e::source_path("scenarios/transactions/two-phase-commit.json");
  const std::string block = "transfers.routes.transfer.1.two_phase_commit";
  const std::string at = "/components/1/routes/transfer/1/two_phase_commit";
  check_set_cases(path, {
      {block + "=[]", {"", (at).c_str(), {"object"}}},
      {block + ".participants=[]", {"", (at + "/participants").c_str(), {"non-empty"}}},
      {block + ".participants=\"ledger_a\"", {"", (at + "/participants").c_str(), {}}},
      {block + ".participants=[{\"timeout\":\"1s\"}]", {"", (at + "/participants/0").c_str(), {"call"}, true}},
      {block + ".participants=[{\"call\":\"nowhere\"}]", {"", (at + "/participants/0/call").c_str(), {"nowhere"}}},
      {block + ".participants.0.timeout=\"-1s\"", {"", (at + "/participants/0/timeout").c_str(), {}}},
      {block + ".participants.0.retry={\"max_attempts\":3}", {"", (at + "/participants/0/retry").c_str(), {"unknown field"}}},
      {block + ".coordinator_crash.probability=1.5", {"", (at + "/coordinator_crash/probability").c_str(), {}}},
      {block + ".coordinator_crash.recovery=\"0s\"", {"", (at + "/coordinator_crash/recovery").c_str(), {"above 0"}}},
      {block + ".coordinator_crash={\"probability\":0.1}", {"", (at + "/coordinator_crash").c_str(), {"recovery"}, true}},
      {block + ".coordinator_crash.probablity=0.1", {"", (at + "/coordinator_crash/probablity").c_str(), {"probability"}}},
      {block + ".retry_interval=\"0s\"", {"", (at + "/retry_interval").c_str(), {}}},
      {block + ".retries=3", {"", (at + "/retries").c_str(), {"unknown field"}}},
  });
}

TEST_CASE("bad input: a database's max_prepared_transactions, each fault at its pointer") {
  const std::string path = archsim::e2e::source_path("scenarios/transactions/two-phase-commit.json");
  const std::string at = "/components/3/max_prepared_transactions";
  check_set_cases(path, {
      {"ledger_b.max_prepared_transactions=0", {"", at.c_str(), {}}},
      {"ledger_b.max_prepared_transactions=2.5", {"", at.c_str(), {}}},
      {"ledger_b.max_prepared_transactions=\"many\"", {"", at.c_str(), {}}},
      {"ledger_b.shards=2", {"", at.c_str(), {"unsharded"}}},
      {"ledger_b.queries.prepare=\"1ms\"", {"", at.c_str(), {"already a query"}}},
  });
}
