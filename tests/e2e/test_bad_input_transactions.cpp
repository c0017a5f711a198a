// Bad input on transactions across services (two-phase commit: the coordinator's
// two_phase_commit block, the participants' max_prepared_transactions): each fault at its
// JSON pointer, one line, exit 2 (tests/e2e/bad_input.h).
#include <doctest/doctest.h>

#include <string>
#include <utility>
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

TEST_CASE("bad input: a two-phase-commit participant that cannot prepare is refused at load") {
  // A cache or a plain service answers "prepare" as any call: it would vote yes without
  // preparing anything, and the transaction would commit where nothing held it.
  const std::string at = "/components/1/routes/transfer/0/two_phase_commit/participants/1/call";
  for (const auto& c : std::vector<std::pair<std::string, std::vector<const char*>>>{
           {"two_phase_cache_participant.json", {"\"sessions\" is a cache", "max_prepared_transactions"}},
           {"two_phase_service_participant.json", {"\"audit\" is a service", "vote yes"}}}) {
    const std::string& file = c.first;  // not a structured binding: CAPTURE's lambda takes it (clang < 16)
    const auto& words = c.second;
    CAPTURE(file);
    check_semantic_error(run_bad(bad(file)), bad(file), {"", at.c_str(), words});
  }
  // A database without prepared transactions is no participant either (its routes say so first).
  const std::string path = archsim::e2e::source_path("scenarios/transactions/two-phase-commit.json");
  check_set_cases(path, {{"ledger_b.max_prepared_transactions=null",
                          {"", "/components/1/routes/transfer/1/two_phase_commit/participants/1/call",
                           {"route \"prepare\" reaches \"ledger_b\"", "no such route"}}}});
}
